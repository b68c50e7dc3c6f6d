"""Inside the 2-D VAE (explorer/vae_theory.py, the VAE tab's *Inside q(z|x)*): the quadrature, the bounds,
the E-step and the two gradient estimators, on the committed VAE."""

import math

import gradio as gr
import numpy as np
import pytest
import torch

from explorer import vae_theory as vt
from explorer.ui import vae_inside

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
    posterior, bars, strip, readout, gradients = vae_inside.inside(default_zoo, VAE, "test image", 1, 16, 0)
    assert "Pullover" in readout and "gap KL(q ‖ p(z|x))" in readout
    assert [b for b in bars.data[0].x] == ["log p(x)", "IWAE, K = 16", "ELBO (encoder's q)"]
    assert strip.width > strip.height * 8  # x, decode(μ) and 8 draws in a row
    noise = vae_inside.inside(default_zoo, VAE, "noise", 0, 16, 0)
    assert noise[1].data[0].y[0] < bars.data[0].y[0] - 100  # log p(x): noise is far less likely than a garment
    optimised = vae_inside.inside(default_zoo, VAE, "VAE sample", 3, 16, 0, optimise=True)
    assert "optimised q (E-step): 1σ" in [t.name for t in optimised[0].data]
    for args, message in (
        (("test image", 10_000, 16, 0), "0 to 9 999"),
        (("test image", 1, 0, 0), "K"),
        (("VAE sample", None, 16, 0), "sample seed"),
    ):
        with pytest.raises(gr.Error, match=message):
            vae_inside.inside(default_zoo, VAE, *args)


def test_editing_real_images_interpolates_their_codes_and_moves_one_along_an_attribute(default_zoo):
    path, attribute, caption = vae_inside.edit(default_zoo, VAE, 1, 2, "Dress", "Pullover")
    side, pad = 96, 12  # 32² tiles at 3×, padding 4 at 3×
    assert (
        path.width == 10 * (side + pad) + pad and attribute.width == (len(vae_inside.ALPHAS) + 1) * (side + pad) + pad
    )
    assert "Pullover" in caption and "Trouser" in caption and "mean code of Dress" in caption
    tiles = np.asarray(path.convert("L"), dtype=float)
    first, last = (tiles[pad : pad + side, pad + i * (side + pad) :][:, :side] for i in (1, 8))  # decoded ends
    assert np.abs(first - last).mean() > 10  # the path goes somewhere: its ends decode differently
    with pytest.raises(gr.Error, match="classes among"):
        vae_inside.edit(default_zoo, VAE, 1, 2, "Cat", "Pullover")


def test_labels_fall_back_to_ascii_where_the_font_lacks_greek():
    from PIL import ImageFont

    from explorer import images

    assert images.label_text("α = 1, |z| ≤ 2", ImageFont.load_default(size=18)) == "a = 1, |z| <= 2"
    font = images.label_font(18)
    assert images.label_text("α", font) == ("α" if isinstance(getattr(font, "path", None), str) else "a")
