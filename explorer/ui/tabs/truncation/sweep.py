"""The BigGAN tab's sweep: the same 8 seeds at each threshold of ``SWEEP``, one labelled row per threshold, and the
sweep as an animation."""

import functools

import gradio as gr
import torch
from PIL import Image

from explorer import images, latent
from explorer.ui import share
from explorer.ui.common import download_path, on_gpu, user_errors
from explorer.ui.tabs.truncation.shared import biggan, class_vector, generate
from explorer.zoo import Zoo

TITLE, ID = "Sweep", "sweep"
SWEEP = (2.0, 1.5, 1.0, 0.7, 0.5, 0.3, 0.1)  # one row per threshold in the sweep strip
COLUMNS = 8  # seeds seed … seed + 7 in every row
# the row labels' font size as a share of the grid's width: a 1280×720 projector in presentation mode shows the
# sweep (labels included) 424 px wide, where labels drawn at 18 px came out 8 px high (issue #33); at 1/20 they
# are ≥ 16 px there
LABEL_SHARE = 1 / 20


def sweep_rows(zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, seed: int) -> list[torch.Tensor]:
    """The same 8 seeds of the mixed class at each threshold of ``SWEEP`` (2.0 … 0.1): one batch per threshold."""
    model = biggan(zoo, name)
    vector = class_vector(model, class_a, class_b, alpha).expand(COLUMNS, -1)
    seed = latent.check_seed(seed)
    with torch.inference_mode():
        return [generate(model, model.sample_latent(COLUMNS, seed, truncation=t), vector, t) for t in SWEEP]


@user_errors
@on_gpu(20)  # 10 batches of 8 (BigGAN-deep: 128² or 256² each)
def render_sweep(zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, seed: int) -> tuple[Image.Image, str]:
    """One row per threshold in ``SWEEP`` (top: 2.0, bottom: 0.1), labelled, the same 8 seeds in every row."""
    rows = sweep_rows(zoo, name, class_a, class_b, alpha, seed)
    grid = images.grid_image(torch.cat(rows), ncols=COLUMNS, scale=3)
    font_size = max(18, round(grid.width * LABEL_SHARE))
    picture = images.label_rows(grid, [f"|z| ≤ {t:g}" for t in SWEEP], font_size=font_size)
    return picture, str(images.save_png(picture, download_path(f"{name}_truncation-sweep_seed{int(seed)}", ".png")))


@user_errors
def sweep_animation(zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, seed: int) -> list[str]:
    """The sweep animated (GIF, and MP4 where ffmpeg is available): the same 8 seeds, one frame per threshold
    (2.0 → 0.1 and back)."""
    rows = sweep_rows(zoo, name, class_a, class_b, alpha, seed)
    scale = images.fit_scale(rows[0].shape[-1], 3)
    frames = [images.grid_image(row, ncols=COLUMNS, scale=scale) for row in rows]
    path = download_path(f"{name}_truncation-sweep_seed{int(seed)}", ".gif")
    return images.save_animation(frames, path, duration_ms=500, bounce=True)


@user_errors
def caption(seed) -> str:
    """The sweep's caption with its seeds, written above the image (never over its first row: issue #33)."""
    first = latent.check_seed(seed, "seed")
    thresholds = ", ".join(f"{t:g}" for t in SWEEP)
    return f"**Sweep**: rows = thresholds {thresholds}; the same {COLUMNS} seeds {first} … {first + COLUMNS - 1}"


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The sweep (drawn when the tab is opened: 7 thresholds × 8 samples), its PNG and its animation; it follows the
    classes and seed when set and α when released. ``controls``: the tab's settings by name."""
    c = controls
    text = gr.Markdown(caption(c["seed"].value), elem_id="trunc-sweep-caption")
    sweep = gr.Image(
        None,
        label="Sweep",
        show_label=False,  # the caption above says it; Gradio's label floats over the image's first row
        buttons=[],  # so do its buttons: the PNG is offered below
        type="pil",
        format="png",
        interactive=False,
        elem_id="trunc-sweep",
    )
    file = gr.File(None, label="Sweep (PNG)")
    gif_button = gr.Button(f"Sweep as an animation ({images.animation_formats()})")
    gif_file = gr.File(label="Sweep (animation)", file_count="multiple", elem_id="trunc-gif")
    inputs = [c["model"], c["a"], c["b"], c["alpha"], c["seed"]]
    render = (functools.partial(render_sweep, zoo), inputs, [sweep, file])
    events = [c["a"].input, c["b"].input, c["alpha"].release, c["seed"].submit, c["seed"].blur]
    gr.on(events, *render, api_name="truncation_sweep", concurrency_limit=None, trigger_mode="always_last")
    gif_button.click(functools.partial(sweep_animation, zoo), inputs, gif_file, api_name="truncation_animation")
    captioned = (caption, [c["seed"]], [text])
    quiet = dict(api_visibility="undocumented", concurrency_limit=None, show_progress="hidden")
    gr.on([c["seed"].submit, c["seed"].blur], *captioned, **quiet)
    return share.SectionParts(opened=[render], renders=[render, captioned])
