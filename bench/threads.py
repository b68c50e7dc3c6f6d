"""Torch's intra-op threads under concurrent requests: one thread a request against torch's default of one per core.

    python bench/threads.py                  # the 64² faces DCGAN, 1 and 4 concurrent requests, 2 rounds: ~1 min
    python bench/threads.py --workers 1 8 --seconds 8

Each of ``workers`` threads renders one image (a forward pass at batch 1, as a preview or a release event does) in a
loop for ``seconds``, with torch on 1 intra-op thread (the app's default on a CPU, ``LATENT_EXPLORER_TORCH_THREADS``)
or on one a core; the variants take turns, so that other work on the machine slows them alike. Printed: renders per
second and the process's CPU milliseconds per render (CPU time: the threads spinning at each other's barriers count).
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(generate, threads: int, workers: int, seconds: float) -> tuple[float, float]:
    """(renders per second, CPU ms per render) for ``workers`` concurrent loops on ``threads`` intra-op threads."""
    import torch

    torch.set_num_threads(threads)  # read by each new thread on its first operation
    count, lock, deadline = [0], threading.Lock(), time.monotonic() + seconds

    def loop() -> None:
        with torch.inference_mode():
            while time.monotonic() < deadline:
                generate()
                with lock:
                    count[0] += 1

    cpu, clock = time.process_time(), time.perf_counter()
    pool = [threading.Thread(target=loop) for _ in range(workers)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return count[0] / (time.perf_counter() - clock), 1000 * (time.process_time() - cpu) / max(1, count[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="dcgan-digiface-64")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4], help="concurrent requests")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not all(1 <= w <= 64 for w in args.workers) or not 1 <= args.seconds <= 60 or not 1 <= args.rounds <= 10:
        parser.error("workers 1–64, seconds 1–60, rounds 1–10")

    import torch

    from explorer.zoo import load

    model = load(args.model, device="cpu")
    z = model.sample_latent(1, 0)
    with torch.inference_mode():
        model.generate(z)  # first call's allocations are not the loop's
    cores = os.cpu_count() or 1
    print(f"{args.model}, batch 1, {cores} cores, torch threads 1 against {cores}, {args.seconds:.0f} s each")
    print(f"{'round':<7}{'workers':>8}{'threads':>8}{'renders/s':>11}{'CPU ms each':>13}{'load':>6}")
    for round_ in range(args.rounds):
        for workers in args.workers:
            for threads in (cores, 1):
                rate, cpu = measure(lambda: model.generate(z), threads, workers, args.seconds)
                load = os.getloadavg()[0]
                print(f"{round_:<7}{workers:>8}{threads:>8}{rate:>11.1f}{cpu:>13.1f}{load:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
