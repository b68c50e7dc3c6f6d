"""The GAN theory tab: its computations (``explorer.theory``) against closed forms, and its handlers and build."""

import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from scipy.optimize import linear_sum_assignment
from scipy.stats import multivariate_normal

from explorer import discriminator_theory as dt
from explorer import theory
from explorer.ui.tabs import theory as theory_tab
from explorer.ui.tabs.theory import bimodal, classes, costs, game, gan1d, kl, lines, optimum, ratio, shells, variance


# --- 1. parallel lines ------------------------------------------------------------------------------------------
def test_parallel_lines_distances_are_the_papers_example_1():
    at_zero = theory.parallel_lines_distances(0.0)
    assert at_zero == {"JS": 0.0, "KL": 0.0, "TV": 0.0, "W1": 0.0}
    for theta in (0.3, -0.7, 1e-6):
        d = theory.parallel_lines_distances(theta)
        assert d["JS"] == pytest.approx(math.log(2))  # with the ½ factors: log 2, not 2 log 2
        assert math.isinf(d["KL"]) and d["TV"] == 1.0
        assert d["W1"] == pytest.approx(abs(theta))


@pytest.mark.parametrize("theta", [0.0, 0.01, 0.5, -1.0])
def test_sample_transport_cost_is_w1_and_the_sorted_plan_is_optimal(theta):
    plan = theory.parallel_lines_transport(theta, 64, seed=3)
    assert plan.cost == pytest.approx(abs(theta), abs=1e-2)
    cost = np.linalg.norm(plan.p[:, None, :] - plan.q[None, :, :], axis=2)  # every pairing
    rows, columns = linear_sum_assignment(cost)
    assert plan.cost == pytest.approx(cost[rows, columns].mean(), abs=1e-12)  # no pairing is cheaper
    assert np.all(np.diff(plan.p[:, 1]) > 0) and np.all(np.diff(plan.q[:, 1]) > 0)


@pytest.fixture(scope="module")
def lines_apart():
    return theory.critic_and_discriminator(0.5, seed=0)


def test_saturated_discriminator_gives_no_gradient_and_the_critic_slope_one(lines_apart):
    r = lines_apart
    assert r.d[r.x < -0.5].min() > 0.95 and r.d[r.x > 0.7].max() < 0.05  # D separates the lines
    assert r.d_gradient < 0.05  # log(1 − D) is flat at Q
    assert 0.8 < r.f_gradient < 1.3  # the critic's slope ≈ 1
    assert r.w_estimate == pytest.approx(0.5, abs=0.1)  # E_P f − E_Q f ≈ W₁ = |θ|


def test_on_equal_lines_d_is_one_half_and_the_critic_estimates_zero():
    r = theory.critic_and_discriminator(0.0, seed=0)
    assert np.abs(r.d - 0.5).max() < 0.05
    assert abs(r.w_estimate) < 0.05 and r.d_gradient < 0.05


def test_training_is_determined_by_the_seed(lines_apart):
    again = theory.critic_and_discriminator.__wrapped__(0.5, seed=0)  # trained again, not the kept result
    assert np.array_equal(again.d, lines_apart.d) and np.array_equal(again.f, lines_apart.f)
    other = theory.critic_and_discriminator(0.5, seed=1)
    assert not np.array_equal(other.f, lines_apart.f)


# --- 2. KL ------------------------------------------------------------------------------------------------------
def _trapezoid_kl(p, q, x):
    log_p, log_q = p.log_prob(x), q.log_prob(x)
    return float(np.trapezoid(np.exp(log_p) * (log_p - log_q), x))


def test_kl_by_quadrature_matches_the_closed_form_and_a_fine_grid():
    p, q = theory.gaussian(0.3, 0.7), theory.gaussian(-1.0, 1.6)
    closed = theory.kl_shapes(theory.Shape("gaussian", 0.3, 0.7), theory.Shape("gaussian", -1.0, 1.6))
    assert theory.kl_divergence(p, q) == pytest.approx(closed, rel=1e-10)
    mixture = theory.bimodal(3.0)
    x = np.linspace(-12, 12, 200_001)
    assert theory.kl_divergence(mixture, q) == pytest.approx(_trapezoid_kl(mixture, q, x), abs=1e-6)
    assert theory.kl_divergence(q, mixture) == pytest.approx(_trapezoid_kl(q, mixture, x), abs=1e-6)
    assert theory.kl_divergence(mixture, mixture) == pytest.approx(0, abs=1e-12)
    assert abs(theory.kl_divergence(mixture, q) - theory.kl_divergence(q, mixture)) > 0.1  # not symmetric


