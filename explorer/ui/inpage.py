"""Previews rendered in the page: the slider's image computed by the student's browser, not by the server.

A room of 200 students dragging at 10 moves/s asks for ~2 000 previews a second; the server renders ~310 (issue
#31). The per-move work therefore moves to where the student is, as GAN Lab and TensorFlow Playground do: for a
slider wired with an ``InPage`` recipe, the page (``previews.js``) asks the server once per setting (the handler's
inputs but the slider's value) for what the preview needs, then renders every move itself:

1. ``GET /onnx/inputs/<preview>?args=<JSON list>``: the handler's inputs with the slider's value left out; the
   answer (JSON, no-store) names the model's ONNX file and gives the latents (``InPage.inputs``: the z of seed A
   and seed B, a direction vector…) as exact float32 values and the upscaling factor.
2. ``GET /onnx/model/<model>/<graph>/<hash>.onnx``: the model's graph (``explorer.onnx_export``); the hash of its
   bytes is in the URL, so the browser keeps it for good (``Cache-Control: immutable``) and a new model is a new URL.
3. ``GET /onnx/runtime/<version>/<file>``: ONNX Runtime Web's WebAssembly build, vendored under
   ``static/onnxruntime-web`` (its README: version, source, sizes), immutable too; the ``.wasm`` is stored gzipped
   and sent with ``Content-Encoding: gzip``.

The page prepares a setting (its inputs, the runtime, the model's session) in the background while the route paints that
setting's first moves, so a first move never waits for a download or an export; with a mirror set
(``Settings.files_url``: the model files and the runtime's WebAssembly from a CDN, or the Space's own repository) the
first moves wait for the model instead, up to 5 s, so a room arriving together asks the route for nothing. A move then
computes the graph's inputs in JavaScript (``previews.js``'s ``programs``: lerp and slerp as ``explorer.latent``
computes them, z + α·σ·v, a StyleGAN's per-row noise strengths, the z under a click on the VAE's plane), runs the graph
in ONNX Runtime's Web Worker (``env.wasm.proxy``: compiling the wasm and creating a session never block the page), maps
[-1, 1] to bytes as ``explorer.images.to_uint8`` does, upscales with nearest neighbour and paints the output ``<img>``
(an uncompressed BMP: no encoding): no request. The same holds for a click on an image wired with
``Previews.wire_click`` and a recipe. The release still runs the Gradio event, so the component's value, downloads and
share links are the server's image of the same inputs. Anything that fails (no WebAssembly or Web Worker, a model not
exported, an inputs answer of 404, an error) sends the page back to the preview route (``explorer/ui/previews.py``) by
itself.
"""

import http.server
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from explorer.onnx_export import OnnxModels, model_path, write_models, write_whole
from explorer.zoo import Zoo

RUNTIME_VERSION = "1.31.1"  # onnxruntime-web, vendored in RUNTIME_DIR
RUNTIME_DIR = Path(__file__).with_name("static") / "onnxruntime-web"
RUNTIME_PATH = f"onnx/runtime/{RUNTIME_VERSION}/"  # relative to the app's root, as the page asks for it
RUNTIME_WASM = "ort-wasm-simd-threaded.wasm"
RUNTIME_FILES = {  # the URL's file name → (the vendored file, its type, its content encoding)
    "ort.wasm.bundle.min.mjs": ("ort.wasm.bundle.min.mjs", "text/javascript", None),
    RUNTIME_WASM: (RUNTIME_WASM + ".gz", "application/wasm", "gzip"),
}
# The runtime's WebAssembly on a mirror (write_mirror): the vendored gzip file as it is, which the page unzips itself
# (a static host need not know the encoding). The bundle stays the app's: it starts its Web Worker from its own URL,
# which must be the page's origin.
MIRROR_WASM = RUNTIME_PATH + RUNTIME_WASM + ".gz"
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
PROGRAMS = {  # what the page computes from the inputs and the sliders' values (previews.js `programs`) → the graph
    "interpolate": "generate",  # z at t of the path from a to b (lerp or slerp)
    "direction": "generate",  # z + α·sigma·vector
    "noise": "synthesis",  # each ws row's noise strength: global × its row slider's, beside the given ws and maps
    "plane": "generate",  # the z under a click's pixel (x, y): (xs[x], ys[y])
}
MAX_QUERY = 4096


