"""The preview route: a slider's cheap render painted without Gradio's event round trips.

Through Gradio, a slider move costs the frontend's dispatch over the whole page, a POST that returns
a file URL, then a GET of that file, then the image component's update: ~55 ms p50 on our page
against ~45 ms for a one-slider page (``bench/latency.py``). For renders that take a few ms (one
32² sample), that overhead is the latency. So while a slider moves, its event runs a few lines of
JavaScript instead (``js=``, which receives the same input values Gradio would send): one GET of
``/preview/<name>?args=<JSON list>`` to a route of our own, answered with the PNG bytes of the same
handler, painted straight into the output ``<img>``. Responses carry a sequence number: a stale one
never replaces a newer image, and none still in flight once Gradio has painted its own render
replaces it. Once the sliders rest (``SYNC_AFTER_MS`` with no input and no pointer down) the page
clicks a hidden button whose ordinary Gradio event renders the same inputs once, so the component's
value (its download button, the API, the share link) matches what is shown; it runs after the drag,
not during it, so it never competes with the previews. Without the route (an app launched without
``Previews.routes()``, or ``Settings.preview_route`` off) the JavaScript clicks that button at once, and
the slider still updates the image.

The route is a stateless GET: each response is computed from its own query only (the concurrency
test checks 20 clients scrubbing at once), its arguments go through the handler's own checks (bad
values are a 400 with the handler's message), and the query is capped at ``MAX_QUERY`` characters.
"""

import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import gradio as gr
from PIL import Image
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

PATH = "/preview/{name}"
MAX_QUERY = 4096
SYNC_AFTER_MS = 200  # the Gradio render follows this long after the sliders' last move
CLIENT_JS = Path(__file__).with_name("previews.js")  # the page helpers: a function of its options


def client_js(sync_after_ms: int = SYNC_AFTER_MS) -> str:
    """The page helpers as an event's ``js``: the function in ``previews.js`` called with its options."""
    source = "\n".join(line for line in CLIENT_JS.read_text().splitlines() if not line.startswith("//"))
    return f"() => ({source.strip()})({json.dumps({'syncAfterMs': sync_after_ms})})"


class Previews:
    """The preview route of one app: its handlers by name, the events that use them, its Starlette route.

    ``build_app`` makes one, the tabs ``wire`` their sliders and clicks through it, ``install`` adds the
    page helpers' load event, and ``app.launch`` mounts ``routes()``. Disabled (``enabled=False``), every
    wire falls back to plain Gradio events.
    """

    def __init__(self, enabled: bool = True, sync_after_ms: int = SYNC_AFTER_MS):
        self.enabled = enabled
        self.sync_after_ms = sync_after_ms
        self.handlers: dict[str, Callable[..., Image.Image]] = {}

    def register(self, name: str, handler: Callable[..., Image.Image]) -> None:
        """Serve ``handler``'s image at ``/preview/<name>``."""
        if name in self.handlers and self.handlers[name] is not handler:
            raise ValueError(f"a preview named {name!r} is registered already")
        self.handlers[name] = handler

    def install(self, demo: gr.Blocks) -> None:
        """Load the page helpers once per page (inside ``demo``'s ``with`` block, after the tabs)."""
        if self.enabled and self.handlers:
            demo.load(None, None, None, js=client_js(self.sync_after_ms))

    def wire(
        self,
        name: str,
        sliders: Sequence[gr.Slider],
        handler: Callable[..., Image.Image],
        inputs: list,
        output: gr.Image,
        options: dict,
        **event_kwargs,
    ) -> None:
        """While any of ``sliders`` moves, render ``handler(*inputs)`` into ``output``.

        With the route: the JavaScript GET while moving, and the Gradio event (``options``) once the sliders
        rest: the page clicks a hidden sync button (``<name>-sync``). Without: the Gradio event on every input.
        """
        if not self.enabled:
            gr.on([s.input for s in sliders], handler, inputs, output, **options, **event_kwargs)
            return
        _need_ids(output)
        self.register(name, handler)
        sync = gr.Button(visible="hidden", elem_id=f"{name.replace('_', '-')}-sync")
        js = _call("slider", name, output.elem_id, sync.elem_id)
        gr.on([s.input for s in sliders], None, inputs, None, js=js, **_js_only(options))
        sync.click(handler, inputs, output, **options, **event_kwargs)

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
        **event_kwargs,
    ) -> None:
        """A click on ``source`` runs ``handler(*inputs, evt)`` into ``outputs`` (the Gradio event, always).

        With the route, the clicked pixel goes first to ``image_handler(*inputs, x, y)``, whose image is
        painted into ``target`` (one of ``outputs``); the event's ``js`` waits for that, so the Gradio
        event (the same image and the rest of the outputs) follows without competing with it.
        """
        if self.enabled:
            _need_ids(source, target)
            self.register(name, image_handler)
            event_kwargs["js"] = _call("clicked", name, source.elem_id, target.elem_id)
        source.select(handler, inputs, outputs, **options, **event_kwargs)

    def routes(self) -> list[Route]:
        """The Starlette route serving the registered previews; pass as ``launch(app_kwargs={"routes": …})``."""
        handlers = self.handlers

        async def preview(request: Request) -> Response:
            handler = handlers.get(request.path_params["name"])
            if handler is None:
                return PlainTextResponse("no such preview", status_code=404)
            raw = request.query_params.get("args", "")
            if len(raw) > MAX_QUERY:
                return PlainTextResponse(f"arguments longer than {MAX_QUERY} characters", status_code=400)
            try:
                args = json.loads(raw)
                if not isinstance(args, list):
                    raise ValueError("args must be a JSON list")
                picture = await run_in_threadpool(handler, *args)
            except gr.Error as error:
                return PlainTextResponse(str(error.message), status_code=400)
            except (ValueError, TypeError) as error:
                return PlainTextResponse(f"bad arguments: {error}", status_code=400)
            if not isinstance(picture, Image.Image):
                return PlainTextResponse("nothing to show for these inputs", status_code=400)
            return Response(png_bytes(picture), media_type="image/png", headers={"Cache-Control": "no-store"})

        return [Route(PATH, preview, methods=["GET"])]


def _call(method: str, *args) -> str:
    """JavaScript for an event's ``js=``: hand the inputs to the page helper, wait for what it returns (a
    promise or nothing), pass the inputs on unchanged."""
    arguments = ", ".join(json.dumps(a) for a in args)
    return f"async (...args) => {{ await window.__latentPreview?.{method}({arguments}, args); return args; }}"


def _need_ids(*components) -> None:
    if any(not c.elem_id for c in components):
        raise ValueError("a routed preview needs elem_ids on its components")


def _js_only(options: dict) -> dict:
    return {k: v for k, v in options.items() if k in ("trigger_mode", "show_progress")} | {"queue": False}


def png_bytes(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)  # previews: fast to write, still small
    return buffer.getvalue()
