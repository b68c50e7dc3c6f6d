import json

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from explorer import images, latent
from explorer.models.base import HasEncoder
from explorer.pictures import to_model_image
from explorer.ui.previews import Previews
from explorer.ui.tabs import interpolation
from explorer.ui.tabs.interpolation import ends

MODEL = "dcgan-fashion-mnist"


def expected_frame(zoo, seed_a, seed_b, t, method):
    model = zoo.load(MODEL)
    z = latent.interpolate(model.sample_latent(1, seed_a), model.sample_latent(1, seed_b), t, method)
    with torch.inference_mode():
        return np.asarray(images.image(model.generate(z), scale=interpolation.PREVIEW_SCALE))


def test_frame_is_the_generator_output_on_the_interpolated_latent(default_zoo):
    frame = interpolation.render_frame(default_zoo, MODEL, 3, 4, 0.3, "linear (lerp)")
    assert isinstance(frame, Image.Image) and frame.size == (256, 256)
    assert np.array_equal(np.asarray(frame), expected_frame(default_zoo, 3, 4, 0.3, "linear"))


def test_endpoints_are_the_seed_images_and_the_middle_depends_on_the_path(default_zoo):
    at_a = np.asarray(interpolation.render_frame(default_zoo, MODEL, 3, 4, 0.0, "spherical (slerp)"))
    lerp_a = np.asarray(interpolation.render_frame(default_zoo, MODEL, 3, 4, 0.0, "linear (lerp)"))
    assert np.array_equal(at_a, lerp_a)
    assert np.array_equal(at_a, expected_frame(default_zoo, 3, 99, 0.0, "linear"))  # only seed A matters at t=0
    mid_lerp = np.asarray(interpolation.render_frame(default_zoo, MODEL, 3, 4, 0.5, "linear (lerp)"), dtype=float)
    mid_slerp = np.asarray(interpolation.render_frame(default_zoo, MODEL, 3, 4, 0.5, "spherical (slerp)"), dtype=float)
    assert np.abs(mid_lerp - mid_slerp).mean() > 1.0


def test_path_strip_plot_and_downloads(default_zoo):
    strip, figure, png, gif = interpolation.render_path(default_zoo, MODEL, 3, 4, 6, "spherical (slerp)", 0.3)
    frame = 32 * interpolation.STRIP_SCALE
    pad = 2 * interpolation.STRIP_SCALE
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
        interpolation.render_frame(default_zoo, *args)


def test_bad_frame_count_is_a_gradio_error(default_zoo):
    with pytest.raises(gr.Error, match="number of frames"):
        interpolation.render_path(default_zoo, MODEL, 1, 2, 500, "linear (lerp)")


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
        interpolation.render_frame(zoo, "broken", 1, 2, 0.5, "linear (lerp)")


def test_slider_wiring_renders_only_the_newest_value(default_zoo):
    previews = Previews()
    with gr.Blocks() as demo:  # default: the preview route while t moves, Gradio's render once it rests
        interpolation.build(default_zoo, previews)
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
        interpolation.build(default_zoo, off)
    frame = next(f for f in plain.fns.values() if f.api_name == "interpolate_frame")
    assert [event for _, event in frame.targets] == ["input"] and not off.handlers


def by_trigger(demo, elem_id: str, event: str) -> list:
    [block] = [i for i, b in demo.blocks.items() if getattr(b, "elem_id", None) == elem_id]
    return [f for f in demo.fns.values() if (block, event) in f.targets]


def test_t_sends_no_figure_its_marker_moves_in_the_page(default_zoo):
    """Issue #31: a release of t used to redraw the ‖z‖ figure (six long tasks, ~0.6 s of a frozen page); now the
    page moves the marker while t moves, and no Gradio event follows t's moves or its release but the frame's
    sync (the preview route's hidden button, pressed once the slider rests)."""
    previews = Previews()
    with gr.Blocks() as demo:
        interpolation.build(default_zoo, previews)
    assert by_trigger(demo, "interp-t", "release") == []  # a track click (input + release) costs what a key does
    moving = by_trigger(demo, "interp-t", "input")
    assert all(f.fn is None and not f.queue for f in moving) and len(moving) == 2  # the preview and the marker
    [mark] = [f for f in moving if "mark(" in f.js]
    assert '"interp-norms", "t"' in mark.js and mark.trigger_mode == "always_last"
    assert previews.marks and "S.mark = " in previews_client_js()

    off = Previews(enabled=False)
    with gr.Blocks() as plain:  # without the page helpers the release redraws the figure, as before
        interpolation.build(default_zoo, off)
    [redraw] = by_trigger(plain, "interp-t", "release")
    assert redraw.fn is not None and [o.elem_id for o in redraw.outputs] == ["interp-norms"]


def previews_client_js() -> str:
    from explorer.ui.previews import client_js

    return client_js()


