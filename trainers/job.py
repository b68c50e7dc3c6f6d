"""One training run in a background thread, for front ends that poll (the app's Training tab).

The job consumes the same event iterator as the CLI (``trainers.loop.run``) and keeps a history
of what the events said; a front end reads ``snapshot()`` whenever it likes. One job per process:
a second ``start`` while a run is going raises ``Busy``. ``stop`` closes the iterator, which saves
the current state (the loop's own close handling), so a stopped run always leaves a usable
checkpoint. A run nobody has looked at for ``orphan_seconds`` (every browser tab closed) stops
itself the same way.
"""

import math
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from explorer.data import ImageDataset, load_dataset
from explorer.gpu import training_device
from explorer.models.folder import WEIGHTS_NAME, write_folder_atomically
from explorer.settings import Settings
from explorer.zoo import Zoo, ZooEntry
from trainers import registry
from trainers.events import Evaluated, Event, Finished, Samples, Saved, Started, Step, Stopped
from trainers.loop import saved_step
from trainers.options import TRICKS

MAX_GRIDS = 120  # sample grids kept for the timeline; older ones are thinned to every other one
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Busy(RuntimeError):
    """A run is already going in this process."""


@dataclass(frozen=True)
class RunSpec:
    """What a user chose for a run: the family, the data, the objective and the recipe (``trainers.registry``
    maps these onto the family's train config)."""

    family: str = "dcgan"
    data: str = "fashion-mnist"
    loss: str = "non-saturating"
    g_lr: float = 2e-4
    d_lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 64
    d_steps: int = 1
    label_smoothing: float = 0.0
    ema_beta: float = 0.0
    # the training tricks, each defined once in trainers.options (default, choices, help, label, message name)
    soft_labels: bool = TRICKS["soft_labels"].spec_field()
    label_flip: float = TRICKS["label_flip"].spec_field()
    d_batches: str = TRICKS["d_batches"].spec_field()
    d_norm: str = TRICKS["d_norm"].spec_field()
    d_activation: str = TRICKS["d_activation"].spec_field()
    d_down: str = TRICKS["d_down"].spec_field()
    d_spectral_norm: bool = TRICKS["d_spectral_norm"].spec_field()
    g_norm: str = TRICKS["g_norm"].spec_field()
    g_activation: str = TRICKS["g_activation"].spec_field()
    g_output: str = TRICKS["g_output"].spec_field()
    latent_dim: int = 0  # 0 = the family's size of z
    ortho_beta: float = TRICKS["ortho_beta"].spec_field()
    seed: int = 0
    steps: int = 1000
    sample_every: int = 50
    eval_every: int = 250
    eval_samples: int = 1000

    @staticmethod
    def recipe(family: str, loss: str) -> dict:
        """The paper defaults of a family (and, for the adversarial trainer, of its objective)."""
        return registry.get(family).recipe(loss)

    def check(self) -> None:
        """The errors a user can make, caught before any work starts."""
        families = registry.trainable(in_app=True)
        if self.family not in families:
            raise ValueError(f"unknown family {self.family!r}; choose one of {', '.join(families)}")
        losses = registry.get(self.family).objectives()
        if self.loss not in losses:
            raise ValueError(
                f"{self.family} trains with {' or '.join(losses)}, not {self.loss!r} (DCGAN offers every GAN loss)"
            )
        numbers = (self.g_lr, self.d_lr, self.beta1, self.beta2, self.label_smoothing, self.ema_beta)
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in numbers):
            raise ValueError("learning rates, betas, label smoothing and EMA must be finite numbers")
        if self.g_lr <= 0 or self.d_lr <= 0:
            raise ValueError(f"learning rates must be > 0, got G {self.g_lr} and D {self.d_lr}")
        if self.d_steps < 1:
            raise ValueError(f"D steps per G step (n_critic) must be ≥ 1, got {self.d_steps}")
        if not 1 <= self.steps <= 1_000_000:
            raise ValueError(f"steps must be between 1 and 1 000 000, got {self.steps}")
        if not 2 <= self.batch_size <= 4096:
            raise ValueError(f"batch size must be between 2 and 4096, got {self.batch_size}")
        if self.eval_every < 0 or (self.eval_every and not 100 <= self.eval_samples <= 50_000):
            raise ValueError("FID every K steps needs K ≥ 0 (0 = off) and 100 to 50 000 samples")
        if not 0 <= self.latent_dim <= 1024:
            raise ValueError(f"the size of z must be between 1 and 1 024 (0 = the family's), got {self.latent_dim}")
        options = registry.get(self.family).switches()
        for name, default in TRICK_DEFAULTS.items():  # a trick the family's trainer lacks is refused, not ignored
            if name not in options and getattr(self, name) != default:
                raise ValueError(
                    f"{registry.get(self.family).label} has no {TRICK_NAMES[name]} switch; "
                    f"the tricks apply to {', '.join(tricks_families(name))}"
                )


