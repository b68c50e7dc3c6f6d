"""Main sliders of the other tabs, dragged with the mouse: the painted image is the handler's output."""

import numpy as np
import pytest

from explorer.ui.tabs import arithmetic
from explorer.ui.tabs.stylemix import noise
from explorer.ui.tabs.truncation import samples

from .waiting import wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"


def drag(page, slider: str, to_fraction: float) -> float:
    """Press on the thumb of ``slider`` (an elem_id) and drag it in small moves; return the new value."""
    track = page.locator(f"#{slider} input[type=range]")
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    value, low, high = (float(track.evaluate(f"e => e.{k}")) for k in ("value", "min", "max"))
    half_thumb = 8  # the thumb's centre runs from min to max inside the track's ends
    width = box["width"] - 2 * half_thumb
    x0, y = box["x"] + half_thumb + width * (value - low) / (high - low), box["y"] + box["height"] / 2
    page.mouse.move(x0, y)
    page.mouse.down()
    for x in np.linspace(x0, box["x"] + half_thumb + width * to_fraction, 10)[1:]:
        page.mouse.move(x, y)
    page.mouse.up()
    return float(page.locator(f"#{slider} input[type=number]").input_value())


def test_style_mixing_noise_strength(page, default_zoo):
    page.get_by_role("tab", name="Style mixing", exact=True).click()
    page.get_by_role("tab", name="Noise inputs (Fig. 5)").click()
    page.wait_for_selector("#mix-noisy img", timeout=60_000)
    strength = drag(page, "mix-strength", 0.7)
    assert 3.0 <= strength <= 4.0
    model = default_zoo.load("stylegan-fashion-mnist")
    expected = noise.noise_image(default_zoo, "stylegan-fashion-mnist", 6, "random", 0, strength, [1.0] * model.num_ws)
    wait_for_image(page, "#mix-noisy img", expected)  # once the drag rests, Gradio's render of the last value


def test_truncation_threshold(page, default_zoo):
    page.get_by_role("tab", name="BigGAN").click()
    page.wait_for_selector("#trunc-samples img", timeout=60_000)
    threshold = drag(page, "trunc-threshold", 0.1)
    assert 0.2 <= threshold <= 0.6
    classes = default_zoo.load("biggan-fashion-mnist").class_names
    expected, _ = samples.render_samples(default_zoo, "biggan-fashion-mnist", classes[0], classes[1], 0.0, threshold, 0)
    wait_for_image(page, "#trunc-samples img", expected)  # always_last: the last input's render lands


def test_arithmetic_noise_sigma(page, default_zoo):
    page.get_by_role("tab", name="Arithmetic").click()
    page.wait_for_selector("#arith-grid img", timeout=60_000)
    sigma = drag(page, "arith-sigma", 0.8)
    assert 0.7 <= sigma <= 0.9
    groups = [page.locator(f"#arith-{g} textarea").input_value() for g in "abc"]
    _, expected, _ = arithmetic.arithmetic(default_zoo, "dcgan-fashion-mnist", *groups, "z space", sigma, 0)
    wait_for_image(page, "#arith-grid img", expected)  # the release event's render of the new σ
