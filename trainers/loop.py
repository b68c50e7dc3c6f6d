"""The one training loop every family shares, written as an iterator of events.

A family supplies a ``Task``: the networks, one optimisation step on a batch (returning its
metrics), a fixed-latent sample grid, and its model card. The loop owns everything else: data
order (seeded per epoch, resumable mid-epoch), run length, events, periodic and final atomic
checkpoints, ``--resume``, the NaN/inf stop, and saving on close (Stop button, Ctrl-C); and, when asked,
several processes (``trainers.distributed``: each takes its rows of the global batch, rank 0 writes) and
faster steps (``trainers.acceleration``: mixed precision, channels_last, torch.compile).
"""

import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file

from explorer.data import ImageDataset, load_dataset
from explorer.device import default_device
from explorer.images import grid_image
from explorer.models.folder import WEIGHTS_NAME, read_config, save_folder, write_folder_atomically
from explorer.models.registry import family_of
from explorer.settings import Settings
from trainers.acceleration import FULL_PRECISION, Acceleration, MixedPrecision
from trainers.cards import model_card
from trainers.checkpoint import load_training_state, save_training_state, state_metadata
from trainers.distributed import SINGLE_PROCESS, Distributed
from trainers.evaluation import Evaluation, live_evaluation
from trainers.events import Evaluated, Event, Finished, Samples, Saved, Started, Step, Stopped


class Diverged(ArithmeticError):
    """A loss became NaN/inf; raised before the bad update is applied."""


def check_finite(**losses: torch.Tensor) -> None:
    """Raise ``Diverged`` naming the first non-finite loss (in one process; ``Task.check_finite`` in all)."""
    for name, value in losses.items():
        if not torch.isfinite(value).all():
            raise Diverged(f"{name} is {value.item()}")


@dataclass
class RunLength:
    """How long a run is and how often it reports; shared by every family's config."""

    epochs: float = 5.0  # passes over the data, used when steps = 0
    steps: int = 0  # optimisation steps; 0 = derive from epochs
    batch_size: int = 128
    seed: int = 0  # initialisation, data order and the fixed sample latents
    sample_every: int = 200  # yield a fixed-latent sample grid every this many steps
    save_every: int = 1000  # write the checkpoint every this many steps (and at the end)
    eval_every: int = 0  # live FID + class histogram every this many steps (0 = off)
    eval_samples: int = 1000  # samples per live FID

    def check(self) -> None:
        if self.steps < 0 or (self.steps == 0 and self.epochs <= 0):
            raise ValueError("give a positive number of steps or epochs")
        if self.batch_size < 2:
            raise ValueError(f"batch_size must be ≥ 2, got {self.batch_size}")
        for name in ("sample_every", "save_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be ≥ 1, got {getattr(self, name)}")
        if self.eval_every < 0 or (self.eval_every and self.eval_samples < 2):
            raise ValueError(f"need eval_every ≥ 0 and eval_samples ≥ 2, got {self.eval_every}, {self.eval_samples}")


