"""Training on several devices: ``torchrun --nproc_per_node N -m trainers FAMILY …``.

torchrun starts N copies of the command and tells each its place in the environment (``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``/``MASTER_PORT``). Each process holds a replica of the
networks and trains it on its share of every batch under DistributedDataParallel (Li et al.,
arXiv:2006.15704): backward averages the gradients across processes, so the replicas take the same
step, the step of the whole batch. Without torchrun (or with one process) nothing here does anything.

- Batch: ``--batch-size`` is the global batch, whatever N; process ``rank`` takes rows rank, rank + N,
  rank + 2N, … of it (how DistributedSampler splits an index list). 2 processes × 16 rows are the
  1-process batch of 32: the same images in the same steps, the same steps per epoch, the same recipe
  (no learning-rate rescaling). The batch size must divide by N.
- Draws: every process seeds alike and draws the per-sample randomness of the whole global batch (z,
  classes, noise maps, coin flips), keeping its own rows: the random streams stay in step, and a run draws
  the same numbers on any number of processes (``Task.randn`` and friends).
- Batch norm becomes SyncBatchNorm on CUDA (statistics of the global batch). PyTorch has no
  SyncBatchNorm on the CPU: there (gloo) each process normalises by its own rows.
- Buffers (batch norm's running statistics, StyleGAN's w_avg) are averaged across processes after each
  step (one all-reduce). A running mean of batch means, like w_avg, is then exactly the global batch's.
- Only rank 0 writes: checkpoints, sample grids, FID, the events (``--jsonl``), the progress bar. The
  metrics are averaged over the processes first: means of equal shares, i.e. the global batch's.
- A NaN/inf loss on any process stops all of them (a flag reduced with MIN) before the bad update.
- Checkpoints hold the unwrapped networks (no ``module.`` prefix) and the optimiser state, identical on
  every process: a run saved on N processes resumes on M, and on one.

Why PyTorch's DistributedDataParallel and torchrun rather than Hugging Face Accelerate: our loop is an
iterator of events whose families already own what Accelerate would take over — device placement (the
CLI's ``--device``), the data order (a seeded permutation per epoch, resumable mid-epoch, which
Accelerate's prepared DataLoader and ``skip_first_batches`` would replace), several optimisers with
their own schedules (n_critic, lazy R1 with a gradient of a gradient, EMA) and mixed precision
(``trainers.acceleration``). What is left for a library is the wrapper and the process group, about a
hundred lines of torch; Accelerate would add a dependency, a config layer (``accelerate config``/
``launch``) and DistributedDataParallel underneath all the same. torchrun ships with PyTorch.
"""

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from inspect import signature

import torch
import torch.distributed as dist
from torch import nn

from explorer.device import default_device

TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


