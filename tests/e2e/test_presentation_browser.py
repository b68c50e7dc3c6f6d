"""Driving the app in front of a room, at a projector's 1280×720 in Chromium (issue #15): presentation mode,
the lecture path and its keys, Play/Pause from the keyboard (the keys act in presentation mode only, with a switch
to turn them off: issue #29)."""

import time

import pytest

import app
from explorer.ui import path as lecture_path
from explorer.ui.tabs import theory

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

READOUT = "(document.querySelector('#toy-readout textarea')?.value || '')"


@pytest.fixture
def projector(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    yield page
    context.close()


def _in_view(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 60) <= 720


def test_presentation_mode_from_the_link_and_the_toggle(projector, app_url):
    page = projector
    page.goto(app_url + "?present=1")
    page.locator("#interp-frame img").wait_for(timeout=60_000)
    size = "() => parseFloat(getComputedStyle(document.querySelector('#path-where p')).fontSize)"  # visible text
    assert page.evaluate("() => document.documentElement.classList.contains('present')")
    assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    assert not page.locator("#share-accordion").is_visible()  # secondary parts hidden
    # the tab's main control and its result in one view, no scrolling
    assert _in_view(page, "#interp-t") and _in_view(page, "#interp-frame img")
    page.locator("#present-toggle").click()
    page.wait_for_function("() => !document.documentElement.classList.contains('present')")
    assert "present" not in page.url and page.locator("#share-accordion").is_visible()
    page.locator("#present-toggle").click()
    page.wait_for_function("() => document.documentElement.classList.contains('present')")
    assert "present=1" in page.url  # a reload or a copied link keeps the mode
    assert page.evaluate(size) >= 20


MAIN = {  # each tab's main control and its result: both in one 1280×720 view in presentation mode
    "Interpolation": ("#interp-t input[type=range]", "#interp-frame img"),
    "Arithmetic": ("#arith-a textarea", "#arith-grid img"),
    "Directions": ("#dir-alpha input[type=range]", "#dir-image img"),
    "Style mixing": ("#mix-preset", "#mix-grid img"),
    "BigGAN": ("#trunc-threshold input[type=range]", "#trunc-samples img"),
    "VAE": ("#vae-grid", "#vae-plane img"),  # the plane itself is the control: click to decode
    "GAN theory": ("#theory-theta input[type=range]", "#theory-divergences"),
    "GAN lab": ("#toy-play", "#toy-plane"),
    "Training": ("#train-start", "#train-status"),
}


def test_presentation_mode_shows_each_tabs_control_and_result_without_scrolling(projector, app_url):
    page = projector
    page.goto(app_url + "?present=1")
    page.locator("#interp-frame img").wait_for(timeout=60_000)
    below = {}
    for tab, selectors in MAIN.items():
        page.get_by_role("tab", name=tab, exact=True).click()
        for selector in selectors:
            page.locator(selector).first.wait_for(timeout=60_000)
            box = page.locator(selector).first.bounding_box()
            if box["y"] < 0 or box["y"] + min(box["height"], 400) > 720:
                below[f"{tab}: {selector}"] = (round(box["y"]), round(box["y"] + box["height"]))
    assert below == {}, f"outside the 1280×720 view: {below}"
    shown_js = "tabs => tabs.filter(t => t.offsetParent).map(t => t.innerText)"
    shown = page.locator("button[role=tab]").evaluate_all(shown_js)
    assert shown[: len(app.TAB_TITLES)] == list(app.TAB_TITLES), f"tabs in the bar (none in an overflow menu): {shown}"
    page.get_by_role("tab", name="GAN theory", exact=True).click()  # its sections all shown: the bar wraps
    sections = page.locator("#theory-sections button[role=tab]")
    sections.first.wait_for(timeout=60_000)
    visible = sections.evaluate_all("tabs => tabs.filter(t => t.offsetParent).map(t => t.innerText)")
    assert visible == [module.TITLE for module in theory.SECTIONS], f"GAN theory sections in the bar: {visible}"


def test_the_lecture_path_walks_with_the_keys_and_opens_each_steps_view(projector, app_url):
    page = projector
    page.goto(app_url + "?present=1")  # the keys step the path in presentation mode only (explorer/ui/page.js)
    page.locator("#interp-frame img").wait_for(timeout=60_000)
    steps = lecture_path.read(lecture_path.DEFAULT_PATH).steps
    target = next(i for i, s in enumerate(steps) if s.params().get("preset") == "vanishing gradients")
    assert steps[target - 1].params().get("preset") == "optimal D"  # the step before, waited for below
    page.locator("#path-next").click()
    page.wait_for_function("() => document.querySelector('#path-where')?.innerText.includes('1 / ')")
    page.locator("body").click(position={"x": 5, "y": 5})  # focus outside any field: the keys are the path's
    for number in range(2, target + 2):  # a lecturer's pace: each step shown before the next key
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            f"() => document.querySelector('#path-where')?.innerText.includes('{number} / {len(steps)}')"
        )
        if number == target:  # the step before: its own preset applied first
            page.wait_for_function(f"() => {READOUT}.includes('two moons')", timeout=30_000)
    # the step opened its tab with its preset applied, lab and controls alike
    page.wait_for_function(f"() => {READOUT}.includes('minimax')", timeout=30_000)
    assert page.locator("#toy-plane").is_visible()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"() => document.querySelector('#path-where')?.innerText.includes('{target} / ')")
    page.locator("#path-keys").click()  # the keys' switch: off, and → is the page's again
    assert page.locator("#path-keys").inner_text() == "Keys: off"
    page.keyboard.press("ArrowRight")
    assert f"{target} / " in page.locator("#path-where").inner_text()  # the key's handler is synchronous
    page.locator("#path-keys").click()
    page.keyboard.press("ArrowRight")  # ← / → still step the path with focus on the bar's own buttons
    assert f"{target + 1} / " in page.locator("#path-where").inner_text()  # the title at once, from the page


