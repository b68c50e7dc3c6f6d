"""Inside the 2-D VAE (explorer/vae_theory.py, the VAE tab's *Inside q(z|x)*): the quadrature, the bounds,
the E-step and the two gradient estimators, on the committed VAE."""

import math
import types

import gradio as gr
import numpy as np
import pytest
import torch

from explorer import vae_theory as vt
from explorer.ui.tabs.manifold import decoding, edit, posterior, shared

VAE = "vae2d-fashion-mnist"


@pytest.fixture(scope="module")
def setup(default_zoo):
    model = default_zoo.load(VAE)
    with torch.no_grad():
        x = model.decode(model.sample_latent(1, 3))
        mu, logvar = (t[0] for t in model.encode(x))
    post = vt.posterior_grid(model, x, mu.numpy(), max(6 * float((0.5 * logvar).exp().max()), 0.3))
    return model, x, mu, logvar, post


def test_the_posterior_is_normalised_and_log_px_matches_importance_sampling_from_a_broad_proposal(setup):
    model, x, mu, logvar, post = setup
    cell = (post.z1[1] - post.z1[0]) * (post.z2[1] - post.z2[0])
    assert np.exp(post.log_density).sum() * cell == pytest.approx(1.0, abs=0.02)  # nearly all mass in the window
    broad = torch.full_like(logvar, 2 * math.log(0.15))  # a proposal wider than the posterior: a reliable estimate
    estimate = vt.bounds(model, x, mu, broad, post.log_px, k=4000, seed=0).iwae
    assert estimate == pytest.approx(post.log_px, abs=0.1)


def test_the_elbo_is_below_log_px_and_the_e_step_narrows_the_gap(setup):
    model, x, mu, logvar, post = setup
    encoder = vt.bounds(model, x, mu, logvar, post.log_px, k=256, seed=0)
    assert encoder.gap > 0 and encoder.elbo == pytest.approx(encoder.reconstruction - encoder.kl_prior)
    mu_star, logvar_star, trace = vt.optimise_q(model, x, mu, logvar, seed=0)
    optimised = vt.bounds(model, x, mu_star, logvar_star, post.log_px, k=256, seed=0)
    assert 0 < optimised.gap < encoder.gap
    assert all(p.requires_grad for p in model.parameters())  # the decoder is left as it was


def test_the_closed_form_kl_per_dimension():
    mu, logvar = torch.tensor([0.5, -1.0]), torch.tensor([0.2, -0.7])
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    expected = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0))
    assert torch.allclose(vt.kl_per_dimension(mu, logvar), expected, atol=1e-6)
    assert torch.allclose(vt.kl_per_dimension(torch.zeros(2), torch.zeros(2)), torch.zeros(2))


def test_both_gradient_estimators_agree_in_the_mean_and_the_score_function_is_far_noisier(setup):
    model, x, mu, logvar, _ = setup
    score, reparameterised = vt.gradient_estimates(model, x, mu, logvar, samples=8, repeats=200, seed=0)
    assert score.var() > 100 * reparameterised.var()
    standard_error = score.std() / math.sqrt(len(score))
    assert abs(score.mean() - reparameterised.mean()) < 4 * standard_error  # both unbiased


def test_the_ellipses_are_at_one_and_two_sigma():
    xs, ys = vt.ellipse(np.array([1.0, -1.0]), np.array([0.1, 0.3]), 2)
    assert np.allclose(((xs - 1.0) / 0.1) ** 2 + ((ys + 1.0) / 0.3) ** 2, 4.0)


def test_the_section_shows_a_test_image_and_a_sample_and_refuses_bad_input(default_zoo):
    _, bars, strip, readout, gradients = posterior.inside(default_zoo, VAE, "test image", 1, 16, 0)
    assert "Pullover" in readout and "gap KL(q ‖ p(z|x))" in readout
    assert [b for b in bars.data[0].x] == ["log p(x)", "IWAE, K = 16", "ELBO (encoder's q)"]
    assert strip.width > strip.height * 8  # x, decode(μ) and 8 draws in a row
    noise = posterior.inside(default_zoo, VAE, "noise", 0, 16, 0)
    assert noise[1].data[0].y[0] < bars.data[0].y[0] - 100  # log p(x): noise is far less likely than a garment
    optimised = posterior.inside(default_zoo, VAE, "VAE sample", 3, 16, 0, optimise=True)
    assert "optimised q (E-step): 1σ" in [t.name for t in optimised[0].data]
    for args, message in (
        (("test image", 10_000, 16, 0), "0 to 9 999"),
        (("test image", 1, 0, 0), "K"),
        (("VAE sample", None, 16, 0), "sample seed"),
    ):
        with pytest.raises(gr.Error, match=message):
            posterior.inside(default_zoo, VAE, *args)


