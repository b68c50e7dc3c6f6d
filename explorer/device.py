"""Where models run."""

import contextlib

import torch

_gpu_worker = False  # set in a ZeroGPU worker process (``explorer.gpu``), the one place a ZeroGPU Space has a GPU


def on_zero_gpu() -> bool:
    """Whether this process belongs to a ZeroGPU Space (the ``spaces`` package, ``SPACES_ZERO_GPU=true``)."""
    try:
        from spaces.config import Config
    except ImportError:
        return False
    return bool(Config.zero_gpu)


def enter_gpu_worker() -> None:
    """Mark this process as a ZeroGPU worker: from now on ``default_device`` may pick its GPU."""
    global _gpu_worker
    _gpu_worker = True


def default_device() -> torch.device:
    """CUDA if available, then Apple MPS, else CPU; on ZeroGPU, the CPU outside a GPU worker.

    On a ZeroGPU Space ``import spaces`` makes ``torch.cuda.is_available()`` true in the main process, which has
    no GPU: models live there on the CPU, and a GPU worker (a fork, ``explorer.gpu``) moves its copies to its GPU.
    """
    if on_zero_gpu() and not _gpu_worker:
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@contextlib.contextmanager
def one_thread():
    """PyTorch on one intra-op thread for a while: on the toys' small MLPs a second thread only adds barriers, which
    cost 10–50× on a busy 2-core machine (a 300-step fit took 57 s with 2 threads, 1 s with 1; ``bimodal_fits``
    33–74 s instead of 2–6 s)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
