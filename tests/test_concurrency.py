"""Many users at once: each scrubbing client gets exactly its own images, errors stay messages, memory is bounded.

20 HTTP clients (threads) call the interpolation preview, alternating between the two paths the
browser uses (the preview route's GET while a slider moves, the queue-free Gradio event on release),
with their own seeds and t values for ``LATENT_EXPLORER_SOAK_SECONDS`` (default 15 s here;
``LATENT_EXPLORER_SOAK_SECONDS=60 pytest tests/test_concurrency.py -s`` is the issue's 60 s run).
Every response is fetched and compared pixel for pixel with the handler's output for that client's
own request. Requests go to localhost only and each loop is bounded by time.
"""

import io
import json
import os
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
import pytest
from PIL import Image

import app
from explorer.ui.tabs import interpolation

pytestmark = pytest.mark.slow  # a served app, 20 clients for SECONDS and its own app start (~30 s in all)

CLIENTS = 20
SECONDS = float(os.environ.get("LATENT_EXPLORER_SOAK_SECONDS", "15"))
MODEL = "dcgan-fashion-mnist"


def preview(url: str, name: str, args: list) -> tuple[int, bytes]:
    """GET the preview route: (status, body)."""
    query = urllib.parse.urlencode({"args": json.dumps(args)})
    try:
        with urllib.request.urlopen(f"{url}preview/{name}?{query}", timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def call(url: str, api: str, data: list) -> dict:
    request = urllib.request.Request(
        f"{url}gradio_api/run/{api}", json.dumps({"data": data}).encode(), {"Content-Type": "application/json"}
    )
    try:
        return json.loads(urllib.request.urlopen(request, timeout=60).read())
    except urllib.error.HTTPError as error:
        return {"error": json.loads(error.read()).get("error"), "status": error.code}


SEED_ENDS = ["seeds", 0, 1, "", ""]  # the path's ends are the seeds (not encoded images: ends, image A/B, codes)


@pytest.fixture(scope="module")
def server(app_url, default_zoo):
    return app_url, default_zoo


def test_twenty_clients_scrubbing_each_get_their_own_images(server):
    url, zoo = server
    expected_cache: dict[tuple, np.ndarray] = {}
    lock = threading.Lock()
    failures: list[str] = []
    counts = [0] * CLIENTS
    before = rss_mb()
    deadline = time.monotonic() + SECONDS

    def expected(seed_a: int, seed_b: int, t: float) -> np.ndarray:
        key = (seed_a, seed_b, t)
        with lock:
            if key not in expected_cache:
                image = interpolation.render_frame(zoo, MODEL, seed_a, seed_b, t, "spherical (slerp)")
                expected_cache[key] = np.asarray(image)
            return expected_cache[key]

    def client(i: int) -> None:
        rng = random.Random(i)
        seed_a, seed_b = 1000 + 2 * i, 1001 + 2 * i  # every client scrubs its own pair
        while time.monotonic() < deadline and not failures:
            t = round(rng.random(), 2)
            inputs = [MODEL, seed_a, seed_b, t, "spherical (slerp)", *SEED_ENDS]
            if counts[i] % 2:  # the preview route: PNG bytes in the answer
                status, body = preview(url, "interpolate_frame", inputs)
                if status != 200:
                    failures.append(f"client {i}: route answered {status} {body[:200]!r}")
                    return
            else:  # the Gradio event: a file URL in the answer
                reply = call(url, "interpolate_frame", inputs)
                if "data" not in reply:
                    failures.append(f"client {i}: {reply}")
                    return
                body = urllib.request.urlopen(reply["data"][0]["url"]).read()
            got = np.asarray(Image.open(io.BytesIO(body)))
            if not np.array_equal(got, expected(seed_a, seed_b, t)):
                failures.append(f"client {i} got an image that is not its own (seeds {seed_a}, {seed_b}, t {t})")
                return
            counts[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SECONDS + 120)
    growth = rss_mb() - before
    print(f"\n{sum(counts)} requests from {CLIENTS} clients in {SECONDS:.0f} s; RSS growth {growth:.0f} MB")
    assert not failures, failures[:3]
    assert all(c >= 1 for c in counts), counts  # nobody starved
    assert growth < 500


def test_bad_values_from_many_clients_are_messages_and_the_server_keeps_serving(server):
    url, _ = server
    hostile = [
        [MODEL, -1, 2, 0.5, "spherical (slerp)", *SEED_ENDS],
        [MODEL, 1, 2, 7.0, "lerp?", *SEED_ENDS],
        ["nope", 1, 2, 0.5, "linear", *SEED_ENDS],
    ]
    replies = []
    threads = [
        threading.Thread(target=lambda d=d: replies.append(call(url, "interpolate_frame", d))) for d in hostile * 5
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(replies) == 15 and all("error" in r and r["error"] for r in replies)
    assert "data" in call(url, "interpolate_frame", [MODEL, 1, 2, 0.5, "spherical (slerp)", *SEED_ENDS])
    for args in [*hostile, [MODEL, 1, 2, float("nan"), "linear", *SEED_ENDS], "not a list", [MODEL] * 9]:
        status, body = preview(url, "interpolate_frame", args)
        assert status == 400 and body, (args, status, body)  # a message, not a stack trace
    assert (
        preview(url, "interpolate_frame", [MODEL, 1, 2, 7.0, "linear", *SEED_ENDS])[1].decode().startswith("t must be")
    )
    assert preview(url, "no_such_preview", [])[0] == 404
    assert preview(url, "interpolate_frame", ["x" * 5000])[0] == 400  # the query is capped
    status, body = preview(url, "interpolate_frame", [MODEL, 1, 2, 0.5, "spherical (slerp)", *SEED_ENDS])
    assert status == 200 and body[:8] == b"\x89PNG\r\n\x1a\n"  # and the server keeps serving


def test_uploads_over_the_limit_are_refused(server):
    url, _ = server
    boundary = "xyz"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + b"\0" * (app.MAX_UPLOAD_BYTES + 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{url}gradio_api/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=60)
    assert error.value.code == 413
