"""Handlers of the explorer tabs on the committed default models."""

import gradio as gr
import numpy as np
import pytest
import torch

from explorer import images, latent
from explorer.ui.tabs import arithmetic
from explorer.ui.tabs.manifold import plane as latent_plane
from explorer.ui.tabs.stylemix import mixing, noise
from explorer.ui.tabs.truncation import curve, samples, sweep

DCGAN, STYLEGAN, BIGGAN, VAE = (
    "dcgan-fashion-mnist",
    "stylegan-fashion-mnist",
    "biggan-fashion-mnist",
    "vae2d-fashion-mnist",
)


def tile(picture, row: int, col: int, side: int, padding: int) -> np.ndarray:
    """The (row, col) tile of a grid made by images.grid_image (all sizes already scaled)."""
    top, left = padding + row * (side + padding), padding + col * (side + padding)
    return np.asarray(picture)[top : top + side, left : left + side]


def unlabelled(picture, rows: int, cols: int, side: int, pad: int):
    """The grid without its seed labels (a left and a top margin, images.label_rows / label_columns)."""
    width, height = cols * side + (cols + 1) * pad, rows * side + (rows + 1) * pad
    assert picture.width > width and picture.height > height  # the margins are there
    return picture.crop((picture.width - width, picture.height - height, picture.width, picture.height))


def test_style_mixing_labels_its_seeds(default_zoo):
    picture, _, _ = mixing.style_mix(default_zoo, STYLEGAN, "1, 2", "3", "coarse", 0, 0, 1.0, 0, "const", 0)
    margin = np.asarray(picture.convert("L"))[:, : picture.width - (3 * 96 + 4 * 12)]
    assert (margin < 128).any()  # dark text in the white left margin: the destination's seed


# Arithmetic


def test_arithmetic_is_deterministic_and_shaped(default_zoo):
    first = arithmetic.arithmetic(default_zoo, DCGAN, "1, 2, 3", "4, 5, 6", "7, 8, 9", "z space", 0.25, 0)
    again = arithmetic.arithmetic(default_zoo, DCGAN, "1, 2, 3", "4, 5, 6", "7, 8, 9", "z space", 0.25, 0)
    assert np.array_equal(np.asarray(first[0]), np.asarray(again[0]))
    assert np.array_equal(np.asarray(first[1]), np.asarray(again[1]))
    assert first[0].size == (5 * 32 * 4 + 6 * 4 * 4, 32 * 4 + 2 * 4 * 4)  # 5 tiles: A, B, C, result, pixels
    assert first[1].size == (3 * 96 + 4 * 6, 3 * 96 + 4 * 6)  # 3×3 variants


def test_arithmetic_with_equal_groups_returns_the_group_mean(default_zoo):
    # A − A + C = C: the result tile equals the decoded mean of C
    row, grid, _ = arithmetic.arithmetic(default_zoo, DCGAN, "1, 2", "1, 2", "5, 6", "z", 0.0, 0)
    side, pad = 32 * 4, 4 * 4
    assert np.array_equal(tile(row, 0, 3, side, pad), tile(row, 0, 2, side, pad))


def test_arithmetic_in_w_space_for_stylegan(default_zoo):
    row, grid, png = arithmetic.arithmetic(default_zoo, STYLEGAN, "1", "2", "3", "w space (StyleGAN)", 0.25, 1)
    assert row.size[0] > 0 and png.endswith(".png")


@pytest.mark.parametrize(
    "model, groups, space, message",
    [
        (DCGAN, ("", "4", "5"), "z", "group A is empty"),
        (DCGAN, ("1", "x", "5"), "z", "group B"),
        (VAE, ("1", "2", "3"), "z", "not an unconditional GAN"),
        (DCGAN, ("1", "2", "3"), "w space (StyleGAN)", "w space exists only for StyleGAN"),
    ],
)
def test_arithmetic_bad_input(default_zoo, model, groups, space, message):
    with pytest.raises(gr.Error, match=message):
        arithmetic.arithmetic(default_zoo, model, *groups, space, 0.25, 0)


def test_add_seed_to_a_group():
    assert arithmetic.add_seed(("1", "", "3"), "B", 7) == ("1", "7", "3")
    assert arithmetic.add_seed(("1", "7", "3"), "B", 7) == ("1", "7", "3")


# Style mixing and noise


