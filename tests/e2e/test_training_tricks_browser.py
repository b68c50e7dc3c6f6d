"""The Training tab's tricks in a real Chromium: the switches reach the run's checks."""

import re
import time

import pytest

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"


def test_a_trick_the_family_cannot_take_is_refused_with_a_message(page):
    page.get_by_role("tab", name="Training").click()
    page.locator("#train-family input").click()
    page.get_by_role("option", name="MLP GAN (2014)").click()
    page.get_by_text("Tricks: labels, batches, normalisation, activation, output, z").click()
    page.locator("#train-d-norm input").click()
    page.get_by_role("option", name="instance norm (per sample)").click()
    page.locator("#train-start").click()
    page.get_by_text("instance norm needs a convolutional discriminator").first.wait_for(timeout=30_000)
    status = page.locator("#train-status").inner_text()
    assert not status.startswith("running")  # refused before it started (the app is shared: an earlier run may show)


def open_accordion(page, title: str, inside: str) -> None:
    """Open the accordion ``title`` unless ``inside`` (a selector in it) is already shown: a click toggles it."""
    if not page.locator(inside).is_visible():
        page.get_by_text(title).click()
    page.locator(inside).wait_for(timeout=30_000)


def saved_to(page) -> str | None:
    """The folder the status says the last finished run was saved to (None: no finished run shown)."""
    found = re.search(r"finished at step \d+; saved to (\S+)", page.locator("#train-status").inner_text())
    return found[1] if found else None


def test_two_short_runs_compare_side_by_side(page):
    """Two 6-step DCGAN runs, the second with a sigmoid G; Compare overlays their losses and shows both grids."""
    page.get_by_role("tab", name="Training").click()
    page.locator("#train-family input").click()
    page.get_by_role("option", name="DCGAN", exact=True).click()
    page.locator("#train-steps input").fill("6")
    open_accordion(page, "More: smoothing, EMA, sampling, FID", "text=Sample grid every K steps")
    page.get_by_label("Sample grid every K steps").fill("3")
    page.get_by_label("FID every K steps (0 = off)").fill("0")
    open_accordion(page, "Tricks: labels, batches, normalisation, activation, output, z", "#train-g-output")
    open_accordion(page, "Compare runs", "#train-compare-refresh")
    for output in ("tanh", "sigmoid"):
        page.locator(f"#train-g-output input[value={output}]").check()
        previous = saved_to(page)  # a finished run's status names its own folder: wait for a new one
        page.locator("#train-start").click()
        page.wait_for_function(
            "(previous) => { const m = (document.querySelector('#train-status')?.innerText ?? '')"
            ".match(/finished at step 6; saved to (\\S+)/); return m !== null && m[1] !== previous }",
            arg=previous,
            timeout=120_000,
        )
    deadline = time.monotonic() + 60  # Refresh until the list shows the second run last: poll the list itself
    boxes = page.locator("#train-compare-runs label")
    while not (boxes.count() >= 2 and "G-output sigmoid" in boxes.nth(boxes.count() - 1).inner_text()):
        assert time.monotonic() < deadline, page.locator("#train-compare-runs").inner_text()
        page.locator("#train-compare-refresh").click()
        page.wait_for_timeout(500)
    count = boxes.count()
    assert "G-output" not in boxes.nth(count - 2).inner_text()  # the first run: G's output is the recipe's
    boxes.nth(count - 2).click()
    boxes.nth(count - 1).click()
    page.locator("#train-compare").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#train-compare-losses .scatterlayer .trace').length === 4", timeout=60_000
    )
    page.locator("#train-compare-grids img").wait_for(timeout=30_000)
