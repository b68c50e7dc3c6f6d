"""Style mixing (StyleGAN, Karras et al., arXiv:1812.04948, Fig. 3): sources across the top, destinations down the
side, and inside each destination with the rows of ws of one resolution band copied from a source."""

import functools

import gradio as gr
import torch
from PIL import Image

from explorer import images, latent
from explorer.ui.common import by_name, download_path, on_gpu, parse_seeds, user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.stylemix.checks import check_noise, stylegan
from explorer.zoo import Zoo

TITLE = "Style mixing (Fig. 3)"
ID = "mixing"
PRESETS = ("coarse", "middle", "fine", "custom")
INITIAL = dict(sources="1, 2, 3, 4, 5", destinations="6, 7, 8, 9", preset="coarse", psi=1.0, cutoff=0)


def layer_range(model: torch.nn.Module, preset: str, first: int, last: int) -> list[int]:
    if preset in latent.PAPER_BANDS:
        return latent.style_bands(model.ws_resolutions)[preset]
    first, last = int(first), int(last)
    if not 0 <= first <= last < model.num_ws:
        raise ValueError(f"the custom range must satisfy 0 ≤ from ≤ to ≤ {model.num_ws - 1}, got {first}–{last}")
    return list(range(first, last + 1))


@user_errors
@on_gpu()
def style_mix(
    zoo: Zoo,
    name: str,
    sources: str,
    destinations: str,
    preset: str,
    first: int,
    last: int,
    psi: float,
    cutoff: int,
    noise_mode: str,
    noise_seed: int,
) -> tuple[Image.Image, str, str]:
    """Fig. 3 grid: sources across the top, destinations down the side, mixes inside; a PNG; the rows used."""
    model = stylegan(zoo, name)
    src, dst = parse_seeds(sources, "sources"), parse_seeds(destinations, "destinations")
    if len(src) > 8 or len(dst) > 8:
        raise ValueError("use at most 8 sources and 8 destinations")
    if not 0 <= float(psi) <= 1.5:
        raise ValueError(f"ψ must be between 0 and 1.5, got {psi}")
    rows = layer_range(model, preset, first, last)
    check_noise(noise_mode, [1.0])
    device = model.w_avg.device
    cut = int(cutoff) if int(cutoff) > 0 else None
    with torch.inference_mode():
        ws_src = model.mapping(model.latents_of(src).to(device), float(psi), cut)
        ws_dst = model.mapping(model.latents_of(dst).to(device), float(psi), cut)
        mixed = latent.mix_rows(ws_dst, ws_src, rows)  # (n_dst, n_src, num_ws, w_dim)
        noise_seed = latent.check_seed(noise_seed, "noise seed")
        synth = functools.partial(model.synthesis, noise_mode=noise_mode, noise_seed=noise_seed)
        top, side = synth(ws_src).clamp(-1, 1), synth(ws_dst).clamp(-1, 1)
        inside = synth(mixed.flatten(0, 1)).clamp(-1, 1)
    blank = torch.ones(1, *top.shape[1:], device=device)  # white corner
    tiles = []
    for i in range(len(dst) + 1):
        if i == 0:
            tiles += [blank, top]
        else:
            tiles += [side[i - 1 : i], inside[(i - 1) * len(src) : i * len(src)]]
    picture = images.grid_image(
        torch.cat(tiles), ncols=len(src) + 1, scale=images.fit_scale(model.resolution, 3), padding=4
    )
    # seeds on the margins, as in the paper's figure: sources over the columns, destinations beside the rows
    grid_width = picture.width
    picture = images.label_rows(picture, ["", *(f"dst {d}" for d in dst)])
    picture = images.label_columns(picture, ["", *(f"src {s}" for s in src)], skip=picture.width - grid_width)
    stem = f"{name}_mix_{preset}_src{'-'.join(map(str, src))}_dst{'-'.join(map(str, dst))}"
    used = f"copied ws rows {rows} (resolutions {[model.ws_resolutions[r] for r in rows]}) from the sources"
    return picture, str(images.save_png(picture, download_path(stem, ".png"))), used


def build(zoo: Zoo, model: gr.Dropdown, num_ws: int, noise_mode: gr.Radio, noise_seed: gr.Number) -> SectionParts:
    """The section's controls and grid, drawn now for the first model; the noise mode and seed are the noise
    section's controls (the grid is synthesised with them too)."""
    first_grid = style_mix(zoo, model.value, **INITIAL, first=0, last=num_ws - 1, noise_mode="const", noise_seed=0)
    c = {"name": model, "noise_mode": noise_mode, "noise_seed": noise_seed}
    with gr.Row():
        with gr.Column(scale=1):
            c["preset"] = gr.Radio(
                list(PRESETS), value=INITIAL["preset"], label="Copy which styles", elem_id="mix-preset"
            )
            c["sources"] = gr.Textbox(
                INITIAL["sources"], label="Sources (top row: styles copied from)", elem_id="mix-src"
            )
            c["destinations"] = gr.Textbox(
                INITIAL["destinations"], label="Destinations (left column)", elem_id="mix-dst"
            )
            with gr.Row():
                c["first"] = gr.Slider(0, num_ws - 1, value=0, step=1, label="custom: from row")
                c["last"] = gr.Slider(0, num_ws - 1, value=num_ws - 1, step=1, label="custom: to row")
            c["psi"] = gr.Slider(0.0, 1.5, value=1.0, step=0.05, label="Truncation ψ (1 = none)", elem_id="mix-psi")
            c["cutoff"] = gr.Slider(0, num_ws, value=0, step=1, label="ψ on the first rows only (0 = all)")
        with gr.Column(scale=2):
            grid = gr.Image(
                first_grid[0], label="Style mixing", type="pil", format="png", interactive=False, elem_id="mix-grid"
            )
            used = gr.Markdown(first_grid[2])
            grid_file = gr.File(first_grid[1], label="Grid (PNG)", elem_classes=["aside"])
    names = ("name", "sources", "destinations", "preset", "first", "last", "psi", "cutoff", "noise_mode", "noise_seed")
    mix = (*by_name(functools.partial(style_mix, zoo), {k: c[k] for k in names}), [grid, grid_file, used])
    typed = [c["sources"].submit, c["destinations"].submit, noise_seed.submit]
    moved = [c[k].release for k in ("first", "last", "psi", "cutoff")]
    changed = [model.input, c["preset"].input, noise_mode.input, *typed, *moved]
    gr.on(changed, *mix, api_name="style_mix", concurrency_limit=None, trigger_mode="always_last")
    fields = dict(src=c["sources"], dst=c["destinations"], styles=c["preset"], first=c["first"], last=c["last"])
    return SectionParts(fields=fields | dict(psi=c["psi"], cutoff=c["cutoff"]), renders=[mix])
