"""A lecture hall on one app: N simulated students scrubbing the previews at a human pace.

    python bench/classroom.py                        # 1 student (the reference), then 50, 100, 200: ~5 min
    python bench/classroom.py --quick                # 10 students for 20 s: a smoke check (~1 min)
    python bench/classroom.py --students 200 --seconds 30
    LATENT_EXPLORER_PREVIEW_BATCH=0 python bench/classroom.py    # the server without batching (or without
    LATENT_EXPLORER_PREVIEW_CACHE_MB=0 python bench/classroom.py # its cache): the variables reach the server
    python bench/classroom.py --renders 16 --seconds 10     # batching against none, in process, no HTTP
    python bench/classroom.py --server-cores 0 --client-cores 1 --students 50 100 200 400
                                                     # the app on core 0, the students on core 1 (measured apart)
    python bench/classroom.py --lab-share 0.2 --students 50 100   # a fifth of each room plays the GAN lab
    python bench/classroom.py --server-cores 0 --client-cores 1 --students 200 --mirror
                                                     # the model files from a static host on the students' core
    python bench/classroom.py --lab-share 1 --students 2 4 8      # rooms that only play the lab

The app runs as a subprocess on 127.0.0.1 (its own interpreter, so the students' threads do not share its
GIL; its RSS is read from /proc). Each student is a thread with one keep-alive HTTP connection, like a
browser tab, and repeats gestures until the phase ends:

- drag t on the Interpolation tab (half the gestures) or α on the Directions tab (a third): 10–30 moves,
  one every 100 ms (10 moves/s), each a GET of the preview route ``/preview/<name>?args=[…]`` as the
  page's JavaScript sends it; on release, the Gradio event that syncs the component (a POST to
  ``/gradio_api/run/predict`` with its ``fn_index``, then a GET of the image file it returns);
- click the VAE plane (the rest): 1–3 clicks a second apart, each the route's GET, then the Gradio
  ``select`` event with the clicked pixel;
- then a pause of 1–4 s.

By default (``--previews in-page``, as the app serves a browser that runs WebAssembly) the page paints a move itself
(``explorer/ui/inpage.py``): a move of a setting the student's page has prepared costs no request. A setting's first
move takes the route, then the page prepares the setting: its ``/onnx/inputs`` answer, and the runtime's two files and
the model's ONNX file where the student's browser does not hold them yet (immutable URLs: once per browser, kept
across rooms). ``--previews route`` sends every move to the route, as a page without WebAssembly does. With
``--mirror`` the model files and the runtime's WebAssembly come from a static host on the students' cores, and once a
student's page has seen the mirror named, a setting's moves wait for its model (up to ``HOLD_SECONDS``, counted as
``held``: no request) instead of taking the route, as ``previews.js`` does.

Before a room scrubs, it fills up: each student new to the room opens the page (``/config``, then a first
event in a new Gradio session, whose state Gradio builds from the whole app's config), a hundred of them over
20 s; the ``page open`` row times it (students of the previous, smaller room keep their pages). Every student
goes round the same cycle of gestures (3 drags of t, 2 of α, 1 click series), from its own starting point, so
that the single student of the reference phase does what the room does.

With ``--lab-share s``, a share s of each room plays the GAN lab instead (▶ Play: one frame at a time, as the
page's script asks for it: the hidden button's Gradio event through the queue, then a wait until the pace the frame
names, the server's frame budget). Each room then runs twice on the same open pages: first with the lab's players
idle, then playing, so the table shows what the lab costs the others (a room of players only runs once); a second
reference phase has one student playing alone (the single-user pace).

Half the room stays on the lecture's link (the tabs' default seeds), the other half types its own seeds.
The inputs of every request are the page's defaults read from the app's ``/config``, as a browser sends
them. A phase's students start over its first 2 s; each request's latency is its round trip on the
loopback (a move sent more than 50 ms after its slot, because the previous answer was late, counts as
late). Everything is bounded: students, seconds, timeouts; nothing leaves 127.0.0.1.
"""

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from appserver import UNCHECKED, cpu_seconds, errors, rss_mb, serve, stop

ROOT = Path(__file__).resolve().parent.parent
MOVE_SECONDS = 0.1  # 10 moves/s while dragging
LATE_SECONDS = 0.05
PATHS = ("preview route", "Gradio event", "page open", "lab frame", "onnx inputs", "onnx files")
HOLD_SECONDS = 5.0  # previews.js S.holdMs: with a mirror, a setting's moves wait this long for its model
MIRRORED_AT_LOAD = False  # --mirror: the page knows of the mirror when it loads (previews.js options.mirrored)
# Each student's browser, kept across phases as its page stays open (``--previews in-page``): the settings its page has
# prepared (their /onnx/inputs answered) and the files it holds (the runtime and the models: immutable URLs, fetched
# once per browser)
BROWSERS: dict[int, dict[str, set[str]]] = {}
ARRIVAL_SECONDS = 20.0  # a hundred arriving students open the page over this many seconds
GESTURES = ("interpolate", "direction", "interpolate", "vae", "direction", "interpolate")  # every student's cycle
TIMEOUT = 30.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- the page: what a browser would send, read from the app's /config ------------------------------------------


