"""The runs the Training tab can show besides the live one: the lecture's recorded runs (``checkpoints/runs/``,
read-only, committed) and the user's own ended runs, whose history each run writes beside its checkpoint
(``trainers.record``). A recorded run is a ``trainers.job.History`` like a live one, drawn by the same figures.

Each run has a key (what a control's value and a link carry): ``recorded/NAME`` for a lecture run, ``saved/FOLDER``
for an ended run on disk, and its ``finished_runs`` label for a run this app still holds in memory. The lecture's
comparisons (``checkpoints/runs/comparisons.json``) name groups of recorded runs: the six losses, DCGAN's rules on
and off, the tricks, ProGAN against DCGAN.
"""

import functools
import json
from dataclasses import dataclass, replace
from pathlib import Path

from explorer.resources import CHECKPOINTS
from trainers.job import History, TrainingJob, describe
from trainers.record import HISTORY_FOLDER, Recorded, RecordError, load_history

RECORDED = CHECKPOINTS / "runs"  # the lecture's recorded runs, one folder each, and their comparisons
COMPARISONS = "comparisons.json"
RECORDED_PREFIX, SAVED_PREFIX = "recorded/", "saved/"


@dataclass(frozen=True)
class Run:
    """A run the tab can show: its label in the lists, its short name in a legend, its history."""

    key: str
    label: str
    short: str
    history: History


@functools.lru_cache(maxsize=64)
def _read(folder: Path, stamp: float) -> Recorded:
    """A record, read once per version of its history.json (``stamp``: its modification time)."""
    return load_history(folder)


def read(folder: Path) -> Recorded:
    return _read(folder, (folder / "history.json").stat().st_mtime)


@functools.lru_cache(maxsize=64)
def _recorded_run(folder: Path, stamp: float) -> Run:
    """A lecture run, made once per version of its record: the same History each time (``views.DRAWN`` keeps its
    figures for it)."""
    r = _read(folder, stamp)
    h = replace(r.history, message=f"recorded run: {r.title or folder.name} ({r.command})")
    return Run(RECORDED_PREFIX + folder.name, f"recorded: {r.title or describe(h)}", folder.name, h)


def recorded_runs() -> list[Run]:
    """The lecture's recorded runs (``RECORDED``), by folder name."""
    root, runs = RECORDED, []
    for path in sorted(root.glob("*/history.json")) if root.is_dir() else []:
        try:
            runs.append(_recorded_run(path.parent, path.stat().st_mtime))
        except RecordError:
            continue  # tests/test_recorded_runs.py reads every committed record
    return runs


def saved_runs(job: TrainingJob) -> list[Run]:
    """The ended runs of this app's run folder with a history on disk (newest last), those in memory left out."""
    in_memory = {str(h.out) for _, h in job.finished_runs() if h.out is not None}
    runs = []
    for path in sorted(job.runs.glob(f"*/{HISTORY_FOLDER}/history.json")) if job.runs.is_dir() else []:
        run_folder = path.parent.parent
        if str(run_folder) in in_memory:
            continue
        try:
            h = read(path.parent).history
        except RecordError:
            continue  # a record being written, or a foreign folder: not a run to offer
        runs.append(Run(SAVED_PREFIX + run_folder.name, f"{run_folder.name}: {describe(h)}", run_folder.name, h))
    return runs


def catalogue(job: TrainingJob) -> dict[str, Run]:
    """Every run the tab can show, by key: the recorded ones, the user's on disk, this app's in memory."""
    live = [Run(label, label, f"run {label.split('.')[0]}", h) for label, h in job.finished_runs()]
    return {run.key: run for run in [*recorded_runs(), *saved_runs(job), *live]}


def choices(job: TrainingJob) -> list[tuple[str, str]]:
    """(label, key) of every run, for a list the user picks from."""
    return [(run.label, key) for key, run in catalogue(job).items()]


def find(job: TrainingJob, key: str) -> Run:
    """The run of ``key``; a ``ValueError`` that says what to pick when there is none."""
    run = catalogue(job).get(str(key or ""))
    if run is None:
        raise ValueError(f"no run {key!r}: pick one of the list (Refresh the list after a run ends)")
    return run


def comparisons() -> dict[str, dict]:
    """The lecture's comparisons (``RECORDED``/comparisons.json): key → {"title", "runs": [recorded run names]}."""
    try:
        return json.loads((RECORDED / COMPARISONS).read_text())
    except FileNotFoundError:
        return {}


def comparison_choices() -> list[tuple[str, str]]:
    return [(c["title"], key) for key, c in comparisons().items()]
