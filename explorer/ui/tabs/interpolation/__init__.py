"""Interpolation tab: walk from the latent of seed A to the latent of seed B.

DCGAN, arXiv:1511.06434, §6.1 and Fig. 4: smooth transitions along latent paths show that the
generator learned a manifold rather than memorising images. Linear paths dip inside the shell
‖z‖ ≈ √d where Gaussian latents live; spherical paths (White, arXiv:1609.04468) stay on it.
A model with an encoder (a VAE) can also take its ends from real images: z = μ(x), the mean of q(z|x)
(Kingma & Welling, arXiv:1312.6114), of a test image or an upload; a GAN would need an inversion.
"""

import functools
import random

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import images, latent, plots
from explorer.models import Unconditional
from explorer.ui.common import ModelList, by_name, download_path, on_gpu, preview_options, user_errors
from explorer.ui.inpage import InPage
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts
from explorer.ui.tabs.interpolation.ends import (
    ENDS,
    encoded,
    endpoints,
    ends_with_images,
    has_encoder,
    shown_end,
    upload_code,
)
from explorer.ui.tabs.interpolation.layout import INITIAL, METHODS, controls
from explorer.zoo import Zoo

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


@user_errors
@on_gpu()
def render_frame(
    zoo: Zoo,
    model_name: str,
    seed_a: int,
    seed_b: int,
    t: float,
    method: str,
    ends: str = ENDS[0],
    image_a: int = 0,
    image_b: int = 1,
    code_a: str = "",
    code_b: str = "",
) -> Image.Image:
    """The image at position ``t`` ∈ [0, 1] of the path from end A to end B (seeds, or encoded images)."""
    model, z_a, z_b = endpoints(zoo, model_name, seed_a, seed_b, ends, image_a, image_b, code_a, code_b)
    z = latent.interpolate(z_a, z_b, _t(t), _method(method))
    with torch.inference_mode():
        return images.image(model.generate(z), scale=images.fit_scale(model.resolution, PREVIEW_SCALE))


# --- the t slider rendered in the page (explorer/ui/inpage.py) ----------------------------------------------------
def page_inputs(zoo: Zoo, model_name: str, seed_a, seed_b, t, method: str, *ends) -> dict:
    """What the page needs to draw ``render_frame``'s image at any t itself: the path's ends z_A, z_B and its kind."""
    model, z_a, z_b = endpoints(zoo, model_name, seed_a, seed_b, *ends)
    scale = images.fit_scale(model.resolution, PREVIEW_SCALE)
    return dict(scale=scale, method=_method(method), a=z_a[0].cpu().tolist(), b=z_b[0].cpu().tolist())


def _frame_count(n_frames: int) -> int:
    n_frames = int(n_frames)
    if not 2 <= n_frames <= 32:
        raise ValueError(f"the number of frames must be between 2 and 32, got {n_frames}")
    return n_frames


def _stem(
    model_name: str, seed_a: int, seed_b: int, encoded: bool = False, image_a=0, image_b=1, codes=("", "")
) -> str:
    if not encoded:
        return f"{model_name}_seeds-{int(seed_a)}-{int(seed_b)}"
    names = ["upload" if code else f"{int(index)}" for index, code in zip((image_a, image_b), codes, strict=True)]
    return f"{model_name}_images-{names[0]}-{names[1]}"


def _animation_frames(
    model: torch.nn.Module, z_a: torch.Tensor, z_b: torch.Tensor, n_frames: int, method: str
) -> list[Image.Image]:
    """The path animation (GIF, MP4): along ``method``, 4× as many frames as the strip, so it plays smoothly."""
    with torch.inference_mode():
        samples = model.generate(latent.interpolation_path(z_a, z_b, 4 * n_frames, _method(method)))
    scale = images.fit_scale(model.resolution, PREVIEW_SCALE)
    return [images.to_pil(tile, scale) for tile in images.to_uint8(samples)]