@dataclass
class Target:
    """One preview: its route name, the Gradio event that syncs it, its default inputs, and which input moves."""

    name: str
    fn_index: int
    inputs: list  # the defaults, in the event's input order
    moving: int  # index of the slider in ``inputs`` (None for a click)
    seeds: list[int] = field(default_factory=list)  # indices of the seed inputs
    trigger: int | None = None  # the component whose event it is (the queue's trigger_id)


def page_targets(config: dict) -> dict[str, Target]:
    components = {c["id"]: c for c in config["components"]}
    by_elem = {c["props"].get("elem_id"): c["id"] for c in config["components"] if c["props"].get("elem_id")}

    def dependency(elem_id: str, trigger: str) -> dict:
        block = by_elem[elem_id]
        for dep in config["dependencies"]:
            if [block, trigger] in [list(t) for t in dep["targets"]] and dep.get("backend_fn", True):
                return dep
        raise LookupError(f"no {trigger} event on #{elem_id}")

    def target(name: str, elem_id: str, trigger: str, moving: str | None, seeds: list[str]) -> Target:
        dep = dependency(elem_id, trigger)
        ids = dep["inputs"]
        inputs = [components[i]["props"].get("value") for i in ids]
        position = {i: n for n, i in enumerate(ids)}
        return Target(
            name,
            dep["id"],
            inputs,
            position[by_elem[moving]] if moving else None,
            [position[by_elem[s]] for s in seeds],
        )

    targets = {
        "interpolate_frame": target(
            "interpolate_frame", "interpolate-frame-sync", "click", "interp-t", ["interp-seed-a", "interp-seed-b"]
        ),
        "direction_edit": target("direction_edit", "direction-edit-sync", "click", "dir-alpha", ["dir-seed"]),
        "vae_decode": target("vae_decode", "vae-plane", "select", None, []),
    }
    frame = dependency("toy-next-frame", "click")  # the GAN lab's Play: the page presses the hidden button
    targets["lab"] = Target("lab", frame["id"], [components[i]["props"].get("value") for i in frame["inputs"]], None)
    targets["lab"].trigger = by_elem["toy-next-frame"]
    beat = next(d for d in config["dependencies"] if d.get("api_name") == "alive")  # the page's heartbeat
    targets["open"] = Target("open", beat["id"], [], None)
    edit = targets["direction_edit"]
    index = next(
        i for i, c in enumerate(dependency("direction-edit-sync", "click")["inputs"]) if c == by_elem["dir-index"]
    )
    if edit.inputs[index] in (None, "", []):  # the direction list is filled when the tab opens: its first entry
        edit.inputs[index] = 0
    return targets


# --- a student -------------------------------------------------------------------------------------------------


def mirror_get(url: str, record) -> bytes | None:
    """A model file from the mirror (``--mirror``: a static host on the students' cores, as a CDN serves them), as
    the page fetches it there first: recorded with the app's files (``onnx files``)."""
    clock = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            data = response.read()
    except (OSError, http.client.HTTPException) as error:
        record("onnx files", None, f"mirror {type(error).__name__}: {error}", None)
        return None
    record("onnx files", time.perf_counter() - clock, None, None)
    return data


