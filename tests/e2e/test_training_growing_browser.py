"""The lecture path's ProGAN step (issue #33) at a projector's 1280×720 in presentation mode: its link opens the
Training tab's *ProGAN: growing* section with the grown model's images in view, not step 23's live-training view,
and ▶ / ◀ between the two steps switch the section."""

import pytest

from explorer.ui import path as lecture_path

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

WIDTH, HEIGHT = 1280, 720
GROWING = ("#grow-every img", "#grow-fade img")  # the section's images: every resolution, the fade-in
LIVE = ("#train-start", "#train-losses")  # step 23's view: ▶ Start and the loss plot
LOADED = "(sel) => { const i = document.querySelector(sel); return !!i && i.complete && i.naturalWidth > 0; }"


@pytest.fixture
def projector(browser, app_url):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    yield page
    context.close()


def step(number: int) -> tuple[int, lecture_path.Step]:
    steps = lecture_path.read(lecture_path.DEFAULT_PATH).steps
    return next((i, s) for i, s in enumerate(steps) if s.title.startswith(f"GAN {number} ·"))


def in_view(page, selector: str) -> bool:
    """Shown, and wholly inside the 1280×720 view (no scrolling to find it)."""
    locator = page.locator(selector).first
    box = locator.bounding_box()
    return (
        locator.is_visible()
        and box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= WIDTH
        and box["y"] + box["height"] <= HEIGHT
    )


def shows_growing(page) -> None:
    for selector in GROWING:
        page.wait_for_function(LOADED, arg=selector, timeout=60_000)
        page.wait_for_function(f"() => document.querySelector('{selector}').offsetParent !== null", timeout=30_000)
        assert in_view(page, selector), f"{selector} at {page.locator(selector).bounding_box()}"
    assert not any(page.locator(s).is_visible() for s in LIVE), "step 24 shows step 23's live view"


def shows_live(page) -> None:
    page.locator(LIVE[0]).wait_for(state="visible", timeout=60_000)
    assert all(page.locator(s).is_visible() for s in LIVE)
    assert not any(page.locator(s).is_visible() for s in GROWING), "step 23 shows the ProGAN view"


def test_the_progan_step_s_link_opens_its_own_view_in_one_screen(projector, app_url):
    _, growing = step(24)
    assert {k: growing.params()[k] for k in ("tab", "section")} == {"tab": "training", "section": "growing"}
    page = projector
    page.goto(app_url + growing.link + "&present=1")
    shows_growing(page)
    assert page.evaluate("() => document.documentElement.classList.contains('present')")
    section = page.locator("#training-sections button[role=tab][aria-selected=true]")
    assert section.inner_text().strip() == "ProGAN: growing"


def test_the_path_steps_from_live_training_to_progan_and_back(projector, app_url):
    index, live = step(23)
    assert {k: live.params()[k] for k in ("tab", "section")} == {"tab": "training", "section": "live"}
    page = projector
    page.goto(app_url + "?present=1")
    page.locator("#interp-frame img").wait_for(timeout=60_000)
    page.evaluate(f"() => window.__latentPage.go({index}, true)")  # the path at step 23, as ▶ would reach it
    page.wait_for_function(f"() => document.querySelector('#path-where')?.innerText.includes('{index + 1} / ')")
    shows_live(page)
    page.locator("#path-next").click()  # ▶: step 24
    page.wait_for_function(f"() => document.querySelector('#path-where')?.innerText.includes('{index + 2} / ')")
    shows_growing(page)
    page.locator("#path-prev").click()  # ◀: step 23 again, its own section
    page.wait_for_function(f"() => document.querySelector('#path-where')?.innerText.includes('{index + 1} / ')")
    shows_live(page)
