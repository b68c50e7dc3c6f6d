"""Directions tab: interpretable directions in the latent space (SeFa, GANSpace, supervised), and inversion.

Pick a model and a method, press **Find directions**: the plot ranks the directions (SeFa's eigenvalues,
GANSpace's explained variance, a boundary's accuracy), the grid shows the top five from −3σ to +3σ, and
the α slider moves the current sample (a seed, or an image inverted below) along the chosen one, through
the preview route like the interpolation slider. For StyleGAN models the edit can be limited to a band of
ws rows (GANSpace's layer-wise edit; SeFa then factorises only those rows' style layers).
**Invert an image**: upload one (or pick a Fashion-MNIST test image); the latent whose image matches it is
found by optimisation (``explorer.inversion``), shown as it improves, and becomes the current sample, so
the sliders edit a real image. The computations are in ``edits`` and ``inversion``; this module lays out and wires.
"""

import functools

import gradio as gr

from explorer import latent
from explorer.data import FASHION_MNIST_CLASSES
from explorer.models import StyleGenerator
from explorer.ui.common import HEAVY, ModelList, by_name, preview_options, user_errors
from explorer.ui.inpage import InPage
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts
from explorer.ui.tabs.directions.edits import (
    GRID_SIDE,
    METHODS,
    NONE,
    ROWS,
    add_seed,
    model_names,
    overview,
    page_inputs,
    render_edit,
    seed_grid,
)
from explorer.ui.tabs.directions.inversion import check_upload, invert
from explorer.zoo import Zoo

NOTE = """**What you are seeing.** Directions in the latent space that change one thing about the image.
**SeFa** (Shen & Zhou 2021) reads them off the weights: the first layer maps the latent linearly, y = A·z,
so the top eigenvectors of AᵀA are the directions that move y the most; no sampling. **GANSpace**
(Härkönen et al. 2020) samples 10 000 latents and takes the principal components of the first layer's
activations (of w for StyleGAN). **Classifier** (InterFaceGAN's idea) fits a linear boundary between samples of a
class and the rest and walks along its normal; **My labels** is DCGAN's Fig. 8 attribute vector: the mean z of the
seeds you mark *with* an attribute minus the mean of those *without*. α is in units of σ, the spread of the
latents along that direction. **Invert an image** finds the latent of an uploaded image, so you can edit it."""

# the controls each handler takes, by its parameter names (a dict's order is the event's input order: the
# positional API and the preview route's arguments; the handler gets them by name, ``common.by_name``)
SETTINGS = ("name", "method", "target", "condition", "rows", "with_seeds", "without_seeds")
EDIT = (*SETTINGS, "index", "alpha", "seed", "source")
OVERVIEW = (*SETTINGS, "seed", "source", "index")


def _sample_controls(names: list[str]) -> dict:
    """The model, method and their options (left), the edited sample with α, the direction and the seed (middle),
    the grid of the top directions and their scores (right); by the handlers' parameter names."""
    c = {}
    with gr.Row():
        with gr.Column(scale=1):
            c["name"] = gr.Dropdown(names, value=names[0], label="Model", elem_id="dir-model")
            c["method"] = gr.Radio(list(METHODS), value=list(METHODS)[0], label="Method", elem_id="dir-method")
            with gr.Row(visible=False) as c["class_row"]:
                c["target"] = gr.Dropdown(
                    list(FASHION_MNIST_CLASSES), value="Trouser", label="Towards class", elem_id="dir-class"
                )
                c["condition"] = gr.Dropdown(
                    [NONE, *FASHION_MNIST_CLASSES], value=NONE, label="⟂ class (projected out)", elem_id="dir-cond"
                )
            c["rows"] = gr.Dropdown(
                list(ROWS), value=ROWS[0], label="ws rows edited (StyleGAN)", visible=False, elem_id="dir-rows"
            )
            c["find"] = gr.Button("Find directions", variant="primary", elem_id="dir-find")
            c["summary"] = gr.Markdown(elem_id="dir-summary")
        with gr.Column(scale=1):
            c["edited"] = gr.Image(
                label="Current sample, moved along the direction",
                type="pil",
                format="png",
                height=300,
                interactive=False,
                elem_id="dir-image",
                buttons=["download"],
            )
            c["alpha"] = gr.Slider(-5, 5, value=0.0, step=0.1, label="α (σ units)", elem_id="dir-alpha")
            with gr.Row():
                c["index"] = gr.Dropdown(
                    ["0 · SeFa 0"],
                    value="0 · SeFa 0",
                    label="Direction",
                    allow_custom_value=True,  # a shared link names a direction found only once the link opens
                    elem_id="dir-index",
                )
                c["seed"] = gr.Number(
                    0, label="Seed", precision=0, minimum=0, maximum=latent.MAX_SEED, elem_id="dir-seed"
                )
            c["source"] = gr.Textbox("", visible=False, elem_id="dir-source")
        with gr.Column(scale=2):
            c["grid"] = gr.Image(
                label="Top directions (rows) from −3σ to +3σ (columns)",
                show_label=False,  # the rows and columns are labelled in the picture; a label would cover them
                type="pil",
                format="png",
                interactive=False,
                buttons=["download"],
                elem_id="dir-grid",
            )
            with gr.Row():
                c["scores"] = gr.Plot(label="How much each direction matters", elem_id="dir-scores")
                c["grid_file"] = gr.File(label="Grid (PNG)", elem_id="dir-grid-file")
    return c


