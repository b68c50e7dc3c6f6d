"""A Hugging Face Space run: the files the upload sends, started as a Space starts them, driven in Chromium.

Exactly ``explorer.space.upload_files`` is copied into an empty folder, ``python app.py`` starts there with the
environment a Space gives it (``SYSTEM=spaces``, its id and host, ``GRADIO_SSR_MODE=true``, the owner's
``HF_TOKEN`` secret, the OAuth variables that ``hf_oauth`` brings, no network), once with Fashion-MNIST on disk
(``packages.txt`` installs Debian's package on a Space) and once without it. With the data, one page opens every
tab and the first step of four tabs on the shipped lecture path with ▶. Without it, what differs: the page opens
two views that need the data and the first lecture step that does, and each says so in one line. Every first view
of every tab and section is called in Python as its event calls it, with the data and without, and postprocessed
as Gradio sends it (``test_every_first_view_draws_or_says_why_in_one_line``), and every step's restore, with data
and without, in tests/test_lecture_walk.py: the browser keeps the wiring, the Space's file routes and SSR. Both
drag a slider (the preview route's images must paint) and call the README's ``gradio_client`` example. No view may
end in an error.

The page counts Gradio's work itself (``NETWORK_JS``): queue joins against the ``process_completed`` messages of
the event stream, plus fetches in flight, so a view is "drawn" once nothing is pending for ``QUIET_MS``.
``bench/space.sh`` uses the same helpers to time a fresh install's cold start and first views.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.waiting import WATCH_SRCS

# a Space started from its upload in a subprocess and driven in Chromium; each Space's tests stay on one worker (its
# own xdist group: tests/conftest.py), one start of it, one page
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
START_S = 300  # a cold start on a busy 2-core machine: imports, zoo, Gradio
VIEW_S = 180  # one first view (the Metrics tab's scores run the classifier on the CPU)
QUIET_MS = 400  # a view is drawn when nothing has been pending for this long after its click

# Gradio's work as the page sees it: every fetch in flight, every queue join until its process_completed message
# arrives on the event stream (read from a tee of that stream), each failed event's message, each preview GET.
NETWORK_JS = """
(() => {
  const net = (window.__net = {joined: 0, completed: 0, inflight: 0, changed: performance.now(), mark: 0,
                               evented: performance.now(), failed: [], previews: []});
  const touch = () => { net.changed = performance.now(); };
  const event = () => { net.evented = net.changed = performance.now(); };
  // Gradio's events alone (joins and their completions), whatever other fetches are still out
  net.settledFor = () => net.joined > net.completed ? -1 : performance.now() - Math.max(net.evented, net.mark);
  net.quietFor = () => (net.joined > net.completed || net.inflight > 0)
    ? -1 : performance.now() - Math.max(net.changed, net.mark);
  const read = async (stream) => {
    const reader = stream.getReader(), decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, {stream: true});
      const lines = buffer.split('\\n');
      buffer = lines.pop();
      for (const line of lines) {
        if (!line.startsWith('data:')) continue;
        let message;
        try { message = JSON.parse(line.slice(5)); } catch (e) { continue; }
        if (message.msg !== 'process_completed') continue;
        net.completed++;
        event();
        if (!message.success) net.failed.push(JSON.stringify(message.output ?? message).slice(0, 400));
      }
    }
  };
  const fetch = window.fetch;
  window.fetch = async function (input, init) {
    const url = typeof input === 'string' ? input : (input instanceof URL ? input.href : input.url);
    if (url.includes('/queue/data')) {
      const response = await fetch.apply(this, arguments);
      if (!response.body) return response;
      const [mine, theirs] = response.body.tee();
      read(mine).catch(() => {});  // the client aborts the stream when it is done with it
      const {status, statusText, headers} = response;
      return new Response(theirs, {status, statusText, headers});
    }
    net.inflight++;
    touch();
    try {
      const response = await fetch.apply(this, arguments);
      if (url.includes('/queue/join') && response.ok) {
        net.joined++;
        event();
      }
      if (url.includes('/preview/') || url.includes('/onnx/')) net.previews.push(response.status);
      return response;
    } finally {
      net.inflight--;
      touch();
    }
  };
})();
"""
# What the page shows of an error: Gradio's toast, its badge over an output, explorer/ui/page.js's line under a control.
ERRORS_JS = """
() => [...document.querySelectorAll('.toast-body.error, [data-testid="status-tracker"] .error, .control-error')]
  .map((e) => (e.closest('[id]')?.id ?? '') + ': ' + e.textContent.trim().slice(0, 300))
