"""Helpers shared by the tabs: user-facing errors and download files."""

import functools
import inspect
import logging
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import gradio as gr
import torch

from explorer import latent
from explorer.data import DatasetUnavailable
from explorer.gpu import gpu
from explorer.settings import Settings

F = TypeVar("F", bound=Callable)
DOWNLOADS = Path(tempfile.gettempdir()) / "latent-explorer-downloads"


log = logging.getLogger("latent_explorer")


def user_errors(handler: F) -> F:
    """Turn what can go wrong in a handler into a ``gr.Error`` that says what happened.

    - bad input (a bad seed, an unknown model, a corrupt file: ``ValueError`` and friends): its message;
    - values that slip past the checks (a NaN, an absurd number, a wrong type sent through the API):
      "invalid input", logged with its traceback, since it points at a missing check;
    - the server's own faults, not the input's: out of memory (say so, and what to try) and any other
      ``RuntimeError`` (a server error, logged), so a user never reads "check the values" for a crash.

    On a ZeroGPU Space the handler runs as a ``@spaces.GPU`` task (``explorer.gpu``); elsewhere as it is.
    """
    run = gpu(handler)

    def translated(error: Exception) -> gr.Error | None:
        """The ``gr.Error`` a user reads for ``error`` (None: not ours to translate)."""
        if isinstance(error, (ValueError, DatasetUnavailable, FileNotFoundError)):
            return gr.Error(str(error))
        if isinstance(error, torch.OutOfMemoryError):
            log.exception("out of memory in %s", handler.__name__)
            return gr.Error(
                "the server ran out of memory for this request: ask for fewer or smaller images, "
                "or try again when other users' work is done"
            )
        if isinstance(error, (TypeError, OverflowError, IndexError, KeyError)):
            log.exception("unexpected input in %s", handler.__name__)
            return gr.Error(f"invalid input ({type(error).__name__}: {error}); check the values and try again")
        if isinstance(error, RuntimeError):
            log.exception("server error in %s", handler.__name__)
            return gr.Error(
                f"server error ({type(error).__name__}: {error}); the input looks fine, the server failed: "
                "try again, and report it if it persists"
            )
        return None

    if inspect.isgeneratorfunction(handler):  # a streaming handler (progress views): the same errors, mid-stream

        @functools.wraps(handler)
        def streaming(*args, **kwargs):
            try:
                yield from handler(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as error:
                message = translated(error)
                if message is None:
                    raise
                raise message from error

        return streaming  # type: ignore[return-value]

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return run(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as error:
            message = translated(error)
            if message is None:
                raise
            raise message from error

    return wrapper  # type: ignore[return-value]


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


def named_values(controls: dict, values: dict) -> dict:
    """Gradio's ``{component: value}`` (an event whose inputs are a set) → ``{name: value}`` through the tab's one
    ``{name: component}`` dict: handlers get their settings by name, never by position."""
    return {name: values[component] for name, component in controls.items()}


@dataclass(frozen=True)
class ModelList:
    """A tab's model dropdown and how to list its models; refreshed when the zoo gains a model."""

    dropdown: gr.Dropdown
    names: Callable[[], list[str]]


def download_path(stem: str, suffix: str) -> Path:
    """A fresh file path for a download, named after what it holds (unique per call)."""
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=DOWNLOADS))
    return folder / (re.sub(r"[^A-Za-z0-9_.-]+", "-", stem) + suffix)
