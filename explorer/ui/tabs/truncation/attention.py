"""Inside BigGAN: the self-attention map of a clicked position (SAGAN, Zhang et al., arXiv:1805.08318).

At 16×16 each position j attends to the 8×8 max-pooled positions i with weights β_{j,i} = softmax_i(θ(x_j)ᵀφ(x_i));
the block adds γ·o to its input."""

import functools

import gradio as gr
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageOps

from explorer import images
from explorer.ui import share
from explorer.ui.common import by_values, user_errors
from explorer.ui.tabs.truncation.shared import (
    CHOSEN,
    GRID_COLUMNS,
    GRID_PADDING,
    GRID_SCALE,
    GRID_SIZE,
    chosen_sample,
    small_biggan,
)
from explorer.zoo import Zoo

TITLE, ID = "Self-attention", "attention"
INSIDE_SAMPLE_SCALE = 8  # the clickable sample: 32 × 8 = 256 px
NAMES = (*CHOSEN, "qx", "qy")  # render_attention's settings: the sample, the query pixel


def grid_index(x: int, y: int) -> int | None:
    """The sample (0–15) under pixel (x, y) of the 16-sample grid, None on the padding."""
    cell = (32 + GRID_PADDING) * GRID_SCALE
    col, dx = divmod(int(x) - GRID_PADDING * GRID_SCALE, cell)
    row, dy = divmod(int(y) - GRID_PADDING * GRID_SCALE, cell)
    rows = GRID_SIZE // GRID_COLUMNS
    inside = 0 <= col < GRID_COLUMNS and 0 <= row < rows and dx < 32 * GRID_SCALE and dy < 32 * GRID_SCALE
    return row * GRID_COLUMNS + col if inside else None


def attention_map(weights: torch.Tensor, qx: int, qy: int, side: int = 32) -> torch.Tensor:
    """The attention of the query under image pixel (qx, qy) over the keys, upsampled to the image: (side, side).

    ``weights`` (hw, hw/4) of one sample, at the block's resolution r = √hw; keys on the 2×-pooled (r/2)² grid."""
    r = int(round(weights.shape[0] ** 0.5))
    if not (0 <= qx < side and 0 <= qy < side):
        raise ValueError(f"the pixel must be inside the {side}×{side} sample, got ({qx}, {qy})")
    query = (qy * r // side) * r + qx * r // side
    keys = weights[query].view(1, 1, r // 2, r // 2)
    return F.interpolate(keys, size=(side, side), mode="nearest")[0, 0]


def _overlay(sample: torch.Tensor, heat: torch.Tensor, qx: int, qy: int, r: int) -> Image.Image:
    """The sample (grey) under the attention map (transparent → red → yellow), the query's cell outlined in cyan."""
    scale = INSIDE_SAMPLE_SCALE
    grey = images.image(sample, scale).convert("RGB")
    normalised = heat / heat.max().clamp_min(1e-12)  # the strongest key = full colour
    heat_l = images.image((normalised * 2 - 1)[None, None], scale)  # [0, 1] → [-1, 1] → "L"
    coloured = ImageOps.colorize(heat_l, black="#000000", mid="#d62728", white="#ffdd00")
    picture = Image.composite(coloured, grey, heat_l.point(lambda v: int(v * 0.8)))
    cell = 32 // r * scale  # one query position of the block = this many display pixels
    x0, y0 = qx * r // 32 * cell, qy * r // 32 * cell
    ImageDraw.Draw(picture).rectangle([x0, y0, x0 + cell - 1, y0 + cell - 1], outline="#00e5ff", width=3)
    return picture


@user_errors
def render_attention(zoo: Zoo, values: dict) -> tuple[Image.Image, Image.Image, str]:
    """(the enlarged sample, its attention map for the query pixel (qx, qy) of the 32×32 sample, a caption);
    ``values`` by the names of ``NAMES``."""
    model = small_biggan(zoo, values["model"])
    z, vector = chosen_sample(model, values)
    qx, qy = int(values["qx"]), int(values["qy"])
    with torch.inference_mode():
        sample, weights = model.attention_maps(z, vector)
    r = int(round(weights.shape[1] ** 0.5))
    heat = attention_map(weights[0], qx, qy)
    gamma = float(model.attention.gamma.detach())
    caption = (
        f"Query ({qx}, {qy}) = position ({qx * r // 32}, {qy * r // 32}) of the {r}×{r} block; its weights over the "
        f"{r // 2}×{r // 2} keys sum to {float(weights[0].sum(-1).mean()):.3f}, the largest is "
        f"{float(heat.max()):.3f} (uniform: {1 / (r // 2) ** 2:.3f}). γ = {gamma:.3f}."
    )
    return images.image(sample, INSIDE_SAMPLE_SCALE), _overlay(sample, heat, qx, qy, r), caption


def click_pixel(event: gr.SelectData) -> tuple[int, int]:
    """The 32×32 pixel under a click on the enlarged sample."""
    x, y = event.index
    return min(int(x) // INSIDE_SAMPLE_SCALE, 31), min(int(y) // INSIDE_SAMPLE_SCALE, 31)


def click_sample(current: int, event: gr.SelectData) -> int:
    """The sample number under a click on the grid of 16 (unchanged on the padding)."""
    index = grid_index(*event.index)
    return current if index is None else index


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The chosen sample (click a pixel: the query) beside where that position attends, and the caption; drawn with
    the other inside views (``inside.render_inside``), redrawn alone on a click. ``controls`` by name (``NAMES``)."""
    c = controls
    picture = dict(type="pil", format="png", interactive=False)
    with gr.Row():
        sample = gr.Image(None, label="The sample: click a pixel", elem_id="trunc-inside-sample", **picture)
        attention = gr.Image(
            None, label="Where that position attends (cyan: the query)", elem_id="trunc-attention", **picture
        )
    caption = gr.Markdown("", elem_id="trunc-attention-caption")
    named = {k: c[k] for k in NAMES}
    render = (*by_values(functools.partial(render_attention, zoo), named), [sample, attention, caption])
    settled = dict(concurrency_limit=None, trigger_mode="always_last", show_progress="hidden")
    quiet = dict(api_visibility="undocumented", **settled)
    sample.select(click_pixel, None, [c["qx"], c["qy"]], **quiet).then(*render, **quiet)
    return share.SectionParts(renders=[render])
