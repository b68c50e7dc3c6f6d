"""Interpolation tab: walk from the latent of seed A to the latent of seed B.

DCGAN, arXiv:1511.06434, §6.1 and Fig. 4: smooth transitions along latent paths show that the
generator learned a manifold rather than memorising images. Linear paths dip inside the shell
‖z‖ ≈ √d where Gaussian latents live; spherical paths (White, arXiv:1609.04468) stay on it.
"""

import functools
import random

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import images, latent, plots
from explorer.models import Unconditional
from explorer.ui.common import ModelList, download_path, preview_options, user_errors
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts
from explorer.zoo import Zoo

METHODS = {"spherical (slerp)": "spherical", "linear (lerp)": "linear"}
PREVIEW_SCALE = 8  # a 32×32 sample is shown at 256×256
STRIP_SCALE = 3


def model_names(zoo: Zoo) -> list[str]:
    """Every model that generates from z alone (``Unconditional``)."""
    return zoo.names(Unconditional)


def _method(label: str) -> str:
    if label in METHODS:
        return METHODS[label]
    if label in METHODS.values():
        return label
    raise ValueError(f"unknown interpolation {label!r}; choose one of {', '.join(METHODS)}")


def _t(t) -> float:
    if t is None or not 0.0 <= float(t) <= 1.0:
        raise ValueError(f"t must be a number from 0 to 1, got {t}")
    return float(t)


def endpoints(
    zoo: Zoo, model_name: str, seed_a: int, seed_b: int
) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """The model and the latents z_A, z_B (each (1, latent_dim)) of the two seeds."""
    model = zoo.require(model_name, Unconditional, what="a model that generates from z alone")
    z_a = model.sample_latent(1, latent.check_seed(seed_a, "seed A"))
    return model, z_a, model.sample_latent(1, latent.check_seed(seed_b, "seed B"))


@user_errors
def render_frame(zoo: Zoo, model_name: str, seed_a: int, seed_b: int, t: float, method: str) -> Image.Image:
    """The image at position ``t`` ∈ [0, 1] of the path from seed A to seed B."""
    model, z_a, z_b = endpoints(zoo, model_name, seed_a, seed_b)
    z = latent.interpolate(z_a, z_b, _t(t), _method(method))
    with torch.inference_mode():
        return images.image(model.generate(z), scale=images.fit_scale(model.resolution, PREVIEW_SCALE))


def _frame_count(n_frames: int) -> int:
    n_frames = int(n_frames)
    if not 2 <= n_frames <= 32:
        raise ValueError(f"the number of frames must be between 2 and 32, got {n_frames}")
    return n_frames


def _stem(model_name: str, seed_a: int, seed_b: int) -> str:
    return f"{model_name}_seeds-{int(seed_a)}-{int(seed_b)}"


def _animation_frames(
    model: torch.nn.Module, z_a: torch.Tensor, z_b: torch.Tensor, n_frames: int, method: str
) -> list[Image.Image]:
    """The path animation (GIF, MP4): along ``method``, 4× as many frames as the strip, so it plays smoothly."""
    with torch.inference_mode():
        samples = model.generate(latent.interpolation_path(z_a, z_b, 4 * n_frames, _method(method)))
    scale = images.fit_scale(model.resolution, PREVIEW_SCALE)
    return [images.to_pil(tile, scale) for tile in images.to_uint8(samples)]


@user_errors
def render_path(
    zoo: Zoo, model_name: str, seed_a: int, seed_b: int, n_frames: int, method: str, t: float = 0.5
) -> tuple[Image.Image, "plots.go.Figure", str, str]:
    """The strip (row 1: lerp, row 2: slerp), the ‖z‖ plot with ``t`` marked, and the strip PNG and path GIF."""
    n_frames = _frame_count(n_frames)
    model, z_a, z_b = endpoints(zoo, model_name, seed_a, seed_b)
    z_a, z_b = z_a[0], z_b[0]
    lerp_path = latent.interpolation_path(z_a, z_b, n_frames, "linear")
    slerp_path = latent.interpolation_path(z_a, z_b, n_frames, "spherical")
    with torch.inference_mode():
        strip_images = model.generate(torch.cat([lerp_path, slerp_path]))
    strip = images.grid_image(strip_images, ncols=n_frames, scale=images.fit_scale(model.resolution, STRIP_SCALE))

    figure = norms_figure(z_a, z_b, t)

    stem = _stem(model_name, seed_a, seed_b)
    png = images.save_png(strip, download_path(f"{stem}_lerp-top_slerp-bottom", ".png"))
    frames = _animation_frames(model, z_a, z_b, n_frames, method)
    gif = images.save_gif(frames, download_path(f"{stem}_{_method(method)}", ".gif"))
    return strip, figure, str(png), str(gif)


