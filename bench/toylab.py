"""GAN lab frame time: one training step plus one rendered frame at default sizes, views hidden and all shown.

    python bench/toylab.py

Default sizes: 512 points, 64×64 discriminator heat map, arrows on; the frame includes building the
plotly figures and serialising them to JSON (what Gradio sends). "hidden": the lab as it opens (no
D* overlay, no views). "all shown": the D* overlay and every view (true-length arrows, V(G, D*) measured
at the step, as the tab does once a frame, z-grid, the Lipschitz panel and, with spectral normalisation on
D, its σ table, and the f-divergence table, which reuses the step's density grids).
Goals on 2 CPU cores: p95 ≤ 50 ms hidden, ≤ 80 ms all shown. Another process on the cores makes the
numbers noisy: run it twice.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: app.py, explorer/


import statistics
import time

import torch

from explorer.ui.tabs.toylab.figures import (
    divergence_table,
    history_figure,
    lipschitz_figure,
    plane_figure,
    spectral_table,
)
from explorer.ui.tabs.toylab.presets import VIEWS
from trainers.toy2d import ToyLab, ToyLabConfig

GOALS_MS = {"hidden": 50, "all shown": 80}


def frame(lab: ToyLab, shown: bool) -> None:
    """One rendered frame, as the tab draws it."""
    views = dict.fromkeys(VIEWS, shown)
    plane_figure(lab, True, shown, views=views).to_json()
    history_figure(lab, views=views).to_json()
    if shown:
        lipschitz_figure(lab).to_json()
        spectral_table(lab)
        divergence_table(lab)


def main(frames: int = 100) -> None:
    torch.set_num_threads(1)  # 64-wide MLPs: a second thread only adds barriers (tests/test_toylab.py)
    for loss in ("non-saturating", "wgan", "wgan-gp"):
        for panels in GOALS_MS:
            shown = panels == "all shown"
            lab = ToyLab(ToyLabConfig(loss=loss, spectral_norm=shown))
            lab.measure_value = shown
            for _ in range(20):  # warm-up
                lab.step()
                frame(lab, shown)
            step_ms, frame_ms = [], []
            for _ in range(frames):
                t0 = time.perf_counter()
                lab.step()
                t1 = time.perf_counter()
                frame(lab, shown)
                t2 = time.perf_counter()
                step_ms.append(1000 * (t1 - t0))
                frame_ms.append(1000 * (t2 - t0))
            p95 = statistics.quantiles(frame_ms, n=20)[18]
            print(
                f"{loss:15s} {panels:10s} step {statistics.median(step_ms):6.1f} ms   "
                f"step+frame p50 {statistics.median(frame_ms):6.1f} ms   p95 {p95:6.1f} ms   "
                f"(goal ≤ {GOALS_MS[panels]} ms)"
            )


if __name__ == "__main__":
    main()
