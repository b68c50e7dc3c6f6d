"""Alias-free motion (StyleGAN3, Karras et al. 2021, arXiv:2106.12423): drag the input of two StyleGANs the same way.

The tab's model and the one picked here start from the same seed; the sliders translate and rotate what each
synthesis starts from (``explorer.alias_free.drag``): a StyleGAN3's Fourier features glide with the whole
image, a StyleGAN2's 4×4 constant does not carry the picture. The texture-sticking button averages many
images from a small neighbourhood of the latent (the paper's Fig. 1)."""

import functools

import gradio as gr
import torch
import torch.nn.functional as F
from PIL import Image

from explorer import alias_free, images, latent
from explorer.models import StyleGenerator
from explorer.ui.common import ModelList, by_name, on_gpu, user_errors, whole_number
from explorer.ui.share import SectionParts
from explorer.ui.tabs.stylemix.checks import stylegan
from explorer.zoo import Zoo

TITLE = "Alias-free motion (StyleGAN3)"
ID = "motion"
MAX_SHIFT = 16.0  # output pixels each way
MAX_FRAMES = 64
INITIAL = dict(motion_seed=1, motion_psi=0.7)
NOTE = """**Drag the input.** StyleGAN3 samples its input, Fourier features, on a grid that a transform moves
continuously, and every layer low-pass filters around its nonlinearity, so the whole picture follows a
translation or rotation, even by a fraction of a pixel. A StyleGAN2 starts from a learned 4×4 constant: moving
it (resampled) changes the picture but does not carry it along, since the network places details by the pixel
grid and the borders. **Texture sticking** averages images from a small neighbourhood of the latent: details
glued to the screen stay sharp in the average, details that move with the content blur evenly."""


def movable_names(zoo: Zoo) -> list[str]:
    """The style generators whose input this section can move (StyleGAN3, our StyleGAN, StyleGAN2)."""
    movable = {name for kind in alias_free.MOVABLE for name in zoo.names(kind)}
    return [name for name in zoo.names(StyleGenerator) if name in movable]


def beside(zoo: Zoo, name: str | None) -> str | None:
    """The model shown beside the tab's ``name`` at first: an alias-free one (the committed StyleGAN3) where the tab's
    model is not, else the first other movable model, so the pair shows the paper's contrast."""
    others = [n for n in movable_names(zoo) if n != name] or movable_names(zoo)
    alias_free_names = {n for kind in alias_free.ALIAS_FREE for n in zoo.names(kind)}
    if name not in alias_free_names:
        others.sort(key=lambda n: n not in alias_free_names)  # stable: otherwise the zoo's order
    return others[0] if others else None


def side_by_side(pictures: list[torch.Tensor], labels: list[str]) -> Image.Image:
    """Images (1, c, r, r) of any sizes and channel counts, shown at the largest size, labelled above."""
    size = max(p.shape[-1] for p in pictures)
    tiles = [F.interpolate(p.float().cpu(), size=(size, size), mode="nearest").expand(1, 3, -1, -1) for p in pictures]
    picture = images.grid_image(torch.cat(tiles), ncols=len(tiles), scale=images.fit_scale(size, 6), padding=4)
    return images.label_columns(picture, labels)


def _checked(seed, psi: float) -> tuple[int, float]:
    if not 0 <= float(psi) <= 1.5:
        raise ValueError(f"ψ must be between 0 and 1.5, got {psi}")
    return latent.check_seed(seed), float(psi)


@user_errors
@on_gpu()
def motion(
    zoo: Zoo, name: str, other: str, motion_seed: int, motion_psi: float, shift_x: float, shift_y: float, angle: float
) -> Image.Image:
    """Both models' image of the seed with the input moved by (shift_x, shift_y) output pixels and turned ``angle``°."""
    seed, psi = _checked(motion_seed, motion_psi)
    shift = (float(shift_x), float(shift_y))
    if not all(-MAX_SHIFT <= s <= MAX_SHIFT for s in shift):
        raise ValueError(f"the shift must be between {-MAX_SHIFT:g} and {MAX_SHIFT:g} pixels, got {shift}")
    if not -180 <= float(angle) <= 180:
        raise ValueError(f"the angle must be between -180° and 180°, got {angle}")
    pictures = []
    for model in (stylegan(zoo, name), stylegan(zoo, other)):
        ws = model.mapping(model.latents_of([seed]).to(model.w_avg.device), psi)
        pictures.append(alias_free.drag(model, ws, shift, float(angle)))
    return side_by_side(pictures, [name, other])


