"""The VAE tab's *Autoencoder vs VAE* section: the plain autoencoder's code plane has holes and no prior; the VAE's
is filled and N(0, I)-shaped, so only the VAE's decoder turns z ~ N(0, I) into garments."""

import functools

import gradio as gr
import numpy as np
import torch

from explorer import images, latent
from explorer.data import DatasetUnavailable
from explorer.models import Autoencoder, HasEncoder
from explorer.models.folder import read_config
from explorer.ui import common
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.manifold.shared import (
    PLANE_TILES,
    PRIOR_RADIUS,
    SAMPLES,
    plane_image,
    vae_means,
    variant_beta,
    variant_names,
)
from explorer.zoo import WEIGHTS_NAME, Zoo

TITLE, ID = "Autoencoder vs VAE", "autoencoder"
NOTE = """**What you are seeing.** Left, a *plain autoencoder* with a 2-D code, z = f(x), trained to reconstruct
only (the VAE's networks without σ, the sampling and the KL). Right, a VAE. Each plane decodes a grid of z, with
the test images' codes drawn over it in class colours and the circle ‖z‖ = 2 where N(0, I) puts 86 % of its
samples. The autoencoder's codes sit wherever training left them (far from the origin, in thin streaks, with
holes between them), so **decoding z ~ N(0, I) through it** (bottom left) is not sampling: nothing trained the
decoder there. The VAE's KL term pulls q(z|x) towards N(0, I), fills the disc, and makes the same z decode to
garments (bottom right)."""


def autoencoder_names(zoo: Zoo) -> list[str]:
    """Plain autoencoders (``Autoencoder``): listed only here, having no prior to sample from."""
    return zoo.names(Autoencoder)


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


@user_errors
def ae_vs_vae(zoo: Zoo, ae_name: str, vae_name: str, seed: int):
    """(the AE's plane, the VAE's plane, z ~ N(0, I) through the AE, the same z through the VAE, the readout)."""
    ae = zoo.require(ae_name, Autoencoder, what="a plain autoencoder")
    vae = zoo.require(vae_name, HasEncoder, what="a VAE")
    if ae.latent_dim != 2 or vae.latent_dim != 2:
        raise ValueError("the planes need 2-D codes: pick a 2-D autoencoder and a 2-D VAE")
    seed = latent.check_seed(seed, "the sample seed")
    ae_codes, vae_codes = autoencoder_codes(zoo, ae_name), vae_means(zoo, vae_name)
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


def _twin(zoo: Zoo, ae_name: str, vae_names: list[str]) -> str | None:
    """The VAE with the autoencoder's networks (same width and hidden size), if the zoo has one."""
    ae_config = read_config(zoo.entry(ae_name).folder)[1]
    for name in vae_names:
        config = read_config(zoo.entry(name).folder)[1]
        if all(config.get(k) == ae_config.get(k) for k in ("width", "hidden", "likelihood")):
            return name
    return None


def build(zoo: Zoo, vae_names: list[str]) -> SectionParts:
    """The section's components and wiring (inside the VAE tab's ``gr.Tab``); its view is drawn when first opened.
    ``vae_names``: the tab's 2-D VAEs."""
    gr.Markdown(NOTE, elem_classes=["note"])
    ae_names = autoencoder_names(zoo)
    if not ae_names:
        gr.Markdown("No plain autoencoder in the zoo: train one with `python -m trainers ae --out …`.")
        return SectionParts()
    same_networks = [n for n in variant_names(zoo) if n in vae_names and variant_beta(zoo, n) == 1.0]
    default_vae = _twin(zoo, ae_names[0], same_networks) or vae_names[0]
    with gr.Row():
        ae = gr.Dropdown(ae_names, value=ae_names[0], label="Autoencoder", elem_id="vae-ae-model")
        vae = gr.Dropdown(vae_names, value=default_vae, label="VAE", elem_id="vae-ae-vae")
        seed = gr.Number(0, label="Seed of z ~ N(0, I)", precision=0, minimum=0, elem_id="vae-ae-seed")
    with gr.Row():
        ae_plane = common.drawn_image("vae-ae-plane", "Autoencoder: code plane")
        vae_plane = common.drawn_image("vae-ae-vae-plane", "VAE: latent plane")
    with gr.Row():
        ae_samples = common.drawn_image("vae-ae-samples", "z ~ N(0, I) through the autoencoder's decoder")
        vae_samples = common.drawn_image("vae-ae-vae-samples", "the same z through the VAE's decoder")
    readout = gr.Markdown(elem_id="vae-ae-readout")
    inputs, outputs = [ae, vae, seed], [ae_plane, vae_plane, ae_samples, vae_samples, readout]
    show = functools.partial(ae_vs_vae, zoo)
    gr.on(
        [ae.input, vae.input, seed.submit, seed.blur],
        show,
        inputs,
        outputs,
        api_name="vae_autoencoder",
        trigger_mode="always_last",
    )
    return SectionParts(opened=[(show, inputs, outputs)])
