"""Share links and settings files: round trip, and hostile or stale values ignored field by field."""

import json

import gradio as gr
import pytest

from explorer.ui import path_bar, share


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
    restored = share.settings(params, shares[0])
    assert list(restored.values()) == ["m2", 17, 0.57, "lerp"]
    assert list(restored) == list(shares[0].fields.values())
    assert share.problems(params, shares, ["interpolation", "truncation"]) == []


@pytest.mark.parametrize(
    "params",
    [
        {"tab": "interpolation", "model": "deleted-model", "a": "-5", "t": "nan", "path": "sideways"},
        {"tab": "interpolation", "a": "1e400", "t": "2"},
    ],
)
def test_bad_or_stale_values_are_ignored_and_named(shares, params):
    assert share.settings(params, shares[0]) == {}
    found = share.problems(params, shares, ["interpolation"])
    assert len(found) == len(params) - 1, found  # one problem per refused value


def test_problems_name_unknown_tabs_keys_and_sections(shares):
    assert share.problems({"tab": "no-such-tab"}, shares, ["interpolation"]) == ["no tab 'no-such-tab'"]
    assert share.problems({"tab": "training"}, shares, ["training"]) == []
    assert share.problems({"tab": "interpolation", "zoom": "2"}, shares, []) == ["interpolation has no setting 'zoom'"]
    assert "no section 'x'" in share.problems({"tab": "truncation", "section": "x"}, shares, [])[0]


def _restore_blocks():
    """A tab with two controls, a render that reads them, one that reads the first's output, a lazy render, and a
    render that fails: what share._restorer runs in its one event."""
    calls = []
    with gr.Blocks():
        current, index, where, notes, done = gr.State(""), gr.State(-1), gr.Markdown(), gr.Markdown(), gr.State()
        a, b = gr.Number(0, precision=0, minimum=0, maximum=9), gr.Dropdown(["x", "y"], value="x")
        image, caption, lazy, broken = gr.Textbox(), gr.Textbox(), gr.Textbox(), gr.Textbox()

        def render(a_value, b_value):
            calls.append("render")
            return f"{b_value}{a_value}"

        def lazily(a_value):
            calls.append("lazy")
            return f"lazy {a_value}"

        def fails():
            raise gr.Error("no such thing")

        tab = share.Share(
            "t",
            {"a": a, "b": b},
            [
                (render, [a, b], [image]),
                (lambda shown: f"caption of {shown}", [image], [caption]),
                *share.lazy_renders([(lazily, [a], [lazy])]),
                (fails, [], [broken]),
            ],
        )
    bar = {"index": index, "where": where, "notes": notes}  # the title is the page's: not an output
    restore, read, outputs = share._restorer(tab, [tab], ["t", "other"], current, bar, done)
    parts = dict(a=a, b=b, image=image, caption=caption, lazy=lazy, current=current, done=done)
    return restore, read, outputs, calls, parts


def test_an_older_step_that_starts_after_a_newer_one_selects_and_draws_nothing():
    """▶ ▶ on a busy server: step 1's restore starts after step 2's (two tabs, two events). It must not set or draw
    anything; one overtaken while drawing stops drawing; another page's numbers are its own."""
    restore, _, outputs, calls, c = _restore_blocks()
    ask = lambda seq: json.dumps({"link": "?tab=t&a=3&b=y", "seq": seq})  # noqa: E731
    list(restore(ask(2), None, frozenset(), 0, "x", None, page="p-newer"))  # the newer ask ran first
    calls.clear()
    (only,) = list(restore(ask(1), None, frozenset(), 0, "x", None, page="p-newer"))
    assert all(value == {"__type__": "update"} for value in only), "the older ask selected or set something"
    assert calls == []
    with pytest.warns(UserWarning):  # the same number on another page is that page's newest
        yields = list(restore(ask(1), None, frozenset(), 0, "x", None, page="p-other"))
    assert dict(zip(outputs, yields[0], strict=True))[c["current"]] == "t" and calls == ["render", "lazy"]
    calls.clear()
    drawing = restore(ask(3), None, frozenset(), 0, "x", None, page="p-newer")
    first = dict(zip(outputs, next(drawing), strict=True))  # the tab and the controls
    assert first[c["current"]] == "t" and first[c["a"]] == 3
    share.NEWEST.asked("p-newer", 4)  # the page asks for the next step while this one draws
    assert list(drawing) == [] and calls == [], "an overtaken restore kept drawing"


