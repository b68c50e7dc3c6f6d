"""Every GAN-lab preset opened by its link, played for 50 steps in Chromium, its views drawn (issue #16)."""

import pytest

from explorer.ui.toylab import PRESET_VIEWS, PRESETS

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

READOUT = "(document.querySelector('#toy-readout textarea')?.value || '')"
STEP = f"Number({READOUT}.match(/^step (\\d+)/)?.[1] ?? -1)"


NEW = ("gradient variance", "where z goes", "weight clipping", "spectral norm")  # the presets


def test_the_new_presets_are_presets():
    assert set(NEW) <= set(PRESETS)


def test_each_new_preset_plays_fifty_steps_and_draws_its_views(browser, app_url):
    """One page, the presets chosen in turn from the dropdown (a link opens the first)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{app_url}?tab=toylab&preset={NEW[0].replace(' ', '+')}")
        for number, preset in enumerate(NEW):
            if number:
                page.locator("#toy-preset input").click()
                page.get_by_role("option", name=preset, exact=True).click()
            page.wait_for_function(f"() => {STEP} === 0", timeout=60_000)  # the preset's fresh lab
            page.locator("#toy-play").click()
            page.wait_for_function(f"() => {STEP} >= 50", timeout=120_000)
            page.locator("#toy-pause").click()
            readout = page.evaluate(READOUT)
            assert "nan" not in readout.lower() and "DIVERGED" not in readout, (preset, readout)
            assert page.locator("#toy-plane .main-svg").count() >= 1  # the plane is drawn
            if "lipschitz" in PRESET_VIEWS.get(preset, ()):
                page.locator("#toy-lipschitz-plot .main-svg").first.wait_for(timeout=30_000)
            if "z_grid" in PRESET_VIEWS.get(preset, ()):
                names = "() => [...document.querySelectorAll('#toy-plane .legendtext')].map((e) => e.textContent)"
                page.wait_for_function(f"() => ({names})().some((n) => n.includes('z-grid'))", timeout=30_000)
        assert errors == []
    finally:
        context.close()
