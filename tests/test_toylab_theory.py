"""The GAN lab's theory views: V(G, D*) on the grid, true-length arrows, the gradient's spread, the z-grid and
the Lipschitz panel (weight clipping, WGAN-GP's x̂ and ‖∇D‖, spectral normalisation against svdvals)."""

import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from explorer.data import toy_points
from explorer.device import one_thread
from explorer.ui.tabs.toylab import figures, handlers, presets
from trainers.toy2d import (
    EXTENT,
    ToyLab,
    ToyLabConfig,
    grid_kde,
    kde,
    optimal_discriminator,
    value_at_optimum,
)

AXIS = np.linspace(-EXTENT, EXTENT, 64)
CELL_AREA = (AXIS[1] - AXIS[0]) ** 2
ALL_VIEWS = dict.fromkeys(presets.VIEWS, True)


@pytest.fixture(autouse=True)
def _one_thread():
    """One intra-op thread, as in tests/test_toylab.py: 64-wide MLPs on a busy 2-core machine."""
    with one_thread():
        yield


def run_preset(name: str, steps: int | None = None, **change) -> ToyLab:
    """A lab with a preset's settings (``change`` on top), after ``steps`` (default: the preset's)."""
    preset = presets.PRESETS[name]
    lab = ToyLab(ToyLabConfig(**{k: v for k, v in preset.items() if k != "steps"} | change))
    for _ in range(preset["steps"] if steps is None else steps):
        lab.step()
    return lab


def density(points: np.ndarray, bandwidth: float = 0.08) -> np.ndarray:
    return grid_kde(points, AXIS, bandwidth)


# V(G, D*) = −log 4 + 2·JSD (Goodfellow et al. 2014, Theorem 1), on the lab's grid.


def test_the_separable_grid_kde_is_the_pointwise_kde():
    points = toy_points("two moons", 300, 0.05, seed=3).numpy()
    grid = np.stack(np.meshgrid(AXIS, AXIS), axis=-1).reshape(-1, 2)
    assert np.allclose(density(points).ravel(), kde(points, grid, 0.08), rtol=1e-6, atol=1e-9)


def test_value_at_optimum_of_identical_sets_is_minus_log_4():
    points = toy_points("ring of 8 Gaussians", 512, 0.05, seed=0).numpy()
    value, jsd = value_at_optimum(density(points), density(points), CELL_AREA)
    assert value == pytest.approx(-math.log(4), abs=1e-3)
    assert jsd == pytest.approx(0.0, abs=1e-6)


def test_value_at_optimum_is_two_jsd_minus_log_4_on_different_sets():
    real = toy_points("ring of 8 Gaussians", 512, 0.05, seed=0).numpy()
    fake = np.random.default_rng(0).normal([0.5, 0.0], 0.4, size=(512, 2))
    value, jsd = value_at_optimum(density(real), density(fake), CELL_AREA)
    assert value == pytest.approx(2 * jsd - math.log(4), abs=1e-6)
    assert value > -math.log(4) + 0.2  # different sets: well above the optimum
    left = np.random.default_rng(1).normal([-1.5, 0], 0.05, size=(300, 2))
    right = np.random.default_rng(2).normal([1.5, 0], 0.05, size=(300, 2))
    value, jsd = value_at_optimum(density(left), density(right), CELL_AREA)
    assert jsd == pytest.approx(math.log(2), abs=1e-3) and value == pytest.approx(0.0, abs=1e-3)  # disjoint


def test_the_lab_records_the_value_only_while_its_panel_is_shown_and_its_d_star_is_the_old_one():
    lab = ToyLab(ToyLabConfig())
    assert lab.step().value_at_optimum is None
    lab.measure_value = True
    record = lab.step()
    assert record.value_at_optimum == pytest.approx(2 * record.jsd_grid - math.log(4), abs=1e-6)
    assert -math.log(4) - 1e-6 <= record.value_at_optimum <= 1e-6
    pointwise = optimal_discriminator(lab.real.numpy(), lab.fake_points(), lab.grid(), bandwidth=0.08)
    assert np.allclose(lab.optimal_d_map(), pointwise.reshape(64, 64), atol=1e-6)
    history = figures.history_figure(lab, views=ALL_VIEWS)
    v = next(t for t in history.data if t.name == "V(G, D*)")
    assert list(v.x) == [2] and v.y[-1] == pytest.approx(record.value_at_optimum)
    assert any(s.y0 == pytest.approx(-math.log(4)) and s.yref == "y3" for s in history.layout.shapes)


