"""ZeroGPU: GPU tasks, the functions a ZeroGPU Space runs on a GPU, and an emulation of its contract for tests.

A Space on ZeroGPU hardware has no GPU in its main process. ``@spaces.GPU`` (``task`` here) lends one for a call:
the main process asks the scheduler for ``duration`` seconds of GPU time for the visitor, forks a worker process
(or reuses an idle one: a fork taken at an earlier call), pickles the call's arguments into it, runs the function
there, and pickles its result (or a ``gr.Error``; any other exception arrives as "ZeroGPU worker error") back.
The function itself is not pickled: the worker has it, and every module-level object, through the fork. So
(``spaces`` 0.51, ``spaces/zero/wrappers.py``):

- arguments and results must be plain values (names, seeds, numbers, strings, CPU arrays and tensors, images,
  figures): a ``Zoo`` (it holds a lock), a training job (a thread) or a lab cannot be pickled, and the call
  fails with a ``PicklingError`` the user reads as a bare "Error";
- what a task changes (a model loaded or replaced, a cache filled, a kept latent) changes the worker's copy only,
  and the main process never sees it: tasks compute, they do not keep;
- a reused worker is a snapshot of the main process at its fork: what the main process loaded or replaced later
  reaches it only through the arguments (``explorer.ui.common.on_gpu`` passes the zoo's manifest and generation).

So only pure compute is a task: the main tabs' renders, sample batches, FID/metrics features, GANSpace,
inversion, BigGAN-deep (the BigGAN tab's samples and sweep); ``explorer.ui.common.on_gpu`` turns a handler
``f(zoo, *plain values)`` into one by passing the zoo by its key, and a handler that reads kept state (the
Directions tab's inverted latents) reads it in the main process and passes the values. Every other handler runs
in the main process, on its CPU: loading or saving models, training, the theory and toy-GAN labs, the VAE
comparisons and insides, translation, the BigGAN "inside" views, the Metrics tab's demos of real images, IS
gaming and TSTR, MP4 export. ``TASKS`` lists the tasks; ``tests/test_zerogpu.py`` pickles example arguments of
each and runs them through ``emulate_zero_gpu`` (fork, pickled arguments and result, the worker's changes lost).
The slider preview route calls the same handlers outside a Gradio request, so ZeroGPU sees no visitor there; a
refusal is a 400, and the page falls back to Gradio's event.

Models live in the main process on the CPU (``explorer.device.default_device``: ``import spaces`` makes
``torch.cuda.is_available()`` true there, with no GPU behind it). A worker moves the copies it inherits to its
GPU before its first task (``on_worker_start``; a few MB for our models, milliseconds), which is the ZeroGPU rule
"load on the CPU, move to CUDA" done where the GPU is: moving at module scope would make the main process's
copies stand-ins that only a task can use, and the CPU handlers above use the same models.

Each task asks for the time it needs: ``RENDER_SECONDS`` for a render (a 32² sample takes milliseconds), a
``duration`` callable of the arguments for heavy work (``seconds_per``). ZeroGPU admits a call only while the
visitor's remaining daily quota covers the time it asks for ("N s requested vs. M s left", spaces' client), so
asking 60 s for a 3 ms render would lock a student out after a few clicks; budget a room by requests: renders
per student × 10 s. Hardware: the free CPU renders a preview in tens to hundreds of ms and suits a few users; a
CPU upgrade suits a room (``bench/classroom.py``); ZeroGPU pays off for BigGAN-deep and the heavy metrics, not
for slider previews (each one a request against the visitor's quota).

On ZeroGPU, work that runs outside a task cannot hold the GPU: the Training tab's background run trains on the CPU
there (``training_device``).
"""

import base64
import functools
import inspect
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable
from contextvars import Context
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from typing import TypeVar

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import torch

from explorer import device as devices
from explorer.device import default_device, on_zero_gpu

F = TypeVar("F", bound=Callable)
RENDER_SECONDS = 10  # what a render asks for: milliseconds of work, seconds of margin for a cold worker
MAX_SECONDS = 120  # the most a task asks for (ZeroGPU refuses durations over its maximum)
EMULATE_ENV = "LATENT_EXPLORER_EMULATE_ZERO_GPU"  # "1": run every task as ZeroGPU would (tests; read per call)

