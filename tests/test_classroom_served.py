"""A lecture hall on a served app: concurrent previews answered from one batched pass, each client its own image;
20 clients at the Training tab's one run.

Both serve an app in process on 127.0.0.1 and drive it over plain HTTP from threads; every wait is on a
condition with a deadline.
"""

import io
import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import gradio as gr
import numpy as np
import pytest
from PIL import Image

import app
from explorer.ui.tabs import interpolation, training
from trainers import job as job_module
from trainers.job import TrainingJob

from .test_classroom_batching import Slot, wait_until

pytestmark = pytest.mark.slow  # a served app and many clients (each test < 30 s)

MODEL = "dcgan-fashion-mnist"
CLIENTS = 20


def post(url: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_burst_of_previews_is_one_forward_pass_and_each_client_gets_its_own_image(default_zoo):
    demo = app.build_app(default_zoo)
    _, url, _ = app.launch(demo, server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    try:
        queue = demo.previews.queue
        seeds = [(2000 + 2 * i, 2001 + 2 * i, round(0.05 * (i % 20), 2)) for i in range(16)]  # all uncached
        answers: list = [None] * len(seeds)

        def client(i: int) -> None:
            a, b, t = seeds[i]
            query = urllib.parse.urlencode({"args": json.dumps([MODEL, a, b, t, "spherical (slerp)"])})
            with urllib.request.urlopen(f"{url}preview/interpolate_frame?{query}", timeout=60) as response:
                answers[i] = (response.status, response.headers["X-Preview-Cache"], response.read())

        slot = Slot(queue)  # the compute slot is busy: the burst gathers in one batch
        before = queue.batches
        threads = [threading.Thread(target=client, args=(i,)) for i in range(len(seeds))]
        for thread in threads:
            thread.start()
        wait_until(lambda: queue.waiting() == len(seeds))
        slot.release()
        for thread in threads:
            thread.join(60)
        assert queue.batches - before == 1  # one forward pass for all sixteen (plus the blocker's, counted before)
        for (a, b, t), (status, cached, body) in zip(seeds, answers, strict=True):
            assert status == 200 and cached == "miss"
            expected = np.asarray(interpolation.render_frame(default_zoo, MODEL, a, b, t, "spherical (slerp)"))
            assert np.array_equal(np.asarray(Image.open(io.BytesIO(body))), expected), (a, b, t)
    finally:
        demo.close()


def test_twenty_clients_one_run_busy_messages_and_a_run_left_by_its_owner_stops(tmp_path, fashion_small, monkeypatch):
    monkeypatch.setattr(job_module, "_datasets", {("fashion-mnist", 1): fashion_small})
    job = TrainingJob(runs=tmp_path / "runs", orphan_seconds=3.0)
    with gr.Blocks() as demo:
        training.build(default_zoo_for_training(), job=job)
    _, url, _ = demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    try:
        config = demo.get_config_file()
        components = {c["id"]: c for c in config["components"]}
        deps = {d["api_name"]: d for d in config["dependencies"] if d.get("api_name")}
        start, heartbeat = deps["train_start"], deps["alive"]
        overrides = {"Steps": 100_000, "Batch size": 16, "FID every K steps (0 = off)": 0}
        overrides |= {"Sample grid every K steps": 1000}
        data = [
            overrides.get(components[i]["props"].get("label"), components[i]["props"].get("value"))
            for i in start["inputs"]
        ]
        replies: list = [None] * CLIENTS
        barrier = threading.Barrier(CLIENTS)

        def press_start(i: int) -> None:
            barrier.wait(30)
            body = {"data": data, "fn_index": start["id"], "session_hash": f"student-{i}"}
            replies[i] = post(url, "gradio_api/run/predict", body)

        threads = [threading.Thread(target=press_start, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        started = [i for i, (status, reply) in enumerate(replies) if status == 200 and "data" in reply]
        assert len(started) == 1, replies  # one run per app
        owner = f"student-{started[0]}"
        busy = [reply.get("error") or "" for i, (_, reply) in enumerate(replies) if i != started[0]]
        assert all(m.startswith("busy: another browser session started a DCGAN run") for m in busy), busy[:2]
        assert job.snapshot().running and job.owner == owner

        # The owner's tab is closed (no more heartbeats); the 19 others keep beating and watching.
        beats, stop = [0], threading.Event()

        def watch(i: int) -> None:
            while not stop.is_set():
                status, _ = post(
                    url,
                    "gradio_api/run/predict",
                    {"data": [], "fn_index": heartbeat["id"], "session_hash": f"student-{i}"},
                )
                beats[0] += status == 200
                stop.wait(0.2)

        watchers = [threading.Thread(target=watch, args=(i,)) for i in range(CLIENTS) if i != started[0]]
        for thread in watchers:
            thread.start()
        try:
            wait_until(lambda: not job.snapshot().running, 25)
        finally:
            stop.set()
            for thread in watchers:
                thread.join(10)
        h = job.snapshot()
        assert h.status == "stopped" and "no browser" in h.message, h.message
        assert beats[0] >= CLIENTS - 1  # the others' pages did beat: only the owner's beats keep a run alive
        assert 0 < h.step < 1000
    finally:
        job.stop(wait=60)
        demo.close()


def default_zoo_for_training():
    """A zoo for the tab alone (it reads the zoo's settings and lists, loads no model)."""
    from explorer.zoo import Zoo

    return Zoo(device="cpu")
