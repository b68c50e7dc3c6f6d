import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from explorer import images, latent
from explorer.models.base import HasEncoder
from explorer.ui import interpolate
from explorer.ui.previews import Previews

MODEL = "dcgan-fashion-mnist"


def expected_frame(zoo, seed_a, seed_b, t, method):
    model = zoo.load(MODEL)
    z = latent.interpolate(model.sample_latent(1, seed_a), model.sample_latent(1, seed_b), t, method)
    with torch.inference_mode():
        return np.asarray(images.image(model.generate(z), scale=interpolate.PREVIEW_SCALE))


def test_frame_is_the_generator_output_on_the_interpolated_latent(default_zoo):
    frame = interpolate.render_frame(default_zoo, MODEL, 3, 4, 0.3, "linear (lerp)")
    assert isinstance(frame, Image.Image) and frame.size == (256, 256)
    assert np.array_equal(np.asarray(frame), expected_frame(default_zoo, 3, 4, 0.3, "linear"))


def test_endpoints_are_the_seed_images_and_the_middle_depends_on_the_path(default_zoo):
    at_a = np.asarray(interpolate.render_frame(default_zoo, MODEL, 3, 4, 0.0, "spherical (slerp)"))
    lerp_a = np.asarray(interpolate.render_frame(default_zoo, MODEL, 3, 4, 0.0, "linear (lerp)"))
    assert np.array_equal(at_a, lerp_a)
    assert np.array_equal(at_a, expected_frame(default_zoo, 3, 99, 0.0, "linear"))  # only seed A matters at t=0
    mid_lerp = np.asarray(interpolate.render_frame(default_zoo, MODEL, 3, 4, 0.5, "linear (lerp)"), dtype=float)
    mid_slerp = np.asarray(interpolate.render_frame(default_zoo, MODEL, 3, 4, 0.5, "spherical (slerp)"), dtype=float)
    assert np.abs(mid_lerp - mid_slerp).mean() > 1.0


def test_path_strip_plot_and_downloads(default_zoo):
    strip, figure, png, gif = interpolate.render_path(default_zoo, MODEL, 3, 4, 6, "spherical (slerp)", 0.3)
    frame = 32 * interpolate.STRIP_SCALE
    pad = 2 * interpolate.STRIP_SCALE
    assert strip.size == (6 * frame + 7 * pad, 2 * frame + 3 * pad)  # 6 frames, 2 rows (lerp, slerp)
    lerp_norms, slerp_norms = figure.data[0].y, figure.data[1].y
    radius = latent.typical_radius(100)
    assert min(lerp_norms) < 0.85 * radius  # the lerp dip
    assert max(abs(np.asarray(slerp_norms) - radius)) < 0.2 * radius
    assert figure.data[2].name.startswith("typical radius") and figure.data[2].y[0] == pytest.approx(radius)
    assert figure.layout.shapes[0].x0 == pytest.approx(0.3)  # the current t is marked
    assert np.array_equal(np.asarray(Image.open(png)), np.asarray(strip))
    animation = Image.open(gif)
    assert animation.format == "GIF" and animation.n_frames >= 24


@pytest.mark.parametrize(
    "args, message",
    [
        ((MODEL, -5, 4, 0.5, "linear (lerp)"), "Seed A must be a whole number from 0 to"),
        ((MODEL, 3, 2**40, 0.5, "linear (lerp)"), "Seed B must be a whole number from 0 to"),
        (("no-such-model", 3, 4, 0.5, "linear (lerp)"), "unknown model"),
        ((MODEL, 3, 4, 1.5, "linear (lerp)"), "t must be a number from 0 to 1"),
        ((MODEL, 3, 4, 0.5, "cubic"), "unknown interpolation"),
    ],
)
def test_bad_input_is_a_gradio_error(default_zoo, args, message):
    with pytest.raises(gr.Error, match=message):
        interpolate.render_frame(default_zoo, *args)


def test_bad_frame_count_is_a_gradio_error(default_zoo):
    with pytest.raises(gr.Error, match="number of frames"):
        interpolate.render_path(default_zoo, MODEL, 1, 2, 500, "linear (lerp)")


def test_corrupted_checkpoint_is_a_gradio_error(tiny_zoo, tmp_path):
    from explorer.zoo import Zoo, ZooEntry

    folder = tmp_path / "broken"
    folder.mkdir()
    source = tiny_zoo.entry("tiny").folder
    (folder / "config.json").write_text((source / "config.json").read_text())
    (folder / "model.safetensors").write_bytes(b"garbage")
    zoo = Zoo(tmp_path / "none.json", device="cpu")
    zoo.entries["broken"] = ZooEntry("broken", "dcgan", str(folder), 32, 16)
    with pytest.raises(gr.Error, match="corrupted"):
        interpolate.render_frame(zoo, "broken", 1, 2, 0.5, "linear (lerp)")


def test_slider_wiring_renders_only_the_newest_value(default_zoo):
    previews = Previews()
    with gr.Blocks() as demo:  # default: the preview route while t moves, Gradio's render once it rests
        interpolate.build(default_zoo, previews)
    fns = {f.api_name: f for f in demo.fns.values() if f.api_name}
    frame = fns["interpolate_frame"]
    assert frame.trigger_mode == "always_last" and frame.concurrency_limit is None
    [(sync_id, event)] = frame.targets
    assert event == "click" and demo.blocks[sync_id].elem_id == "interpolate-frame-sync"
    assert demo.blocks[sync_id].visible == "hidden"
    assert "interpolate_path" in fns
    moving = [f for f in demo.fns.values() if f.fn is None and f.js and "slider(" in f.js]
    assert len(moving) == 1 and [event for _, event in moving[0].targets] == ["input"]
    assert '"interpolate_frame", "interp-frame", "interpolate-frame-sync"' in moving[0].js
    assert set(previews.handlers) == {"interpolate_frame"}

    off = Previews(enabled=False)
    with gr.Blocks() as plain:  # without the route: Gradio renders every move
        interpolate.build(default_zoo, off)
    frame = next(f for f in plain.fns.values() if f.api_name == "interpolate_frame")
    assert [event for _, event in frame.targets] == ["input"] and not off.handlers


def test_the_note_speaks_of_the_sqrt_d_shell_only_where_it_applies(default_zoo):
    assert "√d" in interpolate.path_note(default_zoo, MODEL)
    vae = default_zoo.names(HasEncoder)[0]
    note = interpolate.path_note(default_zoo, vae)
    assert "no thin shell" in note and "2 dimensions" in note


def test_releasing_t_moves_the_marker(default_zoo):
    figure = interpolate.render_norms(default_zoo, MODEL, 3, 4, 0.8)
    assert figure.layout.shapes[0].x0 == pytest.approx(0.8)
    with pytest.raises(gr.Error, match="t must be a number from 0 to 1"):
        interpolate.render_norms(default_zoo, MODEL, 3, 4, None)
