"""The page cache (explorer/ui/gradio_patches/page_cache.py): a student's open is answered from memory, byte for byte
what Gradio itself answers, and only where Gradio's answer is the same for every student."""

import gzip
import re
from concurrent.futures import ThreadPoolExecutor

import brotli
import gradio as gr
import httpx
import pytest
from starlette.middleware import Middleware

from explorer.ui.gradio_patches.page_cache import PageCache, encoding


def cache_of(app) -> PageCache:
    """The PageCache instance in ``app``'s middleware stack (built on the first request)."""
    layer = app.middleware_stack
    while not isinstance(layer, PageCache):
        layer = layer.app
    return layer


@pytest.fixture(scope="module")
def served():
    with gr.Blocks(title="page cache") as demo:
        gr.Markdown("# a page")
        box = gr.Textbox(value="hello", elem_id="box")
        gr.Button("go").click(lambda s: s.upper(), box, box)
    _, url, _ = demo.launch(
        server_name="127.0.0.1",
        prevent_thread_lock=True,
        quiet=True,
        app_kwargs={"middleware": [Middleware(PageCache)]},
    )
    with httpx.Client(base_url=url, timeout=60) as client:
        # a conditional request passes through: Gradio's own page
        plain = client.get("/", headers={"Accept-Encoding": "identity", "If-None-Match": '"x"'})
        yield client, cache_of(demo.app), plain
    demo.close()


def test_a_second_open_is_answered_from_memory_in_every_encoding(served):
    client, cache, _ = served
    first = client.get("/", headers={"Accept-Encoding": "br"})
    hits = cache.hits
    raw = {}
    for accept in ("br", "gzip, deflate", "identity"):
        response = client.get("/", headers={"Accept-Encoding": accept})
        assert response.status_code == 200
        assert response.headers.get("content-encoding", "identity") == encoding(accept)
        raw[accept] = response.content  # httpx decodes br and gzip itself
    assert cache.hits == hits + 3
    assert raw["br"] == raw["gzip, deflate"] == raw["identity"] == first.content
    assert b'"elem_id":"box"' in raw["identity"].replace(b" ", b"")


def test_kept_bytes_are_gradios_own_and_compressed_once(served):
    client, cache, plain = served
    client.get("/", headers={"Accept-Encoding": "br"})
    client.get("/", headers={"Accept-Encoding": "gzip"})  # each encoding made when first asked for
    (kept,) = [k for key, k in cache.kept.items() if key[:2] == ("page", "/") and "127.0.0.1" in key[4]]
    assert brotli.decompress(kept.encoded["br"]) == kept.body
    assert gzip.decompress(kept.encoded["gzip"]) == kept.body
    assert len(kept.encoded["br"]) < len(kept.body) / 2
    assert kept.body == plain.content


def test_share_links_share_one_entry_and_gradios_own_queries_pass_through(served):
    client, cache, _ = served
    client.get("/")
    hits = cache.hits
    assert client.get("/?tab=interpolation&seed_a=3&present=1").status_code == 200
    assert cache.hits == hits + 1
    for query in ("?deep_link=abc", "?page="):
        client.get("/" + query)
    assert cache.hits == hits + 1
    client.get("/", headers={"If-None-Match": '"x"'})
    assert cache.hits == hits + 1


def test_another_host_gets_its_own_page_with_its_own_urls(served):
    client, cache, _ = served
    here = client.get("/", headers={"Accept-Encoding": "identity"}).text
    there = client.get("/", headers={"Host": "room.example:8080", "Accept-Encoding": "identity"}).text
    assert "room.example:8080" in there and "room.example" not in here
    hits = cache.hits
    again = client.get("/", headers={"Host": "room.example:8080", "Accept-Encoding": "identity"}).text
    assert again == there and cache.hits == hits + 1


