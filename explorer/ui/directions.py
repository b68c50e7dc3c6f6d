"""Directions tab: interpretable directions in the latent space (SeFa, GANSpace, supervised), and inversion.

Pick a model and a method, press **Find directions**: the plot ranks the directions (SeFa's eigenvalues,
GANSpace's explained variance, a boundary's accuracy), the grid shows the top five from −3σ to +3σ, and
the α slider moves the current sample (a seed, or an image inverted below) along the chosen one, through
the preview route like the interpolation slider. For StyleGAN models the edit can be limited to a band of
ws rows (GANSpace's layer-wise edit; SeFa then factorises only those rows' style layers).
**Invert an image**: upload one (or pick a Fashion-MNIST test image); the latent whose image matches it is
found by optimisation (``explorer.inversion``), shown as it improves, and becomes the current sample, so
the sliders edit a real image.
"""

import functools
import hashlib
import threading
from collections import OrderedDict

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import directions as dirs
from explorer import images, inversion, latent, plots
from explorer.data import FASHION_MNIST_CLASSES, load_fashion_mnist
from explorer.gpu import seconds_per
from explorer.models import HasEncoder, StyleGenerator, Unconditional
from explorer.pictures import read_picture
from explorer.ui.common import (
    HEAVY,
    ModelList,
    download_path,
    on_gpu,
    parse_seeds,
    preview_options,
    user_errors,
)
from explorer.ui.inpage import InPage
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts
from explorer.zoo import WEIGHTS_NAME, Zoo

METHODS = {
    "SeFa (closed form)": "sefa",
    "GANSpace (PCA)": "ganspace",
    "Classifier (a Fashion-MNIST class)": "classifier",
    "My labels (click seeds)": "labels",
}
ROWS = ("all rows", "coarse", "middle", "fine")
NONE = "none"
TOP = 10  # directions found per method (SeFa, GANSpace)
SHOWN = 5  # rows of the overview grid
ALPHAS = (-3, -2, -1, 0, 1, 2, 3)
GANSPACE_SAMPLES = 10_000
CLASSIFIER_SAMPLES = 2_000
GRID_SIDE = 6
PREVIEW_SIZE = 256  # the edited sample is shown at 256×256 (8× a 32² sample, 4× a 64² face)
INVERTED_KEEP = 256  # inverted latents kept for the sliders (per app; the oldest are forgotten)

NOTE = """**What you are seeing.** Directions in the latent space that change one thing about the image.
**SeFa** (Shen & Zhou 2021) reads them off the weights: the first layer maps the latent linearly, y = A·z,
so the top eigenvectors of AᵀA are the directions that move y the most; no sampling. **GANSpace**
(Härkönen et al. 2020) samples 10 000 latents and takes the principal components of the first layer's
activations (of w for StyleGAN). **Classifier** (InterFaceGAN's idea) fits a linear boundary between samples of a
class and the rest and walks along its normal; **My labels** is DCGAN's Fig. 8 attribute vector: the mean z of the
seeds you mark *with* an attribute minus the mean of those *without*. α is in units of σ, the spread of the
latents along that direction. **Invert an image** finds the latent of an uploaded image, so you can edit it."""


def supported(zoo: Zoo, name: str) -> bool:
    """Whether Directions can read the model: a capability of its family (``explorer.directions.DIRECTED``)."""
    return any(zoo.family(name).supports(capability) for capability in dirs.DIRECTED)


def model_names(zoo: Zoo) -> list[str]:
    """DCGAN and StyleGAN generators (the faces model first: the tab's classic demo)."""
    names = [n for n in zoo.names(Unconditional, excludes=(HasEncoder,)) if supported(zoo, n)]
    return sorted(names, key=lambda n: zoo.entry(n).dataset != "digiface-1m")


def _method(label: str) -> str:
    if label in METHODS:
        return METHODS[label]
    if label in METHODS.values():
        return label
    raise ValueError(f"unknown method {label!r}; choose one of {', '.join(METHODS)}")


def _model(zoo: Zoo, name: str) -> torch.nn.Module:
    model = zoo.require(name, Unconditional, what="a DCGAN or StyleGAN generator")
    dirs.check_supported(model)
    return model


def _rows(model: torch.nn.Module, rows: str) -> list[int] | None:
    if rows in (None, "", ROWS[0]) or not isinstance(model, StyleGenerator):
        return None
    if rows not in ROWS:
        raise ValueError(f"rows must be one of {', '.join(ROWS)}, got {rows!r}")
    return latent.style_bands(model.ws_resolutions)[rows]


