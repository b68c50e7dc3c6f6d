"""Animated exports: GIF always, MP4 beside it (imageio-ffmpeg is a test dependency, so both are checked).

The truncation sweep, the GAN lab recording and the interpolation path video here; the training
timeline with its tab.
"""

import dataclasses

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from explorer import images
from explorer.ui.tabs import interpolation
from explorer.ui.tabs.toylab import handlers, presets
from explorer.ui.tabs.truncation import sweep
from trainers.toy2d import ToyLab, ToyLabConfig

BIGGAN = "biggan-fashion-mnist"


def read_mp4(path: str) -> tuple[dict, list[np.ndarray]]:
    """The video's metadata and its decoded RGB frames (by the same ffmpeg, read back)."""
    reader = imageio_ffmpeg.read_frames(path)
    meta = next(reader)
    width, height = meta["size"]
    frames = [np.frombuffer(frame, np.uint8).reshape(height, width, 3) for frame in reader]
    return meta, frames


def test_mp4_holds_the_gif_frames_padded_to_whole_macroblocks(tmp_path):
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (100, 60), colour) for colour in colours]
    gif, mp4 = images.save_animation(frames, tmp_path / "clip.png", duration_ms=250, bounce=True)
    assert gif.endswith("clip.gif") and mp4.endswith("clip.mp4")
    meta, decoded = read_mp4(mp4)
    assert meta["size"] == (112, 64) and meta["fps"] == pytest.approx(4.0)
    assert len(decoded) == 4  # red, green, blue, green: there and back like the GIF
    centres = [tuple(int(c) for c in frame[32, 56]) for frame in decoded]
    for got, want in zip(centres, [colours[0], colours[1], colours[2], colours[1]], strict=True):
        assert max(abs(g - w) for g, w in zip(got, want, strict=True)) < 40  # lossy H.264, same colour
    with Image.open(gif) as animation:
        assert animation.n_frames == 4


def test_truncation_sweep_animation_has_a_frame_per_threshold(default_zoo):
    gif_path, mp4_path = sweep.sweep_animation(default_zoo, BIGGAN, "Dress", "Coat", 0.0, 3)
    with Image.open(gif_path) as gif:
        assert gif.n_frames == 2 * len(sweep.SWEEP) - 2  # there and back
        first = gif.convert("L").tobytes()
        gif.seek(len(sweep.SWEEP) - 1)
        assert gif.convert("L").tobytes() != first  # the lowest threshold differs from the highest
        size = gif.size
    meta, frames = read_mp4(mp4_path)
    assert len(frames) == 2 * len(sweep.SWEEP) - 2
    for side, original in zip(meta["size"], size, strict=True):  # padded to whole macroblocks, never resized
        assert side % images.MP4_BLOCK == 0 and side - images.MP4_BLOCK < original <= side


def test_gan_lab_animation_records_on_a_copy(tmp_path):
    lab = ToyLab(ToyLabConfig())
    values = {**dataclasses.asdict(ToyLabConfig()), **dataclasses.asdict(ToyLabConfig().model)}
    controls = {name: values[name] for name in presets.CONTROL_NAMES}
    gif_path, mp4_path = handlers.record_animation(lab, 5, 10, controls)
    assert lab.step_count == 0  # the running lab is untouched
    with Image.open(gif_path) as gif:
        assert gif.n_frames == 11 and gif.size == (handlers.GIF_SIZE, handlers.GIF_SIZE)
        gif.seek(10)
        last = gif.convert("RGB")
    assert last.getpixel((0, 0)) is not None
    _, frames = read_mp4(mp4_path)
    assert len(frames) == 11 and frames[0].shape == (handlers.GIF_SIZE, handlers.GIF_SIZE, 3)
    assert not np.array_equal(frames[0], frames[-1])  # the points moved
    assert handlers.record_animation(None, 1, 2, controls)[0].endswith(".gif")


def test_interpolation_video_walks_the_same_path_as_the_gif(default_zoo):
    _, _, _, gif_path = interpolation.render_path(default_zoo, "dcgan-fashion-mnist", 3, 4, 4, "linear")
    mp4_path = interpolation.render_path_video(default_zoo, "dcgan-fashion-mnist", 3, 4, 4, "linear")
    _, frames = read_mp4(mp4_path)
    with Image.open(gif_path) as gif:
        assert gif.n_frames == len(frames) == 2 * 16 - 2  # 4 × 4 frames, there and back
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"), dtype=np.float32)
    assert np.abs(frames[0].astype(np.float32) - first).mean() < 12  # the same picture up to compression
    assert np.abs(frames[0].astype(np.float32) - frames[-1]).mean() > 5  # and the path moves
