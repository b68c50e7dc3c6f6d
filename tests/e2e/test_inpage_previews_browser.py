"""The previews the page renders itself (explorer/ui/inpage.py, previews.js) in a real Chromium.

The page's latents equal ``explorer.latent``'s; a drag on the Interpolation t slider, the Directions α (the faces
DCGAN, its weights stored as fp16) or the StyleGAN noise strength is painted by ONNX Runtime Web with the server's
pixels (≤ 2/255) and no request reaches the server until the release; a click on the VAE's plane is decoded by the
page with the server's pixels and asks only the click's Gradio event; with the runtime's WebAssembly blocked the page
falls back to the preview route by itself.
"""

import dataclasses
import io
import threading
import time

import numpy as np
import pytest
import torch
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from explorer import latent
from explorer.ui import previews
from explorer.ui.inpage import MIRROR_WASM, serve_mirror, write_mirror
from explorer.ui.tabs import interpolation as interpolate
from explorer.ui.tabs.directions import edits
from explorer.ui.tabs.manifold import plane as latent_plane
from explorer.ui.tabs.stylemix import noise

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier

PIXELS = """
(sel) => {
  const img = document.querySelector(sel);
  if (!img || !img.complete || !img.naturalWidth) return null;  // a new src not loaded yet: wait_for_function polls
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  return [img.src, canvas.width, canvas.height, Array.from(data)];
}
"""
SETTLED = """([name, target]) => { const S = window.__latentPreview, img = document.querySelector(`#${target} img`);
  return img && img.src.startsWith('blob:') && S.seq[name] === S.shown[name]; }"""
NAME = "interpolate_frame"
FRAME = [NAME, "interp-frame"]
PREPARED = (
    """(name) => [...window.__latentPreview.prepared].some(([key, ready]) => key.startsWith(name + '[') && ready)"""
)
SYNCED = "(sel) => !document.querySelector(sel).src.startsWith('blob:')"  # Gradio's own file, after the release
# Gradio's render of the preview's newest move is what is shown (its file, the page's counters level)
GRADIO_SHOWN = """([name, target]) => {
  const S = window.__latentPreview, img = document.querySelector(`#${target} img`);
  return S.seq[name] >= 1 && S.shown[name] === S.seq[name] && img && !img.src.startsWith('blob:'); }"""
# a click's Gradio event follows the page's own paint (its js waits for it); in a clean clone's full run on the 2
# cores (2026-12-06) the VAE plane's second click had not synced after 60 s (it syncs in under 1 s alone): 180 s,
# as the Space run allows a view (tests/test_space_run.py VIEW_S)
SYNC_MS = 180_000
# Each new blob: image painted into the target (the page's own or the route's), with its pixels once decoded
SNAPSHOTS = """
(target) => {
  const shots = (window.__shots = []), root = document.querySelector('#' + target);
  new MutationObserver(() => {
    const img = root.querySelector('img');
    if (!img || !img.src.startsWith('blob:') || shots.some((s) => s.src === img.src)) return;
    const shot = {src: img.src, inPage: {...window.__latentPreview.inPage}};
    shots.push(shot);
    fetch(img.src).then((r) => r.arrayBuffer()).then((b) => { shot.png = Array.from(new Uint8Array(b)); },
      () => { shot.png = 'not read'; });  // the painted PNG's bytes, copied while its blob: URL is alive
    img.decode().then(() => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d');
      context.drawImage(img, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      shot.data = [canvas.width, canvas.height, Array.from(data)];
    }, () => { shot.data = 'not decoded'; });
  }).observe(root, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
}
"""

# every src the target's <img> takes (Gradio's files and blobs), with the time, for a failure's message
HISTORY = """(target) => {
  const srcs = (window.__srcs = []), root = document.querySelector('#' + target), t0 = performance.now();
  const src = () => (root.querySelector('img')?.src ?? '').slice(-24);
  new MutationObserver(() => srcs.push([Math.round(performance.now() - t0), src()]))
    .observe(root, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']}); }"""