def test_forward_kl_fit_matches_moments_and_is_a_minimum():
    p = theory.bimodal(3.0, std=0.5)
    q = theory.fit_forward_kl(p)
    assert q.mean == pytest.approx(0) and q.std == pytest.approx(math.sqrt(0.25 + 1.5**2))
    best = theory.kl_divergence(p, q)
    for mean, std in ((0.1, q.std), (0, q.std * 1.05), (0, q.std * 0.95)):
        assert theory.kl_divergence(p, theory.gaussian(mean, std)) > best


def test_reverse_kl_fit_seeks_one_mode():
    p = theory.bimodal(4.0, std=0.5)
    q = theory.fit_reverse_kl(p)
    assert q.mean == pytest.approx(2.0, abs=0.05) and q.std == pytest.approx(0.5, abs=0.05)  # the right mode
    best = theory.kl_divergence(q, p)
    assert best < theory.kl_divergence(theory.fit_forward_kl(p), p)
    for mean, std in ((q.mean + 0.05, q.std), (q.mean, q.std * 1.1), (q.mean, q.std * 0.9)):
        assert theory.kl_divergence(theory.gaussian(mean, std), p) > best
    one_mode = theory.fit_reverse_kl(theory.bimodal(0.0, std=0.5))  # p is itself a Gaussian
    assert one_mode.mean == pytest.approx(0, abs=1e-3) and one_mode.std == pytest.approx(0.5, abs=1e-3)


def test_em_with_one_component_is_the_sample_mean_and_std_and_two_recover_p():
    p = theory.bimodal(3.0)
    x = p.sample(500, seed=0)
    one, ll_one = theory.fit_mixture_em(x, 1)
    assert one.means[0] == pytest.approx(x.mean(), abs=1e-12) and one.stds[0] == pytest.approx(x.std(), abs=1e-12)
    two, ll_two = theory.fit_mixture_em(x, 2)
    assert sorted(two.means) == pytest.approx([-1.5, 1.5], abs=0.15)
    assert ll_two > ll_one and theory.kl_divergence(p, two) < 0.05 < theory.kl_divergence(p, one)
    assert ll_one == pytest.approx(float(np.mean(one.log_prob(x))))


def test_kl_of_shapes_is_infinite_where_q_is_zero_and_p_is_not():
    p_uniform, p_gauss = theory.Shape("uniform", 0, 1), theory.Shape("gaussian", 0, 1)
    wide, narrow = theory.Shape("uniform", 0, 2), theory.Shape("uniform", 0.5, 0.5)
    assert theory.kl_shapes(p_uniform, wide) == pytest.approx(math.log(2))
    assert math.isinf(theory.kl_shapes(wide, p_uniform))  # wide has mass outside p's support
    assert math.isinf(theory.kl_shapes(p_uniform, narrow))
    assert math.isinf(theory.kl_shapes(p_gauss, p_uniform))  # a Gaussian has mass everywhere
    assert theory.kl_shapes(p_uniform, p_uniform) == 0 and theory.kl_shapes(p_gauss, p_gauss) == 0
    q = theory.Shape("gaussian", 0.4, 1.3)  # uniform ‖ Gaussian against the integral on a grid
    low, high = p_uniform.support
    x = np.linspace(low, high, 100_001)
    numeric = np.trapezoid(p_uniform.pdf(x) * (np.log(p_uniform.pdf(x)) - np.log(q.pdf(x))), x)
    assert theory.kl_shapes(p_uniform, q) == pytest.approx(numeric, abs=1e-6)