"""
# The visible panel's images that failed to load, and whether the panel shows anything drawn at all.
PANEL_JS = """
() => {
  const panels = [...document.querySelectorAll('[role=tabpanel]')].filter((p) => p.offsetParent);
  const panel = panels.at(-1);
  if (!panel) return {broken: [], drawn: 0};
  const shown = (e) => e.offsetParent !== null;
  const images = [...panel.querySelectorAll('img')].filter(shown);
  return {
    broken: images.filter((i) => i.complete && i.naturalWidth === 0).map((i) => i.closest('[id]')?.id ?? i.src),
    drawn: images.filter((i) => i.naturalWidth > 0).length + [...panel.querySelectorAll('.js-plotly-plot, canvas')]
      .filter(shown).length,
  };
}
"""
SECTIONS_JS = """
(tab) => {
  const panel = [...document.querySelectorAll('[role=tabpanel]')].find((p) => p.offsetParent);
  return panel ? [...panel.querySelectorAll('button[role=tab]')].filter((b) => b.offsetParent)
    .map((b) => [b.dataset.tabId, b.innerText.trim()]) : [];
}
"""
TABS_JS = """
() => [...document.querySelectorAll('button[role=tab]')].filter((b) => !b.closest('[role=tabpanel]'))
  .map((b) => b.dataset.tabId)
"""
SELECTED_JS = """
() => [...document.querySelectorAll('button[role=tab][aria-selected=true]')].filter((b) => b.offsetParent)
  .map((b) => b.dataset.tabId)
"""
LAB_READOUT = "(document.querySelector('#toy-readout textarea')?.value ?? '')"
# what a drag left in the page: the last srcs, the preview routes' statuses, the preview helpers' counters
DRAG_STATE_JS = """() => [window.__srcs.slice(-5), window.__net.previews,
  (({off, noRuntime, seq, shown, inPage}) => ({off, noRuntime, seq, shown, inPage}))(window.__latentPreview ?? {})]"""


# the mirror URLs of the settings the page has prepared (once one is)
MIRRORS_JS = """() => { const ready = [...(window.__latentPreview?.prepared?.values() ?? [])].filter(Boolean);
  return ready.length ? ready.map((r) => r.inputs.mirror) : null; }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_upload(root: Path, folder: Path) -> list[str]:
    """Copy exactly the files the deploy command uploads from ``root`` into ``folder``; return them."""
    from explorer.space import upload_files

    files = upload_files(root)
    for name in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, folder / name)
    return files


