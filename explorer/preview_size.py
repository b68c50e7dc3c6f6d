"""How large a slider's preview is rendered: at most ``side`` pixels a side, where the model's full image is larger.

A 1024² StyleGAN2-ADA takes seconds on a CPU and its PNG is megabytes, so while a slider moves the preview route
(``explorer.ui.previews``) renders inside ``at_most(side)``, and the full image follows on release (the route's sync
event renders outside it). A model whose images are larger than ``side`` reads ``limit()`` in its synthesis and
answers with images of at most that side, in the cheapest way that is still its own picture:

* StyleGAN2-ADA's ``skip`` generator stops after the block of that resolution: its image so far (the sum of the
  up-sampled ToRGB outputs) is the network's own coarser picture, without the last blocks' fine detail, and the last
  blocks, the costliest, are never run (``bench/preview_size.py`` measures it);
* generators whose layers are not images before the last (StyleGAN2-ADA's ``resnet`` and ``orig``, StyleGAN3) render
  in full and are averaged down (``downsample``): no time saved in the network, only in the PNG and its transfer.

Like ``explorer.batching``, a context variable: set for a block of code (this thread or task), read by the model;
everywhere else (the Gradio events, training, metrics, tests) ``limit()`` is None and nothing changes.
"""

import contextlib
import contextvars
from collections.abc import Iterator

import torch
import torch.nn.functional as F

_SIDE: contextvars.ContextVar[int | None] = contextvars.ContextVar("preview_side", default=None)


@contextlib.contextmanager
def at_most(side: int | None) -> Iterator[None]:
    """Inside this block, models render images of at most ``side`` pixels a side (None: full size)."""
    if side is not None and side < 4:
        raise ValueError(f"a preview needs at least 4 pixels a side, got {side}")
    token = _SIDE.set(side)
    try:
        yield
    finally:
        _SIDE.reset(token)


def limit() -> int | None:
    """The largest side a render may have here (None: the model's full resolution)."""
    return _SIDE.get()


def block_resolution(resolution: int) -> int | None:
    """Where a progressive generator of ``resolution`` stops here: the largest power of two within the limit, or None
    (the full resolution fits)."""
    side = limit()
    if side is None or side >= resolution:
        return None
    return 1 << (side.bit_length() - 1)


def downsample(images: torch.Tensor) -> torch.Tensor:
    """``images`` (n, c, h, w) averaged down to fit the limit (box filter: each output pixel the mean of its area)."""
    side = limit()
    n, c, h, w = images.shape
    if side is None or max(h, w) <= side:
        return images
    scale = side / max(h, w)
    return F.interpolate(images, size=(max(1, round(h * scale)), max(1, round(w * scale))), mode="area")