STATE = """() => { const S = window.__latentPreview;
  return {pixel: S.pixel('vae-plane'), z: document.querySelector('#vae-z textarea, #vae-z input')?.value,
          helpers: {seq: S.seq, shown: S.shown, inPage: S.inPage, noRuntime: S.noRuntime}, srcs: window.__srcs,
          prepared: [...S.prepared].filter(([k]) => k.startsWith('vae_decode')).map(([k, r]) => {
            const [px, py] = S.pixel('vae-plane') ?? [];
            return [k.slice(10, 90), r && r.inputs.url, r && r.inputs.xs[px], r && r.inputs.ys[py]]; })}; }"""


Z_IN = "(texts) => texts.includes(document.querySelector('#vae-z textarea, #vae-z input')?.value)"


def z_texts(fx: float, fy: float) -> list[str]:
    """The z box's text after a click at (fx, fy) of the plane: the pixel's or a neighbour's (sub-pixel layout)."""
    size = 15 * latent_plane.TILE
    x, y = round(size * fx), round(size * fy)
    return [
        "z = ({:+.3f}, {:+.3f})".format(*latent_plane.latent_at(x + dx, y + dy, size, 3.0, "linear"))
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    ]


def on_disk(zoo) -> str:
    """The VAE's exported ONNX files on the served app's disk, with their digests (a failure's message)."""
    import hashlib

    from explorer.onnx_export import OnnxModels

    folder = OnnxModels(zoo).folder / "vae2d-fashion-mnist"
    return str([(p.name, hashlib.sha256(p.read_bytes()).hexdigest()[:16]) for p in sorted(folder.glob("*"))])


def event_line(what: str, request) -> str | None:
    """A Gradio event's request for a failure's message: sent (with the pixel it carries) or done."""
    if not any(part in request.url for part in ("/run/predict", "/queue/join", "/queue/data", "/preview/", "/onnx/")):
        return None
    try:
        data = (request.post_data_json or {}).get("data") if request.method == "POST" else None
    except ValueError:
        data = None
    pixel = data[-1] if isinstance(data, list) and data else None
    failure = request.failure if what == "done" else None
    return f"{time.monotonic():.2f} {what} {request.url.split('/')[-1][:40]} {pixel} {failure or ''}"


def painted(page, selector: str) -> tuple[str, np.ndarray]:
    """The pixels ``selector``'s <img> shows, read once it is loaded (a src just set has no pixels yet)."""
    src, width, height, data = page.wait_for_function(PIXELS, arg=selector, timeout=30_000).json_value()
    return src, np.array(data, dtype=np.uint8).reshape(height, width, 4)[:, :, :3]


def server_frame(zoo, t: float) -> np.ndarray:
    picture = interpolate.render_frame(zoo, "dcgan-fashion-mnist", 11, 23, t, "spherical (slerp)")
    return np.asarray(picture.convert("RGB"))


def open_interpolation(page) -> None:
    page.get_by_role("tab", name="Interpolation").click()
    page.wait_for_selector("#interp-frame img", timeout=60_000)
    page.wait_for_function("() => window.__latentPreview", timeout=60_000)  # the page helpers are installed


def thumb(page, slider: str = "interp-t") -> tuple[float, float]:
    """Where the slider's thumb is (the track runs between the thumb's centres at its minimum and maximum)."""
    handle = page.locator(f"#{slider} input[type=range]")
    handle.scroll_into_view_if_needed()
    value, low, high = (float(handle.evaluate(f"e => e.{k}")) for k in ("value", "min", "max"))
    box = handle.bounding_box()
    return box["x"] + 8 + (box["width"] - 16) * (value - low) / (high - low), box["y"] + box["height"] / 2