def test_mixing_all_rows_from_the_source_gives_the_source(default_zoo):
    num_ws = default_zoo.load(STYLEGAN).num_ws
    picture, _, used = mixing.style_mix(default_zoo, STYLEGAN, "1, 2", "3", "custom", 0, num_ws - 1, 1.0, 0, "const", 0)
    side, pad = 96, 12
    picture = unlabelled(picture, rows=2, cols=3, side=side, pad=pad)
    assert np.array_equal(tile(picture, 1, 1, side, pad), tile(picture, 0, 1, side, pad))
    assert np.array_equal(tile(picture, 1, 2, side, pad), tile(picture, 0, 2, side, pad))
    coarse, _, _ = mixing.style_mix(default_zoo, STYLEGAN, "1, 2", "3", "coarse", 0, 0, 1.0, 0, "const", 0)
    coarse = unlabelled(coarse, rows=2, cols=3, side=side, pad=pad)
    assert not np.array_equal(tile(coarse, 1, 1, side, pad), tile(coarse, 0, 1, side, pad))


def test_zero_noise_strength_equals_no_noise(default_zoo):
    num_ws = default_zoo.load(STYLEGAN).num_ws
    silent, _, _ = noise.noise_panel(default_zoo, STYLEGAN, 6, "random", 0, 0.0, [1.0] * num_ws)
    none, _, _ = noise.noise_panel(default_zoo, STYLEGAN, 6, "none", 0, 1.0, [1.0] * num_ws)
    assert np.array_equal(np.asarray(silent), np.asarray(none))
    a, heat, text = noise.noise_panel(default_zoo, STYLEGAN, 6, "random", 0, 1.0, [1.0] * num_ws)
    b, _, _ = noise.noise_panel(default_zoo, STYLEGAN, 6, "random", 1, 1.0, [1.0] * num_ws)
    assert not np.array_equal(np.asarray(a), np.asarray(b))  # resampled noise changes details
    assert heat.size == (256, 256) and "std" in text


def test_noise_panel_bad_input(default_zoo):
    with pytest.raises(gr.Error, match="at least one per-layer"):
        noise.noise_panel(default_zoo, STYLEGAN, 6, "random", 0, 1.0, [])
    # sliders made for a model with other rows map coarse to coarse, fine to fine: all-zero stays silent
    two, _, _ = noise.noise_panel(default_zoo, STYLEGAN, 6, "random", 0, 1.0, [0.0, 0.0])
    none, _, _ = noise.noise_panel(default_zoo, STYLEGAN, 6, "none", 0, 1.0, [1.0])
    assert np.array_equal(np.asarray(two), np.asarray(none))
    with pytest.raises(gr.Error, match="custom range"):
        mixing.style_mix(default_zoo, STYLEGAN, "1", "2", "custom", 5, 2, 1.0, 0, "const", 0)


def test_paper_bands_map_onto_a_32px_model():
    assert latent.style_bands([4, 8, 8, 16, 16, 32, 32]) == {"coarse": [0, 1, 2], "middle": [3, 4], "fine": [5, 6]}
    big = latent.style_bands([4, 8, 8, 16, 16, 32, 32, 64, 64])
    assert big["coarse"] == [0, 1, 2] and big["middle"] == [3, 4, 5, 6] and big["fine"] == [7, 8]


# BigGAN


def test_truncation_samples_sweep_and_determinism(default_zoo):
    picture, png = samples.render_samples(default_zoo, BIGGAN, "Trouser", "Bag", 0.0, 0.5, 3)
    again, _ = samples.render_samples(default_zoo, BIGGAN, "Trouser", "Bag", 0.0, 0.5, 3)
    assert picture.size == (4 * 128 + 5 * 8, 4 * 128 + 5 * 8)
    assert np.array_equal(np.asarray(picture), np.asarray(again))
    strip, _ = sweep.render_sweep(default_zoo, BIGGAN, "Trouser", "Bag", 0.0, 3)
    assert strip.size[1] == len(sweep.SWEEP) * 96 + (len(sweep.SWEEP) + 1) * 6
    margin = strip.width - (8 * 96 + 9 * 6)  # a left margin for the thresholds
    rows = np.array_split(np.asarray(strip.convert("L"))[:, :margin], len(sweep.SWEEP))
    assert all((row < 128).any() for row in rows)  # every row is labelled with its threshold
    assert samples.caption(3) == "**16 samples**, seeds 3 … 18 (click one to look inside)"
    assert "the same 8 seeds 3 … 10" in sweep.caption(3)


