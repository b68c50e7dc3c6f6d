"""The GAN lab, part 2 (issue #16): f-divergences and the f-GAN objective, the unrolled GAN and minibatch std
against mode collapse, and the "G = data" optimum with its perturbation."""

import copy
import math

import gradio as gr
import numpy as np
import pytest
import torch
from scipy.stats import norm

from explorer import losses
from explorer.device import one_thread
from explorer.ui.tabs import toylab
from explorer.ui.tabs.toylab import figures, handlers, presets
from trainers import fgan
from trainers.toy2d import ToyLab, ToyLabConfig, minibatch_std


@pytest.fixture(autouse=True)
def _one_thread():
    """One intra-op thread, as in tests/test_toylab.py: 64-wide MLPs on a busy 2-core machine."""
    with one_thread():
        yield


# f-divergences (Nowozin et al. 2016, Tables 1 and 2).

X = np.linspace(-8, 8, 4001)
DX = X[1] - X[0]


def normal(mean: float, std: float = 1.0) -> np.ndarray:
    return norm.pdf(X, mean, std)


def test_divergences_on_a_grid_match_the_closed_forms_of_two_gaussians():
    values = fgan.divergences_on_grid(normal(0), normal(1), DX)  # P = N(0, 1), Q = N(1, 1)
    m = (normal(0) + normal(1)) / 2
    two_jsd = np.sum(normal(0) * np.log(normal(0) / m) + normal(1) * np.log(normal(1) / m)) * DX
    assert values["KL"] == pytest.approx(0.5, abs=1e-3)  # (μ_p − μ_q)²/2
    assert values["reverse KL"] == pytest.approx(0.5, abs=1e-3)
    assert values["Pearson χ²"] == pytest.approx(math.e - 1, abs=1e-2)  # exp((μ_p − μ_q)²) − 1
    assert values["squared Hellinger"] == pytest.approx(2 * (1 - math.exp(-1 / 8)), abs=1e-3)
    assert values["total variation"] == pytest.approx(2 * norm.cdf(0.5) - 1, abs=1e-3)
    assert values["JS"] == pytest.approx(two_jsd, abs=1e-3)  # the table's f gives 2·JSD
    assert all(v == pytest.approx(0, abs=1e-9) for v in fgan.divergences_on_grid(normal(0), normal(0), DX).values())


def test_disjoint_supports_give_infinity_or_the_bounds():
    values = fgan.divergences_on_grid(normal(-4, 0.2), normal(4, 0.2), DX)
    assert values["KL"] == values["reverse KL"] == values["Pearson χ²"] == math.inf
    assert values["squared Hellinger"] == pytest.approx(2, abs=1e-6)
    assert values["JS"] == pytest.approx(2 * math.log(2), abs=1e-6)
    assert values["total variation"] == pytest.approx(1, abs=1e-6)


@pytest.mark.parametrize("name", fgan.NAMES)
def test_each_rows_conjugate_is_the_convex_conjugate_of_its_f(name):
    """f*(t) = sup_u u·t − f(u), checked numerically at t = g_f(v): the table's activation keeps t in dom f*."""
    divergence = fgan.DIVERGENCES[name]
    u = np.concatenate([np.linspace(1e-6, 1, 20_000), np.linspace(1, 60, 60_000)])
    for v in (-1.0, -0.3, 0.0, 0.4):
        t = float(divergence.activation(torch.tensor(v)))
        supremum = np.max(u * t - divergence.f(u))
        assert float(divergence.conjugate_of_activation(torch.tensor(v))) == pytest.approx(supremum, abs=2e-3)
    assert float(divergence.f(np.array([1.0]))[0]) == pytest.approx(0.0, abs=1e-12)  # f(1) = 0


def test_the_js_objective_is_the_gan_discriminator_loss_minus_log_4():
    real, fake = torch.randn(64), torch.randn(64)
    bound = fgan.critic_objective(fgan.DIVERGENCES["JS"], real, fake)
    assert float(bound) == pytest.approx(math.log(4) - float(losses.discriminator_loss(real, fake)), abs=1e-5)