def drag_in_page(page, slider: str, preview: list[str], steps: int = 6) -> tuple[float, np.ndarray, list[str]]:
    """Prepare ``slider``'s setting (a key press: the route paints it while the page loads the runtime, model and
    inputs), then drag with the pointer held (the release's event waits): the value, the pixels painted at the end
    and every request the page made during the drag (a blob: is the page's own)."""
    name, target = preview
    page.locator(f"#{slider} input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(PREPARED, arg=name, timeout=60_000)
    page.wait_for_function(SYNCED, arg=f"#{target} img", timeout=SYNC_MS)
    asked = []
    page.on("request", lambda r: r.url.startswith("blob:") or asked.append(r.url))
    x, y = thumb(page, slider)
    page.mouse.move(x, y)
    page.mouse.down()
    try:
        for step in range(1, steps + 1):
            page.mouse.move(x + 9 * step, y)
            page.wait_for_function(SETTLED, arg=preview, timeout=30_000)
        value = float(page.locator(f"#{slider} input[type=range]").input_value())
        src, shown = painted(page, f"#{target} img")
        during = list(asked)
        inside = page.evaluate(f"() => window.__latentPreview.inPage.{name}")
    finally:
        page.mouse.up()
    assert src.startswith("blob:") and inside >= steps  # painted by the page itself
    return value, shown, during


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
                        "([a, b, method, t]) => window.__latentPreview.programs.interpolate({a, b, method}, [t]).z[1]",
                        [x.tolist(), y.tolist(), method, t],
                    )
                    expected = latent.interpolate(x[None], y[None], t, method)[0]
                    assert torch.allclose(torch.tensor(got, dtype=torch.float64), expected.double(), rtol=0, atol=1e-6)
        sigma, alpha = 1.7, -2.3
        got = page.evaluate(
            "([z, vector, sigma, a]) => window.__latentPreview.programs.direction({z, vector, sigma}, [a]).z[1]",
            [a.tolist(), b.tolist(), sigma, alpha],
        )
        expected = a + torch.tensor([alpha], dtype=torch.float32) * sigma * b  # explorer.directions.edit's step
        assert torch.allclose(torch.tensor(got, dtype=torch.float64), expected.double(), rtol=0, atol=1e-6)
    finally:
        page.close()


COALESCING = """async () => {
  document.body.innerHTML = '<div id="t"><img src="data:,"></div>';
  const asked = [], answers = [];
  window.fetch = (url) => { asked.push(JSON.parse(new URL(url).searchParams.get('args'))[0]);
    return new Promise((resolve) => answers.push(resolve)); };
  const S = window.__latentPreview, settled = [];
  const moves = [1, 2, 3, 4, 5].map((v) => S.paint('p', 't', [v], () => {}).then(() => settled.push(v)));
  await new Promise((r) => setTimeout(r, 0));
  const whileOut = [...asked], settledEarly = [...settled];  // one request out; moves 2-4 replaced by newer ones
  const png = await (await window.__realFetch('data:image/png;base64,' + window.__png)).blob();
  answers[0]({ok: true, blob: async () => png});
  for (let i = 0; answers.length < 2 && i < 600; i++) await new Promise((r) => setTimeout(r, 50));  // ≤ 30 s
  if (answers.length < 2) return {asked, settled, stuck: true};  // the newest move was never sent
  answers[1]({ok: true, blob: async () => png});
  await Promise.all(moves);
  return {whileOut, settledEarly, asked, settled, painted: S.shown.p};
}"""
# a 1×1 PNG for the fake answers
PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


MIRRORED = """async () => {
  const S = window.__latentPreview, asked = [];
  S.session = (url) => (S.sessions[url] ??= (asked.push(url), url.includes('//mirror/gone')
    ? Promise.reject(new Error('404 from the mirror')) : Promise.resolve('session of ' + url)));
  const got = [];
  for (const inputs of [
    {url: 'onnx/model/a.onnx', mirror: 'https://mirror/a.onnx'},  // the mirror's copy
    {url: 'onnx/model/b.onnx', mirror: 'https://mirror/gone/b.onnx'},  // the mirror lacks it: the app's
    {url: 'onnx/model/b.onnx', mirror: 'https://mirror/gone/b.onnx'},  // again: the app's at once
    {url: 'onnx/model/c.onnx'},  // no mirror set
  ]) got.push(await S.model(inputs));
  return {got, asked};
}"""


def test_a_model_comes_from_the_mirror_first_and_from_the_app_where_the_mirror_fails(browser):
    """previews.js ``S.model`` (``LATENT_EXPLORER_FILES_URL``): the mirror's file where the inputs name one, the app's
    where the mirror fails (a model it lacks, a host down), and a failed mirror file is not asked again."""
    page = browser.new_page()
    try:
        page.evaluate(f"({previews.client_js()})()")
        page.evaluate("() => { window.console.warn = () => {}; }")
        got = page.evaluate(MIRRORED)
    finally:
        page.close()
    assert got["got"] == [
        "session of https://mirror/a.onnx",
        "session of onnx/model/b.onnx",
        "session of onnx/model/b.onnx",
        "session of onnx/model/c.onnx",
    ]
    assert got["asked"] == [
        "https://mirror/a.onnx",
        "https://mirror/gone/b.onnx",
        "onnx/model/b.onnx",
        "onnx/model/c.onnx",
    ]