def test_the_handler_measures_the_value_once_a_frame_and_only_while_shown():
    values = presets.preset_values("optimal D")
    values.pop("optimal")
    lab, *_ = handlers.advance(None, "both", 5, True, False, values)
    lab, _, history, text = handlers.advance(lab, "both", 5, True, False, values, dict(value=True))
    assert [r.step for r in lab.history if r.value_at_optimum is not None] == [10]
    assert "V(G, D*)" in text and len(history.layout.shapes) == 2
    lab, _, history, text = handlers.advance(lab, "both", 5, True, False, values)
    assert lab.history[-1].value_at_optimum is None and "V(G, D*)" not in text and len(history.layout.shapes) == 1


# True-length arrows and the gradient's spread over the batch.


def arrow_lengths(figure: go.Figure, name: str) -> np.ndarray:
    arrows = next(t for t in figure.data if t.name == name)
    xy = np.column_stack([arrows.x, arrows.y]).reshape(-1, 3, 2)  # start, end, gap
    return np.linalg.norm(xy[:, 1] - xy[:, 0], axis=1)


@pytest.mark.slow
def test_true_length_arrows_vanish_for_the_minimax_generator_against_a_winning_d():
    true_length = dict(true_length=True)
    minimax = run_preset("vanishing gradients")
    saturating = arrow_lengths(figures.plane_figure(minimax, views=true_length), "−∇L_G, true length")
    non_saturating = run_preset("vanishing gradients", loss="non-saturating")
    strong = arrow_lengths(figures.plane_figure(non_saturating, views=true_length), "−∇L_G, true length")
    assert saturating.mean() < 0.01 * strong.mean()
    rescaled = arrow_lengths(figures.plane_figure(minimax), "−∇L_G (G's push)")
    assert rescaled.max() == pytest.approx(0.3, rel=1e-4)  # what the rescaled view shows: the stall is hidden


def test_the_gradient_spread_is_the_std_of_the_per_fake_norms_and_is_drawn_as_a_band():
    lab = ToyLab(ToyLabConfig())
    lab.step_d()
    state = torch.get_rng_state(), lab.rng.get_state()
    _, z = lab._batch()
    lab.rng.set_state(state[1])
    fake = lab.generator(z).detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(lab.objective.g_loss(lab.discriminator(fake)) * len(fake), fake)
    lab.step_g()
    norms = gradient.norm(dim=1)
    assert lab.last["g_grad_norm"] == pytest.approx(float(norms.mean()), rel=1e-4)
    assert lab.last["g_grad_std"] == pytest.approx(float(norms.std()), rel=1e-4) and lab.last["g_grad_std"] > 0
    lab.step()
    figure = figures.history_figure(lab)
    band = next(i for i, trace in enumerate(figure.data) if trace.fill == "tonexty")
    upper, lower = figure.data[band - 1], figure.data[band]
    last = lab.history[-1]
    assert lower.fill == "tonexty" and upper.y[-1] == pytest.approx(last.g_grad_norm + last.g_grad_std)


@pytest.mark.parametrize("loss", ["minimax", "non-saturating"])
def test_v_and_its_two_terms_are_traced_and_v_is_minus_d_loss(loss):
    """Rows 14/15: V(D, G) = E log D(x) + E log(1 − D(G(z))) on D's batch equals −J_D (the BCE D loss), and with the
    minimax G loss G's objective is that same V (zero-sum, J_G = −J_D)."""
    lab = ToyLab(ToyLabConfig(loss=loss))
    for _ in range(5):
        lab.step()
    last = lab.history[-1]
    assert last.log_d_real < 0 and last.log_one_minus_d_fake < 0  # logs of probabilities
    assert last.log_d_real + last.log_one_minus_d_fake == pytest.approx(-last.d_loss, rel=1e-5)
    figure = figures.history_figure(lab)
    names = [trace.name for trace in figure.data]
    assert {"V(D, G) = −J_D (= J_G, zero-sum)", "E log D(x)", "E log(1 − D(G(z)))"} <= set(names)
    v = figure.data[names.index("V(D, G) = −J_D (= J_G, zero-sum)")]
    d = figure.data[names.index("D loss")]
    assert np.allclose(np.array(v.y), -np.array(d.y), rtol=1e-5)  # the mirror image of D's loss
    wgan = ToyLab(ToyLabConfig(loss="wgan"))
    wgan.step()
    assert wgan.history[-1].log_d_real is None  # a critic has no probabilities: no V traced
    assert "E log D(x)" not in [trace.name for trace in figures.history_figure(wgan).data]


