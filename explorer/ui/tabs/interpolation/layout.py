"""The Interpolation tab's controls and views, by name (the handlers' parameter names for their controls)."""

import gradio as gr

from explorer import images, latent
from explorer.ui.common import drawn_image
from explorer.ui.tabs.interpolation.ends import ENDS, TEST_IMAGES

METHODS = {"spherical (slerp)": "spherical", "linear (lerp)": "linear"}  # the Path choice → latent.interpolate's
INITIAL = dict(seed_a=11, seed_b=23, t=0.5, method="spherical (slerp)", n_frames=10)


def _whole(value: int, label: str, maximum: int, elem_id: str) -> gr.Number:
    return gr.Number(value, label=label, precision=0, minimum=0, maximum=maximum, elem_id=elem_id)


def _picture(value, label: str, elem_id: str, **options) -> gr.Image:
    return drawn_image(elem_id, label, value=value, buttons=["download"], **options)


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


def controls(names: list[str], note: str, encoder: bool, first_frame, first_path) -> dict:
    """The tab's components by name (the handlers' parameter names for their controls), drawn with its first view:
    ``note`` for the first model, whose ``encoder`` shows the *Ends* choice."""
    strip_value, norms_value, png_value, gif_value = first_path or (None, None, None, None)
    model0 = names[0] if names else None
    c = {"note": gr.Markdown(note, elem_classes=["note"], elem_id="interp-note")}
    with gr.Row():
        with gr.Column(scale=1):
            c["model_name"] = gr.Dropdown(names, value=model0, label="Model", elem_id="interp-model")
            c |= _end_controls(encoder)
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