def test_editing_real_images_interpolates_their_codes_and_moves_one_along_an_attribute(default_zoo):
    path, attribute, caption = edit.edit(default_zoo, VAE, 1, 2, "Dress", "Pullover")
    side, pad = 96, 12  # 32² tiles at 3×, padding 4 at 3×
    assert path.width == 10 * (side + pad) + pad and attribute.width == (len(edit.ALPHAS) + 1) * (side + pad) + pad
    assert "Pullover" in caption and "Trouser" in caption and "mean code of Dress" in caption
    tiles = np.asarray(path.convert("L"), dtype=float)
    first, last = (tiles[pad : pad + side, pad + i * (side + pad) :][:, :side] for i in (1, 8))  # decoded ends
    assert np.abs(first - last).mean() > 10  # the path goes somewhere: its ends decode differently
    with pytest.raises(gr.Error, match="classes among"):
        edit.edit(default_zoo, VAE, 1, 2, "Cat", "Pullover")


def test_labels_fall_back_to_ascii_where_the_font_lacks_greek():
    from PIL import ImageFont

    from explorer import images

    assert images.label_text("α = 1, |z| ≤ 2", ImageFont.load_default(size=18)) == "a = 1, |z| <= 2"
    font = images.label_font(18)
    assert images.label_text("α", font) == ("α" if isinstance(getattr(font, "path", None), str) else "a")


class LinearGaussian(torch.nn.Module):
    """z ~ N(0, I₂), x | z ~ N(Wz + b, s²I₄) as a 2×2 image: p(x) = N(b, WWᵀ + s²I), known in closed form."""

    def __init__(self, w: torch.Tensor, b: torch.Tensor, variance: float):
        super().__init__()
        self.w, self.b, self.variance = w, b, variance
        self.config = types.SimpleNamespace(likelihood="linear-gaussian", latent_dim=2)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return (z.to(self.w.dtype) @ self.w.T + self.b).view(-1, 1, 2, 2)  # the mean of p(x|z)

    def reconstruction_nll(self, mean: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        squared = (x - mean).pow(2).flatten(1).sum(1)
        return squared / (2 * self.variance) + 2 * math.log(2 * math.pi * self.variance)


def test_iwae_matches_the_closed_form_log_px_of_a_linear_gaussian_model_and_rises_with_k():
    generator = torch.Generator().manual_seed(0)
    w, b, variance = (
        torch.randn(4, 2, generator=generator, dtype=torch.float64),
        torch.zeros(4, dtype=torch.float64),
        0.3,
    )
    model = LinearGaussian(w, b, variance)
    x = torch.tensor([1.0, -0.5, 0.8, 0.2], dtype=torch.float64)
    covariance = w @ w.T + variance * torch.eye(4, dtype=torch.float64)
    log_px = float(torch.distributions.MultivariateNormal(b, covariance).log_prob(x))
    # the exact posterior is N(m, S), S = (I + WᵀW/s²)⁻¹, m = S Wᵀ(x − b)/s²; q misses it on purpose
    s = torch.linalg.inv(torch.eye(2, dtype=torch.float64) + w.T @ w / variance)
    m = s @ w.T @ (x - b) / variance
    mu, logvar = (m + 0.5 * s.diagonal().sqrt()).float(), torch.log(3 * s.diagonal()).float()  # off, and too wide
    image = x.view(1, 1, 2, 2)
    assert vt.bounds(model, image, mu, logvar, log_px, k=20_000, seed=0).iwae == pytest.approx(log_px, abs=1e-2)
    repeats = {1: 400, 10: 400, 100: 100}  # IWAE_K averaged over seeds: its expectation rises with K
    iwae = {
        k: [vt.bounds(model, image, mu, logvar, log_px, k=k, seed=s).iwae for s in range(n)] for k, n in repeats.items()
    }
    means = [float(np.mean(v)) for v in iwae.values()]
    elbo = vt.bounds(model, image, mu, logvar, log_px, k=20_000, seed=1).elbo  # = E IWAE_1
    assert abs(means[0] - elbo) < 4 * np.std(iwae[1]) / math.sqrt(repeats[1])
    assert means[0] < means[1] < means[2] <= log_px + 1e-2
    assert log_px - elbo > 0.5  # a real gap: q is not the posterior


def test_sharpness_is_the_mean_gradient_magnitude():
    assert vt.sharpness(torch.zeros(2, 1, 8, 8)) == 0.0
    ramp = torch.linspace(-1, 1, 8).repeat(1, 1, 8, 1)  # rises 2/7 per pixel along u
    assert vt.sharpness(ramp) == pytest.approx(2 / 7, rel=1e-5)
    checker = (torch.arange(8)[:, None] + torch.arange(8)[None, :]) % 2 * 2.0 - 1
    blurred = torch.nn.functional.avg_pool2d(checker[None, None], 3, 1, 1, count_include_pad=False)
    assert vt.sharpness(checker[None, None]) > 3 * vt.sharpness(blurred)


def test_the_planes_grid_is_decoded_once_per_model_and_gives_the_same_log_joint(setup, monkeypatch):
    model, x, *_ = setup
    axis = torch.linspace(-4, 4, 64)
    fresh = vt._log_joint_on(model, x, axis, axis)
    assert torch.allclose(vt._log_joint_on(model, x, axis, axis, fixed=True), fresh, rtol=0, atol=1e-9)
    calls = []
    decode = model.decode_logits
    monkeypatch.setattr(model, "decode_logits", lambda z: calls.append(len(z)) or decode(z))
    other = -x  # another image: same decoder outputs, another likelihood
    again = vt._log_joint_on(model, other, axis, axis, fixed=True)
    assert calls == [] and not torch.allclose(again, fresh)  # no decoding, and the image still matters
    assert torch.allclose(again, vt._log_joint_on(model, other, axis, axis), rtol=0, atol=1e-6)


# The KL term with sliders (row 98): the closed form ½(μ² + σ² − log σ² − 1) per dimension, against Monte Carlo.


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (1.5, 0.3), (-2.0, 2.5), (0.3, 0.05)])
def test_the_closed_form_kl_equals_a_monte_carlo_estimate(mu, sigma):
    mu_t, sigma_t = torch.tensor([mu], dtype=torch.float64), torch.tensor([sigma], dtype=torch.float64)
    closed = float(vt.kl_per_dimension(mu_t, torch.log(sigma_t**2))[0])
    estimate, error = vt.kl_monte_carlo(mu_t, sigma_t, samples=400_000, seed=1)
    assert float(estimate[0]) == pytest.approx(closed, abs=1e-2)
    assert abs(float(estimate[0]) - closed) < 5 * float(error[0]) + 1e-12  # within its own standard error