# Where z goes: G of a regular grid of z.


@pytest.mark.parametrize("latent_dim", [1, 2])
def test_the_z_grid_is_g_applied_to_a_regular_grid(latent_dim):
    lab = ToyLab(ToyLabConfig(model=dict(latent_dim=latent_dim)))
    z, x = lab.z_grid(lines=9, points=41)
    with torch.no_grad():
        expected = lab.generator(torch.from_numpy(z.reshape(-1, latent_dim))).numpy()
    assert np.allclose(x.reshape(-1, 2), expected, atol=1e-6)
    assert z.min() == pytest.approx(-2.0) and z.max() == pytest.approx(2.0)
    if latent_dim == 2:
        assert z.shape == (18, 41, 2)
        assert np.allclose(z[:9, :, 0], z[:9, :1, 0]) and np.allclose(z[9:, :, 1], z[9:, :1, 1])  # constant z₁, z₂
    else:
        assert z.shape[0] == 1 and np.all(np.diff(z[0, :, 0]) > 0)  # one curve, in order
    line = next(t for t in figures.plane_figure(lab, views=dict(z_grid=True)).data if t.name == "G(z-grid)")
    drawn = np.column_stack([line.x, line.y])
    assert np.allclose(drawn[np.isfinite(drawn).all(axis=1)], x.reshape(-1, 2))


# Lipschitz constraints: weight clipping, the gradient penalty, spectral normalisation.


def test_weight_clipping_piles_the_critic_weights_up_at_plus_minus_c():
    lab = run_preset("weight clipping", steps=60)
    c = lab.config.clip
    weights = lab.critic_weights()
    assert np.abs(weights).max() <= c + 1e-7
    at_clip = (np.abs(weights) >= 0.99 * c).mean()
    assert at_clip > 0.25  # far more than a uniform spread's 1 %
    figure = figures.lipschitz_figure(lab)  # the panel shows ‖∇ₓD‖, what the clipping is for, not the weights
    assert f"{at_clip:.0%} at ±c" in figure.layout.title.text
    heat = figure.data[0]
    assert heat.name == "‖∇ₓD‖" and np.allclose(
        np.asarray(heat.z).ravel()[:5], lab.critic_gradient_norms(lab.grid()[:5]), rtol=1e-4
    )
    assert float(np.max(heat.z)) < 0.01 and f"max {float(np.max(heat.z)):.3g}" in figure.layout.title.text


def test_wgan_gp_shows_its_interpolates_and_the_critic_gradient_map():
    lab = run_preset("WGAN-GP fixes it", steps=20)
    real, fake, mixed = lab.interpolates(50)
    t = (mixed - fake)[:, 0] / (real - fake)[:, 0]
    assert np.allclose(fake + t[:, None] * (real - fake), mixed, atol=1e-5) and ((t >= 0) & (t <= 1)).all()
    state = lab.rng.get_state()
    plane = figures.plane_figure(lab, views=dict(lipschitz=True))
    assert torch.equal(lab.rng.get_state(), state)  # drawing x̂ leaves the run's random stream alone
    assert any(t.name == "x̂ (GP)" for t in plane.data)
    assert "λ = 0.1 here" in figures.lipschitz_note(lab)  # the lab's λ, said beside the paper's 10 for images
    heat = figures.lipschitz_figure(lab).data[0]
    grid = lab.grid()[:5]
    assert np.allclose(np.asarray(heat.z).ravel()[:5], lab.critic_gradient_norms(grid), rtol=1e-4)


