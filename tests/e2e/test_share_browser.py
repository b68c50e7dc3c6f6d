"""A copied share link, opened in a fresh browser, shows the identical view."""

import urllib.parse

import pytest

from explorer.ui.tabs import interpolation
from explorer.ui.tabs.truncation import samples

from .waiting import wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"


def view(link: str) -> dict[str, str]:
    """The settings a share link carries."""
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(link).query).items()}


def share_link(page) -> str:
    """Press Share and return the new link (waiting for a link other than the one shown before)."""
    if not page.locator("#share-button").is_visible():
        page.locator("#share-accordion .label-wrap").click()
    before = page.locator("#share-link textarea").input_value()
    page.locator("#share-button").click()
    page.wait_for_function(
        "(prev) => { const v = document.querySelector('#share-link textarea')?.value ?? ''; "
        "return v.startsWith('http') && v !== prev; }",
        arg=before,
        timeout=30_000,
    )
    return page.locator("#share-link textarea").input_value()


def test_a_share_link_restores_the_interpolation_view_in_a_fresh_browser(page, browser_factory, default_zoo):
    page.get_by_role("tab", name="Interpolation").click()
    page.locator("#interp-frame img").wait_for()
    before = page.locator("#interp-frame img").get_attribute("src")  # before typing: the field's input event renders
    page.locator("#interp-seed-a input").fill("17")
    page.locator("#interp-seed-a input").press("Enter")
    page.wait_for_function(f"() => document.querySelector('#interp-frame img')?.src !== '{before}'", timeout=30_000)
    slider = page.locator("#interp-t input[type=range]")
    for _ in range(7):
        slider.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#interp-t input[type=number]')?.value === '0.57'")
    link = share_link(page)
    assert "tab=interpolation" in link and "a=17" in link and "t=0.57" in link
    v = view(link)
    expected = interpolation.render_frame(default_zoo, v["model"], 17, int(v["b"]), 0.57, v["path"])
    wait_for_image(page, "#interp-frame img", expected)  # the view shared: Gradio's render of the last key

    fresh = browser_factory()
    fresh.goto(link)
    fresh.wait_for_function(
        "() => document.querySelector('#interp-t input[type=number]')?.value === '0.57'", timeout=60_000
    )
    wait_for_image(fresh, "#interp-frame img", expected, timeout=60)  # the identical view
    assert fresh.locator("#interp-seed-a input").input_value() == "17"


def test_a_share_link_selects_its_tab(page, browser_factory, default_zoo):
    page.get_by_role("tab", name="BigGAN").click()
    slider = page.locator("#trunc-alpha input[type=range]")
    slider.press("ArrowRight")
    slider.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#trunc-alpha input[type=number]')?.value === '0.1'")
    expected, _ = samples.render_samples(default_zoo, "biggan-fashion-mnist", "T-shirt/top", "Trouser", 0.1, 1.0, 0)
    wait_for_image(page, "#trunc-samples img", expected)
    sent = []
    page.on("request", lambda r: "/queue/join" in r.url and sent.append((r.post_data_json or {}).get("data")))
    link = share_link(page)
    # Share sends the tab the page shows (page.js P.shown), which the server prefers to the tab selects it has
    # taken: on a busy server a Share pressed right after a tab's click came before that tab's select
    assert ["truncation", None] in [data[:2] for data in sent if data], sent
    assert "tab=truncation" in link and "alpha=0.1" in link
    v = view(link)
    assert (v["model"], v["a"], v["b"], v["threshold"], v["seed"]) == (
        "biggan-fashion-mnist",
        "T-shirt/top",
        "Trouser",
        "1",
        "0",
    )
    fresh = browser_factory()
    fresh.goto(link)
    fresh.wait_for_function(
        "() => document.querySelector('#trunc-alpha input[type=number]')?.value === '0.1'", timeout=60_000
    )
    fresh.locator("#trunc-samples img").wait_for(state="visible", timeout=60_000)  # the tab is selected
    wait_for_image(fresh, "#trunc-samples img", expected, timeout=60)  # the identical view
