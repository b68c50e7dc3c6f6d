"""Noise inputs (StyleGAN, Karras et al., arXiv:1812.04948, Fig. 5): per-pixel noise, scaled by a learned strength
per channel (and here a global and a per-row strength), adds stochastic detail; the standard deviation over
NOISE_DRAWS draws for the same latent shows where it acts. A model without noise inputs (StyleGAN3) gets a one-line
note instead of sliders that would change nothing."""

import functools
from collections.abc import Sequence

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import images, latent
from explorer.models.base import NOISE_MODES
from explorer.ui.common import by_name, on_gpu, preview_options, user_errors
from explorer.ui.inpage import InPage
from explorer.ui.previews import Previews
from explorer.ui.share import SectionParts
from explorer.ui.tabs.stylemix.checks import MAX_STRENGTH, check_noise, stylegan
from explorer.zoo import Zoo

TITLE = "Noise inputs (Fig. 5)"
ID = "noise"
NOISE_DRAWS = 16  # noise draws for the per-pixel standard-deviation map
NO_NOISE = "**{name}** has no noise inputs (StyleGAN3 is alias-free: no per-pixel noise), so there is nothing to vary."


def heat_map(values: np.ndarray) -> Image.Image:
    """A 2-D array → an RGB heat map (black → red → yellow → white), scaled to its own maximum."""
    v = values / values.max() if values.max() > 0 else values
    rgb = np.stack([np.clip(3 * v, 0, 1), np.clip(3 * v - 1, 0, 1), np.clip(3 * v - 2, 0, 1)], axis=-1)
    return Image.fromarray((rgb * 255).astype(np.uint8))


def _noise_setup(zoo: Zoo, name: str, seed: int, noise_mode: str, strength: float, layer_strengths):
    """(model, ws of the seed, per-row strengths) for the noise panel, every value checked."""
    model = stylegan(zoo, name)
    layer_strengths = [float(s) for s in layer_strengths]
    if not layer_strengths:
        raise ValueError("give at least one per-layer noise strength")
    check_noise(noise_mode, [float(strength)], "the global noise strength")
    check_noise(noise_mode, layer_strengths, "per-row noise strengths")
    strengths = [float(strength) * s for s in layer_strengths]
    strengths = [strengths[r] for r in _rows(len(strengths), model.num_ws)]
    return model, _ws(model, seed), strengths


def _rows(count: int, num_ws: int) -> list[int]:
    """Which of ``count`` row sliders sets each of the model's ``num_ws`` rows: its own, or, for sliders made for
    another model, coarse to coarse and fine to fine."""
    if count == num_ws:
        return list(range(num_ws))
    last = count - 1
    return [round(i * last / max(num_ws - 1, 1)) for i in range(num_ws)]


def _ws(model, seed: int) -> torch.Tensor:
    with torch.inference_mode():
        return model.mapping(model.sample_latent(1, latent.check_seed(seed, "latent seed")).to(model.w_avg.device))


def _picture(model, ws: torch.Tensor, strengths: list[float], noise_mode: str, noise_seed: int) -> Image.Image:
    with torch.inference_mode():
        picture = model.synthesis(ws, noise_mode, strengths, latent.check_seed(noise_seed, "noise seed")).clamp(-1, 1)
    return images.image(picture, scale=images.fit_scale(model.resolution, 8))


def _std_map(model, ws: torch.Tensor, strengths: list[float], noise_seed: int, strength: float):
    """(heat map, caption) of the per-pixel std over NOISE_DRAWS noise draws for the same latent (none drawn for a
    model without noise inputs: its section shows a note instead)."""
    if not model.noise_resolutions:
        return heat_map(np.zeros((1, 1))), "no noise inputs"
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
    zoo: Zoo, name: str, seed: int, noise_mode: str, noise_seed: int, strength: float, layer_strengths: Sequence[float]
) -> Image.Image:
    """Only the image (the preview while a strength slider moves)."""
    model, ws, strengths = _noise_setup(zoo, name, seed, noise_mode, strength, layer_strengths)
    return _picture(model, ws, strengths, noise_mode, noise_seed)