def query_args(request: Request) -> list:
    """A preview request's ``args``: a JSON list in at most ``MAX_QUERY`` characters (both routes read their
    arguments so, the in-page inputs and ``previews.Previews``' image). ``ValueError`` with the 400's message."""
    raw = request.query_params.get("args", "")
    if len(raw) > MAX_QUERY:
        raise ValueError(f"arguments longer than {MAX_QUERY} characters")
    try:
        args = json.loads(raw)
    except ValueError as error:
        raise ValueError(f"bad arguments: {error}") from error
    if not isinstance(args, list):
        raise ValueError("bad arguments: args must be a JSON list")
    return args


@dataclass(frozen=True)
class InPage:
    """How the page renders one preview itself.

    ``program``: the page's recipe (``PROGRAMS``; "interpolate": the inputs' ``a``, ``b`` and ``method`` at t;
    "direction": ``z + α·sigma·vector``; "noise": the strengths of the inputs' ``rows``; "plane": ``(xs[x], ys[y])``).
    ``slider``: the position in the handler's inputs of the value the page changes (a tuple for several: the noise
    strengths, a click's x and y). ``inputs``: called with the handler's inputs (those values are None), returns
    ``{"scale": upscaling, ...}`` plus the program's values as lists of floats, and under ``"tensors"`` the graph's
    fixed inputs (``{name: {"dims": [...], "data": [...]}}``); its ``ValueError``/``gr.Error`` are the handler's
    messages. ``model``: the position of the model's zoo name in the inputs (checked first: a model that is not
    exported costs the server nothing here).
    """

    program: str
    slider: int | tuple[int, ...]
    inputs: Callable[..., dict]
    model: int = 0

    def __post_init__(self):
        if self.program not in PROGRAMS:
            raise ValueError(f"unknown in-page program {self.program!r}; choose one of {tuple(PROGRAMS)}")

    @property
    def sliders(self) -> tuple[int, ...]:
        return self.slider if isinstance(self.slider, tuple) else (self.slider,)

    @property
    def graph(self) -> str:
        return PROGRAMS[self.program]


class InPagePreviews:
    """The recipes of the previews the page renders, and the routes that feed them."""

    def __init__(self, onnx: OnnxModels | None):
        self.onnx = onnx  # None: no model is exported, every preview stays on the route
        self.recipes: dict[str, InPage] = {}

    @property
    def mirror(self) -> str:
        """The mirror's base URL (``Settings.files_url``, no trailing slash); "" when the app serves every file."""
        return self.onnx.zoo.settings.files_url.rstrip("/") if self.onnx is not None else ""

    def register(self, name: str, recipe: InPage) -> dict | None:
        """Keep ``recipe`` for preview ``name``; the page's options for its slider (None: no in-page render)."""
        if self.onnx is None:
            return None
        self.recipes[name] = recipe
        return {"sliders": list(recipe.sliders)}

    def inputs(self, name: str, args: list) -> dict:
        """The answer of ``/onnx/inputs/<name>``: the recipe's inputs, its program and the model file's URL.
        ``LookupError`` when the model is not exported (the page falls back to the route)."""
        recipe = self.recipes[name]
        args = list(args)
        if len(args) <= max(recipe.sliders):
            raise ValueError(f"expected at least {max(recipe.sliders) + 1} arguments, got {len(args)}")
        for i in recipe.sliders:
            args[i] = None
        model = args[recipe.model]
        if not isinstance(model, str) or not self.onnx.exportable(model, recipe.graph):
            raise LookupError(f"{model!r} is not exported to ONNX as {recipe.graph!r}")
        found = recipe.inputs(*args)
        file = self.onnx.file(model, recipe.graph)
        url = model_path(model, recipe.graph, file.digest)
        mirror = self.mirror  # the page tries it first, then the app (previews.js)
        mirrored = {"mirror": mirror + "/" + url} if mirror and file.mirrored else {}
        return {
            "program": recipe.program,
            "url": url,
            **mirrored,
            **({"wasm": mirror + "/" + MIRROR_WASM} if mirror else {}),
            **found,
        }

    def routes(self) -> list[Route]:
        async def inputs(request: Request) -> Response:
            name = request.path_params["name"]
            if name not in self.recipes:
                return PlainTextResponse("no such in-page preview", status_code=404)
            try:
                args = query_args(request)
            except ValueError as error:
                return PlainTextResponse(str(error), status_code=400)
            try:
                body = await run_in_threadpool(self.inputs, name, args)
            except LookupError as error:
                return PlainTextResponse(str(error), status_code=404)
            except gr.Error as error:
                return PlainTextResponse(str(error.message), status_code=400)
            except (ValueError, TypeError) as error:
                return PlainTextResponse(f"bad arguments: {error}", status_code=400)
            return JSONResponse(body, headers={"Cache-Control": "no-store"})

        async def model(request: Request) -> Response:
            name, graph, digest = (request.path_params[k] for k in ("name", "graph", "digest"))
            if self.onnx is None or not self.onnx.exportable(name, graph):
                return PlainTextResponse("no such model", status_code=404)
            file = await run_in_threadpool(self.onnx.file, name, graph)
            if file.digest != digest:  # an older export: the page asks its inputs again and gets the new URL
                return PlainTextResponse("this model was replaced", status_code=404)
            return FileResponse(file.path, media_type="application/octet-stream", headers=IMMUTABLE)

        async def runtime(request: Request) -> Response:
            found = RUNTIME_FILES.get(request.path_params["file"])
            if request.path_params["version"] != RUNTIME_VERSION or found is None:
                return PlainTextResponse("no such file", status_code=404)
            stored, media_type, encoding = found
            headers = IMMUTABLE | ({"Content-Encoding": encoding} if encoding else {})
            return FileResponse(RUNTIME_DIR / stored, media_type=media_type, headers=headers)

        return [
            Route("/onnx/inputs/{name}", inputs, methods=["GET"]),
            Route("/onnx/model/{name}/{graph}/{digest}.onnx", model, methods=["GET"]),
            Route("/onnx/runtime/{version}/{file}", runtime, methods=["GET"]),
        ]


