"""The BigGAN tab's grid of 16 samples of the mixed class at the threshold; a click on one picks it for the
inside views."""

import functools

import gradio as gr
import torch
from PIL import Image

from explorer import images, latent
from explorer.ui import share
from explorer.ui.common import download_path, on_gpu, user_errors
from explorer.ui.tabs.truncation.shared import (
    GRID_COLUMNS,
    GRID_PADDING,
    GRID_SCALE,
    GRID_SIZE,
    biggan,
    class_vector,
    generate,
)
from explorer.ui.tabs.truncation.sweep import render_sweep
from explorer.zoo import Zoo

TITLE, ID = "Samples", "samples"
FAST = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")


@user_errors
@on_gpu()
def render_samples(
    zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, threshold: float, seed: int, n: int = GRID_SIZE
) -> tuple[Image.Image, str]:
    """A grid of ``n`` samples (seeds seed … seed + n − 1) of the mixed class at the threshold, and a PNG."""
    model = biggan(zoo, name)
    vector = class_vector(model, class_a, class_b, alpha)
    t = latent.truncation_threshold(threshold)
    z = model.sample_latent(int(n), latent.check_seed(seed, "seed"), truncation=t)
    with torch.inference_mode():
        samples = generate(model, z, vector.expand(int(n), -1), t)
    picture = images.grid_image(samples, ncols=GRID_COLUMNS, scale=GRID_SCALE, padding=GRID_PADDING)
    stem = f"{name}_{class_a}-{class_b}_a{float(alpha):g}_t{float(threshold):g}_seed{int(seed)}"
    return picture, str(images.save_png(picture, download_path(stem, ".png")))


@user_errors
def caption(seed) -> str:
    """The grid's caption with its seeds: written above the image, never over it (a label over the image hid the
    first row on a projector: issue #33)."""
    first = latent.check_seed(seed, "seed")
    return f"**{GRID_SIZE} samples**, seeds {first} … {first + GRID_SIZE - 1} (click one to look inside)"


@user_errors
def switch_model(zoo: Zoo, name: str, alpha: float, threshold: float, seed: int):
    """A newly picked model: its class lists (A, B = its first two classes), samples and sweep."""
    names = biggan(zoo, name).class_names
    samples = render_samples(zoo, name, names[0], names[1], alpha, threshold, seed)
    sweep = render_sweep(zoo, name, names[0], names[1], alpha, seed)
    return gr.Dropdown(choices=names, value=names[0]), gr.Dropdown(choices=names, value=names[1]), *samples, *sweep


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The grid (drawn at start-up: the tab's main view) and its PNG; it follows the threshold and α as they move,
    the classes and the seed when set. ``controls``: the tab's settings by name (``shared.CHOSEN`` but the index)."""
    c = controls
    names = [c["model"].value, c["a"].value, c["b"].value, c["alpha"].value, c["threshold"].value, c["seed"].value]
    first, png = render_samples(zoo, *names)
    text = gr.Markdown(caption(c["seed"].value), elem_id="trunc-samples-caption")
    grid = gr.Image(
        first,
        label=f"{GRID_SIZE} samples",
        show_label=False,  # the caption above says it; Gradio's label floats over the image's top row
        buttons=[],  # so do its buttons: the PNG is offered below
        type="pil",
        format="png",
        interactive=False,
        elem_id="trunc-samples",
    )
    file = gr.File(png, label="Samples (PNG)")
    inputs = [c["model"], c["a"], c["b"], c["alpha"], c["threshold"], c["seed"]]
    render = (functools.partial(render_samples, zoo), inputs, [grid, file])
    gr.on([c["threshold"].input, c["alpha"].input], *render, api_name="truncation_samples", **FAST)
    events = [c["a"].input, c["b"].input, c["seed"].submit, c["seed"].blur]
    gr.on(events, *render, api_visibility="undocumented", **FAST)
    captioned = (caption, [c["seed"]], [text])
    gr.on([c["seed"].submit, c["seed"].blur], *captioned, api_visibility="undocumented", **FAST)
    return share.SectionParts(renders=[render, captioned])
