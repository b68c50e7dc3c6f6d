"""The page stays responsive around a slider's release (issue #31): no long task after t's or α's release, the ‖z‖
marker sits at the released t without a new figure, one Gradio event per gesture, and a click on the track paints
as fast as a key press.

Both tests measure the page as it is served, the in-page runtime on (ONNX Runtime Web, explorer/ui/inpage.py): a
setting's first moves are painted by the preview route while the page prepares the runtime, the model and the latents,
the later ones by the runtime. The runtime compiles its wasm, creates its sessions and runs them in its own Web Worker
(``env.wasm.proxy``); on the main thread that first use was a long task of about 70 ms CPU, once per page.

Long tasks are the page's ``PerformanceObserver({type: 'longtask'})`` entries: wall time. On a busy machine (two
cores shared by several test runs) the renderer waits for a core mid-task, so a task of a few ms of work can read
100 ms. Each long task is therefore looked up in Chromium's trace of the same window, which gives its main-thread
CPU time: the bound (50 ms) is on that. Before the fix a release re-created the ‖z‖ plot: 50–300 ms long tasks,
45–90 ms of them CPU time.
"""

import json
import statistics

import numpy as np
import pytest

from explorer.ui.tabs import interpolation

from .waiting import wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

LONG_TASK_MS = 50
OBSERVE = """
() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
  }).observe({type: 'longtask', buffered: true});
  window.__quiet = performance.now();
  addEventListener('pointerup', () => { window.__released = performance.now(); }, true);
  new MutationObserver(() => { window.__quiet = performance.now(); })
    .observe(document.body, {subtree: true, childList: true, attributes: true});
}
"""
PAINTS = """
([out, slider]) => {
  const P = (window.__paints = {start: null, samples: [], last: null});
  const root = document.querySelector(out);
  new MutationObserver(() => {
    const img = root.querySelector('img');
    if (!img || P.start === null || img.src === P.last) return;
    P.last = img.src;
    const start = P.start;
    P.start = null;
    img.decode().catch(() => {}).then(() => requestAnimationFrame(() => P.samples.push(performance.now() - start)));
  }).observe(root, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  P.last = root.querySelector('img')?.src ?? null;
  document.querySelector(slider).addEventListener('input', () => { P.start ??= performance.now(); }, true);
}
"""
MARKER = """
() => {
  const el = document.querySelector('#interp-norms .js-plotly-plot');
  const shape = (el?.layout?.shapes || []).find((s) => s.name === 't');
  return {same: el === window.__plot, x: shape?.x0};
}
"""


def settle(page, quiet_ms: int = 400) -> None:
    """Wait until nothing in the page has changed for ``quiet_ms`` (the release's event and paints are done)."""
    page.wait_for_function(f"() => performance.now() - window.__quiet > {quiet_ms}", timeout=60_000)


def track_point(page, slider: str, fraction: float) -> tuple[float, float]:
    box = page.locator(f"#{slider} input[type=range]").bounding_box()
    half_thumb = 8  # the thumb's centre runs from min to max inside the track's ends
    return box["x"] + half_thumb + (box["width"] - 2 * half_thumb) * fraction, box["y"] + box["height"] / 2


def drag(page, slider: str, to_fraction: float) -> float:
    """Press on the thumb, drag in small moves, release; return the new value."""
    track = page.locator(f"#{slider} input[type=range]")
    track.scroll_into_view_if_needed()
    value, low, high = (float(track.evaluate(f"e => e.{k}")) for k in ("value", "min", "max"))
    x0, y = track_point(page, slider, (value - low) / (high - low))
    x1, _ = track_point(page, slider, to_fraction)
    page.mouse.move(x0, y)
    page.mouse.down()
    for x in np.linspace(x0, x1, 8)[1:]:
        page.mouse.move(x, y)
    page.mouse.up()
    return float(page.locator(f"#{slider} input[type=number]").input_value())


class Trace:
    """Chromium's trace around a gesture: the main thread's CPU time of each task, by its page-clock start."""

    def __init__(self, browser, page):
        self.browser, self.page = browser, page

    def __enter__(self):
        categories = ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing"]  # RunTask
        self.browser.start_tracing(page=self.page, categories=categories)
        self.zero = self.page.evaluate("() => performance.mark('long-tasks-zero').startTime")
        return self

    def __exit__(self, *exc):
        events = json.loads(self.browser.stop_tracing())
        events = events["traceEvents"] if isinstance(events, dict) else events
        mark = next(e for e in events if e.get("name") == "long-tasks-zero")
        main = {
            (e["pid"], e["tid"])
            for e in events
            if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
        }
        offset = mark["ts"] / 1000 - self.zero  # trace µs → the page's performance.now() ms
        on_main = [e for e in events if e.get("ph") == "X" and (e.get("pid"), e.get("tid")) in main and "dur" in e]
        self.tasks = [
            (e["ts"] / 1000 - offset, e["dur"] / 1000, e.get("tdur", e["dur"]) / 1000)
            for e in on_main
            if e.get("name") == "RunTask"
        ]
        # what ran inside each task (a failure's message): its slices, page clock
        self.slices = [
            (e["ts"] / 1000 - offset, e.get("tdur", e["dur"]) / 1000, e["name"], _detail(e))
            for e in on_main
            if e.get("name") != "RunTask"
        ]

    def inside(self, start: float, duration: float) -> list:
        """The longest slices (CPU ms, name, detail) of the main thread's work in the long task at ``start``."""
        within = [
            (round(cpu, 1), name, detail) for s, cpu, name, detail in self.slices if start - 3 <= s <= start + duration
        ]
        return sorted(within, reverse=True)[:8]

    def cpu_ms(self, start: float, duration: float) -> float:
        """The CPU time of the traced task that the long task (``start``, ``duration``: page clock) was: the main
        thread's task that starts with it (tasks on one thread run one after another, so a task starting within 3 ms
        is that one, or one shorter than 3 ms before it). Its traced duration is not compared: on a busy machine
        the long task's and the trace's ends differ by up to 10 ms. None starting so near (their starts can differ
        as much): the traced task that covers at least 80 % of it. No such task: its wall time, the
        upper bound (a clean clone's one failure read (59, 59): no task found, so no CPU time measured)."""
        near = [cpu for s, _, cpu in self.tasks if abs(s - start) < 3]
        # the same task read on the other clock: it covers at least 80 % of the long task
        covering = [
            cpu for s, wall, cpu in self.tasks if min(s + wall, start + duration) - max(s, start) >= 0.8 * duration
        ]
        return max(near or covering or [duration])


