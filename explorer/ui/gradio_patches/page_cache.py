"""What opening the page costs the server, paid once per process instead of once per student.

A first visit asks the server for the page (``GET /``: Gradio copies the config of the whole app, ~900 components,
rewrites its URLs and serialises it into 1.7 MB of HTML, about 0.11 s of CPU per request) and for Gradio's scripts
and styles (``/assets/…``: about 110 files, each compressed with Brotli on every request, about 0.3 s in all):
together ~0.4 s of server CPU a student, the rest of an open (two tab events, the first images) ~0.01 s
(``bench/pageopen.py``). Both are the same for every student: this middleware keeps each response, compressed once
for the encodings browsers ask for, and answers from memory after its first request.

What is kept, and why it stays true:

- the page (``/``) and its config (``/config``, what API clients read), keyed by what Gradio builds their URLs from
  (the Host and forwarding headers, the root path) and by the config object itself, which Gradio replaces when it
  relaunches; share links' own parameters (``?tab=…``) are read by the page's script, not by the server, so every
  link shares one entry. Requests Gradio answers differently (``page=``, ``deep_link=``, an app with a login) and
  conditional or ranged requests pass through;
- ``/assets/…``: Gradio's built frontend, files whose names carry their content's hash.

Only complete ``200`` answers without cookies are kept; at most ``MAX_PAGES`` page entries (the keys come from
request headers) and ``MAX_BYTES`` in all.
"""

import asyncio
import gzip
from collections import OrderedDict
from dataclasses import dataclass, field

import brotli
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGES = ("/", "/config")
ASSETS = "/assets/"
PAGE_QUERY = (b"page=", b"deep_link=")  # query keys Gradio's page route reads (others are the page script's)
HOST_HEADERS = ("host", "x-forwarded-host", "x-forwarded-proto", "x-gradio-server")  # route_utils.get_root_url
BYPASS_HEADERS = ("range", "if-none-match", "if-modified-since", "if-range")
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")
MAX_PAGES = 16
MAX_BYTES = 128 * 1024 * 1024  # Gradio's frontend is ~21 MB on disk; its compressed copies a third of that
BROTLI_QUALITY = 5  # once per file and process: smaller than Gradio's per-request quality 4, still fast


@dataclass
class Kept:
    """One response: its headers (without length and encoding) and its body, raw and per encoding."""

    headers: list[tuple[bytes, bytes]]
    body: bytes
    encoded: dict[str, bytes] = field(default_factory=dict)
    compressible: bool = False

    def size(self) -> int:
        return len(self.body) + sum(len(b) for b in self.encoded.values())


def encoding(accept: str) -> str:
    """The encoding a client is answered in: Brotli, gzip or none (what its ``Accept-Encoding`` allows)."""
    offered = {part.split(";")[0].strip() for part in accept.lower().split(",")}
    return "br" if "br" in offered else "gzip" if "gzip" in offered else "identity"


def compress(body: bytes, how: str) -> bytes:
    if how == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=6)


