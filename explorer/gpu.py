"""ZeroGPU: a Hugging Face Space on ZeroGPU hardware lends a GPU only inside functions decorated with
``@spaces.GPU``; everywhere else (no ``spaces`` package, a local GPU, a CPU, a Space on other hardware) that
decorator returns the function unchanged. ``explorer.ui.common.user_errors`` applies it to every handler, so
the same app uses ZeroGPU on a Space, the local GPU at home and the CPU otherwise.

On ZeroGPU, work that runs outside a handler's call cannot hold the GPU: the Training tab's background run
trains on the CPU there (``training_device``), and the slider preview route, which calls handlers outside a
Gradio request, falls back to Gradio's own event when the route cannot render.
"""

from collections.abc import Callable
from typing import TypeVar

import torch

from explorer.device import default_device

F = TypeVar("F", bound=Callable)
HANDLER_SECONDS = 60  # the GPU time a handler asks ZeroGPU for (the metrics and curves are the longest)

try:
    import spaces
except ImportError:  # not on a Space (spaces is in the Space's requirements.txt and the test extra)
    spaces = None


def on_zero_gpu() -> bool:
    """Whether this process runs on a ZeroGPU Space."""
    if spaces is None:
        return False
    from spaces.config import Config

    return bool(Config.zero_gpu)


def gpu(handler: F, duration: int = HANDLER_SECONDS) -> F:
    """``handler`` as a ZeroGPU task on a ZeroGPU Space, else ``handler`` itself."""
    if spaces is None:
        return handler
    return spaces.GPU(handler, duration=duration)


def training_device() -> torch.device:
    """Where the Training tab trains: the CPU on ZeroGPU (a run outlives any one GPU lease), else the best device."""
    return torch.device("cpu") if on_zero_gpu() else default_device()
