"""Directions and inversion: how long SeFa, GANSpace, a classifier boundary, one edit and one inversion take.

    python bench/directions.py [--steps 300]

Goals (issue 20): SeFa instant; GANSpace with N = 10 000 samples under 20 s (then cached per weights); inversion
of one 64² image, 300 steps, under 30 s on 2 cores. A slider move's render (``render_edit``) is compared with the
interpolation slider's render of the same model in the same run (the browser round trip is in bench/latency.py).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer import directions as dirs  # noqa: E402
from explorer import inversion  # noqa: E402
from explorer.ui.tabs import interpolation  # noqa: E402
from explorer.ui.tabs.directions import edits  # noqa: E402
from explorer.zoo import Zoo  # noqa: E402


def timed(fn, repeats: int = 1) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--moves", type=int, default=40)
    args = parser.parse_args()
    zoo = Zoo(device="cpu")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("| what | model | time |\n|---|---|---|")
    for name in ("dcgan-digiface-64", "dcgan-fashion-mnist", "stylegan-fashion-mnist"):
        model = zoo.load(name)
        dirs.sefa(model)  # warm-up (first linear-algebra call of the process)
        print(f"| SeFa, 10 directions | {name} | {timed(lambda m=model: dirs.sefa(m), 5) * 1000:.0f} ms |")
    for name in ("dcgan-digiface-64", "stylegan-fashion-mnist"):
        model = zoo.load(name)
        print(f"| GANSpace, N = 10 000 | {name} | {timed(lambda m=model: dirs.ganspace(m, 10_000, 10)):.1f} s |")
    model, classifier = zoo.load("dcgan-fashion-mnist"), zoo.load("classifier-fashion-mnist")
    seconds = timed(lambda: dirs.classifier_direction(model, classifier, 1, n=2000))
    print(f"| classifier boundary, 2 000 samples | dcgan-fashion-mnist | {seconds:.1f} s |")
    settings = ["dcgan-digiface-64", "SeFa (closed form)", "Trouser", "none", "all rows", "", ""]
    edits.render_edit(zoo, *settings, "0 · SeFa 0", 0.0, 0, "")
    edit_ms = [
        timed(lambda a=a: edits.render_edit(zoo, *settings, "0 · SeFa 0", a, 0, "")) * 1000
        for a in torch.linspace(-3, 3, args.moves).tolist()
    ]
    frame_ms = [
        timed(lambda t=t: interpolation.render_frame(zoo, "dcgan-digiface-64", 0, 1, t, "spherical (slerp)")) * 1000
        for t in torch.linspace(0, 1, args.moves).tolist()
    ]
    for label, values in (("α slider render (render_edit)", edit_ms), ("t slider render (interpolation)", frame_ms)):
        p95 = sorted(values)[int(0.95 * (len(values) - 1))]
        print(f"| {label}, p50 / p95 | dcgan-digiface-64 | {statistics.median(values):.1f} / {p95:.1f} ms |")
    faces = zoo.load("dcgan-digiface-64")
    with torch.no_grad():
        target = faces.generate(faces.sample_latent(1, 777))
    start = time.perf_counter()
    final = list(inversion.invert(faces, target, steps=args.steps, every=args.steps))[-1]
    seconds = time.perf_counter() - start
    print(f"| inversion, {args.steps} steps (RMSE {final.rmse:.3f}) | dcgan-digiface-64 | {seconds:.1f} s |")


if __name__ == "__main__":
    main()
