"""Recorded runs: a run's history saved beside it (``trainers.record``) comes back as the same history, drawn by the
same figures; the CLI's ``--record`` writes one; the lecture's recorded runs (``checkpoints/runs/``) open in the
Training tab's plots and Compare runs at once, within their size budget, each with the command that records it."""

import json
import time

import gradio as gr
import pytest
import torch

from explorer import images
from explorer.resources import CHECKPOINTS
from explorer.ui.tabs import training
from explorer.ui.tabs.training import recorded
from trainers import record
from trainers.__main__ import main as cli
from trainers.events import Evaluated, Finished, Samples, Started, Step
from trainers.job import History, RunSpec, TrainingJob

RUNS = CHECKPOINTS / "runs"
BUDGET = 1_500_000  # bytes for every recorded run together (checkpoints/ stays under its 60 MB)


def float32(values) -> list[float]:
    """Numbers a float32 holds exactly: what a run's metrics are (tensor ``.item()``s)."""
    return torch.as_tensor(values).float().tolist()


def lived(loss: str = "wgan-gp", steps: int = 30) -> History:
    """A history made the way the live one is: events recorded one by one."""
    h = History(spec=RunSpec(loss=loss, steps=steps), status="running")
    h.record(Started(0, steps, 100, "cpu"))
    g = torch.Generator().manual_seed(0)
    for step in range(1, steps + 1):
        m = float32(torch.randn(5, generator=g))
        metrics = dict(d_loss=m[0], g_loss=m[1], d_real=m[2], d_fake=m[3], wasserstein=m[4])
        h.record(Step(step, 0, metrics, 100.0))
        if step % 5 == 0:
            h.record(Samples(step, torch.rand(16, 1, 8, 8, generator=g) * 2 - 1))
        if step % 10 == 0:
            h.record(Evaluated(step, 100.0 / step, "Fashion-MNIST classifier features", [3] * 10, ("a",) * 10, 30, 0.1))
    h.record(Finished(steps, "somewhere"))
    return h


def figure_data(h: History) -> list:
    return [figure.to_dict()["data"] for figure in training.views.figures(h)]


def test_a_saved_history_loads_as_the_same_history_and_draws_the_same_figures(tmp_path):
    h = lived()
    folder = record.save_history(h, tmp_path / "rec", title="a run", command="python -m trainers …", grids=4, images=8)
    r = record.load_history(folder)
    back = r.history
    assert (r.title, r.command, back.status, back.spec) == ("a run", "python -m trainers …", "finished", h.spec)
    assert back.steps == h.steps and back.metrics == h.metrics and back.evaluations == h.evaluations
    assert figure_data(back) == figure_data(h)
    kept = [step for step, _ in back.grids]
    assert kept == [5, 15, 20, 30]  # the first, the last, evenly spaced between
    for step, grid in back.grids:
        original = dict(h.grids)[step][:8]
        assert grid.shape == original.shape
        shown, again = images.to_uint8(original), images.to_uint8(grid)
        assert (shown == again).all()  # the pixels the grid shows, exactly
    assert not list(tmp_path.glob("*.tmp"))  # written whole, nothing left beside it


def test_a_folder_without_a_record_is_one_line_and_not_offered(tmp_path, monkeypatch):
    with pytest.raises(record.RecordError, match="no readable run record"):
        record.load_history(tmp_path)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "history.json").write_text("{")
    record.save_history(lived(), tmp_path / "whole")
    monkeypatch.setattr(recorded, "RECORDED", tmp_path)
    assert [run.key for run in recorded.recorded_runs()] == ["recorded/whole"]
    with pytest.raises(ValueError, match="≥ 2 grids"):
        record.save_history(lived(), tmp_path / "x", grids=1)


@pytest.mark.slow  # a 4-step run of the CLI: about 10 s on 2 busy cores
def test_the_cli_records_a_run_the_tab_opens(tmp_path, monkeypatch):
    argv = "dcgan --steps 4 --batch-size 16 --g-width 8 --d-width 8 --fid-samples 0 --sample-every 2 --eval-every 4"
    argv += " --eval-samples 100 --d-spectral-norm --record-grids 2 --record-images 4 --title tiny"
    status = cli([*argv.split(), "--out", str(tmp_path / "ckpt"), "--record", str(tmp_path / "runs" / "tiny")])
    assert status == 0
    r = record.load_history(tmp_path / "runs" / "tiny")
    h = r.history
    assert h.status == "finished" and h.steps == [1, 2, 3, 4] and [e.step for e in h.evaluations] == [4]
    assert h.spec.d_spectral_norm and h.spec.d_norm == "" and h.spec.steps == 4 and h.spec.batch_size == 16
    assert [s for s, _ in h.grids] == [2, 4] and h.grids[0][1].shape == (4, 1, 32, 32)
    assert r.command.startswith("python -m trainers dcgan --steps 4") and r.cpu_seconds > 0
    monkeypatch.setattr(recorded, "RECORDED", tmp_path / "runs")
    job = TrainingJob(runs=tmp_path / "none")
    drawn = training.views.show_run(job, "recorded/tiny")
    assert [f.to_dict()["data"] for f in drawn[2:6]] == figure_data(h)


