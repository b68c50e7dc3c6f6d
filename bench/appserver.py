"""The app in a process of its own, for the benchmarks: start it, wait until it answers, stop it; and its cold start.

    python bench/appserver.py                       # the cold start, 3 runs: python app.py → first image served
    python bench/appserver.py --runs 3 --cores 0    # the same on CPU 0 alone (as ``taskset -c 0``)

``bench/classroom.py``, ``bench/pageopen.py`` and ``bench/latency.py`` start the app through ``start`` (its own
interpreter: the load generator's threads do not share its GIL, and its CPU time and RSS are read from /proc).
The cold start is the wall time from ``python app.py`` to the first image of its page served (the image named in
``/config``, the first tab's first view), with the server's CPU seconds by then: CPU time, unlike wall time, stays
comparable on a machine other work shares.
"""

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The app as ``python app.py`` runs it, without Gradio's check at launch (a HEAD of the page that must answer within
# 3 s, else the app exits: on a loaded machine it does); for the benchmarks that load the app, not its start
UNCHECKED = "import app\napp.launch(app.build_app(), server_name='127.0.0.1', server_port={port}, _frontend=False)"
IMAGE = re.compile(r'"url":\s*"(http[^"]+\.(?:png|webp|jpeg))"')  # a picture's file in the page's config


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def start(port: int, code: str | None = None, on: set[int] | None = None, env: dict | None = None) -> subprocess.Popen:
    """``python app.py`` on 127.0.0.1:``port`` (or ``python -c code``, ``{port}`` filled in), not waited for.

    ``on``: the CPUs it may run on (``os.sched_setaffinity`` in the child, as ``taskset -c`` does), its OpenMP threads
    as many. A port another program listens on is refused (a benchmark would measure that program)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is taken by another program: pick another")
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    env |= {"GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port)}
    if on is not None:
        env |= {"OMP_NUM_THREADS": str(len(on)), "MKL_NUM_THREADS": str(len(on))}
    command = [sys.executable, "app.py"] if code is None else [sys.executable, "-c", code.format(port=port)]
    log = tempfile.TemporaryFile()  # its stderr: a file, not a pipe (a full pipe nobody reads would stall the app)
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        preexec_fn=(lambda: os.sched_setaffinity(0, on)) if on is not None else None,
    )
    process.log = log
    return process


def config_text(port: int, timeout: float = 5.0) -> str | None:
    """The app's ``/config`` (None while it does not answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/config")
        response = connection.getresponse()
        body = response.read()
        return body.decode() if response.status == 200 else None
    except OSError:
        return None
    finally:
        connection.close()


def wait(process: subprocess.Popen, port: int, seconds: float = 300.0, poll: float = 0.25) -> str:
    """Wait until the app answers ``/config``; returns it. Raises (and stops the app) when it exits or stays silent."""
    clock = time.monotonic()
    while time.monotonic() - clock < seconds:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited: {errors(process)}")
        config = config_text(port)
        if config is not None:
            return config
        time.sleep(poll)
    stop(process)
    raise RuntimeError(f"the app did not answer within {seconds:.0f} s")


def launched(process: subprocess.Popen, port: int) -> None:
    """Wait until Gradio's ``launch`` is past its own check: it HEADs ``/`` (the page, built per request) and exits
    when that takes over 3 s, as it does on a loaded machine; a HEAD of ours, sent later, answers after it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("HEAD", "/")
        connection.getresponse().read()
    except OSError:
        pass
    finally:
        connection.close()
    time.sleep(1.0)
    if process.poll() is not None:
        raise RuntimeError(f"the app exited: {errors(process)}")


def errors(process: subprocess.Popen, characters: int = 3000) -> str:
    """The end of what the app wrote to stderr so far (a traceback when it died)."""
    process.log.seek(0)
    return process.log.read().decode(errors="replace")[-characters:]


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(30)


def serve(port: int, code: str | None = None, on: set[int] | None = None, env: dict | None = None) -> subprocess.Popen:
    """``start``, ``wait`` and ``launched``: the app, answering. Started again (3 tries) when Gradio's own check at
    launch gave up on a loaded machine ("localhost is not accessible")."""
    for attempt in range(3):
        process = start(port, code, on, env)
        try:
            wait(process, port)
            launched(process, port)
            return process
        except RuntimeError as error:
            stop(process)
            if "localhost is not accessible" not in str(error) or attempt == 2:
                raise
            print("the app gave up at Gradio's launch check (a loaded machine): starting it again", file=sys.stderr)
    raise AssertionError("unreachable")


def cold_start(port: int, on: set[int] | None = None) -> tuple[float, float, float]:
    """``python app.py`` → (s until ``/config`` answers, s until the first image in it is served, server CPU s then)."""
    clock = time.perf_counter()
    process = start(port, on=on)
    try:
        config = wait(process, port, poll=0.05)
        answered = time.perf_counter() - clock
        match = IMAGE.search(config)
        if match is None:
            raise RuntimeError("the page's config names no image")
        urllib.request.urlopen(match.group(1).replace("localhost", "127.0.0.1"), timeout=30).read()
        return answered, time.perf_counter() - clock, cpu_seconds(process.pid)
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description="the cold start: python app.py → first image served")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cores", help="the CPUs the app may use, e.g. 0 (as taskset -c)")
    parser.add_argument("--port", type=int, default=7896)
    args = parser.parse_args()
    if not 1 <= args.runs <= 20:
        parser.error("runs must be 1–20")
    on = {int(c) for c in args.cores.split(",")} if args.cores else None
    runs = []
    for _ in range(args.runs):
        runs.append(cold_start(args.port, on))
        answered, served, cpu = runs[-1]
        print(f"page answered after {answered:.2f} s, first image after {served:.2f} s, server CPU {cpu:.2f} s")
    served, cpu = statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs)
    where = f"CPU {sorted(on)}" if on else f"{os.cpu_count()} cores"
    print(
        f"median of {args.runs}: first image after {served:.2f} s, {cpu:.2f} s of server CPU ({where}; load average "
        f"{os.getloadavg()[0]:.1f}: other work on the machine stretches the wall time, much less the CPU time)"
    )


if __name__ == "__main__":
    main()
