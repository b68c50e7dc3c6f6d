"""The preview route: a slider's cheap render painted without Gradio's event round trips.

Through Gradio, a slider move costs the frontend's dispatch over the whole page, a POST that returns
a file URL, then a GET of that file, then the image component's update: ~55 ms p50 on our page
against ~45 ms for a one-slider page (``bench/latency.py``). For renders that take a few ms (one
32² sample), that overhead is the latency. So while a slider moves, its event runs a few lines of
JavaScript instead (``js=``, which receives the same input values Gradio would send): one GET of
``/preview/<name>?args=<JSON list>`` to a route of our own, answered with the PNG bytes of the same
handler, painted straight into the output ``<img>``. One request per preview is in flight at a time: a move made
meanwhile waits for its answer and a newer move replaces it, so a page asks no faster than the server answers (a
request unanswered after 15 s is given up). Responses carry a sequence number: a stale one never replaces a newer
image, and none still in flight once Gradio has painted its own render replaces it. Once the sliders rest
(``SYNC_AFTER_MS`` with no input and no pointer down) the page clicks a hidden button whose ordinary Gradio event
renders the same inputs once, so the component's value (its download button, the API, the share link) matches what is
shown; it runs after the drag, not during it, so it never competes with the previews. Without the route (an app
launched without ``Previews.routes()``, or ``Settings.preview_route`` off) the JavaScript clicks that button at once,
and the slider still updates the image.

The route is a stateless GET: each response is computed from its own query only (the concurrency
test checks 20 clients scrubbing at once), its arguments go through the handler's own checks (bad
values are a 400 with the handler's message), and the query is capped at ``inpage.MAX_QUERY`` characters
(``inpage.query_args``).

A lecture hall (``bench/classroom.py``: 200 students scrubbing at once on 2 CPU cores) is served by two
things. A ``RenderCache`` keeps the PNG bytes of recent answers per (preview, model generation, inputs),
bounded in entries and bytes: a room on the lecturer's link asks for the same few hundred images, and an
answer depends on its inputs only, so a hit is another student's identical image, never a different
one (bytes are immutable: nothing a user gets is shared mutable state). Concurrent misses for the same
inputs render once. And the renders of the route and of the previews' Gradio events run inside
``explorer.batching.batching``: concurrent forward passes of one model are stacked into one.

A large model's preview is smaller than its image: the route renders inside ``preview_size.at_most(PREVIEW_SIDE)``,
so a 1024² StyleGAN2-ADA answers a moving slider with its own 256² image (its synthesis stops at that block, the
costliest blocks never run; ``bench/preview_size.py``) and the full image arrives with the sync event on release.
Models of 256² and less are unaffected.

Sliders wired with an ``InPage`` recipe (``explorer/ui/inpage.py``) do better: once the page has the model's ONNX
graph and the setting's latents, a move is rendered by ONNX Runtime Web in the page and the route is asked nothing;
the route stays their fallback (no WebAssembly, a model that is not exported, any error).
"""

import functools
import inspect
import io
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

import gradio as gr
from PIL import Image
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from explorer import preview_size
from explorer.batching import BatchQueue, batching
from explorer.onnx_export import OnnxModels
from explorer.ui.inpage import RUNTIME_PATH, InPage, InPagePreviews, query_args

PATH = "/preview/{name}"
SYNC_AFTER_MS = 200  # the Gradio render follows this long after the sliders' last move
CLIENT_JS = Path(__file__).with_name("previews.js")  # the page helpers: a function of its options
CACHE_ENTRIES = 4096  # previews kept at most (a 256² preview PNG: 2–40 kB)
PREVIEW_SIDE = 256  # the largest side a moving slider's image is rendered at; the full image follows on release


def client_js(sync_after_ms: int = SYNC_AFTER_MS, mirrored: bool = False) -> str:
    """The page helpers as an event's ``js``: the function in ``previews.js`` called with its options (``mirrored``: a
    mirror of the model files is set, so a setting's moves wait for its model from the first, ``S.hold``)."""
    source = "\n".join(line for line in CLIENT_JS.read_text().splitlines() if not line.startswith("//"))
    options = {"syncAfterMs": sync_after_ms, "runtime": RUNTIME_PATH, "mirrored": mirrored}
    return f"() => ({source.strip()})({json.dumps(options)})"