def space_env(app_folder: Path, folder: Path, port: int, data: bool) -> dict[str, str]:
    """The environment a Space's container gives ``python app.py`` in ``app_folder`` (none of this checkout's test
    settings); its home and, without ``data``, an empty dataset folder go in ``folder``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LATENT_EXPLORER_", "GRADIO_", "PYTHON"))}
    home = folder / "home"
    home.mkdir(exist_ok=True)
    env |= {
        "SYSTEM": "spaces",
        "SPACE_ID": "owner/latent-explorer",
        "SPACE_HOST": "owner-latent-explorer.hf.space",
        "SPACE_AUTHOR_NAME": "owner",
        "SPACE_REPO_NAME": "latent-explorer",
        "GRADIO_SSR_MODE": "true",
        "HF_TOKEN": "hf_FakeOwnerTokenThatNoVisitorMayUse0000",
        "HF_HUB_OFFLINE": "1",
        "GRADIO_SERVER_NAME": "0.0.0.0",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HOME": str(home),
        # no network: a download (torchvision's Fashion-MNIST) fails at once, as it would offline
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "no_proxy": "127.0.0.1,localhost,0.0.0.0",
    }
    meta = yaml.safe_load((app_folder / "README.md").read_text().split("---\n")[1])
    if meta.get("hf_oauth"):  # the Space runtime sets these for "Sign in with Hugging Face"
        env |= {
            "OAUTH_CLIENT_ID": "fake-client-id",
            "OAUTH_CLIENT_SECRET": "fake-client-secret",
            "OAUTH_SCOPES": " ".join(["openid", "profile", *meta.get("hf_oauth_scopes", [])]),
            "OPENID_PROVIDER_URL": "https://huggingface.co",
        }
    if not data:  # Debian's folder and the download cache both empty
        empty = folder / "no-datasets"
        empty.mkdir(exist_ok=True)
        env["LATENT_EXPLORER_SYSTEM_DATA"] = str(empty)
    return env


@dataclass
class Space:
    url: str
    process: subprocess.Popen
    log: Path
    data: bool
    started: float = 0.0  # time.monotonic() at the process's start
    started_s: float = 0.0
    views_s: dict = field(default_factory=dict)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_space(
    app_folder: Path, env: dict, log: Path, data: bool, timeout: float = START_S, python: str = sys.executable
) -> Space:
    """``python app.py`` in ``app_folder``; returns once the page is served (the seconds it took in ``started_s``)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [python, "app.py"], cwd=app_folder, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    space = Space(f"http://127.0.0.1:{env['GRADIO_SERVER_PORT']}/", process, log, data, started=started)
    deadline = started + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"app.py exited with {process.returncode}:\n{space.output()[-4000:]}")
        try:
            with urllib.request.urlopen(space.url, timeout=5) as response:
                if response.status == 200 and "Latent Explorer" in response.read().decode():
                    space.started_s = time.monotonic() - started
                    return space
        except OSError:
            if time.monotonic() > deadline:
                stop_space(space)
                raise AssertionError(f"app.py did not serve within {timeout} s:\n{space.output()[-4000:]}") from None
        time.sleep(0.2)  # the poll interval while the server starts (the condition is the served page)


def stop_space(space: Space) -> None:
    space.process.terminate()
    try:
        space.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        space.process.kill()
        space.process.wait(timeout=30)


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(NETWORK_JS)
    page.page_errors = []
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    page.goto(url)
    return page


def wait_drawn(page, timeout: float = VIEW_S) -> None:
    """Wait until Gradio has nothing pending and has been quiet for ``QUIET_MS`` since the last mark or change."""
    page.wait_for_function(f"() => window.__net.quietFor() >= {QUIET_MS}", polling=100, timeout=timeout * 1000)


def problems(page) -> list[str]:
    """Every error the page has shown or received so far (failed events, error toasts and badges, page errors)."""
    failed = page.evaluate("() => window.__net.failed")
    return [*failed, *page.evaluate(ERRORS_JS), *page.page_errors]


def open_view(page, selector: str) -> float:
    """Click a tab or section button and wait for its first view; the seconds it took (the quiet window excluded)."""
    page.evaluate("() => { window.__net.mark = performance.now(); }")
    started = time.monotonic()
    page.locator(selector).first.click(timeout=VIEW_S * 1000)  # a busy page may take long to lay it out
    try:
        wait_drawn(page)
    except PlaywrightTimeout:
        state = page.evaluate("() => JSON.stringify(window.__net)")
        raise AssertionError(f"{selector}: still busy after {VIEW_S} s; the page's work: {state}") from None
    return time.monotonic() - started - QUIET_MS / 1000


def first_views(page, sections: bool = True) -> dict[str, dict]:
    """Open every tab and (``sections``) every section of a tab in turn: {"tab" or "tab / section": {seconds,
    problems, panel}}."""
    views = {}
    page.locator("#interp-frame img").wait_for(timeout=VIEW_S * 1000)
    wait_drawn(page)
    for tab_id in page.evaluate(TABS_JS):
        seen = len(problems(page))
        seconds = open_view(page, f"button[role=tab][data-tab-id='{tab_id}']")
        views[tab_id] = {"seconds": seconds, "problems": problems(page)[seen:], "panel": page.evaluate(PANEL_JS)}
        for section_id, title in page.evaluate(SECTIONS_JS, tab_id) if sections else ():
            seen = len(problems(page))
            seconds = open_view(page, f"button[role=tab][data-tab-id='{section_id}']")
            views[f"{tab_id} / {title}"] = {
                "seconds": seconds,
                "problems": problems(page)[seen:],
                "panel": page.evaluate(PANEL_JS),
            }
    return views


