"""The Interpolation tab in a real Chromium: drag the t slider with the mouse, the image follows."""

import urllib.request

import numpy as np
import pytest

from explorer.ui.tabs import interpolation
from explorer.ui.tabs.interpolation import ends

from .waiting import wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

IMG = "#interp-frame img"


def test_dragging_t_repaints_the_handlers_image(page, default_zoo):
    page.wait_for_selector(IMG, timeout=60_000)
    track = page.locator("#interp-t input[type=range]")
    box = track.bounding_box()
    y = box["y"] + box["height"] / 2
    # the thumb sits at t = 0.5 (the middle of the track): press on it and drag right in small moves
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    for fraction in np.linspace(0.52, 0.85, 12):
        page.mouse.move(box["x"] + box["width"] * fraction, y)
    page.mouse.up()
    t = float(page.locator("#interp-t input[type=number]").input_value())
    assert 0.75 < t <= 0.9
    # once the drag rests, Gradio renders the last t (after the route's previews): the handler's output for it
    expected = np.asarray(
        interpolation.render_frame(default_zoo, "dcgan-fashion-mnist", 11, 23, t, "spherical (slerp)")
    )
    wait_for_image(page, IMG, expected)


def test_switching_to_linear_changes_the_middle_frame(page, default_zoo):
    page.locator("#interp-t input[type=number]").fill("0.5")
    page.locator("#interp-t input[type=number]").press("Enter")
    slerp = wait_for_image(
        page, IMG, interpolation.render_frame(default_zoo, "dcgan-fashion-mnist", 11, 23, 0.5, "spherical (slerp)")
    )
    page.get_by_label("linear (lerp)").check()
    lerp = wait_for_image(
        page, IMG, interpolation.render_frame(default_zoo, "dcgan-fashion-mnist", 11, 23, 0.5, "linear (lerp)")
    )
    assert np.abs(lerp.astype(float) - slerp.astype(float)).mean() > 1.0


def test_the_path_video_button_offers_an_mp4(page):
    assert not page.locator("#interp-mp4-file").is_visible()  # no empty box before there is a video
    page.locator("#interp-mp4-button").click()
    page.wait_for_function(
        "() => (document.querySelector('#interp-mp4-file')?.innerText ?? '').includes('.mp4')", timeout=60_000
    )
    link = page.locator("#interp-mp4-file a").first.get_attribute("href")
    with urllib.request.urlopen(link.replace("localhost", "127.0.0.1"), timeout=30) as response:
        assert response.read(12)[4:8] == b"ftyp"  # an MP4 the browser can download


def test_a_vae_path_between_two_encoded_test_images(browser, app_url, default_zoo):
    """Pick the VAE, set the ends to encoded images, type test image A: the strip runs from that image to B (the
    images themselves at both ends), and t moves along the encoded path."""
    vae, encoded = "vae2d-fashion-mnist", ends.ENDS[1]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(app_url)
        page.wait_for_selector(IMG, timeout=60_000)
        assert not page.locator("#interp-ends").is_visible()  # the tab opens on a GAN: seeds only
        page.locator("#interp-model input").click()
        page.get_by_role("option", name=vae, exact=True).click()
        page.locator("#interp-ends").get_by_label(encoded).check()
        page.locator("#interp-seed-a").wait_for(state="hidden", timeout=30_000)  # the seeds give way to the images
        page.locator("#interp-image-a").wait_for(state="visible", timeout=30_000)
        page.locator("#interp-image-a input").fill("3")
        page.locator("#interp-image-a input").press("Enter")
        strip = interpolation.render_path(default_zoo, vae, 11, 23, 10, "spherical (slerp)", 0.5, encoded, 3, 2)[0]
        wait_for_image(page, "#interp-strip img", np.asarray(strip), timeout=60)
        page.locator("#interp-t input[type=number]").fill("0.2")
        page.locator("#interp-t input[type=number]").press("Enter")
        frame = interpolation.render_frame(default_zoo, vae, 11, 23, 0.2, "spherical (slerp)", encoded, 3, 2)
        wait_for_image(page, IMG, np.asarray(frame), timeout=60)
    finally:
        page.close()
