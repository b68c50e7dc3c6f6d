"""Helpers shared by the tabs: user-facing errors and download files."""

import contextlib
import functools
import inspect
import logging
import math
import re
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import gradio as gr
import torch

from explorer import latent
from explorer.data import DatasetUnavailable, load_fashion_mnist
from explorer.device import default_device
from explorer.gpu import MAX_SECONDS, RENDER_SECONDS, in_worker, on_worker_start, task
from explorer.models.folder import remove_older
from explorer.settings import Settings
from explorer.zoo import Zoo, ZooEntry

F = TypeVar("F", bound=Callable)
DOWNLOADS = Path(tempfile.gettempdir()) / "latent-explorer-downloads"


log = logging.getLogger("latent_explorer")


def user_error(error: Exception, where: str) -> gr.Error | None:
    """The one-line ``gr.Error`` a user reads for ``error`` raised in handler ``where`` (None: not ours to translate).

    - bad input (a bad seed, an unknown model, a corrupt file: ``ValueError`` and friends): its message;
    - values that slip past the checks (a NaN, an absurd number, a wrong type sent through the API):
      "invalid input", logged with its traceback, since it points at a missing check;
    - the server's own faults, not the input's: out of memory (say so, and what to try) and any other
      ``RuntimeError`` (a server error, logged), so a user never reads "check the values" for a crash.
    """
    if isinstance(error, (ValueError, DatasetUnavailable, FileNotFoundError)):
        return gr.Error(str(error))
    if isinstance(error, torch.OutOfMemoryError):
        log.exception("out of memory in %s", where)
        return gr.Error(
            "the server ran out of memory for this request: ask for fewer or smaller images, "
            "or try again when other users' work is done"
        )
    if isinstance(error, (TypeError, OverflowError, IndexError, KeyError)):
        log.exception("unexpected input in %s", where)
        return gr.Error(f"invalid input ({type(error).__name__}: {error}); check the values and try again")
    if isinstance(error, RuntimeError):
        log.exception("server error in %s", where)
        return gr.Error(
            f"server error ({type(error).__name__}: {error}); the input looks fine, the server failed: "
            "try again, and report it if it persists"
        )
    return None