@pytest.mark.parametrize("name", fgan.NAMES)
def test_the_lab_trains_with_each_f_divergence_and_draws_its_variational_function(name):
    lab = ToyLab(ToyLabConfig(dataset="two moons", g_lr=1e-3, divergence=name, loss="non-saturating"))
    for _ in range(20):
        record = lab.step()
    assert not lab.diverged and math.isfinite(record.d_loss) and math.isfinite(record.g_loss)
    d_map = lab.discriminator_map(16)  # T = g_f(V), not σ(V)
    with torch.no_grad():
        scores = lab.discriminator(torch.from_numpy(lab.grid(16)))
    assert np.allclose(d_map.ravel(), fgan.DIVERGENCES[name].activation(scores).numpy(), atol=1e-6)
    assert not lab.shows_probability
    table = figures.divergence_table(lab)
    assert all(other in table for other in fgan.NAMES) and f"{name} **← trained**, bound F = " in table


def test_a_collapsed_generator_has_infinite_kl_and_finite_reverse_kl():
    lab = ToyLab(ToyLabConfig())  # at step 0, G's points sit in a small blob at the centre, inside no mode's reach
    values = lab.divergences()
    assert values["KL"] == math.inf and values["Pearson χ²"] == math.inf  # data where G has no mass
    assert values["total variation"] > 0.9 and values["JS"] > 1.2
    assert "**∞**" in figures.divergence_table(lab)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(divergence="Jeffrey"), "f-divergence must be one of"),
        (dict(divergence="KL", loss="wgan-gp"), "replaces the loss"),
        (dict(unroll=11), "unrolled D steps k must be a whole number from 0 to 10"),
        (dict(unroll=2.5), "unrolled D steps k must be a whole number"),
        (dict(minibatch_std="yes"), "minibatch_std must be True or False"),
        (dict(g_start="noise"), "G's start must be one of"),
    ],
)
def test_bad_settings_of_the_new_controls_are_one_line_errors(change, message):
    values = presets.preset_values("mode collapse") | change
    with pytest.raises(gr.Error, match=message) as error:
        handlers.reset(True, False, values)
    assert "\n" not in str(error.value)


# Remedies for mode collapse: the unrolled GAN (Metz et al. 2017) and minibatch std (Karras et al. 2018).


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_the_look_ahead_is_d_optimisers_own_steps_and_leaves_d_alone(optimizer):
    lab = ToyLab(ToyLabConfig(unroll=2, optimizer=optimizer, d_lr=1e-2))
    for _ in range(3):
        lab.step()
    before = {k: v.clone() for k, v in lab.discriminator.state_dict().items()}
    twin = copy.deepcopy(lab)  # the same weights, optimiser state and random stream
    fake = lab.generator(lab.fixed_z[:256]).detach()
    ahead = lab._look_ahead(fake)
    for _ in range(2):  # the twin takes the same two steps for real
        real = twin.real[torch.randint(len(twin.real), (twin.config.batch_size,), generator=twin.rng)]
        loss = twin._d_loss(real, fake)
        twin.d_optim.zero_grad(set_to_none=True)
        loss.backward()
        twin.d_optim.step()
    for name, parameter in twin.discriminator.named_parameters():
        assert torch.allclose(ahead[name], parameter, atol=1e-5), name
    assert all(torch.equal(before[k], v) for k, v in lab.discriminator.state_dict().items())  # D unchanged


def test_the_unrolled_generator_gradient_flows_through_the_look_ahead():
    plain, unrolled = ToyLab(ToyLabConfig()), ToyLab(ToyLabConfig(unroll=3))
    for lab in (plain, unrolled):
        lab.step_d()
        lab.step_g()
    assert unrolled.step_count == plain.step_count == 0
    d_plain = dict(plain.discriminator.named_parameters())
    assert all(torch.equal(p, d_plain[k]) for k, p in unrolled.discriminator.named_parameters())  # same D …
    g_plain = dict(plain.generator.named_parameters())
    assert any(not torch.equal(p, g_plain[k]) for k, p in unrolled.generator.named_parameters())  # … other G step


