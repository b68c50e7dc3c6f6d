"""The VAE tab's *β and the likelihood* section: the committed β-VAE and Gaussian-decoder variants on the same test
images, and VAE against GAN samples with a sharpness number (why VAE samples are blurry)."""

import functools

import gradio as gr
import torch
from PIL import Image

from explorer import derived, images, latent, vae_theory
from explorer.data import FASHION_MNIST_CLASSES, DatasetUnavailable
from explorer.models import HasEncoder, Unconditional
from explorer.ui import common
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.manifold.shared import (
    SAMPLES,
    drawn_first,
    likelihood,
    plane_image,
    vae_means,
    variant_beta,
    variant_names,
)
from explorer.zoo import Zoo

TITLE, ID = "β and the likelihood", "beta"
SHOWN_CLASSES = (0, 1, 2, 3, 4, 5, 7, 8, 9)  # the first test image of each: the same images for every model
GAN = "dcgan-fashion-mnist"

BETA_NOTE = """**What you are seeing.** The same test images (top row) reconstructed by each committed VAE, its
latent plane (±3, test codes over it) and its samples. The loss is E_q[−log p(x|z)] + **β**·KL(q ‖ N(0, I)):
β > 1 (β-VAE, Higgins et al. 2017) makes information in z dearer, so the codes pack closer to the prior and
reconstructions lose detail; β < 1 the opposite. With a 2-D z the bottleneck already limits detail, so the effect
is modest: read the KL column (β = 0.5 → 4: about 6.8 → 4.2 nats) against −log p(x|z). The **likelihood** is a
modelling choice too: Bernoulli (BCE) against a Gaussian with a fixed σ² = ½, whose −log p(x|z) is the sum of
squared errors: per pixel it punishes errors about half as much as the BCE does, so the KL weighs relatively more,
as with a larger β. Numbers: 1 000 test images, z = μ; −log p(x|z) under different likelihoods is not comparable
(the Gaussian's includes a constant, (D/2)·log π ≈ 586 nats)."""

BLUR_NOTE = """**Why are VAE samples blurry?** The decoder outputs the *mean* of p(x|z): where q(z|x) of several
training images overlap, the best mean under a factorised likelihood is their average, and the noise a Gaussian or
Bernoulli pixel model would add is left out (it is independent per pixel, no texture). A GAN's generator is trained
to fool a discriminator that sees blur, so it commits to one sharp image. **Sharpness** = mean gradient magnitude,
mean over pixels of √((∂x/∂u)² + (∂x/∂v)²) on images in [-1, 1]."""


def _shown_images(zoo: Zoo) -> tuple[torch.Tensor, list[str]] | None:
    """The first test image of each class of ``SHOWN_CLASSES`` and the class names; None without the test set."""
    try:
        test = common.test_set(zoo)
    except DatasetUnavailable:
        return None
    indices = [int(torch.nonzero(test.labels == c)[0]) for c in SHOWN_CLASSES]
    return test.images[indices], [FASHION_MNIST_CLASSES[c] for c in SHOWN_CLASSES]


def variant_label(zoo: Zoo, name: str) -> str:
    """What the β/likelihood control shows: β, the likelihood, the network's size, then " · " and the name."""
    decoder = "Gaussian (MSE)" if likelihood(zoo, name) == "gaussian" else "Bernoulli"
    weights = zoo.memo("weights", name, lambda: sum(p.numel() for p in zoo.load(name).parameters()))
    return f"β = {variant_beta(zoo, name):g}, {decoder}, {weights / 1e6:.2f} M weights · {name}"


