"""Image-to-image translation at image scale, in the GAN theory tab beside its toys (``explorer.models.translation``).

- *L2 vs adversarial* → **pix2pix**: draw an edge sketch (or start from a test image's edge map and change it);
  the pix2pix generator (cGAN + λ·L1) and the L1-only generator translate the same input side by side: the L1
  regressor's garment is a blurry average, pix2pix's a sharp sample.
- *CycleGAN* → **two Fashion-MNIST classes, unpaired**: test images x, G(x) and F(G(x)) with the cycle error per
  image and the classifier's verdict on G(x).

A sketch is read by ``explorer.pictures.sketch_edges``, the way Fashion-MNIST's images were made (the drawing's
longer side scaled to 28 pixels, centred in 32×32).
"""

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import images
from explorer.data import NO_TEST_IMAGES, DatasetUnavailable
from explorer.models.folder import read_config
from explorer.models.translation import CycleGAN, Pix2PixGenerator, cycle_error
from explorer.pictures import blank, ink, sketch_edges
from explorer.ui import common
from explorer.ui.common import ModelList, user_errors
from explorer.vae_theory import sharpness
from explorer.zoo import REFERENCE_CLASSIFIER, Zoo

CANVAS = 256  # the sketchpad's side in pixels (8 per model pixel at 32²)
SCALE = 6  # 32² images shown at 192²
ROW = 8  # CycleGAN: test images per view
DEFAULT_PIX2PIX = "pix2pix-fashion-mnist"
DEFAULT_L1 = "pix2pix-l1-fashion-mnist"
FIRST_EDGES = 7  # the first view: test image 7, a checked shirt: L1 only paints it grey, pix2pix draws checks

PIX2PIX_NOTE = """**At image scale: pix2pix** (Isola et al. 2017). The same fork as above, on garments: an edge map
has many garments that fit it (a plain or a striped shirt, dark or light). A generator trained with L1 alone
predicts their per-pixel median, a blurry average; pix2pix adds a PatchGAN D that judges (edge map, garment) pairs
patch by patch, so G must commit to one sharp garment (loss: cGAN + λ·L1, λ = 100). **Draw an outline** on the
canvas (dark on light; it is scaled to the garment box the way Fashion-MNIST's images were), or **load a test
image's edge map** and change it: both generators translate the same input."""

CYCLE_NOTE = """**At image scale: CycleGAN** (Zhu et al. 2017). Two Fashion-MNIST classes and no pairs: G maps A to B,
F maps B back, each judged by its own D, and the cycle loss λ‖F(G(x)) − x‖₁ (λ = 10) asks that a round trip bring
an image back. Below: eight test images x of one class, their translations G(x) and the round trip F(G(x)); the
readout gives the cycle error and how often the classifier takes G(x) for the other class."""


def pix2pix_names(zoo: Zoo) -> list[str]:
    return zoo.names(Pix2PixGenerator)


def cyclegan_names(zoo: Zoo) -> list[str]:
    return zoo.names(CycleGAN)


def _preferred(names: list[str], wanted: str, fallback: int) -> str | None:
    if wanted in names:
        return wanted
    return names[min(fallback, len(names) - 1)] if names else None


# --- pix2pix ---------------------------------------------------------------------------------------------------
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


# --- CycleGAN --------------------------------------------------------------------------------------------------
def _cyclegan(zoo: Zoo, name: str) -> CycleGAN:
    return zoo.require(name, CycleGAN, what="a CycleGAN")


def directions(config) -> list[tuple[str, str]]:
    """The direction radio's (label, value) pairs for a ``CycleGANConfig`` (or its fields as a dict)."""
    a, b = (config["domain_a"], config["domain_b"]) if isinstance(config, dict) else (config.domain_a, config.domain_b)
    return [(f"{a} → {b}", "a2b"), (f"{b} → {a}", "b2a")]


def _domains(zoo: Zoo, name: str) -> list[tuple[str, str]]:
    """The directions of the CycleGAN ``name``, read from its folder's config (no model loaded)."""
    return directions(read_config(zoo.entry(name).folder)[1])


