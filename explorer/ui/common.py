"""Helpers shared by the tabs: user-facing errors and download files."""

import functools
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import gradio as gr

from explorer.data import DatasetUnavailable

F = TypeVar("F", bound=Callable)
DOWNLOADS = Path(tempfile.gettempdir()) / "latent-explorer-downloads"


def user_errors(handler: F) -> F:
    """Turn the errors a user can cause (bad seed, unknown model, corrupt file) into ``gr.Error``."""

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except (ValueError, DatasetUnavailable, FileNotFoundError) as error:
            raise gr.Error(str(error)) from error

    return wrapper  # type: ignore[return-value]


def download_path(stem: str, suffix: str) -> Path:
    """A fresh file path for a download, named after what it holds (unique per call)."""
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=DOWNLOADS))
    return folder / (re.sub(r"[^A-Za-z0-9_.-]+", "-", stem) + suffix)
