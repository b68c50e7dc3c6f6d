"""The Interpolation tab in a real Chromium: drag the t slider with the mouse, the image follows."""

import io
import urllib.request

import numpy as np
from PIL import Image

from explorer.ui import interpolate

IMG = "#interp-frame img"


def fetch_image(src: str) -> np.ndarray:
    with urllib.request.urlopen(src, timeout=30) as response:
        return np.asarray(Image.open(io.BytesIO(response.read())))


def test_dragging_t_repaints_the_handlers_image(page, default_zoo):
    page.wait_for_selector(IMG, timeout=60_000)
    before = page.locator(IMG).get_attribute("src")
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
    page.wait_for_function(
        "prev => { const i = document.querySelector('#interp-frame img'); return i && i.src !== prev && i.complete }",
        arg=before,
        timeout=30_000,
    )
    # always_last: once the last move is rendered, the painted image is the handler's output for that t
    expected = np.asarray(interpolate.render_frame(default_zoo, "dcgan-fashion-mnist", 11, 23, t, "spherical (slerp)"))
    page.wait_for_timeout(500)
    shown = fetch_image(page.locator(IMG).get_attribute("src"))
    assert shown.shape[:2] == expected.shape[:2]
    assert np.array_equal(shown, expected)


def test_switching_to_linear_changes_the_middle_frame(page):
    page.locator("#interp-t input[type=number]").fill("0.5")
    page.locator("#interp-t input[type=number]").press("Enter")
    page.wait_for_timeout(1000)
    slerp_src = page.locator(IMG).get_attribute("src")
    slerp = fetch_image(slerp_src)
    page.get_by_label("linear (lerp)").check()
    page.wait_for_function(
        "prev => { const i = document.querySelector('#interp-frame img'); return i && i.src !== prev && i.complete }",
        arg=slerp_src,
        timeout=30_000,
    )
    lerp = fetch_image(page.locator(IMG).get_attribute("src"))
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
