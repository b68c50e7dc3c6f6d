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
``routes(demo)``, or ``LATENT_EXPLORER_PREVIEW_ROUTE=0``) the JavaScript clicks that button at once, and
the slider still updates the image.

The route is a stateless GET: each response is computed from its own query only (the concurrency
test checks 20 clients scrubbing at once), its arguments go through the handler's own checks (bad
values are a 400 with the handler's message), and the query is capped at ``MAX_QUERY`` characters.
"""

import io
import json
import os
from collections.abc import Callable, Sequence

import gradio as gr
from gradio.context import Context
from PIL import Image
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

PATH = "/preview/{name}"
MAX_QUERY = 4096
SYNC_AFTER_MS = 200  # the Gradio render follows this long after the sliders' last move

_CLIENT = """
() => {
  if (window.__latentPreview) return;
  const S = (window.__latentPreview = {seq: {}, shown: {}, timers: {}, off: false, down: false, click: null});
  addEventListener('pointerdown', () => { S.down = true; }, true);
  addEventListener('pointerup', () => { S.down = false; }, true);
  addEventListener('click', (e) => {
    S.click = {el: e.target, x: e.clientX, y: e.clientY, time: performance.now()};
  }, true);
  const root = () => ((window.gradio_config && window.gradio_config.root) || location.href).replace(/\\/?$/, '/');
  // GET the route's image and paint it into the target's <img>, unless a newer one is already painted
  // Once Gradio paints its own render (a file URL, after the sync), answers still in flight are dropped.
  S.watched = {};
  const watch = (name, target) => {
    const box = document.querySelector('#' + target);
    if (!box || S.watched[name] === box) return;
    S.watched[name] = box;
    new MutationObserver(() => {
      const img = box.querySelector('img');
      if (img && img.src && !img.src.startsWith('blob:')) S.shown[name] = S.seq[name] ?? 0;
    }).observe(box, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  };
  S.paint = (name, target, args, fallback) => {  // a promise, settled once painted (or dropped, or failed)
    if (!document.querySelector('#' + target + ' img') || S.off) return fallback();
    watch(name, target);
    const seq = (S.seq[name] = (S.seq[name] ?? 0) + 1);
    return fetch(new URL('preview/' + name + '?args=' + encodeURIComponent(JSON.stringify(args)), root()))
      .then((r) => (r.ok ? r.blob() : Promise.reject(r.status)))
      .then((blob) => {
        const img = document.querySelector('#' + target + ' img');
        if (!img || seq <= (S.shown[name] ?? 0)) return;
        S.shown[name] = seq;
        const old = img.src;
        img.src = URL.createObjectURL(blob);
        if (old.startsWith('blob:')) URL.revokeObjectURL(old);
        return img.decode().catch(() => {});
      })
      .catch((status) => { if (status === 404) S.off = true; fallback(); });
  };
  S.slider = (name, target, syncId, args) => {
    const sync = () => {  // Gradio's own event renders the last inputs into the component: click the sync button
      clearTimeout(S.timers[name]);
      const el = document.querySelector('#' + syncId);
      (el && el.tagName !== 'BUTTON' ? el.querySelector('button') : el)?.click();
    };
    const later = () => { S.timers[name] = setTimeout(() => (S.down ? later() : sync()), __SYNC__); };
    clearTimeout(S.timers[name]);
    later();  // once the slider has rested __SYNC__ ms with no pointer down
    S.paint(name, target, args, sync);
  };
  // the pixel of a click on an <img> shown with object-fit: contain, as Gradio's select computes it
  S.pixel = (source) => {
    const c = S.click, el = c && c.el;
    if (!el || el.tagName !== 'IMG' || performance.now() - c.time > 1000 || !el.closest('#' + source)) return null;
    const r = el.getBoundingClientRect(), sx = el.naturalWidth / r.width, sy = el.naturalHeight / r.height;
    const s = Math.max(sx, sy), dx = (r.width - el.naturalWidth / s) / 2, dy = (r.height - el.naturalHeight / s) / 2;
    const x = Math.round((c.x - r.left - dx) * s), y = Math.round((c.y - r.top - dy) * s);
    return x >= 0 && y >= 0 && x < el.naturalWidth && y < el.naturalHeight ? [x, y] : null;
  };
  S.clicked = (name, source, target, args) => {  // settles once the clicked point's image is painted
    const xy = S.pixel(source);
    return xy ? S.paint(name, target, [...args, ...xy], () => {}) : undefined;
  };
}
"""


def enabled() -> bool:
    """Whether slider previews use the route (read when the app is built; default on)."""
    return os.environ.get("LATENT_EXPLORER_PREVIEW_ROUTE", "1") != "0"


def register(name: str, handler: Callable[..., Image.Image]) -> None:
    """Serve ``handler``'s image at ``/preview/<name>`` for the app being built (inside ``gr.Blocks``)."""
    root = Context.root_block
    if root is None:
        raise RuntimeError("previews.register must be called inside gr.Blocks")
    if not hasattr(root, "preview_handlers"):
        root.preview_handlers = {}
        root.load(None, None, None, js=_CLIENT.replace("__SYNC__", str(SYNC_AFTER_MS)))  # the page's helpers
    root.preview_handlers[name] = handler


def _call(method: str, *args) -> str:
    """JavaScript for an event's ``js=``: hand the inputs to the page helper, wait for what it returns (a
    promise or nothing), pass the inputs on unchanged."""
    arguments = ", ".join(json.dumps(a) for a in args)
    return f"async (...args) => {{ await window.__latentPreview?.{method}({arguments}, args); return args; }}"


def wire(
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
    if not enabled():
        gr.on([s.input for s in sliders], handler, inputs, output, **options, **event_kwargs)
        return
    _need_ids(output)
    register(name, handler)
    sync = gr.Button(visible="hidden", elem_id=f"{name.replace('_', '-')}-sync")
    js = _call("slider", name, output.elem_id, sync.elem_id)
    gr.on([s.input for s in sliders], None, inputs, None, js=js, **_js_only(options))
    sync.click(handler, inputs, output, **options, **event_kwargs)


def wire_click(
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
    if enabled():
        _need_ids(source, target)
        register(name, image_handler)
        event_kwargs["js"] = _call("clicked", name, source.elem_id, target.elem_id)
    source.select(handler, inputs, outputs, **options, **event_kwargs)


def _need_ids(*components) -> None:
    if any(not c.elem_id for c in components):
        raise ValueError("a routed preview needs elem_ids on its components")


def _js_only(options: dict) -> dict:
    return {k: v for k, v in options.items() if k in ("trigger_mode", "show_progress")} | {"queue": False}


def png_bytes(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)  # previews: fast to write, still small
    return buffer.getvalue()


def routes(demo: gr.Blocks) -> list[Route]:
    """The Starlette route serving ``demo``'s registered previews; pass as ``launch(app_kwargs={"routes": …})``."""
    handlers: dict[str, Callable[..., Image.Image]] = getattr(demo, "preview_handlers", {})

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
