"""Slider/click → new image painted, in a real headless Chromium, against the framework's floor.

    python bench/latency.py [--moves 100]

For each target the page records ``performance.now()`` at the ``input`` event of the slider (or the
click on the image), a ``MutationObserver`` sees the output ``<img>`` get its new ``src``, then
``img.decode()`` and the next animation frame close the measurement. Moves are made one at a time
(the next starts once the previous image is painted): half by real mouse drags on the slider thumb
(pressing on the thumb, not the track, which would fire an extra event), half by arrow keys. Each
move changes the value, so every response is a new image with a new URL (identical images would get
identical URLs and never repaint). The output images are on screen (lazy images off screen never
paint).

The floor is a bare Gradio app, measured in the same run, whose handler returns precomputed images
of the same size and kind as ours (real 256² DCGAN frames), through the queue like any default
Gradio event. The targets: the DCGAN interpolation tab (t slider), the Directions tab (α slider on the 64²
faces DCGAN: a 4× larger render), the StyleGAN noise panel (global strength slider) and the VAE (click on the
plane). The ways our previews can run:

- ``in page (default)``: every target is rendered by the page itself (ONNX Runtime Web, ``explorer.ui.inpage``):
  the t and α sliders, the StyleGAN noise strength (the noise maps are the graph's inputs) and the click on the VAE
  plane; no request per move once the setting is prepared (a setting's first moves take the route while the page
  fetches its inputs and model);
- ``route``: the same app in a page whose WebAssembly runtime cannot load (its ``.wasm`` blocked, the fallback):
  the page's JavaScript GETs each image from our preview route and paints it (``explorer.ui.previews``; Gradio
  syncs the component on release);
- ``Gradio, queue=False``: the Gradio event on every move, skipping the queue
  (``LATENT_EXPLORER_PREVIEW_ROUTE=0``);
- ``Gradio, queued`` (with ``--queued``): the same through the queue (also ``LATENT_EXPLORER_DIRECT_PREVIEWS=0``).

After each painted move the benchmark waits until nothing repaints for 250 ms (a release event's
render or the route's sync lands before the next move, never counted as the next move's paint).
The cold start (``python app.py`` → the first image of its page served) is ``bench/appserver.py``'s.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

from appserver import cold_start

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETTLE_MS = 250
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
OBSERVE = """
([out, trigger, kind]) => {
  window.__lat = {t0: null, samples: [], last: null, changed: performance.now()};
  const root = document.querySelector(out);
  const observer = new MutationObserver(() => {
    window.__lat.changed = performance.now();
    const img = root.querySelector('img');
    if (!img || window.__lat.t0 === null || img.src === window.__lat.last) return;
    window.__lat.last = img.src;
    const t0 = window.__lat.t0;
    window.__lat.t0 = null;
    img.decode().catch(() => {}).then(() => requestAnimationFrame(
      () => window.__lat.samples.push(performance.now() - t0)));
  });
  observer.observe(root, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  window.__lat.last = root.querySelector('img')?.src ?? null;
  const el = document.querySelector(trigger);
  el.addEventListener(kind, () => { window.__lat.t0 = performance.now(); }, true);
}
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def floor_app():
    """A bare app returning precomputed real 256² DCGAN frames: what Gradio costs with no model."""
    import gradio as gr
    import torch

    from explorer import images, latent
    from explorer.zoo import load

    model = load("dcgan-fashion-mnist", device="cpu")
    z_a, z_b = model.sample_latent(1, 0), model.sample_latent(1, 1)
    with torch.inference_mode():
        frames = [images.image(model.generate(latent.slerp(z_a, z_b, i / 100)), scale=8) for i in range(101)]

    def by_value(value: float, low: float, high: float):
        return frames[round(100 * (float(value) - low) / (high - low)) % 101]

    fast = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
    with gr.Blocks() as demo:
        with gr.Row():
            t = gr.Slider(0.0, 1.0, value=0.5, step=0.01, elem_id="floor-t")
            out = gr.Image(frames[50], type="pil", format="png", interactive=False, elem_id="floor-frame")
        with gr.Row():
            plane = gr.Image(frames[0], type="pil", format="png", interactive=False, elem_id="floor-plane")
            clicked = gr.Image(frames[1], type="pil", format="png", interactive=False, elem_id="floor-clicked")
        t.input(lambda v: by_value(v, 0.0, 1.0), t, out, **fast)

        def on_click(evt: gr.SelectData):
            return frames[(evt.index[0] + evt.index[1]) % 101]

        plane.select(on_click, None, clicked, **fast)
    return demo


def drag_thumb(page, selector: str, direction: int, step_px: float) -> None:
    """Press on the slider thumb and drag it by ``step_px`` (a real mouse drag)."""
    handle = page.locator(selector)
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    value, low, high = (float(handle.evaluate(f"e => e.{k}")) for k in ("value", "min", "max"))
    thumb = 8  # half the thumb's width: the track runs between the thumb centres at min and max
    x = box["x"] + thumb + (box["width"] - 2 * thumb) * (value - low) / (high - low)
    y = box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + direction * step_px, y, steps=1)
    page.mouse.up()


def measure(page, out: str, trigger: str, kind: str, moves: int, act) -> list[float]:
    page.locator(out + " img").scroll_into_view_if_needed()
    page.evaluate(OBSERVE, [out, trigger, kind])
    for i in range(moves + 3):  # the first 3 are warm-up
        act(i)
        page.wait_for_function(f"() => window.__lat.samples.length >= {i + 1}", timeout=30_000)
        # settle: no repaint for 250 ms (a release event's render, or the route's sync, lands before the next move)
        page.wait_for_function(f"() => performance.now() - window.__lat.changed > {SETTLE_MS}", timeout=30_000)
    return page.evaluate("() => window.__lat.samples")[3:]