def test_spectral_norm_power_iteration_meets_svdvals():
    lab = ToyLab(ToyLabConfig(spectral_norm=True))
    for _ in range(10):
        lab.step()
    points = torch.from_numpy(lab.grid(8))
    with torch.no_grad():
        for _ in range(200):  # more power iterations on fixed weights: u, v converge to the top singular pair
            lab.discriminator(points)
    rows = lab.spectral_norms()
    assert len(rows) == lab.config.model.d_layers + 1
    for _, power, exact in rows:
        assert power == pytest.approx(exact, rel=1e-2)
    for layer in lab.discriminator.net:
        if isinstance(layer, torch.nn.Linear):
            assert float(torch.linalg.svdvals(layer.weight.detach())[0]) == pytest.approx(1.0, rel=1e-2)  # W/σ(W)
    u = lab.discriminator.net[0].parametrizations.weight[0]._u.clone()
    figures.plane_figure(lab, True, True, views=ALL_VIEWS)
    assert torch.equal(lab.discriminator.net[0].parametrizations.weight[0]._u, u)  # drawing: no power step
    table = figures.spectral_table(lab)
    assert "svdvals" in table and table.count("| linear") == len(rows)


# The handlers: every switch on, every loss, bad input.


@pytest.mark.parametrize("loss", ["minimax", "non-saturating", "wgan", "wgan-gp", "hinge"])
@pytest.mark.parametrize("latent_dim", [1, 2])
def test_handlers_with_every_panel_on_return_figures(loss, latent_dim):
    values = presets.preset_values("WGAN-GP fixes it") | dict(loss=loss, latent_dim=latent_dim, spectral_norm=True)
    values.pop("optimal")
    lab, plane, history, text = handlers.advance(None, "both", 3, True, True, values, ALL_VIEWS)
    assert isinstance(plane, go.Figure) and isinstance(history, go.Figure) and "V(G, D*)" in text
    assert {"D", "D*", "G(z-grid)", "−∇L_G, true length"} <= {t.name for t in plane.data}
    figure, table = handlers.lipschitz_panel(lab, values)
    assert isinstance(figure, go.Figure) and "svdvals" in table
    plane, history = handlers.redraw(lab, False, False, ALL_VIEWS)
    value_terms = 3 if loss in ("minimax", "non-saturating") else 0  # V(D, G) and its two terms: BCE losses only
    assert isinstance(plane, go.Figure) and len(history.data) == 8 + value_terms
    lab, *_ = handlers.reset(True, True, values, ALL_VIEWS)
    assert lab.step_count == 0 and lab.measure_value


def test_a_diverged_run_with_every_panel_on_says_so_without_nan_on_screen():
    values = presets.preset_values("weight clipping") | dict(spectral_norm=True)
    values.pop("optimal")
    lab, *_ = handlers.advance(None, "both", 2, True, True, values, ALL_VIEWS)
    with torch.no_grad():
        for p in lab.discriminator.parameters():
            p.fill_(float("nan"))
    lab, plane, history, text = handlers.advance(lab, "both", 2, True, True, values, ALL_VIEWS)
    assert lab.diverged and "DIVERGED" in text and "nan" not in text.lower().replace("nan/inf", "")
    figure, table = handlers.lipschitz_panel(lab, values)
    assert "diverged" in figure.layout.title.text and "diverged" in table
    assert not any(t.name == "−∇L_G, true length" for t in plane.data)  # no arrows of NaN


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(clip=0), "clip value c must be a number > 0"),
        (dict(clip=float("nan")), "clip value c"),
        (dict(gp_lambda=-1), "λ must be a number ≥ 0"),
        (dict(spectral_norm="abc"), "spectral_norm must be True or False"),
    ],
)
def test_bad_lipschitz_settings_are_one_line_errors(change, message):
    values = presets.preset_values("weight clipping") | change
    with pytest.raises(gr.Error, match=message) as error:
        handlers.reset(True, False, values)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("views", [dict(zoom=True), dict(value="yes"), "all", [True]])
def test_bad_views_are_errors(views):
    values = presets.preset_values("mode collapse")
    with pytest.raises(gr.Error, match="view"):
        handlers.advance(None, "both", 1, True, False, values, views)


@pytest.mark.parametrize("name", list(presets.PRESETS))
def test_every_preset_sets_every_control_and_its_views(name):
    values = presets.preset_values(name)
    assert set(values) == {*presets.CONTROL_NAMES, "optimal"}
    assert {"clip", "gp_lambda", "spectral_norm"} <= set(values)
    chosen = handlers.select_preset(name, True)
    assert chosen["views"] == {v: v in presets.PRESET_VIEWS.get(name, ()) for v in presets.VIEWS}
    assert chosen["lab"].config == presets.config_from(chosen["settings"])
    if name == "spectral norm":
        assert chosen["lab"].config.spectral_norm
    if name == "weight clipping":
        assert chosen["lab"].config.loss == "wgan" and chosen["views"]["lipschitz"]