# --- 3. the bilinear game ---------------------------------------------------------------------------------------
def test_simultaneous_steps_spiral_out_by_sqrt_one_plus_eta_squared():
    path = theory.bilinear_game(1.0, 0.5, lr=0.3, steps=50, rule="simultaneous")
    norms = np.linalg.norm(path, axis=1)
    assert norms[1:] / norms[:-1] == pytest.approx(np.full(50, math.sqrt(1 + 0.3**2)), rel=1e-12)


def test_alternating_steps_keep_an_ellipse():
    lr = 0.5
    path = theory.bilinear_game(1.0, 0.5, lr=lr, steps=300, rule="alternating")
    invariant = path[:, 0] ** 2 - lr * path[:, 0] * path[:, 1] + path[:, 1] ** 2
    assert invariant == pytest.approx(np.full(301, invariant[0]), rel=1e-9)
    assert np.linalg.norm(path, axis=1).max() < 2 * np.linalg.norm(path[0])


def test_the_equilibrium_stays_put_and_unknown_rules_are_refused():
    assert not theory.bilinear_game(0.0, 0.0, 0.5, 10, "simultaneous").any()
    with pytest.raises(ValueError, match="simultaneous, alternating"):
        theory.bilinear_game(1, 0, 0.1, 5, "extragradient")


# --- 4. the 1-D GAN ---------------------------------------------------------------------------------------------
def test_one_d_gan_ends_at_the_data_with_d_one_half():
    run = theory.one_d_gan("gaussian", 16, gan1d.GAN_SEED)
    assert [s.step for s in run] == list(range(0, 481, 12))
    assert (run[0].a, run[0].b) == pytest.approx(theory.GAN_START)
    end = run[-1]
    assert abs(end.a) == pytest.approx(theory.DATA_STD, rel=0.15) and end.b == pytest.approx(theory.DATA_MEAN, abs=0.1)
    on_data = np.abs(theory.GAN_X - theory.DATA_MEAN) < 2 * theory.DATA_STD
    assert np.abs(end.d[on_data] - 0.5).max() < 0.05
    assert np.abs(run[0].d - 0.5).max() == 0  # D starts at σ(0) everywhere


def test_one_d_gan_is_seeded_and_replayed_from_the_cache():
    before = theory.one_d_gan.cache_info().hits
    first = theory.one_d_gan("uniform", 2, 7)
    assert theory.one_d_gan("uniform", 2, 7) is first and theory.one_d_gan.cache_info().hits == before + 1
    fresh = theory.one_d_gan.__wrapped__("uniform", 2, 7)
    assert [(s.a, s.b) for s in fresh] == [(s.a, s.b) for s in first]
    with pytest.raises(ValueError, match="gaussian, uniform"):
        theory.one_d_gan.__wrapped__("cauchy", 2, 7)


@pytest.mark.parametrize("prior", theory.PRIORS)
def test_generator_density_integrates_to_one_and_d_star_is_one_half_on_the_data(prior):
    x = np.linspace(-10, 10, 400_001)
    assert np.trapezoid(np.exp(theory.generator_log_density(x, -0.7, 0.4, prior)), x) == pytest.approx(1, abs=1e-3)
    log_p = theory.normal_log_pdf(x, 1.0, 0.5)
    assert theory.optimal_discriminator(log_p, log_p) == pytest.approx(np.full_like(x, 0.5))
    assert theory.optimal_discriminator(np.array([0.0]), np.array([-np.inf]))[0] == 1.0  # p_g = 0: surely real


# --- 5. discriminative vs generative ----------------------------------------------------------------------------
def test_logistic_regression_reaches_the_regularised_optimum():
    x, y = theory.two_blobs(2.0, 80, seed=1)
    features = theory.with_bias(x)
    w = theory.fit_logistic_regression(features, y, l2=1e-2)
    gradient = features.T @ (1 / (1 + np.exp(-features @ w)) - y) + 1e-2 * w
    assert np.abs(gradient).max() < 1e-8
    assert np.mean((features @ w > 0) == y) > 0.85


