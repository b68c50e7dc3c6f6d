"""GAN theory, *L2 vs adversarial*: pix2pix at image scale (``explorer.models.translation``), then the fork behind it on
a toy: every x has two right answers, L2 regression lands between them, a conditional GAN picks one.

- **pix2pix** (first, so that the sketchpad and its garments fit one 1280×720 view in presentation mode): draw an
  edge sketch (or start from a test image's edge map and change it); the pix2pix generator (cGAN + λ·L1) and the
  L1-only generator translate the same input side by side: the L1 regressor's garment is a blurry average,
  pix2pix's a sharp sample. A sketch is read by ``explorer.pictures.sketch_edges``, the way Fashion-MNIST's images
  were made (the drawing's longer side scaled to 28 pixels, centred in 32×32).
- **The toy** (``explorer.theory.bimodal_fits``): y = ±f(x), an L2 regressor against a conditional GAN (+ λ·L1),
  trained when the section opens (seconds, cached).
"""

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image

from explorer import images, latent, theory
from explorer.data import NO_TEST_IMAGES, DatasetUnavailable
from explorer.models.translation import Pix2PixGenerator
from explorer.pictures import blank, ink, sketch_edges
from explorer.ui import common
from explorer.ui.common import ModelList, user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import add_line, check_choice, check_finite, new_figure, section_tab, seed_box
from explorer.vae_theory import sharpness
from explorer.zoo import Zoo

TITLE = "L2 vs adversarial"
ID = "bimodal"

# --- at image scale: pix2pix ------------------------------------------------------------------------------------
CANVAS = 256  # the sketchpad's side in pixels (8 per model pixel at 32²)
SCALE = 6  # 32² images shown at 192²
DEFAULT_PIX2PIX = "pix2pix-fashion-mnist"
DEFAULT_L1 = "pix2pix-l1-fashion-mnist"
FIRST_EDGES = 7  # the first view: test image 7, a checked shirt: L1 only paints it grey, pix2pix draws checks
PIX2PIX_NOTE = """**pix2pix** (Isola et al. 2017): the fork of the toy below, at image scale. An edge map has many
garments that fit it (a plain or a striped shirt, dark or light). A generator trained with L1 alone predicts their
per-pixel median, a blurry average; pix2pix adds a PatchGAN D that judges (edge map, garment) pairs patch by patch, so G
must commit to one sharp garment (loss: cGAN + λ·L1, λ = 100). **Draw an outline** on the canvas (dark on light; it is
scaled to the garment box the way Fashion-MNIST's images were), or **load a test image's edge map** and change it: both
generators translate the same input."""


def pix2pix_names(zoo: Zoo) -> list[str]:
    return zoo.names(Pix2PixGenerator)


def _preferred(names: list[str], wanted: str, fallback: int) -> str | None:
    if wanted in names:
        return wanted
    return names[min(fallback, len(names) - 1)] if names else None


def canvas_of(edges: torch.Tensor) -> np.ndarray:
    """An edge map (1, 1, r, r) drawn for the sketchpad: black lines on white at ``CANVAS`` pixels (RGBA)."""
    lines = (edges[0, 0].cpu().numpy() > 0).astype(np.uint8)
    grey = np.where(lines, 0, 255).astype(np.uint8)
    big = np.asarray(Image.fromarray(grey).resize((CANVAS, CANVAS), Image.NEAREST))
    return np.dstack([big, big, big, np.full_like(big, 255)])


KEPT = 0.8  # a sketch that still holds this share of a loaded edge map's edges is an edit of it, read in place


def edit_of(value, edges: torch.Tensor) -> torch.Tensor | None:
    """The sketch read pixel for pixel (each model pixel's block of canvas pixels, more than half ink) when it is
    an edit of the edge map ``edges`` drawn into it by ``canvas_of`` (it keeps ``KEPT`` of those edges); None
    when it is a new drawing (or cannot be read in place), which ``sketch_edges`` then fits to the garment box."""
    try:
        amount = ink(value)
    except ValueError:
        return None
    r = edges.shape[-1]
    if amount.shape[0] % r or amount.shape[1] % r or amount.shape[0] != amount.shape[1]:
        return None
    k = amount.shape[0] // r
    on = amount.reshape(r, k, r, k).mean(axis=(1, 3)) > 0.5
    before = edges[0, 0].cpu().numpy() > 0
    if (on & before).sum() < KEPT * before.sum():
        return None
    return torch.from_numpy(np.where(on, 1.0, -1.0).astype(np.float32))[None, None]


