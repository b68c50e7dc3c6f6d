"""Style mixing and noise tab: StyleGAN's Figs. 3 and 5, on any StyleGAN model of the zoo.

Karras et al., arXiv:1812.04948. Every synthesis layer takes its own style (a row of ws), so a
destination image can take the rows of one resolution band from a source image: coarse styles
(4²–8²) carry pose and shape, middle (16²–32²) finer features, fine (64²–1024²) colour and
micro-structure. Per-pixel noise inputs add stochastic detail; their effect is local (Fig. 5).
A 32×32 model has no 64²+ layers: the presets are mapped onto the resolutions it has (shown).
"""

import functools

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import images, latent
from explorer.models import StyleGenerator
from explorer.models.base import NOISE_MODES
from explorer.ui.common import ModelList, download_path, on_gpu, parse_seeds, preview_options, user_errors
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts
from explorer.zoo import Zoo

NOISE_DRAWS = 16  # noise draws for the per-pixel standard-deviation map
NOTE = """**What you are seeing.** StyleGAN (Karras et al. 2019) feeds one style per synthesis layer (rows of
**ws**, one per resolution). *Style mixing* (Fig. 3): each image inside the grid is the destination (left)
with the styles of one band copied from the source (top): **coarse** (4²–8² in the paper) brings pose and
overall shape, **middle** (16²–32²) finer features, **fine** (64²+) colour and texture. *Noise* (Fig. 5):
per-pixel noise, scaled by a learned strength per channel, adds stochastic detail; the standard-deviation map
over 16 noise draws shows where it acts. *Truncation* ψ pulls w towards its mean: w' = w̄ + ψ(w − w̄)."""


def model_names(zoo: Zoo) -> list[str]:
    """Every model with a mapping network and per-layer styles (``StyleGenerator``)."""
    return zoo.names(StyleGenerator)


def _stylegan(zoo: Zoo, name: str) -> torch.nn.Module:
    return zoo.require(name, StyleGenerator, what="a StyleGAN model (w space, styles per layer)")


def band_description(ws_resolutions: list[int]) -> str:
    lines = []
    for name, indices in latent.style_bands(ws_resolutions).items():
        resolutions = sorted({ws_resolutions[i] for i in indices})
        lo, hi = latent.PAPER_BANDS[name]
        shown = (
            "–".join(f"{r}²" for r in (resolutions[0], resolutions[-1]))
            if len(resolutions) > 1
            else f"{resolutions[0]}²"
        )
        lines.append(f"**{name}** (paper {lo}²–{hi}²) → ws rows {indices[0]}–{indices[-1]} ({shown})")
    return "; ".join(lines)


def layer_range(model: torch.nn.Module, preset: str, first: int, last: int) -> list[int]:
    if preset in latent.PAPER_BANDS:
        return latent.style_bands(model.ws_resolutions)[preset]
    first, last = int(first), int(last)
    if not 0 <= first <= last < model.num_ws:
        raise ValueError(f"the custom range must satisfy 0 ≤ from ≤ to ≤ {model.num_ws - 1}, got {first}–{last}")
    return list(range(first, last + 1))


MAX_STRENGTH = 5.0  # what each noise-strength slider allows (the global one and every per-row one)


def _check_noise(mode: str, strengths: list[float], what: str = "noise strengths") -> None:
    """Each slider's own range: a row's effective strength is global × row, up to MAX_STRENGTH²."""
    if mode not in NOISE_MODES:
        raise ValueError(f"noise mode must be one of {NOISE_MODES}, got {mode!r}")
    if any(not 0 <= s <= MAX_STRENGTH for s in strengths):
        raise ValueError(f"{what} must be between 0 and {MAX_STRENGTH:g}")


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
    model = _stylegan(zoo, name)
    src, dst = parse_seeds(sources, "sources"), parse_seeds(destinations, "destinations")
    if len(src) > 8 or len(dst) > 8:
        raise ValueError("use at most 8 sources and 8 destinations")
    if not 0 <= float(psi) <= 1.5:
        raise ValueError(f"ψ must be between 0 and 1.5, got {psi}")
    rows = layer_range(model, preset, first, last)
    _check_noise(noise_mode, [1.0])
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


def heat_map(values: np.ndarray) -> Image.Image:
    """A 2-D array → an RGB heat map (black → red → yellow → white), scaled to its own maximum."""
    v = values / values.max() if values.max() > 0 else values
    rgb = np.stack([np.clip(3 * v, 0, 1), np.clip(3 * v - 1, 0, 1), np.clip(3 * v - 2, 0, 1)], axis=-1)
    return Image.fromarray((rgb * 255).astype(np.uint8))


