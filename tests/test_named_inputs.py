"""Each control reaches the parameter it is named after, however a handler is called (issue #28 item 3).

The explorer tabs' handlers take many controls (Directions' edit takes 11). Gradio's events, the preview route
(the JavaScript's arguments) and a share link's restore call them with the values of an inputs list, in order; a list
in another order than the handler's parameters (Directions' edit and overview take the same controls in different
orders) would hand a control's value to another parameter, unseen while the values happen to be alike. Here every
control gets a value of its own, each handler is replaced by a spy that binds its arguments to the real handler's
parameters, and every call must carry each control's value in the parameter the table below names for it.
"""

import functools
import inspect
import json
import re

import gradio as gr
import pytest

from explorer.ui import share
from explorer.ui.common import by_name
from explorer.ui.previews import Previews
from explorer.ui.tabs import arithmetic, directions, interpolation, stylemix
from explorer.ui.tabs.stylemix import mixing, motion, noise

INTERPOLATION_CONTROLS = {
    "model_name": "interp-model",
    "seed_a": "interp-seed-a",
    "seed_b": "interp-seed-b",
    "t": "interp-t",
    "method": "interp-method",
    "n_frames": "interp-frames",
    "ends": "interp-ends",
    "image_a": "interp-image-a",
    "image_b": "interp-image-b",
    "code_a": "interp-code-a",
    "code_b": "interp-code-b",
    "upload_a": "interp-upload-a",
    "upload_b": "interp-upload-b",
}
DIRECTIONS_CONTROLS = {
    "name": "dir-model",
    "method": "dir-method",
    "target": "dir-class",
    "condition": "dir-cond",
    "rows": "dir-rows",
    "with_seeds": "dir-with",
    "without_seeds": "dir-without",
    "index": "dir-index",
    "alpha": "dir-alpha",
    "seed": "dir-seed",
    "source": "dir-source",
}
ARITHMETIC_CONTROLS = {
    "name": "arith-model",
    "seeds_a": "arith-a",
    "seeds_b": "arith-b",
    "seeds_c": "arith-c",
    "space": "arith-space",
    "sigma": "arith-sigma",
    "noise_seed": "Noise seed",
}
STYLEMIX_CONTROLS = {
    "name": "mix-model",
    "sources": "mix-src",
    "destinations": "mix-dst",
    "preset": "mix-preset",
    "first": "custom: from row",
    "last": "custom: to row",
    "psi": "mix-psi",
    "cutoff": "ψ on the first rows only (0 = all)",
    "noise_mode": "mix-noise-mode",
    "noise_seed": "Noise seed",
    "seed": "Latent seed",
    "strength": "mix-strength",
    "other": "motion-other",
    "motion_seed": "motion-seed",
    "motion_psi": "motion-psi",
    "shift_x": "motion-x",
    "shift_y": "motion-y",
    "angle": "motion-angle",
    "frames": "Frames to average",
    "layer_strengths": "mix-layer-",  # one slider per row of ws: mix-layer-0, mix-layer-1, …
}
# tab: (the module whose build is run, its controls by parameter, [(module the build reads it from, handler, outputs)])
TABS = {
    "interpolation": (
        interpolation,
        INTERPOLATION_CONTROLS,
        [
            (interpolation, "render_frame", 1),
            (interpolation, "render_path", 4),
            (interpolation, "render_norms", 1),
            (interpolation, "render_path_video", 1),
        ],
    ),
    "directions": (directions, DIRECTIONS_CONTROLS, [(directions, "render_edit", 1), (directions, "overview", 5)]),
    "arithmetic": (arithmetic, ARITHMETIC_CONTROLS, [(arithmetic, "arithmetic", 3)]),
    "stylemix": (
        stylemix,
        STYLEMIX_CONTROLS,
        [
            (mixing, "style_mix", 3),
            (noise, "noise_panel", 3),
            (noise, "noise_image", 1),
            (noise, "noise_std", 2),
            (motion, "motion", 1),
            (motion, "sticking", 1),
        ],
    ),
}


def key(component) -> str:
    return component.elem_id or component.label


def own_value(component) -> str:
    """A value no other control has: the control's own name."""
    return f"<{key(component)}>"


def spy_on(monkeypatch, module, name: str, n_outputs: int, drawn: dict) -> list[dict]:
    """Replace ``module.name`` by a spy that records its arguments by the real handler's parameter names (positional
    or keyword: it checks the wiring, whichever it is) and draws ``drawn["value"]`` in each output: nothing while the
    tab is built, then ``gr.skip()`` (a restore keeps the controls' values)."""
    handler = getattr(module, name)
    real = getattr(handler, "real", None) or inspect.signature(handler)  # a second build: the first's spy
    calls = []

    def spy(zoo, *args, **kwargs):
        bound = real.bind(zoo, *args, **kwargs).arguments
        calls.append({k: v for k, v in bound.items() if k not in ("zoo", "progress")})
        return drawn["value"] if n_outputs == 1 else (drawn["value"],) * n_outputs

    spy.real = real
    monkeypatch.setattr(module, name, spy)
    return calls


def expected(controls: dict, parameter: str, components) -> object:
    """The value the control named for ``parameter`` was given (a list of them for a list of sliders)."""
    name = controls[parameter]
    if name.endswith("-"):
        return [own_value(c) for c in components if (c.elem_id or "").startswith(name)]
    return f"<{name}>"


