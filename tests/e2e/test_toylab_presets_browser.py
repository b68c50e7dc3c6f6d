"""GAN-lab presets opened by a link and the dropdown, played for 50 steps in Chromium, their views drawn (issue #16).

Every preset plays through the lab's handlers in tests/test_toylab.py; the browser plays one preset per kind of
view (the z-grid on the plane, the Lipschitz panel, the f-divergence table): the wiring, not each preset again."""

import pytest

from explorer.ui.tabs.toylab.presets import PRESET_VIEWS, PRESETS

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

READOUT = "(document.querySelector('#toy-readout textarea')?.value || '')"
STEP = f"Number({READOUT}.match(/^step (\\d+)/)?.[1] ?? -1)"


ONE_PER_VIEW = ("where z goes", "spectral norm", "f-divergences")  # z_grid, lipschitz, divergences


def test_the_browsers_presets_cover_every_kind_of_view():
    assert set(ONE_PER_VIEW) <= set(PRESETS)
    assert {view for preset in ONE_PER_VIEW for view in PRESET_VIEWS[preset]} == {"z_grid", "lipschitz", "divergences"}


def test_one_preset_per_view_plays_fifty_steps_and_draws_its_views(browser, app_url):
    """One page, the presets chosen in turn from the dropdown (a link opens the first)."""
    presets = ONE_PER_VIEW
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{app_url}?tab=toylab&preset={presets[0].replace(' ', '+').replace('=', '%3D')}")
        for number, preset in enumerate(presets):
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
            if "divergences" in PRESET_VIEWS.get(preset, ()):
                table = page.locator("#toy-divergence-table")
                table.get_by_text("squared Hellinger").wait_for(timeout=30_000)
                assert "total variation" in table.inner_text()
        assert errors == []
    finally:
        context.close()


def test_g_equals_data_then_perturb_brings_the_value_up(browser, app_url):
    """The optimum in the browser: V(G, D*) ≈ −log 4 at step 0; Perturb G raises it, and the readout says so."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{app_url}?tab=toylab&preset=G+%3D+data")
        page.wait_for_function(f"() => {READOUT}.includes('V(G, D*) -1.38')", timeout=60_000)
        page.locator("#toy-perturb").click()
        page.wait_for_function(f"() => {READOUT}.includes('G perturbed')", timeout=30_000)
        after = float(page.evaluate(READOUT).split("→ ")[1].split(" ")[0])
        assert after > -1.2
    finally:
        context.close()