def _pix2pix(zoo: Zoo, name: str) -> Pix2PixGenerator:
    return zoo.require(name, Pix2PixGenerator, what="a pix2pix generator")


@user_errors
def load_test_edges(zoo: Zoo, name: str, index) -> tuple:
    """(the sketchpad's value: test image ``index``'s edge map, the index kept as the loaded one)."""
    model = _pix2pix(zoo, name)
    index = common.whole_number(index, "the test image", 0, 9999)
    try:
        image = common.test_set(zoo).images[index][None]
    except DatasetUnavailable as error:
        raise ValueError(str(error)) from error
    picture = canvas_of(model.edges(image))
    blank = np.zeros_like(picture)  # an empty layer over it: the brush draws on a layer (none: nothing is drawn)
    return {"background": picture, "layers": [blank], "composite": picture}, index


@user_errors
def translate_sketch(zoo: Zoo, sketch, name: str, baseline: str, loaded) -> tuple[Image.Image, str]:
    """(input | pix2pix | L1 only [| real garment] side by side, a readout) for the sketch."""
    model, plain = _pix2pix(zoo, name), _pix2pix(zoo, baseline)
    truth = edges = None
    if loaded is not None and loaded != "":  # a test image's edge map was loaded: is this it, or an edit of it?
        index = common.whole_number(loaded, "the loaded test image", 0, 9999)
        image = common.test_set(zoo).images[index][None]
        loaded_edges = model.edges(image)
        edges = edit_of(sketch, loaded_edges)
        if edges is not None and torch.equal(edges, loaded_edges):
            truth = image
    if edges is None:
        edges = sketch_edges(sketch, model.resolution)
    outputs = torch.cat([model.translate(edges), plain.translate(edges)]).cpu()
    drawn = edges.cpu().expand(-1, outputs.shape[1], -1, -1)  # beside RGB garments, in every channel
    shown = torch.cat([drawn, outputs] + ([truth] if truth is not None else []))
    labels = ["edge map (input)", "pix2pix: cGAN + λ·L1", "L1 only"] + (["real garment"] if truth is not None else [])
    picture = images.label_columns(images.grid_image(shown, ncols=len(labels), scale=SCALE), labels)
    sharp = [sharpness(picture[None]) for picture in shown[1:]]
    text = (
        f"**Sharpness** (mean gradient magnitude, as in the VAE tab): pix2pix {sharp[0]:.3f}, L1 only {sharp[1]:.3f}"
        + (f", the real garment {sharp[2]:.3f}" if truth is not None else "")
        + ". "
    )
    if truth is not None:
        l1 = (outputs - truth).abs().mean(dim=(1, 2, 3)).tolist()
        text += (
            f"**L1 to the real garment**: pix2pix {l1[0]:.3f}, L1 only {l1[1]:.3f}. "
            "The L1 model is trained for exactly "
            "this number and usually wins it, while its picture is the blurrier one: a pixel loss rewards the average."
        )
    else:
        text += "A drawn sketch has no real garment to compare with: load a test image's edges for the L1 numbers."
    return picture, text