def user_errors(handler: F) -> F:
    """Turn what can go wrong in a handler into a ``gr.Error`` that says what happened (``user_error``).

    It runs the handler where it is called; the pure compute among handlers is also a ZeroGPU task (``on_gpu``).
    """

    if inspect.isgeneratorfunction(handler):  # a streaming handler (progress views): the same errors, mid-stream

        @functools.wraps(handler)
        def streaming(*args, **kwargs):
            with errors_as_messages(handler.__name__):
                yield from handler(*args, **kwargs)

        return streaming  # type: ignore[return-value]

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        with errors_as_messages(handler.__name__):
            return handler(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def errors_as_messages(name: str):
    """Inside: an exception ``user_error`` translates leaves as its ``gr.Error`` (``name``: the handler's, for the
    log); a ``gr.Error`` and what it does not translate leave as they are."""
    try:
        yield
    except gr.Error:
        raise
    except Exception as error:
        message = user_error(error, name)
        if message is None:
            raise
        raise message from error


@dataclass(frozen=True)
class ZooRef:
    """A zoo as a GPU task's argument: its key in this process (a forked worker has the same zoo under it) and
    what a worker forked earlier needs to catch up (the manifest, and the generation of its models)."""

    key: str
    entries: tuple[ZooEntry, ...]
    generation: int


_ZOOS: "weakref.WeakValueDictionary[str, Zoo]" = weakref.WeakValueDictionary()
"""Every zoo a GPU task was called with, by key: a worker inherits them through the fork."""


def zoo_ref(zoo: Zoo) -> ZooRef:
    key = f"zoo-{id(zoo)}"
    _ZOOS[key] = zoo
    return ZooRef(key, tuple(zoo.entries.values()), zoo.generation)


def worker_zoo(ref: ZooRef) -> Zoo:
    """The zoo ``ref`` names; in a GPU worker, the inherited copy brought up to date if the main process loaded or
    replaced models since the fork (its models then reload from their folders, here). In the main process (off
    ZeroGPU) the zoo itself: its own state is newer than any ref."""
    zoo = _ZOOS[ref.key]
    if in_worker() and zoo.generation != ref.generation:
        stale = set(zoo.entries) | {e.name for e in ref.entries}
        zoo.entries.clear()
        zoo.entries.update({e.name: e for e in ref.entries})
        for name in stale:
            zoo.forget(name)
        zoo.generation = ref.generation
    return zoo


def _zoos_to_worker_device() -> None:
    for zoo in _ZOOS.values():
        zoo.enter_worker(default_device())


on_worker_start(_zoos_to_worker_device)


def on_gpu(duration: int | Callable[..., int] = RENDER_SECONDS) -> Callable[[F], F]:
    """Decorator: the handler ``f(zoo, *plain values)`` runs as a ZeroGPU task (``explorer.gpu.task``).

    The zoo travels as a ``ZooRef``; its errors become ``gr.Error`` in the worker (ZeroGPU passes only those on);
    ``duration``: seconds, or a function of the handler's other arguments by name (``explorer.gpu.seconds_per``).
    Only for handlers that compute: what they change in the zoo or a module stays in the worker. Apply under
    ``user_errors``.
    """

    def decorate(handler: F) -> F:
        signature = inspect.signature(handler)

        def seconds(ref: ZooRef, *args, **kwargs) -> int:
            try:
                bound = signature.bind(None, *args, **kwargs)
            except TypeError:
                return MAX_SECONDS  # the call itself fails in the worker, with its message
            bound.apply_defaults()
            return duration(**dict(list(bound.arguments.items())[1:]))

        def on_worker(ref: ZooRef, *args, **kwargs):
            with errors_as_messages(handler.__name__):
                return handler(worker_zoo(ref), *args, **kwargs)

        def streaming(ref: ZooRef, *args, **kwargs):
            with errors_as_messages(handler.__name__):
                yield from handler(worker_zoo(ref), *args, **kwargs)

        function = streaming if inspect.isgeneratorfunction(handler) else on_worker
        function.__module__, function.__name__, function.__qualname__ = (
            handler.__module__,
            handler.__name__,
            handler.__qualname__,
        )
        parameters = list(signature.parameters.values())
        function.__signature__ = inspect.Signature(
            [inspect.Parameter("zoo", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=ZooRef), *parameters[1:]]
        )
        run = task(seconds if callable(duration) else duration)(function)

        @functools.wraps(handler)
        def called(zoo: Zoo, *args, **kwargs):
            return run(zoo_ref(zoo), *args, **kwargs)

        called.task = run.task
        return called  # type: ignore[return-value]

    return decorate


HEAVY = dict(concurrency_limit=1, concurrency_id="heavy")
"""Event settings for work of seconds (a FID curve, GANSpace or a classifier fit, an inversion, the Metrics tab's
computations): one at a time across the whole app, in one queue group, so that a room's requests for them wait
their turn instead of taking every core from the previews, which never queue (``preview_options``, the
preview route). Training runs in its own thread, one run per app (``trainers.job``)."""


def preview_options(settings: Settings) -> dict:
    """Event settings for cheap renders driven by a slider or a click.

    These are the Gradio events' settings; while a slider moves, the preview route paints first
    (``explorer.ui.previews``). Default: the render skips the queue (``queue=False``): a direct HTTP
    call, no spinner, newest input wins. ``bench/latency.py`` measured it at 1.3–1.9× the bare-Gradio
    floor's p95 against 1.8–2.7× through the queue, and ``tests/test_concurrency.py`` checks that 20
    clients scrubbing at once each get their own images. ``settings.direct_previews`` off puts these
    renders back on the queue.
    """
    options = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
    if settings.direct_previews:
        options["queue"] = False
    return options


def parse_seeds(text: str, group: str, limit: int = 16, how: str = "type seeds like 3, 17, 42") -> list[int]:
    """ "1, 2 3" → [1, 2, 3]; an empty or malformed group is a ``ValueError`` saying what to do."""
    parts = [p for p in str(text or "").replace(",", " ").split() if p]
    if not parts:
        raise ValueError(f"group {group} is empty: {how}")
    bad = [p for p in parts if not p.isdigit() or int(p) > latent.MAX_SEED]
    if bad:
        raise ValueError(
            f"group {group}: {bad[0]!r} is not a seed; seeds are whole numbers from 0 to {latent.MAX_SEED}, "
            "e.g. 3, 17, 42"
        )
    seeds = [int(p) for p in parts]
    if len(seeds) > limit:
        raise ValueError(f"group {group} has {len(seeds)} seeds; use at most {limit}")
    return seeds


def whole_number(value, what: str, low: int, high: int) -> int:
    """``value`` as an int in [low, high], or ``ValueError`` saying so in the user's words."""
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value != int(value)
        or not low <= value <= high
    ):
        raise ValueError(f"{what} must be a whole number from {low} to {high}, got {value!r}")
    return int(value)


def test_set(zoo: Zoo):
    """Fashion-MNIST's test split, read once per zoo (``DatasetUnavailable`` where it is not on disk)."""
    return zoo.memo("fashion-mnist-test", "", lambda: load_fashion_mnist("test", settings=zoo.settings))


def drawn_image(elem_id: str, label: str | None = None, **options) -> gr.Image:
    """An image the server draws: PIL in, sent as PNG (lossless: the pixels a test compares are the ones drawn), not
    editable; without a label, none shown. ``options``: Gradio's others (``scale``, ``height``, a first value)."""
    shown = {"label": label} if label is not None else {"show_label": False}
    return gr.Image(type="pil", format="png", interactive=False, elem_id=elem_id, **shown, **options)