def test_gaussian_classes_give_bayes_posterior_and_new_samples():
    x, y = theory.two_blobs(1.0, 200, seed=2)
    model = theory.fit_gaussian_classes(x, y)
    assert model.means[1] == pytest.approx(x[y == 1].mean(axis=0))
    assert model.covariances[0] == pytest.approx(np.cov(x[y == 0].T, bias=True), abs=1e-5)
    points = np.array([[0.0, 0.0], [1.0, -0.5], [-2.0, 1.0]])
    joint = [
        prior * multivariate_normal(m, c).pdf(points)
        for prior, m, c in zip(model.priors, model.means, model.covariances, strict=True)
    ]
    assert model.posterior(points) == pytest.approx(joint[1] / (joint[0] + joint[1]), rel=1e-9)
    samples, labels = model.sample(20_000, seed=0)
    assert samples[labels == 1].mean(axis=0) == pytest.approx(model.means[1], abs=0.03)
    assert 0.45 < labels.mean() < 0.55


# --- 6. density ratio -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("classifier", "tolerance"), [(theory.CLASSIFIERS[0], 0.1), (theory.CLASSIFIERS[1], 0.3)])
def test_the_classifiers_log_odds_estimate_the_log_density_ratio(classifier, tolerance):
    p_d, p_g = theory.gaussian(0, 1), theory.gaussian(1, 0.6)
    real, fake = p_d.sample(2000, 0), p_g.sample(2000, 1)
    x = np.linspace(-1, 2, 61)  # where both have samples
    estimate = theory.estimated_log_ratio(real, fake, classifier, 0, x)
    assert np.abs(estimate - (p_d.log_prob(x) - p_g.log_prob(x))).mean() < tolerance
    with pytest.raises(ValueError, match="unknown classifier"):
        theory.estimated_log_ratio(real, fake, "svm", 0, x)


# --- the tab ----------------------------------------------------------------------------------------------------
def test_build_wires_every_demo_inside_blocks():
    with gr.Blocks() as demo:
        parts = theory_tab.build(None, None)
    assert parts.share.tab == "theory" and "game" in parts.share.sections[1]  # a link can open each demo
    api = {fn.api_name for fn in demo.fns.values()}
    assert {
        "theory_lines",
        "theory_lines_critic",
        "theory_kl_fits",
        "theory_kl_movable",
        "theory_game",
        "theory_gan",
        "theory_classes",
        "theory_ratio",
        "theory_z",
        "theory_costs",
        "theory_optimum",
        "theory_optimum_sweep",
        "theory_variance",
        "theory_datarange",
        "theory_cycle",
        "theory_bimodal",
    } <= api
    assert "bimodal" in parts.share.sections[1]
    plots = [block for block in demo.blocks.values() if isinstance(block, gr.Plot)]
    assert len(plots) == 21
    # no plot is drawn at start-up (cold start) except the bimodal data and the sweep's "press Sweep"; each is drawn
    # when its section opens
    drawn = [plot for plot in plots if plot.value]
    assert sorted(plot.elem_id for plot in drawn) == ["theory-bimodal", "theory-cycle", "theory-optimum-gaps"]
    lazily = {outputs[0] for _, _, outputs in parts.opened} | {
        o for fn, inputs, outputs in parts.share.renders for o in outputs
    }
    assert set(plots) - set(drawn) <= lazily  # a link or an opened section draws every other plot
    for fn, inputs, _ in parts.opened:  # the first section, drawn when the tab opens
        values = fn(*[component.value for component in inputs])
        assert values[0] is not None
    for fn in demo.fns.values():
        if fn.api_name and fn.api_name.startswith("theory_"):
            assert fn.trigger_mode == "always_last" and fn.concurrency_limit is None


