"""Helpers shared by the tabs: user-facing errors and download files."""

import functools
import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import gradio as gr

from explorer.data import DatasetUnavailable

F = TypeVar("F", bound=Callable)
DOWNLOADS = Path(tempfile.gettempdir()) / "latent-explorer-downloads"


log = logging.getLogger("latent_explorer")


def user_errors(handler: F) -> F:
    """Turn the errors a user can cause (bad seed, unknown model, corrupt file) into ``gr.Error``.

    Values that slip past the checks (a NaN, an absurd number, a wrong type sent through the API)
    also end as a message, never as a stack trace in the browser; those are logged with their
    traceback on the server, since they point at a missing check.
    """

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except gr.Error:
            raise
        except (ValueError, DatasetUnavailable, FileNotFoundError) as error:
            raise gr.Error(str(error)) from error
        except (TypeError, OverflowError, RuntimeError, IndexError, KeyError) as error:
            log.exception("unexpected input in %s", handler.__name__)
            raise gr.Error(
                f"invalid input ({type(error).__name__}: {error}); check the values and try again"
            ) from error

    return wrapper  # type: ignore[return-value]


def preview_options() -> dict:
    """Event settings for cheap renders driven by a slider or a click (read when the app is built).

    These are the Gradio events' settings; while a slider moves, the preview route paints first
    (``explorer.ui.previews``). Default: the render skips the queue (``queue=False``): a direct HTTP
    call, no spinner, newest input wins. ``bench/latency.py`` measured it at 1.3–1.9× the bare-Gradio
    floor's p95 against 1.8–2.7× through the queue, and ``tests/test_concurrency.py`` checks that 20
    clients scrubbing at once each get their own images. ``LATENT_EXPLORER_DIRECT_PREVIEWS=0`` puts
    these renders back on the queue.
    """
    options = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
    if os.environ.get("LATENT_EXPLORER_DIRECT_PREVIEWS", "1") != "0":
        options["queue"] = False
    return options


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