def test_minibatch_std_is_the_mean_feature_std_and_d_reads_it():
    points = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [2.0, 4.0]])
    assert float(minibatch_std(points)) == pytest.approx((1 + 2) / 2, abs=1e-6)  # std 1 and 2 per coordinate
    lab = ToyLab(ToyLabConfig(minibatch_std=True))
    x = torch.zeros(4, 2)
    with torch.no_grad():
        alone = lab.discriminator(x)  # a batch of identical points: s ≈ 0
        beside = lab.discriminator(x, reference=torch.randn(64, 2, generator=torch.Generator().manual_seed(0)))
    assert not torch.allclose(alone, beside)  # the same points, another batch: another score
    assert len(alone) == 4 and lab.discriminator_map(8).shape == (8, 8)


# "G = data": the optimum of the game, and a perturbation away from it (Goodfellow et al. 2014, Thm 1).


@pytest.fixture(scope="module")
def at_the_optimum() -> dict:
    return handlers.select_preset("G = data")


def test_g_equals_data_sits_at_minus_log_4_with_no_push(at_the_optimum):
    lab = at_the_optimum["lab"]
    value, _ = lab.optimal_value()
    assert value == pytest.approx(-math.log(4), abs=0.01)
    _, push = lab.generator_push()
    assert np.abs(push).max() == 0.0  # D ≡ ½: the arrows vanish exactly
    assert np.allclose(lab.discriminator_map(8), 0.5)
    assert "V(G, D*) -1.3" in at_the_optimum["readout"]
    assert at_the_optimum["views"]["true_length"] and at_the_optimum["views"]["value"]


def test_perturbing_g_raises_the_value_and_brings_the_arrows_back(at_the_optimum):
    values = at_the_optimum["settings"]
    lab, *_ = handlers.reset(True, False, values, dict(value=True))
    before, _ = lab.optimal_value()
    lab, plane, _, text = handlers.perturb(lab, True, False, values, dict(value=True, true_length=True))
    after, _ = lab.optimal_value()
    assert after > before + 0.5 and f"{before:.3f} → {after:.3f}" in text
    for _ in range(20):
        lab.step("d")
    _, push = lab.generator_push()
    assert np.linalg.norm(push, axis=1).mean() > 0.1  # D has seen the change: G is pushed again
    assert np.median(lab.fake_points()[:, 1] - lab.real.numpy()[:, 1]) == pytest.approx(0.4, abs=0.05)  # moved up
    assert np.median(push[:, 1]) < 0  # and pushed back down, to the data


def test_build_offers_the_new_controls_and_the_perturb_button():
    with gr.Blocks() as demo:
        toylab.build(None, None)
    ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
    assert {"toy-divergence", "toy-unroll", "toy-mbstd", "toy-g-start", "toy-perturb", "toy-divergences"} <= ids
    assert {"toy_perturb", "toy_step", "toy_reset"} <= {fn.api_name for fn in demo.fns.values()}
    dropdown = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "toy-divergence")
    assert [choice[0] for choice in dropdown.choices] == ["none", *fgan.NAMES]


def test_the_f_gan_js_row_trains_exactly_as_the_non_saturating_gan():
    """F_JS = log 4 − BCE for D, and G's −E g_f(V) = E softplus(−V) − log 2: the same gradients, the same run."""
    plain = ToyLab(ToyLabConfig(dataset="two moons"))
    js = ToyLab(ToyLabConfig(dataset="two moons", divergence="JS"))
    for _ in range(15):
        plain.step()
        js.step()
    assert np.allclose(plain.fake_points(), js.fake_points(), atol=1e-4)
    assert js.last["d_loss"] == pytest.approx(plain.last["d_loss"] - math.log(4), abs=1e-4)