HANDLER_CASES = [  # defaults, then edges
    (lines.parallel_lines, (0.5, 0)),
    (lines.parallel_lines, (0.0, 0)),
    (lines.parallel_lines, (-1, 2**31 - 1)),
    (lines.lines_critic, (0.5, 0)),
    (lines.lines_critic, (0.0, 0)),
    (lines.lines_critic, (-1, 2**31 - 1)),
    (kl.kl_fits, (3.0, 2, 0)),
    (kl.kl_fits, (0, 1, 0)),
    (kl.kl_fits, (6, 4, 5)),
    (kl.movable_kl, ("uniform", "gaussian", 0, 1)),
    (kl.movable_kl, ("gaussian", "uniform", -3, 0.2)),
    (kl.movable_kl, ("uniform", "uniform", 3, 3)),
    (game.bilinear, (0.2, 100, 1, 0, "both")),
    (game.bilinear, (1, 300, 2, -2, "simultaneous")),
    (game.bilinear, (0.01, 1, 0, 0, "alternating")),
    (gan1d.gan_frame, (40, "gaussian", 16, gan1d.GAN_SEED)),
    (gan1d.gan_frame, (0, "uniform", 1, 0)),
    (classes.discriminative_generative, (2.5, 60, 0)),
    (classes.discriminative_generative, (0, 5, 0)),
    (classes.discriminative_generative, (5, 300, 1)),
    (ratio.density_ratio, (1.0, 0.6, 200, theory.CLASSIFIERS[0], 0)),
    (ratio.density_ratio, (-2, 0.3, 10, theory.CLASSIFIERS[1], 0)),
    (ratio.density_ratio, (2, 2, 2000, theory.CLASSIFIERS[0], 3)),
    (shells.latent_shells, (100, 0)),
    (shells.latent_shells, (1, 2**31 - 1)),
    (shells.latent_shells, (1024, 3)),
    (costs.generator_costs, (0.05,)),
    (costs.generator_costs, (0.001,)),
    (costs.generator_costs, (0.999,)),
]


@pytest.mark.parametrize(("handler", "args"), HANDLER_CASES)
def test_handlers_return_readable_figures(handler, args):
    outputs = handler(*args)
    figures = [o for o in outputs if isinstance(o, go.Figure)]
    texts = [o for o in outputs if isinstance(o, str)]
    assert figures and len(figures) + len(texts) == len(outputs)
    for fig in figures:
        assert fig.layout.font.size >= 16 and fig.layout.legend.font.size >= 16
        assert all(a.font.size is None or a.font.size >= 16 for a in fig.layout.annotations)
        assert not any(isinstance(trace, go.Scattergl) for trace in fig.data)  # SVG: sharp on a projector
        assert "nan" not in (fig.layout.title.text or "").lower()
    assert not any("nan" in text.lower() or "inf" in text.lower() for text in texts)


def test_infinite_kl_is_written_as_the_symbol():
    fig, text = kl.movable_kl("uniform", "gaussian", 0.5, 1)
    assert "KL(q‖p) = ∞" in text and "∞" in fig.layout.title.text
    assert "KL(p‖q) = 0.301" in text  # −log(2√3) + ½ log 2π + (1 + 0.25)/2
    _, readout = lines.lines_critic(0.5, 0)
    assert "**KL = ∞**" in readout and "JS = 0.693" in readout


@pytest.mark.parametrize(
    ("handler", "args", "message"),
    [
        (lines.parallel_lines, (float("nan"), 0), "θ must be a number from -1 to 1"),
        (lines.parallel_lines, (1.5, 0), "θ must be a number from -1 to 1"),
        (lines.parallel_lines, (0.5, -1), "Seed must be a whole number"),
        (lines.lines_critic, (0.5, 1.5), "Seed must be a whole number"),
        (kl.kl_fits, (3, 5, 0), "k must be a whole number from 1 to 4"),
        (kl.kl_fits, (None, 2, 0), "separation s must be a number"),
        (kl.movable_kl, ("cauchy", "gaussian", 0, 1), "p must be one of: gaussian, uniform"),
        (kl.movable_kl, ("uniform", "gaussian", 0, 0), "σ_q must be a number from 0.2 to 3"),
        (game.bilinear, (0.2, 0, 1, 0, "both"), "steps must be a whole number from 1 to 300"),
        (game.bilinear, (0.2, 10, 1, 0, "adam"), "update rule must be one of"),
        (gan1d.gan_frame, (41, "gaussian", 16, 0), "snapshot must be a whole number from 0 to 40"),
        (gan1d.gan_frame, (3, "gaussian", 3, 0), "hidden units must be one of: 1, 2, 4, 16"),
        (classes.discriminative_generative, (2, 2.5, 0), "points per class must be a whole number"),
        (ratio.density_ratio, (1, 0.6, 200, "svm", 0), "classifier must be one of"),
        (ratio.density_ratio, (1, "wide", 200, theory.CLASSIFIERS[0], 0), "σ_g must be a number"),
        (shells.latent_shells, (0, 0), "d must be a whole number from 1 to 1024"),
        (shells.latent_shells, (2.5, 0), "d must be a whole number"),
        (costs.generator_costs, (1.0,), "D\\(G\\(z\\)\\) must be a number from 0.001 to 0.999"),
        (kl.movable_kl, ("uniform", "gaussian", 5.5, 1), "μ_q must be a number from -5 to 5"),
        (bimodal.bimodal, (-3,), "Seed must be a whole number"),
        (bimodal.bimodal, (None,), "Seed"),
    ],
)
def test_bad_input_is_one_clear_error(handler, args, message):
    with pytest.raises(gr.Error, match=message):
        handler(*args)