@user_errors
@on_gpu(20)  # 64 frames rendered, a GIF encoded
def render_path(
    zoo: Zoo,
    model_name: str,
    seed_a: int,
    seed_b: int,
    n_frames: int,
    method: str,
    t: float = 0.5,
    ends: str = ENDS[0],
    image_a: int = 0,
    image_b: int = 1,
    code_a: str = "",
    code_b: str = "",
    upload_a: str | None = None,
    upload_b: str | None = None,
) -> tuple[Image.Image, "plots.go.Figure", str, str]:
    """The strip (row 1: lerp, row 2: slerp), the ‖z‖ plot with ``t`` marked, and the strip PNG and path GIF.
    With encoded images each row starts and ends with the real images themselves (a test image, or the upload as the
    encoder saw it: ``upload_a``/``upload_b``, the files behind the codes), so the decoded ends read as the
    encoder's reconstructions of them."""
    n_frames = _frame_count(n_frames)
    model, (z_a, z_b), xs = ends_with_images(zoo, model_name, seed_a, seed_b, ends, image_a, image_b, code_a, code_b)
    z_a, z_b = z_a[0], z_b[0]
    lerp_path = latent.interpolation_path(z_a, z_b, n_frames, "linear")
    slerp_path = latent.interpolation_path(z_a, z_b, n_frames, "spherical")
    with torch.inference_mode():
        strip_images = model.generate(torch.cat([lerp_path, slerp_path]))
        columns = n_frames
        if xs is not None:  # x_A | the path | x_B on both rows
            uploads = (upload_a, upload_b)
            x_a, x_b = (
                shown_end(model, x, z, upload).to(strip_images)
                for x, z, upload in zip(xs, (z_a, z_b), uploads, strict=True)
            )
            rows = strip_images.view(2, n_frames, *strip_images.shape[1:])
            strip_images = torch.cat([torch.cat([x_a, row, x_b]) for row in rows])
            columns = n_frames + 2
    strip = images.grid_image(strip_images, ncols=columns, scale=images.fit_scale(model.resolution, STRIP_SCALE))

    figure = norms_figure(z_a, z_b, t)

    stem = _stem(model_name, seed_a, seed_b, xs is not None, image_a, image_b, (code_a, code_b))
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
def render_norms(
    zoo: Zoo,
    model_name: str,
    seed_a: int,
    seed_b: int,
    t: float,
    ends: str = ENDS[0],
    image_a: int = 0,
    image_b: int = 1,
    code_a: str = "",
    code_b: str = "",
) -> "plots.go.Figure":
    """The ‖z‖ plot alone, redrawn when t is released (the images follow t while it moves; the plot need not)."""
    _, z_a, z_b = endpoints(zoo, model_name, seed_a, seed_b, ends, image_a, image_b, code_a, code_b)
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
ENCODER_NOTE = (
    " This model has an **encoder**: set *Ends* to *encoded images* and the path runs between two real pictures "
    "(test images by number, or your uploads): each end is z = μ(x), the mean of q(z|x), and the strip shows the "
    "pictures themselves at its two ends, beside their decoded codes (the reconstructions). A GAN has no encoder: "
    "for it a real image needs an inversion (the Directions tab)."
)


def path_note(zoo: Zoo, model_name: str | None) -> str:
    """The tab's note for this model: the √d shell is a high-dimensional fact, so a 2-D VAE gets its own; a model
    with an encoder is told it can start from real images."""
    if not model_name or model_name not in zoo.names():
        return NOTE
    d = int(zoo.load(model_name).latent_dim)
    note = LOW_DIMENSION_NOTE.format(d=d) if d <= 8 else NOTE
    return note + ENCODER_NOTE if has_encoder(zoo, model_name) else note


