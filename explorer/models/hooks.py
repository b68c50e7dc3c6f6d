"""Forward pre-hooks that only see the calling thread's passes.

The app serves many events at once from threads that share one model object. A hook registered by one event
on a shared module would otherwise also record another event's concurrent forward pass (a different batch),
and whichever pass ran first would win: seen as an attention map of the wrong sample, once in a while."""

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from torch import nn


@contextmanager
def thread_pre_hooks(modules: Iterable[nn.Module], hook: Callable) -> Iterator[None]:
    """Register ``hook(module, args)`` as a forward pre-hook on each module for the ``with`` block; it is called
    only for forward passes of the thread that entered the block."""
    owner = threading.get_ident()

    def only_mine(module, args):
        if threading.get_ident() == owner:
            hook(module, args)

    handles = [module.register_forward_pre_hook(only_mine) for module in modules]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()
