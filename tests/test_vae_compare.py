"""The VAE tab's comparison sections (explorer/ui/tabs/manifold/: autoencoder, beta, conditional) on the committed
models: the plain autoencoder against the VAE with the same networks, the β / likelihood variants, VAE vs GAN
sharpness, and the sections that are drawn when first opened."""

import re

import gradio as gr
import pytest
import torch

from explorer import derived, latent, vae_theory
from explorer.ui.previews import Previews
from explorer.ui.tabs import manifold
from explorer.ui.tabs.manifold import autoencoder, beta, conditional, posterior, shared, vqvae

AE, VAE, CVAE = "ae2d-fashion-mnist", "vae2d-small-fashion-mnist", "cvae2d-fashion-mnist"
VARIANTS = ["vae2d-b05-fashion-mnist", VAE, "vae2d-b4-fashion-mnist", "vae2d-mse-fashion-mnist"]


def _percent_inside(text: str) -> float:
    return float(re.search(r"\*\*(\d+) % inside", text).group(1))


def test_the_autoencoders_codes_miss_the_prior_that_the_vaes_fill(default_zoo):
    ae_plane, vae_plane, ae_samples, vae_samples, readout = autoencoder.ae_vs_vae(default_zoo, AE, VAE, 0)
    ae_text, vae_text = readout.split("\n\n")[:2]
    assert _percent_inside(ae_text) < 30 and _percent_inside(vae_text) > 50  # N(0, I): 86 % inside ‖z‖ ≤ 2
    ae_codes, _ = autoencoder.autoencoder_codes(default_zoo, AE)
    mu, _, _ = derived.test_set_means(default_zoo, VAE)
    extent = autoencoder.plane_extent(ae_codes)
    assert extent > 3  # the autoencoder's codes reach far beyond the prior's bulk
    assert autoencoder.empty_fraction(ae_codes, extent) > autoencoder.empty_fraction(mu, 3.0) + 0.2  # holes
    assert ae_plane.size == vae_plane.size == (shared.PLANE_TILES * shared.TILE,) * 2
    assert ae_samples.size == vae_samples.size
    # z ~ N(0, I) lands in one small patch of the autoencoder's code space: mostly one kind of garment comes out
    z = latent.sample_normal(256, 0, (2,))
    classifier = default_zoo.load("classifier-fashion-mnist")
    with torch.inference_mode():
        top = [
            torch.bincount(classifier(default_zoo.load(name).decode(z)).argmax(1), minlength=10).max() / 256
            for name in (AE, VAE)
        ]
    assert top[0] > 0.5 and top[1] < 0.35  # the commonest class's share of the samples


def test_the_autoencoder_view_refuses_a_vae_as_the_autoencoder_and_a_bad_seed(default_zoo):
    with pytest.raises(gr.Error, match="not a plain autoencoder"):
        autoencoder.ae_vs_vae(default_zoo, VAE, VAE, 0)
    with pytest.raises(gr.Error, match="not a VAE"):
        autoencoder.ae_vs_vae(default_zoo, AE, AE, 0)
    with pytest.raises(gr.Error, match="seed"):
        autoencoder.ae_vs_vae(default_zoo, AE, VAE, -1)


def test_the_beta_and_likelihood_variants_reconstruct_the_same_images_and_beta_trades_kl(default_zoo):
    names = shared.variant_names(default_zoo)
    assert set(VARIANTS) <= set(names) and names[0] in ("vae2d-fashion-mnist", VAE)  # β = 1 Bernoulli first
    reconstructions, planes, table = beta.compare_variants(default_zoo, VARIANTS)
    rows = table.splitlines()[2:]
    assert len(rows) == len(VARIANTS) and "β = 4, Bernoulli" in rows[2] and "Gaussian (MSE)" in rows[3]
    kl = [float(r.split("|")[4]) for r in rows]
    assert kl[0] > kl[1] > kl[2]  # β = 0.5, 1, 4: the heavier the KL weight, the less information in z
    assert planes.width > 4 * planes.height - 100  # four planes side by side
    assert reconstructions.height > (len(VARIANTS) + 1) * 64  # the test images, then one row per model (32² at 2×)
    with pytest.raises(gr.Error, match="tick at least one"):
        beta.compare_variants(default_zoo, [])
    with pytest.raises(gr.Error, match="not a 2-D VAE"):
        beta.compare_variants(default_zoo, ["dcgan-fashion-mnist"])