def test_the_kl_sliders_move_the_marked_points_and_the_readout_is_the_closed_form():
    figure, readout = posterior.kl_view(1.0, 0.5, 0.0, 1.0)
    marks = {t.name: (t.x[0], t.y[0]) for t in figure.data if t.name in ("z₁", "z₂")}
    assert marks == {"z₁": (1.0, 0.5), "z₂": (0.0, 1.0)}
    expected = vt.kl_per_dimension(torch.tensor([1.0, 0.0]), torch.log(torch.tensor([0.5, 1.0]) ** 2))
    assert f"**{float(expected[0]):.4f}**" in readout and f"**{float(expected[1]):.4f}**" in readout  # 0.9431, 0
    moved, other = posterior.kl_view(-2.5, 0.05, 0.7, 2.0)
    marks = {t.name: (t.x[0], t.y[0]) for t in moved.data if t.name in ("z₁", "z₂")}
    assert marks == {"z₁": (-2.5, 0.05), "z₂": (0.7, 2.0)}
    assert other != readout
    contour = figure.data[0]  # the map itself is the same closed form
    i, j = 60, 100
    mu, sigma = contour.x[j], contour.y[i]
    assert contour.z[i][j] == pytest.approx(min(0.5 * (mu**2 + sigma**2 - math.log(sigma**2) - 1), 8.0), abs=1e-9)
    with pytest.raises(gr.Error, match="σ₁ must be a number from 0.01 to 3"):
        posterior.kl_view(0.0, 0.0, 0.0, 1.0)


def test_from_the_image_sets_the_sliders_to_the_encoders_mu_and_sigma(default_zoo):
    model = default_zoo.load(VAE)
    x, _ = shared.chosen_image(default_zoo, VAE, "test image", 1)
    with torch.no_grad():
        mu, logvar = (t[0] for t in model.encode(x))
    mu1, sigma1, mu2, sigma2, figure, readout = posterior.kl_from_image(default_zoo, VAE, "test image", 1)
    sigma = (0.5 * logvar).exp()
    assert (mu1, mu2) == pytest.approx(mu.tolist(), abs=0.005) and (sigma1, sigma2) == pytest.approx(
        sigma.tolist(), abs=0.0005
    )
    marks = {t.name: (t.x[0], t.y[0]) for t in figure.data if t.name in ("z₁", "z₂")}
    assert marks == {"z₁": (mu1, sigma1), "z₂": (mu2, sigma2)}
    assert "KL(q ‖ p(z))" in readout


# The decoder as a distribution (row 90) and the marginal likelihood by sampling (row 91).


