"""pix2pix and CycleGAN at image scale in a real Chromium (the GAN theory tab): a sketch drawn with the mouse
becomes garments; a test image's round trip x → G(x) → F(G(x)) in both directions."""

import numpy as np
import pytest

from explorer.ui.tabs.theory import bimodal, cycle

from .waiting import fetch_image, wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

PIX2PIX, L1, CYCLEGAN = "pix2pix-fashion-mnist", "pix2pix-l1-fashion-mnist", "cyclegan-fashion-mnist"


def open_section(page, name: str) -> None:
    page.get_by_role("tab", name="GAN theory", exact=True).click()
    page.get_by_role("tab", name=name, exact=True).click()


def text_of(page, selector: str) -> str:
    return page.evaluate(f"() => document.querySelector('{selector}')?.innerText || ''")


def test_a_sketch_drawn_with_the_mouse_becomes_garments(page, default_zoo):
    open_section(page, "L2 vs adversarial")
    value, loaded = bimodal.load_test_edges(default_zoo, PIX2PIX, bimodal.FIRST_EDGES)
    first, _ = bimodal.translate_sketch(default_zoo, value, PIX2PIX, L1, loaded)
    wait_for_image(page, "#p2p-view img", np.asarray(first), timeout=90)  # the first view's edges, both garments, truth
    page.wait_for_function(
        "() => (document.querySelector('#p2p-text')?.innerText || '').includes('L1 to the real garment')",
        timeout=30_000,
    )
    canvas = page.locator("#p2p-sketch canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 100
    # a stroke across the middle of the drawing (the canvas element is wider than the 256² drawing it centres):
    # the sketch is now an edit of the test image's edge map, read in place: no truth, new garments
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx - 50, cy)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(cx - 50 + 5 * step, cy, steps=3)
    page.mouse.up()
    page.wait_for_function(
        "() => (document.querySelector('#p2p-text')?.innerText || '').includes('no real garment')", timeout=60_000
    )
    src = page.evaluate("() => document.querySelector('#p2p-view img')?.src")
    shown = fetch_image(src)
    assert shown.shape[1] < np.asarray(first).shape[1]  # three columns now: input, pix2pix, L1 only
    assert "Sharpness" in text_of(page, "#p2p-text")


def test_a_test_image_goes_round_the_cycle_in_both_directions(page, default_zoo):
    open_section(page, "CycleGAN")
    there, _ = cycle.round_trip(default_zoo, CYCLEGAN, "a2b", 0)
    wait_for_image(page, "#cyc-view img", np.asarray(there), timeout=90)
    page.get_by_label("Ankle boot → Sneaker").check()
    back, text = cycle.round_trip(default_zoo, CYCLEGAN, "b2a", 0)
    wait_for_image(page, "#cyc-view img", np.asarray(back), timeout=60)
    expected = text.split(" (per image")[0].replace("**", "")
    page.wait_for_function(
        f"() => (document.querySelector('#cyc-text')?.innerText || '').includes({expected!r})", timeout=30_000
    )