def test_every_committed_record_loads_within_the_budget_with_its_command_in_the_readme():
    runs = sorted(p.parent for p in RUNS.glob("*/history.json"))
    assert len(runs) >= 11
    size = sum(f.stat().st_size for f in RUNS.rglob("*") if f.is_file())
    assert size <= BUDGET, f"checkpoints/runs holds {size:,} bytes"
    readme = (RUNS / "README.md").read_text()
    for folder in runs:
        r = record.load_history(folder)
        assert r.history.status == "finished" and r.history.steps and r.history.evaluations and r.history.grids
        assert r.command in readme and f"--record checkpoints/runs/{folder.name}" in r.command
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{folder.name}` |")), "")
        assert f"| {r.cpu_seconds:.0f} s |" in row, f"{folder.name}: the README's table lacks its CPU time"
    for key, comparison in recorded.comparisons().items():
        assert all((RUNS / name / "history.json").is_file() for name in comparison["runs"]), key


@pytest.fixture
def job(tmp_path):
    return TrainingJob(runs=tmp_path / "runs")


def test_a_recorded_comparison_opens_at_once_in_compare_runs(job):
    recorded.choices(job)  # what the tab's build does: every record read once, kept while its file is unchanged
    started = time.process_time()  # the handler's own work: wall time on 2 shared cores is mostly waiting
    pick, losses, fid, grids = training.compare.open_comparison(job, "losses")
    seconds = time.process_time() - started
    assert seconds < 1.0, f"the six losses took {seconds:.2f} s of CPU to open"
    assert pick.value == [f"recorded/dcgan-{loss}" for loss in json_runs("losses")]
    assert len(losses.data) == 12 and len(fid.data) == 6  # G and D of each, one FID curve each
    assert grids.width > 5 * 100
    with pytest.raises(gr.Error, match="no recorded comparison"):
        training.compare.open_comparison(job, "nonsense")


def json_runs(key: str) -> list[str]:
    names = json.loads((RUNS / "comparisons.json").read_text())[key]["runs"]
    return [name.removeprefix("dcgan-") for name in names]


def test_a_recorded_run_opens_in_the_plots_as_a_live_one_and_the_poll_leaves_it(job):
    key = "recorded/progan-32"
    version, status, losses, outputs, fid, histogram, grid, slider, stop = training.views.show_run(job, key)
    h = recorded.find(job, key).history
    assert version == -1 and "recorded run" in status and "finished" in status
    assert [f.to_dict()["data"] for f in (losses, outputs, fid, histogram)] == figure_data(h)
    assert any(a.text.startswith("32²") for a in losses.layout.annotations)  # ProGAN's phases, as live
    # what Gradio sends: the constructor's arguments (a component made inside an event, as the kept draw of a run a
    # page opened first may be, has no ``.value``: Gradio skips Component.__init__ there)
    timeline = slider.constructor_args
    assert grid is not None and timeline["maximum"] == timeline["value"] == len(h.grids) - 1
    early, follow = training.views.scrub(job, 0, key)
    assert follow is False and early.size == grid.size and early.tobytes() != grid.tobytes()
    polled = training.views.poll(job, -1, True, None, None, key)
    assert polled[0] == -1 and all(v == gr.skip() for v in polled[1:])  # the recorded run stays shown
    live = training.views.show_run(job, "")
    assert live[0] == job.snapshot().version and "No run yet" in live[1]
    gif = training.views.timeline_animation(job, key)
    assert gif[0].endswith(".gif")


def test_a_recorded_run_is_drawn_once_and_shown_again_at_once(job):
    """The server's part of Show (bench/recorded.py): the figures of a run that no longer changes are kept, so the
    next page (a room opening the lecture's runs) gets them for nothing, and they are still the live run's figures
    of the same history."""
    key = "recorded/dcgan-hinge"
    started = time.process_time()
    first = training.views.show_run(job, key)
    drawn = time.process_time() - started
    started = time.process_time()
    again = training.views.show_run(job, key)
    kept = time.process_time() - started
    assert drawn < 1.0 and kept < 0.02, f"drawn in {drawn:.3f} s of CPU, shown again in {kept:.3f} s"
    assert all(a is b for a, b in zip(first[2:7], again[2:7], strict=True))  # the same figures and grid
    h = recorded.find(job, key).history
    assert [f.to_dict()["data"] for f in again[2:6]] == figure_data(h)


def test_a_poll_that_read_the_list_before_a_step_showed_a_recorded_run_draws_nothing(job):
    """A lecture step opens the Training tab on a recorded run (run=): the page selects the tab, whose timer polls at
    once, before the step's value of Show has reached the page. That poll (its Show still the live run's "") must not
    draw the live run over the step's; a page that picks the live run again is followed again."""
    from explorer.ui import share

    token = share.ASKER.set(("page-a", 7))  # the step's restore draws the run for its page (share._restorer)
    try:
        training.views.show_run(job, "recorded/dcgan-hinge")
    finally:
        share.ASKER.reset(token)
    stale = training.views.poll(job, -1, True, None, "page-a", "")
    assert all(v == gr.skip() for v in stale[1:]), "a late poll drew the live run over the step's recorded one"
    other = training.views.poll(job, -1, True, None, "page-b", "")
    assert "No run yet" in other[1]  # another page shows the live run: its poll draws it
    training.views.show_run(job, "", "page-a")  # Show → the live run
    assert "No run yet" in training.views.poll(job, -1, True, None, "page-a", "")[1]


def test_a_run_of_the_tab_keeps_its_history_and_a_later_app_offers_it(tmp_path, job):
    h = lived("non-saturating")
    h.out = job.runs / "dcgan-fashion-mnist-1"
    h.out.mkdir(parents=True)
    (h.out / "model.safetensors").write_bytes(b"")  # the job keeps a history only beside a checkpoint
    job._keep(h)
    later = TrainingJob(runs=job.runs)
    run = recorded.find(later, "saved/dcgan-fashion-mnist-1")
    assert run.history.steps == h.steps and figure_data(run.history) == figure_data(h)
    assert ("dcgan-fashion-mnist-1: DCGAN · non-saturating · seed 0 · 30 steps · finished", run.key) in (
        recorded.choices(later)
    )