def label_heights(strip, rows: int) -> list[int]:
    """The height in pixels of the ink of each row's label in the sweep's left margin."""
    margin = np.asarray(strip.convert("L"))[:, : strip.width - (8 * 96 + 9 * 6)]
    heights = []
    for row in np.array_split(margin, rows):
        inked = np.nonzero((row < 128).any(axis=1))[0]
        heights.append(int(inked.max() - inked.min() + 1))
    return heights


def test_sweep_row_labels_are_legible_on_a_projector(default_zoo):
    """Issue #33: presentation mode at 1280×720 shows the sweep 424 px wide; its labels were 8 px high there."""
    strip, _ = sweep.render_sweep(default_zoo, BIGGAN, "Trouser", "Bag", 0.0, 3)
    heights = label_heights(strip, len(sweep.SWEEP))
    assert min(heights) >= 36  # "|z| ≤ 0.7": the bars span the font's size, 41 px for this 822-px grid
    assert min(heights) * 424 / strip.width >= 14  # on the projector


def test_truncation_bad_input(default_zoo):
    with pytest.raises(gr.Error, match="unknown class 'Hat'"):
        samples.render_samples(default_zoo, BIGGAN, "Hat", "Bag", 0.0, 0.5, 3)
    with pytest.raises(gr.Error, match="threshold must be > 0"):
        samples.render_samples(default_zoo, BIGGAN, "Trouser", "Bag", 0.0, 0.0, 3)
    with pytest.raises(gr.Error, match="not a class-conditional BigGAN"):
        samples.render_samples(default_zoo, DCGAN, "Trouser", "Bag", 0.0, 0.5, 3)


@pytest.mark.slow  # FID and variety of 150 samples at every threshold of the curve: ~11 s (300: ~22 s)
def test_truncation_reduces_variety(default_zoo):
    thresholds, fids, varieties = curve.truncation_curve(default_zoo, BIGGAN, n=150)
    assert thresholds[0] is None and thresholds[-1] == 0.1
    assert varieties[-1] < varieties[0]  # truncated at 0.1: samples are far more alike
    assert all(np.isfinite(fids))


# VAE


@pytest.mark.parametrize("grid", ["linear", "Gaussian quantiles (inverse CDF)"])
def test_manifold_centre_tile_decodes_the_origin(default_zoo, grid):
    plane, figure, png = latent_plane.render_plane(default_zoo, VAE, 15, 3.0, grid, False)
    assert plane.size == (15 * 32, 15 * 32)
    vae = default_zoo.load(VAE)
    with torch.inference_mode():
        origin = images.to_uint8(vae.decode(torch.zeros(1, 2)))[0]
    centre = np.asarray(plane)[7 * 32 : 8 * 32, 7 * 32 : 8 * 32]
    assert np.array_equal(centre[:, :, 0], origin[:, :, 0])
    decoded, text = latent_plane.decode_at(default_zoo, VAE, 15, 3.0, grid, 240, 240)
    assert "z = (+0.0" in text or "z = (-0.0" in text


def test_manifold_scatter_shows_every_class(default_zoo):
    _, figure, _ = latent_plane.render_plane(default_zoo, VAE, 9, 3.0, "linear", True)
    assert len(figure.data) == 10 and sum(len(trace.x) for trace in figure.data) == 10_000


def test_encode_an_uploaded_image_of_a_test_garment(default_zoo, fashion_test):
    garment = images.to_uint8(fashion_test.images[:1])[0, 2:30, 2:30, 0]  # the original 28×28
    seen, reconstruction, text, figure = latent_plane.encode_image(default_zoo, VAE, np.stack([garment] * 3, axis=-1))
    assert np.array_equal(np.asarray(seen)[::6, ::6][2:30, 2:30], garment)
    assert text.startswith("μ = (")
    assert figure.data[-1].name == "your image" and f"{figure.data[-1].x[0]:+.3f}" in text


@pytest.mark.parametrize(
    "picture, message",
    [
        (None, "upload or draw"),
        (np.zeros((5000, 10, 3), np.uint8), "at most 4096"),
        (np.zeros((2, 2)), "not an image"),
    ],
)
def test_encode_bad_input(default_zoo, picture, message):
    with pytest.raises(gr.Error, match=message):
        latent_plane.encode_image(default_zoo, VAE, picture)


def test_manifold_bad_grid(default_zoo):
    with pytest.raises(gr.Error, match="grid size"):
        latent_plane.render_plane(default_zoo, VAE, 100, 3.0, "linear", False)
    with pytest.raises(gr.Error, match="not a VAE"):
        latent_plane.render_plane(default_zoo, DCGAN, 9, 3.0, "linear", False)