def write_mirror(zoo: Zoo, out: Path, names: list[str] | None = None, folder: Path | None = None) -> list[Path]:
    """What a student's page fetches once and a static host can serve instead of the app (``Settings.files_url``):
    the models' ONNX files (``explorer.onnx_export.write_models``: ``names``, None for all; ``folder``, the export
    cache) and the runtime's WebAssembly (``MIRROR_WASM``), at the paths the app serves them. Returns the files."""
    wasm = out / MIRROR_WASM
    wasm.parent.mkdir(parents=True, exist_ok=True)
    write_whole(wasm, (RUNTIME_DIR / RUNTIME_FILES[RUNTIME_WASM][0]).read_bytes())
    return [*write_models(zoo, out, names, folder), wasm]


def serve_mirror(folder: Path, port: int, host: str = "0.0.0.0") -> http.server.ThreadingHTTPServer:
    """A static host for ``folder`` (``write_mirror``'s) that a page on another origin may fetch from (it sends
    ``Access-Control-Allow-Origin: *``), in its own process beside the app: for a lecture machine with cores to spare
    and no CDN. Not started: call ``serve_forever``."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def send_response(self, code, message=None):
            super().send_response(code, message)
            self.send_header("Access-Control-Allow-Origin", "*")
            if code == 200:  # content hashes in the paths; an error (a file added later) is not kept
                self.send_header("Cache-Control", "public, max-age=31536000, immutable")

        def list_directory(self, path):  # files only, no listings
            self.send_error(404, "no such file")

        def log_message(self, *args):  # a room's thousands of requests: not one line each
            pass

    return http.server.ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m explorer.ui.inpage",
        description="Write what the in-page previews fetch once (the zoo's ONNX files, the runtime's WebAssembly) in "
        "the layout a mirror serves them (LATENT_EXPLORER_FILES_URL): OUT/onnx/model/<model>/<graph>/<digest>.onnx, "
        f"OUT/{MIRROR_WASM}.",
    )
    parser.add_argument("out", type=Path, help="the folder to upload to the static host")
    parser.add_argument(
        "--serve",
        type=int,
        metavar="PORT",
        help="then serve the folder on this port (all interfaces, with CORS) until Ctrl-C: the mirror for a lecture "
        "machine; start the app with LATENT_EXPLORER_FILES_URL=http://<this machine's address>:PORT",
    )
    args = parser.parse_args(argv)
    for path in write_mirror(Zoo(), args.out):
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
    if args.serve is not None:
        server = serve_mirror(args.out, args.serve)
        print(f"serving {args.out} on port {server.server_address[1]} (Ctrl-C stops it)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


if __name__ == "__main__":
    main()