class PageCache:
    """ASGI middleware (``app.launch`` installs it inside Gradio's own, under its Brotli middleware, which passes an
    already encoded answer on as it is)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.kept: OrderedDict[tuple, Kept] = OrderedDict()
        self.locks: dict[tuple, asyncio.Lock] = {}
        self.hits = 0  # answers from memory (each also says so in its ``x-page-cache`` header)

    def key(self, scope: Scope) -> tuple | None:
        """The entry a request is answered from, or None: it passes through."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        headers = Headers(scope=scope)
        if any(h in headers for h in BYPASS_HEADERS):
            return None
        root = scope.get("root_path", "")
        path = scope["path"][len(root) :] if root and scope["path"].startswith(root) else scope["path"]
        if path.startswith(ASSETS):
            return ("asset", path)
        if path not in PAGES:
            return None
        query = scope.get("query_string", b"")
        if any(q in query for q in PAGE_QUERY):
            return None
        app = scope.get("app")
        if app is None or getattr(app, "auth", None) or getattr(app, "auth_dependency", None):
            return None
        config = app.get_blocks().config
        return ("page", path, root, id(config), *(headers.get(h, "") for h in HOST_HEADERS))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            await self.head(scope, receive, send)
            return
        key = self.key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        how = encoding(Headers(scope=scope).get("accept-encoding", ""))
        kept, state = self.kept.get(key), "hit"
        if kept is None:
            async with self.locks.setdefault(key, asyncio.Lock()):  # a room arriving at once builds the page once
                kept = self.kept.get(key)
                if kept is None:
                    state, kept = "miss", await self.fetch(scope, receive, send)
                    if kept is None:  # not keepable: already answered as it came
                        return
                    await self.encoded(kept, how)  # before the waiting students read it
                    self.keep(key, kept)
            self.locks.pop(key, None)
        else:
            self.kept.move_to_end(key)
        self.hits += state == "hit"
        await self.answer(kept, how, state, send)

    async def head(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A ``HEAD`` of the page: its kept headers, or, before the page is built, a bare ``200``.

        Gradio's ``launch`` checks the server is up with ``HEAD /`` and a 3 s timeout, and gives up (the app exits)
        when it times out; passed through, that HEAD builds the whole page (~0.4 s on a quiet core, over 3 s on a
        loaded one: the app died so under load). The route exists once the server answers, which is all the check
        asks; the first ``GET`` builds the page, as it would anyway."""
        key = self.key({**scope, "method": "GET"})
        if key is None or key[0] != "page":
            await self.app(scope, receive, send)
            return
        kept = self.kept.get(key)
        if kept is None:
            kind = b"application/json" if key[1] == "/config" else b"text/html; charset=utf-8"
            headers = [(b"content-type", kind), (b"x-page-cache", b"head")]
        else:
            headers = MutableHeaders(raw=list(kept.headers))
            headers["x-page-cache"] = "hit"
            headers = headers.raw
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def fetch(self, scope: Scope, receive: Receive, send: Send) -> Kept | None:
        """Gradio's answer, whole; None when it cannot be kept (then it was sent on unchanged, or, cut short, not at
        all).

        An answer is kept only once its last body message came (``more_body`` false) with as many bytes as its
        ``content-length`` says: Starlette stops streaming a file when the client goes away (a student who closes the
        tab while Plotly's 4.6 MB script loads), and a body cut there, kept, was every later student's truncated
        script ("Unexpected end of input", no plot drawn anywhere). Such a request gets no answer: its client left."""
        start: Message | None = None
        chunks: list[bytes] = []
        passing = complete = False

        async def capture(message: Message) -> None:
            nonlocal start, passing, complete
            if passing:
                await send(message)
            elif message["type"] == "http.response.start":
                start = message
                headers = Headers(raw=message["headers"])
                if message["status"] != 200 or "set-cookie" in headers or "content-encoding" in headers:
                    passing = True
                    await send(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                complete = not message.get("more_body", False)

        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
        await self.app({**scope, "extensions": extensions}, receive, capture)  # the body as bytes, not as a path
        if passing or start is None:
            return None
        answered = Headers(raw=start["headers"])
        length = answered.get("content-length")
        if not complete or (length is not None and int(length) != sum(map(len, chunks))):
            return None
        skip = {b"content-length", b"content-encoding", b"vary"}
        headers = [(k, v) for k, v in start["headers"] if k.lower() not in skip]
        kind = answered.get("content-type", "")
        return Kept(headers, b"".join(chunks), compressible=kind.startswith(COMPRESSIBLE))

    def keep(self, key: tuple, kept: Kept) -> None:
        self.kept[key] = kept
        pages = [k for k in self.kept if k[0] == "page"]
        for old in pages[:-MAX_PAGES]:
            del self.kept[old]
        while sum(k.size() for k in self.kept.values()) > MAX_BYTES and len(self.kept) > 1:
            self.kept.popitem(last=False)

    async def encoded(self, kept: Kept, how: str) -> bytes:
        """``kept``'s body in encoding ``how`` (none for what does not compress), compressed once, off the event
        loop."""
        if how == "identity" or not kept.compressible:
            return kept.body
        if how not in kept.encoded:
            kept.encoded[how] = await asyncio.to_thread(compress, kept.body, how)
        return kept.encoded[how]

    async def answer(self, kept: Kept, how: str, state: str, send: Send) -> None:
        """``kept`` in encoding ``how``; ``x-page-cache`` says whether it was built for this request."""
        body = await self.encoded(kept, how)
        headers = MutableHeaders(raw=list(kept.headers))
        headers["content-length"] = str(len(body))
        if kept.compressible:
            headers["vary"] = "Accept-Encoding"
            if how != "identity":
                headers["content-encoding"] = how
        headers["x-page-cache"] = state
        await send({"type": "http.response.start", "status": 200, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})
