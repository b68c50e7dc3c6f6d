"""The previews the page renders itself (explorer/ui/inpage.py, previews.js) in a real Chromium.

The page's latents equal ``explorer.latent``'s; a drag on the Interpolation t slider is painted by ONNX Runtime Web
with the server's pixels (≤ 2/255) and no request reaches the server until the release; with the runtime's
WebAssembly blocked the page falls back to the preview route by itself.
"""

import numpy as np
import pytest
import torch

from explorer import latent
from explorer.ui import previews
from explorer.ui.tabs import interpolation as interpolate

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier

PIXELS = """
(sel) => {
  const img = document.querySelector(sel);
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  return [img.src, canvas.width, canvas.height, Array.from(data)];
}
"""
SETTLED = """(name) => { const S = window.__latentPreview, img = document.querySelector('#interp-frame img');
  return img && img.src.startsWith('blob:') && S.seq[name] === S.shown[name]; }"""
NAME = "interpolate_frame"


def painted(page, selector: str) -> tuple[str, np.ndarray]:
    src, width, height, data = page.evaluate(PIXELS, selector)
    return src, np.array(data, dtype=np.uint8).reshape(height, width, 4)[:, :, :3]


def server_frame(zoo, t: float) -> np.ndarray:
    picture = interpolate.render_frame(zoo, "dcgan-fashion-mnist", 11, 23, t, "spherical (slerp)")
    return np.asarray(picture.convert("RGB"))


def open_interpolation(page) -> None:
    page.get_by_role("tab", name="Interpolation").click()
    page.wait_for_selector("#interp-frame img", timeout=60_000)
    page.wait_for_function("() => window.__latentPreview", timeout=60_000)  # the page helpers are installed


def thumb(page) -> tuple[float, float]:
    """Where the t slider's thumb is (the track runs between the thumb's centres at 0 and 1)."""
    handle = page.locator("#interp-t input[type=range]")
    box, value = handle.bounding_box(), float(handle.input_value())
    return box["x"] + 8 + (box["width"] - 16) * value, box["y"] + box["height"] / 2


def test_the_page_computes_the_latents_as_explorer_latent(browser):
    page = browser.new_page()
    try:
        page.evaluate(f"({previews.client_js()})()")
        a, b = torch.randn(2, 100, generator=torch.Generator().manual_seed(3))
        cases = [(a, b), (a, 2 * a), (a[:2], b[:2])]  # 100-d, parallel (slerp falls back to lerp), the 2-D VAE
        for x, y in cases:
            for method in ("linear", "spherical"):
                for t in (0.0, 0.13, 0.5, 0.87, 1.0):
                    got = page.evaluate(
                        "([a, b, method, t]) => window.__latentPreview.programs.interpolate({a, b, method}, t)",
                        [x.tolist(), y.tolist(), method, t],
                    )
                    expected = latent.interpolate(x[None], y[None], t, method)[0]
                    assert torch.allclose(torch.tensor(got, dtype=torch.float64), expected.double(), rtol=0, atol=1e-6)
        sigma, alpha = 1.7, -2.3
        got = page.evaluate(
            "([z, vector, sigma, alpha]) => window.__latentPreview.programs.direction({z, vector, sigma}, alpha)",
            [a.tolist(), b.tolist(), sigma, alpha],
        )
        expected = a + torch.tensor([alpha], dtype=torch.float32) * sigma * b  # explorer.directions.edit's step
        assert torch.allclose(torch.tensor(got, dtype=torch.float64), expected.double(), rtol=0, atol=1e-6)
    finally:
        page.close()


def test_a_drag_is_painted_in_the_page_as_the_server_renders_it_and_asks_the_server_nothing(page, default_zoo):
    open_interpolation(page)
    slider = page.locator("#interp-t input[type=range]")
    slider.focus()
    page.keyboard.press("ArrowRight")  # painted by the route while the page loads the runtime, model and latents
    page.wait_for_function("() => [...window.__latentPreview.prepared.values()].some(Boolean)", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#interp-frame img').src.startsWith('blob:')")  # synced
    asked = []
    page.on("request", lambda r: r.url.startswith("blob:") or asked.append(r.url))  # a blob: is the page's own
    x, y = thumb(page)
    page.mouse.move(x, y)
    page.mouse.down()  # held: the release's Gradio event waits (previews.js syncs once no pointer is down)
    try:
        for step in range(1, 7):
            page.mouse.move(x + 9 * step, y)
            page.wait_for_function(SETTLED, arg=NAME, timeout=30_000)
        t = float(slider.input_value())
        src, shown = painted(page, "#interp-frame img")
        assert src.startswith("blob:") and not asked, asked  # painted by the page; not one request during the drag
    finally:
        page.mouse.up()
    expected = server_frame(default_zoo, t)
    assert shown.shape == expected.shape
    assert np.abs(shown.astype(int) - expected.astype(int)).max() <= 2
    # the release: Gradio's own event renders the same t into the component (its value, download, share link)
    page.wait_for_function("() => !document.querySelector('#interp-frame img').src.startsWith('blob:')")
    src, synced = painted(page, "#interp-frame img")
    assert np.array_equal(synced, expected) and any("/gradio_api/" in url for url in asked)
    assert not any("/preview/" in url for url in asked)


def test_without_the_runtime_the_page_falls_back_to_the_preview_route(browser_factory, app_url, default_zoo):
    page = browser_factory()
    page.route("**/ort-wasm-simd-threaded.wasm", lambda route: route.abort())  # as where WebAssembly cannot load
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(app_url)
    open_interpolation(page)
    x, y = thumb(page)
    page.mouse.move(x, y)
    page.mouse.down()
    try:
        for step in range(1, 4):
            page.mouse.move(x + 9 * step, y)
            page.wait_for_function(SETTLED, arg=NAME, timeout=60_000)
        page.wait_for_function("() => window.__latentPreview.noRuntime", timeout=60_000)  # the runtime failed once
        page.mouse.move(x + 40, y)  # the route alone from now on: the page does not try the runtime again
        page.wait_for_function(SETTLED, arg=NAME, timeout=60_000)
        t = float(page.locator("#interp-t input[type=range]").input_value())
        src, shown = painted(page, "#interp-frame img")
        state = page.evaluate(f"() => [window.__latentPreview.noRuntime, window.__latentPreview.inPage.{NAME}]")
    finally:
        page.mouse.up()
    assert src.startswith("blob:") and np.array_equal(shown, server_frame(default_zoo, t))  # the route's PNG
    assert state == [True, None]  # not one image painted by the page
    assert any("/preview/interpolate_frame" in url for url in asked)
