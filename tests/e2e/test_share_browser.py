"""A copied share link, opened in a fresh browser, shows the identical view."""

import urllib.request


def image_bytes(page, selector: str) -> bytes:
    src = page.locator(selector).get_attribute("src")
    return urllib.request.urlopen(src.replace("localhost", "127.0.0.1")).read()


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


def test_a_share_link_restores_the_interpolation_view_in_a_fresh_browser(page, browser_factory):
    page.get_by_role("tab", name="Interpolation").click()
    page.locator("#interp-seed-a input").fill("17")
    page.locator("#interp-seed-a input").press("Enter")
    before = page.locator("#interp-frame img").get_attribute("src")
    page.wait_for_function(f"() => document.querySelector('#interp-frame img')?.src !== '{before}'", timeout=30_000)
    slider = page.locator("#interp-t input[type=range]")
    for _ in range(7):
        slider.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#interp-t input[type=number]')?.value === '0.57'")
    page.wait_for_timeout(1500)  # the last preview lands
    link = share_link(page)
    assert "tab=interpolation" in link and "a=17" in link and "t=0.57" in link
    expected = image_bytes(page, "#interp-frame img")

    fresh = browser_factory()
    fresh.goto(link)
    fresh.wait_for_function(
        "() => document.querySelector('#interp-t input[type=number]')?.value === '0.57'", timeout=60_000
    )
    folder = page.locator("#interp-frame img").get_attribute("src").split("/")[-2]  # files are named by content
    fresh.wait_for_function(
        f"() => (document.querySelector('#interp-frame img')?.src ?? '').includes('{folder}')", timeout=60_000
    )
    assert image_bytes(fresh, "#interp-frame img") == expected
    assert fresh.locator("#interp-seed-a input").input_value() == "17"


def test_a_share_link_selects_its_tab(page, browser_factory):
    page.get_by_role("tab", name="BigGAN truncation").click()
    slider = page.locator("#trunc-alpha input[type=range]")
    slider.press("ArrowRight")
    slider.press("ArrowRight")
    page.wait_for_timeout(1500)
    link = share_link(page)
    assert "tab=truncation" in link and "alpha=0.1" in link
    expected = image_bytes(page, "#trunc-samples img")
    fresh = browser_factory()
    fresh.goto(link)
    fresh.wait_for_function(
        "() => document.querySelector('#trunc-alpha input[type=number]')?.value === '0.1'", timeout=60_000
    )
    fresh.locator("#trunc-samples img").wait_for(state="visible", timeout=60_000)  # the tab is selected
    fresh.wait_for_timeout(2000)
    assert image_bytes(fresh, "#trunc-samples img") == expected
