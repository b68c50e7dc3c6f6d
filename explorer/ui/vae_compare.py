"""The VAE tab's comparison sections: *Autoencoder vs VAE* (the plain autoencoder's code plane has holes and no
prior; the VAE's is filled and N(0, I)-shaped), *β and the likelihood* (the committed β-VAE and Gaussian-decoder
variants on the same test images, and VAE vs GAN samples with a sharpness number: why VAE samples are blurry) and
*Conditional VAE* (pick the class, move z: the same style across classes).

Handlers first (tests call them), then one ``build_*`` per section.
"""

import gradio as gr
import numpy as np
import torch
from PIL import Image, ImageDraw

from explorer import derived, images, latent, vae_theory
from explorer.data import FASHION_MNIST_CLASSES, DatasetUnavailable
from explorer.models import Autoencoder, ConditionalVAE, HasEncoder, Unconditional
from explorer.plots import CLASS_COLOURS
from explorer.ui import common
from explorer.ui.common import user_errors
from explorer.zoo import WEIGHTS_NAME, Zoo

PLANE_TILES = 15  # tiles per side of each plane
TILE = 24  # pixels per tile
PRIOR_RADIUS = 2.0  # ‖z‖ ≤ 2 holds 1 − e^{−2} ≈ 86 % of N(0, I) in 2-D
SAMPLES = 16
SHOWN_CLASSES = (0, 1, 2, 3, 4, 5, 7, 8, 9)  # the first test image of each: the same images for every model
GAN = "dcgan-fashion-mnist"

AE_NOTE = """**What you are seeing.** Left, a *plain autoencoder* with a 2-D code, z = f(x), trained to reconstruct
only (the VAE's networks without σ, the sampling and the KL). Right, a VAE. Each plane decodes a grid of z, with
the test images' codes drawn over it in class colours and the circle ‖z‖ = 2 where N(0, I) puts 86 % of its
samples. The autoencoder's codes sit wherever training left them (far from the origin, in thin streaks, with
holes between them), so **decoding z ~ N(0, I) through it** (bottom left) is not sampling: nothing trained the
decoder there. The VAE's KL term pulls q(z|x) towards N(0, I), fills the disc, and makes the same z decode to
garments (bottom right)."""

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

CVAE_NOTE = """**What you are seeing.** A *conditional* VAE (Sohn et al. 2015; Attribute2Image, Yan et al. 2016, at our
scale): the encoder and the decoder both see the class y, q_φ(z|x, y) and p_θ(x|z, y). The class no longer has to
be stored in z, so z keeps what the label does not say: the "style" (size, width, brightness, shape). Left: the
chosen class's whole 2-D manifold, the current z ringed. Right: each row is one z decoded with every class: the
same style across classes; the first row is the z of the sliders, the others z ~ N(0, I) from the seed. Trained with
β = 4, which pushes what y already says out of z."""
STYLE_ROWS = 4  # z ~ N(0, I) rows under the sliders' z


# --- data -----------------------------------------------------------------------------------------------------
def _shown_images(zoo: Zoo) -> tuple[torch.Tensor, list[str]] | None:
    """The first test image of each class of ``SHOWN_CLASSES`` and the class names; None without the test set."""
    try:
        test = common.test_set(zoo)
    except DatasetUnavailable:
        return None
    indices = [int(torch.nonzero(test.labels == c)[0]) for c in SHOWN_CLASSES]
    return test.images[indices], [FASHION_MNIST_CLASSES[c] for c in SHOWN_CLASSES]


def autoencoder_names(zoo: Zoo) -> list[str]:
    """Plain autoencoders (``Autoencoder``): listed only here, having no prior to sample from."""
    return zoo.names(Autoencoder)


def variant_names(zoo: Zoo) -> list[str]:
    """The 2-D VAEs, the β = 1 Bernoulli ones first."""
    names = derived.plane_models(zoo)
    return sorted(names, key=lambda n: (variant_beta(zoo, n) != 1.0, _likelihood(zoo, n) != "bernoulli"))


def variant_beta(zoo: Zoo, name: str) -> float:
    """The KL weight β a zoo model was trained with (its manifest entry's ``beta``; 1 when unsaid)."""
    return float(zoo.entry(name).extra.get("beta", 1.0))