def slider_moves(page, selector: str, moves: int, out: str, step_px: float) -> list[float]:
    """Half drags, half arrow keys, alternating direction so every move is a new value."""

    def act(i: int) -> None:
        direction = 1 if i % 2 == 0 else -1
        if i % 4 < 2:
            drag_thumb(page, selector, direction, step_px)
        else:
            page.locator(selector).focus()
            page.keyboard.press("ArrowRight" if direction > 0 else "ArrowLeft")

    return measure(page, out, selector, "input", moves, act)


def click_moves(page, image: str, moves: int, out: str) -> list[float]:
    def act(i: int) -> None:
        box = page.locator(image + " img").bounding_box()
        fx, fy = (0.3, 0.6) if i % 2 == 0 else (0.7, 0.35)
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)

    return measure(page, out, image + " img", "click", moves, act)


def run_targets(page, url: str, moves: int, floor: bool) -> dict[str, list[float]]:
    page.goto(url)
    results = {}
    if floor:
        page.wait_for_selector("#floor-frame img", timeout=60_000)
        results["slider"] = slider_moves(page, "#floor-t input[type=range]", moves, "#floor-frame", 12)
        results["click"] = click_moves(page, "#floor-plane", moves, "#floor-clicked")
        return results
    page.wait_for_selector("#interp-frame img", timeout=120_000)
    results["DCGAN interpolation (t slider)"] = slider_moves(
        page, "#interp-t input[type=range]", moves, "#interp-frame", 12
    )
    page.get_by_role("tab", name="Directions", exact=True).click()  # its first view is drawn on opening
    page.wait_for_selector("#dir-image img", timeout=120_000)
    page.wait_for_selector("#dir-grid img", timeout=120_000)
    results["Faces DCGAN 64² direction (α slider)"] = slider_moves(
        page, "#dir-alpha input[type=range]", moves, "#dir-image", 12
    )
    page.get_by_role("tab", name="Style mixing", exact=True).click()
    page.get_by_role("tab", name="Noise inputs (Fig. 5)").click()
    page.wait_for_selector("#mix-noisy img", timeout=60_000)
    results["StyleGAN noise (strength slider)"] = slider_moves(
        page, "#mix-strength input[type=range]", moves, "#mix-noisy", 12
    )
    page.get_by_role("tab", name="VAE").click()
    page.wait_for_selector("#vae-plane img", timeout=60_000)
    page.locator("#vae-plane img").click()  # the decoded panel starts empty: make it show an image
    page.wait_for_selector("#vae-decoded img", timeout=60_000)
    results["VAE (click)"] = click_moves(page, "#vae-plane", moves, "#vae-decoded")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=100)
    parser.add_argument("--queued", action="store_true", help="also measure the previews through the queue")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    import app

    floor = floor_app()
    _, floor_url, _ = floor.launch(prevent_thread_lock=True, quiet=True)
    variants = {  # (LATENT_EXPLORER_PREVIEW_ROUTE, LATENT_EXPLORER_DIRECT_PREVIEWS, the page's runtime blocked)
        "in page (default)": ("1", "1", False),
        "route": ("1", "1", True),
        "Gradio, queue=False": ("0", "1", False),
    } | ({"Gradio, queued": ("0", "0", False)} if args.queued else {})
    apps, ours = {}, {}
    for label, (route, direct, blocked) in variants.items():
        if (route, direct) not in apps:
            os.environ["LATENT_EXPLORER_PREVIEW_ROUTE"], os.environ["LATENT_EXPLORER_DIRECT_PREVIEWS"] = route, direct
            _, apps[route, direct], _ = app.launch(app.build_app(), prevent_thread_lock=True, quiet=True)
        ours[label] = (apps[route, direct], blocked)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 2200})  # sliders and outputs on screen together
        floor_results = run_targets(page, floor_url, args.moves, floor=True)
        rows, painted = [], {}
        for label, (url, blocked) in ours.items():
            print(f"measuring: {label}", flush=True)
            page = browser.new_page(viewport={"width": 1500, "height": 2200})
            if blocked:  # as a browser without WebAssembly: the page falls back to the preview route
                page.route("**/ort-wasm-simd-threaded.wasm", lambda route: route.abort())
            for target, samples in run_targets(page, url, args.moves, floor=False).items():
                base = floor_results["click" if "click" in target else "slider"]
                rows.append((f"{target}, {label}", samples, base))
            painted[label] = page.evaluate("() => window.__latentPreview?.inPage")  # images the page drew itself
            page.close()
        browser.close()
    print(f"\nslider/click → image painted, {args.moves} moves each (ms), headless Chromium, same machine")
    print(f"{'target':<62}{'p50':>8}{'p95':>8}{'floor p50':>11}{'floor p95':>11}{'p95 ratio':>11}")
    for name, samples in (
        ("floor: bare Gradio, precomputed 256² image (slider)", floor_results["slider"]),
        ("floor: bare Gradio, precomputed 256² image (click)", floor_results["click"]),
    ):
        print(f"{name:<62}{statistics.median(samples):>8.1f}{percentile(samples, 0.95):>8.1f}")
    for name, samples, base in rows:
        p95, base95 = percentile(samples, 0.95), percentile(base, 0.95)
        print(
            f"{name:<62}{statistics.median(samples):>8.1f}{p95:>8.1f}"
            f"{statistics.median(base):>11.1f}{base95:>11.1f}{p95 / base95:>11.2f}"
        )
    print(f"\nimages painted by the page itself (ONNX Runtime Web), per preview: {painted}")
    _, served, cpu = cold_start(7893)
    print(f"\ncold start (python app.py → first image served): {served:.1f} s, {cpu:.1f} s of server CPU")


if __name__ == "__main__":
    main()