@dataclass(frozen=True)
class Distributed:
    """This process's place among the training processes (rank 0 of 1 without torchrun)."""

    rank: int = 0  # 0 = the process that writes
    world_size: int = 1  # number of processes N
    local_rank: int = 0  # index of this process on its machine = its GPU

    def __post_init__(self) -> None:
        if self.world_size < 1 or not 0 <= self.rank < self.world_size or self.local_rank < 0:
            raise ValueError(
                f"need 0 ≤ rank < world size and local rank ≥ 0, got rank {self.rank}, "
                f"world size {self.world_size}, local rank {self.local_rank}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Distributed":
        """The place torchrun gave this process (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``); none set = one process."""
        env = os.environ if environ is None else environ
        present = [name for name in TORCHRUN_VARIABLES if name in env]
        if not present:
            return cls()
        if len(present) < len(TORCHRUN_VARIABLES):
            raise ValueError(
                f"torchrun sets {', '.join(TORCHRUN_VARIABLES)}; only {', '.join(present)} set: "
                "start the run with torchrun, or unset them"
            )
        try:
            rank, world_size, local_rank = (int(env[name]) for name in TORCHRUN_VARIABLES)
        except ValueError:
            values = ", ".join(f"{name}={env[name]!r}" for name in TORCHRUN_VARIABLES)
            raise ValueError(f"torchrun's variables must be whole numbers, got {values}") from None
        return cls(rank=rank, world_size=world_size, local_rank=local_rank)

    @property
    def enabled(self) -> bool:
        """More than one process: gradients are averaged, rank 0 writes."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes checkpoints, samples, FID and events."""
        return self.rank == 0

    def device(self, requested: str | torch.device | None = None) -> torch.device:
        """The device this process trains on: ``requested`` (default: the best available), on CUDA this process's
        GPU ``cuda:LOCAL_RANK``."""
        device = torch.device(requested) if requested is not None else default_device()
        if self.enabled and device.type == "cuda":
            return torch.device("cuda", self.local_rank)
        if self.enabled and device.type not in ("cpu", "cuda"):
            raise ValueError(f"several processes train on CUDA (NCCL) or the CPU (gloo), not on {device.type}")
        return device

    def share(self, batch_size: int) -> int:
        """Rows of a global batch of ``batch_size`` this process takes."""
        if batch_size % self.world_size:
            raise ValueError(
                f"--batch-size is the global batch and must divide by the {self.world_size} processes, got {batch_size}"
            )
        return batch_size // self.world_size

    def rows(self, batch: torch.Tensor) -> torch.Tensor:
        """This process's rows of a global batch: rank, rank + N, rank + 2N, … (all of them for one process)."""
        return batch if self.world_size == 1 else batch[self.rank :: self.world_size]

    @contextlib.contextmanager
    def process_group(self, device: torch.device) -> Iterator[None]:
        """Join the process group for the block: NCCL on CUDA, gloo on the CPU. Nothing for one process."""
        if not self.enabled:
            yield
            return
        if device.type == "cuda":
            torch.cuda.set_device(device)
        backend = "nccl" if device.type == "cuda" else "gloo"
        bound = (
            {"device_id": device}
            if device.type == "cuda" and "device_id" in signature(dist.init_process_group).parameters
            else {}
        )
        dist.init_process_group(backend, rank=self.rank, world_size=self.world_size, **bound)
        try:
            yield
            # both ranks done before either tears the group down: rank 0 hosts the store, and a rank still using it
            # when rank 0 has gone aborts (SIGABRT at the end of a finished gloo run, seen once in a clean clone)
            dist.barrier()
        finally:
            dist.destroy_process_group()

    def check_ready(self) -> None:
        """Raise unless the collectives below can run (one process, or inside ``process_group``)."""
        if self.enabled and not (dist.is_available() and dist.is_initialized()):
            raise RuntimeError(
                f"rank {self.rank} of {self.world_size}: no process group (use Distributed.process_group)"
            )

    def wrap(self, network: nn.Module, device: torch.device) -> nn.Module:
        """``network`` under DistributedDataParallel, its batch norms made SyncBatchNorm on CUDA (in place: the same
        parameters, the same state-dict keys); ``network`` itself for one process."""
        if not self.enabled:
            return network
        if device.type == "cuda":
            network = nn.SyncBatchNorm.convert_sync_batchnorm(network)
        ddp = nn.parallel.DistributedDataParallel
        # no buffer broadcast before each forward: buffers are averaged after each step instead (``average_buffers``)
        no_broadcast = (
            "forward_sync_buffers" if "forward_sync_buffers" in signature(ddp).parameters else "broadcast_buffers"
        )
        return ddp(network, device_ids=[device.index] if device.type == "cuda" else None, **{no_broadcast: False})

    @torch.no_grad()
    def average_buffers(self, networks: Iterable[nn.Module]) -> None:
        """Average the floating-point buffers of ``networks`` across processes (one all-reduce per dtype)."""
        if not self.enabled:
            return
        buffers: dict[int, torch.Tensor] = {}
        for network in networks:
            buffers |= {id(b): b for b in network.buffers() if b.is_floating_point()}
        by_kind: dict[tuple, list[torch.Tensor]] = {}
        for buffer in buffers.values():
            by_kind.setdefault((buffer.dtype, buffer.device), []).append(buffer)
        for group in by_kind.values():
            flat = torch.cat([b.flatten() for b in group])
            dist.all_reduce(flat)
            flat /= self.world_size
            for buffer, average in zip(group, flat.split([b.numel() for b in group]), strict=True):
                buffer.copy_(average.view(buffer.shape))

    def mean(self, metrics: dict[str, float], device: torch.device) -> dict[str, float]:
        """Each metric averaged over the processes (one all-reduce): for means over equal shares, the global batch's."""
        if not self.enabled or not metrics:
            return metrics
        values = torch.tensor(list(metrics.values()), dtype=torch.float64, device=device)
        dist.all_reduce(values)
        return dict(zip(metrics, (values / self.world_size).tolist(), strict=True))

    def everywhere(self, flag: bool, device: torch.device) -> bool:
        """Whether ``flag`` holds on every process (one all-reduce with MIN)."""
        if not self.enabled:
            return flag
        value = torch.tensor([int(flag)], device=device)
        dist.all_reduce(value, op=dist.ReduceOp.MIN)
        return bool(value.item())


SINGLE_PROCESS = Distributed()


def without_gradient_sync(network: nn.Module):
    """A context in which ``network``'s backward averages nothing across processes (DistributedDataParallel's
    ``no_sync``): for a network that is only looked through, e.g. D in G's step, whose gradients are discarded."""
    no_sync = getattr(network, "no_sync", None)
    return no_sync() if no_sync is not None else contextlib.nullcontext()
