"""The VAE tab's *VQ-VAE* section: an image as a grid of codebook indices, edited one cell at a time.

A test image is encoded to its 8×8 code grid (``explorer.models.vqvae``), drawn as coloured cells with their
numbers; clicking a cell writes the chosen code there and the decoder redraws the image from the edited grid.
Beside it: how often the test set uses each codebook entry, and samples from the model's per-position prior.
"""

import colorsys

import gradio as gr
import torch
from PIL import Image, ImageDraw

from explorer import images, latent, plots
from explorer.data import NO_TEST_IMAGES, DatasetUnavailable
from explorer.models.vqvae import VQVAE, perplexity, usage
from explorer.ui import common
from explorer.ui.common import on_gpu, user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.manifold.shared import drawn_first
from explorer.zoo import Zoo
from trainers import code_prior

TITLE, ID = "VQ-VAE", "vqvae"
NOTE = """**VQ-VAE** (van den Oord et al. 2017): the encoder's output is not a Gaussian but a grid of 8×8 vectors, each
replaced by the nearest of K learned *codebook* entries; the decoder sees only those. So an image *is* 64 integers.
argmin has no gradient: the decoder's gradient is copied straight through to the encoder, and two extra terms pull
the entries and the encoder's outputs together (codebook and commitment losses). **Click a cell** of the code grid to
write the code chosen on the slider there: the decoder redraws the image from the edited grid. To *sample*, a VQ-VAE
needs a prior over code grids. The simplest draws each cell's code from that cell's own frequencies, independently:
its samples are patchwork, because the codes of neighbouring cells depend on each other (a sleeve next to a body).
The paper trains a PixelCNN: p(c) = Π_i p(c_i | c_<i), each cell drawn given the cells before it in raster order
(masked convolutions, ``trainers.code_prior``); its samples are drawn beside the independent ones, and the two
priors' negative log-likelihoods of the test set's code grids are read out (lower: a better model of the grids)."""
CELL = 44  # pixels per code cell in the clickable grid
SCALE = 6  # 32² images shown at 192²
SAMPLES = 16  # prior samples shown


def model_names(zoo: Zoo) -> list[str]:
    return zoo.names(VQVAE)


def _model(zoo: Zoo, name: str) -> VQVAE:
    return zoo.require(name, VQVAE, what="a VQ-VAE")


def _index(index) -> int:
    if index is None or float(index) != int(float(index)) or not 0 <= int(float(index)) < 10_000:
        raise ValueError(f"the test image index must be a whole number from 0 to 9 999, got {index}")
    return int(float(index))


def _codes(model: VQVAE, codes) -> torch.Tensor:
    grid = model.config.grid
    try:
        tensor = torch.as_tensor(codes, dtype=torch.long)
    except (TypeError, ValueError, OverflowError, RuntimeError):  # not a grid of whole numbers (e.g. NaN)
        tensor = None
    if tensor is None or tensor.shape != (grid, grid):
        raise ValueError(f"the code grid must be {grid}×{grid}; encode an image first")
    k = model.config.codebook_size
    if not (0 <= int(tensor.min()) and int(tensor.max()) < k):
        raise ValueError(f"the code grid holds codes from 0 to {k - 1}; encode an image first")
    return tensor


def colour(code: int, k: int) -> tuple[int, int, int]:
    """A code's fixed colour: hues spread around the circle (golden-ratio steps, so neighbours differ)."""
    hue = (code * 0.618034) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.45, 0.95)
    return int(255 * r), int(255 * g), int(255 * b)


def code_map(codes: torch.Tensor, k: int, edited: torch.Tensor | None = None) -> Image.Image:
    """The code grid as coloured cells with their numbers; edited cells framed in red."""
    grid = codes.shape[0]
    picture = Image.new("RGB", (grid * CELL, grid * CELL), "white")
    draw = ImageDraw.Draw(picture)
    font = images.label_font(16)
    for row in range(grid):
        for column in range(grid):
            code = int(codes[row, column])
            box = (column * CELL, row * CELL, (column + 1) * CELL - 1, (row + 1) * CELL - 1)
            draw.rectangle(box, fill=colour(code, k), outline="white")
            if edited is not None and bool(edited[row, column]):
                draw.rectangle(box, outline="#d62728", width=3)
            centre = ((column + 0.5) * CELL, (row + 0.5) * CELL)
            draw.text(centre, str(code), fill="black", font=font, anchor="mm")
    return picture


@torch.inference_mode()
def _view(model: VQVAE, image: torch.Tensor, original: torch.Tensor, codes: torch.Tensor) -> Image.Image:
    """Original | reconstruction from its own codes | decoded from the (edited) grid, labelled."""
    pictures = torch.cat([image, model.decode_codes(original[None]), model.decode_codes(codes[None])]).cpu()
    grid = images.grid_image(pictures, ncols=3, scale=SCALE)
    return images.label_columns(grid, ["test image", "its codes", "edited grid"])


