"""The lecture path (explorer/ui/path.py): the shipped path's steps, path files, and what a step opens."""

import json

import pytest

import app
from explorer.ui import path as lecture_path
from explorer.ui import share

TAB_IDS = {tab_id for _, tab_id, _ in app.TABS} | {"training"}


def test_the_shipped_path_follows_the_lectures_and_opens_only_tabs_of_the_app():
    path = lecture_path.read(lecture_path.DEFAULT_PATH, TAB_IDS)
    tabs = [step.params()["tab"] for step in path.steps]
    # the GAN hour in the lecture's order (game → lab → WGAN → DCGAN → … → evaluation), then the VAE hour
    order = ["toylab", "interpolation", "arithmetic", "stylemix", "truncation", "metrics", "manifold"]
    firsts = [tabs.index(tab) for tab in order]
    assert firsts == sorted(firsts), tabs
    presets = [step.params().get("preset") for step in path.steps if step.params()["tab"] == "toylab"]
    assert presets[:3] == ["optimal D", "vanishing gradients", "mode collapse"]
    assert all(step.notes for step in path.steps)


def test_a_path_file_round_trips_and_is_edited_step_by_step(tmp_path):
    path = lecture_path.LecturePath("p", (lecture_path.Step("one", "?tab=interpolation&t=0.3"),))
    longer = path.with_step(lecture_path.Step("two", "?tab=toylab&preset=mode+collapse", "say this"), 0)
    assert [s.title for s in longer.steps] == ["one", "two"]
    assert longer.steps[1].params() == {"tab": "toylab", "preset": "mode collapse"}
    file = tmp_path / "path.json"
    file.write_text(longer.to_json())
    assert lecture_path.read(file, TAB_IDS) == longer
    assert longer.without(0).steps == (longer.steps[1],)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not a lecture path file"),
        ('{"steps": []}', "1 to 200 steps"),
        ('{"steps": [{"title": "x"}]}', "step 1 needs a 'title' and a 'link'"),
        ('{"steps": [{"title": "x", "link": "?tab=nowhere"}]}', "opens no tab of this app"),
    ],
)
def test_a_bad_path_file_says_what_is_wrong(tmp_path, text, message):
    file = tmp_path / "bad.json"
    file.write_text(text)
    with pytest.raises(ValueError, match=message):
        lecture_path.read(file, TAB_IDS)


def test_a_link_to_a_tab_without_settings_selects_it():
    selected, restored = share.restore({"tab": "training"}, [], ["interpolation", "training"])
    assert selected.selected == "training" and restored == ""
    assert share.restore({"tab": "nowhere"}, [], ["training"])[0] is not None  # a skip: nothing selected
    assert json.loads(lecture_path.LecturePath("t", ()).to_json()) == {"title": "t", "steps": []}


def test_a_link_opens_a_section_of_its_tab():
    import gradio as gr

    with gr.Blocks():
        with gr.Tabs() as sections:
            with gr.Tab("a", id="lines"):
                pass
    theory = share.Share("theory", {}, sections=(sections, ("lines", "game")))
    assert share.restore({"tab": "theory", "section": "game"}, [theory], ["theory"])[-1].selected == "game"
    skipped = share.restore({"tab": "theory", "section": "elsewhere"}, [theory], ["theory"])[-1]
    assert not isinstance(skipped, gr.Tabs)  # an unknown section opens the tab as it was
    steps = lecture_path.read(lecture_path.DEFAULT_PATH).steps
    assert {"classes", "kl", "game", "gan1d", "lines"} <= {s.params().get("section") for s in steps}