def _noise_setup(zoo: Zoo, name: str, seed: int, noise_mode: str, strength: float, layer_strengths):
    """(model, ws of the seed, per-row strengths) for the noise panel, every value checked."""
    model = _stylegan(zoo, name)
    layer_strengths = [float(s) for s in layer_strengths]
    if not layer_strengths:
        raise ValueError("give at least one per-layer noise strength")
    _check_noise(noise_mode, [float(strength)], "the global noise strength")
    _check_noise(noise_mode, layer_strengths, "per-row noise strengths")
    strengths = [float(strength) * s for s in layer_strengths]
    if len(strengths) != model.num_ws:  # sliders made for another model: map coarse to coarse, fine to fine
        last = len(strengths) - 1
        strengths = [strengths[round(i * last / max(model.num_ws - 1, 1))] for i in range(model.num_ws)]
    with torch.inference_mode():
        ws = model.mapping(model.sample_latent(1, latent.check_seed(seed, "latent seed")).to(model.w_avg.device))
    return model, ws, strengths


def _picture(model, ws: torch.Tensor, strengths: list[float], noise_mode: str, noise_seed: int) -> Image.Image:
    with torch.inference_mode():
        picture = model.synthesis(ws, noise_mode, strengths, latent.check_seed(noise_seed, "noise seed")).clamp(-1, 1)
    return images.image(picture, scale=images.fit_scale(model.resolution, 8))


def _std_map(model, ws: torch.Tensor, strengths: list[float], noise_seed: int, strength: float):
    """(heat map, caption) of the per-pixel std over NOISE_DRAWS noise draws for the same latent."""
    with torch.inference_mode():
        # NOISE_DRAWS draws in one batch: the same latent, independent noise maps from ``noise_seed``
        noise_seed = latent.check_seed(noise_seed, "noise seed")
        draws = model.synthesis(ws.expand(NOISE_DRAWS, -1, -1), "random", strengths, noise_seed)
    std = draws.clamp(-1, 1).std(dim=0).mean(dim=0).cpu().numpy()  # (h, w)
    scale = images.fit_scale(model.resolution, 8)
    heat = heat_map(std).resize((std.shape[1] * scale, std.shape[0] * scale), Image.NEAREST)
    return heat, f"mean per-pixel std over {NOISE_DRAWS} draws: {std.mean():.4f} (global strength {float(strength):g})"


@user_errors
@on_gpu()
def noise_image(
    zoo: Zoo, name: str, seed: int, noise_mode: str, noise_seed: int, strength: float, *layer_strengths: float
) -> Image.Image:
    """Only the image (the preview while a strength slider moves)."""
    model, ws, strengths = _noise_setup(zoo, name, seed, noise_mode, strength, layer_strengths)
    return _picture(model, ws, strengths, noise_mode, noise_seed)


@user_errors
def noise_std(
    zoo: Zoo, name: str, seed: int, noise_mode: str, noise_seed: int, strength: float, *layer_strengths: float
) -> tuple[Image.Image, str]:
    """Only the std map and its caption (a per-layer slider let go: the image is already the preview's)."""
    model, ws, strengths = _noise_setup(zoo, name, seed, noise_mode, strength, layer_strengths)
    return _std_map(model, ws, strengths, noise_seed, strength)