try:
    import spaces
except ImportError:  # not on a Space (spaces is in the Space's requirements.txt and the test extra)
    spaces = None

__all__ = [
    "MAX_SECONDS",
    "RENDER_SECONDS",
    "TASKS",
    "Task",
    "emulate_zero_gpu",
    "on_worker_start",
    "on_zero_gpu",
    "seconds_per",
    "task",
]


@dataclass(frozen=True)
class Task:
    """A GPU task: the function a worker runs (plain values in and out) and the GPU time it asks for."""

    function: Callable
    duration: int | Callable[..., int]


TASKS: dict[str, Task] = {}  # "module.name" -> Task, every function ``task`` decorated
_worker_hooks: list[Callable[[], None]] = []
_emulated = False  # set by emulate_zero_gpu
_worker_pid: int | None = None  # this process's pid once it has run as a GPU worker


def on_worker_start(hook: Callable[[], None]) -> None:
    """Run ``hook`` in a GPU worker before its first task (e.g. move the models it inherited to its GPU)."""
    if hook not in _worker_hooks:
        _worker_hooks.append(hook)


def _enter_worker() -> None:
    """Once per worker process: ``default_device`` may pick the GPU, then the hooks run."""
    global _worker_pid
    if _worker_pid == os.getpid():
        return
    _worker_pid = os.getpid()
    torch.set_num_threads(1)  # the fork left OpenMP's CPU threads behind: entering its pool would hang (GNU OpenMP)
    devices.enter_gpu_worker()
    for hook in _worker_hooks:
        hook()


def in_worker() -> bool:
    """Whether this process is a GPU worker (ZeroGPU's, or the emulation's) that has started running tasks."""
    return _worker_pid == os.getpid()


def emulating() -> bool:
    """Whether tasks run through the ZeroGPU emulation (``emulate_zero_gpu``, or ``EMULATE_ENV`` set to 1)."""
    return _emulated or os.environ.get(EMULATE_ENV) == "1"


def emulate_zero_gpu(on: bool = True) -> None:
    """Run every task the way ZeroGPU does, on this machine: in a forked worker, arguments and result pickled."""
    global _emulated
    _emulated = on


def task(duration: int | Callable[..., int] = RENDER_SECONDS) -> Callable[[F], F]:
    """Decorator: ``function`` as a ZeroGPU task asking for ``duration`` seconds (or ``duration(*args, **kwargs)``).

    Off ZeroGPU it runs in this process as it is (unless emulated); on ZeroGPU, in a worker through ``spaces.GPU``.
    """

    def decorate(function: F) -> F:
        streams = inspect.isgeneratorfunction(function)  # spaces streams a generator's values one by one

        @functools.wraps(function)
        def in_worker(*args, **kwargs):
            if on_zero_gpu() or _worker_pid is not None:  # spaces runs this in its worker only
                _enter_worker()
            return function(*args, **kwargs)

        if streams:

            @functools.wraps(function)
            def in_worker(*args, **kwargs):  # noqa: F811 (the generator form of the same)
                if on_zero_gpu() or _worker_pid is not None:
                    _enter_worker()
                yield from function(*args, **kwargs)

        TASKS[f"{function.__module__}.{function.__qualname__}"] = Task(function, duration)
        scheduled = in_worker if spaces is None else spaces.GPU(in_worker, duration=duration)

        @functools.wraps(function)
        def call(*args, **kwargs):
            if emulating() and _worker_pid != os.getpid():
                result = _run_forked(in_worker, args, kwargs, streams)
            elif on_zero_gpu():
                result = scheduled(*args, **kwargs)
            else:
                return scheduled(*args, **kwargs)
            return (revived(value) for value in result) if streams else revived(result)

        call.task = TASKS[f"{function.__module__}.{function.__qualname__}"]
        return call  # type: ignore[return-value]

    return decorate


def revived(value):
    """``value`` as the task made it: a pickled plotly figure comes back with its arrays as base64 dicts
    (``{"dtype", "bdata"}``, what ``to_dict`` writes); the browser reads either, Python readers want the arrays."""
    if isinstance(value, tuple):
        return tuple(revived(v) for v in value)
    if isinstance(value, list):
        return [revived(v) for v in value]
    if isinstance(value, go.Figure):
        return go.Figure(_arrays(value.to_dict()))
    return value


