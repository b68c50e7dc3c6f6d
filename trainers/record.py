"""A run's history kept on disk: what the Training tab plots of a run, written when it ends and read back later.

A record is a folder of three small files, written at once (``write_folder_atomically``), no pickle:

- ``history.json``: the run's spec, status, step counts, its FID evaluations (with their class histograms), the
  steps of its grids, and, for a recorded lecture run, its title, the command that records it again and its time;
- ``metrics.safetensors``: the step numbers (int64) and each per-step metric (float32: what the losses are);
- ``samples.png``: the sample-grid timeline as one strip, a row of tiles per kept grid (uint8, as shown).

``load_history`` gives back a ``trainers.job.History``, so a recorded run is drawn by the same figure functions as a
live one. A record keeps the first and the last grid and evenly spaced ones between (at most ``RECORD_GRIDS``), and the
first ``RECORD_IMAGES`` images of each (a GAN's 32² samples hardly compress: about 0.8 kB an image, so a committed
record keeps fewer: ``--record-grids``, ``--record-images``). The Training tab writes one beside each run's
checkpoint (``HISTORY_FOLDER``); ``python -m trainers ... --record FOLDER`` writes one for any run of the CLI.
"""

import json
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from explorer.images import to_uint8
from explorer.models.folder import write_folder_atomically
from trainers import registry
from trainers.events import Evaluated
from trainers.job import History, RunSpec
from trainers.options import TRICKS

HISTORY_FOLDER = "history"  # a run's record inside its checkpoint folder
RECORD_GRIDS = 21  # sample grids a record keeps: the first, the last and evenly spaced ones between
RECORD_IMAGES = 64  # images of each kept grid (the live grid's eight rows of eight)
FORMAT = 1
KEPT = (
    "status",
    "message",
    "device",
    "first_step",
    "total_steps",
    "step",
    "images_per_second",
    "saved_step",
    "diverged_at",
    "eval_seconds",
)


class RecordError(ValueError):
    """A folder that is not a readable run record."""


@dataclass(frozen=True)
class Recorded:
    """A run read from disk: its history and what the record says about how it was made."""

    history: History
    title: str  # what the lecture calls it ("" for a run of the Training tab: its ``describe`` line is used)
    command: str  # the CLI command that records it again ("" for a run of the Training tab)
    cpu_seconds: float  # the process's CPU time over the run (0 when not measured)
    wall_seconds: float
    folder: Path


def kept_grids(grids: list, n: int = RECORD_GRIDS) -> list:
    """The first and the last of ``grids`` and evenly spaced ones between, at most ``n``."""
    if len(grids) <= n:
        return list(grids)
    picks = sorted({round(i * (len(grids) - 1) / (n - 1)) for i in range(n)})
    return [grids[i] for i in picks]


def save_history(
    h: History,
    folder: str | Path,
    *,
    title: str = "",
    command: str = "",
    cpu_seconds: float = 0.0,
    wall_seconds: float = 0.0,
    grids: int = RECORD_GRIDS,
    images: int = RECORD_IMAGES,
) -> Path:
    """Write ``h`` as a record in ``folder`` (replaced whole, never half-written), its ``grids`` (≥ 2) kept grids of
    ``images`` images each; return the folder."""
    if grids < 2 or images < 1:
        raise ValueError(f"a record keeps ≥ 2 grids of ≥ 1 image, not {grids} of {images}")
    kept = [(step, grid[:images]) for step, grid in kept_grids(h.grids, grids)]
    header = {
        "format": FORMAT,
        "title": title,
        "command": command,
        "cpu_seconds": round(cpu_seconds, 1),
        "wall_seconds": round(wall_seconds, 1),
        "spec": asdict(h.spec) if h.spec is not None else None,
        **{name: getattr(h, name) for name in KEPT},
        "metrics": list(h.metrics),
        "evaluations": [asdict(e) for e in h.evaluations],
        "grid_steps": [step for step, _ in kept],
        "grid_shape": list(kept[0][1].shape) if kept else [],
    }
    tensors = {"steps": torch.tensor(h.steps, dtype=torch.int64)}
    tensors |= {f"metric.{name}": torch.tensor(values, dtype=torch.float32) for name, values in h.metrics.items()}

    def write(tmp: Path) -> None:
        (tmp / "history.json").write_text(json.dumps(header, indent=1, allow_nan=True) + "\n")
        save_file(tensors, str(tmp / "metrics.safetensors"), metadata={"format": str(FORMAT)})
        if kept:
            strip(torch.stack([grid for _, grid in kept])).save(tmp / "samples.png", optimize=True)

    return write_folder_atomically(folder, write)