class Previews:
    """The preview route of one app: its handlers by name, the events that use them, its Starlette route.

    ``build_app`` makes one, the tabs ``wire`` their sliders and clicks through it, ``install`` adds the
    page helpers' load event, and ``app.launch`` mounts ``routes()``. Disabled (``enabled=False``), every
    wire falls back to plain Gradio events.
    """

    def __init__(
        self,
        enabled: bool = True,
        sync_after_ms: int = SYNC_AFTER_MS,
        cache_mb: float = 64.0,
        batch: bool = True,
        generation: Callable[[], int] = lambda: 0,
        onnx: OnnxModels | None = None,
    ):
        self.enabled = enabled
        self.sync_after_ms = sync_after_ms
        self.handlers: dict[str, Callable[..., Image.Image]] = {}
        self.marks = False  # whether a plot's marker follows a slider in the page (wire_marker)
        self.cache = RenderCache(max_bytes=int(cache_mb * 2**20)) if cache_mb > 0 else None
        self.queue = BatchQueue() if batch else None  # the previews' forward passes, stacked
        self.generation = generation  # the zoo's: a replaced model never answers from the cache
        self.in_page = InPagePreviews(onnx)  # sliders the page renders itself (None: all on the route)

    def batched(self, handler: Callable) -> Callable:
        """``handler`` with its forward passes stacked with concurrent previews' (same signature and name, so
        Gradio sees the same inputs and API name)."""
        if self.queue is None:
            return handler

        @functools.wraps(handler)
        def run(*args, **kwargs):
            with batching(self.queue):
                return handler(*args, **kwargs)

        run.__name__ = getattr(handler, "__name__", type(handler).__name__)  # a partial's, as Gradio names it
        return run

    def render_png(self, name: str, args: list) -> bytes:
        """The PNG of preview ``name`` for ``args``: from the cache, or rendered (in one pass with concurrent
        renders, at most ``PREVIEW_SIDE`` pixels a side per model image) and kept. The handler's own errors
        (``gr.Error``, ``ValueError``, ``TypeError``) pass through."""
        handler = self.batched(self.handlers[name])

        def render() -> bytes:
            with preview_size.at_most(PREVIEW_SIDE):
                picture = handler(*args)
            if not isinstance(picture, Image.Image):
                raise ValueError("nothing to show for these inputs")
            return png_bytes(picture)

        if self.cache is None:
            return render()
        return self.cache.get_or_render(self.cache_key(name, args), render)

    def cache_key(self, name: str, args: list) -> tuple:
        return (name, self.generation(), json.dumps(args, separators=(",", ":")))

    def register(self, name: str, handler: Callable[..., Image.Image]) -> None:
        """Serve ``handler``'s image at ``/preview/<name>``."""
        if name in self.handlers and self.handlers[name] is not handler:
            raise ValueError(f"a preview named {name!r} is registered already")
        self.handlers[name] = handler

    def install(self, demo: gr.Blocks) -> None:
        """Load the page helpers once per page (inside ``demo``'s ``with`` block, after the tabs)."""
        if self.enabled and (self.handlers or self.marks):
            demo.load(None, None, None, js=client_js(self.sync_after_ms, mirrored=bool(self.in_page.mirror)))

    def wire(
        self,
        name: str,
        sliders: Sequence[gr.Slider],
        handler: Callable[..., Image.Image],
        inputs: list,
        output: gr.Image,
        options: dict,
        in_page: InPage | None = None,
        **event_kwargs,
    ) -> None:
        """While any of ``sliders`` moves, render ``handler(*inputs)`` into ``output``.

        With the route: the JavaScript GET while moving (or, with an ``in_page`` recipe, the page's own render), and
        the Gradio event (``options``) once the sliders rest: the page clicks a hidden sync button (``<name>-sync``).
        Without: the Gradio event on every input.
        """
        batched = self.batched(handler)
        if not self.enabled:
            gr.on([s.input for s in sliders], batched, inputs, output, **options, **event_kwargs)
            return
        _need_ids(output)
        self.register(name, handler)
        sync = gr.Button(visible="hidden", elem_id=f"{name.replace('_', '-')}-sync")
        page = self.in_page.register(name, in_page) if in_page is not None else None
        js = _call("slider", name, output.elem_id, sync.elem_id, page)
        gr.on([s.input for s in sliders], None, inputs, None, js=js, **_js_only(options))
        sync.click(batched, inputs, output, **options, **event_kwargs)

    def wire_marker(
        self, slider: gr.Slider, plot: gr.Plot, name: str, redraw: Callable, inputs: list, **kwargs
    ) -> None:
        """While ``slider`` moves, the page moves the marker named ``name`` (its shapes and annotations) of
        ``plot``'s figure to the slider's value: a Plotly relayout in the page (``previews.js`` ``mark``), no
        Gradio event, so neither the move nor the release sends a figure (a new one re-creates the whole plot:
        50–150 ms of the page's time). The figures ``plot`` gets from its other events carry the slider's value.
        Without the page helpers (route off) ``redraw(*inputs)`` draws the figure anew on release."""
        if not self.enabled:
            slider.release(redraw, inputs, plot, **kwargs)
            return
        _need_ids(plot)
        self.marks = True
        js = _call("mark", plot.elem_id, name)
        slider.input(None, [slider], None, js=js, queue=False, trigger_mode="always_last", show_progress="hidden")

    def wire_click(
        self,
        name: str,
        source: gr.Image,
        handler: Callable,
        image_handler: Callable[..., Image.Image],
        inputs: list,
        outputs: list,
        target: gr.Image,
        options: dict,
        in_page: InPage | None = None,
        **event_kwargs,
    ) -> None:
        """A click on ``source`` runs ``handler(*inputs, evt)`` into ``outputs`` (the Gradio event, always).

        With the route, the clicked pixel goes first to ``image_handler(*inputs, x, y)``, whose image is
        painted into ``target`` (one of ``outputs``); the event's ``js`` waits for that, so the Gradio
        event (the same image and the rest of the outputs) follows without competing with it. With an
        ``in_page`` recipe (its ``slider``: x's and y's positions, after ``inputs``) the page paints that image
        itself once it has prepared the setting, and the route only the setting's first click.
        """
        if not self.enabled:
            source.select(self.batched(handler), inputs, outputs, **options, **event_kwargs)
            return
        _need_ids(source, target)
        self.register(name, image_handler)
        page = self.in_page.register(name, in_page) if in_page is not None else None
        # the page sends the clicked pixel with the inputs (previews.js ``clicked``): Gradio's always_last re-run of
        # a click that came during the previous one's event carries the previous click's event data
        pixel = gr.JSON(None, visible=False)
        event_kwargs["js"] = _call("clicked", name, source.elem_id, target.elem_id, page, sends=True)
        run = self.batched(_at_pixel(handler, len(inputs)))
        source.select(run, [*inputs, pixel], outputs, **options, **event_kwargs)

    def routes(self) -> list[Route]:
        """The Starlette route serving the registered previews; pass as ``launch(app_kwargs={"routes": …})``."""

        async def preview(request: Request) -> Response:
            name = request.path_params["name"]
            if name not in self.handlers:
                return PlainTextResponse("no such preview", status_code=404)
            try:
                args = query_args(request)
            except ValueError as error:
                return PlainTextResponse(str(error), status_code=400)
            try:
                body = self.cache.get(self.cache_key(name, args)) if self.cache is not None else None
                cached = "off" if self.cache is None else "miss" if body is None else "hit"
                if body is None:  # a hit costs no thread; a miss renders in the thread pool
                    body = await run_in_threadpool(self.render_png, name, args)
            except gr.Error as error:
                return PlainTextResponse(str(error.message), status_code=400)
            except (ValueError, TypeError) as error:
                message = str(error) if str(error).startswith("nothing to show") else f"bad arguments: {error}"
                return PlainTextResponse(message, status_code=400)
            headers = {"Cache-Control": "no-store", "X-Preview-Cache": cached}  # the cache's part, for benchmarks
            return Response(body, media_type="image/png", headers=headers)

        return [Route(PATH, preview, methods=["GET"]), *self.in_page.routes()]