def _class(text: str, what: str) -> int | None:
    if text in (None, "", NONE):
        return None
    if text not in FASHION_MNIST_CLASSES:
        raise ValueError(f"{what}: {text!r} is not a Fashion-MNIST class")
    return FASHION_MNIST_CLASSES.index(text)


def find(
    zoo: Zoo, name: str, method: str, target: str, condition: str, rows: str, with_seeds: str, without_seeds: str
) -> dirs.Directions:
    """The directions of ``method`` for the model (memoised per model and settings; GANSpace also on disk)."""
    model, method = _model(zoo, name), _method(method)
    chosen_rows = _rows(model, rows)
    if method == "sefa":
        key = ("sefa", tuple(chosen_rows or ()))
        compute = functools.partial(dirs.sefa, model, TOP, chosen_rows)
    elif method == "ganspace":
        key = ("ganspace",)

        def compute() -> dirs.Directions:
            def arrays() -> dict[str, np.ndarray]:
                return dirs.ganspace(model, GANSPACE_SAMPLES, TOP).arrays()

            stored = zoo.derived.get(f"ganspace-v1-{name}", zoo.entry(name).folder / WEIGHTS_NAME, arrays)
            k = len(stored["scores"])
            return dirs.Directions(
                "GANSpace",
                dirs.space_of(model),
                torch.from_numpy(stored["vectors"]),
                torch.from_numpy(stored["sigmas"]),
                torch.from_numpy(stored["scores"]),
                [f"PC {i}" for i in range(k)],
                "explained variance ratio",
            )
    elif method == "classifier":
        if not zoo.classifier_reads(name):
            raise ValueError(
                "the classifier knows Fashion-MNIST classes only; for this model use My labels (click seeds)"
            )
        wanted, condition_index = _class(target, "class"), _class(condition, "⟂ class")
        if wanted is None:
            raise ValueError("choose the class the direction should lead to")
        if condition_index == wanted:
            raise ValueError("the class to project out must differ from the target class")
        key = ("classifier", wanted, condition_index)
        compute = functools.partial(
            dirs.classifier_direction,
            model,
            zoo.reference_classifier(),
            wanted,
            CLASSIFIER_SAMPLES,
            0,
            condition_index,
        )
    else:
        how = "click seeds in the grid below (with the attribute, then without)"
        positive = parse_seeds(with_seeds, "with", 48, how)
        negative = parse_seeds(without_seeds, "without", 48, how)
        key = ("labels", tuple(positive), tuple(negative))
        compute = functools.partial(dirs.labelled_direction, model, positive, negative)
    return zoo.memo("directions", name, compute, key=key)


# --- the current sample: a seed, or an inverted image ---------------------------------------------------------

_inverted: OrderedDict[str, tuple[str, torch.Tensor]] = OrderedDict()
_inverted_lock = threading.Lock()


def keep_inverted(name: str, code: torch.Tensor) -> str:
    """Store an inverted latent; its key goes in the page (a hidden field), the latent stays here."""
    key = "inv-" + hashlib.sha1(name.encode() + code.numpy().tobytes()).hexdigest()[:12]
    with _inverted_lock:
        _inverted[key] = (name, code.clone())
        _inverted.move_to_end(key)
        while len(_inverted) > INVERTED_KEEP:
            _inverted.popitem(last=False)
    return key


def inverted_code(name: str, source: str) -> torch.Tensor | None:
    """The kept latent of the inverted image ``source`` (None: no inverted image, the seed's sample is shown).

    Read in the main process: a GPU worker's copy of the kept latents is as old as its fork."""
    if not source:
        return None
    with _inverted_lock:
        found = _inverted.get(str(source))
    if found is None or found[0] != name:
        raise ValueError("the inverted image is no longer kept (or was for another model): invert it again")
    return found[1]


def current_code(model: torch.nn.Module, seed: int, inverted: torch.Tensor | None) -> torch.Tensor:
    """(1, d) latent in the model's direction space, on its device: ``inverted`` if given, else the seed's."""
    code = inverted if inverted is not None else dirs.latents(model, 1, latent.check_seed(seed, "seed"))
    return code.to(next(model.parameters()).device)


def _alpha(alpha) -> float:
    if alpha is None or not -10 <= float(alpha) <= 10:
        raise ValueError(f"α must be between −10 and 10, got {alpha}")
    return float(alpha)


