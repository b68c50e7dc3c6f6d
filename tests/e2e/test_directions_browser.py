"""The Directions tab in Chromium at 1280×720: the faces model's directions move the image; an uploaded image is
inverted with progress and then edited by the same slider."""

import re

import numpy as np
import pytest
import torch
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from explorer.images import image as to_image
from explorer.ui.tabs.directions import edits

from .test_sliders_browser import drag
from .waiting import wait_for_image

pytestmark = pytest.mark.slow

ARGS = ["dcgan-digiface-64", "SeFa (closed form)", "Trouser", "none", "all rows", "4, 31, 35, 53", "0, 5, 30, 45"]

# what Gradio's own progress and queue indicators say (a job waiting behind another in a queue group shows there)
PROGRESS_JS = """() => [...document.querySelectorAll(
  '.progress-text, .eta-bar, .meta-text, .meta-text-center, .toast-body')].map((e) => e.innerText.trim())
  .filter(Boolean).slice(0, 8)"""


@pytest.fixture(scope="module")
def lecture_page(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(app_url)
    yield page
    page.close()


def test_a_direction_slider_moves_the_face(lecture_page, default_zoo):
    page = lecture_page
    page.get_by_role("tab", name="Directions", exact=True).click()
    # the tab draws its first view when opened: the faces model, SeFa, seed 0, α = 0
    still = edits.render_edit(default_zoo, *ARGS, "0 · SeFa 0", 0.0, 0, "")
    wait_for_image(page, "#dir-image img", still, timeout=60)
    page.wait_for_selector("#dir-grid img")
    alpha = drag(page, "dir-alpha", 0.9)
    assert alpha > 2
    moved = edits.render_edit(default_zoo, *ARGS, "0 · SeFa 0", alpha, 0, "")
    shown = wait_for_image(page, "#dir-image img", moved)
    assert np.abs(shown.astype(float) - np.asarray(still, float)).mean() > 3  # the face changed


def test_an_uploaded_face_is_inverted_with_progress_then_edited(lecture_page, default_zoo, tmp_path):
    page = lecture_page
    model = default_zoo.load("dcgan-digiface-64")
    with torch.no_grad():
        face = model.generate(model.sample_latent(1, 777))
    to_image(face, scale=2).save(tmp_path / "face.png")  # a 128² picture: resized to 64² by the tab
    page.locator("#dir-upload input[type=file]").set_input_files(str(tmp_path / "face.png"))
    steps = page.locator("#dir-steps input[type=number]")
    steps.fill("40")
    steps.press("Enter")
    # every text the status shows, recorded as it changes: polling could miss a quick run's progress lines (seen
    # once in a clean clone: no "step n / 40" within 120 s), and a failure says what the page showed instead
    page.evaluate(
        """() => { const box = document.querySelector('#dir-invert-status'), texts = (window.__status = []);
          new MutationObserver(() => texts.push(box.innerText)).observe(box,
            {subtree: true, childList: true, characterData: true}); }"""
    )
    page.locator("#dir-invert").click()
    status = page.locator("#dir-invert-status")
    try:
        page.wait_for_function(
            "() => document.querySelector('#dir-invert-status').innerText.includes('Done')", timeout=240_000
        )
    except PlaywrightTimeout:
        raise AssertionError(
            f"no 'Done' within 240 s; the status showed {page.evaluate('() => window.__status.slice(-8)')}; "
            f"Gradio's progress in the page: {page.evaluate(PROGRESS_JS)}"
        ) from None
    shown = page.evaluate("() => window.__status")
    assert any(re.search(r"step \d+ / 40", text) for text in shown), shown[-8:]  # progress while it ran
    assert "RMSE" in status.inner_text()
    key = (
        page.locator("#dir-source textarea, #dir-source input").first.input_value()
        if page.locator("#dir-source textarea, #dir-source input").count()
        else None
    )
    page.wait_for_selector("#dir-inverted img")
    before = page.evaluate("() => document.querySelector('#dir-image img').src")
    drag(page, "dir-alpha", 0.2)  # the slider now edits the inverted face
    page.wait_for_function(
        "(old) => { const i = document.querySelector('#dir-image img'); return i && i.src !== old; }",
        arg=before,
        timeout=60_000,
    )
    assert key is None or key.startswith("inv-")
    assert isinstance(Image.open(tmp_path / "face.png"), Image.Image)