def test_with_a_mirror_the_files_come_from_it_and_a_settings_moves_wait_for_its_model(
    browser_factory, app_url, default_zoo, tmp_path
):
    """A static host (another origin, sending Access-Control-Allow-Origin as a CDN or the Hub does) holds what
    ``python -m explorer.ui.inpage OUT`` wrote: the page takes the model file and the runtime's WebAssembly (gzipped,
    unzipped by the page) from it, not from the app; and while the model is on its way, the setting's moves wait for
    it instead of asking the app's route (held here until the test lets the model file go), then the newest is
    painted by the page with the server's pixels."""
    write_mirror(default_zoo, tmp_path, ["dcgan-fashion-mnist"])
    served, model_asked, gate = [], threading.Event(), threading.Event()

    host = serve_mirror(tmp_path, 0, "127.0.0.1")  # the mirror a lecture machine runs (--serve), its files watched

    class Mirror(host.RequestHandlerClass):
        def do_GET(self):
            if self.path.endswith(".onnx"):
                model_asked.set()
                gate.wait(120)  # the model's download, held until the moves have been made
            served.append(self.path)
            super().do_GET()

    host.RequestHandlerClass = Mirror
    threading.Thread(target=host.serve_forever, daemon=True).start()
    settings = default_zoo.settings
    default_zoo.settings = dataclasses.replace(settings, files_url=f"http://127.0.0.1:{host.server_port}/")
    try:
        page = browser_factory()
        asked = []
        page.on("request", lambda r: asked.append(r.url))
        page.goto(app_url)
        open_interpolation(page)
        page.evaluate(SNAPSHOTS, "interp-frame")
        slider = page.locator("#interp-t input[type=range]")
        slider.focus()
        page.keyboard.press("ArrowRight")  # the first move: the route paints it while the page asks for the inputs
        page.wait_for_function("() => window.__latentPreview.mirrored", timeout=60_000)  # they named the mirror
        assert model_asked.wait(60)  # the runtime is ready and the model's download is out (held)
        page.wait_for_function(GRADIO_SHOWN, arg=FRAME, timeout=SYNC_MS)  # the key's release is rendered: quiet
        since = len(asked)
        x, y = thumb(page)
        page.mouse.move(x, y)
        page.mouse.down()  # a drag: the pointer held, so no release event renders over the waiting move
        try:
            for step in range(1, 4):
                page.mouse.move(x + 9 * step, y)
            page.wait_for_function("(n) => window.__latentPreview.held[n]", arg=NAME, timeout=4_000)
            held = [url for url in asked[since:] if "/preview/" in url]
            gate.set()
            mine = "() => window.__shots.find((s) => (s.inPage.interpolate_frame ?? 0) > 0 && Array.isArray(s.png))"
            png = page.wait_for_function(mine, timeout=60_000).json_value()["png"]
            t = float(slider.input_value())
            routed = [url for url in asked[since:] if "/preview/" in url]
        finally:
            page.mouse.up()
    finally:
        gate.set()
        default_zoo.settings = settings
        host.shutdown()
        host.server_close()
    assert held == [] and routed == []  # the moves waited for the model, then the page painted the newest
    shown = np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGB"), dtype=int)
    assert np.abs(shown - server_frame(default_zoo, t).astype(int)).max() <= 2
    assert any(path.startswith("/onnx/model/dcgan-fashion-mnist/generate/") for path in served), served
    assert "/" + MIRROR_WASM in served, served
    from_app = [url for url in asked if url.startswith(app_url) and ("/onnx/model/" in url or "simd-threaded" in url)]
    assert from_app == []  # neither the model nor the runtime's WebAssembly from the app (its bundle is the app's)