@user_errors
def round_trip(zoo: Zoo, name: str, direction: str, start) -> tuple[Image.Image, str]:
    """(x, G(x), F(G(x)) for ``ROW`` test images of the source class from its ``start``-th on, a readout)."""
    model = _cyclegan(zoo, name)
    c = model.config
    if direction not in ("a2b", "b2a"):
        raise ValueError(f"pick a direction: {c.domain_a} → {c.domain_b} or back")
    source, target = (c.domain_a, c.domain_b) if direction == "a2b" else (c.domain_b, c.domain_a)
    try:
        test = common.test_set(zoo)
    except DatasetUnavailable:
        return None, f"{NO_TEST_IMAGES}: no test {source} to translate."
    names = list(test.class_names)
    pool = test.images[test.labels == names.index(source)]
    first = common.whole_number(start, f"the first test {source}", 0, len(pool) - ROW)
    x = pool[first : first + ROW]
    translated, back = model.translate(x, direction)
    translated, back = translated.cpu(), back.cpu()
    errors = cycle_error(x, back)
    grid = images.grid_image(torch.cat([x, translated, back]), ncols=ROW, scale=4)
    there, home = ("G", "F") if direction == "a2b" else ("F", "G")
    picture = images.label_rows(grid, [f"x: test {source}", f"{there}(x)", f"{home}({there}(x))"])
    text = (
        f"**Cycle error** mean |x − {home}({there}(x))| = **{errors.mean():.3f}** (per image "
        f"{', '.join(f'{e:.2f}' for e in errors.tolist())}; pixels in [-1, 1], two different test {source}s differ "
        f"by {cycle_error(x, x.roll(1, dims=0)).mean():.2f})."
    )
    if REFERENCE_CLASSIFIER in zoo.entries and names == list(zoo.reference_classifier().class_names):
        classifier = zoo.reference_classifier()
        with torch.inference_mode():
            device = next(classifier.parameters()).device
            guesses = classifier(translated.to(device)).argmax(1).cpu()
        hits = int((guesses == names.index(target)).sum())
        text += f" The classifier calls **{hits} of {ROW}** of the {there}(x) *{target}*."
    return picture, text


def build_pix2pix(zoo: Zoo) -> tuple[list, tuple | None]:
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


def build_cyclegan(zoo: Zoo) -> tuple[list, tuple | None]:
    """The CycleGAN part (inside the *CycleGAN* section): (model lists, its first render or None)."""
    gr.Markdown(CYCLE_NOTE, elem_classes=["note"])
    names = cyclegan_names(zoo)
    if not names:
        gr.Markdown("No CycleGAN in the zoo: train one with `python -m trainers cyclegan --out …`.")
        return [], None
    with gr.Row():
        model = gr.Dropdown(names, value=names[0], label="CycleGAN", elem_id="cyc-model")
        direction = gr.Radio(_domains(zoo, names[0]), value="a2b", label="Direction", elem_id="cyc-direction")
        start = gr.Number(0, label="First test image of the class (0–992)", precision=0, minimum=0, elem_id="cyc-start")
    view = gr.Image(type="pil", format="png", interactive=False, show_label=False, elem_id="cyc-view")
    readout = gr.Markdown(elem_id="cyc-text")

    def draw(name, way, first_index):
        return round_trip(zoo, name, way, first_index)

    gr.on(
        [direction.input, start.submit, start.blur],
        draw,
        [model, direction, start],
        [view, readout],
        api_name="cyclegan",
        show_progress="hidden",
        trigger_mode="always_last",
    )

    @user_errors
    def model_changed(name):
        way = gr.Radio(choices=directions(_cyclegan(zoo, name)), value="a2b")
        return way, *round_trip(zoo, name, "a2b", 0)

    model.change(
        model_changed, model, [direction, view, readout], api_visibility="undocumented", show_progress="hidden"
    )
    return [ModelList(model, lambda: cyclegan_names(zoo))], (draw, [model, direction, start], [view, readout])
