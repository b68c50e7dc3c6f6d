"""What the lecturer and the room see at a projector's 1280×720 in Chromium (issue #33 items 3 and 9): the step's
speaker notes under the path bar without losing the view, block labels off the images and plots, and a bar that
keeps its height whatever the step's title."""

import re

import pytest

from explorer.ui import path as lecture_path

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

STEPS = lecture_path.read(lecture_path.DEFAULT_PATH).steps
NOTES_TEXT = (
    "() => (document.querySelector('#path-notes')?.innerText || '').replace(/[*]/g, '').replace(/\\s+/g, ' ').trim()"
)


def _shown(notes: str) -> str:
    """A step's notes as the strip shows them: Markdown's emphasis marks gone, white space as one space."""
    return re.sub(r"\s+", " ", notes.replace("*", "")).strip()


def _step(predicate) -> int:
    return next(i for i, step in enumerate(STEPS) if predicate(step))


# the steps whose notes say what to do (issue #33: steps 5, 21, 24 and 25), each with its view's main element
NOTED = {
    "optimal D": (_step(lambda s: s.params().get("preset") == "optimal D"), "#toy-plane"),
    "AC-GAN": (_step(lambda s: s.params().get("model") == "acgan-fashion-mnist"), "#trunc-samples img"),
    "ProGAN": (_step(lambda s: s.params().get("tab") == "training" and "ProGAN" in s.title), "#grow-every img"),
    "pix2pix": (_step(lambda s: s.params().get("section") == "bimodal"), "#p2p-sketch"),  # the sketch, above the toy
}