@user_errors
def noise_panel(
    zoo: Zoo, name: str, seed: int, noise_mode: str, noise_seed: int, strength: float, *layer_strengths: float
) -> tuple[Image.Image, Image.Image, str]:
    """The image of ``seed`` with the chosen noise, and the per-pixel std over NOISE_DRAWS random draws."""
    model, ws, strengths = _noise_setup(zoo, name, seed, noise_mode, strength, layer_strengths)
    return _picture(model, ws, strengths, noise_mode, noise_seed), *_std_map(model, ws, strengths, noise_seed, strength)


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    names = model_names(zoo)
    gr.Markdown(NOTE, elem_classes=["note"])
    if not names:
        gr.Markdown("No StyleGAN in the zoo: train one with `python -m trainers stylegan --out …`.")
        return
    model0 = zoo.load(names[0])
    num_ws = model0.num_ws
    mix0 = style_mix(zoo, names[0], "1, 2, 3, 4, 5", "6, 7, 8, 9", "coarse", 0, num_ws - 1, 1.0, 0, "const", 0)
    noise0 = noise_panel(zoo, names[0], 6, "random", 0, 1.0, *([1.0] * num_ws))
    with gr.Row():
        model = gr.Dropdown(names, value=names[0], label="Model", elem_id="mix-model", scale=1)
        with gr.Column(scale=2):
            gr.Markdown(band_description(model0.ws_resolutions), elem_classes=["note"])
    # two sections, two slides (the paper's Fig. 3 and Fig. 5): each one's controls and images in one view
    with gr.Tabs(elem_id="mix-sections") as sections:
        with gr.Tab("Style mixing (Fig. 3)", id="mixing"):
            with gr.Row():
                with gr.Column(scale=1):
                    preset = gr.Radio(
                        ["coarse", "middle", "fine", "custom"],
                        value="coarse",
                        label="Copy which styles",
                        elem_id="mix-preset",
                    )
                    sources = gr.Textbox(
                        "1, 2, 3, 4, 5", label="Sources (top row: styles copied from)", elem_id="mix-src"
                    )
                    destinations = gr.Textbox("6, 7, 8, 9", label="Destinations (left column)", elem_id="mix-dst")
                    with gr.Row():
                        first = gr.Slider(0, num_ws - 1, value=0, step=1, label="custom: from row")
                        last = gr.Slider(0, num_ws - 1, value=num_ws - 1, step=1, label="custom: to row")
                    psi = gr.Slider(0.0, 1.5, value=1.0, step=0.05, label="Truncation ψ (1 = none)", elem_id="mix-psi")
                    cutoff = gr.Slider(0, num_ws, value=0, step=1, label="ψ on the first rows only (0 = all)")
                with gr.Column(scale=2):
                    grid = gr.Image(
                        mix0[0], label="Style mixing", type="pil", format="png", interactive=False, elem_id="mix-grid"
                    )
                    used = gr.Markdown(mix0[2])
                    grid_file = gr.File(mix0[1], label="Grid (PNG)", elem_classes=["aside"])
        with gr.Tab("Noise inputs (Fig. 5)", id="noise"):
            with gr.Row():
                with gr.Column(scale=1):
                    strength = gr.Slider(
                        0, MAX_STRENGTH, value=1.0, step=0.1, label="Global noise strength", elem_id="mix-strength"
                    )
                    noise_mode = gr.Radio(list(NOISE_MODES), value="random", label="Noise", elem_id="mix-noise-mode")
                    resample = gr.Button("🎲 Resample noise (keep the latent)")
                    seed = gr.Number(6, label="Latent seed", precision=0, minimum=0, maximum=latent.MAX_SEED)
                    noise_seed = gr.Number(0, label="Noise seed", precision=0, minimum=0, maximum=latent.MAX_SEED)
                with gr.Column(scale=1):
                    layer_sliders = [
                        gr.Slider(
                            0,
                            MAX_STRENGTH,
                            value=1.0,
                            step=0.1,
                            label=f"row {i}: {r}² noise strength",
                            elem_id=f"mix-layer-{i}",
                        )
                        for i, r in enumerate(model0.ws_resolutions)
                    ]
                with gr.Column(scale=1):
                    noisy = gr.Image(
                        noise0[0], label="Image", type="pil", format="png", interactive=False, elem_id="mix-noisy"
                    )
                with gr.Column(scale=1):
                    heat = gr.Image(
                        noise0[1],
                        label="Per-pixel std over noise draws",
                        type="pil",
                        format="png",
                        interactive=False,
                        elem_id="mix-heat",
                    )
                    heat_text = gr.Markdown(noise0[2])

    mix_inputs = [model, sources, destinations, preset, first, last, psi, cutoff, noise_mode, noise_seed]
    gr.on(
        [
            model.input,
            sources.submit,
            destinations.submit,
            preset.input,
            first.release,
            last.release,
            psi.release,
            cutoff.release,
            noise_mode.input,
            noise_seed.submit,
        ],
        functools.partial(style_mix, zoo),
        mix_inputs,
        [grid, grid_file, used],
        api_name="style_mix",
        concurrency_limit=None,
        trigger_mode="always_last",
    )
    noise_inputs = [model, seed, noise_mode, noise_seed, strength, *layer_sliders]
    noise_outputs = [noisy, heat, heat_text]
    render_noise = functools.partial(noise_panel, zoo)
    gr.on(
        [model.input, seed.submit, noise_mode.input, noise_seed.submit],
        render_noise,
        noise_inputs,
        noise_outputs,
        api_name="noise",
        trigger_mode="always_last",
        concurrency_limit=None,
        show_progress="hidden",
    )
    # A per-layer slider let go: the std map catches up (the image is already the preview's). The global
    # strength scales every layer alike, so the map (scaled to its own maximum) keeps its pattern and is
    # not recomputed while scrubbing it; its caption says which global strength it was computed at.
    gr.on(
        [s.release for s in layer_sliders],
        functools.partial(noise_std, zoo),
        noise_inputs,
        [heat, heat_text],
        api_visibility="undocumented",
        trigger_mode="always_last",
        concurrency_limit=None,
        show_progress="hidden",
    )
    previews.wire(  # while a strength slider moves: only the image (the std map needs 6 more syntheses)
        "noise_image",
        [strength, *layer_sliders],
        functools.partial(noise_image, zoo),
        noise_inputs,
        noisy,
        preview_options(zoo.settings),
        api_name="noise_image",
    )
    resample.click(lambda s: int(s) + 1, noise_seed, noise_seed, api_visibility="undocumented").then(
        render_noise, noise_inputs, noise_outputs, api_visibility="undocumented"
    )
    fields = dict(model=model, src=sources, dst=destinations, styles=preset, first=first, last=last, psi=psi)
    fields |= dict(cutoff=cutoff, noise=noise_mode, noise_seed=noise_seed, seed=seed, strength=strength)
    renders = [(functools.partial(style_mix, zoo), mix_inputs, [grid, grid_file, used])]
    renders.append((render_noise, noise_inputs, noise_outputs))
    share = Share("stylemix", fields, renders, sections=(sections, ("mixing", "noise")))
    return TabParts([ModelList(model, lambda: model_names(zoo))], share)
