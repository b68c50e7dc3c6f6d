"""The preview route in a real Chromium: what a moving slider or a click paints first is the handler's image.

While a slider moves, its JavaScript paints the route's PNG (a ``blob:`` URL) into the output; once it
rests, Gradio's own event renders the same inputs and the component shows its file URL with the same
pixels. Pixels are read back from the page (a canvas), so the test checks what is painted.
"""

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from explorer.ui import previews
from explorer.ui.tabs import interpolation
from explorer.ui.tabs.manifold import plane as latent_plane

from .waiting import WATCH_SRCS

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

PIXELS = """
(sel) => {
  const img = document.querySelector(sel);
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  return [canvas.width, canvas.height, Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data)];
}
"""


def painted(page, selector: str) -> np.ndarray:
    """The RGB pixels the page shows in ``selector``'s <img> (decoded by the browser)."""
    width, height, data = page.evaluate(PIXELS, selector)
    return np.array(data, dtype=np.uint8).reshape(height, width, 4)[:, :, :3]


def as_rgb(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


def test_arrow_keys_paint_the_route_image_then_gradio_syncs_the_same_pixels(page, default_zoo):
    page.get_by_role("tab", name="Interpolation").click()
    page.wait_for_selector("#interp-frame img", timeout=60_000)
    page.evaluate(WATCH_SRCS, "#interp-frame")
    # as a page whose WebAssembly runtime failed: the t slider's fallback, the route (explorer/ui/inpage.py)
    page.wait_for_function("() => window.__latentPreview", timeout=60_000)
    page.evaluate("() => { window.__latentPreview.noRuntime = true; }")
    slider = page.locator("#interp-t input[type=range]")
    slider.focus()
    # a route answer is dropped when Gradio paints a file after it was asked (previews.js: S.shown); on a busy machine
    # the tab's own first render can land after the first key's request, so a key whose image never shows is pressed
    # again (each press is a move the route paints) until one is painted
    for press in range(5):
        page.keyboard.press("ArrowRight")
        try:
            page.wait_for_function("() => window.__srcs.some((s) => s.startsWith('blob:'))", timeout=15_000)
            break
        except PlaywrightTimeout:
            assert press < 4, f"no route image painted after {press + 1} presses: {page.evaluate('window.__srcs')}"
    t = float(slider.input_value())
    expected = as_rgb(interpolation.render_frame(default_zoo, "dcgan-fashion-mnist", 11, 23, t, "spherical (slerp)"))
    assert np.array_equal(painted(page, "#interp-frame img"), expected)  # the route's image, painted
    # SYNC_AFTER_MS after the last key the page asks Gradio to render the same value
    page.wait_for_function(
        "() => { const s = window.__srcs.at(-1); return s && !s.startsWith('blob:'); }", timeout=30_000
    )
    # the files shown after the route's first paint (a busy machine can paint the tab's initial file late, before it)
    synced = page.evaluate(
        """() => { const after = window.__srcs.slice(window.__srcs.findIndex((s) => s.startsWith('blob:')));
                   return [...new Set(after.filter((s) => s && !s.startsWith('blob:')))]; }"""
    )
    assert len(synced) == 1 and "/file=" in synced[0]  # one Gradio render, of the last value
    page.wait_for_function("() => document.querySelector('#interp-frame img').complete", timeout=30_000)
    assert np.array_equal(painted(page, "#interp-frame img"), expected)  # the component's own value: same pixels
    assert previews.SYNC_AFTER_MS < 1000


def test_a_click_on_the_vae_plane_asks_the_route_and_paints_the_decoded_tile(page, default_zoo):
    page.get_by_role("tab", name="VAE").click()
    plane = page.locator("#vae-plane img")
    plane.wait_for(timeout=60_000)
    box = plane.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.3)  # the panel gets its first image
    page.wait_for_selector("#vae-decoded img", timeout=30_000)
    page.evaluate(WATCH_SRCS, "#vae-decoded")
    fx, fy = 0.2, 0.8
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    # both answers are in: the route's (painted as a blob: URL), then the click event's (a file URL, the same image)
    page.wait_for_function(
        "() => { const s = window.__srcs, routed = s.findIndex((src) => src.startsWith('blob:'));"
        " return routed >= 0 && s.slice(routed + 1).some((src) => src && !src.startsWith('blob:')); }",
        timeout=30_000,
    )
    routed = page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".filter((e) => e.name.includes('/preview/vae_decode')).map((e) => e.responseStatus)"
    )
    assert routed and all(status == 200 for status in routed)  # the click went to the route too
    page.wait_for_function("() => document.querySelector('#vae-decoded img').complete", timeout=30_000)
    size = 15 * latent_plane.TILE
    x, y = round(size * fx), round(size * fy)
    shown = painted(page, "#vae-decoded img")
    candidates = [  # the exact pixel depends on sub-pixel layout: accept the clicked one or a neighbour
        as_rgb(latent_plane.decode_at(default_zoo, "vae2d-fashion-mnist", 15, 3.0, "linear", x + dx, y + dy)[0])
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    ]
    assert any(np.array_equal(shown, c) for c in candidates)
    far = as_rgb(latent_plane.decode_at(default_zoo, "vae2d-fashion-mnist", 15, 3.0, "linear", size - x, size - y)[0])
    assert not np.array_equal(shown, far)  # and it is not just any decoded image
