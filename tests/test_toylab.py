"""The 2-D GAN lab: its measurements, its presets (seeded, CPU) and its handlers."""

import gradio as gr
import numpy as np
import pytest
import torch

from explorer import losses
from explorer.data import toy_modes, toy_points
from explorer.device import one_thread
from explorer.ui.tabs.toylab import handlers, presets
from explorer.ui.tabs.toylab.presets import PRESET_VIEWS
from trainers.toy2d import ToyLab, ToyLabConfig, js_divergence, mode_coverage, optimal_discriminator

RING = toy_modes("ring of 8 Gaussians")


def test_mode_coverage_counts_modes_with_enough_points():
    everywhere = toy_points("ring of 8 Gaussians", 800, 0.05, seed=1).numpy()
    assert mode_coverage(everywhere, RING, radius=0.15) == 8
    one_mode = RING[3] + 0.02 * np.random.default_rng(0).standard_normal((800, 2))
    assert mode_coverage(one_mode, RING, radius=0.15) == 1
    far_away = np.full((100, 2), 10.0)
    assert mode_coverage(far_away, RING, radius=0.15) == 0


def test_optimal_discriminator_matches_the_analytic_ratio():
    rng = np.random.default_rng(0)
    sigma, mu = 0.5, np.array([1.0, 0.0])
    real = rng.normal(0, sigma, size=(20_000, 2))
    fake = rng.normal(0, sigma, size=(20_000, 2)) + mu
    grid = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 0.0], [-0.5, 0.3]])
    estimate = optimal_discriminator(real, fake, grid, bandwidth=0.1)

    def density(x, m):
        return np.exp(-((x - m) ** 2).sum(-1) / (2 * sigma**2))

    analytic = density(grid, 0) / (density(grid, 0) + density(grid, mu))  # D* = p_d / (p_d + p_g)
    assert np.allclose(estimate, analytic, atol=0.05)
    assert estimate[1] == pytest.approx(0.5, abs=0.05)  # halfway between the two: D* = ½


def test_js_divergence_bounds():
    a = toy_points("ring of 8 Gaussians", 2000, 0.05, seed=0).numpy()
    assert js_divergence(a, a) == pytest.approx(0.0, abs=1e-9)
    left = np.random.default_rng(1).normal([-1.5, 0], 0.05, size=(500, 2))
    right = np.random.default_rng(2).normal([1.5, 0], 0.05, size=(500, 2))
    assert js_divergence(left, right) == pytest.approx(np.log(2), abs=1e-6)  # disjoint supports: log 2


@pytest.fixture(autouse=True)
def _one_thread():
    """The lab's networks are 64-wide MLPs: intra-op threads bring nothing but their barriers, and while other
    processes hold the cores those spin-waits cost a scheduler slice per op (on a busy 2-core machine a WGAN-GP
    step took 1.7 s with 2 threads, 17 ms with 1; the trajectories are the same)."""
    with one_thread():
        yield


def run_preset(name: str, steps: int | None = None) -> ToyLab:
    """A lab with a preset's settings (the others at their defaults), after ``steps`` (default: the preset's)."""
    preset = presets.PRESETS[name]
    lab = ToyLab(ToyLabConfig(**{k: v for k, v in preset.items() if k != "steps"}))
    for _ in range(preset["steps"] if steps is None else steps):
        lab.step()
    return lab


@pytest.mark.slow
def test_wgan_gp_covers_the_ring_where_the_mode_collapse_preset_does_not():
    # both after the same 300 steps, short of the presets' own lengths: WGAN-GP covers 7 modes from step 200
    # and 8 from 300 on, while the mode-collapse preset sits on 1 mode from step 100 to its 1 500 (seed 0)
    wgan = run_preset("WGAN-GP fixes it", steps=300)
    collapsed = run_preset("mode collapse", steps=300)
    assert wgan.coverage() >= 7
    assert 1 <= collapsed.coverage() <= 3  # on the data, but on few of its modes: collapsed, not untrained


def test_minimax_gradient_vanishes_against_a_strong_discriminator():
    lab = run_preset("vanishing gradients")
    assert lab.history[-1].g_grad_norm < 0.01 * max(r.g_grad_norm for r in lab.history[:20])


def test_weight_clipping_keeps_every_critic_weight_in_range():
    lab = ToyLab(ToyLabConfig(loss="wgan", clip=0.01, d_lr=5e-3))
    for _ in range(5):
        lab.step()
    assert all(p.abs().max() <= 0.01 + 1e-7 for p in lab.discriminator.parameters())


def test_gradient_penalty_of_a_linear_critic():
    w = torch.tensor([3.0, 4.0])  # ‖∇D‖ = ‖w‖ = 5 everywhere: penalty (5 − 1)² = 16

    def critic(x):
        return x @ w

    penalty = losses.gradient_penalty(critic, torch.randn(8, 2), torch.randn(8, 2))
    assert penalty.item() == pytest.approx(16.0)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(n_points=0), "number of points"),
        (dict(n_points=10**7), "number of points"),
        (dict(g_lr=0.0), "learning rates must be > 0"),
        (dict(g_layers=1000), "g_layers"),
    ],
)
def test_bad_settings_are_clear_errors(change, message):
    values = presets.preset_values("mode collapse")
    values.update(change)
    with pytest.raises(gr.Error, match=message):
        handlers.reset(True, False, values)


def test_handlers_step_render_and_recover_from_divergence():
    values = presets.preset_values("WGAN-GP fixes it")
    lab, plane, history, text = handlers.advance(None, "both", 5, True, True, values)
    assert lab.step_count == 5 and "step 5" in text
    assert [t.name for t in plane.data][:2] == ["D", "D*"] and any(t.name == "G(z)" for t in plane.data)
    lab, _, _, _ = handlers.advance(lab, "d", 1, False, False, values)
    assert lab.step_count == 6
    with torch.no_grad():
        next(lab.generator.parameters()).fill_(float("nan"))
    lab, plane, _, text = handlers.advance(lab, "both", 3, True, False, values)
    assert lab.diverged and "DIVERGED" in text and "DIVERGED" in plane.layout.title.text
    lab, _, _, text = handlers.reset(True, False, values)
    assert not lab.diverged and lab.step_count == 0


@pytest.mark.parametrize("preset", list(presets.PRESETS))
def test_each_preset_plays_fifty_steps_and_draws_its_views(preset):
    """What the lab's ▶ Play does, through its handlers: the preset chosen, ten frames of five steps, each view the
    preset turns on drawn (the browser plays three of them: tests/e2e/test_toylab_presets_browser.py)."""
    chosen = handlers.select_preset(preset)
    settings, optimal, views, lab = chosen["settings"], chosen["optimal"], chosen["views"], chosen["lab"]
    assert lab.step_count == 0 and chosen["readout"].startswith("step 0")
    for _ in range(10):
        lab, plane, history, text = handlers.advance(lab, "both", 5, True, optimal, settings, views)
    assert lab.step_count == 50 and text.startswith("step 50"), text
    assert "nan" not in text.lower() and "DIVERGED" not in text, text
    assert len(plane.data) >= 2 and len(history.data) >= 1  # data and G(z) drawn; the curves
    shown = PRESET_VIEWS.get(preset, ())
    names = [trace.name or "" for trace in plane.data]
    assert any("z-grid" in name for name in names) == ("z_grid" in shown), names
    if "lipschitz" in shown:
        figure, note = handlers.lipschitz_panel(lab, settings)
        assert len(figure.data) >= 1 and note
    if "divergences" in shown:
        table = handlers.divergence_panel(lab, settings)
        assert "squared Hellinger" in table and "total variation" in table
