"""Animated exports: the truncation sweep and the GAN lab (interpolation GIF, training timeline: with their tabs)."""

import dataclasses

from PIL import Image

from explorer.ui import toylab, truncation
from trainers.toy2d import ToyLab, ToyLabConfig

BIGGAN = "biggan-fashion-mnist"


def test_truncation_sweep_gif_has_a_frame_per_threshold(default_zoo):
    path = truncation.sweep_gif(default_zoo, BIGGAN, "Dress", "Coat", 0.0, 3)
    with Image.open(path) as gif:
        assert gif.n_frames == 2 * len(truncation.SWEEP) - 2  # there and back
        first = gif.convert("L").tobytes()
        gif.seek(len(truncation.SWEEP) - 1)
        assert gif.convert("L").tobytes() != first  # the lowest threshold differs from the highest


def test_gan_lab_gif_records_on_a_copy(tmp_path):
    lab = ToyLab(ToyLabConfig())
    values = {**dataclasses.asdict(ToyLabConfig()), **dataclasses.asdict(ToyLabConfig().model)}
    controls = [values[name] for name in toylab.CONTROL_NAMES]
    path = toylab.record_gif(lab, 5, 10, *controls)
    assert lab.step_count == 0  # the running lab is untouched
    with Image.open(path) as gif:
        assert gif.n_frames == 11 and gif.size == (toylab.GIF_SIZE, toylab.GIF_SIZE)
        gif.seek(10)
        last = gif.convert("RGB")
    assert last.getpixel((0, 0)) is not None
    assert toylab.record_gif(None, 1, 2, *controls).endswith(".gif")
