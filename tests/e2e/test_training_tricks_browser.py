"""The Training tab's tricks in a real Chromium: the switches reach the run's checks."""

import pytest

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"


def test_a_trick_the_family_cannot_take_is_refused_with_a_message(page):
    page.get_by_role("tab", name="Training").click()
    page.locator("#train-family input").click()
    page.get_by_role("option", name="MLP GAN (2014)").click()
    page.get_by_text("Tricks: labels, batches, normalisation, activation, z").click()
    page.locator("#train-d-norm input").click()
    page.get_by_role("option", name="instance norm (per sample)").click()
    page.locator("#train-start").click()
    page.get_by_text("instance norm needs a convolutional discriminator").first.wait_for(timeout=30_000)
    status = page.locator("#train-status").inner_text()
    assert not status.startswith("running")  # refused before it started (the app is shared: an earlier run may show)
