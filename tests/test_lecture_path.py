"""The lecture path (explorer/ui/path.py): the shipped path's steps, path files, and what a step opens."""

import gradio as gr
import pytest

import app
from explorer.ui import path as lecture_path
from explorer.ui import path_bar, share

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


@pytest.fixture(scope="module")
def built(default_zoo):
    return app.build_app(default_zoo)


def test_every_step_of_the_shipped_path_opens_what_it_names(built, default_zoo):
    """Each step's link parses, names a tab (and section) of the app, and every value fits its control: a model of
    the zoo, a class of that model, a number in its slider's range. A step that relied on an ignored value would open
    something else than its notes describe."""
    path = lecture_path.read(lecture_path.DEFAULT_PATH, set(built.tab_ids))
    assert {share.tab for share in built.shares} <= set(built.tab_ids)
    found = {}
    for number, step in enumerate(path.steps, 1):
        params = step.params()
        problems = share.problems(params, built.shares, built.tab_ids)
        if "model" in params:
            if params["model"] not in default_zoo.names():
                problems.append(f"no model {params['model']!r} in the zoo")
            else:  # its classes are those of the model it names (the dropdown lists the first model's)
                classes = getattr(default_zoo.load(params["model"]), "class_names", None) or []
                problems += [
                    f"{params['model']} has no class {params[k]!r}"
                    for k in "ab"
                    if k in params and params["tab"] == "truncation" and params[k] not in classes
                ]
        if problems:
            found[f"{number} {step.title}"] = problems
    assert found == {}
    sections = {s.params().get("section") for s in path.steps}
    assert {"classes", "kl", "game", "gan1d", "lines", "mixing", "noise", "vqvae"} <= sections
    assert {"scores", "live", "growing"} <= sections  # the Metrics and Training tabs' sections


def test_the_metrics_and_training_sections_open_by_link_and_the_progan_step_has_its_own(built):
    """Each section of the Metrics and Training tabs is a link's ``section=ID``; step 24 (ProGAN) opens the growing
    view, not step 23's live training (issue #33)."""
    shares = {s.tab: s for s in built.shares}
    metrics = ("scores", "inception", "fid", "frechet", "tradeoff", "tstr", "quiz", "swd")
    assert shares["metrics"].sections[1] == metrics
    assert shares["training"].sections[1] == ("live", "growing")
    titles = [tab.label for tab in shares["training"].sections[0].children]
    assert titles == ["Train one live", "ProGAN: growing"]
    steps = {s.title.split(" · ")[0]: s.params() for s in lecture_path.read(lecture_path.DEFAULT_PATH).steps}
    # both open the lecture's recorded runs at once (checkpoints/runs/): the six losses, ProGAN against DCGAN
    assert steps["GAN 23"] == {
        "tab": "training",
        "section": "live",
        "run": "recorded/dcgan-wgan-gp",
        "compare": "losses",
    }
    assert steps["GAN 24"] == {
        "tab": "training",
        "section": "growing",
        "run": "recorded/progan-32",
        "compare": "progan",
    }
    for section in metrics:
        assert share.problems({"tab": "metrics", "section": section}, built.shares, built.tab_ids) == []
    assert share.problems({"tab": "training", "section": "nowhere"}, built.shares, built.tab_ids) != []


def test_no_event_selects_a_tab_or_a_section_the_page_does(built):
    """A step's tab and section are selected by the page, in the order it asks (page.js: P.select). Gradio applies an
    update of a Tabs after walking every block under it, so an event that selected a tab could land after a newer
    step's selection on a busy page (the lecture walk once ended on the Training tab at the VAE's step)."""
    selecting = sorted({str(f.name) for f in built.fns.values() for o in f.outputs if isinstance(o, gr.Tabs)})
    assert selecting == []
    steps = path_bar.steps_html(lecture_path.read(lecture_path.DEFAULT_PATH), -1)
    assert "&quot;section&quot;: &quot;live&quot;" in steps  # the page's data names each step's section


def test_each_tab_restores_in_one_event_that_no_change_handler_follows(built):
    """A link's restore is one event per tab (share._restorer): it sets the controls and draws the renders itself,
    so no handler may listen to .change on a control (a field, a dropdown, a slider) it sets: a programmatic update
    fires .change, an event per setting, and chains that can loop, as the AC-GAN step's did."""
    restores = [f for f in built.fns.values() if getattr(f.fn, "__name__", "") == "on_restore"]  # share.build
    assert len(restores) == len(built.shares) + 1  # one per tab with settings, one for the others
    fields = {id(c) for s in built.shares for c in s.fields.values()}
    controls = (gr.Dropdown, gr.Radio, gr.Slider, gr.Number, gr.Checkbox, gr.Textbox)
    restored_outputs = {id(o) for f in restores for o in f.outputs if isinstance(o, controls)}
    listening = [
        (f.name, event)
        for f in built.fns.values()
        for block_id, event in f.targets
        if event == "change" and id(built.blocks.get(block_id)) in fields | restored_outputs
    ]
    assert listening == []


def test_a_step_added_links_the_tab_the_page_shows(built):
    """*Add this view after the current step* takes the tab from the page (path_bar.SHOWN_TAB_JS), as Share does: on
    a busy server the button's event can arrive before the tab's select, and the step would open the tab before."""
    add = next(f for f in built.fns.values() if getattr(f.fn, "__name__", "") == "add")
    assert add.js == path_bar.SHOWN_TAB_JS
    path = lecture_path.read(lecture_path.DEFAULT_PATH)
    values = [field.value for field in share.all_fields(built.shares)]
    for page_tab, tab in [("truncation", "truncation"), ("", "interpolation"), ("no such tab", "interpolation")]:
        edited = add.fn(page_tab, path, 0, "interpolation", "a new step", "", *values)
        assert edited[0].steps[1].link.startswith(f"?tab={tab}&"), edited[0].steps[1]
