"""Concurrent single renders stacked into one forward pass: a room of students costs a few batched passes.

A generator's forward pass on CPU costs almost as much for one latent as for eight (a 32² DCGAN: ~4 ms for one,
~1 ms a sample in a batch of eight), so when many users scrub sliders at once, rendering their latents one by
one wastes most of the machine. ``BatchQueue.run(key, fn, x)`` stacks the ``x`` of concurrent calls with the
same ``key`` (along the first dimension) into one ``fn(torch.cat(xs))`` and hands each caller its own rows:

1. the first caller of a key opens a batch and is its leader; later callers join it until it is closed;
2. the leader waits ``window`` seconds (only when another batch is already computing: alone, it runs at once),
   then for the compute slot (``workers`` batches at a time); the batch closes when its turn comes, so under
   load batches grow by themselves while the previous one computes;
3. the leader runs ``fn`` once on the stacked rows and splits the result; if that raises, each input is run
   alone, so an error reaches only the caller whose input caused it;
4. every wait is bounded (``timeout``): a caller never hangs on somebody else's batch.

Row i of a batched pass equals the pass of row i alone, bit for bit, for our convolutional generators on CPU
(``tests/test_classroom_batching.py`` checks it); a key holds everything that changes the computation
(module, method, row shape, dtype, device, inference mode), so only like with like is stacked.

Batching is switched on for a block of code by ``batching(queue)`` (a context variable: the preview route's
renders, ``explorer.ui.previews``) and offered by a model method decorated with ``@batchable``; everywhere
else (training, tests, the CLI) a decorated method is the plain method.
"""

import contextlib
import contextvars
import functools
import threading
import time
from collections.abc import Callable, Hashable, Iterator

import torch

_ACTIVE: contextvars.ContextVar["BatchQueue | None"] = contextvars.ContextVar("batch_queue", default=None)


class _Batch:
    """The inputs of one batch, its outputs (or errors) once computed, and the event its callers wait on."""

    def __init__(self) -> None:
        self.inputs: list[torch.Tensor] = []
        self.outputs: list[torch.Tensor | None] = []
        self.errors: list[BaseException | None] = []
        self.closed = False
        self.done = threading.Event()

    def compute(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
        n = len(self.inputs)
        try:
            stacked = self.inputs[0] if n == 1 else torch.cat(self.inputs)
            out = fn(stacked)
            if not isinstance(out, torch.Tensor) or out.shape[0] != stacked.shape[0]:
                raise TypeError(f"a batched call must return one row per input row, got {type(out).__name__}")
            sizes = [x.shape[0] for x in self.inputs]
            self.outputs, self.errors = list(out.split(sizes)), [None] * n
        except Exception as error:  # one bad input must not poison the others: run each alone
            if n == 1:
                self.outputs, self.errors = [None], [error]
            else:
                self.outputs, self.errors = [None] * n, [None] * n
                for i, x in enumerate(self.inputs):
                    try:
                        self.outputs[i] = fn(x)
                    except Exception as alone:
                        self.errors[i] = alone
        finally:
            self.done.set()


class BatchQueue:
    """Stacks concurrent ``run(key, fn, x)`` calls with equal keys into one ``fn`` call (see the module notes)."""

    def __init__(self, window: float = 0.002, max_batch: int = 32, workers: int = 1, timeout: float = 60.0):
        if window < 0 or max_batch < 1 or workers < 1 or timeout <= 0:
            raise ValueError("window ≥ 0, max_batch ≥ 1, workers ≥ 1 and timeout > 0 are needed")
        self.window = window  # seconds a leader waits for company while another batch computes
        self.max_batch = max_batch  # inputs per batch; the next caller opens a new one
        self.timeout = timeout  # the longest any caller waits, for a compute slot or for its batch
        self._slots = threading.Semaphore(workers)  # batches computing at once
        self._lock = threading.Lock()
        self._open: dict[Hashable, _Batch] = {}
        self._busy = 0  # batches computing or waiting for a slot
        self.batches = 0  # statistics: passes run, inputs served
        self.inputs = 0

    def run(self, key: Hashable, fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """``fn(x)``, computed in one pass with the concurrent calls of the same ``key``."""
        with self._lock:
            batch = self._open.get(key)
            leader = batch is None or batch.closed or len(batch.inputs) >= self.max_batch
            if leader:
                batch = self._open[key] = _Batch()
                wait = self.window if self._busy else 0.0
                self._busy += 1
            index = len(batch.inputs)
            batch.inputs.append(x)
        if leader:
            self._lead(key, batch, fn, wait)
        elif not batch.done.wait(self.timeout):
            raise TimeoutError(f"a batched render did not finish within {self.timeout:.0f} s")
        error = batch.errors[index]
        if error is not None:
            raise error
        return batch.outputs[index]

    def waiting(self) -> int:
        """Calls in batches not yet closed (joined, waiting for their pass)."""
        with self._lock:
            return sum(len(batch.inputs) for batch in self._open.values() if not batch.closed)

    def _lead(self, key: Hashable, batch: _Batch, fn: Callable, wait: float) -> None:
        try:
            if wait:
                time.sleep(wait)
            if not self._slots.acquire(timeout=self.timeout):
                with self._lock:
                    batch.closed = True
                n, late = len(batch.inputs), TimeoutError(f"no render slot within {self.timeout:.0f} s")
                batch.outputs, batch.errors = [None] * n, [late] * n
                return
            try:
                with self._lock:  # from here on, newcomers open the next batch
                    batch.closed = True
                    if self._open.get(key) is batch:
                        del self._open[key]
                    self.batches += 1
                    self.inputs += len(batch.inputs)
                batch.compute(fn)
            finally:
                self._slots.release()
        finally:
            with self._lock:
                batch.closed = True
                if self._open.get(key) is batch:
                    del self._open[key]
                self._busy -= 1
            batch.done.set()


@contextlib.contextmanager
def batching(queue: BatchQueue | None) -> Iterator[None]:
    """Inside this block (this thread or task), ``@batchable`` methods go through ``queue`` (None: they don't)."""
    token = _ACTIVE.set(queue)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def batchable(method: Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]):
    """A module method ``method(self, x) -> y`` (row i of y depends on row i of x only) whose concurrent calls
    inside ``batching(queue)`` share one pass. Calls that track gradients, pass more arguments, or come from
    outside a ``batching`` block, or reach a module in training mode (batch norm's batch statistics mix rows), run
    as they are."""

    @functools.wraps(method)
    def wrapper(self: torch.nn.Module, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        queue = _ACTIVE.get()
        if queue is None or args or kwargs or self.training or torch.is_grad_enabled() or not torch.is_tensor(x):
            return method(self, x, *args, **kwargs)
        inference = torch.is_inference_mode_enabled()
        key = (id(self), method.__qualname__, tuple(x.shape[1:]), x.dtype, x.device, inference)

        def run(stacked: torch.Tensor) -> torch.Tensor:  # in the leader's thread: the callers' grad mode
            with batching(None), torch.inference_mode(inference), torch.no_grad():  # nested calls: not queued again
                return method(self, stacked)

        return queue.run(key, run, x)

    return wrapper
