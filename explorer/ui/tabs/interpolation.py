"""Interpolation tab: walk from the latent of seed A to the latent of seed B.

DCGAN, arXiv:1511.06434, §6.1 and Fig. 4: smooth transitions along latent paths show that the
generator learned a manifold rather than memorising images. Linear paths dip inside the shell
‖z‖ ≈ √d where Gaussian latents live; spherical paths (White, arXiv:1609.04468) stay on it.
A model with an encoder (a VAE) can also take its ends from real images: z = μ(x), the mean of q(z|x)
(Kingma & Welling, arXiv:1312.6114), of a test image or an upload; a GAN would need an inversion.
"""

import functools
import json
import math
import random

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import images, latent, plots
from explorer.data import load_fashion_mnist
from explorer.models import HasEncoder, Unconditional
from explorer.pictures import read_picture, to_model_image
from explorer.ui.common import ModelList, by_name, download_path, on_gpu, preview_options, user_errors
from explorer.ui.inpage import InPage
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts
from explorer.zoo import Zoo

METHODS = {"spherical (slerp)": "spherical", "linear (lerp)": "linear"}
PREVIEW_SCALE = 8  # a 32×32 sample is shown at 256×256
STRIP_SCALE = 3
ENDS = ("seeds", "encoded images")  # the path's ends: the z of two seeds, or the encoder's μ(x) of two real images
TEST_IMAGES = 10_000  # Fashion-MNIST's test set, the encoders' data


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


def has_encoder(zoo: Zoo, model_name: str | None) -> bool:
    """Whether the model can encode an image (its family has q(z|x)): then the path's ends may be real images."""
    return bool(model_name) and model_name in zoo.names() and zoo.family(model_name).supports(HasEncoder)


def _encoded(zoo: Zoo, model_name: str, ends: str | None) -> bool:
    """Whether the path runs between encoded images: asked for, and the model has an encoder (a GAN has only seeds;
    the tab hides its *Ends* choice)."""
    return _ends(ends) == ENDS[1] and has_encoder(zoo, model_name)


def _ends(ends: str | None) -> str:
    if ends in (None, ""):
        return ENDS[0]
    if ends not in ENDS:
        raise ValueError(f"the path's ends are {' or '.join(ENDS)}, got {ends!r}")
    return ends


def dataset_image(zoo: Zoo, model_name: str, index, which: str) -> tuple[torch.Tensor, str]:
    """Test image number ``index`` of the model's data, (1, 1, 32, 32) in [-1, 1], and its caption."""
    if zoo.entry(model_name).dataset != "fashion-mnist":
        raise ValueError(f"{model_name} was not trained on Fashion-MNIST: upload image {which} instead")
    if index is None or not float(index).is_integer() or not 0 <= int(index) < TEST_IMAGES:
        raise ValueError(f"test image {which} must be a whole number from 0 to {TEST_IMAGES - 1}, got {index}")
    test = zoo.memo("fashion-mnist-test", "", lambda: load_fashion_mnist("test", settings=zoo.settings))
    return test.images[int(index) : int(index) + 1], f"test image {int(index)}"


@user_errors
def upload_code(zoo: Zoo, model_name: str, path: str | None) -> str:
    """An uploaded picture's code for the path: the encoder's μ(x) as JSON with the model that made it (what the
    tab keeps, in a hidden box: numbers only, so that the t slider's previews never carry a file path); "" for
    none. A file that is not a picture is a ``gr.Error``."""
    if not path:
        return ""
    try:
        x = to_model_image(read_picture(path))
        model = zoo.require(model_name, HasEncoder, what="a model with an encoder")
    except ValueError as error:
        raise gr.Error(str(error)) from None
    with torch.inference_mode():
        mu = model.encode(x.to(zoo.device))[0][0]
    return json.dumps({"model": model_name, "z": [round(float(v), 6) for v in mu]})


def _code(code: str | None, model_name: str, latent_dim: int, which: str) -> torch.Tensor | None:
    """The latent in an upload's ``code`` if it belongs to this model (None for no upload, or another model's:
    picking another model goes back to the test images)."""
    if not code:
        return None
    try:
        data = json.loads(code)
        z = [float(v) for v in data["z"]]
    except (ValueError, TypeError, KeyError):
        raise ValueError(f"the code of upload {which} is not readable: upload the image again") from None
    if data.get("model") != model_name:
        return None
    if len(z) != latent_dim or not all(math.isfinite(v) for v in z):
        raise ValueError(f"the code of upload {which} does not fit {model_name}: upload the image again")
    return torch.tensor([z])