TRICK_DEFAULTS = {name: trick.default for name, trick in TRICKS.items()}  # RunSpec's tricks, as the recipe has them
TRICK_NAMES = {name: trick.switch for name, trick in TRICKS.items()}


MAX_PAST = 6  # finished runs an app keeps for the compare view


def describe(h: "History") -> str:
    """One line for a finished run: family, loss, the tricks set away from the recipe, steps, how it ended."""
    spec = h.spec
    tricks = [f"{TRICK_NAMES[n]} {getattr(spec, n)}" for n, d in TRICK_DEFAULTS.items() if getattr(spec, n) != d]
    tricks += [f"z {spec.latent_dim}"] if spec.latent_dim else []
    parts = [registry.get(spec.family).label, spec.loss, *tricks, f"seed {spec.seed}", f"{h.step} steps", h.status]
    return " · ".join(str(p) for p in parts)


def tricks_families(option: str) -> list[str]:
    """The Training tab's families whose trainer has ``option``, by label."""
    names = registry.trainable(in_app=True)
    return [registry.get(n).label for n in names if option in registry.get(n).switches()]


_datasets: dict[tuple, ImageDataset] = {}


def dataset(name: str, channels: int = 1, settings: Settings | None = None) -> ImageDataset:
    """The training split at 32², kept in memory between runs (one dataset at a time)."""
    key = (name, channels)
    if key not in _datasets:
        loaded = load_dataset(name, "train", 32, channels, settings)
        _datasets.clear()
        _datasets[key] = loaded
    return _datasets[key]


@dataclass
class History:
    """Everything a run's events said, in the shape the plots want."""

    spec: RunSpec | None = None
    out: Path | None = None
    status: str = "idle"  # idle | running | stopping | finished | stopped | diverged | failed
    message: str = ""
    device: str = ""
    first_step: int = 0
    total_steps: int = 0
    step: int = 0
    images_per_second: float = 0.0
    started_at: float = 0.0
    steps: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)  # name → values aligned with ``steps``
    grids: list[tuple[int, torch.Tensor]] = field(default_factory=list)  # (step, fixed-latent samples)
    evaluations: list[Evaluated] = field(default_factory=list)
    saved_step: int | None = None  # the step of the checkpoint on disk
    diverged_at: int | None = None
    eval_seconds: float = 0.0
    version: int = 0  # bumped on every change, so pollers redraw only when something happened

    @property
    def running(self) -> bool:
        return self.status in ("running", "stopping")

    def eta_seconds(self) -> float | None:
        if not self.running or self.step <= self.first_step:
            return None
        elapsed = time.monotonic() - self.started_at
        return elapsed / (self.step - self.first_step) * (self.total_steps - self.step)

    def record(self, event: Event) -> None:
        if isinstance(event, Started):
            self.first_step, self.step, self.total_steps, self.device = (
                event.step,
                event.step,
                event.total_steps,
                event.device,
            )
        elif isinstance(event, Step):
            self.step, self.images_per_second = event.step, event.images_per_second
            for name in event.metrics:
                self.metrics.setdefault(name, [math.nan] * len(self.steps))
            for name, values in self.metrics.items():
                values.append(event.metrics.get(name, math.nan))
            self.steps.append(event.step)
        elif isinstance(event, Samples):
            self.grids.append((event.step, event.images))
            if len(self.grids) > MAX_GRIDS:  # keep the first and the latest, thin the middle
                self.grids = self.grids[:1] + self.grids[1:-1:2] + self.grids[-1:]
        elif isinstance(event, Evaluated):
            self.evaluations.append(event)
            self.eval_seconds += event.seconds
        elif isinstance(event, Saved):
            self.saved_step = event.step
        elif isinstance(event, Stopped):
            self.status, self.diverged_at = "diverged", event.step
            self.message = event.reason
        elif isinstance(event, Finished):
            self.status = "finished"
            self.message = f"finished at step {event.step}; saved to {event.path}"
        self.version += 1