def test_jsd_of_shapes_is_zero_for_equal_half_log_2_for_half_overlap_and_log_2_apart():
    u = theory.Shape("uniform", 0.0, 1.0)
    g = theory.Shape("gaussian", 0.0, 1.0)
    width = 2 * math.sqrt(3)  # the uniform of std 1
    half = theory.Shape("uniform", width / 2, 1.0)  # overlaps u on half its support: m = 1/w there, 1/(2w) elsewhere
    assert theory.js_shapes(u, u) == pytest.approx(0, abs=1e-6)
    assert theory.js_shapes(u, half) == pytest.approx(0.5 * math.log(2), abs=1e-3)
    assert theory.js_shapes(u, theory.Shape("uniform", width + 0.01, 1.0)) == math.log(2)
    assert theory.js_shapes(g, theory.Shape("gaussian", 0.5, 1.0)) == pytest.approx(
        theory.js_shapes(theory.Shape("gaussian", 0.5, 1.0), g), abs=1e-9
    )
    far = [theory.js_shapes(g, theory.Shape("gaussian", mu, 1.0)) for mu in (0.5, 1, 2, 4, 8)]
    assert far == sorted(far) and far[-1] == pytest.approx(math.log(2), abs=1e-3)  # rises, then saturates
    # a Monte-Carlo estimate of the same JSD (Gaussians 1 apart): E_p log(p/m)/2 + E_q log(q/m)/2
    q = theory.Shape("gaussian", 1.0, 1.0)
    rng = np.random.default_rng(0)
    xp, xq = rng.normal(0, 1, 400_000), rng.normal(1, 1, 400_000)
    m = lambda x: (g.pdf(x) + q.pdf(x)) / 2  # noqa: E731
    mc = 0.5 * np.mean(np.log(g.pdf(xp) / m(xp))) + 0.5 * np.mean(np.log(q.pdf(xq) / m(xq)))
    assert theory.js_shapes(g, q) == pytest.approx(mc, abs=3e-3)


def test_moving_q_away_saturates_the_jsd_at_log_2_while_kl_is_infinite():
    _, near = kl.movable_kl("uniform", "uniform", 1.0, 1.0)
    _, apart = kl.movable_kl("uniform", "uniform", 4.0, 1.0)
    assert "JSD = 0.693" not in near and "do not overlap" not in near
    assert "JSD = 0.693" in apart and "do not overlap" in apart and "KL(p‖q) = ∞" in apart


@pytest.mark.parametrize("d", [2, 100, 512])
def test_gaussian_z_lives_on_a_shell_of_radius_sqrt_d_and_lerp_midpoints_inside(d):
    norms = theory.latent_norms(d, 4000, seed=0)
    assert norms["gaussian"].mean() == pytest.approx(math.sqrt(d), rel=0.05 if d > 2 else 0.15)
    assert norms["uniform"].mean() == pytest.approx(math.sqrt(d / 3), rel=0.05 if d > 2 else 0.15)
    assert norms["lerp midpoint"].mean() == pytest.approx(math.sqrt(d / 2), rel=0.05 if d > 2 else 0.15)
    if d >= 100:  # concentration: the relative spread shrinks like 1/√(2d)
        assert norms["gaussian"].std() / math.sqrt(d) < 1.5 / math.sqrt(2 * d)
        assert norms["lerp midpoint"].max() < norms["gaussian"].mean()  # every midpoint is inside the shell
    fig, readout = shells.latent_shells(d, 0)
    assert [shape.x0 for shape in fig.layout.shapes] == pytest.approx(
        [math.sqrt(d), math.sqrt(d / 3), math.sqrt(d / 2)]
    )
    assert f"√d = {math.sqrt(d):.2f}" in readout