def _build_pix2pix(zoo: Zoo) -> tuple[list, tuple | None]:
    """The pix2pix part (inside the *L2 vs adversarial* section): (model lists, its first render or None)."""
    gr.Markdown(PIX2PIX_NOTE, elem_classes=["note"])
    names = pix2pix_names(zoo)
    if not names:
        gr.Markdown("No pix2pix model in the zoo: train one with `python -m trainers pix2pix --out …`.")
        return [], None
    loaded = gr.State(None)
    with gr.Row():
        with gr.Column(scale=2, min_width=280):
            sketch = gr.Sketchpad(
                label="Edge sketch: draw an outline",
                canvas_size=(CANVAS, CANVAS),
                fixed_canvas=True,
                height=320,  # shown at 100 %, like the VAE tab's pad
                brush=gr.Brush(default_size=14, colors=["#000000"], color_mode="fixed"),
                type="numpy",
                elem_id="p2p-sketch",
            )
            with gr.Row():
                index = gr.Number(
                    FIRST_EDGES, label="Test image (0–9 999)", precision=0, minimum=0, maximum=9999, elem_id="p2p-index"
                )
                load = gr.Button("Load its edge map", elem_id="p2p-load")
        with gr.Column(scale=3):
            with gr.Row():
                model = gr.Dropdown(
                    names,
                    value=_preferred(names, DEFAULT_PIX2PIX, 0),
                    label="pix2pix (cGAN + λ·L1)",
                    elem_id="p2p-model",
                )
                baseline = gr.Dropdown(
                    names, value=_preferred(names, DEFAULT_L1, 1), label="beside it: L1 only", elem_id="p2p-baseline"
                )
            gr.Markdown("**The input and both generators' garments**")
            view = gr.Image(type="pil", format="png", interactive=False, show_label=False, elem_id="p2p-view")
            readout = gr.Markdown(elem_id="p2p-text")
    inputs = [sketch, model, baseline, loaded]

    @user_errors
    def translate(sketch_value, name, baseline_name, loaded_index):
        if blank(sketch_value):  # a cleared canvas: keep the last garments, say what to do
            return gr.skip(), "Draw an outline on the canvas, or load a test image's edge map."
        return translate_sketch(zoo, sketch_value, name, baseline_name, loaded_index)

    sketch.change(
        translate, inputs, [view, readout], api_name="pix2pix", trigger_mode="always_last", show_progress="hidden"
    )
    gr.on(
        [model.change, baseline.change],
        translate,
        inputs,
        [view, readout],
        api_visibility="undocumented",
        show_progress="hidden",
    )
    load.click(
        lambda name, i: load_test_edges(zoo, name, i), [model, index], [sketch, loaded], api_visibility="undocumented"
    )
    index.submit(
        lambda name, i: load_test_edges(zoo, name, i), [model, index], [sketch, loaded], api_visibility="undocumented"
    )

    def first_view(name, baseline_name, i):
        try:
            common.test_set(zoo)
        except DatasetUnavailable:  # an empty canvas to draw on, and a line on what is missing
            return None, f"{NO_TEST_IMAGES}: draw an outline on the canvas (no test image's edges to load).", None, None
        value, kept = load_test_edges(zoo, name, i)
        return (*translate_sketch(zoo, value, name, baseline_name, kept), value, kept)

    lists = [ModelList(model, lambda: pix2pix_names(zoo)), ModelList(baseline, lambda: pix2pix_names(zoo))]
    return lists, (first_view, [model, baseline, index], [view, readout, sketch, loaded])


# --- the toy: L2 against a conditional GAN on y = ±f(x) ---------------------------------------------------------
BIMODAL_NOTE = """**The fork behind the garments, on a toy.** Every x has two right answers, **y = +f(x) or y = −f(x)**
(grey points, f(x) = 0.5 + 0.5·x²). The same small network trained two ways: with the **L2 loss** E(y − ŷ(x))² (red) it
learns the conditional mean E[y | x] = 0, a curve *between* the branches where no data lies (a blurry average, in
images); as the generator of a **conditional GAN** (Mirza & Osindero 2014), y = G(x, z) with z ~ N(0, 1), trained
against a discriminator D(x, y) that scores whether (x, y) looks like the data (orange), it picks one branch or the
other: the adversarial loss is a *learned* distance, and the mean of two right answers is not one of them (Goodfellow
2016, §3.2; Isola et al. 2017, §3). Both train on the same 512 points for 600 steps (a few seconds on the CPU).
**pix2pix** (Isola et al. 2017) trains G(x, z) with the cGAN loss **plus λ·E|y − G(x, z)|**, where D judges (x, y)
pairs: set λ_L1 > 0 and the samples stay sharp (L1's best answer for two equally likely branches is either one, not
their mean) but G settles on one branch for every z: it learns to ignore its noise, as the paper reports (§2.2)."""
BIMODAL_Z_PER_X = 12  # theory.bimodal_fits draws 12 z for each of 41 conditions
BIMODAL_COLOURS = dict(data="#999999", l2="#d62728", gan="#ff7f0e", branch="#222222")