def strip(grids: torch.Tensor) -> Image.Image:
    """(G, N, C, H, W) grids in [-1, 1] → one picture, grid g in row g, its N images side by side."""
    g, n, c, h, w = grids.shape
    tiles = to_uint8(grids.reshape(g * n, c, h, w)).reshape(g, n, h, w, c)
    mosaic = np.ascontiguousarray(tiles.transpose(0, 2, 1, 3, 4).reshape(g * h, n * w, c))
    return Image.fromarray(mosaic[..., 0] if c == 1 else mosaic)


def unstrip(picture: Image.Image, shape: list[int]) -> torch.Tensor:
    """The inverse of ``strip``: (G, N, C, H, W) in [-1, 1] from the picture and one grid's (N, C, H, W)."""
    n, c, h, w = shape
    array = np.asarray(picture.convert("L" if c == 1 else "RGB")).reshape(-1, h, n, w, c)
    tiles = torch.from_numpy(array.transpose(0, 2, 4, 1, 3).copy()).float()
    return tiles / 127.5 - 1


def load_history(folder: str | Path) -> Recorded:
    """The record in ``folder``; ``RecordError`` (one line) if it is missing or unreadable."""
    folder = Path(folder)
    try:
        header = json.loads((folder / "history.json").read_text())
        tensors = load_file(str(folder / "metrics.safetensors"))
    except (OSError, ValueError) as error:
        raise RecordError(f"{folder} holds no readable run record ({type(error).__name__}: {error})") from error
    if header.get("format") != FORMAT:
        raise RecordError(f"{folder}: run record format {header.get('format')!r}, this version reads {FORMAT}")
    spec = header["spec"]
    known = {f.name for f in fields(RunSpec)}
    h = History(spec=RunSpec(**{k: v for k, v in spec.items() if k in known}) if spec else None, out=folder)
    for name in KEPT:
        setattr(h, name, header[name])
    h.steps = tensors["steps"].tolist()
    h.metrics = {name: tensors[f"metric.{name}"].tolist() for name in header["metrics"]}
    h.evaluations = [Evaluated(**{**e, "class_names": tuple(e["class_names"])}) for e in header["evaluations"]]
    if header["grid_steps"]:
        with Image.open(folder / "samples.png") as picture:
            grids = unstrip(picture, header["grid_shape"])
        h.grids = list(zip(header["grid_steps"], grids, strict=True))
    h.version = 1
    return Recorded(
        h,
        header.get("title", ""),
        header.get("command", ""),
        header.get("cpu_seconds", 0.0),
        header.get("wall_seconds", 0.0),
        folder,
    )


def spec_of(family: str, config, values: dict, steps: int) -> RunSpec:
    """The ``RunSpec`` a CLI run amounts to: ``config`` (its train config, the recipe resolved) and ``values``
    (the parsed options: a trick the command did not set stays at the spec's default, as the tab shows it) and
    ``steps``, the run's length."""
    spec = {"family": family, "data": config.data, "loss": registry.get(family).objectives()[0]}
    for name, spec_name in registry.SPEC_FIELDS.items():
        value = getattr(config, name, None)
        if value is not None and (spec_name not in TRICKS or values.get(name) is not None):
            spec[spec_name] = value
    spec |= {name: values[f"model.{name}"] for name in TRICKS if values.get(f"model.{name}") is not None}
    length = ("seed", "sample_every", "eval_every", "eval_samples", "batch_size")
    return RunSpec(**spec, **{name: getattr(config, name) for name in length}, steps=steps)


def finish(h: History, status: int) -> None:
    """The end of a CLI run in ``h``: the exit status's word where the events did not set one (diverged, finished)."""
    if h.status == "running":
        h.status = "finished" if status == 0 else "stopped"


class Clock:
    """The CPU time and wall time of a run, from its start."""

    def __init__(self) -> None:
        self.cpu, self.wall = time.process_time(), time.monotonic()

    def seconds(self) -> tuple[float, float]:
        return time.process_time() - self.cpu, time.monotonic() - self.wall