def _likelihood(zoo: Zoo, name: str) -> str:
    from explorer.models.folder import read_config

    return zoo.memo("likelihood", name, lambda: read_config(zoo.entry(name).folder)[1].get("likelihood", "bernoulli"))


def variant_label(zoo: Zoo, name: str) -> str:
    """What the β/likelihood control shows: β, the likelihood, the network's size, then " · " and the name."""
    likelihood = "Gaussian (MSE)" if _likelihood(zoo, name) == "gaussian" else "Bernoulli"
    weights = zoo.memo("weights", name, lambda: sum(p.numel() for p in zoo.load(name).parameters()))
    return f"β = {variant_beta(zoo, name):g}, {likelihood}, {weights / 1e6:.2f} M weights · {name}"


def autoencoder_codes(zoo: Zoo, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """f(x) of the 10 000 test images and their labels (per weights, like the VAE's μ); None without the data."""

    def compute():
        model = zoo.load(name)

        def encode() -> dict[str, np.ndarray]:
            test = common.test_set(zoo)
            with torch.inference_mode():
                codes = torch.cat([model.encode(batch.to(zoo.device)).cpu() for batch in test.images.split(1000)])
            return {"codes": codes.numpy(), "labels": test.labels.numpy()}

        arrays = zoo.derived.get(f"ae-test-codes-{name}", zoo.entry(name).folder / WEIGHTS_NAME, encode)
        return arrays["codes"], arrays["labels"]

    try:
        return zoo.memo("ae-test-codes", name, compute)
    except DatasetUnavailable:
        return None


def _vae_means(zoo: Zoo, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        mu, labels, _ = derived.test_set_means(zoo, name)
    except DatasetUnavailable:
        return None
    return mu, labels


# --- the pure parts -------------------------------------------------------------------------------------------
def empty_fraction(codes: np.ndarray, extent: float) -> float:
    """The fraction of the plane's ±extent square (a 41×41 grid of points) farther than one tile's half-width
    (extent / ``PLANE_TILES``) from every code: the holes a decoder was never trained on. Relative to the plane,
    so an autoencoder's wide plane and a VAE's ±3 compare."""
    axis = torch.linspace(-extent, extent, 41)
    g2, g1 = torch.meshgrid(axis, axis, indexing="ij")
    points = torch.stack([g1.flatten(), g2.flatten()], 1)
    nearest = torch.cdist(points, torch.from_numpy(np.asarray(codes, dtype=np.float32))).min(dim=1).values
    return float((nearest > extent / PLANE_TILES).float().mean())


def plane_extent(codes: np.ndarray | None, minimum: float = 3.0) -> float:
    """A square ±extent that holds 99 % of the codes on each axis (at least ±``minimum``), in steps of ½."""
    if codes is None:
        return minimum
    reach = float(np.quantile(np.abs(codes), 0.99))
    return max(minimum, float(np.ceil(reach * 2) / 2))


def plane_image(decode, extent: float, codes: np.ndarray | None, labels: np.ndarray | None) -> Image.Image:
    """The decoded ±extent plane (``PLANE_TILES``² tiles), every 5th code as a class-coloured dot, and the circle
    ‖z‖ = ``PRIOR_RADIUS`` in red."""
    with torch.inference_mode():
        tiles = decode(latent.plane_grid(PLANE_TILES, extent, "linear"))
    plane = images.grid_image(tiles.cpu(), ncols=PLANE_TILES, padding=0).convert("RGB")
    plane = plane.resize((PLANE_TILES * TILE, PLANE_TILES * TILE), Image.NEAREST)
    size = plane.width
    draw = ImageDraw.Draw(plane)
    if codes is not None:
        u = (np.asarray(codes)[::5] + extent) / (2 * extent)
        inside = np.all((u >= 0) & (u <= 1), axis=1)
        for (u1, u2), label in zip(u[inside], np.asarray(labels)[::5][inside], strict=True):
            x, y = u1 * size, (1 - u2) * size
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=CLASS_COLOURS[int(label)])
    r = PRIOR_RADIUS / (2 * extent) * size
    centre = size / 2
    draw.ellipse((centre - r, centre - r, centre + r, centre + r), outline=(220, 20, 20), width=3)
    return plane


def _stats(codes: np.ndarray | None, extent: float) -> str:
    if codes is None:
        return "(test set not available)"
    c = np.asarray(codes)
    inside = float((np.linalg.norm(c, axis=1) <= PRIOR_RADIUS).mean())
    return (
        f"mean ({c[:, 0].mean():+.2f}, {c[:, 1].mean():+.2f}), std ({c[:, 0].std():.2f}, {c[:, 1].std():.2f}); "
        f"**{100 * inside:.0f} % inside ‖z‖ ≤ 2** (N(0, I): 86 %); "
        f"{100 * empty_fraction(c, extent):.0f} % of the plane has no test code within half a tile"
    )


# --- Autoencoder vs VAE ---------------------------------------------------------------------------------------
@user_errors
def ae_vs_vae(zoo: Zoo, ae_name: str, vae_name: str, seed: int):
    """(the AE's plane, the VAE's plane, z ~ N(0, I) through the AE, the same z through the VAE, the readout)."""
    ae = zoo.require(ae_name, Autoencoder, what="a plain autoencoder")
    vae = zoo.require(vae_name, HasEncoder, what="a VAE")
    if ae.latent_dim != 2 or vae.latent_dim != 2:
        raise ValueError("the planes need 2-D codes: pick a 2-D autoencoder and a 2-D VAE")
    seed = latent.check_seed(seed, "the sample seed")
    ae_codes, vae_codes = autoencoder_codes(zoo, ae_name), _vae_means(zoo, vae_name)
    ae_extent = plane_extent(None if ae_codes is None else ae_codes[0])
    ae_plane = plane_image(ae.decode, ae_extent, *(ae_codes or (None, None)))
    vae_plane = plane_image(vae.decode, 3.0, *(vae_codes or (None, None)))
    z = latent.sample_normal(SAMPLES, seed, (2,)).to(zoo.device)
    with torch.inference_mode():
        ae_samples, vae_samples = ae.decode(z).cpu(), vae.decode(z).cpu()
    scale = images.fit_scale(32, 3)
    ae_stats = _stats(None if ae_codes is None else ae_codes[0], ae_extent)
    vae_stats = _stats(None if vae_codes is None else vae_codes[0], 3.0)
    readout = "\n\n".join(
        [
            f"**Autoencoder** ({ae_name}), plane ±{ae_extent:g}: codes f(x) {ae_stats}.",
            f"**VAE** ({vae_name}), plane ±3: means μ(x) {vae_stats}.",
            f"The same {SAMPLES} z ~ N(0, I) (seed {seed}) decoded by both, bottom row.",
        ]
    )
    return (
        ae_plane,
        vae_plane,
        images.grid_image(ae_samples, ncols=4, scale=scale),
        images.grid_image(vae_samples, ncols=4, scale=scale),
        readout,
    )


def build_autoencoder_section(zoo: Zoo, vae_names: list[str]) -> tuple[list, list] | None:
    """The *Autoencoder vs VAE* section (inside the VAE tab's ``gr.Tab``); returns its (inputs, outputs) for the
    caller's wiring, None when the zoo has no autoencoder."""
    gr.Markdown(AE_NOTE, elem_classes=["note"])
    ae_names = autoencoder_names(zoo)
    if not ae_names:
        gr.Markdown("No plain autoencoder in the zoo: train one with `python -m trainers ae --out …`.")
        return
    same_networks = [n for n in variant_names(zoo) if n in vae_names and variant_beta(zoo, n) == 1.0]
    default_vae = _twin(zoo, ae_names[0], same_networks) or vae_names[0]
    with gr.Row():
        ae = gr.Dropdown(ae_names, value=ae_names[0], label="Autoencoder", elem_id="vae-ae-model")
        vae = gr.Dropdown(vae_names, value=default_vae, label="VAE", elem_id="vae-ae-vae")
        seed = gr.Number(0, label="Seed of z ~ N(0, I)", precision=0, minimum=0, elem_id="vae-ae-seed")
    with gr.Row():
        ae_plane = gr.Image(
            label="Autoencoder: code plane", type="pil", format="png", interactive=False, elem_id="vae-ae-plane"
        )
        vae_plane = gr.Image(
            label="VAE: latent plane", type="pil", format="png", interactive=False, elem_id="vae-ae-vae-plane"
        )
    with gr.Row():
        ae_samples = gr.Image(
            label="z ~ N(0, I) through the autoencoder's decoder",
            type="pil",
            format="png",
            interactive=False,
            elem_id="vae-ae-samples",
        )
        vae_samples = gr.Image(
            label="the same z through the VAE's decoder",
            type="pil",
            format="png",
            interactive=False,
            elem_id="vae-ae-vae-samples",
        )
    readout = gr.Markdown(elem_id="vae-ae-readout")
    return [ae, vae, seed], [ae_plane, vae_plane, ae_samples, vae_samples, readout]


def _twin(zoo: Zoo, ae_name: str, vae_names: list[str]) -> str | None:
    """The VAE with the autoencoder's networks (same width and hidden size), if the zoo has one."""
    from explorer.models.folder import read_config

    ae_config = read_config(zoo.entry(ae_name).folder)[1]
    for name in vae_names:
        config = read_config(zoo.entry(name).folder)[1]
        if all(config.get(k) == ae_config.get(k) for k in ("width", "hidden", "likelihood")):
            return name
    return None


# --- β and the likelihood; VAE vs GAN -------------------------------------------------------------------------
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
        means = _vae_means(zoo, name)
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


def build_beta_section(zoo: Zoo) -> tuple[tuple[list, list], tuple[list, list]]:
    """The *β and the likelihood* section; returns (inputs, outputs) of its two views for the caller's wiring."""
    gr.Markdown(BETA_NOTE, elem_classes=["note"])
    names = variant_names(zoo)
    choices = [(variant_label(zoo, n), n) for n in names]
    chosen = gr.CheckboxGroup(
        choices, value=names, label="β and likelihood: the committed VAEs to compare", elem_id="vae-beta-models"
    )
    reconstructions = gr.Image(
        label="Reconstructions decode(μ(x)) of the same test images",
        type="pil",
        format="png",
        interactive=False,
        elem_id="vae-beta-reconstructions",
    )
    planes = gr.Image(
        label="Latent planes (±3, red circle ‖z‖ = 2)",
        type="pil",
        format="png",
        interactive=False,
        elem_id="vae-beta-planes",
    )
    table = gr.Markdown(elem_id="vae-beta-table")
    gr.Markdown(BLUR_NOTE, elem_classes=["note"])
    gans = gan_names(zoo)
    with gr.Row():
        vae = gr.Dropdown(names, value=names[0], label="VAE", elem_id="vae-blur-vae")
        gan = gr.Dropdown(
            gans, value=GAN if GAN in gans else (gans[0] if gans else None), label="GAN", elem_id="vae-blur-gan"
        )
        seed = gr.Number(0, label="Seed", precision=0, minimum=0, elem_id="vae-blur-seed")
    with gr.Row():
        vae_samples = gr.Image(
            label="VAE samples", type="pil", format="png", interactive=False, elem_id="vae-blur-vae-samples"
        )
        gan_samples = gr.Image(
            label="GAN samples", type="pil", format="png", interactive=False, elem_id="vae-blur-gan-samples"
        )
        real = gr.Image(label="Real test images", type="pil", format="png", interactive=False, elem_id="vae-blur-real")
    readout = gr.Markdown(elem_id="vae-blur-readout")
    return ([chosen], [reconstructions, planes, table]), ([vae, gan, seed], [vae_samples, gan_samples, real, readout])


def first_open(views: list[tuple]) -> tuple:
    """One (fn, inputs, outputs) that draws every view (fn, inputs, outputs) of ``views`` once: later calls
    change nothing. Wired to a section's ``select`` (and to the tab's share link), so that a section costs
    nothing at the app's start and is drawn when first opened."""
    drawn = gr.State(False)
    all_inputs = [c for _, inputs, _ in views for c in inputs]
    all_outputs = [c for _, _, outputs in views for c in outputs]

    def first(done, *values):
        if done:
            return [gr.skip()] * len(all_outputs) + [True]
        out: list = []
        offset = 0
        for fn, inputs, outputs in views:
            result = fn(*values[offset : offset + len(inputs)])
            out += list(result) if len(outputs) > 1 else [result]
            offset += len(inputs)
        return [*out, True]

    return first, [drawn, *all_inputs], [*all_outputs, drawn]


# --- Conditional VAE -------------------------------------------------------------------------------------------
def conditional_names(zoo: Zoo) -> list[str]:
    return zoo.names(ConditionalVAE)


@user_errors
def conditional(zoo: Zoo, name: str, class_name: str, z1: float, z2: float, seed: int):
    """(the class's decoded plane with z ringed, the style grid: rows of z × columns of classes, a caption)."""
    model = zoo.require(name, ConditionalVAE, what="a conditional VAE")
    if class_name not in FASHION_MNIST_CLASSES[: model.num_classes]:
        raise ValueError(f"choose the class among {', '.join(FASHION_MNIST_CLASSES[: model.num_classes])}")
    z1, z2 = float(z1), float(z2)
    if not (-4 <= z1 <= 4 and -4 <= z2 <= 4):
        raise ValueError(f"z₁ and z₂ must be between −4 and 4, got ({z1}, {z2})")
    seed = latent.check_seed(seed, "the style seed")
    label = FASHION_MNIST_CLASSES.index(class_name)
    plane = plane_image(lambda z: model.decode(z, torch.full((len(z),), label)), 3.0, None, None)
    size, extent = plane.width, 3.0
    x, y = (z1 + extent) / (2 * extent) * size, (1 - (z2 + extent) / (2 * extent)) * size
    ImageDraw.Draw(plane).ellipse((x - 12, y - 12, x + 12, y + 12), outline=(255, 200, 0), width=4)
    z = torch.cat([torch.tensor([[z1, z2]]), latent.sample_normal(STYLE_ROWS, seed, (2,))])  # (1 + rows, 2)
    classes = torch.arange(model.num_classes)
    with torch.inference_mode():
        decoded = model.decode(z.repeat_interleave(model.num_classes, 0), classes.repeat(len(z))).cpu()
    grid = images.grid_image(decoded, ncols=model.num_classes, scale=2, padding=4)
    grid = images.label_rows(grid, ["your z", *(f"z #{seed + i}" for i in range(STYLE_ROWS))], font_size=16)
    margin = grid.width - (model.num_classes * (64 + 8) + 8)
    names = [n.split("/")[0] for n in FASHION_MNIST_CLASSES[: model.num_classes]]
    grid = images.label_columns(grid, names, font_size=14, skip=margin)
    caption = f"{class_name}: z = ({z1:+.2f}, {z2:+.2f}); style rows from seed {seed}."
    return plane, grid, caption


def build_conditional_section(zoo: Zoo) -> tuple[list, list] | None:
    """The *Conditional VAE* section; returns its (inputs, outputs) for the caller's wiring (None: no model)."""
    gr.Markdown(CVAE_NOTE, elem_classes=["note"])
    names = conditional_names(zoo)
    if not names:
        gr.Markdown("No conditional VAE in the zoo: train one with `python -m trainers cvae --out …`.")
        return None
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            model = gr.Dropdown(names, value=names[0], label="Conditional VAE", elem_id="vae-cvae-model")
            label = gr.Dropdown(list(FASHION_MNIST_CLASSES), value="Dress", label="Class y", elem_id="vae-cvae-class")
            z1 = gr.Slider(-3, 3, value=0.0, step=0.1, label="z₁", elem_id="vae-cvae-z1")
            z2 = gr.Slider(-3, 3, value=0.0, step=0.1, label="z₂", elem_id="vae-cvae-z2")
            seed = gr.Number(0, label="Seed of the style rows", precision=0, minimum=0, elem_id="vae-cvae-seed")
        with gr.Column(scale=2):
            plane = gr.Image(
                label="p(x|z, y) over the plane (±3), your z ringed",
                type="pil",
                format="png",
                interactive=False,
                elem_id="vae-cvae-plane",
            )
        with gr.Column(scale=3):
            styles = gr.Image(
                label="One z per row, every class: the same style across classes",
                type="pil",
                format="png",
                interactive=False,
                elem_id="vae-cvae-styles",
            )
            caption = gr.Markdown(elem_id="vae-cvae-caption")
    return [model, label, z1, z2, seed], [plane, styles, caption]