def test_without_presentation_mode_the_keys_keep_their_own_meaning(projector, app_url):
    """WCAG 2.1.4: outside presentation mode PageDown scrolls and Space presses the focused button (it used to
    play the GAN lab whatever had focus)."""
    page = projector
    page.goto(app_url)
    page.get_by_role("tab", name="GAN lab").click()
    page.locator("#toy-plane").wait_for(timeout=60_000)
    where = page.locator("#path-where").inner_text()
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("PageDown")
    page.wait_for_function("() => window.scrollY > 0", timeout=10_000)
    assert page.locator("#path-where").inner_text() == where  # no step taken
    page.wait_for_function(f"() => /^step 0\\b/.test({READOUT})", timeout=30_000)
    page.get_by_role("button", name="Step D+G", exact=True).focus()
    page.keyboard.press(" ")
    page.wait_for_function(f"() => /^step 1\\b/.test({READOUT})", timeout=30_000)  # one step: the button's
    assert not page.evaluate("() => window.__latentPage.playing")


def test_space_plays_and_pauses_the_gan_lab(projector, app_url):
    """Space starts the lab's play and stops it (its heap over a play: tests/e2e/test_lab_heap_browser.py)."""
    page = projector
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(app_url + "?present=1")  # Space plays the lab in presentation mode only
    page.get_by_role("tab", name="GAN lab").click()
    page.locator("#toy-plane").wait_for()
    page.locator("body").click(position={"x": 5, "y": 5})  # focus outside any field: Space is the lab's
    page.keyboard.press(" ")
    page.wait_for_function(f"() => Number({READOUT}.match(/^step (\\d+)/)?.[1]) >= 20", timeout=60_000)
    page.keyboard.press(" ")
    # paused by Space: the step count stops moving (polled until two readouts 1 s apart agree, at most 10 s)
    deadline = time.monotonic() + 10
    while True:
        first = page.evaluate(READOUT)
        page.wait_for_timeout(1000)
        if page.evaluate(READOUT) == first or time.monotonic() > deadline:
            break
    assert page.evaluate(READOUT) == first, "Space did not pause the lab"
    assert errors == []


def test_an_error_stays_under_its_control_and_the_outputs_keep_their_images(projector, app_url):
    page = projector
    page.goto(app_url)
    page.get_by_role("tab", name="Arithmetic").click()
    result = page.locator("#arith-grid img")
    result.wait_for(timeout=60_000)
    box = page.get_by_label("A (seeds)")
    box.fill("cat, dog")
    box.press("Enter")
    line = page.locator(".control-error")
    line.wait_for(timeout=30_000)
    assert "'cat' is not a seed" in line.inner_text()
    assert line.evaluate("(el) => el.previousElementSibling.innerText").startswith("A (seeds)")
    assert result.is_visible()  # the last good result stays, with no "Error" badge over it
    assert not page.locator("#arith-grid .error").is_visible()
    box.fill("3, 4")  # touching the control again clears its message
    page.wait_for_function("() => !document.querySelector('.control-error')")


def test_a_click_on_the_vae_plane_is_marked_where_it_decoded(projector, app_url):
    page = projector
    page.goto(app_url)
    page.get_by_role("tab", name="VAE", exact=True).click()
    plane = page.locator("#vae-plane img")
    plane.wait_for(timeout=60_000)
    box = plane.bounding_box()
    plane.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    ring = page.locator("#vae-plane .click-marker")
    ring.wait_for(timeout=10_000)
    assert float(ring.get_attribute("data-x")) == pytest.approx(0.25, abs=0.02)
    assert float(ring.get_attribute("data-y")) == pytest.approx(0.75, abs=0.02)
    assert ring.is_visible()


def test_the_drawing_pad_opens_at_full_size(projector, app_url):
    page = projector
    page.goto(app_url)
    page.get_by_role("tab", name="VAE", exact=True).click()
    page.locator("#vae-sketch canvas").first.wait_for(timeout=30_000)
    zoom = """() => [...document.querySelectorAll('#vae-sketch *')]
        .filter((e) => e.children.length === 0 && /^\\d+%$/.test((e.innerText || '').trim()))
        .map((e) => parseInt(e.innerText))[0] ?? null"""
    page.wait_for_function(f"({zoom})() !== null", timeout=30_000)
    assert page.evaluate(zoom) >= 75  # the editor's own zoom readout: it opened at 25 % of an 800 px canvas