def test_the_config_and_gradios_scripts_are_kept_but_not_errors_or_events(served):
    client, cache, _ = served
    path = "/" + re.search(r"assets/[\w.-]+\.js", client.get("/").text).group(0)  # the page's own script
    config = client.get("/config")
    hits = cache.hits
    assert client.get("/config").json() == config.json()
    assert cache.hits == hits + 1
    first = client.get(path, headers={"Accept-Encoding": "br"})
    second = client.get(path, headers={"Accept-Encoding": "br"})
    assert first.status_code == second.status_code == 200 and second.headers["content-encoding"] == "br"
    assert second.content == first.content and cache.hits == hits + 2
    assert client.get("/assets/no-such-file.js").status_code == 404
    assert client.get("/assets/no-such-file.js").status_code == 404
    assert cache.hits == hits + 2 and not any(key[-1].endswith("no-such-file.js") for key in cache.kept)
    ranged = client.get(path, headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and len(ranged.content) == 10


def test_encoding_follows_accept_encoding():
    assert encoding("gzip, deflate, br, zstd") == "br"
    assert encoding("gzip;q=1.0, identity") == "gzip"
    assert encoding("") == "identity"
    assert encoding("brotli-ish") == "identity"


def test_the_apps_page_is_built_once_and_every_link_is_answered_from_memory(app_url):
    with httpx.Client(base_url=app_url, timeout=120) as client:
        first = client.get("/")
        second = client.get("/")
        link = client.get("/?tab=manifold&section=plane&present=1")
    assert second.headers["x-page-cache"] == link.headers["x-page-cache"] == "hit"
    assert second.content == first.content == link.content and b'"elem_id":"path-next"' in first.content


def shown_tabs(config: dict) -> set[int]:
    """The tab items a page shows as it opens: each Tabs' selected one (its first unless it names another), inside
    tabs shown."""
    components = {c["id"]: c for c in config["components"]}
    shown = set()

    def walk(node: dict) -> None:
        children = node.get("children", [])
        component = components.get(node["id"], {})
        if component.get("type") == "tabs":
            items = [c for c in children if components[c["id"]]["type"] == "tabitem"]
            wanted = component["props"].get("selected")
            chosen = [c for c in items if wanted is not None and components[c["id"]]["props"].get("id") == wanted]
            children = (chosen or items)[:1]
            shown.update(c["id"] for c in children)
        for child in children:
            walk(child)

    walk(config["layout"])
    return shown


def test_opening_the_page_fires_no_compute_event(app_url):
    """What a page fires as it opens: its load events (the page script's, no server work) and the select of the tabs
    it shows first (tab tracking, the Training poll's switch). None of them reads a setting, so none can render."""
    config = httpx.get(app_url.rstrip("/") + "/config", timeout=120).json()
    shown = shown_tabs(config)
    opening = [
        d
        for d in config["dependencies"]
        if any(t[1] == "load" or (t[1] == "select" and t[0] in shown) for t in d["targets"])
    ]
    loads = [d for d in opening if any(t[1] == "load" for t in d["targets"])]
    assert loads and not any(d["backend_fn"] for d in loads)
    served = [d for d in opening if d["backend_fn"]]
    assert served and all(d["inputs"] == [] and d["queue"] is False for d in served)


def test_a_room_arriving_at_once_builds_and_compresses_a_file_once(served):
    client, cache, _ = served
    path = "/" + re.search(r"assets/[\w.-]+\.css", client.get("/").text).group(0)  # not asked for yet
    base = str(client.base_url)

    def fetch(_):
        with httpx.Client(base_url=base, timeout=60) as student:
            response = student.get(path, headers={"Accept-Encoding": "br"})
            return response.headers["x-page-cache"], response.content

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(fetch, range(8)))
    assert sorted(state for state, _ in answers) == ["hit"] * 7 + ["miss"]
    assert len({body for _, body in answers}) == 1
    (kept,) = [k for key, k in cache.kept.items() if key == ("asset", path)]
    assert list(kept.encoded) == ["br"]


def test_a_head_of_the_page_is_answered_without_building_it():
    """Gradio's launch checks the server with ``HEAD /`` and a 3 s timeout, then exits: passed through, that HEAD
    built the whole page, over 3 s on a loaded core. Before the page is kept the HEAD gets a bare 200; after, the
    kept headers."""
    with gr.Blocks(title="head") as demo:
        gr.Markdown("# a page")
    _, url, _ = demo.launch(
        server_name="127.0.0.1",
        prevent_thread_lock=True,
        quiet=True,
        app_kwargs={"middleware": [Middleware(PageCache)]},
    )
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            cache = cache_of(demo.app)
            assert not [k for k in cache.kept if k[0] == "page"]  # launch's own HEAD built and kept nothing
            before = client.head("/")
            assert (before.status_code, before.headers["x-page-cache"]) == (200, "head")
            assert before.headers["content-type"].startswith("text/html") and before.content == b""
            assert client.get("/").headers["x-page-cache"] == "miss"
            after = client.head("/")
            assert (after.status_code, after.headers["x-page-cache"]) == (200, "hit")
            assert after.headers["content-type"] == client.get("/").headers["content-type"]
            assert client.head("/config").headers["content-type"] == "application/json"
    finally:
        demo.close()


def test_a_file_cut_short_by_a_client_who_left_is_never_kept(tmp_path):
    """Starlette's FileResponse stops streaming when its client leaves (uvicorn's ASGI spec 2.3: it listens for the
    disconnect): a student who closed the tab while Plotly's 4.6 MB script loaded. Kept, that cut body was every
    later student's script ("Unexpected end of input", no plot drawn anywhere). Not kept, the next student gets the
    whole file, which is then kept."""
    import asyncio

    from starlette.responses import FileResponse

    script = tmp_path / "plot.js"
    script.write_bytes(b"x" * (3 * 1024 * 1024))
    cache = PageCache(lambda scope, receive, send: FileResponse(script)(scope, receive, send))
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/assets/plot.js",
        "headers": [(b"accept-encoding", b"identity")],
        "asgi": {"version": "3.0", "spec_version": "2.3"},
    }

    async def ask(leaves: bool) -> list[dict]:
        sent = []

        async def send(message):
            sent.append(message)

        async def receive():
            if not leaves:
                await asyncio.Event().wait()  # a client who stays never disconnects
            return {"type": "http.disconnect"}

        await cache(scope, receive, send)
        return sent

    def run(coroutine):  # in a thread of its own: under xdist a worker's Playwright holds this thread's event loop
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coroutine).result()

    run(ask(leaves=True))
    assert cache.kept == {}  # the leaver's cut body: not kept
    whole = run(ask(leaves=False))
    assert b"".join(m.get("body", b"") for m in whole if m["type"] == "http.response.body") == script.read_bytes()
    assert [k.body for k in cache.kept.values()] == [script.read_bytes()]