def _label_controls() -> dict:
    """My labels: the seed grid to click and the two groups of seeds (with and without the attribute)."""
    c = {}
    with gr.Accordion("My labels: click seeds with and without an attribute", open=False, elem_id="dir-labels") as c[
        "labels_box"
    ]:
        with gr.Row():
            with gr.Column(scale=1):
                c["mark"] = gr.Radio(
                    ["with the attribute", "without it"], value="with the attribute", label="A click puts the seed"
                )
                c["with_seeds"] = gr.Textbox("4, 31, 35, 53", label="With (seeds)", elem_id="dir-with")
                c["without_seeds"] = gr.Textbox("0, 5, 30, 45", label="Without (seeds)", elem_id="dir-without")
                c["base_seed"] = gr.Number(
                    0, label="Seed grid starts at", precision=0, minimum=0, maximum=latent.MAX_SEED
                )
            with gr.Column(scale=3):
                c["gallery"] = gr.Gallery(
                    label="Seed grid (captions: seeds)",
                    columns=GRID_SIDE,
                    height="auto",
                    allow_preview=False,
                    elem_id="dir-gallery",
                )
    return c


def _inversion_controls() -> dict:
    """Invert an image: the upload or a test image's number, the steps, the progress pair and its status."""
    c = {}
    with gr.Row(elem_id="dir-invert-row"):
        with gr.Column(scale=1):
            c["upload"] = gr.Image(label="Invert an image (upload)", type="pil", height=200, elem_id="dir-upload")
            with gr.Row():
                c["test_index"] = gr.Number(
                    0, label="…or Fashion-MNIST test image #", precision=0, minimum=0, maximum=9999
                )
                c["steps"] = gr.Slider(20, 1000, value=300, step=10, label="Steps", elem_id="dir-steps")
            c["invert"] = gr.Button("Invert", variant="primary", elem_id="dir-invert")
        with gr.Column(scale=2):
            c["inverted"] = gr.Image(
                label="Target (left) and the model's image of the latent found (right)",
                type="pil",
                format="png",
                interactive=False,
                elem_id="dir-inverted",
            )
            c["invert_status"] = gr.Markdown(elem_id="dir-invert-status")
            c["use_seed"] = gr.Button("Back to the seed", size="sm", elem_id="dir-use-seed")
    return c


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    names = model_names(zoo)
    gr.Markdown(NOTE, elem_classes=["note"])
    if not names:
        gr.Markdown("No DCGAN or StyleGAN generator in the zoo.")
        return None
    c = _sample_controls(names) | _label_controls() | _inversion_controls()
    run_edit, edit_inputs = by_name(functools.partial(render_edit, zoo), {k: c[k] for k in EDIT})
    run_overview, overview_inputs = by_name(functools.partial(overview, zoo), {k: c[k] for k in OVERVIEW})
    edit = (run_edit, edit_inputs, [c["edited"]])
    found = (run_overview, overview_inputs, [c["scores"], c["grid"], c["grid_file"], c["index"], c["summary"]])
    in_page = InPage("direction", edit[1].index(c["alpha"]), functools.partial(page_inputs, zoo))  # EDIT's order
    previews.wire("direction_edit", [c["alpha"]], *edit[:2], c["edited"], preview_options(zoo.settings), in_page)
    controls, forget_source, grid_event = _wire_choices(zoo, c, edit, found)
    _wire_inversion(zoo, c, edit, found)
    fields = dict(
        model=c["name"],
        method=c["method"],
        cls=c["target"],
        cond=c["condition"],
        rows=c["rows"],
        dir=c["index"],
        alpha=c["alpha"],
        seed=c["seed"],
        pos=c["with_seeds"],
        neg=c["without_seeds"],
    )
    # a link's restore sets the controls and runs these in one event (the handlers above listen to .input)
    renders = [controls, forget_source, found, edit, grid_event]
    return TabParts(
        [ModelList(c["name"], lambda: model_names(zoo))],
        Share("directions", fields, renders),
        opened=[edit, found, grid_event],
    )


