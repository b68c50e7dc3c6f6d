"""The GAN theory tab in front of a room (issue #33): the lecture path's pix2pix step, a link to the *L2 vs
adversarial* section in presentation mode at a projector's 1280×720, shows its sketchpad and the garments it becomes
without scrolling, and the link draws the section's first view."""

import numpy as np
import pytest

from explorer.ui.tabs.theory import bimodal

from .waiting import wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

PIX2PIX, L1 = "pix2pix-fashion-mnist", "pix2pix-l1-fashion-mnist"
WIDTH, HEIGHT = 1280, 720


@pytest.fixture
def projector(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    yield page
    context.close()


def outside_the_view(page, selector: str) -> tuple | None:
    """``selector``'s box (x, y, right, bottom) where any of it lies outside the viewport, else None."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    right, bottom = box["x"] + box["width"], box["y"] + box["height"]
    if box["x"] < 0 or box["y"] < 0 or right > WIDTH or bottom > HEIGHT:
        return tuple(round(v) for v in (box["x"], box["y"], right, bottom))
    return None


def test_the_pix2pix_step_shows_the_sketchpad_and_the_garments_in_one_projector_view(projector, app_url, default_zoo):
    page = projector
    page.goto(app_url + "?present=1&tab=theory&section=bimodal")
    value, loaded = bimodal.load_test_edges(default_zoo, PIX2PIX, bimodal.FIRST_EDGES)
    first, _ = bimodal.translate_sketch(default_zoo, value, PIX2PIX, L1, loaded)
    wait_for_image(page, "#p2p-view img", np.asarray(first), timeout=90)  # the link drew the section's first view
    page.locator("#p2p-sketch canvas").first.wait_for(timeout=30_000)
    assert page.evaluate("() => document.documentElement.classList.contains('present')")
    selected = page.locator("#theory-sections button[role=tab][aria-selected=true]").inner_text()
    assert selected.strip() == bimodal.TITLE
    assert page.evaluate("() => window.scrollY") == 0  # nothing scrolled the page for us
    outside = {s: outside_the_view(page, s) for s in ("#p2p-sketch", "#p2p-sketch canvas", "#p2p-view img")}
    assert not any(outside.values()), f"outside the {WIDTH}×{HEIGHT} view (x, y, right, bottom): {outside}"