# --- the strength sliders rendered in the page (explorer/ui/inpage.py) ------------------------------------------------
def page_inputs(zoo: Zoo, name: str, seed: int, noise_mode: str, noise_seed: int, strength, *layer_strengths) -> dict:
    """What the page needs to draw ``noise_image`` at any strengths itself (the synthesis graph,
    ``explorer.onnx_export``): the seed's ws and each layer's noise map (zeros for "none": adding them changes
    nothing), and which row slider sets each ws row."""
    model = stylegan(zoo, name)
    if not layer_strengths:
        raise ValueError("give at least one per-layer noise strength")
    check_noise(noise_mode, [], "the noise")
    ws = _ws(model, seed)
    maps = model.noise_maps(1, noise_mode, latent.check_seed(noise_seed, "noise seed"))
    maps = [torch.zeros(1, 1, r, r) if m is None else m for m, r in zip(maps, model.noise_resolutions, strict=True)]
    tensors = {"ws": ws, **{f"noise{i}": m for i, m in enumerate(maps)}}
    return dict(
        scale=images.fit_scale(model.resolution, 8),
        rows=_rows(len(layer_strengths), model.num_ws),
        tensors={k: {"dims": list(t.shape), "data": t.cpu().flatten().tolist()} for k, t in tensors.items()},
    )


@user_errors
def noise_std(
    zoo: Zoo, name: str, seed: int, noise_mode: str, noise_seed: int, strength: float, layer_strengths: Sequence[float]
) -> tuple[Image.Image, str]:
    """Only the std map and its caption (a per-layer slider let go: the image is already the preview's)."""
    model, ws, strengths = _noise_setup(zoo, name, seed, noise_mode, strength, layer_strengths)
    return _std_map(model, ws, strengths, noise_seed, strength)


@user_errors
def noise_panel(
    zoo: Zoo, name: str, seed: int, noise_mode: str, noise_seed: int, strength: float, layer_strengths: Sequence[float]
) -> tuple[Image.Image, Image.Image, str]:
    """The image of ``seed`` with the chosen noise, and the per-pixel std over NOISE_DRAWS random draws."""
    model, ws, strengths = _noise_setup(zoo, name, seed, noise_mode, strength, layer_strengths)
    return _picture(model, ws, strengths, noise_mode, noise_seed), *_std_map(model, ws, strengths, noise_seed, strength)


@user_errors
def noise_inputs(zoo: Zoo, name: str) -> tuple[dict, dict]:
    """The note (shown for a model without noise inputs) and the controls' row (shown for one with them)."""
    silent = not stylegan(zoo, name).noise_resolutions
    note = NO_NOISE.format(name=name) if silent else ""
    return gr.update(value=note, visible=silent), gr.update(visible=not silent)


def controls() -> tuple[gr.Radio, gr.Number]:
    """The noise mode and seed, made before the sections (the mixing grid uses them too) and placed in this one."""
    mode = gr.Radio(list(NOISE_MODES), value="random", label="Noise", elem_id="mix-noise-mode", render=False)
    seed = gr.Number(0, label="Noise seed", precision=0, minimum=0, maximum=latent.MAX_SEED, render=False)
    return mode, seed