@user_errors
@on_gpu()
def sticking(zoo: Zoo, name: str, other: str, motion_seed: int, motion_psi: float, frames: int) -> Image.Image:
    """Both models' average of ``frames`` images around the latent of the seed."""
    seed, psi = _checked(motion_seed, motion_psi)
    frames = whole_number(frames, "frames", 1, MAX_FRAMES)
    pictures = [
        alias_free.sticking_average(stylegan(zoo, n), seed, frames=frames, truncation_psi=psi) for n in (name, other)
    ]
    return side_by_side(pictures, [f"{name}: mean of {frames}", f"{other}: mean of {frames}"])


def build(zoo: Zoo, model: gr.Dropdown) -> SectionParts:
    """The section's controls beside the tab's model dropdown; drawn when opened."""
    names = movable_names(zoo)
    c = {"name": model}
    with gr.Row():
        with gr.Column(scale=1):
            c["other"] = gr.Dropdown(
                names, value=beside(zoo, model.value), label="Beside it (the same drag)", elem_id="motion-other"
            )
            c["motion_seed"] = gr.Number(INITIAL["motion_seed"], precision=0, label="Seed", elem_id="motion-seed")
            c["motion_psi"] = gr.Slider(
                0.0, 1.5, value=INITIAL["motion_psi"], step=0.05, label="Truncation ψ", elem_id="motion-psi"
            )
            c["shift_x"] = gr.Slider(
                -MAX_SHIFT, MAX_SHIFT, value=0.0, step=0.25, label="Translate x (pixels)", elem_id="motion-x"
            )
            c["shift_y"] = gr.Slider(
                -MAX_SHIFT, MAX_SHIFT, value=0.0, step=0.25, label="Translate y (pixels)", elem_id="motion-y"
            )
            c["angle"] = gr.Slider(-180, 180, value=0, step=1, label="Rotate (degrees)", elem_id="motion-angle")
            c["frames"] = gr.Slider(2, MAX_FRAMES, value=32, step=1, label="Frames to average")
            stick = gr.Button("Texture sticking: average the frames", elem_id="motion-stick")
        with gr.Column(scale=2):
            gr.Markdown(NOTE, elem_classes=["note"])
            moved = gr.Image(label="Dragged", type="pil", format="png", interactive=False, elem_id="motion-image")
            averaged = gr.Image(label="Average", type="pil", format="png", interactive=False, elem_id="motion-mean")
    keys = ("name", "other", "motion_seed", "motion_psi", "shift_x", "shift_y", "angle")
    render = (*by_name(functools.partial(motion, zoo), {k: c[k] for k in keys}), [moved])
    slid = [c[k].input for k in ("shift_x", "shift_y", "angle")]
    changed = [model.input, c["other"].input, c["motion_seed"].submit, c["motion_psi"].release, *slid]
    gr.on(
        changed, *render, api_name="motion", concurrency_limit=None, trigger_mode="always_last", show_progress="hidden"
    )
    keys = ("name", "other", "motion_seed", "motion_psi", "frames")
    average = (*by_name(functools.partial(sticking, zoo), {k: c[k] for k in keys}), [averaged])
    stick.click(*average, api_name="texture_sticking")
    fields = dict(
        other=c["other"], motion_seed=c["motion_seed"], motion_psi=c["motion_psi"], dx=c["shift_x"], dy=c["shift_y"]
    )
    return SectionParts(
        model_lists=[ModelList(c["other"], lambda: movable_names(zoo))],
        opened=[render] if names else [],
        fields=fields | dict(angle=c["angle"]),
        renders=[render],
    )
