"""Every step of the shipped lecture path, resolved in Python: the restore a step's ▶ runs in the page (one Gradio
event, ``share._restorer``), called as the page calls it, with Fashion-MNIST on disk and without it (a Space with no
``packages.txt``). No step may raise, warn (a ``gr.Warning`` is a message on the lecturer's screen) or leave its
tab's first view empty. The browser walks a few steps (tests/test_space_run.py, tests/e2e/); the logic of all 33 is
checked here, at a fraction of the cost.

One walk covers both data states: each step runs first without the data, where every look for Fashion-MNIST (or
MNIST) goes through ``explorer.data._folders`` and nothing read from the data can be cached, since none exists. A
step that never looked is the same computation with the data on disk; only the steps that looked run again with
it."""

import json
import warnings

import gradio as gr
import pytest

import app
from explorer import data
from explorer.settings import Settings
from explorer.ui import path as lecture_path
from explorer.zoo import Zoo

pytestmark = pytest.mark.slow  # each step draws its views (33 steps, and again those that look for the data)


def restores(built) -> dict[str, object]:
    """{tab id or "tab": the block function of its restore} (share.build: one hidden button per tab with settings)."""
    found = {}
    for fn in built.fns.values():
        if getattr(fn.fn, "__name__", "") != "on_restore":
            continue
        (block_id, _), *_ = fn.targets
        found[built.blocks[block_id].elem_id.removeprefix("restore-")] = fn
    return found


def path_of(built) -> gr.State:
    """The page's lecture path (the State holding the shipped ``LecturePath``)."""
    return next(
        c for c in built.blocks.values() if isinstance(c, gr.State) and isinstance(c.value, lecture_path.LecturePath)
    )


def walk(built, numbers=None) -> dict[str, list[str]]:
    """{step: its problems}: each step's restore (the steps ``numbers``, 0-based; default all) called with the step's
    index, as ▶ asks it, on a fresh page."""
    by_tab = restores(built)
    path_state = path_of(built)
    steps = path_state.value.steps
    problems = {}
    for index, step in enumerate(steps):
        if numbers is not None and index not in numbers:
            continue
        params = step.params()
        fn = by_tab.get(params["tab"], by_tab["tab"])
        values = [c.value for c in fn.inputs[3:]]  # a fresh page's controls
        found = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                # no gr.Request (no page): every ask is its page's newest
                yields = list(fn.fn(None, json.dumps({"index": index}), path_state.value, None, *values))
            except Exception as error:  # noqa: BLE001 — any exception is this step's failure, named
                yields, found = [], [f"{type(error).__name__}: {error}"]
        found += [
            str(w.message) for w in caught if "gradio" in (w.filename or "") or issubclass(w.category, UserWarning)
        ]
        if yields:
            last = dict(zip(fn.outputs, yields[-1], strict=True))
            # the page selects the tab (page.js: P.select); the restore tells the server which one is shown
            current = [v for c, v in zip(fn.outputs, yields[0], strict=True) if isinstance(c, gr.State)]
            if params["tab"] not in current:
                found.append(f"the restore took {params['tab']!r} for another tab's ({current})")
            views = [c for c in fn.outputs if isinstance(c, gr.Image | gr.Plot | gr.Gallery)]
            empty = [c.elem_id or c.label for c in views if last[c] is None]
            if views and len(empty) == len(views):
                found.append(f"no view drawn (empty: {empty})")
        problems[f"{index + 1}. {step.title}"] = found
    return {step: found for step, found in problems.items() if found}


def test_every_step_of_the_shipped_path_restores_and_draws_without_a_message(default_zoo, tmp_path, monkeypatch):
    # a Space without packages.txt: nothing installed, nothing cached, and no network (a download fails at once)
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    without = Zoo(device="cpu", settings=Settings(system_data=tmp_path / "none", data_cache=tmp_path / "cache"))
    built = app.build_app(without)
    assert len(restores(built)) >= 5
    looked, folders = [], data._folders

    def looking(*args, **kwargs):
        looked.append(args[2])  # the dataset's name
        return folders(*args, **kwargs)

    monkeypatch.setattr(data, "_folders", looking)
    steps = len(path_of(built).value.steps)
    needing = set()
    problems = {}
    for index in range(steps):
        looked.clear()
        problems |= {f"{step} (without the data)": found for step, found in walk(built, {index}).items()}
        if looked:
            needing.add(index)
    assert problems == {}
    # the steps that read Fashion-MNIST's test images, or try to and draw without them (17 of 33 here): the look
    # above is how the walk knows them, so it must see some (the VQ-VAE, CycleGAN, data-range steps), and not all
    assert 0 < len(needing) < steps, sorted(needing)
    assert walk(app.build_app(default_zoo), needing) == {}