class TrainingJob:
    """The process's one training run, in a background thread."""

    def __init__(self, runs: str | Path | None = None, orphan_seconds: float = 120.0, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.runs = Path(runs) if runs is not None else self.settings.training_runs
        self.orphan_seconds = orphan_seconds
        self.history = History()
        self._lock = threading.Lock()  # guards ``history``
        self._checkpoint_lock = threading.Lock()  # held while the loop may write the checkpoint
        self._start_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.owner: str | None = None
        self.last_seen = time.monotonic()
        self.past: list[History] = []  # the runs before the current one, newest last (at most MAX_PAST)

    # --- control ---------------------------------------------------------------------------
    def start(self, spec: RunSpec, owner: str | None = None, device: torch.device | str | None = None) -> None:
        """Check ``spec``, load the data, build the run and start it; errors surface here, before any work."""
        with self._start_lock:
            if self.history.running:
                h = self.history
                raise Busy(
                    f"busy: a {h.spec.family} run is at step {h.step} of {h.total_steps}. One run at a time per "
                    "app: wait for it to finish (or its owner to stop it), then press Start again."
                )
            spec.check()
            data = dataset(spec.data, settings=self.settings)
            trainer = registry.get(spec.family)
            config = trainer.run_config(spec, data)
            out = (
                self.runs / f"{spec.family}-{re.sub(r'[^A-Za-z0-9]+', '-', spec.data)}-{time.strftime('%Y%m%d-%H%M%S')}"
            )
            events = trainer.train(config, out, data=data, device=device or training_device(), command=None)
            history = History(spec=spec, out=out, status="running", started_at=time.monotonic())
            history.record(next(events))  # Started: the run's own checks (batch vs data size) ran
            self._stop.clear()
            self.owner, self.last_seen = owner, time.monotonic()
            with self._lock:
                if self.history.spec is not None and self.history.steps:  # kept for comparing runs: its last grid
                    self.past = [*self.past, replace(self.history, grids=self.history.grids[-1:])][-MAX_PAST:]
                self.history = history
            self._thread = threading.Thread(target=self._consume, args=(events,), name="training", daemon=True)
            self._thread.start()

    def stop(self, owner: str | None = None, wait: float = 60.0) -> None:
        """Ask the run to stop after its current step; wait for the checkpoint to be written."""
        if not self.history.running:
            return
        if owner is not None and self.owner is not None and owner != self.owner:
            raise PermissionError("this run was started in another browser session; only that session can stop it")
        with self._lock:
            if self.history.status == "running":
                self.history.status = "stopping"
                self.history.version += 1
        self._stop.set()
        if self._thread is not None:
            self._thread.join(wait)

    def seen(self) -> None:
        """A front end looked at the run (keeps it from being stopped as orphaned)."""
        self.last_seen = time.monotonic()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def finished_runs(self) -> list[tuple[str, History]]:
        """(label, history) of each run that has ended, oldest first: the kept past runs and the current one once
        it is no longer running. Labels are numbered in order and name what differs (``describe``)."""
        with self._lock:
            runs = list(self.past) + ([self.history] if self.history.steps and not self.history.running else [])
        return [(f"{i + 1}. {describe(h)}", h) for i, h in enumerate(runs)]

    def snapshot(self) -> History:
        """A copy of the history that the training thread will not change under the caller."""
        with self._lock:
            h = self.history
            return replace(
                h,
                steps=list(h.steps),
                metrics={k: list(v) for k, v in h.metrics.items()},
                grids=list(h.grids),
                evaluations=list(h.evaluations),
            )

    # --- the thread ------------------------------------------------------------------------
    def _consume(self, events: Iterator[Event]) -> None:
        reason = ""
        try:
            while True:
                if self._stop.is_set():
                    reason = "stopped by the user"
                    break
                if time.monotonic() - self.last_seen > self.orphan_seconds:
                    reason = f"stopped: no browser has shown this run for {self.orphan_seconds:.0f} s"
                    break
                with self._checkpoint_lock:
                    event = next(events, None)
                if event is None:
                    break
                with self._lock:
                    self.history.record(event)
        except Exception as error:  # a crash inside the run: report it, keep what was saved
            reason = f"failed: {type(error).__name__}: {error}"
        finally:
            with self._checkpoint_lock:
                events.close()  # the loop saves the current (finite) state on close
            with self._lock:
                h = self.history
                if h.out is not None and (h.out / WEIGHTS_NAME).is_file():
                    h.saved_step = saved_step(h.out)
                if h.status in ("running", "stopping"):
                    h.status = "failed" if reason.startswith("failed") else "stopped"
                    kept = f"checkpoint of step {h.saved_step} saved" if h.saved_step else "nothing saved"
                    h.message = f"{reason} at step {h.step}; {kept}"
                h.version += 1
            self._keep(self.snapshot())

    def _keep(self, h: History) -> None:
        """Write the ended run's history beside its checkpoint (``trainers.record``), so the Training tab can open
        it after the app restarts; a failed write is said in the status, the run's checkpoint stays."""
        from trainers import record  # record reads History and RunSpec from this module

        if h.out is None or not h.steps or not (h.out / WEIGHTS_NAME).is_file():
            return
        try:
            record.save_history(h, h.out / record.HISTORY_FOLDER)
        except OSError as error:
            with self._lock:
                self.history.message += f" (its history was not kept: {error})"
                self.history.version += 1

    # --- saving into the zoo -----------------------------------------------------------------
    def save(self, zoo: Zoo, name: str, saved: str | Path | None = None, replace: bool = False) -> ZooEntry:
        """Copy the run's latest checkpoint to ``saved/name`` (default: the settings' saved models) and add it to
        ``zoo``: every tab lists it, and what the zoo had cached for that name is forgotten. A name a saved run
        has already is replaced only with ``replace``; a committed or loaded model's name never is."""
        saved = Path(saved) if saved is not None else self.settings.saved_models
        h = self.history
        if h.out is None or not (h.out / WEIGHTS_NAME).is_file():
            raise ValueError(
                "nothing to save yet: the run writes a checkpoint every few hundred steps; press Stop to write one now"
            )
        name = name.strip()
        if not NAME_PATTERN.match(name):
            raise ValueError(f"name {name!r}: use letters, digits, '.', '_' or '-' (at most 64), starting alnum")
        if name in zoo.entries and not str(zoo.entries[name].folder).startswith(str(Path(saved).resolve())):
            raise ValueError(f"{name!r} is a model of the zoo already; choose another name")
        if name in zoo.entries and not replace:
            raise ValueError(
                f'a saved run is named {name!r} already: tick "Replace a saved run of the same name" to overwrite '
                "it, or choose another name"
            )
        with self._checkpoint_lock:  # never copy a folder the loop is swapping
            folder = write_folder_atomically(
                Path(saved) / name, lambda tmp: shutil.copytree(h.out, tmp, dirs_exist_ok=True)
            )
        return zoo.add_folder(folder, name)
