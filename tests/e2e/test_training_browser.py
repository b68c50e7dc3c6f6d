"""The Training tab in a real Chromium: start a short DCGAN run, watch the curves and samples grow, stop it."""

import re

import pytest

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"


def status(page) -> str:
    return page.locator("#train-status").inner_text()


def test_a_run_started_in_the_browser_plots_losses_samples_and_fid_then_stops(page):
    page.get_by_role("tab", name="Training").click()
    page.locator("#train-steps input").fill("100000")
    page.get_by_text("More: smoothing, EMA, sampling, FID").click()
    page.get_by_label("Sample grid every K steps").fill("5")
    page.get_by_label("FID every K steps (0 = off)").fill("10")
    page.get_by_label("FID samples").fill("200")
    page.locator("#train-start").click()
    try:
        page.wait_for_function(
            "() => { const m = (document.querySelector('#train-status')?.innerText ?? '').match(/step (\\d+) \\//);"
            " return m && Number(m[1]) >= 12 }",
            timeout=120_000,
        )
        # both loss curves are drawn, an FID point is plotted, and the sample grid is shown
        page.wait_for_function(
            "() => document.querySelectorAll('#train-losses .scatterlayer .trace').length === 2", timeout=30_000
        )
        page.wait_for_function(
            "() => document.querySelectorAll('#train-fid .scatterlayer .point').length >= 1", timeout=120_000
        )
        page.locator("#train-grid img").wait_for(timeout=30_000)
        assert re.search(r"\d+ img/s", status(page)) and "ETA" in status(page)
    finally:  # stop the 100 000-step run whatever failed: the app runs one at a time, and the next tests train
        page.locator("#train-stop").click()
    page.wait_for_function(
        "() => (document.querySelector('#train-status')?.innerText ?? '').includes('stopped by the user')",
        timeout=60_000,
    )
    assert "checkpoint of step" in status(page)
    # save it into the zoo: the interpolation tab lists it at once
    page.get_by_label("Save as (zoo name)").fill("browser-run")
    page.locator("#train-save").click()
    page.wait_for_function(
        "() => (document.querySelector('#train-status')?.innerText ?? '').includes('Saved browser-run')",
        timeout=60_000,
    )
    page.get_by_role("tab", name="Interpolation").click()
    page.locator("#interp-model input").click()
    page.get_by_role("option", name="browser-run").wait_for(timeout=30_000)
    page.keyboard.press("Escape")