def start_mirror(port: int) -> tuple[subprocess.Popen, tempfile.TemporaryDirectory]:
    """The zoo's ONNX files and the runtime's WebAssembly served as a lecture machine serves them, on this process's
    cores (the students'), as a CDN would serve them off the app's core: ``python -m explorer.ui.inpage FOLDER
    --serve PORT`` (it writes the folder, then serves it)."""
    folder = tempfile.TemporaryDirectory(prefix="mirror-")
    log = tempfile.TemporaryFile()  # its stderr: a file, not a pipe nobody reads while it serves
    host = subprocess.Popen(
        [sys.executable, "-m", "explorer.ui.inpage", folder.name, "--serve", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    for _ in range(600):  # answered with one of its own files (the export takes seconds): not another server's
        written = sorted(Path(folder.name).glob("onnx/runtime/*/*.wasm.gz"))
        try:
            if written:
                probe = f"http://127.0.0.1:{port}/" + written[0].relative_to(folder.name).as_posix()
                urllib.request.urlopen(probe, timeout=1).read()
                return host, folder
        except OSError:
            pass
        if host.poll() is not None:
            break
        time.sleep(0.1)
    stop_mirror((host, folder))
    log.seek(0)
    error = log.read().decode(errors="replace")[-2000:] or "(nothing on stderr)"
    raise RuntimeError(f"the mirror did not start on port {port} (taken?): {error}")


def stop_mirror(mirror: tuple[subprocess.Popen, tempfile.TemporaryDirectory]) -> None:
    mirror[0].kill()
    mirror[0].wait()
    mirror[1].cleanup()


class Student:
    """One browser tab: a keep-alive connection, its own seeds, its own random gestures."""

    def __init__(
        self,
        i: int,
        port: int,
        targets: dict[str, Target],
        record,
        deadline: float,
        salt: int = 0,
        runtime: str | None = None,
    ):
        self.i, self.port, self.targets, self.record, self.deadline = i, port, targets, record, deadline
        self.runtime = runtime  # where the app serves ONNX Runtime Web: the page renders the moves (None: the route)
        self.browser = BROWSERS.setdefault(i, {"settings": set(), "files": set(), "mirrored": MIRRORED_AT_LOAD})
        self.preparing: set[str] = set()  # settings being prepared in the background
        self.holding: dict[str, float] = {}  # setting → when its preparation began (its moves wait HOLD_SECONDS)
        self.salt = salt  # a phase's own: its gestures and own seeds differ from the phase before (not yet cached)
        self.rng = random.Random(1000 + i + 7919 * salt)
        self.lecture = self.rng.random() < 0.5  # on the lecture's link, or on seeds of its own
        self.session = f"student-{i}-{os.getpid()}"  # the student's page (Gradio session), kept as the room grows
        self.connection: http.client.HTTPConnection | None = None
        self.plays = False  # plays the GAN lab (▶ Play) instead of scrubbing
        self.paces: list[dict] = []  # the pace each of its lab frames named (the server's frame budget)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, dict]:
        for attempt in (0, 1):  # a dropped keep-alive connection is reopened once
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            try:
                headers = {"Content-Type": "application/json"} if body is not None else {}
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read(), dict(response.getheaders())
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def timed(self, path: str, method: str, url: str, body: bytes | None = None) -> bytes | None:
        clock = time.perf_counter()
        try:
            status, data, headers = self.request(method, url, body)
        except (http.client.HTTPException, OSError) as error:
            self.record(path, None, f"{type(error).__name__}: {error}", None)
            return None
        seconds = time.perf_counter() - clock
        if status != 200:
            self.record(path, seconds, f"{status} {data[:120]!r}", None)
            return None
        self.record(path, seconds, None, headers.get("x-preview-cache"))
        return data

    def open(self) -> None:
        """Open the page: its config, then a first event in a new session (Gradio builds the session's state)."""
        clock = time.perf_counter()
        try:
            status, data, _ = self.request("GET", "/config")
            if status == 200:
                body = {"data": [], "fn_index": self.targets["open"].fn_index, "session_hash": self.session}
                status, data, _ = self.request("POST", "/gradio_api/run/predict", json.dumps(body).encode())
            error = None if status == 200 else f"{status} {data[:120]!r}"
            self.record("page open", time.perf_counter() - clock, error, None)
        except (http.client.HTTPException, OSError) as error:
            self.record("page open", None, f"{type(error).__name__}: {error}", None)

    def preview(self, target: Target, inputs: list) -> None:
        query = urllib.parse.urlencode({"args": json.dumps(inputs)})
        self.timed("preview route", "GET", f"/preview/{target.name}?{query}")

    def move(self, target: Target, inputs: list, moving: tuple[int, ...]) -> None:
        """One move (``inputs[i]`` for i in ``moving`` changed), as ``previews.js`` paints it: in the page once the
        setting (the other inputs) is prepared, no request; until then by the route, while the setting is prepared in
        the background on a connection of its own (``prepare``)."""
        if self.runtime is None:
            self.preview(target, inputs)
            return
        key = target.name + json.dumps([None if i in moving else v for i, v in enumerate(inputs)])
        if key in self.browser["settings"]:
            self.record("in page", None, None, None)
            return
        if key not in self.preparing:
            self.preparing.add(key)
            self.holding[key] = time.monotonic()
            threading.Thread(target=self.prepare, args=(target, inputs, key), daemon=True).start()
        if self.browser["mirrored"] and time.monotonic() - self.holding.get(key, 0.0) < HOLD_SECONDS:
            self.record("held", None, None, None)  # with a mirror the move waits for the model (previews.js S.hold)
            return
        self.preview(target, inputs)

    def prepare(self, target: Target, inputs: list, key: str) -> None:
        """A setting's ``/onnx/inputs`` answer, then the runtime's two files and the model's ONNX file where this
        browser does not hold them yet; the setting's next moves are then painted in the page."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)

        def fetch(path: str, url: str) -> bytes | None:
            clock = time.perf_counter()
            try:
                connection.request("GET", url)
                response = connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError) as error:
                self.record(path, None, f"{type(error).__name__}: {error}", None)
                return None
            if response.status != 200:
                self.record(path, time.perf_counter() - clock, f"{response.status} {data[:120]!r}", None)
                return None
            self.record(path, time.perf_counter() - clock, None, None)
            return data

        try:
            query = urllib.parse.urlencode({"args": json.dumps(inputs)})
            answer = fetch("onnx inputs", f"/onnx/inputs/{target.name}?{query}")
            if answer is None:
                return
            files = [self.runtime + "ort.wasm.bundle.min.mjs", self.runtime + "ort-wasm-simd-threaded.wasm"]
            found = json.loads(answer)
            self.browser["mirrored"] |= "mirror" in found  # the page's next settings' first moves wait (S.hold)
            for url in [*files, found["url"]]:
                if url not in self.browser["files"]:
                    mirror = {found["url"]: found.get("mirror"), files[1]: found.get("wasm")}.get(url)
                    if (mirror_get(mirror, self.record) if mirror else fetch("onnx files", "/" + url)) is None:
                        return
                    self.browser["files"].add(url)
            self.browser["settings"].add(key)
        finally:
            connection.close()
            self.preparing.discard(key)

    def event(self, target: Target, inputs: list, event_data: dict | None = None) -> None:
        """The Gradio event, as the page sends a queue-free one, then the image file it names: one latency."""
        body = json.dumps(
            {"data": inputs, "fn_index": target.fn_index, "session_hash": self.session, "event_data": event_data}
        ).encode()
        clock = time.perf_counter()
        try:
            status, data, _ = self.request("POST", "/gradio_api/run/predict", body)
            reply = json.loads(data) if status == 200 else {}
            if "data" not in reply:
                self.record("Gradio event", time.perf_counter() - clock, f"{status} {data[:120]!r}", None)
                return
            image = reply["data"][0]
            url = urllib.parse.urlsplit(image["url"])
            status, data, _ = self.request("GET", url.path + ("?" + url.query if url.query else ""))
            error = None if status == 200 and data[:4] == b"\x89PNG" else f"file {status}"
            self.record("Gradio event", time.perf_counter() - clock, error, None)
        except (http.client.HTTPException, OSError, ValueError, KeyError, TypeError) as error:
            self.record("Gradio event", None, f"{type(error).__name__}: {error}", None)

    def frame(self, target: Target) -> dict | None:
        """One frame of the GAN lab's Play, as page.js asks for it: the hidden button's event joins Gradio's queue,
        then the session's event stream brings its result; returns the pace the frame names."""
        body = {"data": target.inputs, "fn_index": target.fn_index, "session_hash": self.session}
        body |= {"event_data": None, "trigger_id": target.trigger}
        clock = time.perf_counter()
        try:
            status, data, _ = self.request("POST", "/gradio_api/queue/join", json.dumps(body).encode())
            if status != 200:
                self.record("lab frame", None, f"join {status} {data[:120]!r}", None)
                return None
            self.connection.request("GET", f"/gradio_api/queue/data?session_hash={self.session}")
            response = self.connection.getresponse()
            done = None
            for line in response:  # server-sent events, one "data: {json}" line each, to the stream's close
                message = json.loads(line[5:]) if line.startswith(b"data:") else {}
                if message.get("msg") == "process_completed":
                    done = message
                elif message.get("msg") == "close_stream":
                    break
            response.read()
            if not done or not done.get("success"):
                self.record("lab frame", None, f"frame failed: {str(done)[:120]}", None)
                return None
            pace = json.loads(done["output"]["data"][1])["pace"]
        except (http.client.HTTPException, OSError, ValueError, KeyError, TypeError) as error:
            if self.connection is not None:
                self.connection.close()
                self.connection = None
            self.record("lab frame", None, f"{type(error).__name__}: {error}", None)
            return None
        self.record("lab frame", time.perf_counter() - clock, None, None)
        self.paces.append(pace)
        return pace

    def play(self, target: Target) -> None:
        """▶ Play until the phase ends: a frame, then the next when its pace says (at once if it came late); after a
        failed frame (the page stops Play), Play again a second later."""
        while time.monotonic() < self.deadline:
            asked = time.perf_counter()
            pace = self.frame(target)
            wait = 1.0 if pace is None else pace["interval_ms"] / 1000 - (time.perf_counter() - asked)
            time.sleep(max(0.0, min(wait, self.deadline - time.monotonic())))

    def own(self, target: Target) -> list:
        inputs = list(target.inputs)
        if not self.lecture:
            for n, index in enumerate(target.seeds):
                inputs[index] = 100 + 7 * self.i + n + 10_000 * self.salt  # this student's own seeds
        return inputs

    def drag(self, target: Target, low: float, high: float, step: float) -> None:
        inputs = self.own(target)
        value = round(self.rng.uniform(low, high) / step) * step
        direction = self.rng.choice((-1, 1))
        slot = time.perf_counter()
        for _ in range(self.rng.randint(10, 30)):
            if time.monotonic() > self.deadline:
                break
            value += direction * step * self.rng.randint(1, 3)
            if not low <= value <= high:
                direction, value = -direction, min(max(value, low), high)
            inputs[target.moving] = round(value, 2)
            late = time.perf_counter() - slot
            if late < 0:
                time.sleep(-late)
            elif late > LATE_SECONDS:
                self.record("late move", None, None, None)
            self.move(target, inputs, (target.moving,))
            slot += MOVE_SECONDS
        self.event(target, inputs)  # the release

    def clicks(self, target: Target) -> None:
        plane = self.own(target)[:-1]  # the event's last input is the page's pixel of the click (previews.js)
        size = int(plane[1]) * 32  # the plane: grid size × 32 px tiles
        for _ in range(self.rng.randint(1, 3)):
            if time.monotonic() > self.deadline:
                break
            x, y = self.rng.randrange(size), self.rng.randrange(size)
            self.move(target, [*plane, x, y], (len(plane), len(plane) + 1))
            self.event(target, [*plane, [x, y]], {"index": [x, y], "value": None, "selected": True})
            time.sleep(1.0)

    def run(self, start_after: float) -> None:
        time.sleep(start_after)
        try:
            if self.plays:
                self.play(self.targets["lab"])
                return
            turn = self.rng.randrange(len(GESTURES))
            while time.monotonic() < self.deadline:
                gesture, turn = GESTURES[turn % len(GESTURES)], turn + 1
                if gesture == "interpolate":
                    self.drag(self.targets["interpolate_frame"], 0.0, 1.0, 0.01)
                elif gesture == "direction":
                    self.drag(self.targets["direction_edit"], -5.0, 5.0, 0.1)
                else:
                    self.clicks(self.targets["vae_decode"])
                pause = self.rng.uniform(1.0, 4.0)
                time.sleep(max(0.0, min(pause, self.deadline - time.monotonic())))
        finally:
            if self.connection is not None:
                self.connection.close()


# --- a phase: N students for S seconds -------------------------------------------------------------------------


def phase(
    port: int,
    pid: int,
    targets: dict[str, Target],
    students: int,
    seconds: float,
    seated: int = 0,
    players: int = 0,
    lab: bool = False,
    salt: int = 0,
    runtime: str | None = None,
) -> dict:
    """``students`` scrub for ``seconds``; the first ``seated`` have opened the page in an earlier phase. The last
    ``players`` of them play the GAN lab instead if ``lab``, else sit idle with the lab open. ``salt`` (the phase's
    number) gives the students gestures and own seeds of the phase's own, so a phase does not replay the previews the
    phase before it cached (the same room idle, then playing, would otherwise find every image cached the second
    time)."""
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {path: [] for path in PATHS}
    errors: dict[str, list[str]] = {path: [] for path in PATHS}
    counts = {"late move": 0, "hit": 0, "miss": 0, "in page": 0, "held": 0}

    closed = threading.Event()  # the room's books: a download still running when it ends is counted, not recorded

    def record(path: str, seconds_taken: float | None, error: str | None, cache: str | None) -> None:
        with lock:
            if closed.is_set():
                return
            if path in ("late move", "in page", "held"):
                counts[path] += 1
                return
            if error is not None:
                errors[path].append(error)
            elif seconds_taken is not None:
                latencies[path].append(seconds_taken * 1000)
            if cache in ("hit", "miss"):
                counts[cache] += 1

    # 1. The room fills up: each new student opens the page, ARRIVAL_SECONDS per 100 of them.
    arriving = max(1, students - seated)
    arrival = ARRIVAL_SECONDS * arriving / 100
    room = [Student(i, port, targets, record, 0.0, salt, runtime) for i in range(students)]
    opening = [
        threading.Thread(target=lambda s=s, k=k: (time.sleep(arrival * k / arriving), s.open()))
        for k, s in enumerate(room[seated:])
    ]
    clock = time.perf_counter()
    for thread in opening:
        thread.start()
    for thread in opening:
        thread.join(arrival + TIMEOUT + 60)
    opened = time.perf_counter() - clock
    # 2. The room scrubs for ``seconds``: the students start over the first 2 s.
    deadline = time.monotonic() + seconds
    ramp = min(2.0, seconds / 4)
    playing = room[students - players :]
    for student in room:
        student.deadline = deadline
    for student in playing:
        student.plays = lab
    active = room[: students - players] + (playing if lab else [])
    threads = [
        threading.Thread(target=student.run, args=(ramp * i / students,), daemon=True)
        for i, student in enumerate(active)
    ]
    rss = [rss_mb(pid)]
    cpu = cpu_seconds(pid)
    clock = time.perf_counter()
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads) and time.perf_counter() - clock < seconds + TIMEOUT + 10:
        rss.append(rss_mb(pid))
        time.sleep(0.5)
    elapsed = time.perf_counter() - clock
    used, load = (cpu_seconds(pid) - cpu) / elapsed, os.getloadavg()[0]  # the room's, before the wait below
    # the settings' downloads (model files, a background thread each) get TIMEOUT more to end; those still running are
    # counted and the room's books close, so the next room or the app's stop (which cuts them: IncompleteRead, counted
    # as errors of the 400-student room in an earlier version of this benchmark) does not write into them
    waited = time.monotonic() + TIMEOUT
    while any(student.preparing for student in room) and time.monotonic() < waited:
        time.sleep(0.5)
    with lock:
        closed.set()
        downloading = sum(len(student.preparing) for student in room)
    return dict(
        downloading=downloading,
        label=f"{students}" + (f", {players} {'play' if lab else 'idle'}" if players else ""),
        players=players if lab else 0,
        frames=[len(student.paces) for student in playing] if lab else [],
        paces=[pace for student in playing for pace in student.paces] if lab else [],
        opened=opened,
        load=load,
        cpu=used,
        students=students,
        seconds=elapsed,
        latencies=latencies,
        errors=errors,
        late=counts["late move"],
        in_page=counts["in page"],
        held=counts["held"],
        hits=counts["hit"],
        misses=counts["miss"],
        rss_peak=max(rss),
        rss_end=rss[-1],
        stragglers=sum(t.is_alive() for t in threads),
    )


def cores(text: str | None) -> set[int] | None:
    """``"0"``, ``"0,1"`` or ``"0-3"`` → the set of CPU numbers (None: no pinning)."""
    if not text:
        return None
    found: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        found |= set(range(int(low), int(high or low) + 1))
    unknown = found - os.sched_getaffinity(0)
    if unknown:
        raise ValueError(f"no CPU {sorted(unknown)} on this machine (it has {sorted(os.sched_getaffinity(0))})")
    return found


def config_of(port: int) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    connection.request("GET", "/config")
    return json.loads(connection.getresponse().read())


def table(results: list[dict]) -> str:
    """One row per room and path it used (``in page``: the moves the students' pages painted, no request); ``p95 / 1``
    is the p95 over the single student's (the first result with that path: the lone scrubber, or for the lab the lone
    player); ``late`` counts moves sent over 50 ms after their slot; ``hits`` is the preview cache's share; ``RSS MB``
    the server's peak; ``CPU`` the cores the server got (CPU seconds per second)."""
    reference = {
        p: next((percentile(r["latencies"][p], 0.95) for r in results if r["latencies"][p]), 1.0) for p in PATHS
    }
    head = (
        f"{'room':<14}{'path':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'p95 / 1':>8}{'errors':>7}{'late':>6}{'hits':>6}{'RSS MB':>8}{'CPU':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        first = True  # the room's RSS and CPU on its first row
        for path in PATHS:
            values = r["latencies"][path]
            if not values and not r["errors"][path]:
                continue  # a path this room did not use: page opens of a seated room, the lab when none plays
            p50 = statistics.median(values) if values else float("nan")
            p95 = percentile(values, 0.95)
            route = path == "preview route"
            late = str(r["late"]) if route else ""
            hits = f"{100 * r['hits'] / max(1, r['hits'] + r['misses']):.0f}%" if route else ""
            rss = f"{r['rss_peak']:.0f}" if first else ""
            cpu = f"{r['cpu']:.2f}" if first else ""
            first = False
            rate = len(values) / (r["opened"] if path == "page open" else r["seconds"])
            lines.append(
                f"{r['label']:<14}{path:<14}{len(values):>9}{rate:>8.1f}{p50:>8.1f}"
                f"{p95:>8.1f}{percentile(values, 0.99):>8.1f}{p95 / reference[path]:>8.2f}"
                f"{len(r['errors'][path]):>7}{late:>6}{hits:>6}{rss:>8}{cpu:>6}"
            )
        # the moves the students' pages painted, and those that waited for their model (a mirror set): no request
        for label, count in (("in page", r["in_page"]), ("held", r.get("held", 0))):
            if count:
                lines.append(f"{r['label']:<14}{label:<14}{count:>9}{count / r['seconds']:>8.1f}")
    return "\n".join(lines)


def per_core(results: list[dict], server_cores: int) -> str:
    """Per server core, for each room: previews painted per second by the students' pages (``in page/s``, no
    request) and by the route, requests answered per second by path (``frames/s``: the GAN lab's; ``setup/s``: the
    in-page previews' ``/onnx/inputs`` and files), the server's CPU use, its peak RSS."""
    lines = [
        f"per server core ({server_cores} core(s)):",
        f"{'room':<14}{'in page/s':>10}{'route/s':>9}{'events/s':>10}{'opens/s':>9}{'frames/s':>10}{'setup/s':>9}"
        f"{'CPU':>6}{'RSS MB':>8}{'errors':>8}",
    ]
    for r in results[1:]:
        rate = {
            p: len(r["latencies"][p]) / (r["opened"] if p == "page open" else r["seconds"]) / server_cores
            for p in PATHS
        }
        errors = sum(len(e) for e in r["errors"].values())
        lines.append(
            f"{r['label']:<14}{r['in_page'] / r['seconds']:>10.1f}{rate['preview route']:>9.1f}"
            f"{rate['Gradio event']:>10.1f}{rate['page open']:>9.1f}{rate['lab frame']:>10.1f}"
            f"{rate['onnx inputs'] + rate['onnx files']:>9.1f}"
            f"{r['cpu'] / server_cores:>6.2f}{r['rss_peak']:>8.0f}{errors:>8}"
        )
    return "\n".join(lines)


def lab_table(results: list[dict]) -> str:
    """The GAN lab's players, per room: frames/s each (what the page's rate readout shows), a frame's round trip, the
    pace the server's budget named and the labs it counted; then what the players cost the other students (the same
    room with the players idle, then playing)."""
    lines = [
        "the GAN lab's Play (one frame at a time, paced by the server's frame budget):",
        f"{'room':<14}{'frames/s each: mean':>20}{'min':>6}{'max':>6}{'frame p50 ms':>14}{'p95 ms':>8}"
        f"{'pace ms':>9}{'labs counted':>14}",
    ]
    for r in results:
        if not r["players"]:
            continue
        each = [n / r["seconds"] for n in r["frames"]]
        values = r["latencies"]["lab frame"]
        pace = statistics.mean(p["interval_ms"] for p in r["paces"]) if r["paces"] else float("nan")
        counted = max((p["players"] for p in r["paces"]), default=0)
        lines.append(
            f"{r['label']:<14}{statistics.mean(each):>20.2f}{min(each):>6.2f}{max(each):>6.2f}"
            f"{statistics.median(values) if values else float('nan'):>14.1f}{percentile(values, 0.95):>8.1f}"
            f"{pace:>9.0f}{counted:>14}"
        )
    idle = {r["students"]: r for r in results if r["label"].endswith("idle")}
    for r in results:
        before = idle.get(r["students"])
        if not r["players"] or before is None:
            continue
        change = []
        for path in ("preview route", "Gradio event"):
            p95 = [percentile(room["latencies"][path], 0.95) for room in (before, r)]
            rate = [len(room["latencies"][path]) / room["seconds"] for room in (before, r)]
            change.append(f"{path} p95 {p95[0]:.0f} → {p95[1]:.0f} ms ({rate[0]:.0f} → {rate[1]:.0f}/s)")
        cpu = f"server CPU {before['cpu']:.2f} → {r['cpu']:.2f}"
        lines.append(f"{r['students']} students, {r['players']} playing: the others' {'; '.join(change)}; {cpu}")
    return "\n".join(lines)


VARIANTS = {"off": None, "on, 1 worker": 1, "on, 2 workers": 2}  # batching: BatchQueue(workers=…) or none


def renders(threads: int, seconds: float, rounds: int = 3) -> None:
    """Batching against none, in process, without HTTP: ``threads`` users render distinct previews (cache off).

    The variants take turns (``rounds`` times ``seconds`` each), so that a machine shared with other work
    slows them alike; the table gives the median over rounds of each round's throughput and percentiles."""
    sys.path.insert(0, str(ROOT))
    import app
    from explorer.batching import BatchQueue
    from explorer.zoo import Zoo

    demo = app.build_app(Zoo(device="cpu"))
    previews = demo.previews
    previews.cache = None
    targets = page_targets(demo.get_config_file())

    def measure(name: str, target: Target) -> tuple[float, list[float]]:
        times: list[float] = []
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def user(i: int) -> None:
            inputs, k = list(target.inputs), 0
            while time.monotonic() < deadline:
                k += 1
                if target.moving is None:
                    args = [*inputs, (7 * i + k) % 400, (3 * k) % 400]
                else:
                    inputs[target.seeds[0]] = 1000 * i + k  # every render its own latent
                    args = inputs
                clock = time.perf_counter()
                previews.render_png(name, list(args))
                with lock:
                    times.append(1000 * (time.perf_counter() - clock))

        pool = [threading.Thread(target=user, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return len(times) / seconds, times

    print(f"{threads} threads, distinct inputs, no cache, torch threads {torch_threads()}; {rounds} × {seconds:.0f} s")
    print(f"{'preview':<20}{'batching':<16}{'renders/s':>10}{'p50 ms':>8}{'p95 ms':>8}{'mean batch':>12}")
    for name in ("interpolate_frame", "direction_edit", "vae_decode"):
        target = targets[name]
        previews.render_png(name, [*target.inputs, 1, 1] if target.moving is None else list(target.inputs))
        rows: dict[str, list[tuple[float, float, float, float]]] = {label: [] for label in VARIANTS}
        for _ in range(rounds):
            for label, workers in VARIANTS.items():
                previews.queue = BatchQueue(workers=workers) if workers else None
                rate, times = measure(name, target)
                mean = previews.queue.inputs / max(1, previews.queue.batches) if workers else 1.0
                rows[label].append((rate, statistics.median(times), percentile(times, 0.95), mean))
        for label, values in rows.items():
            rate, p50, p95, mean = (statistics.median(column) for column in zip(*values, strict=True))
            print(f"{name:<20}{label:<16}{rate:>10.1f}{p50:>8.1f}{p95:>8.1f}{mean:>12.1f}", flush=True)


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[50, 100, 200], help="room sizes, in order")
    parser.add_argument("--seconds", type=float, default=40.0, help="seconds per room size")
    parser.add_argument("--reference-seconds", type=float, default=20.0, help="seconds of the single student")
    parser.add_argument("--quick", action="store_true", help="10 students for 20 s (a smoke check)")
    parser.add_argument("--port", type=int, default=7897)
    parser.add_argument("--renders", type=int, metavar="THREADS", help="only compare batching against none, in process")
    parser.add_argument("--server-cores", metavar="CPUS", help="pin the app to these CPUs, e.g. 0 or 0-1 (taskset -c)")
    parser.add_argument("--client-cores", metavar="CPUS", help="pin the simulated students to these CPUs, e.g. 1")
    parser.add_argument(
        "--lab-share", type=float, default=0.0, metavar="S", help="share of each room playing the GAN lab, e.g. 0.2"
    )
    parser.add_argument(
        "--previews",
        choices=("in-page", "route"),
        default="in-page",
        help="who paints a move: the student's page (ONNX Runtime Web, the app's default) or the preview route",
    )
    parser.add_argument(
        "--mirror",
        action="store_true",
        help="serve the model files and the runtime's WebAssembly from a static host on the students' cores "
        "(LATENT_EXPLORER_FILES_URL), as a CDN would, instead of from the app",
    )
    args = parser.parse_args()
    try:
        server_cores, client_cores = cores(args.server_cores), cores(args.client_cores)
    except ValueError as error:
        parser.error(str(error))
    if client_cores is not None:
        os.sched_setaffinity(0, client_cores)  # this process: the students' threads
    if args.renders:
        renders(min(args.renders, 64), min(args.seconds, 60.0))
        return
    if args.quick:
        args.students, args.seconds, args.reference_seconds = [10], 20.0, 10.0
    if any(not 1 <= n <= 500 for n in args.students) or not 1 <= args.seconds <= 600:
        parser.error("students must be 1–500 and seconds 1–600")
    if not 0 <= args.lab_share <= 1:
        parser.error("--lab-share is a share of the room, 0 to 1")

    mirror = start_mirror(args.port + 1) if args.mirror else None  # on the students' cores (set above)
    global MIRRORED_AT_LOAD
    MIRRORED_AT_LOAD = mirror is not None
    env = {"LATENT_EXPLORER_FILES_URL": f"http://127.0.0.1:{args.port + 1}"} if mirror else None
    try:
        server = serve(args.port, UNCHECKED, server_cores, env)  # the app, answering
    except BaseException:
        if mirror is not None:
            stop_mirror(mirror)
        raise
    try:
        config = config_of(args.port)
        targets = page_targets(config)
        runtime = None
        if args.previews == "in-page":  # the runtime's folder, from the page's options (explorer/ui/previews.py)
            found = re.search(r"onnx/runtime/[^/\"\\]+/", json.dumps(config))
            if found is None:
                raise RuntimeError("the page names no ONNX Runtime Web: no in-page previews to measure")
            runtime = found.group(0)
        warm = Student(0, args.port, targets, lambda *a: None, time.monotonic() + 60)
        for name, target in targets.items():  # first renders (model loads, SeFa) are not the room's
            if name == "open":
                continue
            inputs = list(target.inputs)
            if target.moving is None:  # a click: the last input is the page's pixel
                warm.preview(target, [*inputs[:-1], 1, 1])
                inputs = [*inputs[:-1], [1, 1]]
            else:
                warm.preview(target, inputs)
            warm.event(target, inputs, {"index": [1, 1], "value": None, "selected": True})
        results = [phase(args.port, server.pid, targets, 1, args.reference_seconds, runtime=runtime)]
        print(f"1 student: {table(results).splitlines()[2]}", flush=True)
        if args.lab_share:  # student 0 alone, playing the lab: the single-user pace
            lone = (args.port, server.pid, targets, 1, args.reference_seconds, 1, 1)
            results.append(phase(*lone, lab=True, runtime=runtime))
            print(f"1 player: {table(results[1:]).splitlines()[2]}", flush=True)
        seated = 1  # student 0 opened the page in the reference phase
        for students in args.students:
            players = round(args.lab_share * students)
            room = (args.port, server.pid, targets, students, args.seconds)
            if players < students:  # the room scrubbing, its players (if any) idle
                salt = len(results) if players else 0  # without the lab, rooms replay their seeds as they always did
                results.append(phase(*room, min(seated, students), players, salt=salt, runtime=runtime))
                seated = max(seated, students)
            if players:  # the same room, its players now playing (a room of players only: at once)
                results.append(
                    phase(*room, min(seated, students), players, lab=True, salt=len(results), runtime=runtime)
                )
                seated = max(seated, students)
            print(f"{students} students done", flush=True)
    finally:
        if server.poll() is not None:
            print(f"the app exited with {server.returncode}: {errors(server)}", file=sys.stderr)
        stop(server)
        if mirror is not None:
            stop_mirror(mirror)
    settings = {k: v for k, v in os.environ.items() if k.startswith("LATENT_EXPLORER_PREVIEW")}
    placed = (
        f"the app on CPU {sorted(server_cores)} and the students on CPU {sorted(client_cores)}"
        if server_cores is not None and client_cores is not None
        else "app and students sharing the machine's cores"
    )
    print(
        f"\nA lecture hall on one app: {os.cpu_count()} CPU cores, {placed}, "
        f"{args.seconds:.0f} s per room ({args.reference_seconds:.0f} s for 1 student), moves painted by "
        + ("the students' pages (in-page previews)" if args.previews == "in-page" else "the preview route")
        + (f"; server settings {settings}" if settings else "")
        + (
            "; the model files and the runtime's WebAssembly from a static host on the students' cores (--mirror), "
            "a setting's moves waiting up to 5 s for its model"
            if mirror
            else ""
        )
    )
    print(table(results))
    if server_cores is not None:
        print(per_core(results, len(server_cores)))
    if args.lab_share:
        print(lab_table(results))
    for r in results:
        for path, found in r["errors"].items():
            if found:
                print(f"{r['label']} students, {path}: {len(found)} errors, e.g. {found[0]}")
        print(f"{r['label']} students: load average {r['load']:.1f} at the end (other work on the machine)")
        if r["stragglers"]:
            print(f"{r['label']} students: {r['stragglers']} still running at the end")
        if r["downloading"]:
            print(f"{r['label']} students: {r['downloading']} settings still downloading {TIMEOUT:.0f} s after the end")


if __name__ == "__main__":
    main()