def test_one_restore_event_sets_the_controls_then_streams_each_render():
    restore, read, outputs, calls, c = _restore_blocks()
    assert read == [c["a"], c["b"], c["image"]]  # the controls, then what the renders read (no lazy view's value)
    link = json.dumps({"link": "?tab=t&a=3&b=y"})
    with pytest.warns(UserWarning, match="no such thing"):
        yields = list(restore(link, None, frozenset(), 0, "x", None))
    first = dict(zip(outputs, yields[0], strict=True))
    assert first[c["current"]] == "t" and first[c["a"]] == 3 and first[c["b"]] == "y"
    assert not any(isinstance(o, gr.Tabs) for o in outputs), "a tab is the page's to select (page.js: P.select)"
    assert first[c["image"]] == {"__type__": "update"}  # controls first: no render waits for another
    main, final = (dict(zip(outputs, y, strict=True)) for y in yields[1:])  # the main view, then everything
    assert main[c["image"]] == "y3" and main[c["a"]] == 3 and main[c["caption"]] == {"__type__": "update"}
    assert (final[c["image"]], final[c["caption"]], final[c["lazy"]]) == ("y3", "caption of y3", "lazy 3")
    assert final[c["a"]] == 3  # every yield carries all that is set (Gradio streams yields as diffs)
    assert final[c["current"]] == {"__type__": "update"}  # the tab once: a slow restore never takes it back
    done = final[c["done"]]
    assert calls == ["render", "lazy"] and done == {c["lazy"]._id}
    calls.clear()
    with pytest.warns(UserWarning):
        list(restore(link, None, done, 3, "y", "y3"))
    assert calls == ["render"]  # the lazy view, drawn on this page and still right, is left as it is
    calls.clear()
    with pytest.warns(UserWarning):
        list(restore(link, None, frozenset(), 3, "y", "y3"))
    assert calls == ["render", "lazy"]  # not drawn yet on this page: drawn


def test_a_restore_for_another_tab_changes_nothing():
    restore, read, outputs, _, c = _restore_blocks()
    skipped = {"__type__": "update"}
    (only,) = list(restore(json.dumps({"link": "?tab=other&a=1"}), None, None, 0, "x", None))
    assert only == [skipped] * len(outputs)  # the page raced: the other tab's own restore opens it
    (only,) = list(restore("not json", None, None, 0, "x", None))
    assert only == [skipped] * len(outputs)
    tab = share.Share("t", {"a": c["a"]})
    plain, read, outputs = share._restorer(None, [tab], ["t", "other"], c["current"], None, c["done"])
    assert read == []
    (only,) = list(plain(json.dumps({"link": "?tab=other&a=1"}), None, None))
    assert only[outputs.index(c["current"])] == "other"  # a tab without settings: the page selected it
    (only,) = list(plain(json.dumps({"link": "?tab=t"}), None, None))
    assert only == [skipped] * len(outputs)  # a tab with settings is its own restore's


def test_a_step_its_notes_and_the_page_its_tab_and_section():
    """The restore sets the step's index and notes; the tab and section are the page's to select (page.js: P.select,
    from the steps' data), in the order asked, so no restore's output selects a tab."""
    with gr.Blocks():
        with gr.Tabs() as sections:
            with gr.Tab("a", id="lines"):
                pass
        current, index, where, notes = gr.State(""), gr.State(-1), gr.Markdown(), gr.Markdown()
    theory = share.Share("theory", {}, sections=(sections, ("lines", "game")))
    bar = {"index": index, "where": where, "notes": notes}
    restore, read, outputs = share._restorer(theory, [theory], ["theory"], current, bar, gr.State())
    assert sections not in outputs
    path = share.lecture_path.LecturePath("p", (share.lecture_path.Step("one", "?tab=theory&section=game", "say"),))
    (shown,) = list(restore(json.dumps({"index": 7}), path, None))  # an index past the end: the last step
    assert shown[outputs.index(index)] == 0 and shown[outputs.index(notes)] == "say"
    assert shown[outputs.index(current)] == "theory"
    html = path_bar.steps_html(path, 0)
    data = json.loads(html.split('data-steps="')[1].split('"')[0].replace("&quot;", '"'))
    assert data == [{"title": "one", "tab": "theory", "section": "game"}]


def test_share_links_the_tab_the_page_shows_over_the_selects_the_server_has_taken():
    """On a busy server a Share pressed right after a tab's click reaches it before that tab's select: the page sends
    the tab it shows (SHARE_JS), and the link is that tab's; without one (an API caller), the server's."""
    with gr.Blocks() as demo:
        with gr.Tabs() as tabs:
            with gr.Tab("I", id="interpolation") as first:
                t = gr.Slider(0, 1, value=0.5)
            with gr.Tab("T", id="truncation") as second:
                alpha = gr.Slider(0, 1, value=0.1)
        shares = [share.Share("interpolation", {"t": t}), share.Share("truncation", {"alpha": alpha})]
        share.build(tabs, {"interpolation": first, "truncation": second}, shares, demo)
    make = next(f for f in demo.fns.values() if f.api_name == "share")
    assert make.js == share.SHARE_JS
    link, _ = make.fn("truncation", "interpolation", 0.57, 0.1)  # the server still on the tab shown before
    assert link == "?tab=truncation&alpha=0.1"
    for page_tab in ("", "no such tab"):
        link, _ = make.fn(page_tab, "interpolation", 0.57, 0.1)
        assert link == "?tab=interpolation&t=0.57"


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