def _detail(event: dict) -> str:
    """A trace slice's script or URL, where it names one (a function call, a script, a decode)."""
    data = event.get("args", {}).get("data", {}) or {}
    what = data.get("functionName") or data.get("url") or data.get("type") or ""
    return str(what)[-60:]


def long_tasks_after_release(page) -> list[tuple[float, float]]:
    """The long tasks that ended after the last pointerup (the release's own handling included)."""
    return [tuple(t) for t in page.evaluate("() => window.__longTasks.filter(([s, d]) => s + d > window.__released)")]


def release_and_check(browser, page, slider: str, to_fraction: float, gradio_posts: list) -> tuple[float, list]:
    """Drag ``slider`` and release; once the page is quiet, the long tasks after the release (wall ms, CPU ms) and
    the Gradio POSTs the gesture made."""
    settle(page)
    with Trace(browser, page) as trace:
        gradio_posts.clear()
        value = drag(page, slider, to_fraction)
        settle(page)
    tasks = []
    for start, duration in long_tasks_after_release(page):
        cpu = trace.cpu_ms(start, duration)  # over the bound: with what the task ran, for the failure's message
        tasks.append((round(duration), round(cpu), *([trace.inside(start, duration)] if cpu > LONG_TASK_MS else [])))
    return value, tasks


def test_a_release_of_t_or_alpha_leaves_no_long_task(browser, app_url, default_zoo):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/gradio_api/" in r.url else None)
    try:
        page.goto(app_url)
        page.evaluate(OBSERVE)
        page.wait_for_selector("#interp-frame img", timeout=60_000)
        page.wait_for_selector("#interp-norms .js-plotly-plot", timeout=60_000)
        page.evaluate("() => { window.__plot = document.querySelector('#interp-norms .js-plotly-plot'); }")

        # 1. t: the image and the marker follow; the release sends no figure (the same plot, moved in the page)
        t, tasks = release_and_check(browser, page, "interp-t", 0.8, posts)
        expected = interpolation.render_frame(default_zoo, "dcgan-fashion-mnist", 11, 23, t, "spherical (slerp)")
        wait_for_image(page, "#interp-frame img", np.asarray(expected))  # the sync's render: what is shown
        marker = page.evaluate(MARKER)
        assert marker == {"same": True, "x": pytest.approx(t)}
        assert len(posts) <= 1, posts  # one Gradio event per gesture at most: the frame's sync, none per move
        assert all(task[1] <= LONG_TASK_MS for task in tasks), f"t's release: long tasks (wall ms, CPU ms) {tasks}"

        # 2. α on Directions (the faces DCGAN: a 4× larger render)
        page.get_by_role("tab", name="Directions", exact=True).click()
        page.wait_for_selector("#dir-image img", timeout=120_000)
        page.wait_for_selector("#dir-grid img", timeout=120_000)
        alpha, tasks = release_and_check(browser, page, "dir-alpha", 0.8, posts)
        assert 2.0 <= alpha <= 4.0
        assert len(posts) <= 1, posts
        assert all(task[1] <= LONG_TASK_MS for task in tasks), f"α's release: long tasks (wall ms, CPU ms) {tasks}"
    finally:
        page.close()


def test_a_click_on_the_track_paints_as_fast_as_a_key_press(browser, app_url):
    """A track click fires input and release (a key press: input only); the release used to redraw the ‖z‖ figure,
    and the click's image waited behind it (439 ms p50 against 33 ms for a key, issue #31)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    slider = "#interp-t input[type=range]"
    try:
        page.goto(app_url)
        page.evaluate(OBSERVE)
        page.wait_for_selector("#interp-frame img", timeout=60_000)
        page.locator(slider).scroll_into_view_if_needed()
        page.evaluate(PAINTS, ["#interp-frame", slider])
        keys, clicks = [], []
        for i in range(7):  # the first of each is a warm-up
            settle(page)
            page.locator(slider).focus()
            page.keyboard.press("ArrowRight" if i % 2 else "ArrowLeft")
            page.wait_for_function(f"() => window.__paints.samples.length >= {2 * i + 1}", timeout=60_000)
            settle(page)
            # far from the thumb (a click on the thumb moves nothing): 0.2… and 0.8…, the key press between
            page.mouse.click(*track_point(page, "interp-t", 0.2 + 0.02 * i if i % 2 else 0.8 - 0.02 * i))
            page.wait_for_function(f"() => window.__paints.samples.length >= {2 * i + 2}", timeout=60_000)
            samples = page.evaluate("() => window.__paints.samples")
            if i:
                keys.append(samples[2 * i])
                clicks.append(samples[2 * i + 1])
        key, click = statistics.median(keys), statistics.median(clicks)
        # the same work after either (one preview GET, then the sync); a margin for a busy machine's noise
        assert click <= 2 * key + 20, f"track click p50 {click:.0f} ms against key press p50 {key:.0f} ms"
    finally:
        page.close()
