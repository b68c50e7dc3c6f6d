"""The server's part of opening a recorded run in the Training tab (Show, Recorded comparison), per run.

    nice -n 10 python bench/recorded.py

For each of the lecture's recorded runs (``checkpoints/runs/``): the CPU time of ``views.show_run`` the first time a
run is drawn and again (``views.DRAWN`` keeps it), and the bytes the page receives (the four figures' JSON, the
sample grid as Gradio's PNG); then each recorded comparison's ``open_comparison``. CPU time, not wall time: on a
shared machine the wall clock is mostly waiting. The browser's part (the reply applied, four Plotly plots drawn) is
tests/e2e/test_training_recorded_browser.py's.
"""

import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

from explorer.ui.tabs.training import compare, recorded, views  # noqa: E402
from trainers.job import TrainingJob  # noqa: E402


def cpu_ms(fn) -> tuple[float, object]:
    started = time.process_time()
    result = fn()
    return 1000 * (time.process_time() - started), result


def main() -> None:
    job = TrainingJob()
    keys = [key for key in recorded.catalogue(job) if key.startswith(recorded.RECORDED_PREFIX)]
    first, again = [], []
    print(f"{'run':34} {'first ms':>9} {'again ms':>9} {'figures kB':>11} {'grid kB':>8}")
    for key in keys:
        ms, out = cpu_ms(lambda key=key: views.show_run(job, key))
        ms_again, _ = cpu_ms(lambda key=key: views.show_run(job, key))
        figures = sum(len(f.to_json()) for f in out[2:6]) / 1000
        png = io.BytesIO()
        if out[6] is not None:
            out[6].save(png, "png")
        first.append(ms)
        again.append(ms_again)
        print(f"{key:34} {ms:9.1f} {ms_again:9.2f} {figures:11.1f} {len(png.getvalue()) / 1000:8.1f}")
    print(f"median: first {statistics.median(first):.1f} ms, again {statistics.median(again):.2f} ms of CPU")
    for key in recorded.comparisons():
        ms, _ = cpu_ms(lambda key=key: compare.open_comparison(job, key))
        print(f"comparison {key:12} {ms:7.1f} ms")


if __name__ == "__main__":
    main()