FAST = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")


def _wire_choices(zoo: Zoo, c: dict, edit: tuple, found: tuple) -> tuple:
    """The directions found again when a setting changes, the edit when α's direction changes, the controls each
    method and model use, the seed grid and its clicks; returns the renders a link's restore also runs."""
    heavy = dict(trigger_mode="always_last", **HEAVY)  # GANSpace or a classifier fit: one at a time in the app
    changed = ["find", "name", "method", "rows", "target", "condition"]
    gr.on(
        [c[k].click if k == "find" else c[k].input for k in changed] + [c["seed"].submit],
        *found,
        api_name="directions",
        **heavy,
    ).success(*edit, api_visibility="undocumented", **FAST)
    c["index"].input(*edit, api_visibility="undocumented", **FAST)

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

    controls = (controls_for, [c["name"], c["method"]], [c["class_row"], c["labels_box"], c["rows"]])
    gr.on([c["name"].input, c["method"].input], *controls, api_visibility="private", queue=False)
    forget_source = (lambda: "", [], [c["source"]])
    c["name"].input(*forget_source, api_visibility="private", queue=False)
    grid_event = (functools.partial(seed_grid, zoo), [c["name"], c["base_seed"]], [c["gallery"]])
    gr.on([c["name"].input, c["base_seed"].submit], *grid_event, api_visibility="undocumented", concurrency_limit=None)

    @user_errors
    def on_pick(with_text, without_text, side, base, evt: gr.SelectData):
        seed = latent.check_seed(base, "the first seed of the grid") + int(evt.index)
        return add_seed(with_text, without_text, side, seed)

    groups = [c["with_seeds"], c["without_seeds"]]
    c["gallery"].select(on_pick, [*groups, c["mark"], c["base_seed"]], groups)
    return controls, forget_source, grid_event


def _wire_inversion(zoo: Zoo, c: dict, edit: tuple, found: tuple) -> None:
    """An upload checked at once; Invert streams its progress, then the directions and the edit of the inverted
    image; *Back to the seed* forgets it."""
    # a file that is not a picture: said at once, and cleared (Invert then uses the test image)
    c["upload"].upload(
        check_upload, c["upload"], None, preprocess=False, queue=False, api_visibility="private"
    ).failure(lambda: None, None, c["upload"], api_visibility="private", queue=False)
    invert_event = c["invert"].click(
        functools.partial(invert, zoo),
        [c["name"], c["upload"], c["test_index"], c["steps"]],
        [c["inverted"], c["invert_status"], c["source"]],
        api_name="invert",
        **HEAVY,
    )
    invert_event.success(*found, api_visibility="undocumented").success(*edit, api_visibility="undocumented", **FAST)
    c["use_seed"].click(lambda: "", None, c["source"], api_visibility="private", queue=False).then(
        *edit, api_visibility="undocumented", **FAST
    )