HOLDING = """async () => {
  document.body.innerHTML = '<div id="t"><img src="data:,"></div>';
  window.gradio_config = {root: 'http://127.0.0.1/'};
  const S = window.__latentPreview, routed = [], settled = [], asked = [], answers = {};
  window.fetch = (url) => new Promise((resolve, reject) => {  // the setting's inputs: answered when the test says
    const setting = JSON.parse(new URL(url).searchParams.get('args'))[0];
    asked.push(setting);
    answers[setting] = reject;
  });
  window.console.warn = () => {};
  const atLoad = S.mirrored;  // the app has a mirror: its page knows from the first move
  S.holdMs = 400;
  const move = (setting, v) => S.local('p', 't', {sliders: [1]}, [setting, v], () => { routed.push(v); });
  const first = move('m', 1), second = move('m', 2);  // both wait; the second replaces the first
  first.then(() => settled.push(1));
  await new Promise((r) => setTimeout(r, 50));
  const early = {routed: [...routed], settled: [...settled], asked: [...asked]};
  await second;  // the setting not ready after holdMs: the newest move goes to the route
  const late = [...routed];
  S.holdMs = 60000;
  const third = move('n', 3);  // another setting; its preparation fails: the waiting move goes to the route at once
  await new Promise((r) => setTimeout(r, 50));
  const beforeFailure = [...routed];
  answers.n(new Error('offline'));
  await third;
  // a waiting move made stale by a newer image (Gradio's render of the release, as the page's watcher records it)
  // is settled, not painted over it
  const fourth = move('q', 4);
  S.shown.p = S.seq.p;
  answers.q(new Error('offline'));
  await fourth;
  return {atLoad, early, late, beforeFailure, routed, asked};
}"""


def test_with_a_mirror_a_waiting_move_goes_to_the_route_after_the_hold_or_when_preparing_fails(browser):
    """previews.js ``S.hold``: with a mirror set, a setting's moves wait for its model; the newest replaces the older
    (settled unpainted), and goes to the route when the setting is not ready after ``S.holdMs`` (a slow host) or at
    once when preparing it fails, so a student's moves are never lost."""
    page = browser.new_page()
    try:
        page.evaluate(f"({previews.client_js(mirrored=True)})()")
        got = page.evaluate(HOLDING)
    finally:
        page.close()
    assert got["atLoad"] is True
    assert got["early"] == {"routed": [], "settled": [1], "asked": ["m"]}  # waiting, one inputs request
    assert got["late"] == [2]  # after the hold, the newest move only
    assert got["beforeFailure"] == [2] and got["routed"] == [2, 3]  # and not 4: older than the image shown
    assert got["asked"] == ["m", "n", "q"]


def test_the_route_keeps_one_request_in_flight_per_preview_and_sends_the_newest_move_next(browser):
    """previews.js: a move made while the route's answer is out waits, and a newer move replaces it, so a page asks
    no faster than the server answers (a room whose pages still fetch their models)."""
    page = browser.new_page()
    try:
        page.evaluate(f"({previews.client_js()})()")
        page.evaluate(
            f"() => {{ window.__realFetch = window.fetch.bind(window); window.__png = '{PNG_1X1}';"
            f" window.gradio_config = {{root: 'http://127.0.0.1/'}}; }}"
        )
        got = page.evaluate(COALESCING)
    finally:
        page.close()
    assert not got.get("stuck"), got
    assert got["whileOut"] == [1] and got["settledEarly"] == [2, 3, 4]  # one request out, the replaced moves settled
    assert got["asked"] == [1, 5]  # then the newest move, and nothing else
    assert sorted(got["settled"]) == [1, 2, 3, 4, 5] and got["painted"] == 5


def test_a_drag_is_painted_in_the_page_as_the_server_renders_it_and_asks_the_server_nothing(page, default_zoo):
    open_interpolation(page)
    t, shown, asked = drag_in_page(page, "interp-t", FRAME)
    assert not asked, asked  # not one request during the drag
    expected = server_frame(default_zoo, t)
    assert shown.shape == expected.shape
    assert np.abs(shown.astype(int) - expected.astype(int)).max() <= 2
    # the release: Gradio's own event renders the same t into the component (its value, download, share link)
    page.wait_for_function(SYNCED, arg="#interp-frame img", timeout=SYNC_MS)
    _, synced = painted(page, "#interp-frame img")
    assert np.array_equal(synced, expected)


