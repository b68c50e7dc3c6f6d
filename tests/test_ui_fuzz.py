"""Hostile values through every tab's handlers: a result or a gr.Error, never anything else."""

import math

import gradio as gr
import numpy as np
import pytest

from explorer.ui import arithmetic, interpolate, loader, manifold, stylemix, toylab, truncation

HOSTILE = [math.nan, math.inf, -math.inf, 10**30, -5, 0, "", None, [], "abc"]


def cases(default_zoo):
    z = default_zoo
    num_ws = z.load("stylegan-fashion-mnist").num_ws
    toy = toylab.preset_values("WGAN-GP fixes it")
    return [
        (interpolate.render_frame, [z, "dcgan-fashion-mnist", 1, 2, 0.5, "linear (lerp)"]),
        (interpolate.render_path, [z, "dcgan-fashion-mnist", 1, 2, 4, "spherical (slerp)"]),
        (arithmetic.arithmetic, [z, "dcgan-fashion-mnist", "1", "2", "3", "z space", 0.25, 0]),
        (arithmetic.seed_grid, [z, "dcgan-fashion-mnist", 0]),
        (stylemix.style_mix, [z, "stylegan-fashion-mnist", "1", "2", "coarse", 0, 1, 1.0, 0, "const", 0]),
        (stylemix.noise_panel, [z, "stylegan-fashion-mnist", 1, "random", 0, 1.0, *([1.0] * num_ws)]),
        (truncation.render_samples, [z, "biggan-fashion-mnist", "Trouser", "Bag", 0.5, 0.7, 1]),
        (manifold.render_plane, [z, "vae2d-fashion-mnist", 5, 3.0, "linear", False]),
        (manifold.decode_at, [z, "vae2d-fashion-mnist", 5, 3.0, "linear", 10, 10]),
        (manifold.encode_image, [z, "vae2d-fashion-mnist", np.zeros((28, 28), np.uint8)]),
        (toylab.advance, [None, "both", 1, False, False, toy]),
        (stylemix.noise_image, [z, "stylegan-fashion-mnist", 1, "random", 0, 1.0, *([1.0] * num_ws)]),
        (stylemix.noise_std, [z, "stylegan-fashion-mnist", 1, "random", 0, 1.0, *([1.0] * num_ws)]),
        (truncation.sweep_animation, [z, "biggan-fashion-mnist", "Trouser", "Bag", 0.5, 1]),
        (truncation.switch_model, [z, "biggan-fashion-mnist", 0.5, 0.7, 1]),
        (toylab.record_animation, [None, 1, 2, toy]),
        (interpolate.render_path_video, [z, "dcgan-fashion-mnist", 1, 2, 2, "linear"]),
        (loader.inspect_source, ["models/nothing-here"]),
    ]


def variants(args: list, first: int, per_setting: bool):
    """(where, args) with one hostile value in one place: a positional argument (a dict of named settings
    included) or, with ``per_setting``, one named setting of a dict argument (the GAN lab's settings)."""
    for position in range(first, len(args)):
        for value in HOSTILE:
            hostile = list(args)
            hostile[position] = value
            yield f"arg {position} = {value!r}", hostile
        if per_setting and isinstance(args[position], dict):
            for key in args[position]:
                for value in (math.nan, 10**30, None, "abc"):  # the worst of HOSTILE, per setting
                    hostile = list(args)
                    hostile[position] = {**args[position], key: value}
                    yield f"arg {position}[{key!r}] = {value!r}", hostile


def test_hostile_values_end_as_results_or_gradio_errors(default_zoo):
    failures = []
    for handler, args in cases(default_zoo):
        no_zoo = (toylab.advance, toylab.record_animation, loader.inspect_source)
        first = 0 if handler in no_zoo else 1  # the zoo is not
        # the lab's settings are checked in one place (toylab._lab): fuzzed one by one through advance only
        for position, hostile in variants(args, first, per_setting=handler is toylab.advance):
            try:
                handler(*hostile)
            except gr.Error:
                pass
            except Exception as error:  # noqa: BLE001 - that is what the test looks for
                failures.append(f"{handler.__name__} {position}: {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("size", [(1, 1), (3, 5000, 3)])
def test_degenerate_uploads(default_zoo, size):
    with pytest.raises(gr.Error):
        manifold.encode_image(default_zoo, "vae2d-fashion-mnist", np.zeros(size, np.uint8))
