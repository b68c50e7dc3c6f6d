"""python -m explorer.ready: what each view needs, whether it is here; non-zero without the Fashion-MNIST files."""

import subprocess
import sys
from pathlib import Path

from explorer import ready
from explorer.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def run(env_extra: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "explorer.ready"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_without_the_data_it_lists_the_views_that_need_it_and_fails(tmp_path):
    done = run({"LATENT_EXPLORER_SYSTEM_DATA": str(tmp_path / "none"), "LATENT_EXPLORER_DATA": str(tmp_path)}, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "MISS Fashion-MNIST files" in done.stdout
    for view in ready.FASHION_MNIST_VIEWS:
        assert f"needed by: {view}" in done.stdout
    assert "apt-get install dataset-fashion-mnist" in done.stdout


def test_with_the_data_installed_it_is_ready(tmp_path):
    assert (Settings().system_data / "fashion-mnist").is_dir(), "Debian's dataset-fashion-mnist (.ci/run installs it)"
    done = run({"LATENT_EXPLORER_DATA": str(tmp_path)}, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   Fashion-MNIST files" in done.stdout and "ready for class" in done.stdout


def test_the_table_marks_what_is_missing():
    rows, ok = ready.report(ready.needs(Settings(system_data=Path("/nonexistent"), data_cache=Path("/nonexistent"))))
    assert not ok
    table = ready.report_markdown(rows)
    assert "| Fashion-MNIST files | ❌" in table and "| the committed checkpoints | ✅" in table


def test_the_apps_panel_shows_the_same_table(default_zoo):
    import app

    demo = app.build_app(default_zoo)
    check = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "ready-check")
    fn = next(f for f in demo.fns.values() if any(t[0] == check._id for t in f.targets))
    table = fn.fn()
    assert "| Fashion-MNIST files | ✅" in table and "--fetch" in table