def test_the_noise_strengths_are_painted_in_the_page_with_the_noise_maps_as_inputs(page, default_zoo):
    """The StyleGAN synthesis graph in the page: ws and the noise maps come once per setting, the strengths move."""
    page.get_by_role("tab", name="Style mixing", exact=True).click()
    page.get_by_role("tab", name="Noise inputs (Fig. 5)").click()
    page.wait_for_selector("#mix-noisy img", timeout=60_000)
    strength, shown, asked = drag_in_page(page, "mix-strength", ["noise_image", "mix-noisy"], steps=4)
    assert not asked, asked
    rows = [1.0] * default_zoo.load("stylegan-fashion-mnist").num_ws
    picture = noise.noise_image(default_zoo, "stylegan-fashion-mnist", 6, "random", 0, strength, rows)
    expected = np.asarray(picture.convert("RGB"))
    assert shown.shape == expected.shape
    assert np.abs(shown.astype(int) - expected.astype(int)).max() <= 2


def test_a_click_on_the_vae_plane_is_decoded_in_the_page(page, default_zoo):
    """The 2-D VAE's decoder in the page: a setting's first clicks are Gradio's and the route's, the next ones the
    page's; the click's Gradio event (its z, the component's value) follows with the server's image of that pixel."""
    page.get_by_role("tab", name="VAE").click()
    plane = page.locator("#vae-plane img")
    plane.wait_for(timeout=60_000)
    plane.scroll_into_view_if_needed()
    box = plane.bounding_box()
    # the panel's first image is Gradio's (an empty panel has no <img> to paint into); the page prepares meanwhile
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.3)
    page.wait_for_selector("#vae-decoded img", timeout=60_000)
    page.mouse.click(box["x"] + box["width"] * 0.65, box["y"] + box["height"] * 0.35)
    page.wait_for_function(PREPARED, arg="vae_decode", timeout=SYNC_MS)  # the model file and the runtime, once
    # the second click's own event done (its z in the box), not only a Gradio image shown: on a busy machine the
    # first click's event is still running when the second comes, so Gradio runs the second's later (always_last),
    # its js again, which paints that pixel in the page, now prepared. Read after `before`, that paint was taken for
    # the third click's (all 4 full-run failures of 2026-12-06: the paint's mean 43.3 is the second click's image)
    second = z_texts(0.65, 0.35)
    page.wait_for_function(Z_IN, arg=second, timeout=SYNC_MS)
    page.wait_for_function(SYNCED, arg="#vae-decoded img", timeout=SYNC_MS)
    page.evaluate(SNAPSHOTS, "vae-decoded")
    # the page's own paints so far: the second click's route answer may still land after this (a busy machine), so
    # the click's image is the first shot painted with the counter past this, not the first shot
    before = page.evaluate("() => window.__latentPreview.inPage.vae_decode ?? 0")
    asked, log = [], []
    page.on("request", lambda r: r.url.startswith("blob:") or asked.append(r.url))
    page.on("request", lambda r: log.append(event_line("sent", r)))
    page.on("requestfinished", lambda r: log.append(event_line("done", r)))
    page.evaluate(HISTORY, "vae-decoded")
    fx, fy = 0.2, 0.8
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    mine = "(n) => window.__shots.find((s) => (s.inPage.vae_decode ?? 0) > n && s.data)"
    page.wait_for_function(mine, arg=before, timeout=30_000)  # the page painted it (its counter, read as painted)
    shot = page.evaluate(mine, before)
    # the paint's own PNG (its bytes, copied when it was painted), not the <img> read back later (which Gradio's file
    # may have replaced)
    png = page.wait_for_function(f"() => window.__shots.find((s) => s.src === {shot['src']!r})?.png", timeout=30_000)
    png = png.json_value()
    assert isinstance(png, list), png  # 'not read': the blob was gone before the copy
    shown = np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGB"), dtype=int)
    width, height, data = shot["data"]
    read_back = np.array(data, dtype=np.uint8).reshape(height, width, 4)[:, :, :3].astype(int)
    # the click's Gradio event: the server's image of that pixel, painted over the page's. On a busy machine an
    # earlier click's event can land after this click's in-page paint (seen once: its file, 241 levels off), so
    # each Gradio file painted is read until this click's arrives; none within SYNC_MS fails with the last gap
    deadline, gap, src = time.monotonic() + SYNC_MS / 1000, None, None
    while gap is None or gap > 2:
        left = deadline - time.monotonic()
        try:
            assert left > 0
            page.wait_for_function(
                "([sel, seen]) => { const s = document.querySelector(sel).src;"
                " return !s.startsWith('blob:') && s !== seen; }",
                arg=["#vae-decoded img", src],
                timeout=left * 1000,
            )
        except (AssertionError, PlaywrightTimeout):  # what the page and the network saw, instead of "Timeout"
            state = page.evaluate(STATE)
            raise AssertionError(
                f"no Gradio image of the click within {SYNC_MS / 1000:.0f} s (last one {gap} levels off); "
                f"the page's pixel {state['pixel']}; z box {state['z']!r}; helpers {state['helpers']}; shots "
                f"{[(sh['src'][-12:], sh['inPage']) for sh in page.evaluate('() => window.__shots')]}; srcs "
                f"{state['srcs']}; events {[line for line in log if line]}; the paint's PNG mean {shown.mean():.1f}, "
                f"read back from the <img> {read_back.mean():.1f} ({int(np.abs(read_back - shown).max())} levels off); "
                f"the page's prepared settings (setting, model URL, z at the pixel) {state['prepared']}; the file on "
                f"disk now {on_disk(default_zoo)}"
            ) from None
        src, server = painted(page, "#vae-decoded img")
        gap = int(np.abs(shown - server.astype(int)).max())  # the page's image of the click against the server's
    size = 15 * latent_plane.TILE
    x, y = round(size * fx), round(size * fy)
    candidates = [  # the exact pixel depends on sub-pixel layout: the clicked one or a neighbour
        latent_plane.decode_at(default_zoo, "vae2d-fashion-mnist", 15, 3.0, "linear", x + dx, y + dy)[0]
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    ]
    assert any(np.abs(shown - np.asarray(c.convert("RGB"), dtype=int)).max() <= 2 for c in candidates)
    assert not any("/preview/" in url or "/onnx/" in url for url in asked), asked  # only the click's Gradio event


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
            page.wait_for_function(SETTLED, arg=FRAME, timeout=60_000)
        page.wait_for_function("() => window.__latentPreview.noRuntime", timeout=60_000)  # the runtime failed once
        page.mouse.move(x + 40, y)  # the route alone from now on: the page does not try the runtime again
        page.wait_for_function(SETTLED, arg=FRAME, timeout=60_000)
        t = float(page.locator("#interp-t input[type=range]").input_value())
        src, shown = painted(page, "#interp-frame img")
        state = page.evaluate(f"() => [window.__latentPreview.noRuntime, window.__latentPreview.inPage.{NAME}]")
    finally:
        page.mouse.up()
    assert src.startswith("blob:") and np.array_equal(shown, server_frame(default_zoo, t))  # the route's PNG
    assert state == [True, None]  # not one image painted by the page
    assert any("/preview/interpolate_frame" in url for url in asked)
    # a click on the VAE's plane: the route's too, click after click
    page.get_by_role("tab", name="VAE").click()
    plane = page.locator("#vae-plane img")
    plane.wait_for(timeout=60_000)
    plane.scroll_into_view_if_needed()  # the drag above scrolled the page to the t slider
    box = plane.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)  # the panel's first image: Gradio's
    page.wait_for_selector("#vae-decoded img", timeout=60_000)
    for fx in (0.3, 0.7):
        with page.expect_request(lambda request: "/preview/vae_decode" in request.url, timeout=60_000):
            page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.5)
    assert page.evaluate("() => window.__latentPreview.inPage.vae_decode") is None