def _shown(model, x: torch.Tensor | None, z: torch.Tensor, upload: str | None) -> torch.Tensor:
    """The picture at one end of the strip: the test image; for an upload, the file as the encoder saw it (its
    decoded code if the file is gone)."""
    if x is None and upload:
        try:
            x = to_model_image(read_picture(upload))
        except ValueError:
            x = None
    return model.generate(z[None]) if x is None else x.to(z.device)


def endpoints(
    zoo: Zoo,
    model_name: str,
    seed_a: int,
    seed_b: int,
    ends: str = ENDS[0],
    image_a: int = 0,
    image_b: int = 1,
    code_a: str = "",
    code_b: str = "",
) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """The model and the latents z_A, z_B (each (1, latent_dim)): of the two seeds, or (``ends`` = "encoded
    images", a model with an encoder) the means μ(x) of q(z|x) of the two images: an upload's code where there is
    one, else the test image of that number."""
    model, z, _ = _ends_with_images(zoo, model_name, seed_a, seed_b, ends, image_a, image_b, code_a, code_b)
    return model, z[0], z[1]


def _ends_with_images(zoo, model_name, seed_a, seed_b, ends, image_a, image_b, code_a, code_b):
    """(model, [z_A, z_B], [x_A, x_B] or None for seeds; an upload's x is None: only its code is kept)."""
    model = zoo.require(model_name, Unconditional, what="a model that generates from z alone")
    if not _encoded(zoo, model_name, ends):
        z_a = model.sample_latent(1, latent.check_seed(seed_a, "seed A"))
        return model, [z_a, model.sample_latent(1, latent.check_seed(seed_b, "seed B"))], None
    zs, xs = [], []
    for which, index, code in (("A", image_a, code_a), ("B", image_b, code_b)):
        z = _code(code, model_name, model.latent_dim, which)
        x = None
        if z is None:
            x, _ = dataset_image(zoo, model_name, index, which)
            with torch.inference_mode():
                z = model.encode(x.to(zoo.device))[0].cpu()
        zs.append(z)
        xs.append(x)
    return model, zs, xs


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
    model, (z_a, z_b), xs = _ends_with_images(zoo, model_name, seed_a, seed_b, ends, image_a, image_b, code_a, code_b)
    z_a, z_b = z_a[0], z_b[0]
    lerp_path = latent.interpolation_path(z_a, z_b, n_frames, "linear")
    slerp_path = latent.interpolation_path(z_a, z_b, n_frames, "spherical")
    with torch.inference_mode():
        strip_images = model.generate(torch.cat([lerp_path, slerp_path]))
        columns = n_frames
        if xs is not None:  # x_A | the path | x_B on both rows
            uploads = (upload_a, upload_b)
            x_a, x_b = (
                _shown(model, x, z, upload).to(strip_images)
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
    encoded = _encoded(zoo, model_name, ends)
    stem = f"{_stem(model_name, seed_a, seed_b, encoded, image_a, image_b, (code_a, code_b))}_{_method(method)}"
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
INITIAL = dict(seed_a=11, seed_b=23, t=0.5, method="spherical (slerp)", n_frames=10)


def _whole(value: int, label: str, maximum: int, elem_id: str) -> gr.Number:
    return gr.Number(value, label=label, precision=0, minimum=0, maximum=maximum, elem_id=elem_id)


def _picture(value, label: str, elem_id: str, **options) -> gr.Image:
    kind = dict(type="pil", format="png", interactive=False, buttons=["download"])
    return gr.Image(value, label=label, elem_id=elem_id, **kind, **options)


def _upload(label: str, elem_id: str) -> gr.File:
    return gr.File(label=label, type="filepath", file_types=["image"], height=120, elem_id=elem_id)


def _end_controls(encoder: bool) -> dict:
    """The path's ends: the choice (a model with an encoder), two seeds, or two real images (a test image's number
    or an upload, whose code μ(x) the tab keeps in a hidden box: numbers only, never a file path)."""
    c = {}
    c["ends"] = gr.Radio(list(ENDS), value=ENDS[0], label="Ends of the path", visible=encoder, elem_id="interp-ends")
    with gr.Row() as c["seed_row"]:
        c["seed_a"] = _whole(INITIAL["seed_a"], "Seed A", latent.MAX_SEED, "interp-seed-a")
        c["seed_b"] = _whole(INITIAL["seed_b"], "Seed B", latent.MAX_SEED, "interp-seed-b")
    c["dice"] = gr.Button("🎲 New seeds", size="sm")
    with gr.Group(visible=False) as c["image_group"]:  # the ends as real images: a test image, or an upload
        with gr.Row():
            c["image_a"] = _whole(1, "Test image A", TEST_IMAGES - 1, "interp-image-a")
            c["image_b"] = _whole(2, "Test image B", TEST_IMAGES - 1, "interp-image-b")
        with gr.Row():
            c["upload_a"] = _upload("…or upload A", "interp-upload-a")
            c["upload_b"] = _upload("…or upload B", "interp-upload-b")
        # the uploads' codes μ(x) (numbers only: the t slider's previews carry them, never a file path)
        c["code_a"] = gr.Textbox("", visible=False, elem_id="interp-code-a")
        c["code_b"] = gr.Textbox("", visible=False, elem_id="interp-code-b")
    return c


def _controls(zoo: Zoo, names: list[str], first_frame, first_path) -> dict:
    """The tab's components by name (the handlers' parameter names for their controls), drawn with its first view."""
    strip_value, norms_value, png_value, gif_value = first_path or (None, None, None, None)
    model0 = names[0] if names else None
    c = {"note": gr.Markdown(path_note(zoo, model0), elem_classes=["note"], elem_id="interp-note")}
    with gr.Row():
        with gr.Column(scale=1):
            c["model_name"] = gr.Dropdown(names, value=model0, label="Model", elem_id="interp-model")
            c |= _end_controls(has_encoder(zoo, model0))
            c["method"] = gr.Radio(list(METHODS), value=INITIAL["method"], label="Path", elem_id="interp-method")
            c["n_frames"] = gr.Slider(
                2, 32, value=INITIAL["n_frames"], step=1, label="Frames in the strip", elem_id="interp-frames"
            )
        with gr.Column(scale=1):
            c["frame"] = _picture(first_frame, "Image at t", "interp-frame", height=320)
            c["t"] = gr.Slider(  # under its image: the tab's main control and its result, together
                0.0, 1.0, value=INITIAL["t"], step=0.01, label="t (0 = seed A, 1 = seed B)", elem_id="interp-t"
            )
        with gr.Column(scale=2):
            c["norms"] = gr.Plot(norms_value, label="‖z‖ along the path", elem_id="interp-norms")
    c["strip"] = _picture(strip_value, "Strip: linear (top) and spherical (bottom)", "interp-strip")
    with gr.Row():
        c["strip_file"] = gr.File(png_value, label="Strip (PNG)", elem_id="interp-strip-file")
        c["gif_file"] = gr.File(gif_value, label="Path (animated GIF)", elem_id="interp-gif-file")
        with gr.Column(visible=images.video_available()):
            c["video_button"] = gr.Button("Path as MP4 video", size="sm", elem_id="interp-mp4-button")
            c["video_file"] = gr.File(label="Path (MP4)", visible=False, elem_id="interp-mp4-file")  # shown once made
    return c


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    """The Interpolation tab's components and wiring (call inside ``gr.Blocks``)."""
    names = model_names(zoo)
    first_frame = first_path = None
    if names:  # render the first view now, so the page opens with images and no extra round trip
        first = dict(model_name=names[0], **INITIAL)
        first_frame = render_frame(zoo, **{k: first[k] for k in FRAME if k in first})
        first_path = render_path(zoo, **{k: first[k] for k in PATH if k in first})
    c = _controls(zoo, names, first_frame, first_path)
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
        encoded = _encoded(zoo, name, chosen)
        return (
            gr.Radio(visible=has_encoder(zoo, name)),
            gr.Row(visible=not encoded),
            gr.Button(visible=not encoded),
            gr.Group(visible=encoded),
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