@user_errors
def compare_variants(zoo: Zoo, names: list[str]):
    """(reconstructions: the test images on top, one row per model; the planes side by side; a markdown table)."""
    if not names:
        raise ValueError("tick at least one VAE to compare")
    unknown = [n for n in names if n not in derived.plane_models(zoo)]
    if unknown:
        raise ValueError(f"not a 2-D VAE of the zoo: {', '.join(unknown)}; pick among {', '.join(variant_names(zoo))}")
    shown = _shown_images(zoo)
    models = {name: zoo.require(name, HasEncoder, what="a VAE") for name in names}
    scale = images.fit_scale(32, 2)
    rows, planes, table = [], [], []
    for name, model in models.items():
        means = vae_means(zoo, name)
        planes.append(plane_image(model.decode, 3.0, *(means or (None, None))))
        with torch.inference_mode():
            samples = model.decode(latent.sample_normal(64, 0, (2,)).to(zoo.device)).cpu()
        row = f"| {variant_label(zoo, name)} | {vae_theory.sharpness(samples):.3f} |"
        if shown is not None:
            x = shown[0].to(zoo.device)
            with torch.inference_mode():
                mu, logvar = model.encode(x)
                rows.append(model.decode(mu).cpu())
            row += _test_numbers(zoo, name, model)
        table.append(row)
    labels = [variant_label(zoo, n).split(" · ")[0] for n in names]
    if shown is not None:
        grid = images.grid_image(torch.cat([shown[0], *rows]), ncols=len(SHOWN_CLASSES), scale=scale, padding=4)
        reconstructions = images.label_rows(grid, ["test image", *labels], font_size=16)
    else:
        reconstructions = None
    width = sum(p.width for p in planes) + 8 * (len(planes) - 1)
    strip = Image.new("RGB", (width, planes[0].height), "white")
    for i, p in enumerate(planes):
        strip.paste(p, (i * (p.width + 8), 0))
    strip = images.label_columns(strip, labels, font_size=16)
    header = "| model | sharpness of 64 samples |"
    if shown is not None:
        header += " −log p(x∣z) | KL | −ELBO (β = 1) | MSE of reconstructions |"
    divider = "|" + "---|" * (header.count("|") - 1)
    return reconstructions, strip, "\n".join([header, divider, *table])


def _test_numbers(zoo: Zoo, name: str, model) -> str:
    """Table cells: per-image −log p(x|z = μ), KL, −ELBO (β = 1 bound) and MSE on the first 1 000 test images."""

    def compute() -> str:
        x = common.test_set(zoo).images[:1000].to(zoo.device)
        with torch.inference_mode():
            mu, logvar = model.encode(x)
            logits = model.decode_logits(mu)
            nll = model.reconstruction_nll(logits, x).mean().item()
            kl = float(vae_theory.kl_per_dimension(mu, logvar).sum(1).mean())
            mse = (2 * torch.sigmoid(logits) - 1 - x).pow(2).mean().item()
        return f" {nll:.1f} | {kl:.2f} | {nll + kl:.1f} | {mse:.4f} |"

    return zoo.memo("vae-test-numbers", name, compute)


def gan_names(zoo: Zoo) -> list[str]:
    return derived.arithmetic_models(zoo)


@user_errors
def vae_vs_gan(zoo: Zoo, vae_name: str, gan_name: str, seed: int):
    """(16 VAE samples, 16 GAN samples, 16 test images or None, the sharpness readout)."""
    seed = latent.check_seed(seed, "the sample seed")
    vae = zoo.require(vae_name, HasEncoder, what="a VAE")
    gan = zoo.require(gan_name, Unconditional, excludes=(HasEncoder,), what="an unconditional GAN")
    with torch.inference_mode():
        vae_samples = vae.generate(vae.sample_latent(SAMPLES, seed)).cpu()
        gan_samples = gan.generate(gan.sample_latent(SAMPLES, seed)).cpu()
    if gan_samples.shape[1] != 1 or gan_samples.shape[-1] != 32:
        raise ValueError(
            f"{gan_name} makes {gan_samples.shape[-1]}² images with {gan_samples.shape[1]} channels; "
            "pick a 32×32 greyscale GAN like the VAE"
        )
    scale = images.fit_scale(32, 3)
    parts = [
        f"VAE samples **{vae_theory.sharpness(vae_samples):.3f}**",
        f"GAN samples **{vae_theory.sharpness(gan_samples):.3f}**",
    ]
    real = None
    try:
        test = common.test_set(zoo)
        generator = torch.Generator().manual_seed(seed)
        real_images = test.images[torch.randperm(len(test), generator=generator)[:SAMPLES]]
        real = images.grid_image(real_images, ncols=4, scale=scale)
        with torch.inference_mode():
            reconstructions = vae.decode(vae.encode(real_images.to(zoo.device))[0]).cpu()
        parts += [
            f"real test images **{vae_theory.sharpness(real_images):.3f}**",
            f"the VAE's reconstructions of them {vae_theory.sharpness(reconstructions):.3f}",
        ]
    except DatasetUnavailable:
        pass
    readout = "Sharpness (mean gradient magnitude, seed " + f"{seed}): " + " · ".join(parts) + "."
    return (
        images.grid_image(vae_samples, ncols=4, scale=scale),
        images.grid_image(gan_samples, ncols=4, scale=scale),
        real,
        readout,
    )