class RenderCache:
    """A thread-safe LRU of rendered previews (PNG bytes) by key, bounded in entries and in bytes.

    ``get_or_render(key, render)``: a hit moves the entry to the front; a miss renders once however many
    callers ask for the same key at the same moment (the others wait for it, at most ``timeout`` seconds,
    then render themselves); a render's error is not cached. Entries larger than an eighth of the budget
    are served but not kept.
    """

    def __init__(self, max_entries: int = CACHE_ENTRIES, max_bytes: int = 64 * 2**20, timeout: float = 60.0):
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a cache needs room for at least one entry and one byte")
        self.max_entries, self.max_bytes, self.timeout = max_entries, max_bytes, timeout
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.bytes -= len(old) if old is not None else 0
            self._entries[key] = body
            self.bytes += len(body)
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.bytes -= len(dropped)

    def get_or_render(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        body = self.get(key)
        if body is not None:
            return body
        with self._lock:
            pending = self._pending.get(key)
            if pending is None:
                self._pending[key] = threading.Event()
                self.misses += 1
        if pending is not None:  # somebody renders these inputs right now: wait for theirs
            pending.wait(self.timeout)
            body = self.get(key)
            return body if body is not None else render()
        try:
            body = render()
            self.put(key, body)
            return body
        finally:
            with self._lock:
                self._pending.pop(key).set()


def _call(method: str, *args, sends: bool = False) -> str:
    """JavaScript for an event's ``js=``: hand the inputs to the page helper, wait for what it returns (a
    promise or nothing), pass the inputs on unchanged; with ``sends`` the helper's answer is the inputs the event
    sends (the inputs unchanged where the helpers are not installed)."""
    arguments = ", ".join(json.dumps(a) for a in args)
    if sends:
        return f"async (...args) => (await window.__latentPreview?.{method}({arguments}, args)) ?? args"
    return f"async (...args) => {{ await window.__latentPreview?.{method}({arguments}, args); return args; }}"


def _at_pixel(handler: Callable, count: int) -> Callable:
    """``handler(*inputs, evt)`` fed ``count`` inputs and the page's pixel of the click (``[x, y]`` or None) before
    the event data: a valid pixel replaces ``evt.index`` (Gradio fills ``evt`` by the annotation of the last
    parameter, which ``__signature__`` and ``__annotations__`` show it)."""

    def run(*values):
        *inputs, xy, evt = values
        if (
            isinstance(xy, list)
            and len(xy) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in xy)
        ):
            evt.index = [int(xy[0]), int(xy[1])]
        return handler(*inputs, evt)

    parameters = [inspect.Parameter(f"input_{i}", inspect.Parameter.POSITIONAL_ONLY) for i in range(count)]
    parameters += [
        inspect.Parameter("pixel", inspect.Parameter.POSITIONAL_ONLY),
        inspect.Parameter("evt", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=gr.SelectData),
    ]
    run.__signature__ = inspect.Signature(parameters)
    run.__annotations__ = {"evt": gr.SelectData}  # what Gradio reads the parameter's type from (get_type_hints)
    run.__name__ = getattr(handler, "__name__", type(handler).__name__)
    return run


def _need_ids(*components) -> None:
    if any(not c.elem_id for c in components):
        raise ValueError("a routed preview needs elem_ids on its components")


def _js_only(options: dict) -> dict:
    return {k: v for k, v in options.items() if k in ("trigger_mode", "show_progress")} | {"queue": False}


def png_bytes(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)  # previews: fast to write, still small
    return buffer.getvalue()