class Task:
    """What a family gives the loop. Subclasses set the attributes and implement the methods."""

    wall_seconds: float = 0.0  # training time so far, over all resumed runs (set by the loop)
    train_size: int = 60_000  # images per epoch, for the card
    model: torch.nn.Module  # what the app loads (model.safetensors)
    modules: dict[str, torch.nn.Module]  # other networks kept for --resume (e.g. the discriminator)
    optimizers: dict[str, torch.optim.Optimizer]
    length: RunLength
    distributed: Distributed = SINGLE_PROCESS  # this process's share of the batch and of the draws (set by the loop)
    precision: MixedPrecision = FULL_PRECISION  # autocast and gradient scaling of the steps (set by the loop)

    @property
    def family(self) -> str:
        """The registry's name for ``model``'s family."""
        return family_of(self.model).name

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        """One optimisation step on this process's rows of the batch; call ``self.check_finite`` before each
        update and update with ``self.optimize``; return the metrics (batch means)."""
        raise NotImplementedError

    def parallel(self, wrap: Callable[[torch.nn.Module], torch.nn.Module]) -> None:
        """Keep ``wrap(network)`` for each network ``train_step`` runs forward through (``parallel_*``): under
        DistributedDataParallel with torchrun, compiled with --compile. Called once, before the first step."""
        raise ValueError(f"the {self.family} trainer cannot run on several processes or compiled")

    def check_finite(self, **losses: torch.Tensor) -> None:
        """Raise ``Diverged`` naming the first non-finite loss, on every process when any process has one."""
        reason = next(
            (f"{name} is {value.item()}" for name, value in losses.items() if not torch.isfinite(value).all()), None
        )
        if self.distributed.enabled:
            device = next(iter(losses.values())).device
            if not self.distributed.everywhere(reason is None, device):
                reason = reason or "a loss is NaN/inf on another process"
        if reason is not None:
            raise Diverged(reason)

    def optimize(self, optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        """zero_grad, backward, step (through the fp16 gradient scaler under --amp fp16)."""
        self.precision.optimize(optimizer, loss)

    def per_sample(self, n: int, draw: Callable[[int], torch.Tensor]) -> torch.Tensor:
        """``draw(m)`` (m rows of per-sample randomness) for this process's ``n`` rows: the global batch's rows are
        drawn and this process's kept, so every process count draws the same numbers in the same order."""
        if not self.distributed.enabled:
            return draw(n)
        return self.distributed.rows(draw(n * self.distributed.world_size))

    def randn(self, n: int, *shape: int, device: torch.device) -> torch.Tensor:
        """n rows of N(0, I) of the given shape (``per_sample``)."""
        return self.per_sample(n, lambda m: torch.randn(m, *shape, device=device))

    def randint(self, high: int, n: int, device: torch.device) -> torch.Tensor:
        """n integers uniform in [0, high) (``per_sample``)."""
        return self.per_sample(n, lambda m: torch.randint(high, (m,), device=device))

    def samples(self) -> torch.Tensor:
        """A fixed-latent sample grid (NCHW in [-1, 1]) or a batch of reconstructions."""
        raise NotImplementedError

    def evaluate(self, n: int) -> Evaluation | None:
        """Live FID and class histogram of ``n`` samples (None: no reference for this run)."""
        return live_evaluation(self.model, self.config.data, n)

    def summary(self) -> str:
        """One paragraph for the model card: what the model is and how it was trained."""
        raise NotImplementedError

    def card_extra(self) -> str:
        """Family-specific card sections (evaluation, classes, …)."""
        return ""

    def check_resume(self, saved: dict, folder: Path) -> None:
        """Raise ``ValueError`` (saying which option to give) when the run saved in ``folder`` with the settings
        ``saved`` cannot continue as this task: networks it lacks or has more of (default: any can)."""

    def settings(self) -> dict:
        """The run's settings, stored with the checkpoint."""
        return asdict(self.config)

    def card(self, folder: Path, step: int, metrics: dict[str, float] | None, command: str | None) -> str:
        data = self.config.data
        return model_card(
            folder=folder,
            family=self.family,
            summary=self.summary(),
            data=data,
            step=step,
            batch_size=self.length.batch_size,
            train_size=self.train_size,
            settings=self.settings(),
            metrics=metrics,
            command=command or f"python -m trainers {self.family} --data {data} --steps {step} --out {folder}",
            wall_seconds=self.wall_seconds,
            extra=self.card_extra(),
        )

    def extra_files(self, folder: Path) -> None:
        """Write family-specific files into the checkpoint folder being built (default: none)."""


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[torch.Tensor]:
    """Index batches of one epoch: a permutation seeded by (seed, epoch), the last partial batch dropped."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(n, generator=generator)
    return list(order[: n - n % batch_size].split(batch_size))


def launch(
    make_task,
    config,
    out: str | Path | None,
    *,
    data: ImageDataset | None = None,
    resume: bool = False,
    device: torch.device | str | None = None,
    command: str | None = None,
    settings: Settings | None = None,
    distributed: Distributed = SINGLE_PROCESS,
    acceleration: Acceleration | None = None,
) -> Iterator[Event]:
    """Resolve the device, load the training data unless given (from ``settings``' folders), build
    ``make_task(config, device, data)``, run it (``distributed``, ``acceleration``: as for ``run``)."""
    device = torch.device(device) if device is not None else default_device()
    if data is None:
        channels = getattr(config.model, "channels", 1)
        data = load_dataset(config.data, "train", config.model.resolution, channels, settings)
    task = make_task(config, device, data)
    return run(
        task,
        data,
        out,
        resume=resume,
        device=device,
        command=command,
        distributed=distributed,
        acceleration=acceleration,
    )


def saved_step(folder: Path) -> int:
    """The step a checkpoint folder was saved at."""
    return int(state_metadata(folder)["step"])


def run(
    task: Task,
    data: ImageDataset,
    out: str | Path | None,
    *,
    resume: bool = False,
    device: torch.device,
    command: str | None = None,
    distributed: Distributed = SINGLE_PROCESS,
    acceleration: Acceleration | None = None,
) -> Iterator[Event]:
    """Drive ``task`` over ``data`` and yield events; write the checkpoint folder ``out`` (None = nothing).

    ``distributed``: this process's place among torchrun's processes: it trains on its rows of each global
    batch of ``batch_size``; only rank 0 yields samples, evaluations and saves, and writes ``out``.
    ``acceleration``: mixed precision, channels_last, torch.compile (default: none).
    """
    length = task.length
    out = Path(out) if out is not None else None
    acceleration = (acceleration or Acceleration()).resolve(device)
    distributed.share(length.batch_size)
    distributed.check_ready()
    writes = distributed.is_main
    steps_per_epoch = len(data) // length.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"batch size {length.batch_size} exceeds the {len(data)} images of {data.name}")
    total_steps = length.steps or math.ceil(length.epochs * steps_per_epoch)

    step = 0
    if resume:
        if out is None or not (out / WEIGHTS_NAME).is_file():
            raise FileNotFoundError(f"cannot resume: {out} is not a checkpoint folder")
        family, fields = read_config(out)
        if family != task.family or fields != json.loads(json.dumps(asdict(task.model.config))):
            raise ValueError(f"cannot resume: {out} holds a different model ({family}, {fields})")
        task.check_resume(state_metadata(out).get("settings", {}), out)
        task.model.load_state_dict(load_file(str(out / WEIGHTS_NAME), device=str(device)), strict=True)
        previous = load_training_state(out, task.modules, task.optimizers)
        step = int(previous["step"])
        task.wall_seconds = float(previous.get("wall_seconds", 0.0))
        if step >= total_steps:
            raise ValueError(f"{out} is already at step {step}; ask for more than {step} steps to continue")

    task.distributed = distributed
    task.precision = MixedPrecision(acceleration.amp, device.type, compiled=acceleration.compile)
    if distributed.enabled or acceleration.wraps:

        def wrap(network: torch.nn.Module) -> torch.nn.Module:
            return acceleration.compiled(distributed.wrap(acceleration.prepare(network), device))

        task.parallel(wrap)

    def save(step_now: int, metrics: dict[str, float] | None) -> Path | None:
        if out is None or not writes:
            return None

        def write(tmp: Path) -> None:
            task.wall_seconds = wall_before + time.perf_counter() - clock
            save_folder(tmp, task.model)
            metadata = {
                "step": step_now,
                "settings": task.settings(),
                "metrics": metrics,
                "wall_seconds": task.wall_seconds,
            }
            save_training_state(tmp, task.modules, task.optimizers, metadata)
            grid_image(task.samples(), ncols=8, scale=2).save(tmp / "samples.png")
            task.extra_files(tmp)
            (tmp / "README.md").write_text(task.card(out, step_now, metrics, command))

        return write_folder_atomically(out, write)

    yield Started(
        step,
        total_steps,
        steps_per_epoch,
        str(device),
        distributed.world_size,
        length.batch_size,
        acceleration.describe(),
    )
    metrics: dict[str, float] | None = None
    last_saved = step if resume else -1
    healthy = True
    clock, images_seen = time.perf_counter(), 0
    wall_before = task.wall_seconds
    try:
        while step < total_steps and healthy:
            epoch, offset = divmod(step, steps_per_epoch)
            for index in epoch_batches(len(data), length.batch_size, length.seed, epoch)[offset:]:
                if step >= total_steps:
                    break
                index = distributed.rows(index)  # this process's rows of the global batch
                images = acceleration.images(data.images[index].to(device, non_blocking=True))
                labels = data.labels[index].to(device, non_blocking=True)
                try:
                    metrics = task.train_step(images, labels, step)
                except Diverged as error:
                    healthy = False
                    reason = str(error)
                    break
                metrics = distributed.mean(metrics, device)
                distributed.average_buffers([task.model, *task.modules.values()])
                if task.precision.dtype is torch.float16:
                    metrics["fp16_skipped"] = float(task.precision.skipped)
                step += 1
                images_seen += images.shape[0] * distributed.world_size
                elapsed = time.perf_counter() - clock
                yield Step(step, epoch, metrics, images_seen / elapsed if elapsed > 0 else 0.0)
                if writes and (step % length.sample_every == 0 or step == total_steps):
                    yield Samples(step, task.samples().cpu())
                if writes and length.eval_every and (step % length.eval_every == 0 or step == total_steps):
                    result = task.evaluate(length.eval_samples)
                    if result is not None:
                        yield Evaluated(step, **asdict(result))
                if step % length.save_every == 0 and step < total_steps:
                    if writes:
                        yield Saved(step, str(save(step, metrics)))
                    last_saved = step
        if not healthy:
            kept = f"the checkpoint of step {last_saved} is kept" if last_saved >= 0 else "nothing was saved"
            yield Stopped(step, f"loss became NaN/inf at step {step + 1} ({reason}); training stopped, {kept}")
            return
        path = save(step, metrics)
        last_saved = step
        if path is not None:
            yield Saved(step, str(path))
        yield Finished(step, str(path) if path else None)
    finally:
        # Closed early (Stop, Ctrl-C, a dropped browser): keep what was learned; it is finite.
        if healthy and step > last_saved and step > 0 and out is not None and writes:
            try:
                save(step, metrics)
            except Exception as error:  # never mask the reason the run ended
                print(f"warning: could not save the final checkpoint: {error}", file=sys.stderr)


def inference_samples(model: torch.nn.Module, fn) -> torch.Tensor:
    """Run ``fn()`` with ``model`` in eval mode and no autograd, then restore its mode."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            return fn()
    finally:
        model.train(was_training)


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, beta: float) -> None:
    """θ_ema ← β θ_ema + (1 − β) θ; buffers (w_avg, constant noise) are copied."""
    for p_ema, p in zip(ema.parameters(), model.parameters(), strict=True):
        p_ema.lerp_(p, 1 - beta)
    for b_ema, b in zip(ema.buffers(), model.buffers(), strict=True):
        b_ema.copy_(b)
