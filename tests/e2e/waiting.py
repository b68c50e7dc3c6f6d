"""Waiting for what a browser test checks: poll the condition itself until a deadline, never sleep a fixed time."""

import io
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

POLL_MS = 100

# every src the <img> inside ``sel`` takes from now on (Gradio's files and the previews' blobs), in window.__srcs
WATCH_SRCS = """
(sel) => {
  window.__srcs = [];
  const root = document.querySelector(sel);
  new MutationObserver(() => window.__srcs.push(root.querySelector('img')?.src ?? ''))
    .observe(root, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
}
"""

SHOWN_FILE = """
(sel) => {
  const img = document.querySelector(sel);
  return img && img.complete && img.naturalWidth > 0 && !img.src.startsWith('blob:') ? img.src : null;
}
"""


def fetch_image(src: str) -> np.ndarray:
    with urllib.request.urlopen(src.replace("localhost", "127.0.0.1"), timeout=30) as response:
        return np.asarray(Image.open(io.BytesIO(response.read())))


def wait_for_image(page, selector: str, expected, timeout: float = 30.0) -> np.ndarray:
    """Poll until ``selector``'s <img> shows a file (Gradio's own value, not a route preview's ``blob:``) whose
    pixels are exactly ``expected``; return them. Fails after ``timeout`` s, saying what was shown last."""
    expected = np.asarray(expected)
    deadline = time.monotonic() + timeout
    src, shown = None, None
    while True:
        now = page.evaluate(SHOWN_FILE, selector)
        if now and now != src:
            src, shown = now, fetch_image(now)
            if shown.shape == expected.shape and np.array_equal(shown, expected):
                return shown
        if time.monotonic() > deadline:
            if shown is None:
                pytest.fail(f"{selector}: no loaded image file within {timeout} s")
            if shown.shape != expected.shape:
                difference = f"shape {shown.shape}, expected {expected.shape}"
            else:
                difference = f"{int((shown != expected).sum())} of {shown.size} values differ"
            pytest.fail(f"{selector} did not show the expected image within {timeout} s; last file {src}: {difference}")
        page.wait_for_timeout(POLL_MS)  # the poll interval (Playwright handles the page's events meanwhile)
