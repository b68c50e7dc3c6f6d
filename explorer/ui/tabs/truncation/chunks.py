"""Inside BigGAN: the hierarchical latent. z is cut into chunks; chunk 0 feeds the 4×4 projection, each later chunk
joins the class embedding to condition one block; redrawing one chunk alone shows what it controls."""

import functools

import gradio as gr
import torch
from PIL import Image

from explorer import images, latent
from explorer.models.biggan import BigGANGenerator
from explorer.ui import share
from explorer.ui.common import by_values, download_path, user_errors
from explorer.ui.tabs.truncation.shared import CHOSEN, chosen_sample, small_biggan
from explorer.zoo import Zoo

TITLE, ID = "Hierarchical z", "chunks"
CHUNK_REDRAWS = 7  # redraws per chunk in the hierarchical-z grid
NAMES = (*CHOSEN, "redraw")  # render_chunks's settings: the sample, the seed of the redrawn chunks


def chunk_rows(model: BigGANGenerator, z: torch.Tensor, vector: torch.Tensor, redraw_seed: int, threshold) -> list:
    """One batch per chunk k: the sample, then ``CHUNK_REDRAWS`` copies with chunk k redrawn (seeds redraw_seed …),
    every other chunk kept; and the mean |Δ pixel| each chunk's redraws cause."""
    t = latent.truncation_threshold(threshold)
    fresh = model.sample_latent(CHUNK_REDRAWS, latent.check_seed(redraw_seed, "redraw seed"), truncation=t).to(z.device)
    rows, changes = [], []
    chunk = model.config.chunk
    with torch.inference_mode():
        original = model(z, vector)
        for k in range(model.config.num_blocks + 1):
            redrawn = model.with_chunk(z.expand(CHUNK_REDRAWS, -1), k, fresh[:, k * chunk : (k + 1) * chunk])
            out = model(redrawn, vector.expand(CHUNK_REDRAWS, -1))
            rows.append(torch.cat([original, out]))
            changes.append(float((out - original).abs().mean()))
    return rows, changes


@user_errors
def render_chunks(zoo: Zoo, values: dict) -> tuple[Image.Image, str]:
    """Rows = z chunks, columns = the sample then 7 redraws of that chunk alone; each row labelled with what the
    chunk feeds and the mean |Δ pixel| its redraws cause. ``values`` by the names of ``NAMES``."""
    model = small_biggan(zoo, values["model"])
    z, vector = chosen_sample(model, values)
    rows, changes = chunk_rows(model, z, vector, values["redraw"], values["threshold"])
    grid = images.grid_image(torch.cat(rows), ncols=CHUNK_REDRAWS + 1, scale=3)
    labels = [f"z{k}: {what}, Δ {c:.2f}" for k, (what, c) in enumerate(zip(model.chunk_names(), changes, strict=True))]
    picture = images.label_rows(grid, labels)
    margin = picture.width - grid.width
    picture = images.label_columns(picture, ["sample"] + [f"redraw {i + 1}" for i in range(CHUNK_REDRAWS)], skip=margin)
    stem = f"{values['model']}_z-chunks_seed{int(values['seed'])}_sample{int(values['index'])}"
    return picture, str(images.save_png(picture, download_path(f"{stem}_redraw{int(values['redraw'])}", ".png")))


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The chunk grid and its PNG, redrawn alone when the redraw seed is set. ``controls`` by name (``NAMES``)."""
    c = controls
    with gr.Row():
        with gr.Column(scale=3):
            grid = gr.Image(
                None,
                label="Hierarchical z: each row redraws one chunk, the rest kept",
                type="pil",
                format="png",
                interactive=False,
                elem_id="trunc-chunks",
            )
        with gr.Column(scale=1):
            file = gr.File(None, label="z chunks (PNG)")
    render = (*by_values(functools.partial(render_chunks, zoo), {k: c[k] for k in NAMES}), [grid, file])
    quiet = dict(api_visibility="undocumented", concurrency_limit=None, trigger_mode="always_last")
    gr.on([c["redraw"].submit, c["redraw"].blur], *render, show_progress="hidden", **quiet)
    return share.SectionParts(renders=[render])
