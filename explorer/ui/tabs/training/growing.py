"""ProGAN at every stage: one trained model's outputs at 4², 8², 16² and 32², and a fade-in scrubbed by α.

A section of the Training tab (where ProGAN is trained: its plot marks each resolution phase and its sample
timeline shows the growth); ``?tab=training&section=growing`` opens it. A progressively grown generator keeps a
toRGB layer for every resolution, so one checkpoint renders the same latent at each of them; during the fade-in of
level ℓ the image is (1 − α)·upsample(toRGB_{ℓ−1}) + α·toRGB_ℓ(block_ℓ) (``explorer.models.progan``).
"""

import gradio as gr
import torch
from PIL import Image

from explorer import images
from explorer.models.progan import ProGANGenerator, side, upsample_to
from explorer.ui.common import ModelList, on_gpu, parse_seeds, user_errors
from explorer.ui.share import SectionParts
from explorer.zoo import Zoo

NOTE = """**ProGAN: one model at every resolution** (Karras et al. 2018). Training started at 4×4 and doubled the
resolution three times; each new block was *faded in*: its image is (1 − α) · the previous resolution's image,
upsampled, + α · the new block's. The generator keeps a toRGB layer per resolution, so the same z can be drawn at
each. Left: each latent (row) at 4², 8², 16², 32². Right: the fade-in of the chosen level, α = 0 (exactly the
lower resolution, upsampled) → α = 1 (the new block alone). Train one yourself in *Train one live*: family
*ProGAN*; its loss plot marks each phase and the timeline shows the samples growing. (A level's toRGB layer stops
learning once the next level has faded in, while the blocks beneath it go on changing: the 4² and 8² columns show
the grown network's early features through those old read-outs, not the images the 4² stage drew; the Training
tab's timeline keeps those.)"""
TITLE = "ProGAN: growing"
ID = "growing"
TILE = 96  # every tile is shown at this side, whatever its resolution (nearest upsampling: the pixels stay visible)
MAX_ROWS = 6


def model_names(zoo: Zoo) -> list[str]:
    return zoo.names(ProGANGenerator)


def _model(zoo: Zoo, name: str) -> ProGANGenerator:
    return zoo.require(name, ProGANGenerator, what="a ProGAN")


def _tiles(columns: list[torch.Tensor], resolution: int) -> Image.Image:
    """Columns of (n, c, h, w) images (any sides) as one grid, row i = latent i, each tile upsampled alike."""
    scale = max(1, TILE // resolution)
    stacked = torch.stack([upsample_to(c, resolution) for c in columns], dim=1).flatten(0, 1)
    return images.grid_image(stacked.clamp(-1, 1), ncols=len(columns), scale=scale)


@torch.inference_mode()
def resolution_grid(model: ProGANGenerator, seeds: list[int]) -> Image.Image:
    """Each seed's latent (a row) at every level's resolution, α = 1, the columns labelled."""
    z = model.latents_of(seeds).to(next(model.parameters()).device)
    levels = range(model.config.max_level + 1)
    picture = _tiles([model.synthesize(z, level) for level in levels], model.config.resolution)
    return images.label_columns(picture, [f"{side(level)}²" for level in levels])


def level_of(choice: str, model: ProGANGenerator) -> int:
    """ "16²" → its level; a clear error for a side the model does not grow to."""
    sides = {f"{side(level)}²": level for level in range(1, model.config.max_level + 1)}
    if choice not in sides:
        raise ValueError(f"choose the level to fade in: one of {', '.join(sides)}")
    return sides[choice]


@torch.inference_mode()
def fade_grid(model: ProGANGenerator, seeds: list[int], level: int, alpha: float) -> tuple[Image.Image, str]:
    """(rows: α = 0 | α | α = 1 at ``level``, a readout of how far the blend is from each end)."""
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"α must be between 0 and 1, got {alpha}")
    z = model.latents_of(seeds).to(next(model.parameters()).device)
    ends = model.synthesize(z, level, 0.0), model.synthesize(z, level, 1.0)
    blend = model.synthesize(z, level, alpha)
    picture = _tiles([ends[0], blend, ends[1]], model.config.resolution)
    low, high = side(level - 1), side(level)
    labels = ["α = 0", f"α = {alpha:.2f}", "α = 1"]
    to_low, to_high = ((blend - end).abs().mean().item() for end in ends)
    text = (
        f"Fading in {high}²: α = 0 is the {low}² image upsampled, α = 1 the new {high}² block alone. "
        f"Mean |image − α = 0 image| = {to_low:.3f}, mean |image − α = 1 image| = {to_high:.3f} "
        f"(pixels in [−1, 1]). The blend is linear: the two distances are in the ratio α : (1 − α). In training, "
        f"this model reached {side(model.level)}² at α = {model.alpha:.2f}."
    )
    return images.label_columns(picture, labels, font_size=16), text