@pytest.fixture
def projector(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def _open_step(page, index: int) -> None:
    """Open step ``index`` as ▶ does, and wait for its notes."""
    page.evaluate(f"() => window.__latentPage.go({index}, true)")
    page.wait_for_function(f"(notes) => ({NOTES_TEXT})() === notes", arg=_shown(STEPS[index].notes), timeout=60_000)


def test_in_presentation_mode_the_steps_notes_show_under_the_bar_with_the_view(projector, app_url):
    page = projector
    page.goto(app_url + "?present=1")
    page.locator("#interp-frame img").wait_for(timeout=60_000)
    assert not page.locator("#path-notes").is_visible()  # no step open: no strip, nothing pushed down
    for name, (index, view) in NOTED.items():
        _open_step(page, index)
        page.locator(view).first.wait_for(timeout=60_000)
        bar, notes, shown = _box(page, "#path-bar"), _box(page, "#path-notes"), _box(page, view)
        assert page.locator("#path-notes").is_visible() and page.evaluate(NOTES_TEXT), name
        assert notes["y"] >= bar["y"] + bar["height"] - 1, f"{name}: the notes are not under the bar"
        assert notes["y"] >= 0 and notes["y"] + notes["height"] <= 720, f"{name}: the notes outside the view"
        whole = page.locator("#path-notes").evaluate("(e) => e.scrollHeight <= e.clientHeight + 1")
        assert whole, f"{name}: the notes need scrolling"
        assert notes["height"] <= 80, f"{name}: a strip of {notes['height']:.0f} px"
        # the view stays: below the strip (not covered), its top and most of it in the 1280×720 view
        assert shown["y"] >= notes["y"] + notes["height"], f"{name}: {view} under the notes"
        assert shown["y"] + min(shown["height"], 300) <= 720, f"{name}: {view} pushed out of view ({shown})"
    page.locator("body").click(position={"x": 5, "y": 5})  # focus outside any field: N is the notes' key
    page.keyboard.press("n")
    page.wait_for_function("() => !document.querySelector('#path-notes').offsetParent")
    assert page.locator("#path-notes-switch").inner_text() == "Notes: off"
    page.keyboard.press("n")
    page.wait_for_function("() => Boolean(document.querySelector('#path-notes').offsetParent)")
    assert page.errors == []


def test_in_normal_mode_the_notes_keep_the_tab_in_view(projector, app_url):
    """The notes were in an accordion with the path's editing: opening it pushed the tab below the fold."""
    page = projector
    page.goto(app_url)
    page.locator("#interp-frame img").wait_for(timeout=60_000)
    index, _ = NOTED["ProGAN"]  # the longest of the four notes, on the tab with the longest introduction
    _open_step(page, index)
    notes = _box(page, "#path-notes")
    assert notes["y"] + notes["height"] <= 250 and notes["height"] <= 100, notes
    tab = _box(page, "button[role=tab][aria-selected=true]")
    assert page.locator("button[role=tab][aria-selected=true]").first.inner_text() == "Training"
    assert tab["y"] + tab["height"] <= 400, f"the tab bar at {tab['y']:.0f} px"
    panel = _box(page, "#grow-model")  # step 24 opens the Training tab's ProGAN section
    assert panel["y"] + panel["height"] <= 720, f"the tab's first control at {panel['y']:.0f} px: below the fold"


LABELS = """() => [...document.querySelectorAll('.block')].filter((b) => b.offsetParent !== null).flatMap((b) => {
  const label = b.querySelector('label[data-testid=block-label]');
  if (!label || label.offsetParent === null) return [];
  const content = [...b.querySelectorAll('.js-plotly-plot, img, canvas')]
    .find((e) => !label.contains(e) && e.getBoundingClientRect().height > 0);
  if (!content) return [];
  const l = label.getBoundingClientRect(), c = content.getBoundingClientRect();
  const overlap = l.left < c.right && c.left < l.right && l.top < c.bottom && c.top < l.bottom;
  return [{id: b.id, label: label.innerText.trim(), overlap}];
})"""

VIEWS = {  # first views with images, a gallery and plots with titles, and the blocks that must be among them
    "": ("#interp-frame img", {"interp-frame", "interp-strip", "interp-norms"}),
    "?tab=arithmetic": ("#arith-gallery img", {"arith-grid", "arith-gallery"}),
    "?tab=theory&section=lines": ("#theory-divergences .js-plotly-plot", {"theory-divergences"}),
    "?tab=toylab": ("#toy-plane .js-plotly-plot", {"toy-plane", "toy-history"}),
    "?tab=manifold&section=vqvae": ("#vq-cells img", set()),  # its title is a heading: no label (test_vae_sections)
}


def test_in_presentation_mode_labels_leave_images_and_plots_uncovered(projector, app_url):
    page = projector
    covered, missing = {}, {}
    for link, (ready, expected) in VIEWS.items():
        page.goto(app_url + (link + "&" if link else "?") + "present=1")
        page.locator(ready).first.wait_for(timeout=60_000)
        for block in expected:  # each one drawn (a plot draws after the image on a busy machine)
            page.locator(f"#{block} .js-plotly-plot, #{block} img").first.wait_for(timeout=60_000)
        blocks = page.evaluate(LABELS)
        covered |= {f"{link or 'interpolation'}: {b['id']}": b["label"] for b in blocks if b["overlap"]}
        if expected - {b["id"] for b in blocks}:
            missing[link] = expected - {b["id"] for b in blocks}
    assert missing == {}, f"blocks not checked (not shown, or no label): {missing}"
    assert covered == {}, f"labels over their image or plot: {covered}"


def test_a_long_step_title_keeps_the_bar_one_line_with_the_title_in_its_tooltip(projector, app_url):
    page = projector
    page.goto(app_url + "?present=1")
    page.locator("#interp-frame img").wait_for(timeout=60_000)
    short = min(range(len(STEPS)), key=lambda i: len(STEPS[i].title))
    long = max(range(len(STEPS)), key=lambda i: len(STEPS[i].title))
    heights, lines = [], []
    for index in (short, long):
        page.evaluate(f"() => window.__latentPage.go({index}, true)")
        page.wait_for_function(
            "(t) => document.querySelector('#path-where').innerText.includes(t)", arg=f"{index + 1} / {len(STEPS)}"
        )
        heights.append(_box(page, "#path-bar")["height"])
        size = "(p) => [p.getBoundingClientRect().height, parseFloat(getComputedStyle(p).fontSize)]"
        lines.append(page.locator("#path-where p").evaluate(size))
    assert heights[0] == heights[1], f"the bar: {heights[0]} px for a short title, {heights[1]} px for a long one"
    height, font = lines[1]
    assert height < 1.8 * font, f"the long title wraps: {height} px of text at {font} px"
    page.locator("#path-where").hover()
    tooltip = page.locator("#path-where").get_attribute("title")
    assert STEPS[long].title in tooltip
