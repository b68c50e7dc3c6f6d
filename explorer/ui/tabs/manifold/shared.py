"""What the VAE tab's sections share: the decoded ±extent plane picture (with the test codes and the prior's circle),
the test set's means per VAE, the committed β / likelihood variants, and the image a section looks inside."""

import numpy as np
import torch
from PIL import Image, ImageDraw

from explorer import derived, images, latent
from explorer.data import FASHION_MNIST_CLASSES, DatasetUnavailable
from explorer.models import HasEncoder
from explorer.models.folder import read_config
from explorer.plots import CLASS_COLOURS
from explorer.ui import common
from explorer.zoo import Zoo

PLANE_TILES = 15  # tiles per side of each plane
TILE = 24  # pixels per tile
PRIOR_RADIUS = 2.0  # ‖z‖ ≤ 2 holds 1 − e^{−2} ≈ 86 % of N(0, I) in 2-D
SAMPLES = 16  # samples per grid of the comparisons
SOURCES = ("test image", "VAE sample", "noise")  # noise: what an explicit model's log p(x) says of a non-garment


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


def vae_means(zoo: Zoo, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """μ(x) of the test set and its labels for the VAE ``name``; None without the data."""
    try:
        mu, labels, _ = derived.test_set_means(zoo, name)
    except DatasetUnavailable:
        return None
    return mu, labels


def variant_names(zoo: Zoo) -> list[str]:
    """The 2-D VAEs, the β = 1 Bernoulli ones first."""
    names = derived.plane_models(zoo)
    return sorted(names, key=lambda n: (variant_beta(zoo, n) != 1.0, likelihood(zoo, n) != "bernoulli"))


def variant_beta(zoo: Zoo, name: str) -> float:
    """The KL weight β a zoo model was trained with (its manifest entry's ``beta``; 1 when unsaid)."""
    return float(zoo.entry(name).extra.get("beta", 1.0))


def likelihood(zoo: Zoo, name: str) -> str:
    """The decoder's likelihood a zoo model was trained with (its config's ``likelihood``; Bernoulli when unsaid)."""
    return zoo.memo("likelihood", name, lambda: read_config(zoo.entry(name).folder)[1].get("likelihood", "bernoulli"))


def chosen_image(zoo: Zoo, name: str, source: str, index: int) -> tuple[torch.Tensor, str]:
    """The image x (1, 1, 32, 32) in [-1, 1] of ``source`` (``SOURCES``) and its caption: test image ``index``, the
    VAE ``name``'s sample of seed ``index`` or uniform noise of seed ``index``."""
    index = latent.check_seed(index, "the image number" if source == SOURCES[0] else "the sample seed")
    if source == SOURCES[2]:
        generator = torch.Generator().manual_seed(index)
        return torch.rand(1, 1, 32, 32, generator=generator) * 2 - 1, f"uniform noise, seed {index}"
    if source == SOURCES[0]:
        if index >= 10_000:
            raise ValueError(f"the test set has images 0 to 9 999, got {index}")
        test = common.test_set(zoo)
        return test.images[index : index + 1], f"test image {index} ({FASHION_MNIST_CLASSES[int(test.labels[index])]})"
    if source != SOURCES[1]:
        raise ValueError(f"choose the image from {', '.join(SOURCES)}")
    model = zoo.require(name, HasEncoder, what="a VAE")
    with torch.inference_mode():
        x = model.decode(model.sample_latent(1, index))
    return x, f"the decoder's mean at z ~ N(0, I), seed {index}"


def has_test_images(zoo: Zoo) -> bool:
    """Whether this server has the Fashion-MNIST test set (a Space has none)."""
    try:
        common.test_set(zoo)
    except DatasetUnavailable:
        return False
    return True


def drawn_first(render: tuple, index: int) -> tuple:
    """``render`` (fn, inputs, outputs) with output ``index`` moved first. A section's first view is drawn while
    its first output is empty (``share.if_empty``), so that output must be one every draw fills: a view of the
    test set stays empty on a server without it (a Space), and would be drawn again at each opening."""
    fn, inputs, outputs = render

    def reordered(*values):
        result = list(fn(*values))
        return [result[index], *result[:index], *result[index + 1 :]]

    return reordered, inputs, [outputs[index], *outputs[:index], *outputs[index + 1 :]]
