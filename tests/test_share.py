"""Share links and settings files: round trip, and hostile or stale values ignored field by field."""

import json

import gradio as gr
import pytest

from explorer.ui import share


@pytest.fixture
def shares():
    with gr.Blocks():
        a = share.Share(
            "interpolation",
            {
                "model": gr.Dropdown(["m1", "m2"], value="m1"),
                "a": gr.Number(0, precision=0, minimum=0, maximum=100),
                "t": gr.Slider(0, 1, value=0.5),
                "path": gr.Radio(["lerp", "slerp"], value="slerp"),
            },
        )
        b = share.Share("truncation", {"alpha": gr.Slider(0, 1), "note": gr.Textbox(), "on": gr.Checkbox()})
    return [a, b]


def test_query_round_trip(shares):
    values = ["m2", 17.0, 0.57, "lerp", 0.2, "x", True]
    text = share.query("interpolation", shares, values)
    assert text == "?tab=interpolation&model=m2&a=17&t=0.57&path=lerp"
    params = dict(p.split("=") for p in text[1:].split("&"))
    tabs, restored, *updates = share.restore(params, shares)
    assert tabs.selected == "interpolation" and restored == "interpolation"
    assert updates[:4] == ["m2", 17, 0.57, "lerp"] and all(isinstance(u, type(gr.skip())) for u in updates[4:])


@pytest.mark.parametrize(
    "params",
    [
        {"tab": "interpolation", "model": "deleted-model", "a": "-5", "t": "nan", "path": "sideways"},
        {"tab": "interpolation", "a": "1e400", "t": "2"},
        {"tab": "no-such-tab", "model": "m1"},
        {},
    ],
)
def test_bad_or_stale_values_are_ignored(shares, params):
    _, _, *updates = share.restore(params, shares)
    assert all(isinstance(u, type(gr.skip())) for u in updates)


def test_settings_file_round_trip_and_bad_files(shares, tmp_path):
    path = share.settings_file("truncation", shares, ["m1", 1, 0.5, "slerp", 0.3, "hello", False])
    data = json.loads(open(path).read())
    assert data == {"tab": "truncation", "alpha": 0.3, "note": "hello", "on": False}
    assert share.read_settings(path) == {"tab": "truncation", "alpha": "0.3", "note": "hello", "on": "0"}
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\xff\xfe not json")
    with pytest.raises(ValueError, match="not a settings file"):
        share.read_settings(str(junk))
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"tab": "x", "pad": "y" * 100_000}))
    with pytest.raises(ValueError, match="too large"):
        share.read_settings(str(big))
    with pytest.raises(ValueError, match="no shareable settings"):
        share.settings_of("training", shares, [])
