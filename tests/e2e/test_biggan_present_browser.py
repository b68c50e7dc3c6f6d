"""The BigGAN tab at a projector's 1280×720 in presentation mode (issue #33, the lecture path's steps 19–20): nothing
lies over the samples' and the sweep's first rows, the captions give the real seeds, the sweep's row labels are
legible."""

import numpy as np
import pytest

from explorer.ui.tabs.truncation import sweep

from .waiting import wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

BIGGAN = "biggan-fashion-mnist"
STEP_19 = f"?present=1&tab=truncation&model={BIGGAN}&a=Pullover&b=Trouser&alpha=0&threshold=0.5&seed=0"
# each visible thing drawn in an image's block besides the image: Gradio's floating label, its icon buttons
OVER = """(block) => [...document.querySelectorAll(block + ' [data-testid=block-label], ' + block + ' .icon-button')]
  .filter(e => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden')
  .map(e => { const b = e.getBoundingClientRect(); return {x: b.x, y: b.y, width: b.width, height: b.height}; })
  .filter(b => b.width > 1 && b.height > 1)"""


def overlap(a: dict, b: dict) -> bool:
    """Whether two boxes (x, y, width, height) share any area."""
    apart_x = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
    apart_y = a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
    return not (apart_x or apart_y)


@pytest.fixture
def projector(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    yield page
    context.close()


def test_sweep_and_samples_show_every_row_their_seeds_and_legible_labels(projector, app_url, default_zoo):
    page = projector
    page.goto(app_url + STEP_19)
    expected, _ = sweep.render_sweep(default_zoo, BIGGAN, "Pullover", "Trouser", 0.0, 0)
    shown = wait_for_image(page, "#trunc-sweep img", np.asarray(expected), timeout=120)
    for block in ("#trunc-samples", "#trunc-sweep"):
        image = page.locator(f"{block} img").bounding_box()
        caption = page.locator(f"{block}-caption").bounding_box()
        assert caption["y"] + caption["height"] <= image["y"], f"{block}: the caption is not above the image"
        covering = [box for box in page.evaluate(OVER, block) if overlap(box, image)]
        assert covering == [], f"{block}: something lies over the image {image}: {covering}"
        assert 0 <= image["y"] and image["y"] + 0.2 * image["height"] <= 720  # its first rows in the view
    assert "seeds 0 … 15" in page.locator("#trunc-samples-caption").inner_text()
    assert "seeds 0 … 7" in page.locator("#trunc-sweep-caption").inner_text()
    # the row labels' ink, in the image's pixels, scaled as the page shows the image
    width = page.locator("#trunc-sweep img").bounding_box()["width"]
    margin = np.asarray(shown)[..., :3].min(axis=-1)[:, : shown.shape[1] - (8 * 96 + 9 * 6)] < 128
    heights = [np.ptp(np.nonzero(row.any(axis=1))[0]) + 1 for row in np.array_split(margin, len(sweep.SWEEP))]
    on_screen = min(heights) * width / shown.shape[1]
    assert on_screen >= 14, f"row labels {on_screen:.1f} px high on a 1280×720 projector"
    # a new seed: both captions follow
    seed = page.locator("#trunc-seed input")
    seed.fill("5")
    seed.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#trunc-samples-caption').innerText.includes('seeds 5 … 20')", timeout=30_000
    )
    page.wait_for_function(
        "() => document.querySelector('#trunc-sweep-caption').innerText.includes('seeds 5 … 12')", timeout=30_000
    )