def test_the_note_speaks_of_the_sqrt_d_shell_only_where_it_applies(default_zoo):
    assert "√d" in interpolation.path_note(default_zoo, MODEL)
    vae = default_zoo.names(HasEncoder)[0]
    note = interpolation.path_note(default_zoo, vae)
    assert "no thin shell" in note and "2 dimensions" in note


def test_releasing_t_moves_the_marker(default_zoo):
    figure = interpolation.render_norms(default_zoo, MODEL, 3, 4, 0.8)
    assert figure.layout.shapes[0].x0 == pytest.approx(0.8)
    # one shape named "t" is the marker: what the page moves (previews.js mark); no annotation (its relayout replots)
    assert [s.name for s in figure.layout.shapes] == ["t"] and not figure.layout.annotations
    with pytest.raises(gr.Error, match="t must be a number from 0 to 1"):
        interpolation.render_norms(default_zoo, MODEL, 3, 4, None)


# Encoded images as the path's ends (a model with an encoder; issue #18, rows 101/102).

VAE = "vae2d-fashion-mnist"
ENCODED = ends.ENDS[1]


def encoded(zoo, *indices):
    model = zoo.load(VAE)
    xs = [ends.dataset_image(zoo, VAE, i, "A")[0] for i in indices]
    with torch.inference_mode():
        return model, xs, [model.encode(x)[0] for x in xs]


def test_encoded_ends_are_the_encoder_means_of_two_test_images(default_zoo):
    model, _, (mu_1, mu_2) = encoded(default_zoo, 1, 2)
    scale = images.fit_scale(model.resolution, interpolation.PREVIEW_SCALE)
    for t, z in ((0.0, mu_1), (1.0, mu_2), (0.4, latent.interpolate(mu_1, mu_2, 0.4, "spherical"))):
        frame = interpolation.render_frame(default_zoo, VAE, 11, 23, t, "spherical (slerp)", ENCODED, 1, 2)
        with torch.inference_mode():
            assert np.array_equal(np.asarray(frame), np.asarray(images.image(model.generate(z), scale=scale))), t
    seeded = interpolation.render_frame(default_zoo, VAE, 11, 23, 0.0, "spherical (slerp)")  # the seeds' path
    at_a = interpolation.render_frame(default_zoo, VAE, 11, 23, 0.0, "spherical (slerp)", ENCODED, 1, 2)
    assert not np.array_equal(np.asarray(seeded), np.asarray(at_a))


def test_the_encoded_strip_puts_the_real_images_at_both_ends_of_each_row(default_zoo):
    model, (x_1, x_2), (mu_1, mu_2) = encoded(default_zoo, 1, 2)
    strip, figure, png, gif = interpolation.render_path(
        default_zoo, VAE, 11, 23, 6, "spherical (slerp)", 0.5, ENCODED, 1, 2
    )
    with torch.inference_mode():
        paths = [latent.interpolation_path(mu_1[0], mu_2[0], 6, kind) for kind in ("linear", "spherical")]
        rows = model.generate(torch.cat(paths)).split(6)  # decoded in one batch, as the tab does
    expected = images.grid_image(
        torch.cat([x_1, rows[0], x_2, x_1, rows[1], x_2]),
        ncols=8,
        scale=images.fit_scale(32, interpolation.STRIP_SCALE),
    )
    assert np.array_equal(np.asarray(strip), np.asarray(expected))  # x_A | 6 decoded frames | x_B, twice
    assert figure.data[0].y[0] == pytest.approx(float(mu_1.norm()), rel=1e-5)  # ‖z‖ starts at ‖μ(x_A)‖
    assert "images-1-2" in png and "images-1-2" in gif


def test_an_uploaded_image_becomes_an_end_through_its_code(default_zoo, tmp_path):
    model, (x_3,), _ = encoded(default_zoo, 3)
    picture = images.to_pil(images.to_uint8(x_3)[0])
    path = tmp_path / "garment.png"
    picture.save(path)
    code = ends.upload_code(default_zoo, VAE, str(path))
    with torch.inference_mode():
        mu = model.encode(to_model_image(np.asarray(picture.convert("RGB"))))[0]
    data = json.loads(code)
    assert data["model"] == VAE and data["z"] == pytest.approx(mu[0].tolist(), abs=1e-5)
    at_a = interpolation.render_frame(default_zoo, VAE, 0, 0, 0.0, "linear (lerp)", ENCODED, 1, 2, code, "")
    scale = images.fit_scale(32, interpolation.PREVIEW_SCALE)
    with torch.inference_mode():
        assert np.array_equal(
            np.asarray(at_a), np.asarray(images.image(model.generate(torch.tensor([data["z"]])), scale=scale))
        )
    strip = interpolation.render_path(
        default_zoo, VAE, 0, 0, 4, "linear (lerp)", 0.5, ENCODED, 1, 2, code, "", str(path)
    )[0]
    first = np.asarray(strip)[6 : 6 + 96, 6 : 6 + 96]  # the strip's first tile: the upload as the encoder saw it
    assert np.array_equal(
        first, np.asarray(images.to_pil(images.to_uint8(to_model_image(np.asarray(picture.convert("RGB"))))[0], 3))
    )
    other = interpolation.render_frame(
        default_zoo, "vae2d-small-fashion-mnist", 0, 0, 0.0, "linear (lerp)", ENCODED, 1, 2, code, ""
    )
    # another model's code is not used: that model starts again from test image A
    small = default_zoo.load("vae2d-small-fashion-mnist")
    with torch.inference_mode():
        mu_small = small.encode(ends.dataset_image(default_zoo, VAE, 1, "A")[0])[0]
        expected = images.image(small.generate(mu_small), scale=scale)
    assert np.array_equal(np.asarray(other), np.asarray(expected))
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(gr.Error, match="notes.png is not an image"):
        ends.upload_code(default_zoo, VAE, str(text))
    assert ends.upload_code(default_zoo, VAE, None) == ""