@pytest.fixture(scope="module", params=[False, True], ids=["no-data", "fashion-mnist"])
def space(request, tmp_path_factory, default_zoo):
    data = request.param
    if data and not FASHION_MNIST.is_dir():
        pytest.skip(f"Debian's dataset-fashion-mnist is not installed ({FASHION_MNIST})")
    folder = tmp_path_factory.mktemp("space-" + ("data" if data else "no-data"))
    app_folder = folder / "app"
    files = copy_upload(ROOT, app_folder)
    assert sorted(str(p.relative_to(app_folder)) for p in app_folder.rglob("*") if p.is_file()) == sorted(files)
    # the deploy's first command (README, `python -m explorer.ui.inpage onnx-files`, run here in this process): the
    # files the students' pages fetch, uploaded for the Hub's CDN to send
    from explorer.ui.inpage import write_mirror

    write_mirror(default_zoo, app_folder / "onnx-files")
    space = start_space(app_folder, space_env(app_folder, folder, free_port(), data), folder / "app.log", data)
    yield space
    stop_space(space)


@pytest.fixture(scope="module")
def page(space, chromium):
    page = open_page(chromium, space.url)
    yield page
    page.close()


def test_every_tab_draws_its_first_view_without_an_error(space, page):
    """With the data every tab in turn (its first section's view: the wiring, the file routes a Space serves and SSR);
    without it, the views that need it. Every section's first view is called in Python with the data and without
    (``test_every_first_view_draws_or_says_why_in_one_line``), and bench/space.py opens them all in the page."""
    if not space.data:
        views_that_need_the_data_say_so(page)
        return
    views = first_views(page, sections=False)
    space.views_s = {name: round(view["seconds"], 1) for name, view in views.items()}
    assert len(views) >= 10, sorted(views)  # ten tabs
    failures = {name: view["problems"] for name, view in views.items() if view["problems"]}
    assert not failures, f"errors on first views (data: {space.data}):\n{json.dumps(failures, indent=1)}"
    broken = {name: view["panel"]["broken"] for name, view in views.items() if view["panel"]["broken"]}
    assert not broken, f"images that did not load: {broken}"
    # every explorer tab draws on opening (the Metrics tab and the Training tab compute on a click)
    drawing = ("interpolation", "arithmetic", "directions", "stylemix", "truncation", "manifold", "theory", "toylab")
    blank = [name for name in drawing if not views[name]["panel"]["drawn"]]
    assert not blank, f"tabs with no image or plot drawn on opening: {blank}"


# The first views that need Fashion-MNIST's test images (others need them on a click: README, "Without the
# dataset"): without the data, each says so in one line (explorer.data's NO_TEST_IMAGES) and draws what needs none.
# The browser opens two of them on the Space started without the data; all of them, and every other first view,
# are called in Python below.
NEEDS_DATA = {"manifold / vqvae": "#vq-text", "theory / cycle": "#cyc-text", "theory / datarange": None,
              "theory / bimodal": None}  # fmt: skip


def views_that_need_the_data_say_so(page) -> None:
    """On the Space without the data: the first tab draws at start, and two views that need the data open with
    their one line and no error."""
    from explorer.data import NO_TEST_IMAGES

    page.locator("#interp-frame img").wait_for(timeout=VIEW_S * 1000)
    wait_drawn(page)
    opened = {}
    for view, readout in NEEDS_DATA.items():
        if readout is None:
            continue
        tab, section = view.split(" / ")
        open_view(page, f"button[role=tab][data-tab-id='{tab}']")
        open_view(page, f"button[role=tab][data-tab-id='{section}']")
        opened[view] = page.locator(readout).inner_text(timeout=VIEW_S * 1000).strip()
    assert len(opened) == 2, opened
    for view, text in opened.items():  # Markdown renders the message's `code`: compare its words, on one line
        assert "\n" not in text and text.startswith(NO_TEST_IMAGES.replace("`", "")[:40]), (view, text)
    assert not problems(page)