def test_vae_samples_are_blurrier_than_gan_samples_and_real_images(default_zoo):
    vae_samples, gan_samples, real, readout = beta.vae_vs_gan(default_zoo, VAE, "dcgan-fashion-mnist", 0)
    vae_sharpness, gan_sharpness, real_sharpness = (float(v) for v in re.findall(r"\*\*([0-9.]+)\*\*", readout)[:3])
    assert vae_sharpness < 0.7 * gan_sharpness and vae_sharpness < 0.7 * real_sharpness
    assert vae_samples.size == gan_samples.size == real.size
    with pytest.raises(gr.Error, match="unconditional GAN"):
        beta.vae_vs_gan(default_zoo, VAE, VAE, 0)


def test_a_sections_first_view_leads_with_an_output_every_draw_fills():
    """``share.if_empty`` draws a section while its first output is empty: ``drawn_first`` puts an output that needs
    no test set first, so a server without the data draws the section once too."""

    def view(a, b):
        return None, f"{a}+{b}", a * b  # None: a view of the test set, on a server without it

    with gr.Blocks():
        a, b, out1, out2, out3 = gr.Number(2), gr.Number(3), gr.Image(), gr.Textbox(), gr.Number()
        fn, inputs, outputs = shared.drawn_first((view, [a, b], [out1, out2, out3]), 2)
    assert inputs == [a, b] and outputs == [out3, out1, out2]
    assert fn(2, 3) == [6, None, "2+3"]


def test_the_vae_tab_builds_its_sections_without_drawing_them(default_zoo, monkeypatch):
    drawn = []
    for module, name in [
        (autoencoder, "ae_vs_vae"),
        (beta, "compare_variants"),
        (beta, "vae_vs_gan"),
        (conditional, "conditional"),
        (posterior, "inside"),
        (posterior, "kl_view"),
        (manifold.edit, "edit"),
        (vqvae, "encode"),
    ]:
        monkeypatch.setattr(module, name, lambda *a, name=name, **k: drawn.append(name))
    with gr.Blocks() as demo:
        parts = manifold.build(default_zoo, Previews())
    assert drawn == []  # nothing but the plane is drawn at start-up
    ids = ("plane", "posterior", "autoencoder", "beta", "conditional", "edit", "vqvae")
    assert parts.share.sections[1] == ids == tuple(module.ID for module in manifold.SECTIONS)
    assert list(parts.share.fields) == ["model", "grid", "size", "extent", "points", "output"]  # the links' keys
    # a link draws the plane, then each other view still empty (once per page): 8 views in 6 sections
    first, *lazy = parts.share.renders
    assert first[2][0].elem_id == "vae-plane" and len(lazy) == 8 and all(hasattr(fn, "draws") for fn, _, _ in lazy)
    openers = [b for b in demo.blocks.values() if (b.elem_id or "").startswith("draw-opened-")]
    assert len(openers) == 6  # each section but the plane draws its first view when opened
    api = {fn.api_name for fn in demo.fns.values()}
    assert {"vae_plane", "vae_encode", "vae_inside", "vae_marginal", "vae_kl", "vae_kl_from_image"} <= api
    assert {"vae_autoencoder", "vae_variants", "vae_vs_gan", "vae_conditional", "vae_edit", "vqvae"} <= api


def test_sharpness_ranks_a_decoded_plane_below_the_data(default_zoo, fashion_test):
    model = default_zoo.load(VAE)
    with torch.inference_mode():
        decoded = model.decode(model.sample_latent(64, 0))
    assert vae_theory.sharpness(decoded) < vae_theory.sharpness(fashion_test.images[:64])


def test_the_conditional_vae_takes_the_class_from_y_and_the_style_from_z(default_zoo):
    plane, styles, caption = conditional.conditional(default_zoo, CVAE, "Trouser", 0.5, -1.0, 0)
    assert "Trouser" in caption and styles.width > 2 * styles.height  # 10 classes across, 5 z rows down
    model, classifier = default_zoo.load(CVAE), default_zoo.load("classifier-fashion-mnist")
    z = latent.sample_normal(32, 0, (2,))
    with torch.inference_mode():
        decoded = torch.stack([model.decode(z, torch.full((32,), c)) for c in range(10)])  # (class, z, 1, 32, 32)
        predicted = classifier(decoded.flatten(0, 1)).argmax(1).view(10, 32)
    accuracy = (predicted == torch.arange(10)[:, None]).float().mean()
    assert accuracy > 0.45  # the classifier (chance: 0.1) mostly sees the class asked for, whatever z is
    brightness = decoded.mean(dim=(2, 3, 4))  # (class, z): one z, one style, in every class
    correlation = torch.corrcoef(brightness)
    assert (correlation.sum() - 10) / 90 > 0.6  # the same z is bright (or dark, wide, …) in every class
    with pytest.raises(gr.Error, match="choose the class"):
        conditional.conditional(default_zoo, CVAE, "Cat", 0, 0, 0)
    with pytest.raises(gr.Error, match="between −4 and 4"):
        conditional.conditional(default_zoo, CVAE, "Dress", 5, 0, 0)