@user_errors
def encode(zoo: Zoo, name: str, index) -> tuple:
    """(the image's code grid as a list, the view, the code map, a readout) for test image ``index``; without the
    test images, nothing to show and a line that says so (the prior samples need none)."""
    model = _model(zoo, name)
    try:
        image = common.test_set(zoo).images[_index(index)][None]
    except DatasetUnavailable:
        return [], None, None, f"{NO_TEST_IMAGES}: no test image to encode and edit; the prior samples need none."
    with torch.inference_mode():
        codes = model.codes(image)[0].cpu()
    k = model.config.codebook_size
    text = (
        f"Test image {_index(index)}: {len(codes.unique())} different codes in its {codes.numel()} cells (of K = {k}). "
        "Click a cell to write the slider's code there."
    )
    return codes.tolist(), _view(model, image, codes, codes), code_map(codes, k), text


@user_errors
def write(zoo: Zoo, name: str, index, grid, code, row: int, column: int) -> tuple:
    """The grid with ``code`` written at (row, column), redrawn and decoded."""
    model = _model(zoo, name)
    codes, k = _codes(model, grid), model.config.codebook_size
    if code is None or float(code) != int(float(code)) or not 0 <= int(float(code)) < k:
        raise ValueError(f"the code to write must be a whole number from 0 to {k - 1}, got {code}")
    if not (0 <= row < codes.shape[0] and 0 <= column < codes.shape[1]):
        raise ValueError(f"click inside the {codes.shape[0]}×{codes.shape[1]} grid")
    image = common.test_set(zoo).images[_index(index)][None]
    with torch.inference_mode():
        original = model.codes(image)[0].cpu()
    before = int(codes[row, column])
    codes[row, column] = int(float(code))
    edited = codes != original
    text = (
        f"Cell (row {row}, column {column}): code {before} → {int(float(code))}. {int(edited.sum())} of "
        f"{codes.numel()} cells differ from the image's own codes (framed in red)."
    )
    return codes.tolist(), _view(model, image, original, codes), code_map(codes, k, edited), text