def named_values(controls: dict, values: dict) -> dict:
    """Gradio's ``{component: value}`` (an event whose inputs are a set) → ``{name: value}`` through the tab's one
    ``{name: component}`` dict: handlers get their settings by name, never by position."""
    return {name: values[component] for name, component in controls.items()}


def _named_signature(handler: Callable, slots: list, tracked: list[str]) -> inspect.Signature:
    """What Gradio reads of ``by_name``'s fn: one parameter per input, named after the handler's (``name_i`` for a
    list's items) with its default (the API's optional arguments: those after the last required one), then the
    progress trackers."""
    handler_parameters = inspect.signature(handler).parameters
    Parameter = inspect.Parameter
    parameters = []
    for name, count in slots:
        if count is None:
            parameters.append((name, getattr(handler_parameters.get(name), "default", Parameter.empty)))
        else:
            parameters += [(f"{name}_{i}", Parameter.empty) for i in range(count)]
    required = max((i for i, (_, default) in enumerate(parameters) if default is Parameter.empty), default=-1)
    parameters = [
        Parameter(n, Parameter.POSITIONAL_OR_KEYWORD, default=Parameter.empty if i <= required else default)
        for i, (n, default) in enumerate(parameters)
    ]
    parameters += [Parameter(n, Parameter.POSITIONAL_OR_KEYWORD, default=gr.Progress()) for n in tracked]
    return inspect.Signature(parameters)


def by_name(handler: Callable, controls: dict) -> tuple[Callable, list]:
    """``handler`` fed by ``controls``, ``{parameter: component}`` (or a list of components for a parameter that
    takes a list): an event's fn and inputs that hand each control's value to the parameter it is named after.

    Gradio, the preview route and a share link's restore all pass the inputs' values in order; ``fn`` names them
    with the one dict that made the inputs, so no second ordered list must agree with it (``named_values`` is the
    same for an event whose inputs are a set, which the preview route and the restore cannot take). A ``gr.Progress``
    parameter of ``handler`` stays one that Gradio fills in."""
    slots = [(name, len(c) if isinstance(c, list | tuple) else None) for name, c in controls.items()]
    handler_name = (handler.func if isinstance(handler, functools.partial) else handler).__name__
    inputs = [part for c in controls.values() for part in (c if isinstance(c, list | tuple) else [c])]
    tracked = [p.name for p in inspect.signature(handler).parameters.values() if isinstance(p.default, gr.Progress)]

    def fn(*values):
        if len(values) > len(inputs) + len(tracked):  # too many, or too few below: a TypeError, as a positional call
            raise TypeError(f"{handler_name}() takes {len(inputs)} values ({', '.join(controls)}), got {len(values)}")
        named, at = {}, 0
        for name, count in slots:
            if at + (count or 1) > len(values):  # a value not sent: the handler's default, or its TypeError
                break
            named[name] = values[at] if count is None else list(values[at : at + count])
            at += 1 if count is None else count
        return handler(**named, **dict(zip(tracked, values[at:], strict=False)))  # the progress Gradio passes

    fn.__signature__ = _named_signature(handler, slots, tracked)
    fn.__name__ = fn.__qualname__ = handler_name  # the endpoint's name: the handler's
    return fn, inputs


def by_values(handler: Callable[[dict], object], controls: dict) -> tuple[Callable, list]:
    """``by_name`` for a handler that takes the controls' values as one dict, ``handler({name: value})``: the BigGAN
    tab's inside views share one set of controls and each reads the ones it needs."""

    def whole(**values):
        return handler(values)

    whole.__name__ = (handler.func if isinstance(handler, functools.partial) else handler).__name__
    return by_name(whole, controls)


@dataclass(frozen=True)
class ModelList:
    """A tab's model dropdown and how to list its models; refreshed when the zoo gains a model."""

    dropdown: gr.Dropdown
    names: Callable[[], list[str]]


DOWNLOAD_LIFETIME_S = Settings.download_minutes * 60  # app.build_app sets it from the app's settings


def download_path(stem: str, suffix: str) -> Path:
    """A fresh file path for a download, named after what it holds (unique per call).

    Bounded: each call first removes the download folders older than ``DOWNLOAD_LIFETIME_S`` (Gradio copies a
    returned file into its own cache at once, and ``app.build_app``'s ``delete_cache`` ages those copies out)."""
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    remove_older(DOWNLOADS, DOWNLOAD_LIFETIME_S)
    folder = Path(tempfile.mkdtemp(dir=DOWNLOADS))
    return folder / (re.sub(r"[^A-Za-z0-9_.-]+", "-", stem) + suffix)