def _index(directions: dirs.Directions, index) -> int:
    if isinstance(index, str):
        index = index.split(" ")[0]
    try:
        index = int(float(index))
    except (TypeError, ValueError) as error:
        raise ValueError(f"choose a direction (0 to {len(directions) - 1})") from error
    if not 0 <= index < len(directions):
        raise ValueError(f"direction {index} does not exist; there are {len(directions)}")
    return index


def direction_choices(directions: dirs.Directions) -> list[str]:
    return [f"{i} · {label}" for i, label in enumerate(directions.labels)]


@user_errors
def render_edit(
    zoo: Zoo,
    name: str,
    method: str,
    target: str,
    condition: str,
    rows: str,
    with_seeds: str,
    without_seeds: str,
    index,
    alpha: float,
    seed: int,
    source: str,
) -> Image.Image:
    """The current sample moved by α·σ along the chosen direction (the α slider's render)."""
    inverted = inverted_code(name, source)
    return _edit(zoo, name, method, target, condition, rows, with_seeds, without_seeds, index, alpha, seed, inverted)


@on_gpu()
def _edit(zoo, name, method, target, condition, rows, with_seeds, without_seeds, index, alpha, seed, inverted):
    """``render_edit`` on the GPU, with the inverted image's latent itself."""
    model = _model(zoo, name)
    found = find(zoo, name, method, target, condition, rows, with_seeds, without_seeds)
    code = current_code(model, seed, inverted)
    picture = dirs.edit(model, code, found, _index(found, index), _alpha(alpha), _rows(model, rows))
    return images.image(picture.clamp(-1, 1), scale=max(1, PREVIEW_SIZE // model.resolution))


# --- the α slider rendered in the page (explorer/ui/inpage.py) ------------------------------------------------------
def page_inputs(zoo, name, method, target, condition, rows, with_seeds, without_seeds, index, alpha, seed, source):
    """What the page needs to draw ``render_edit``'s image at any α itself: z, the direction's unit vector v and σ."""
    model = _model(zoo, name)
    found = find(zoo, name, method, target, condition, rows, with_seeds, without_seeds)
    i = _index(found, index)
    z = current_code(model, seed, inverted_code(name, source))[0].cpu().tolist()
    scale = max(1, PREVIEW_SIZE // model.resolution)
    return dict(scale=scale, z=z, vector=found.vectors[i].cpu().tolist(), sigma=float(found.sigmas[i]))


@user_errors
def overview(
    zoo: Zoo,
    name: str,
    method: str,
    target: str,
    condition: str,
    rows: str,
    with_seeds: str,
    without_seeds: str,
    seed: int,
    source: str,
    index=0,
    progress=gr.Progress(),  # noqa: B008
):
    """(the scores plot, the grid of the top directions from −3σ to +3σ, the direction list, a summary)."""
    inverted = inverted_code(name, source)
    figure, grid, png, choices, keep, summary = _overview(
        zoo, name, method, target, condition, rows, with_seeds, without_seeds, seed, inverted, index, progress
    )
    return figure, grid, png, gr.Dropdown(choices=choices, value=keep), summary


@on_gpu(60)  # GANSpace: PCA over GANSPACE_SAMPLES samples the first time (then on disk); the grid
def _overview(zoo, name, method, target, condition, rows, with_seeds, without_seeds, seed, inverted, index, progress):
    """``overview`` on the GPU: (figure, grid, PNG path, direction choices, the one kept, summary)."""
    model = _model(zoo, name)
    if _method(method) == "ganspace":
        progress(0, desc=f"GANSpace: PCA over {GANSPACE_SAMPLES} samples (once per model; then cached)")
    found = find(zoo, name, method, target, condition, rows, with_seeds, without_seeds)
    code = current_code(model, seed, inverted)
    chosen_rows = _rows(model, rows)
    shown = min(SHOWN, len(found))
    tiles = torch.cat([dirs.edit(model, code, found, i, list(ALPHAS), chosen_rows) for i in range(shown)])
    grid = images.grid_image(tiles.clamp(-1, 1), ncols=len(ALPHAS), scale=images.fit_scale(model.resolution, 2))
    width = grid.width
    grid = images.label_rows(grid, found.labels[:shown])
    grid = images.label_columns(grid, [f"{a:+d}σ" if a else "α = 0" for a in ALPHAS], skip=grid.width - width)
    figure = plots.bars_figure(
        [f"{i}" for i in range(len(found))], found.scores.tolist(), f"{found.method}: {found.score_name}", ""
    )
    figure.update_layout(height=300, margin=dict(l=50, r=10, t=60, b=30), xaxis_title="direction")
    choices = direction_choices(found)
    try:
        keep = choices[_index(found, index)]
    except ValueError:
        keep = choices[0]
    png = images.save_png(grid, download_path(f"{name}_{found.method}_directions", ".png"))
    where = "w (ws rows: " + (rows or ROWS[0]) + ")" if found.space == "w" else "z"
    sigma = float(found.sigmas[0])
    summary = f"{len(found)} direction(s) in {where}; α is in units of σ along each (σ of direction 0: {sigma:.2f})."
    return figure, grid, str(png), choices, keep, summary


@user_errors
def seed_grid(zoo: Zoo, name: str, base_seed: int) -> list[tuple[Image.Image, str]]:
    """GRID_SIDE² samples from ``base_seed`` on, captioned with their seeds, to click into the label groups."""
    model = _model(zoo, name)
    base_seed = latent.check_seed(base_seed, "the first seed of the grid")
    with torch.no_grad():
        samples = dirs.render(model, dirs.latents(model, GRID_SIDE**2, base_seed).to(next(model.parameters()).device))
    return [
        (images.to_pil(tile, images.fit_scale(model.resolution, 3)), f"{base_seed + i}")
        for i, tile in enumerate(images.to_uint8(samples.clamp(-1, 1)))
    ]


def add_seed(with_seeds: str, without_seeds: str, mark: str, seed: int) -> tuple[str, str]:
    """Put ``seed`` in the group ``mark`` ("with …" or "without …") and out of the other one."""
    groups = {"with": str(with_seeds or ""), "without": str(without_seeds or "")}
    side = "without" if str(mark).startswith("without") else "with"
    for key in groups:
        seeds = [p for p in groups[key].replace(",", " ").split() if p and p != str(seed)]
        if key == side:
            seeds.append(str(seed))
        groups[key] = ", ".join(seeds)
    return groups["with"], groups["without"]


# --- inversion ---------------------------------------------------------------------------------------------------


def test_image(zoo: Zoo, index) -> torch.Tensor:
    """Fashion-MNIST test image ``index`` as (1, 1, 32, 32) in [-1, 1]."""
    if index is None or not 0 <= int(index) < 10_000:
        raise ValueError("the test image index must be between 0 and 9 999")
    test = load_fashion_mnist("test", settings=zoo.settings)
    return test.images[int(index)][None]


@user_errors
def check_upload(upload) -> None:
    """An upload to invert must be a picture. Its event skips Gradio's preprocessing (which fails on a file that is
    not a picture without saying why, leaving a broken image that Invert then ignores): the file itself is opened
    with PIL, and one that is not a picture is a one-line ``gr.Error`` ("fake.png is not an image: …")."""
    path = upload.get("path") if isinstance(upload, dict) else upload
    if path:
        read_picture(str(path))


@user_errors
def invert(zoo: Zoo, name: str, upload, test_index, steps, progress=gr.Progress()):  # noqa: B008
    """Stream (progress picture, status, current source key) while the latent of the image is optimised."""
    for pair, status, code in _inversion(zoo, name, upload, test_index, steps, progress):
        if code is None:
            yield pair, status, gr.skip()
        else:  # the latent is kept here, in the main process, where the edits read it (inverted_code)
            yield gr.skip(), status, keep_inverted(name, code)


@on_gpu(seconds_per("steps", 10, 50))
def _inversion(zoo: Zoo, name: str, upload, test_index, steps, progress):
    """``invert`` on the GPU: (picture, status, None) per step, then (None, summary, the latent)."""
    model = _model(zoo, name)
    features = None
    if upload is not None:
        target = inversion.target_tensor(upload, model)
    else:
        target = inversion.target_tensor(test_image(zoo, test_index), model)
    if zoo.classifier_reads(name) and target.shape[1] == 1:
        features = zoo.reference_classifier()
    scale = max(1, PREVIEW_SIZE // (2 * model.resolution))
    last = None
    for step in inversion.invert(model, target, int(steps), features=features):
        progress(step.step / step.steps, desc=f"step {step.step} / {step.steps}")
        last = step
        pair = images.grid_image(torch.cat([target, step.image.clamp(-1, 1)]), ncols=2, scale=scale, padding=4)
        status = f"step {step.step} / {step.steps}: loss {step.loss:.4f}, pixel RMSE {step.rmse:.3f}"
        yield pair, status, None
    status = f"Done: {last.steps} steps, pixel RMSE {last.rmse:.3f} (on [−1, 1]). The sliders now edit this image."
    if inversion.far_from_domain(last.rmse):
        status += (
            f" **Far from what this model makes** (RMSE > {inversion.FAR_FROM_DOMAIN_RMSE}): the closest image it can "
            "generate differs a lot; edits show the model's version, not yours."
        )
    yield None, status, last.code.cpu()


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    names = model_names(zoo)
    gr.Markdown(NOTE, elem_classes=["note"])
    if not names:
        gr.Markdown("No DCGAN or StyleGAN generator in the zoo.")
        return None
    initial = dict(model=names[0], method=list(METHODS)[0], seed=0, index="0 · SeFa 0", alpha=0.0)
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=initial["model"], label="Model", elem_id="dir-model")
            method = gr.Radio(list(METHODS), value=initial["method"], label="Method", elem_id="dir-method")
            with gr.Row(visible=False) as class_row:
                target = gr.Dropdown(
                    list(FASHION_MNIST_CLASSES), value="Trouser", label="Towards class", elem_id="dir-class"
                )
                condition = gr.Dropdown(
                    [NONE, *FASHION_MNIST_CLASSES], value=NONE, label="⟂ class (projected out)", elem_id="dir-cond"
                )
            rows = gr.Dropdown(
                list(ROWS), value=ROWS[0], label="ws rows edited (StyleGAN)", visible=False, elem_id="dir-rows"
            )
            find_button = gr.Button("Find directions", variant="primary", elem_id="dir-find")
            summary = gr.Markdown(elem_id="dir-summary")
        with gr.Column(scale=1):
            edited = gr.Image(
                label="Current sample, moved along the direction",
                type="pil",
                format="png",
                height=300,
                interactive=False,
                elem_id="dir-image",
                buttons=["download"],
            )
            alpha = gr.Slider(-5, 5, value=initial["alpha"], step=0.1, label="α (σ units)", elem_id="dir-alpha")
            with gr.Row():
                index = gr.Dropdown(
                    [initial["index"]],
                    value=initial["index"],
                    label="Direction",
                    allow_custom_value=True,  # a shared link names a direction found only once the link opens
                    elem_id="dir-index",
                )
                seed = gr.Number(
                    initial["seed"], label="Seed", precision=0, minimum=0, maximum=latent.MAX_SEED, elem_id="dir-seed"
                )
            source = gr.Textbox("", visible=False, elem_id="dir-source")
        with gr.Column(scale=2):
            grid = gr.Image(
                label="Top directions (rows) from −3σ to +3σ (columns)",
                show_label=False,  # the rows and columns are labelled in the picture; a label would cover them
                type="pil",
                format="png",
                interactive=False,
                buttons=["download"],
                elem_id="dir-grid",
            )
            with gr.Row():
                scores = gr.Plot(label="How much each direction matters", elem_id="dir-scores")
                grid_file = gr.File(label="Grid (PNG)", elem_id="dir-grid-file")
    with gr.Accordion(
        "My labels: click seeds with and without an attribute", open=False, elem_id="dir-labels"
    ) as labels_box:
        with gr.Row():
            with gr.Column(scale=1):
                mark = gr.Radio(
                    ["with the attribute", "without it"], value="with the attribute", label="A click puts the seed"
                )
                with_seeds = gr.Textbox("4, 31, 35, 53", label="With (seeds)", elem_id="dir-with")
                without_seeds = gr.Textbox("0, 5, 30, 45", label="Without (seeds)", elem_id="dir-without")
                base_seed = gr.Number(0, label="Seed grid starts at", precision=0, minimum=0, maximum=latent.MAX_SEED)
            with gr.Column(scale=3):
                gallery = gr.Gallery(
                    label="Seed grid (captions: seeds)",
                    columns=GRID_SIDE,
                    height="auto",
                    allow_preview=False,
                    elem_id="dir-gallery",
                )
    with gr.Row(elem_id="dir-invert-row"):
        with gr.Column(scale=1):
            upload = gr.Image(label="Invert an image (upload)", type="pil", height=200, elem_id="dir-upload")
            with gr.Row():
                test_index = gr.Number(0, label="…or Fashion-MNIST test image #", precision=0, minimum=0, maximum=9999)
                steps = gr.Slider(20, 1000, value=300, step=10, label="Steps", elem_id="dir-steps")
            invert_button = gr.Button("Invert", variant="primary", elem_id="dir-invert")
        with gr.Column(scale=2):
            inverted = gr.Image(
                label="Target (left) and the model's image of the latent found (right)",
                type="pil",
                format="png",
                interactive=False,
                elem_id="dir-inverted",
            )
            invert_status = gr.Markdown(elem_id="dir-invert-status")
            use_seed = gr.Button("Back to the seed", size="sm", elem_id="dir-use-seed")

    settings = [model, method, target, condition, rows, with_seeds, without_seeds]
    edit_inputs = [*settings, index, alpha, seed, source]
    overview_inputs = [*settings, seed, source, index]
    overview_outputs = [scores, grid, grid_file, index, summary]
    run_edit = functools.partial(render_edit, zoo)
    run_overview = functools.partial(overview, zoo)
    in_page = InPage("direction", edit_inputs.index(alpha), functools.partial(page_inputs, zoo))
    previews.wire("direction_edit", [alpha], run_edit, edit_inputs, edited, preview_options(zoo.settings), in_page)
    fast = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
    heavy = dict(trigger_mode="always_last", **HEAVY)  # GANSpace or a classifier fit: one at a time in the app
    gr.on(
        [find_button.click, model.input, method.input, rows.input, target.input, condition.input, seed.submit],
        run_overview,
        overview_inputs,
        overview_outputs,
        api_name="directions",
        **heavy,
    ).success(run_edit, edit_inputs, edited, api_visibility="undocumented", **fast)
    index.input(run_edit, edit_inputs, edited, api_visibility="undocumented", **fast)

    def controls_for(name: str, label: str):
        """Show what the method and model use: the classes for the classifier, the seed grid for labels, the ws
        rows for StyleGAN models."""
        method_id = METHODS.get(label, label)
        style = name in zoo.names(StyleGenerator)
        return (
            gr.Row(visible=method_id == "classifier"),
            gr.Accordion(open=method_id == "labels"),
            gr.Dropdown(visible=style),
        )

    controls = (controls_for, [model, method], [class_row, labels_box, rows])
    gr.on([model.input, method.input], *controls, api_visibility="private", queue=False)
    forget_source = (lambda: "", [], [source])
    model.input(*forget_source, api_visibility="private", queue=False)
    gr.on(
        [model.input, base_seed.submit],
        functools.partial(seed_grid, zoo),
        [model, base_seed],
        gallery,
        api_visibility="undocumented",
        concurrency_limit=None,
    )

    @user_errors
    def on_pick(with_text, without_text, side, base, evt: gr.SelectData):
        seed = latent.check_seed(base, "the first seed of the grid") + int(evt.index)
        return add_seed(with_text, without_text, side, seed)

    gallery.select(on_pick, [with_seeds, without_seeds, mark, base_seed], [with_seeds, without_seeds])
    # a file that is not a picture: said at once, and cleared (Invert then uses the test image)
    upload.upload(check_upload, upload, None, preprocess=False, queue=False, api_visibility="private").failure(
        lambda: None, None, upload, api_visibility="private", queue=False
    )
    invert_event = invert_button.click(
        functools.partial(invert, zoo),
        [model, upload, test_index, steps],
        [inverted, invert_status, source],
        api_name="invert",
        **HEAVY,
    )
    invert_event.success(run_overview, overview_inputs, overview_outputs, api_visibility="undocumented").success(
        run_edit, edit_inputs, edited, api_visibility="undocumented", **fast
    )
    use_seed.click(lambda: "", None, source, api_visibility="private", queue=False).then(
        run_edit, edit_inputs, edited, api_visibility="undocumented", **fast
    )
    fields = dict(
        model=model,
        method=method,
        cls=target,
        cond=condition,
        rows=rows,
        dir=index,
        alpha=alpha,
        seed=seed,
        pos=with_seeds,
        neg=without_seeds,
    )
    # a link's restore sets the controls and runs these in one event (the handlers above listen to .input)
    renders = [
        controls,
        forget_source,
        (run_overview, overview_inputs, overview_outputs),
        (run_edit, edit_inputs, [edited]),
    ]
    grid_event = (functools.partial(seed_grid, zoo), [model, base_seed], [gallery])
    return TabParts(
        [ModelList(model, lambda: model_names(zoo))],
        Share("directions", fields, renders + [grid_event]),
        opened=[(run_edit, edit_inputs, [edited]), (run_overview, overview_inputs, overview_outputs), grid_event],
    )