def test_a_draw_of_p_x_given_z_is_sharp_and_the_average_of_draws_is_the_blurry_mean(setup):
    model, x, mu, *_ = setup
    text, numbers = decoding.blur_readout(model, mu, seed=0)
    assert numbers["draw"] > 3 * numbers["mean"]  # the mean is the blur, a draw is not
    assert numbers["rms"] < 0.1  # 256 draws average back to the mean
    z = torch.randn(4, 2, generator=torch.Generator().manual_seed(1))
    draws = vt.decoded(model, z, vt.DECODER_OUTPUTS[1], seed=2)
    assert set(draws.unique().tolist()) == {-1.0, 1.0}  # Bernoulli: each pixel black or white
    assert torch.equal(draws, vt.decoded(model, z, vt.DECODER_OUTPUTS[1], seed=2))  # seeded
    assert torch.equal(vt.decoded(model, z, vt.DECODER_OUTPUTS[0]), model.decode(z))
    with pytest.raises(ValueError, match="decoder output"):
        vt.decoded(model, z, "median")


@pytest.mark.slow  # two renders of the whole section
def test_the_sections_strip_shows_draws_of_p_x_given_z_when_switched(setup, default_zoo):
    _, numbers = decoding.blur_readout(setup[0], setup[2], seed=0)  # setup's image is the VAE's sample of seed 3
    mean_strip = posterior.inside(default_zoo, VAE, "VAE sample", 3, 4, 0)[2]
    sample_strip, readout = posterior.inside(default_zoo, VAE, "VAE sample", 3, 4, 0, vt.DECODER_OUTPUTS[1])[2:4]
    assert "p(x|z) is a distribution" in readout and f"**{numbers['draw']:.3f}**" in readout
    mean_pixels, sample_pixels = (np.asarray(s.convert("L"), dtype=float) for s in (mean_strip, sample_strip))
    assert np.abs(np.diff(sample_pixels, axis=1)).mean() > 1.5 * np.abs(np.diff(mean_pixels, axis=1)).mean()


def test_a_gaussian_decoders_draw_is_its_mean_plus_noise_of_its_own_sigma():
    model = types.SimpleNamespace(config=types.SimpleNamespace(likelihood="gaussian"))
    logits = torch.zeros(1, 1, 64, 64)  # mean ½ on [0, 1]
    draw = (vt.decoder_sample(model, logits, seed=0) + 1) / 2
    clipped = float(((draw == 0) | (draw == 1)).float().mean())  # P(|ε| > ½/σ) = 2(1 − Φ(½/σ)), σ = √½: 0.480
    expected = 2 * (1 - torch.distributions.Normal(0, 1).cdf(torch.tensor(0.5 / math.sqrt(vt.GAUSSIAN_VARIANCE))))
    assert clipped == pytest.approx(float(expected), abs=0.03)
    assert float(draw.mean()) == pytest.approx(0.5, abs=0.02)


def test_sampling_the_prior_misses_log_px_where_importance_sampling_finds_it(setup):
    model, x, mu, logvar, post = setup
    estimates = vt.marginal_estimates(model, x, mu, logvar, n_max=100, repeats=2, seed=0, points=3)
    assert estimates.n.tolist() == [1, 10, 100]
    prior_error = estimates.prior.mean(0) - post.log_px
    importance_error = estimates.importance.mean(0) - post.log_px
    assert prior_error[0] < -50 and prior_error[-1] > prior_error[0] + 20  # far low, closing as N grows
    assert abs(importance_error[-1]) < 2 and abs(importance_error[0]) < 10
    assert (np.abs(importance_error) < np.abs(prior_error)).all()
    figure = decoding.marginal_figure(estimates, post.log_px)
    assert figure.layout.xaxis.type == "log" and len(figure.data) == 4  # two repeats of each estimator
    readout = decoding.marginal_readout(estimates, post.log_px)
    assert f"N = 10: {prior_error[1]:+.1f}" in readout and f"{post.log_px:.2f} by quadrature" in readout


def test_the_planes_tiles_switch_from_the_decoders_means_to_its_draws(default_zoo):
    from explorer.ui.tabs.manifold import plane

    means, _, mean_png = plane.render_plane(default_zoo, VAE, 5, 3.0, "linear", False)
    draws, _, draw_png = plane.render_plane(default_zoo, VAE, 5, 3.0, "linear", False, vt.DECODER_OUTPUTS[1])
    grey = np.asarray(draws.convert("L"))
    assert set(np.unique(grey)) <= {0, 255} and len(set(np.unique(np.asarray(means.convert("L"))))) > 50
    assert draw_png != mean_png and draw_png.endswith("_sample.png")
