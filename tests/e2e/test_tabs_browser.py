"""The explorer tabs in a real Chromium: clicks on images reach the handlers."""

import re
import time

from explorer.ui import manifold


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_clicking_the_vae_plane_decodes_that_point(page, default_zoo):
    open_tab(page, "VAE manifold")
    plane = page.locator("#vae-plane img")
    plane.wait_for(timeout=60_000)
    box = plane.bounding_box()
    # click at 25 % / 75 % of the displayed image: z₁ < 0, z₂ < 0 on the default linear ±3 grid
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)
    page.wait_for_function("() => document.querySelector('#vae-z textarea')?.value.startsWith('z = ')", timeout=30_000)
    text = page.locator("#vae-z textarea").input_value()
    z1, z2 = (float(v) for v in re.findall(r"[-+]\d+\.\d+", text))
    size = 15 * manifold.TILE
    expected = manifold.latent_at(size * 0.25, size * 0.75, size, 3.0, "linear")
    assert abs(z1 - expected[0]) < 0.1 and abs(z2 - expected[1]) < 0.1
    assert z1 < 0 and z2 < 0
    page.locator("#vae-decoded img").wait_for(timeout=30_000)


def test_clicking_a_sample_adds_its_seed_to_the_group(page):
    open_tab(page, "Vector arithmetic")
    before = page.locator("#arith-a textarea").input_value()
    page.get_by_label("C", exact=True).check()
    page.locator("#arith-gallery button img").nth(7).click()  # seed 7 of the grid starting at 0
    page.wait_for_function(
        "() => (document.querySelector('#arith-c textarea')?.value ?? '').split(/[ ,]+/).includes('7')",
        timeout=30_000,
    )
    assert page.locator("#arith-a textarea").input_value() == before


def test_gan_lab_plays_and_pauses(page):
    open_tab(page, "GAN lab (2-D)")
    page.locator("#toy-play").click()
    page.wait_for_function(
        "() => { const m = (document.querySelector('#toy-readout textarea')?.value ?? '').match(/^step (\\d+)/);"
        " return m && Number(m[1]) >= 20 }",
        timeout=60_000,
    )
    page.locator("#toy-pause").click()
    # let the frames already in flight land (under load a tick queued before the click can arrive late)
    before, clock = None, time.monotonic()
    while time.monotonic() - clock < 15:
        page.wait_for_timeout(1000)
        now = page.locator("#toy-readout textarea").input_value()
        if now == before:
            break
        before = now
    page.wait_for_timeout(2000)
    assert page.locator("#toy-readout textarea").input_value() == before  # paused: no more steps
    assert "modes covered" in before
