"""What opening the page costs the server, per student, and the cold start (process → first image served).

    python bench/pageopen.py                 # 20 opens against Gradio's own answers and against the app's, 2 cold
                                             # starts: ~3 min on 2 cores
    python bench/pageopen.py --opens 50 --cold-starts 0

1. One headless Chromium opens the app's page and every request it makes is recorded (the page, Gradio's scripts
   and styles, the theme, the fonts, the first tab's events and images; not the heartbeat, a stream held open).
2. Each variant runs the app in its own interpreter on 127.0.0.1: **before** is Gradio's own answers
   (``app.launch`` without the page cache and with Gradio's own sessions, ``explorer/ui/gradio_patches/page_cache.py``
   and ``sessions.py``), **now** the app as ``python app.py`` runs it. A first open is replayed
   (it fills the cache), then ``--opens`` more, each in a new Gradio session (its own ``session_hash``, so Gradio
   builds the session's state as for a new student). The server's CPU time is read from /proc around each open;
   the server's idle CPU (Gradio's queue polls every millisecond) is measured for 10 s first and taken off, so the
   figure is what a student's open adds. CPU time, unlike wall time, stays comparable on a machine other work
   shares.
3. Cold start: ``python app.py`` until the first image in its page is served, wall and server CPU seconds.
"""

import argparse
import http.client
import json
import os
import statistics
import time

from appserver import cold_start, cpu_seconds, serve, stop
from classroom import percentile

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
ACCEPT = "gzip, deflate, br, zstd"  # what Chromium sends
SERVERS = {
    "before (Gradio's own answers)": (  # the page built per request, Gradio's own sessions
        "import app\n"
        "from explorer.ui.gradio_patches import sessions\n"
        "sessions.install = lambda: None\n"
        "demo = app.build_app()\n"
        "app.launch(demo, server_name='127.0.0.1', server_port={port}, quiet=True,"
        " app_kwargs={{'routes': demo.previews.routes()}})"
    ),
    "now (python app.py)": (
        "import app\napp.launch(app.build_app(), server_name='127.0.0.1', server_port={port}, quiet=True)"
    ),
}


def record_open(port: int) -> list[tuple[str, str, str | None]]:
    """(method, path, body) of every request a browser makes when it opens the page, heartbeat left out."""
    from playwright.sync_api import sync_playwright

    requests: list[tuple[str, str, str | None]] = []
    origin = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.on("request", lambda r: requests.append((r.method, r.url.removeprefix(origin), r.post_data)))
        page.goto(origin + "/")
        page.wait_for_selector("#interp-t input[type=range]", timeout=180_000)
        seen = -1
        while len(requests) != seen:  # until 3 s pass without a new request
            seen = len(requests)
            page.wait_for_timeout(3000)
        browser.close()
    return [r for r in requests if "/heartbeat/" not in r[1]]


def idle_rate(pid: int, seconds: float = 10.0) -> float:
    """The server's CPU seconds per second while nobody asks it anything."""
    cpu, clock = cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds)
    return (cpu_seconds(pid) - cpu) / (time.perf_counter() - clock)


def replay(port: int, requests: list, session: str) -> int:
    """One student's open: the recorded requests on one keep-alive connection, events in session ``session``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    size = 0
    try:
        for method, path, body in requests:
            headers = {"Accept-Encoding": ACCEPT}
            if body:
                data = json.loads(body)
                if "session_hash" in data:
                    data["session_hash"] = session
                body = json.dumps(data)
                headers["Content-Type"] = "application/json"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            size += len(response.read())
            if response.status >= 400:
                raise RuntimeError(f"{method} {path}: {response.status}")
    finally:
        connection.close()
    return size


def measure(code: str, port: int, requests: list, opens: int) -> dict:
    process = serve(port, code)
    try:
        idle = idle_rate(process.pid)
        costs, sizes = [], []
        for n in range(opens + 1):
            cpu, clock = cpu_seconds(process.pid), time.perf_counter()
            sizes.append(replay(port, requests, f"open-{n}-{os.getpid()}"))
            costs.append(cpu_seconds(process.pid) - cpu - idle * (time.perf_counter() - clock))
        return dict(idle=idle, first=costs[0], costs=costs[1:], bytes=sizes[-1])
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opens", type=int, default=20, help="opens replayed per variant, after the first")
    parser.add_argument("--cold-starts", type=int, default=2)
    parser.add_argument("--port", type=int, default=7898)
    args = parser.parse_args()
    if not 1 <= args.opens <= 500 or not 0 <= args.cold_starts <= 10:
        parser.error("opens must be 1–500 and cold starts 0–10")

    process = serve(args.port, SERVERS["now (python app.py)"])
    try:
        requests = record_open(args.port)
    finally:
        stop(process)
    kinds: dict[str, int] = {}
    for _, path, _ in requests:
        kind = path.split("?")[0].split("/")[1] or "/"
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"a browser's open: {len(requests)} requests {kinds} (heartbeat left out)", flush=True)
    results = {}
    for label, code in SERVERS.items():
        results[label] = measure(code, args.port, requests, args.opens)
        print(f"measured: {label}", flush=True)
    starts = [cold_start(args.port) for _ in range(args.cold_starts)]

    print(f"\nPage open: server CPU per student (ms), {args.opens} opens each, idle CPU off, {os.cpu_count()} cores")
    print(f"{'server':<32}{'first open':>12}{'mean':>8}{'p50':>8}{'p95':>8}{'kB sent':>10}{'idle ms/s':>11}")
    for label, r in results.items():
        c = [1000 * x for x in r["costs"]]
        print(
            f"{label:<32}{1000 * r['first']:>12.1f}{statistics.mean(c):>8.1f}{statistics.median(c):>8.1f}"
            f"{percentile(c, 0.95):>8.1f}{r['bytes'] / 1000:>10.0f}{1000 * r['idle']:>11.1f}"
        )
    for answered, served, cpu in starts:
        print(f"cold start: page answered after {answered:.1f} s, first image after {served:.1f} s, CPU {cpu:.1f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (other work on the machine inflates wall times)")


if __name__ == "__main__":
    main()