# The remedies at work: each preset covers more of the ring's modes than *mode collapse*, at the same seeds and step
# count (issue #16's verify line; docs/lecture.md rows 35 and 36), and unrolling more than k = 0.
# A trained outcome is a rate over seeds with a margin, on one thread (the lab's 400 steps are chaotic: one seed's
# count moves with the machine's floating-point path). Measured here, seeds 0–7 after 400 steps (one thread; seeds
# 0–2 measured again on 2026-12-06, the same counts):
#   unrolled GAN     6 6 7 4 7 8 6 3 modes (mean 5.9); k = 0: 0 1 0 0 0 0 0 1; mode collapse: 1 1 1 1 3 1 2 2
#   minibatch std    6 4 7 7 6 0 6 5 modes (mean 5.1); feature off: 3 2 4 4 7 6 5 4 (mean 4.4)
# so the tests claim: unrolling beats k = 0 on every seed and both presets cover on average at least two modes more
# than mode collapse; minibatch std's own effect (against its preset with the feature off) is within the seeds'
# spread, and is stated in README and docs/lecture.md as such, not tested as a win. The unrolled GAN's five D
# look-ahead steps make its run about six times a plain one's, so it is claimed over three seeds, with thresholds
# that hold for any three of the eight measured (the worst three: 3 4 6, mean 4.3, against k = 0's 1 and mode
# collapse's worst three, 3 2 2, mean 2.3): a machine whose floating-point path gives a seed another seed's outcome
# still passes. Minibatch std's run is cheap: five seeds (its worst five, 0 4 5 6 6, mean 4.2).
REMEDY_SEEDS = tuple(range(5))
UNROLLED_SEEDS = REMEDY_SEEDS[:3]
REMEDY_STEPS = 400


def modes_after(preset: str, seed: int, **change) -> int:
    """Modes covered after REMEDY_STEPS steps of a preset's lab (its settings, ``change``d) from ``seed``."""
    values = presets.preset_values(preset) | {"seed": seed} | change
    lab = ToyLab(presets.config_from(values))
    for _ in range(REMEDY_STEPS):
        lab.step()
    return lab.coverage()


@pytest.fixture(scope="module")
def collapsed() -> np.ndarray:
    """The *mode collapse* preset's modes after REMEDY_STEPS, per seed (1, 1, 1, 1, 3 here)."""
    with one_thread():
        return np.array([modes_after("mode collapse", seed) for seed in REMEDY_SEEDS])


@pytest.mark.slow  # 400 steps × 3 seeds × (k = 5, k = 0): about 45 s on a quiet core
def test_unrolling_covers_more_modes_than_mode_collapse_and_than_k_0_on_every_seed(collapsed):
    remedy = np.array([modes_after("unrolled GAN", seed) for seed in UNROLLED_SEEDS])
    without = np.array([modes_after("unrolled GAN", seed, unroll=0) for seed in UNROLLED_SEEDS])
    baseline = collapsed[: len(UNROLLED_SEEDS)]
    assert baseline.mean() <= 2.5  # the mode-collapse preset is collapsed at this step count (1.0 here; ≤ 2.3)
    assert remedy.mean() >= 4, remedy  # 6.3 here (5.9 over seeds 0–7, 4.3 over their worst three)
    # on average two modes more (in whole modes: the worst three of each, 13 against 7, hold it exactly)
    assert remedy.sum() >= baseline.sum() + 2 * len(UNROLLED_SEEDS), (remedy, baseline)
    assert (remedy > without).all(), (remedy, without)  # unrolling itself: k = 0 hops from mode to mode (0–1)


@pytest.mark.slow
def test_the_minibatch_std_preset_covers_more_modes_than_mode_collapse(collapsed):
    remedy = np.array([modes_after("minibatch std", seed) for seed in REMEDY_SEEDS])
    assert collapsed.mean() <= 2
    assert remedy.mean() >= 4, remedy  # 6.0 here (5.1 over seeds 0–7)
    assert remedy.mean() >= collapsed.mean() + 2, (remedy, collapsed)