def _arrays(value):
    if isinstance(value, dict):
        if {"dtype", "bdata"} <= set(value) and set(value) <= {"dtype", "bdata", "shape"}:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
            shape = value.get("shape")
            if shape:
                array = array.reshape([int(n) for n in str(shape).split(",")])
            return array.copy()
        return {key: _arrays(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_arrays(v) for v in value]
    return value


def _run_forked(function: Callable, args: tuple, kwargs: dict, streams: bool = False):
    """ZeroGPU's contract, emulated: ``function`` in a forked process, arguments and result (each value of a
    generator) pickled through pipes (``multiprocessing``'s pickler, as ``spaces`` uses), a ``gr.Error`` passed on,
    any other error replaced by "ZeroGPU worker error"."""
    context = multiprocessing.get_context("fork")
    try:  # pickled here, as spaces does: a zoo (its lock, its models), a job (its thread), a lab cannot be
        payload = ForkingPickler.dumps((args, kwargs))
    except Exception as error:
        raise pickle.PicklingError(f"a GPU task's arguments must be plain values: {error}") from error
    receive, send = context.Pipe(duplex=False)
    received, done = context.Pipe(duplex=False)  # closed here once all is received: until then the worker stays,
    # as spaces' worker does (a CPU tensor in the result is shared by file descriptor, handed over by its process)
    ends = (send, received, done)
    worker = context.Process(target=_worker, args=(function, payload, ends, streams), daemon=True)
    worker.start()
    send.close()  # the worker's ends only: a worker that dies is an EOFError here, not a wait forever
    received.close()

    def outcomes():
        try:
            while True:
                try:
                    outcome, value = receive.recv()
                except EOFError:
                    outcome, value = "error", "GPU task aborted"
                if outcome == "ok":
                    yield value
                    if not streams:
                        return
                    continue
                if outcome == "end":
                    return
                if outcome == "gradio":
                    raise value
                raise gr.Error(f"ZeroGPU worker error: {value}")
        finally:
            receive.close()
            done.close()
            worker.join()

    if streams:
        return outcomes()
    return next(outcomes())


def _worker(function: Callable, payload: bytes, ends: tuple, streams: bool) -> None:
    """The forked side of ``_run_forked``: run ``function`` in the worker's own context, send back what it gives."""
    send, received, done = ends
    done.close()  # the caller's end: the worker waits for it to close
    global _worker_pid
    _worker_pid = None  # a new worker: ``_enter_worker`` runs the hooks
    args, kwargs = pickle.loads(payload)

    def run() -> None:
        _enter_worker()
        try:
            if streams:
                for value in function(*args, **kwargs):
                    send.send(("ok", value))
                send.send(("end", None))
            else:
                send.send(("ok", function(*args, **kwargs)))
        except gr.Error as error:
            send.send(("gradio", error))
        except Exception as error:  # the task's own error, or a value that cannot be pickled
            traceback.print_exc()
            send.send(("error", type(error).__name__))

    Context().run(run)  # none of the caller's context variables (a batching queue, a request) reach the worker
    send.close()
    try:
        received.recv()  # returns (EOFError) when the caller has received everything
    except EOFError:
        pass
    os._exit(0)


def seconds_per(parameter: str, base: int, per_second: float, cap: int = MAX_SECONDS) -> Callable[..., int]:
    """A ``duration`` that grows with a count: ``base`` + (the argument ``parameter``) / ``per_second`` seconds, at
    most ``cap``; a count that is not a number asks for ``cap`` (the task itself then says what is wrong)."""

    def seconds(**arguments) -> int:
        try:
            return int(min(cap, base + float(arguments[parameter]) / per_second))
        except (KeyError, TypeError, ValueError, OverflowError):
            return cap

    return seconds


def training_device() -> torch.device:
    """Where the Training tab trains: the CPU on ZeroGPU (a run outlives any one GPU lease), else the best device."""
    return torch.device("cpu") if on_zero_gpu() else default_device()