def test_the_faces_direction_is_painted_in_the_page_from_its_fp16_weights(page, default_zoo):
    """The Directions α on the 64² faces DCGAN, whose ONNX file stores its weights as fp16 (they are fp16 values:
    explorer.onnx_export.pack_exact_fp16): the page paints z + α·σ·v with the server's pixels, asking nothing."""
    page.get_by_role("tab", name="Directions", exact=True).click()
    args = ["dcgan-digiface-64", "SeFa (closed form)", "Trouser", "none", "all rows", "4, 31, 35, 53", "0, 5, 30, 45"]
    still = np.asarray(edits.render_edit(default_zoo, *args, "0 · SeFa 0", 0.0, 0, "").convert("RGB"))
    page.wait_for_selector("#dir-image img", timeout=60_000)  # the tab draws its first view when opened
    page.wait_for_function(SYNCED, arg="#dir-image img", timeout=SYNC_MS)
    assert np.array_equal(painted(page, "#dir-image img")[1], still)  # the tab's first view: the faces model, α = 0
    alpha, shown, asked = drag_in_page(page, "dir-alpha", ["direction_edit", "dir-image"], steps=4)
    assert not asked, asked
    expected = np.asarray(edits.render_edit(default_zoo, *args, "0 · SeFa 0", alpha, 0, "").convert("RGB"))
    assert shown.shape == expected.shape and not np.array_equal(expected, still)
    assert np.abs(shown.astype(int) - expected.astype(int)).max() <= 2
    # last in the module: the drag leaves the window scrolled to the slider, and the VAE click test reads its
    # plane's pixel from the layout


