"""GAN lab frame time: one training step plus one rendered frame at default sizes.

    python bench/toylab.py

Default sizes: 512 points, 64×64 discriminator heat map, arrows on; the frame includes building the
plotly figure and serialising it to JSON (what Gradio sends). Goal: ≤ 50 ms on 2 CPU cores.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: app.py, explorer/


import statistics
import time

import torch

from explorer.ui.toylab import history_figure, plane_figure
from trainers.toy2d import ToyLab, ToyLabConfig


def main(frames: int = 100) -> None:
    torch.set_num_threads(2)
    for loss in ("non-saturating", "wgan-gp"):
        lab = ToyLab(ToyLabConfig(loss=loss))
        for _ in range(20):  # warm-up
            lab.step()
            plane_figure(lab).to_json()
        step_ms, frame_ms = [], []
        for _ in range(frames):
            t0 = time.perf_counter()
            lab.step()
            t1 = time.perf_counter()
            plane_figure(lab).to_json()
            history_figure(lab).to_json()
            t2 = time.perf_counter()
            step_ms.append(1000 * (t1 - t0))
            frame_ms.append(1000 * (t2 - t0))
        p95 = statistics.quantiles(frame_ms, n=20)[18]
        print(
            f"{loss:15s} step {statistics.median(step_ms):6.1f} ms   "
            f"step+frame p50 {statistics.median(frame_ms):6.1f} ms   p95 {p95:6.1f} ms   (goal ≤ 50 ms)"
        )


if __name__ == "__main__":
    main()