def bimodal_figure(fits: theory.BimodalFits | None, x: np.ndarray, y: np.ndarray) -> go.Figure:
    """The data, the branches ±f(x), and (once trained) the L2 fit and the cGAN's samples."""
    fig = new_figure("y = ±f(x): L2 regression against a conditional GAN", "x (the condition)", "y")
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name="data", marker=dict(size=4, color=BIMODAL_COLOURS["data"])))
    grid = np.linspace(-1, 1, 101)
    branch = theory.bimodal_branch(grid)
    add_line(
        fig,
        np.concatenate([grid, [np.nan], grid]),
        np.concatenate([branch, [np.nan], -branch]),
        "±f(x), the two answers",
        BIMODAL_COLOURS["branch"],
        dash="dot",
        width=2,
    )
    if fits is not None:
        add_line(fig, fits.grid, fits.l2, "L2 regression ŷ(x) ≈ E[y | x]", BIMODAL_COLOURS["l2"])
        fig.add_trace(
            go.Scatter(
                x=fits.sample_x,
                y=fits.sample_y,
                mode="markers",
                name="conditional GAN: G(x, z), 12 z per x",
                marker=dict(size=7, color=BIMODAL_COLOURS["gan"], symbol="diamond"),
            )
        )
    fig.update_yaxes(range=[-1.3, 1.3])
    fig.update_xaxes(range=[-1.05, 1.05])
    return fig


def bimodal_data_only(seed: int = 0):
    """The section before training: the data and the branches, and what the button does."""
    seed = latent.check_seed(seed)
    x, y = theory.bimodal_data(512, seed)
    return bimodal_figure(None, x, y), "*Press **Train both** to fit the L2 regressor and the conditional GAN.*"


L1_CHOICES = ("0", "1", "10", "100")  # pix2pix's λ (the paper uses 100 on images)


@user_errors
def bimodal(seed: int, l1="0"):
    """Demo 7: (figure, readout) after training both models for this seed and pix2pix weight λ_L1 (cached)."""
    seed = latent.check_seed(seed)
    if isinstance(l1, int | float) and not isinstance(l1, bool):
        l1 = f"{l1:g}"
    lam = float(check_choice(l1, "λ_L1", L1_CHOICES))
    fits = theory.bimodal_fits(seed, l1=lam)
    check_finite(fits.l2, fits.sample_y)
    l2_share, _ = theory.on_a_branch(fits.grid, fits.l2)
    gan_share, upper = theory.on_a_branch(fits.sample_x, fits.sample_y)
    spread = float(fits.sample_y.reshape(-1, BIMODAL_Z_PER_X).std(axis=1).mean())
    readout = (
        f"Within 0.15 of a branch: L2 fit **{l2_share:.0%}** of x (largest |ŷ| {np.abs(fits.l2).max():.2f}, "
        f"the branches are ≥ 0.5 from 0); conditional GAN{f' + {lam:g}·L1' if lam else ''} **{gan_share:.0%}** of "
        f"its samples, {upper:.0%} of them on the upper branch and {1 - upper:.0%} on the lower; spread over z at one "
        f"x: **{spread:.2f}**"
    )
    if lam and spread < 0.1:
        readout += " — one answer for every z: G has learned to ignore its noise (Isola et al. 2017, §2.2)."
    return bimodal_figure(fits, fits.x, fits.y), readout


def build(zoo: Zoo | None = None) -> SectionParts:
    """pix2pix from ``zoo`` (none without a zoo; drawn when first opened) above the toy, which trains when the section
    opens (again by *Train both* or a new seed or λ_L1)."""
    lists, first = _build_pix2pix(zoo) if zoo is not None else ([], None)
    gr.Markdown(BIMODAL_NOTE, elem_classes=["note"])
    untrained, untrained_text = bimodal_data_only(0)  # training takes a second or two: not at start-up
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            seed = seed_box()
            l1_weight = gr.Radio(
                list(L1_CHOICES),
                value="0",
                label="λ_L1: pix2pix's cGAN + λ·L1 (0 = cGAN alone)",
                elem_id="theory-bimodal-l1",
            )
            train = gr.Button("Train both", variant="primary", elem_id="theory-bimodal-train")
            readout = gr.Markdown(untrained_text, elem_id="theory-bimodal-text")
        with gr.Column(scale=3):
            plot = gr.Plot(untrained, label="L2 fit and cGAN samples", elem_id="theory-bimodal")
    gr.on(
        [train.click, seed.input, l1_weight.input, section_tab(plot).select],
        bimodal,
        [seed, l1_weight],
        [plot, readout],
        api_name="theory_bimodal",
        trigger_mode="always_last",
        concurrency_limit=None,
    )
    return SectionParts(model_lists=lists, opened=[first] if first is not None else [])