def tab_path(block) -> str:
    """The "tab / section" of a block: the ids of the tabs it sits in, outermost first (as a link names them)."""
    import gradio as gr

    ids = []
    while block is not None:
        if isinstance(block, gr.Tab) and block.id is not None:
            ids.insert(0, str(block.id))
        block = getattr(block, "parent", None)
    return " / ".join(ids)


@pytest.mark.parametrize("data", [False, True], ids=["no-data", "fashion-mnist"])
def test_every_first_view_draws_or_says_why_in_one_line(data, default_zoo, tmp_path, monkeypatch):
    """Every view the page draws when a user first opens its tab or section (share.draw_when_opened: a hidden
    opener's event), called as that event calls it and its outputs postprocessed as Gradio sends them: none may
    raise or warn (a toast); each draws a picture or plot or says why not (the tab's model cannot show it, or the
    data is missing). With the data none says the data is missing; on a Space without Fashion-MNIST exactly the
    ``NEEDS_DATA`` views do, in one line that names the package. The browser opens each tab's first view on both
    Spaces (above)."""
    import asyncio
    import warnings
    from concurrent.futures import ThreadPoolExecutor

    import gradio as gr
    from gradio.state_holder import SessionState

    import app
    from explorer.data import NO_TEST_IMAGES
    from explorer.device import one_thread
    from explorer.settings import Settings
    from explorer.zoo import Zoo

    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # no network: a download fails at once, as offline
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    zoo = default_zoo
    if not data:
        zoo = Zoo(device="cpu", settings=Settings(system_data=tmp_path / "none", data_cache=tmp_path / "cache"))
    built = app.build_app(zoo)
    openers = [
        fn
        for fn in built.fns.values()
        if (getattr(built.blocks.get(fn.targets[0][0]), "elem_id", None) or "").startswith("draw-opened-")
    ]
    walked, says, failures = set(), set(), {}
    for fn in openers:
        view = tab_path(built.blocks[fn.targets[0][0]])  # the opener sits in the tab it draws
        walked.add(view)
        values = [None, *(c.value for c in fn.inputs[1:])]  # a fresh page: the view is empty, its controls default
        with warnings.catch_warnings(record=True) as caught, one_thread():  # one thread, as a worker runs it
            warnings.simplefilter("always")
            try:
                outputs = fn.fn(*values)
                # in a thread of its own: a worker's Playwright (sync API) runs an event loop in this one
                with ThreadPoolExecutor(1) as thread:
                    sent = thread.submit(asyncio.run, built.postprocess_data(fn, outputs, SessionState(built))).result()
            except Exception as error:  # noqa: BLE001 — any exception is this view's failure, named
                failures.setdefault(view, []).append(f"{type(error).__name__}: {error}")
                continue
        failures.setdefault(view, []).extend(
            str(w.message) for w in caught if "gradio" in (w.filename or "") or issubclass(w.category, UserWarning)
        )
        outputs = outputs if len(fn.outputs) > 1 else [outputs]
        assert len(sent) == len(fn.outputs), view
        views = [v for c, v in zip(fn.outputs, outputs, strict=True) if isinstance(c, gr.Image | gr.Plot | gr.Gallery)]
        pictures = [v for v in views if v is not None and not (isinstance(v, list) and not v)]
        for text in (v for v in outputs if isinstance(v, str) and "Fashion-MNIST is not installed" in v):
            if not text.startswith(NO_TEST_IMAGES) or "\n" in text:
                failures.setdefault(view, []).append(f"not one line that names the package: {text!r}")
            says.add(view)
        if views and not pictures and not any(isinstance(v, str) and v.strip() for v in outputs):
            failures.setdefault(view, []).append("draws nothing and says nothing")
    failures = {view: found for view, found in failures.items() if found}
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)
    assert says == (set() if data else set(NEEDS_DATA)), sorted(says)
    assert len(walked) >= 20 and len({view for view in walked if " / " in view}) >= 18, sorted(walked)