def test_the_costs_marker_follows_the_slider_and_the_readout_compares_gradients():
    for d in (0.05, 0.5, 0.9):
        fig, readout = costs.generator_costs(d)
        markers = [trace for trace in fig.data if trace.mode == "markers"]
        assert len(markers) == 4 and all(trace.x == (d,) for trace in markers)
        assert sorted(round(float(trace.y[0]), 6) for trace in markers) == sorted(
            round(v, 6) for v in (math.log(1 - d), d, -math.log(d), 1 - d)
        )
    assert "**non-saturating** gradient is **19.0×**" in costs.generator_costs(0.05)[1]
    assert "**minimax** gradient is **9.0×**" in costs.generator_costs(0.9)[1]


def test_the_em_view_generates_from_its_one_gaussian_fit():
    _, em = kl.kl_fits(3.0, 1, 0)
    samples = theory.bimodal(3.0).sample(kl.EM_SAMPLES, 0)
    generated = next(trace for trace in em.data if "drawn from q" in (trace.name or ""))
    fit = next(trace for trace in em.data if (trace.name or "").startswith("EM fit q"))
    assert f"μ̂ = {samples.mean():.2f}, σ̂ = {samples.std():.2f}" in fit.name
    assert np.mean(generated.x) == pytest.approx(samples.mean(), abs=0.2)
    assert np.std(generated.x) == pytest.approx(samples.std(), rel=0.1)


def test_trainings_leave_the_global_random_state_alone():
    state = torch.random.get_rng_state()
    theory.critic_and_discriminator.__wrapped__(0.2, seed=4)
    theory.one_d_gan.__wrapped__("gaussian", 1, 4, snapshots=2, every=3)
    assert torch.equal(torch.random.get_rng_state(), state)


# --- 7. L2 against a conditional GAN on y = ±f(x) ----------------------------------------------------------------
def test_l2_lands_between_the_branches_and_the_conditional_gan_on_both():
    fits = theory.bimodal_fits(0)
    x, y = theory.bimodal_data(512, 0)
    assert np.array_equal(fits.x, x) and np.array_equal(fits.y, y)
    assert np.mean(np.abs(np.abs(y) - theory.bimodal_branch(x)) < 0.15) > 0.99  # the data: on ±f(x)
    # L2's optimum is E[y | x] = 0: the fit stays near 0, never near a branch (|f| ≥ 0.5)
    assert np.abs(fits.l2).max() < 0.25 and theory.on_a_branch(fits.grid, fits.l2)[0] == 0.0
    on_branch, upper = theory.on_a_branch(fits.sample_x, fits.sample_y)
    assert on_branch > 0.75 and 0.3 < upper < 0.7  # the cGAN's samples: on the branches, both of them


def test_the_bimodal_fits_are_determined_by_the_seed():  # a second training, 2–6 s
    fits = theory.bimodal_fits(0)
    again = theory.bimodal_fits.__wrapped__(0)  # trained again, not cached
    assert np.array_equal(again.sample_y, fits.sample_y) and np.array_equal(again.l2, fits.l2)


def test_the_bimodal_handler_draws_the_data_both_fits_and_a_readout():
    before, prompt = bimodal.bimodal_data_only(0)
    assert [t.name for t in before.data] == ["data", "±f(x), the two answers"] and "Train both" in prompt
    figure, readout = bimodal.bimodal(0)
    names = [t.name for t in figure.data]
    assert names[2].startswith("L2 regression") and names[3].startswith("conditional GAN")
    assert "L2 fit **0%**" in readout and "conditional GAN" in readout