def norms_figure(z_a: torch.Tensor, z_b: torch.Tensor, t: float) -> "plots.go.Figure":
    t = _t(t)
    dense = latent.interpolation_path(z_a, z_b, 41, "linear").norm(dim=-1).numpy()
    dense_slerp = latent.interpolation_path(z_a, z_b, 41, "spherical").norm(dim=-1).numpy()
    return plots.latent_norm_figure(np.linspace(0, 1, 41), dense, dense_slerp, latent.typical_radius(z_a.numel()), t)


@user_errors
def render_norms(zoo: Zoo, model_name: str, seed_a: int, seed_b: int, t: float) -> "plots.go.Figure":
    """The ‖z‖ plot alone, redrawn when t is released (the images follow t while it moves; the plot need not)."""
    _, z_a, z_b = endpoints(zoo, model_name, seed_a, seed_b)
    return norms_figure(z_a[0], z_b[0], t)


NOTE = (
    "Walk the latent space from **seed A** to **seed B**. Drag **t**: the image follows. "
    "A *linear* path cuts through the inside of the shell ‖z‖ ≈ √d where Gaussian latents live; "
    "the *spherical* path stays on it (see the plot)."
)
LOW_DIMENSION_NOTE = (
    "Walk the latent space from **seed A** to **seed B**. Drag **t**: the image follows. This model's z has "
    "{d} dimensions: in so few, N(0, I) has no thin shell (‖z‖ spreads from 0 to about 3), so the linear and "
    "spherical paths differ little; the shell ‖z‖ ≈ √d matters for the GANs' 100-dimensional z."
)


def path_note(zoo: Zoo, model_name: str | None) -> str:
    """The tab's note for this model: the √d shell is a high-dimensional fact, so a 2-D VAE gets its own."""
    if not model_name or model_name not in zoo.names():
        return NOTE
    d = int(zoo.load(model_name).latent_dim)
    return LOW_DIMENSION_NOTE.format(d=d) if d <= 8 else NOTE


@user_errors
def render_path_video(zoo: Zoo, model_name: str, seed_a: int, seed_b: int, n_frames: int, method: str) -> str:
    """The path GIF's frames as an MP4 (on demand: starting ffmpeg costs ~0.3 s, too much for every seed change)."""
    n_frames = _frame_count(n_frames)
    if not images.video_available():
        raise ValueError("MP4 export needs imageio-ffmpeg: pip install 'latent-explorer[video]'; the GIF is above")
    model, z_a, z_b = endpoints(zoo, model_name, seed_a, seed_b)
    frames = _animation_frames(model, z_a[0], z_b[0], n_frames, method)
    stem = f"{_stem(model_name, seed_a, seed_b)}_{_method(method)}"
    return str(images.save_mp4(frames, download_path(stem, ".mp4")))