@user_errors
def render_path_video(
    zoo: Zoo,
    model_name: str,
    seed_a: int,
    seed_b: int,
    n_frames: int,
    method: str,
    ends: str = ENDS[0],
    image_a: int = 0,
    image_b: int = 1,
    code_a: str = "",
    code_b: str = "",
) -> str:
    """The path GIF's frames as an MP4 (on demand: starting ffmpeg costs ~0.3 s, too much for every seed change)."""
    n_frames = _frame_count(n_frames)
    if not images.video_available():
        raise ValueError("MP4 export needs imageio-ffmpeg: pip install 'latent-explorer[video]'; the GIF is above")
    model, z_a, z_b = endpoints(zoo, model_name, seed_a, seed_b, ends, image_a, image_b, code_a, code_b)
    frames = _animation_frames(model, z_a[0], z_b[0], n_frames, method)
    encoded_ends = encoded(zoo, model_name, ends)
    stem = f"{_stem(model_name, seed_a, seed_b, encoded_ends, image_a, image_b, (code_a, code_b))}_{_method(method)}"
    return str(images.save_mp4(frames, download_path(stem, ".mp4")))


def random_seeds() -> tuple[int, int]:
    """Two fresh seeds (a convenience for the 🎲 button; the seeds shown make the result reproducible)."""
    return random.randint(0, 99_999), random.randint(0, 99_999)


# the controls each handler takes, by its parameter names (a tuple's order is the event's input order: the
# positional API and the preview route's arguments; the handler gets them by name, ``common.by_name``)
END_CONTROLS = ("ends", "image_a", "image_b", "code_a", "code_b")
FRAME = ("model_name", "seed_a", "seed_b", "t", "method", *END_CONTROLS)
PATH = ("model_name", "seed_a", "seed_b", "n_frames", "method", "t", *END_CONTROLS, "upload_a", "upload_b")
VIDEO = ("model_name", "seed_a", "seed_b", "n_frames", "method", *END_CONTROLS)
NORMS = ("model_name", "seed_a", "seed_b", "t", *END_CONTROLS)


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    """The Interpolation tab's components and wiring (call inside ``gr.Blocks``)."""
    names = model_names(zoo)
    first_frame = first_path = None
    if names:  # render the first view now, so the page opens with images and no extra round trip
        first = dict(model_name=names[0], **INITIAL)
        first_frame = render_frame(zoo, **{k: first[k] for k in FRAME if k in first})
        first_path = render_path(zoo, **{k: first[k] for k in PATH if k in first})
    model0 = names[0] if names else None
    c = controls(names, path_note(zoo, model0), has_encoder(zoo, model0), first_frame, first_path)
    frame = (*by_name(functools.partial(render_frame, zoo), {k: c[k] for k in FRAME}), [c["frame"]])
    path_outputs = [c["strip"], c["norms"], c["strip_file"], c["gif_file"]]
    path = (*by_name(functools.partial(render_path, zoo), {k: c[k] for k in PATH}), path_outputs)
    options = preview_options(zoo.settings)
    in_page = InPage("interpolate", frame[1].index(c["t"]), functools.partial(page_inputs, zoo))  # FRAME's order
    previews.wire("interpolate_frame", [c["t"]], *frame[:2], c["frame"], options, in_page, api_name="interpolate_frame")
    show_ends, forget_uploads = _wire(zoo, previews, c, frame, path)
    fields = dict(
        model=c["model_name"],
        a=c["seed_a"],
        b=c["seed_b"],
        t=c["t"],
        path=c["method"],
        frames=c["n_frames"],
        ends=c["ends"],
        ia=c["image_a"],
        ib=c["image_b"],
    )
    # a link opens the view a fresh page would show (no upload, no MP4): its renders listen to .input, not .change,
    # so a link's restore draws them all in its one event (explorer/ui/share.py)
    renders = [
        show_ends,  # a link to encoded images shows their controls
        forget_uploads,
        (functools.partial(path_note, zoo), [c["model_name"]], [c["note"]]),
        frame,
        path,
        (lambda: gr.File(value=None, visible=False), [], [c["video_file"]]),
    ]
    return TabParts([ModelList(c["model_name"], lambda: model_names(zoo))], Share("interpolation", fields, renders))