@pytest.mark.slow  # one more training of the cGAN, 3–10 s
def test_pix2pix_l1_keeps_samples_sharp_but_g_ignores_its_noise():
    plain, pix2pix = theory.bimodal_fits(0), theory.bimodal_fits(0, l1=10.0)
    assert np.array_equal(pix2pix.l2, plain.l2)  # the L2 regressor is trained first, on the same stream
    spread = lambda fits: fits.sample_y.reshape(-1, bimodal.BIMODAL_Z_PER_X).std(axis=1).mean()  # noqa: E731
    assert spread(plain) > 0.3 and spread(pix2pix) < 0.1  # over z at one x: both branches, then one
    on_branch, upper = theory.on_a_branch(pix2pix.sample_x, pix2pix.sample_y)
    assert on_branch > 0.9 and upper in (0.0, 1.0)  # sharp (on a branch, not their mean), one branch only
    _, readout = bimodal.bimodal(0, "10")
    assert "+ 10·L1" in readout and "ignore its noise" in readout
    with pytest.raises(gr.Error, match="λ_L1 must be one of: 0, 1, 10, 100"):
        bimodal.bimodal(0, "50")


# --- D at its optimum (row 22) and the generator's gradient as D trains (row 29) ---------------------------------
def test_the_value_at_d_star_is_twice_the_jsd_minus_log_4():
    p_g = theory.gaussian(0.3, 0.8)
    assert dt.value_at_optimum(dt.DATA, p_g) == pytest.approx(2 * dt.jsd(dt.DATA, p_g) - math.log(4), abs=1e-9)
    assert dt.value_at_optimum(dt.DATA, dt.DATA) == pytest.approx(-math.log(4), abs=1e-9)  # p_g = p_d: −log 4
    far = theory.gaussian(40.0, 0.5)
    assert dt.jsd(dt.DATA, far) == pytest.approx(math.log(2), abs=1e-6)  # disjoint: JSD = log 2, V = 0


def test_a_trained_d_reaches_2jsd_minus_log_4_only_with_enough_capacity_and_samples():
    enough = dt.trained_optimum(0.0, 1.0, 8, 256, seed=0)
    assert 0 <= enough.gap < 0.03  # V(G, D) ≤ V(G, D*) on the densities, and close to it
    assert enough.target == pytest.approx(-0.9977, abs=1e-3)
    narrow = dt.trained_optimum(0.0, 1.0, 1, 256, seed=0)  # one unit: D cannot be high on both sides of p_g
    assert narrow.gap > 10 * enough.gap and narrow.gap > 0.2
    few = dt.trained_optimum(0.0, 1.0, 8, 16, seed=0)  # 16 samples: D overfits them
    assert few.gap > 10 * enough.gap and few.value_on_samples > few.target  # its own samples flatter it
    fig, readout = optimum.optimum(0.0, 1.0, "8", "256", 0)
    assert f"**gap {enough.gap:.4f} nats**" in readout and f"**{enough.target:.4f}**" in readout
    assert [t.name for t in fig.data][-1] == "trained D" and np.allclose(fig.data[-1].y, enough.d)
    with pytest.raises(gr.Error, match="hidden units"):
        optimum.optimum(0.0, 1.0, "3", "256", 0)


def test_with_g_frozen_the_non_saturating_gradient_grows_and_spreads_and_the_minimax_one_vanishes():
    trace = dt.gradient_trace(0, checkpoints=(1, 1000))
    assert trace.d_accuracy[-1] == 1.0  # D has reached (near) its optimum on the disjoint supports
    non_saturating, minimax = (trace.mean[name] for name in dt.G_LOSSES)
    spread = trace.std[next(iter(dt.G_LOSSES))]
    assert non_saturating[-1] > 50 * non_saturating[0] and spread[-1] > 20 * spread[0]
    assert minimax[-1] < minimax[0] / 5


@pytest.mark.slow  # the section's full run (seven checkpoints up to 1 000 D steps) and the sweep's ten fits
def test_the_sections_read_out_their_numbers():
    fig, readout = variance.gradient_variance("64", 0)
    assert fig.layout.xaxis.type == "log" and "D's accuracy by step" in readout
    mean = fig.data[1].y  # the non-saturating cost's means, per checkpoint
    assert f"**{mean[-1]:.3g} ± " in readout
    gaps = optimum.sweep(0.0, 1.0, "8", "256", 0)
    by_width, by_samples = (np.asarray(trace.y) for trace in gaps.data)
    assert by_width[0] > 10 * by_width[-1] and by_samples[0] > 10 * by_samples[-1]