def click(zoo: Zoo, name: str, index, grid, code, evt: gr.SelectData):
    x, y = evt.index
    return write(zoo, name, index, grid, code, int(y) // CELL, int(x) // CELL)


@user_errors
def codebook_usage(zoo: Zoo, name: str):
    """(a bar chart of each entry's share of the test set's cells, a readout) — computed once per model."""
    model = _model(zoo, name)

    def compute():
        test = common.test_set(zoo)
        counts = torch.zeros(model.config.codebook_size, dtype=torch.long)
        with torch.inference_mode():
            for batch in test.images.split(1000):
                counts += usage(model.codes(batch), model.config.codebook_size)
        return counts

    try:
        counts = zoo.memo("vqvae-usage", name, compute)
    except DatasetUnavailable:
        return plots.bars_figure([], [], "Codebook usage: no test images", ""), f"{NO_TEST_IMAGES}."
    k = len(counts)
    share = (counts.float() / counts.sum()).tolist()
    figure = plots.bars_figure(
        [str(i) for i in range(k)], share, "Codebook usage on the 10 000 test images", "share of cells", uniform=1 / k
    )
    used = int((counts > 0).sum())
    text = (
        f"**{used} of {k} entries used ({used / k:.0%})**; perplexity {perplexity(counts):.1f} (the number of equally "
        f"used entries with the same spread). A dead entry is one no cell ever picks; the trainer restarts those on "
        "encoder outputs."
    )
    return figure, text


def _decoded(model: VQVAE, sample) -> Image.Image:
    """The ``SAMPLES`` code grids ``sample()`` draws from a prior, decoded, as one picture (both priors' samples)."""
    with torch.inference_mode():
        pictures = model.decode_codes(sample()).cpu()
    return images.grid_image(pictures, ncols=8, scale=3)


@user_errors
def autoregressive_samples(zoo: Zoo, name: str, seed) -> tuple[Image.Image | None, str]:
    """``SAMPLES`` images decoded from code grids drawn from the PixelCNN prior committed beside the VQ-VAE, and
    its record (the test set's NLL under it and under the independent prior); without one, a line that says so."""
    model, seed = _model(zoo, name), latent.check_seed(seed)
    folder = zoo.entry(name).folder
    prior = zoo.memo("pixelcnn-prior", name, lambda: code_prior.load(folder) if folder else None)
    if prior is None:
        return None, "No PixelCNN prior beside this VQ-VAE: train one with `python -m trainers.code_prior`."
    picture = _decoded(model, lambda: prior.sample(SAMPLES, seed))
    run = code_prior.record(folder)
    cells = model.config.grid**2
    text = (
        f"Test NLL of the 10 000 test images' code grids: **PixelCNN {run['test_nll']:.1f} nats per grid** "
        f"({run['test_nll'] / cells:.2f} per cell) against **independent cells {run['independent_test_nll']:.1f}** "
        f"({run['independent_test_nll'] / cells:.2f}); trained {run['minutes']:g} min on a CPU "
        f"(`{run['command']}`)."
    )
    return picture, text


@user_errors
@on_gpu()
def prior_samples(zoo: Zoo, name: str, seed) -> Image.Image:
    """``SAMPLES`` images decoded from code grids drawn from the per-position prior."""
    model, seed = _model(zoo, name), latent.check_seed(seed)
    return _decoded(model, lambda: model.sample_codes(SAMPLES, seed))


def _controls(zoo: Zoo, names: list[str]) -> tuple:
    """The row of controls: (model, test image, code to write, seed of the prior samples)."""
    k = _model(zoo, names[0]).config.codebook_size
    with gr.Row():
        model = gr.Dropdown(names, value=names[0], label="VQ-VAE", elem_id="vq-model", scale=2)
        index = gr.Number(0, label="Test image (0–9 999)", precision=0, minimum=0, maximum=9999, elem_id="vq-index")
        code = gr.Slider(0, k - 1, value=0, step=1, label="Code to write on a click", elem_id="vq-code", scale=2)
        seed = gr.Number(0, label="Seed of the prior samples", precision=0, minimum=0, elem_id="vq-seed")
    return model, index, code, seed


def _views() -> tuple:
    """(view, readout, cells, usage plot, usage text, samples). The images' titles are headings above them, not
    Gradio's labels, which float over the image's top edge (the code grid's top row, in presentation mode)."""
    with gr.Row():
        with gr.Column(scale=3):
            gr.Markdown("**The image, its reconstruction, and the grid on the right decoded**")
            view = common.drawn_image("vq-view")
            readout = gr.Markdown(elem_id="vq-text")
        with gr.Column(scale=2):
            gr.Markdown("**Code grid: click a cell to write the code**", elem_id="vq-cells-title")
            cells = common.drawn_image("vq-cells")
    with gr.Row():
        with gr.Column(scale=3):
            usage_plot = gr.Plot(label="Codebook usage", elem_id="vq-usage")
            usage_text = gr.Markdown(elem_id="vq-usage-text")
        samples = common.drawn_image("vq-samples", "Samples: each cell's code drawn from its own frequencies", scale=2)
    with gr.Row():
        ar_samples = common.drawn_image(
            "vq-ar-samples", "Samples: a PixelCNN draws each cell given the cells before it", scale=2
        )
        ar_text = gr.Markdown(elem_id="vq-ar-text")
    return view, readout, cells, usage_plot, usage_text, samples, ar_samples, ar_text


def build(zoo: Zoo) -> SectionParts:
    """The section's components and wiring (inside the VAE tab's ``gr.Tab``); drawn when first opened. Without a
    VQ-VAE in the zoo, a line that says how to train one."""
    gr.Markdown(NOTE, elem_classes=["note"])
    names = model_names(zoo)
    if not names:
        gr.Markdown("No VQ-VAE in the zoo: train one with `python -m trainers vqvae --out …`.")
        return SectionParts()
    grid = gr.State([])
    model, index, code, seed = _controls(zoo, names)
    view, readout, cells, usage_plot, usage_text, samples, ar_samples, ar_text = _views()

    def draw(name, index_value, seed_value):
        return (
            *encode(zoo, name, index_value),
            *codebook_usage(zoo, name),
            *autoregressive_samples(zoo, name, seed_value),
            prior_samples(zoo, name, seed_value),
        )

    outputs = [grid, view, cells, readout, usage_plot, usage_text, ar_samples, ar_text, samples]
    quiet = dict(api_visibility="undocumented", show_progress="hidden")
    model.change(draw, [model, index, seed], outputs, api_name="vqvae", show_progress="hidden")
    gr.on([index.submit, index.blur], lambda n, i: encode(zoo, n, i), [model, index], outputs[:4], **quiet)

    def on_click(name, index_value, grid_value, code_value, evt: gr.SelectData):  # Gradio fills evt by its annotation
        return click(zoo, name, index_value, grid_value, code_value, evt)

    # every click in turn (the queue's one at a time), not always_last: Gradio 6 re-runs a select that came while one
    # ran with the earlier click's event data, so the last cell clicked would show the one before
    cells.select(on_click, [model, index, grid, code], outputs[:4], trigger_mode="multiple", **quiet)
    gr.on(
        [seed.submit, seed.blur],
        lambda n, s: (*autoregressive_samples(zoo, n, s), prior_samples(zoo, n, s)),
        [model, seed],
        [ar_samples, ar_text, samples],
        **quiet,
    )
    # the prior samples first: they need no test set, so a server without it draws the section once too
    return SectionParts(opened=[drawn_first((draw, [model, index, seed], outputs), len(outputs) - 1)])