def random_seeds() -> tuple[int, int]:
    """Two fresh seeds (a convenience for the 🎲 button; the seeds shown make the result reproducible)."""
    return random.randint(0, 99_999), random.randint(0, 99_999)


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    """The Interpolation tab's components and wiring (call inside ``gr.Blocks``)."""
    names = model_names(zoo)
    initial = dict(
        model=names[0] if names else None, seed_a=11, seed_b=23, t=0.5, method="spherical (slerp)", frames=10
    )
    first_frame = first_path = None
    if names:  # render the first view now, so the page opens with images and no extra round trip
        first_frame = render_frame(
            zoo, initial["model"], initial["seed_a"], initial["seed_b"], initial["t"], initial["method"]
        )
        first_path = render_path(
            zoo, initial["model"], initial["seed_a"], initial["seed_b"], initial["frames"], initial["method"]
        )
    strip_value, norms_value, png_value, gif_value = first_path or (None, None, None, None)
    note = gr.Markdown(path_note(zoo, initial["model"]), elem_classes=["note"], elem_id="interp-note")
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=initial["model"], label="Model", elem_id="interp-model")
            with gr.Row():
                seed_a = gr.Number(
                    value=initial["seed_a"],
                    label="Seed A",
                    precision=0,
                    minimum=0,
                    maximum=latent.MAX_SEED,
                    elem_id="interp-seed-a",
                )
                seed_b = gr.Number(
                    value=initial["seed_b"],
                    label="Seed B",
                    precision=0,
                    minimum=0,
                    maximum=latent.MAX_SEED,
                    elem_id="interp-seed-b",
                )
            dice = gr.Button("🎲 New seeds", size="sm")
            method = gr.Radio(list(METHODS), value=initial["method"], label="Path", elem_id="interp-method")
            n_frames = gr.Slider(
                2, 32, value=initial["frames"], step=1, label="Frames in the strip", elem_id="interp-frames"
            )
        with gr.Column(scale=1):
            frame = gr.Image(
                first_frame,
                label="Image at t",
                type="pil",
                format="png",
                height=320,
                interactive=False,
                elem_id="interp-frame",
                buttons=["download"],
            )
            t = gr.Slider(  # under its image: the tab's main control and its result, together
                0.0, 1.0, value=initial["t"], step=0.01, label="t (0 = seed A, 1 = seed B)", elem_id="interp-t"
            )
        with gr.Column(scale=2):
            norms = gr.Plot(norms_value, label="‖z‖ along the path", elem_id="interp-norms")
    strip = gr.Image(
        strip_value,
        label="Strip: linear (top) and spherical (bottom)",
        type="pil",
        format="png",
        interactive=False,
        elem_id="interp-strip",
        buttons=["download"],
    )
    with gr.Row():
        strip_file = gr.File(png_value, label="Strip (PNG)", elem_id="interp-strip-file")
        gif_file = gr.File(gif_value, label="Path (animated GIF)", elem_id="interp-gif-file")
        with gr.Column(visible=images.video_available()):
            video_button = gr.Button("Path as MP4 video", size="sm", elem_id="interp-mp4-button")
            video_file = gr.File(label="Path (MP4)", visible=False, elem_id="interp-mp4-file")  # shown once made

    frame_inputs = [model, seed_a, seed_b, t, method]
    video_inputs = [model, seed_a, seed_b, n_frames, method]
    path_inputs = [*video_inputs, t]  # t: the plot marks it
    path_outputs = [strip, norms, strip_file, gif_file]
    render = functools.partial(render_frame, zoo)
    render_all = functools.partial(render_path, zoo)
    fast = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
    options = preview_options(zoo.settings)
    previews.wire("interpolate_frame", [t], render, frame_inputs, frame, options, api_name="interpolate_frame")
    gr.on(
        [model.change, seed_a.submit, seed_b.submit, seed_a.blur, seed_b.blur, method.input],
        render,
        frame_inputs,
        frame,
        api_visibility="undocumented",
        **fast,
    )
    gr.on(
        [model.change, seed_a.submit, seed_b.submit, seed_a.blur, seed_b.blur, method.input, n_frames.release],
        render_all,
        path_inputs,
        path_outputs,
        api_name="interpolate_path",
        trigger_mode="always_last",
        concurrency_limit=None,
    )
    t.release(
        functools.partial(render_norms, zoo), [model, seed_a, seed_b, t], norms, api_visibility="undocumented", **fast
    )
    model.change(functools.partial(path_note, zoo), model, note, api_visibility="undocumented", queue=False)
    video_button.click(
        functools.partial(render_path_video, zoo), video_inputs, video_file, api_name="interpolate_video"
    ).success(lambda: gr.File(visible=True), None, video_file, api_visibility="private")
    gr.on(  # an MP4 of the previous path is stale once the path changes: hide it until it is made again
        [model.change, seed_a.submit, seed_b.submit, seed_a.blur, seed_b.blur, method.input, n_frames.release],
        lambda: gr.File(value=None, visible=False),
        None,
        video_file,
        api_visibility="private",
        queue=False,
    )
    dice.click(lambda: gr.File(value=None, visible=False), None, video_file, api_visibility="private", queue=False)
    dice.click(random_seeds, None, [seed_a, seed_b], api_visibility="undocumented").then(
        render, frame_inputs, frame, api_visibility="undocumented", **fast
    ).then(render_all, path_inputs, path_outputs, api_visibility="undocumented", concurrency_limit=None)
    fields = dict(model=model, a=seed_a, b=seed_b, t=t, path=method, frames=n_frames)
    renders = [(render, frame_inputs, [frame]), (render_all, path_inputs, path_outputs)]
    return TabParts([ModelList(model, lambda: model_names(zoo))], Share("interpolation", fields, renders))
