"""The previews' render cache: bounded in entries and bytes, a hit only for the very same inputs and model."""

import io
import json
import threading

import gradio as gr
import numpy as np
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from explorer.ui.previews import Previews, RenderCache

WAIT = 30.0


def test_entries_are_bounded_and_the_least_recently_used_goes_first():
    cache = RenderCache(max_entries=3, max_bytes=10_000)
    for key in "abc":
        cache.put(key, key.encode() * 10)
    assert cache.get("a") == b"a" * 10  # a is now the most recently used
    cache.put("d", b"d" * 10)
    assert len(cache) == 3 and cache.get("b") is None  # b was the least recently used
    assert [cache.get(k) is not None for k in "acd"] == [True, True, True]
    assert cache.hits == 4


def test_bytes_are_bounded_and_an_oversized_entry_is_served_but_not_kept():
    cache = RenderCache(max_entries=100, max_bytes=800)
    for i in range(20):
        cache.put(i, bytes(90))
        assert cache.bytes <= 800
    assert len(cache) == 8 and cache.bytes == 720  # 90-byte entries: eight fit
    assert cache.get_or_render("huge", lambda: bytes(200)) == bytes(200)  # > 800 / 8
    assert cache.get("huge") is None and cache.bytes == 720


def test_concurrent_misses_for_the_same_inputs_render_once():
    cache = RenderCache()
    calls, started, go = [], threading.Event(), threading.Event()

    def render() -> bytes:
        calls.append(1)
        started.set()
        go.wait(WAIT)
        return b"png"

    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_render("k", render))) for _ in range(8)]
    threads[0].start()
    assert started.wait(WAIT)
    for thread in threads[1:]:
        thread.start()
    go.set()
    for thread in threads:
        thread.join(WAIT)
    assert results == [b"png"] * 8 and len(calls) == 1 and cache.misses == 1


def test_a_failed_render_is_not_kept():
    cache = RenderCache()
    calls = []

    def failing() -> bytes:
        calls.append(1)
        raise ValueError("t must be between 0 and 1")

    for _ in range(2):
        with pytest.raises(ValueError):
            cache.get_or_render("bad", failing)
    assert len(calls) == 2 and len(cache) == 0
    with pytest.raises(ValueError):
        RenderCache(max_entries=0)


@pytest.fixture
def route():
    """A Previews with one handler (a grey level from its inputs) behind its Starlette route, and its calls."""
    generation = [0]
    previews = Previews(generation=lambda: generation[0])
    calls: list[tuple] = []

    def grey(level: int, size: int) -> Image.Image:
        calls.append((level, size))
        if not 0 <= level <= 255:
            raise gr.Error("level must be between 0 and 255")
        return Image.new("L", (size, size), level)

    previews.register("grey", grey)
    client = TestClient(Starlette(routes=previews.routes()))
    return client, previews, calls, generation


def get(client: TestClient, args: list):
    return client.get("/preview/grey", params={"args": json.dumps(args)})


def test_the_route_answers_each_input_with_its_own_image_and_repeats_from_the_cache(route):
    client, previews, calls, generation = route
    first, other, again = get(client, [10, 8]), get(client, [200, 8]), get(client, [10, 8])
    assert [r.status_code for r in (first, other, again)] == [200, 200, 200]
    assert [r.headers["x-preview-cache"] for r in (first, other, again)] == ["miss", "miss", "hit"]
    assert again.content == first.content and other.content != first.content
    assert np.asarray(Image.open(io.BytesIO(other.content))).max() == 200  # the other input's own image
    assert calls == [(10, 8), (200, 8)]
    generation[0] += 1  # a model was replaced: nothing rendered before is served again
    assert get(client, [10, 8]).headers["x-preview-cache"] == "miss" and len(calls) == 3
    bad = [get(client, [999, 8]) for _ in range(2)]
    assert [r.status_code for r in bad] == [400, 400] and "between 0 and 255" in bad[0].text
    assert len(calls) == 5  # errors are not cached
    assert previews.cache.bytes <= previews.cache.max_bytes


def test_without_a_cache_every_request_renders():
    previews = Previews(cache_mb=0)
    calls = []
    previews.register("grey", lambda level: calls.append(level) or Image.new("L", (4, 4), level))
    client = TestClient(Starlette(routes=previews.routes()))
    answers = [get(client, [7]) for _ in range(3)]
    assert [a.headers["x-preview-cache"] for a in answers] == ["off"] * 3 and calls == [7, 7, 7]