def build(
    zoo: Zoo, previews: Previews, model: gr.Dropdown, ws_resolutions: list[int], noise_mode: gr.Radio, noise_seed
) -> SectionParts:
    """The section's controls (with ``noise_mode`` and ``noise_seed``, from ``controls``), its image and std map,
    drawn now for the first model."""
    layers0 = [1.0] * len(ws_resolutions)
    first = noise_panel(zoo, model.value, 6, "random", 0, 1.0, layers0)
    c = {"name": model, "noise_mode": noise_mode, "noise_seed": noise_seed}
    note, shown = noise_inputs(zoo, model.value)
    note = gr.Markdown(note["value"], visible=note["visible"], elem_id="mix-no-noise")
    with gr.Row(visible=shown["visible"]) as row:
        with gr.Column(scale=1):
            c["strength"] = gr.Slider(
                0, MAX_STRENGTH, value=1.0, step=0.1, label="Global noise strength", elem_id="mix-strength"
            )
            noise_mode.render()
            resample = gr.Button("🎲 Resample noise (keep the latent)")
            c["seed"] = gr.Number(6, label="Latent seed", precision=0, minimum=0, maximum=latent.MAX_SEED)
            noise_seed.render()
        with gr.Column(scale=1):
            c["layer_strengths"] = [
                gr.Slider(
                    0,
                    MAX_STRENGTH,
                    value=1.0,
                    step=0.1,
                    label=f"row {i}: {r}² noise strength",
                    elem_id=f"mix-layer-{i}",
                )
                for i, r in enumerate(ws_resolutions)
            ]
        with gr.Column(scale=1):
            noisy = gr.Image(first[0], label="Image", type="pil", format="png", interactive=False, elem_id="mix-noisy")
        with gr.Column(scale=1):
            heat = gr.Image(
                first[1],
                label="Per-pixel std over noise draws",
                type="pil",
                format="png",
                interactive=False,
                elem_id="mix-heat",
            )
            heat_text = gr.Markdown(first[2])
    panel = _wire(zoo, previews, c, resample, [noisy, heat, heat_text])
    # a user's pick (.input: a link's restore sets the model without a .change chain and draws this itself)
    shows_noise = (functools.partial(noise_inputs, zoo), [model], [note, row])
    model.input(*shows_noise, api_visibility="undocumented")
    fields = dict(noise=noise_mode, noise_seed=noise_seed, seed=c["seed"], strength=c["strength"])
    return SectionParts(fields=fields, renders=[shows_noise, panel])


def _wire(zoo: Zoo, previews: Previews, c: dict, resample: gr.Button, outputs: list) -> tuple:
    """The panel redrawn when the latent or the noise changes; the std map when a row's slider is let go; the image
    alone (the preview route) while a strength slider moves. Returns the panel's render, for a link's restore."""
    names = ("name", "seed", "noise_mode", "noise_seed", "strength", "layer_strengths")
    controls = {k: c[k] for k in names}
    panel = (*by_name(functools.partial(noise_panel, zoo), controls), outputs)
    gr.on(
        [c["name"].input, c["seed"].submit, c["noise_mode"].input, c["noise_seed"].submit],
        *panel,
        api_name="noise",
        trigger_mode="always_last",
        concurrency_limit=None,
        show_progress="hidden",
    )
    # A per-layer slider let go: the std map catches up (the image is already the preview's). The global
    # strength scales every layer alike, so the map (scaled to its own maximum) keeps its pattern and is
    # not recomputed while scrubbing it; its caption says which global strength it was computed at.
    gr.on(
        [s.release for s in c["layer_strengths"]],
        *by_name(functools.partial(noise_std, zoo), controls),
        outputs[1:],
        api_visibility="undocumented",
        trigger_mode="always_last",
        concurrency_limit=None,
        show_progress="hidden",
    )
    # while a strength slider moves: only the image (the std map needs 6 more syntheses), rendered by the page
    sliders = [c["strength"], *c["layer_strengths"]]
    image, inputs = by_name(functools.partial(noise_image, zoo), controls)
    at = tuple(next(i for i, part in enumerate(inputs) if part is s) for s in sliders)
    in_page = InPage("noise", at, functools.partial(page_inputs, zoo))
    options = preview_options(zoo.settings)
    previews.wire("noise_image", sliders, image, inputs, outputs[0], options, in_page, api_name="noise_image")
    resample.click(lambda s: int(s) + 1, c["noise_seed"], c["noise_seed"], api_visibility="undocumented").then(
        *panel, api_visibility="undocumented"
    )
    return panel