@user_errors
@on_gpu()
def render(zoo: Zoo, name: str, seeds_text: str, level_choice: str, alpha: float):
    model = _model(zoo, name)
    seeds = parse_seeds(seeds_text, "of latents", limit=MAX_ROWS, how="type seeds like 0, 1, 2, 3")
    return resolution_grid(model, seeds), *fade_grid(model, seeds, level_of(level_choice, model), alpha)


@user_errors
def render_fade(zoo: Zoo, name: str, seeds_text: str, level_choice: str, alpha: float):
    model = _model(zoo, name)
    seeds = parse_seeds(seeds_text, "of latents", limit=MAX_ROWS, how="type seeds like 0, 1, 2, 3")
    return fade_grid(model, seeds, level_of(level_choice, model), alpha)


def build(zoo: Zoo) -> SectionParts:
    """The section; its model list, for the Training tab to refresh when it saves a ProGAN."""
    names = model_names(zoo)
    with gr.Column(elem_id="train-growing-section"):
        gr.Markdown(NOTE, elem_classes=["note"])
        if not names:
            gr.Markdown("No ProGAN in the zoo: train one in *Train one live* (family *ProGAN*) and save it.")
            return SectionParts()
        model0 = _model(zoo, names[0])
        sides = [f"{side(level)}²" for level in range(1, model0.config.max_level + 1)]
        every0, fade0, text0 = render(zoo, names[0], "0, 1, 2, 3", sides[-1], 0.5)
        with gr.Row():  # the controls beside both images: one 1280×720 view in presentation mode
            with gr.Column(scale=0, min_width=340):
                model = gr.Dropdown(names, value=names[0], label="Model", elem_id="grow-model")
                seeds = gr.Textbox("0, 1, 2, 3", label="Seeds (a row each)", elem_id="grow-seeds")
                level = gr.Radio(sides, value=sides[-1], label="Fade in", elem_id="grow-level")
                alpha = gr.Slider(0, 1, value=0.5, step=0.05, label="α: the new block's share", elem_id="grow-alpha")
            with gr.Column(scale=4, min_width=430):
                gr.Markdown("**Every resolution** (α = 1), one row per seed")
                every = gr.Image(
                    every0, type="pil", format="png", interactive=False, show_label=False, elem_id="grow-every"
                )
            with gr.Column(scale=3, min_width=330):
                gr.Markdown("**The fade-in** of the chosen level")
                fade = gr.Image(
                    fade0, type="pil", format="png", interactive=False, show_label=False, elem_id="grow-fade"
                )
        readout = gr.Markdown(text0, elem_id="grow-text")
    inputs = [model, seeds, level, alpha]
    quiet = dict(show_progress="hidden", api_visibility="undocumented")
    gr.on(
        [model.change, seeds.submit, level.input],
        lambda *a: render(zoo, *a),
        inputs,
        [every, fade, readout],
        api_name="progan_stages",
        show_progress="hidden",
    )
    alpha.input(
        lambda *a: render_fade(zoo, *a),
        inputs,
        [fade, readout],
        trigger_mode="always_last",
        concurrency_limit=None,
        **quiet,
    )
    return SectionParts(model_lists=[ModelList(model, lambda: model_names(zoo))])
