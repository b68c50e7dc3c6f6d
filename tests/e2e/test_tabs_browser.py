"""The explorer tabs in a real Chromium: clicks on images reach the handlers."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from explorer.ui.tabs.manifold import plane as latent_plane

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_clicking_the_vae_plane_decodes_that_point(page, default_zoo):
    open_tab(page, "VAE")
    plane = page.locator("#vae-plane img")
    plane.wait_for(timeout=60_000)
    box = plane.bounding_box()
    # click at 25 % / 75 % of the displayed image: z₁ < 0, z₂ < 0 on the default linear ±3 grid
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)
    page.wait_for_function("() => document.querySelector('#vae-z textarea')?.value.startsWith('z = ')", timeout=30_000)
    text = page.locator("#vae-z textarea").input_value()
    z1, z2 = (float(v) for v in re.findall(r"[-+]\d+\.\d+", text))
    size = 15 * latent_plane.TILE
    expected = latent_plane.latent_at(size * 0.25, size * 0.75, size, 3.0, "linear")
    assert abs(z1 - expected[0]) < 0.1 and abs(z2 - expected[1]) < 0.1
    assert z1 < 0 and z2 < 0
    page.locator("#vae-decoded img").wait_for(timeout=30_000)


def test_clicking_a_sample_adds_its_seed_to_the_group(page):
    open_tab(page, "Arithmetic")
    before = page.locator("#arith-a textarea").input_value()
    page.get_by_label("C", exact=True).check()
    page.locator("#arith-gallery button img").nth(7).click()  # seed 7 of the grid starting at 0
    page.wait_for_function(
        "() => (document.querySelector('#arith-c textarea')?.value ?? '').split(/[ ,]+/).includes('7')",
        timeout=30_000,
    )
    assert page.locator("#arith-a textarea").input_value() == before


# While the lab plays, the longest gap (ms) between two changes of the readout seen so far, once the
# readout is at step ``steps`` or later and has changed a few times (false until then; polled in the page).
TICKING = """
([sel, steps]) => {
  const value = document.querySelector(sel)?.value ?? '';
  const now = performance.now(), w = (window.__ticks ??= {value, at: now, gap: 0, changes: 0});
  if (value !== w.value) {
    if (w.changes++ > 0) w.gap = Math.max(w.gap, now - w.at);  // from the first change on: frame to frame
    Object.assign(w, {value, at: now});
  }
  const m = value.match(/^step (\\d+)/);
  return m && Number(m[1]) >= steps && w.changes >= 3 ? w.gap : false;
}
"""
# The readout once it has not changed for ``quiet`` ms (false until then; polled in the page).
QUIET = """
([sel, quiet]) => {
  const value = document.querySelector(sel)?.value ?? '';
  const now = performance.now(), w = (window.__quiet ??= {value, since: now});
  if (value !== w.value) Object.assign(w, {value, since: now});
  return now - w.since >= quiet ? value : false;
}
"""


def test_gan_lab_plays_and_pauses(page):
    open_tab(page, "GAN lab")
    readout = "#toy-readout textarea"
    page.locator("#toy-play").click()
    gap = page.wait_for_function(TICKING, arg=[readout, 20], polling=50, timeout=60_000).json_value()
    page.locator("#toy-pause").click()
    # paused: the readout stops, for many times the longest frame-to-frame gap seen while playing (under load
    # a tick queued before the click can still land first)
    quiet = min(max(1000, 5 * gap), 15_000)
    try:
        paused = page.wait_for_function(QUIET, arg=[readout, quiet], polling=50, timeout=30_000 + quiet).json_value()
    except PlaywrightTimeout:
        pytest.fail(f"the GAN lab kept stepping after Pause: no {quiet:.0f} ms without a new frame within 30 s")
    assert re.match(r"step \d+", paused) and "modes covered" in paused