def built(tab: str, monkeypatch, default_zoo, route: bool = True):
    """The tab built with its handlers spied on (``route``: the preview route on, else plain Gradio events)."""
    module, controls, handlers = TABS[tab]
    drawn = {"value": None}
    spies = {name: spy_on(monkeypatch, owner, name, n, drawn) for owner, name, n in handlers}
    previews = Previews(enabled=route)
    with gr.Blocks() as demo:
        parts = module.build(default_zoo, previews)
    drawn["value"] = gr.skip()
    for calls in spies.values():
        calls.clear()  # the first view drawn by build: the tab's defaults
    return demo, parts, previews, spies


def call_quietly(fn, components) -> None:
    try:
        fn(*[own_value(c) for c in components])
    except Exception:  # noqa: BLE001 - other handlers refuse these values; only the spies' calls count
        pass


def preview_calls(demo, previews):
    """(handler, inputs) of each preview: what the route calls with the arguments the page's JavaScript sends."""
    for block_fn in demo.fns.values():
        found = re.search(r"__latentPreview\?\.slider\(\"(\w+)\"", block_fn.js or "")
        if block_fn.fn is None and found:
            yield previews.handlers[found.group(1)], block_fn.inputs


@pytest.mark.parametrize("tab", list(TABS))
def test_every_caller_hands_each_control_to_its_parameter(tab, monkeypatch, default_zoo):
    controls = TABS[tab][1]
    called = set()
    for route in (True, False):  # with the preview route, and without (plain events: the ‖z‖ plot's redraw)
        demo, parts, previews, spies = built(tab, monkeypatch, default_zoo, route)
        components = [b for b in demo.blocks.values() if isinstance(b, gr.components.Component)]
        callers = [(f.fn, f.inputs) for f in demo.fns.values() if f.fn is not None]  # the events
        callers += [(fn, inputs) for fn, inputs, _ in parts.share.renders + parts.opened]  # a link, first views
        callers += list(preview_calls(demo, previews))  # the preview route
        for fn, inputs in callers:
            call_quietly(fn, inputs)
        for name, calls in spies.items():
            for call in calls:
                wrong = {p: v for p, v in call.items() if v != expected(controls, p, components)}
                assert not wrong, f"{tab}: {name} got other controls' values: {wrong}"
        called |= {name for name, calls in spies.items() if calls}
    assert called == {name for _, name, _ in TABS[tab][2]}, f"{tab}: some handlers are called by nothing"


def test_a_directions_link_sets_each_control_and_its_renders_get_them(monkeypatch, default_zoo):
    """A link with a value of its own for every setting: the restore's overview and edit get each in its place."""
    demo, parts, _, spies = built("directions", monkeypatch, default_zoo)
    link = dict(
        tab="directions",
        model="dcgan-digiface-64",
        method="GANSpace (PCA)",
        cls="Bag",
        cond="Coat",
        rows="fine",
        dir="3 · PC 3",
        alpha="1.5",
        seed="77",
        pos="1, 2",
        neg="3, 4",
    )
    with demo:
        current, done = gr.State("directions"), gr.State()
    restore, read, _ = share._restorer(parts.share, [parts.share], ["directions"], current, None, done)
    query = "?" + "&".join(f"{k}={v}" for k, v in link.items())
    list(restore(json.dumps({"link": query}), None, frozenset(), *[c.value for c in read]))
    settings = dict(
        name="dcgan-digiface-64",
        method="GANSpace (PCA)",
        target="Bag",
        condition="Coat",
        rows="fine",
        with_seeds="1, 2",
        without_seeds="3, 4",
        seed=77,
        source="",
        index="3 · PC 3",
    )
    assert spies["overview"] == [settings]
    assert spies["render_edit"] == [settings | dict(alpha=1.5)]


def test_by_name_hands_values_by_name_and_shows_the_handlers_parameters():
    """The API and Gradio see the handler's parameter names, in the inputs' order, with its defaults where every later
    one has one too, and its progress tracker; a list of controls is one parameter of the handler."""

    def handler(zoo, a, b=2, rows=(), c=3, progress=gr.Progress()):  # noqa: B008
        return zoo, a, b, rows, c, progress

    with gr.Blocks():
        x, y, z, r1, r2 = gr.Number(), gr.Number(), gr.Number(), gr.Slider(), gr.Slider()
    fn, inputs = by_name(functools.partial(handler, "zoo"), {"b": y, "a": x, "rows": [r1, r2], "c": z})
    assert inputs == [y, x, r1, r2, z] and fn.__name__ == "handler"
    parameters = inspect.signature(fn).parameters
    assert list(parameters) == ["b", "a", "rows_0", "rows_1", "c", "progress"]
    assert [p.default for p in parameters.values()][:5] == [inspect.Parameter.empty] * 4 + [3]
    assert isinstance(parameters["progress"].default, gr.Progress)
    assert fn("B", "A", 0.1, 0.2, "C") == ("zoo", "A", "B", [0.1, 0.2], "C", handler.__defaults__[-1])
    assert fn("B", "A", 0.1, 0.2, "C", "tracker")[-1] == "tracker"  # what Gradio passes for progress