@pytest.mark.parametrize(
    "args, message",
    [
        ((ENCODED, 10_000, 2), "test image A must be a whole number from 0 to 9999"),
        ((ENCODED, 1, -1), "test image B must be a whole number from 0 to 9999"),
        (("pictures", 1, 2), "the path's ends are seeds or encoded images"),
        ((ENCODED, 1, 2, "{not json", ""), "upload A is not readable"),
        ((ENCODED, 1, 2, "", json.dumps({"model": VAE, "z": [0.0, 1.0, 2.0]})), "upload B does not fit"),
    ],
)
def test_bad_ends_are_a_gradio_error(default_zoo, args, message):
    with pytest.raises(gr.Error, match=message):
        interpolation.render_frame(default_zoo, VAE, 11, 23, 0.5, "linear (lerp)", *args)


def test_a_gan_has_only_seeds_and_its_note_does_not_offer_an_encoder(default_zoo):
    seeded = interpolation.render_frame(default_zoo, MODEL, 3, 4, 0.3, "linear (lerp)")
    asked = interpolation.render_frame(default_zoo, MODEL, 3, 4, 0.3, "linear (lerp)", ENCODED, 1, 2)
    assert np.array_equal(np.asarray(seeded), np.asarray(asked))
    assert not ends.has_encoder(default_zoo, MODEL) and ends.has_encoder(default_zoo, VAE)
    assert "encoder" not in interpolation.path_note(default_zoo, MODEL)
    assert "encoded images" in interpolation.path_note(default_zoo, VAE)


def test_build_offers_the_ends_for_models_with_an_encoder_only(default_zoo):
    with gr.Blocks() as demo:
        parts = interpolation.build(default_zoo, Previews())
    by_id = {getattr(b, "elem_id", None): b for b in demo.blocks.values()}
    assert by_id["interp-ends"].visible is False  # the tab opens on a GAN
    assert by_id["interp-ends"].choices == [(e, e) for e in ends.ENDS]
    assert {"ends", "ia", "ib"} <= set(parts.share.fields)
    show_ends = parts.share.renders[0][0]
    radio, seeds, dice, group = show_ends(VAE, ENCODED)
    assert radio.visible and not seeds.visible and not dice.visible and group.visible
    radio, seeds, dice, group = show_ends(MODEL, ENCODED)
    assert not radio.visible and seeds.visible and not group.visible


def name(event) -> str:
    return getattr(event.fn, "func", event.fn).__name__  # a handler, or a partial of one


def chain(demo, first) -> list:
    """``first`` and the events that follow it on success, in order."""
    events = [first]
    while follow := [f for f in demo.fns.values() if f.trigger_after == events[-1]._id and f.trigger_only_on_success]:
        events += follow
    return events


def test_a_bad_seed_is_said_once_and_rapid_new_seeds_collapse(default_zoo):
    """Issue #33: a bad seed A stacked the same sentence in the toast (the frame's event and the path's each said
    it); ten rapid *New seeds* clicks drew ten paths (a frozen page for ~12 s)."""
    with gr.Blocks() as demo:
        interpolation.build(default_zoo, Previews())
    for event in ("submit", "blur"):
        [reads_seeds] = [f for f in by_trigger(demo, "interp-seed-a", event) if f.inputs]  # one event reads the seed
        frame, path = chain(demo, reads_seeds)
        assert name(frame) == "render_frame" and name(path) == "render_path"  # the path: on the frame's success
    with pytest.raises(gr.Error) as error:
        interpolation.render_frame(default_zoo, MODEL, -1, 4, 0.5, "linear (lerp)")
    assert str(error.value.message).count("Seed A") == 1

    [dice] = [b for b in demo.blocks.values() if isinstance(b, gr.Button) and b.value == "🎲 New seeds"]
    [seeds] = [f for f in demo.fns.values() if (dice._id, "click") in f.targets and name(f) == "random_seeds"]
    steps = chain(demo, seeds)
    assert [name(f) for f in steps] == ["random_seeds", "render_frame", "render_path"]
    assert all(f.trigger_mode == "always_last" for f in steps)  # a burst of clicks: the newest one is drawn