def _variants_view(zoo: Zoo) -> tuple:
    """The variants' checkboxes and their three outputs: (inputs, outputs)."""
    names = variant_names(zoo)
    chosen = gr.CheckboxGroup(
        [(variant_label(zoo, n), n) for n in names],
        value=names,
        label="β and likelihood: the committed VAEs to compare",
        elem_id="vae-beta-models",
    )
    reconstructions = common.drawn_image(
        "vae-beta-reconstructions", "Reconstructions decode(μ(x)) of the same test images"
    )
    planes = common.drawn_image("vae-beta-planes", "Latent planes (±3, red circle ‖z‖ = 2)")
    table = gr.Markdown(elem_id="vae-beta-table")
    return [chosen], [reconstructions, planes, table]


def _blur_view(zoo: Zoo) -> tuple:
    """VAE against GAN samples: (inputs, outputs)."""
    names, gans = variant_names(zoo), gan_names(zoo)
    with gr.Row():
        vae = gr.Dropdown(names, value=names[0], label="VAE", elem_id="vae-blur-vae")
        gan = gr.Dropdown(
            gans, value=GAN if GAN in gans else (gans[0] if gans else None), label="GAN", elem_id="vae-blur-gan"
        )
        seed = gr.Number(0, label="Seed", precision=0, minimum=0, elem_id="vae-blur-seed")
    with gr.Row():
        vae_samples = common.drawn_image("vae-blur-vae-samples", "VAE samples")
        gan_samples = common.drawn_image("vae-blur-gan-samples", "GAN samples")
        real = common.drawn_image("vae-blur-real", "Real test images")
    readout = gr.Markdown(elem_id="vae-blur-readout")
    return [vae, gan, seed], [vae_samples, gan_samples, real, readout]


def build(zoo: Zoo) -> SectionParts:
    """The section's components and wiring (inside the VAE tab's ``gr.Tab``); its views are drawn when first
    opened (the GAN's only where the zoo has one)."""
    gr.Markdown(BETA_NOTE, elem_classes=["note"])
    variants_inputs, variants_outputs = _variants_view(zoo)
    gr.Markdown(BLUR_NOTE, elem_classes=["note"])
    blur_inputs, blur_outputs = _blur_view(zoo)
    variants = functools.partial(compare_variants, zoo)
    blur = functools.partial(vae_vs_gan, zoo)
    variants_inputs[0].input(
        variants, variants_inputs, variants_outputs, api_name="vae_variants", trigger_mode="always_last"
    )
    vae, gan, seed = blur_inputs
    gr.on(
        [vae.input, gan.input, seed.submit, seed.blur],
        blur,
        blur_inputs,
        blur_outputs,
        api_name="vae_vs_gan",
        trigger_mode="always_last",
    )
    opened = [drawn_first((variants, variants_inputs, variants_outputs), 1)]  # the planes need no test set
    if gan.value is not None:
        opened.append((blur, blur_inputs, blur_outputs))
    return SectionParts(opened=opened)