def _wire(zoo: Zoo, previews: Previews, c: dict, frame: tuple, path: tuple) -> tuple:
    """The events: a changed end or method draws the frame, then the path; the frames slider the path; t's marker
    on the ‖z‖ plot; the ends' controls; uploads; the MP4; 🎲. Returns the ends' renders a link's restore runs."""
    fast = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
    path_settings = dict(trigger_mode="always_last", concurrency_limit=None)
    model = c["model_name"]
    seeds_changed = [c["seed_a"].submit, c["seed_b"].submit, c["seed_a"].blur, c["seed_b"].blur]
    ends_changed = [c["ends"].input, c["image_a"].submit, c["image_b"].submit, c["image_a"].blur, c["image_b"].blur]
    # one act, one message: the path follows the frame's success, so a bad seed is said once (by the frame's event)
    gr.on(
        [model.input, *seeds_changed, c["method"].input, *ends_changed],
        *frame,
        api_visibility="undocumented",
        **fast,
    ).success(*path, api_visibility="undocumented", **path_settings)
    c["n_frames"].release(*path, api_name="interpolate_path", **path_settings)
    # the ‖z‖ plot's t marker follows t in the page (the plot's data does not change with t)
    redraw, norms_inputs = by_name(functools.partial(render_norms, zoo), {k: c[k] for k in NORMS})
    previews.wire_marker(c["t"], c["norms"], "t", redraw, norms_inputs, api_visibility="undocumented", **fast)
    model.input(functools.partial(path_note, zoo), model, c["note"], api_visibility="undocumented", queue=False)

    @user_errors
    def show_ends(name: str, chosen: str):
        """The ends' controls for this model and choice: seeds, or (a model with an encoder) images."""
        images_chosen = encoded(zoo, name, chosen)
        return (
            gr.Radio(visible=has_encoder(zoo, name)),
            gr.Row(visible=not images_chosen),
            gr.Button(visible=not images_chosen),
            gr.Group(visible=images_chosen),
        )

    ends = (show_ends, [model, c["ends"]], [c["ends"], c["seed_row"], c["dice"], c["image_group"]])
    gr.on([model.input, c["ends"].input], *ends, api_visibility="private", queue=False)
    # an upload's code belongs to the model that encoded it: another model starts again from the test images
    forget_uploads = (lambda: (None, None, "", ""), [], [c["upload_a"], c["upload_b"], c["code_a"], c["code_b"]])
    model.input(*forget_uploads, api_visibility="private")
    for upload, code in ((c["upload_a"], c["code_a"]), (c["upload_b"], c["code_b"])):
        gr.on(
            [upload.upload, upload.clear],
            functools.partial(upload_code, zoo),
            [model, upload],
            code,
            api_visibility="undocumented",
        ).success(*frame, api_visibility="undocumented", **fast).then(
            *path, api_visibility="undocumented", concurrency_limit=None
        )
    video = by_name(functools.partial(render_path_video, zoo), {k: c[k] for k in VIDEO})
    c["video_button"].click(*video, c["video_file"], api_name="interpolate_video").success(
        lambda: gr.File(visible=True), None, c["video_file"], api_visibility="private"
    )
    hide_video = (lambda: gr.File(value=None, visible=False), None, c["video_file"])
    uploaded = [c["upload_a"].upload, c["upload_b"].upload]
    # an MP4 of the previous path is stale once the path changes: hide it until it is made again
    path_changed = [model.input, *seeds_changed, c["method"].input, c["n_frames"].release, *ends_changed, *uploaded]
    gr.on(path_changed, *hide_video, api_visibility="private", queue=False)
    c["dice"].click(*hide_video, api_visibility="private", queue=False)
    # rapid clicks collapse: each step of the chain runs for the newest click only (always_last), so ten clicks draw
    # the path twice at most, not ten times over (a frozen page for ~12 s)
    c["dice"].click(
        random_seeds, None, [c["seed_a"], c["seed_b"]], api_visibility="undocumented", trigger_mode="always_last"
    ).success(*frame, api_visibility="undocumented", **fast).success(
        *path, api_visibility="undocumented", **path_settings
    )
    return ends, forget_uploads