def test_a_slider_drag_paints_route_previews(space, page):
    page.locator("button[role=tab][data-tab-id='interpolation']").click(timeout=VIEW_S * 1000)
    frame = page.locator("#interp-frame img")
    frame.wait_for(timeout=VIEW_S * 1000)
    wait_drawn(page)
    page.evaluate(WATCH_SRCS, "#interp-frame")
    before = len(page.evaluate("() => window.__net.previews"))
    box = page.locator("#interp-t input[type=range]").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    try:
        for fraction in (0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
            page.mouse.move(box["x"] + box["width"] * fraction, y, steps=2)
        # the pointer stays down until a preview is painted, as a student's drag lasts: released at once, the release's
        # Gradio image can land before the moves' route answers on a busy machine, and the page then drops them as
        # older (seen once in a clean clone's run: no blob in 180 s). The first in-page frame (the runtime's first
        # use) took over 60 s once at load 7–13, after the first-views walk
        try:
            page.wait_for_function("() => window.__srcs.some((s) => s.startsWith('blob:'))", timeout=VIEW_S * 1000)
        except PlaywrightTimeout:  # say what the page saw instead of "Timeout"
            seen = page.evaluate(DRAG_STATE_JS)
            raise AssertionError(
                f"no preview painted during the drag in {VIEW_S} s; srcs, statuses, helpers: {seen}"
            ) from None
    finally:
        page.mouse.up()
    wait_drawn(page)
    statuses = page.evaluate("() => window.__net.previews")[before:]
    # the in-page previews' /onnx/… routes (or the /preview/… fallback) answered: SSR would 404 them
    assert statuses and set(statuses) == {200}, statuses
    # the uploaded onnx-files are named from the Hub (unreachable here: the page falls back to the Space's own copy):
    # the very files of the upload's index (the Space serves them, not an export of its own, whose bytes and URL could
    # differ), so the Hub has each file a page asks for
    hub = "https://huggingface.co/spaces/owner/latent-explorer/resolve/main/onnx-files/"
    index = json.loads((space.log.parent / "app" / "onnx-files" / "onnx" / "index.json").read_text())
    mirrors = page.wait_for_function(MIRRORS_JS, timeout=VIEW_S * 1000).json_value()
    assert mirrors and set(mirrors) <= {hub + listed["file"] for listed in index.values()}, (mirrors, index)
    # the image shown has pixels (waited for: a paint's new src decodes a moment after it is set)
    page.wait_for_function("() => document.querySelector('#interp-frame img').naturalWidth > 0", timeout=30_000)
    assert not problems(page)


def step_view(raw: dict) -> str:
    """The "tab / section" a lecture path's step opens."""
    from explorer.ui import path as lecture_path

    params = lecture_path.Step(raw["title"], raw["link"]).params()
    return " / ".join(params[key] for key in ("tab", "section") if key in params)


# The tabs whose first step the browser walks on the Space with the data: a section's step (GAN theory), the GAN lab
# (its preset plays; the walk pauses it), a face StyleGAN's section and the Training tab's recorded run. Every step's
# restore is resolved in Python, with data and without (tests/test_lecture_walk.py); the page's own path (P.go, ▶,
# the keys) is tested on the served app (tests/e2e/test_presentation_browser.py, test_lecture_day_browser.py).
BROWSER_STEP_TABS = ("theory", "toylab", "stylemix", "training")


def first_step_of_each_tab(steps: list, tabs=BROWSER_STEP_TABS) -> list[int]:
    """The numbers (1-based) of the first step that opens each of ``tabs`` (``None``: every tab)."""
    from explorer.ui import path as lecture_path

    firsts = {}
    for number, raw in enumerate(steps, 1):
        firsts.setdefault(lecture_path.Step(raw["title"], raw["link"]).params()["tab"], number)
    return sorted(number for tab, number in firsts.items() if tabs is None or tab in tabs)


@pytest.mark.timeout(1200)  # each step a Gradio event that draws its view: long on a busy 2-core machine
def test_a_few_steps_open_their_tabs_and_next_goes_on(space, page):
    """With the data, the first step of each of ``BROWSER_STEP_TABS`` and ▶ after the last; without it, the first step
    that needs the data and ▶ to the next (every step's restore, with and without the data:
    tests/test_lecture_walk.py)."""
    from explorer.ui import path as lecture_path

    steps = json.loads((ROOT / "docs" / "lecture-path.json").read_text())["steps"]
    if space.data:
        assert len(first_step_of_each_tab(steps, None)) >= 10  # every tab of the app has a step
        walked = first_step_of_each_tab(steps)
        assert len(walked) == len(BROWSER_STEP_TABS), walked
    else:  # the first step that opens a view needing the data (its one line, no error), then ▶ on to the next
        walked = [next(n for n, raw in enumerate(steps, 1) if step_view(raw) in NEEDS_DATA)]
    walked.append(walked[-1] + 1)  # and the step after the last, with the ▶ button itself
    page.locator("body").click(position={"x": 5, "y": 5})
    opened, elsewhere = {}, {}
    for number in walked:
        raw = steps[number - 1]
        step = lecture_path.Step(raw["title"], raw["link"])
        params = step.params()
        seen = len(problems(page))
        page.evaluate("() => { window.__net.mark = performance.now(); window.__net.before = window.__net.joined; }")
        if number == walked[-1]:
            page.locator("#path-next").click(timeout=VIEW_S * 1000)  # ▶: the button's own path to page.js P.go
        else:  # a jump to the step, as ▶ would land on it (P.go with an absolute index)
            page.evaluate(f"() => window.__latentPage.go({number - 1}, true)")
        stage = "its title"
        try:
            page.wait_for_function(
                f"() => document.querySelector('#path-where')?.innerText.includes('{number} / {len(steps)}')",
                timeout=VIEW_S * 1000,
            )
            if params["tab"] == "toylab":  # a preset may set the lab playing: once it shows, Pause, as a lecturer would
                stage = "the GAN lab's readout"
                page.wait_for_function(f"() => {LAB_READOUT}.length > 0", timeout=VIEW_S * 1000)
                stage = "Pause"
                page.locator("#toy-pause").click(timeout=VIEW_S * 1000)
            stage = "its events settled"
            page.wait_for_function(  # the step's Gradio events done (a tab's timers may keep fetching)
                # the step's own restore joined the queue (a quiet moment before it does is not "settled"), then done
                f"() => window.__net.joined > window.__net.before && window.__net.settledFor() >= {QUIET_MS}",
                polling=100,
                timeout=VIEW_S * 1000,
            )
        except PlaywrightTimeout:
            state = page.evaluate("() => JSON.stringify(window.__net)")
            where = page.evaluate("() => document.querySelector('#path-where')?.innerText")
            pytest.fail(
                f"step {number} ({step.link}): no {stage} within {VIEW_S} s (the bar: {where!r}); page's work: {state}"
            )
        wanted = [params["tab"], *([params["section"]] if "section" in params else [])]
        try:  # the step's tab and section are the ones shown (its first yield selects them; a busy server is slow)
            page.wait_for_function(
                f"() => {json.dumps(wanted)}.every((w) => ({SELECTED_JS})().includes(w))", timeout=VIEW_S * 1000
            )
        except PlaywrightTimeout:
            elsewhere[f"{number}. {step.link}"] = page.evaluate(SELECTED_JS)
        opened[f"{number}. {step.title}"] = problems(page)[seen:]
    failures = {name: errors for name, errors in opened.items() if errors}
    assert not failures, f"errors on lecture-path steps (data: {space.data}):\n{json.dumps(failures, indent=1)}"
    assert not elsewhere, f"steps that did not open their tab and section (shown instead): {elsewhere}"


def test_the_readme_gradio_client_example_calls_the_space(space, tmp_path):
    readme = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "gradio_client" in b]
    assert len(blocks) == 1, "the README shows one gradio_client call"
    code = blocks[0].replace('"<user>/latent-explorer"', repr(space.url))
    assert "api_name=" in code
    namespace = {}
    os.environ.setdefault("GRADIO_TEMP_DIR", str(tmp_path))
    exec(compile(code, "README.md", "exec"), namespace)  # the README's own lines, run against the Space
    from PIL import Image

    with Image.open(namespace["frame"]) as picture:
        assert picture.size == (256, 256)
