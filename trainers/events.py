"""Events a trainer yields. The CLI prints them, the training tab plots them: one loop, two front ends."""

from dataclasses import dataclass, field

import torch


@dataclass(frozen=True)
class Started:
    step: int  # first step of this run (> 0 when resumed)
    total_steps: int
    steps_per_epoch: int
    device: str  # this process's device (rank 0's, for the events the CLI and the app show)
    processes: int = 1  # training processes (torchrun's WORLD_SIZE)
    batch_size: int = 0  # the global batch: batch_size / processes rows per process
    precision: str = "fp32"  # e.g. "bf16 autocast, channels_last, compiled" (trainers.acceleration)


@dataclass(frozen=True)
class Step:
    step: int  # 1-based count of finished optimisation steps
    epoch: int
    metrics: dict[str, float]  # e.g. d_loss, g_loss, d_real = mean D(x), d_fake = mean D(G(z))
    images_per_second: float


@dataclass(frozen=True)
class Samples:
    step: int
    images: torch.Tensor = field(repr=False)  # fixed-z samples, NCHW in [-1, 1], on the CPU


@dataclass(frozen=True)
class Evaluated:
    step: int
    fid: float  # FID of ``n`` samples against the test statistics, in ``feature_space``
    feature_space: str
    histogram: list[int]  # predicted classes of the same samples (mode-collapse meter)
    class_names: tuple[str, ...]
    n: int
    seconds: float  # wall time the evaluation took (its share of the run is reported)


@dataclass(frozen=True)
class Saved:
    step: int
    path: str


@dataclass(frozen=True)
class Stopped:
    step: int
    reason: str


@dataclass(frozen=True)
class Finished:
    step: int
    path: str | None


Event = Started | Step | Samples | Evaluated | Saved | Stopped | Finished