def test_an_older_click_still_painting_through_the_route_does_not_leave_the_server_on_its_pixel(
    browser_factory, app_url, default_zoo
):
    """The click's ``js`` waits for its paint, and Gradio counts the event as running only once the ``js`` returns:
    a click whose paint goes through a slow route answer (its setting not prepared yet) and a newer click painted in
    the page meanwhile both run. The newer one joins first; the older one must not send its own, older pixel, or the
    server's image and ``z`` end on it (what the VAE-plane test above timed out on in clean-clone runs)."""
    page = browser_factory()
    held, events = [], []
    page.route(
        "**/preview/vae_decode**", lambda route: held.append(route)
    )  # the second click's route answer waits for the test
    # and the page's preparation (its /onnx/inputs) waits until the second click has gone to the route: prepared
    # before it (a quick machine: the first click's event takes longer than the model's download), the second click
    # would be painted in the page and never reach the route (seen once in a clean clone: nothing held)
    preparing = {"held": [], "open": False}
    page.route(
        "**/onnx/inputs/vae_decode**",
        lambda route: route.continue_() if preparing["open"] else preparing["held"].append(route),
    )

    def sent(request):
        if "/run/predict" in request.url or "/queue/join" in request.url:
            data = (request.post_data_json or {}).get("data") or [None]
            if isinstance(data[-1], list) and len(data[-1]) == 2:  # the click's event: its pixel input last
                events.append({"pixel": data[-1], "done": False, "request": request})

    def finished(request):
        for event in events:
            if event["request"] is request:
                event["done"] = True

    page.on("request", sent)
    page.on("requestfinished", finished)
    page.goto(app_url)
    page.get_by_role("tab", name="VAE").click()
    plane = page.locator("#vae-plane img")
    plane.wait_for(timeout=60_000)
    plane.scroll_into_view_if_needed()
    box = plane.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)  # the panel's first image
    page.wait_for_selector("#vae-decoded img", timeout=60_000)
    page.wait_for_function(SYNCED, arg="#vae-decoded img", timeout=SYNC_MS)
    events.clear()  # the first click's event has answered
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)  # painted by the held route
    deadline = time.monotonic() + SYNC_MS / 1000
    while not held:  # the second click's paint asked the route
        assert time.monotonic() < deadline, "the second click's paint never asked the route"
        page.wait_for_timeout(100)
    preparing["open"] = True
    for route in preparing["held"]:
        route.continue_()
    page.wait_for_function(PREPARED, arg="vae_decode", timeout=SYNC_MS)  # meanwhile the page prepared the setting
    assert len(held) == 1 and not events  # the second click's js still waits for its paint
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.2)  # painted in the page
    page.wait_for_function("() => window.__latentPreview.inPage.vae_decode >= 1", timeout=SYNC_MS)
    page.wait_for_timeout(0)  # let the request callbacks run
    deadline = time.monotonic() + SYNC_MS / 1000
    while not (events and all(e["done"] for e in events)):  # the newest click's event, joined first
        assert time.monotonic() < deadline, events
        page.wait_for_timeout(100)
    newest = events[0]["pixel"]
    held[0].continue_()  # the older click's paint lands (dropped: a newer one is painted), then its event joins
    while not (len(events) == 2 and all(e["done"] for e in events)):
        assert time.monotonic() < deadline, events
        page.wait_for_timeout(100)
    assert [e["pixel"] for e in events] == [newest, newest]  # the older event sends the newest click's pixel
    page.wait_for_function(SYNCED, arg="#vae-decoded img", timeout=SYNC_MS)
    expected = latent_plane.decode_at(default_zoo, "vae2d-fashion-mnist", 15, 3.0, "linear", *newest)[0]
    _, shown = painted(page, "#vae-decoded img")
    assert np.abs(shown.astype(int) - np.asarray(expected.convert("RGB"), dtype=int)).max() <= 2
