"""The bugs a lecturer hit, at a projector's 1280×720 in Chromium (issue #15)."""

import pytest

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"


@pytest.fixture
def projector(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(app_url)
    page.messages = messages
    yield page
    context.close()


def test_the_gan_lab_plays_its_preset_without_webgl_contexts(projector):
    """The controls show the preset and Play runs it; its plots are SVG, so playing opens no WebGL context
    (each frame used to create new WebGL plots until Chromium ran out of contexts)."""
    page = projector
    page.get_by_role("tab", name="GAN lab").click()
    page.get_by_role("button", name="Data, networks and training").click()
    assert page.get_by_label("D learning rate").input_value() == "0.001"  # the preset's, not ToyLabConfig()'s
    page.locator("#toy-play").click()
    readout = "(document.querySelector('#toy-readout textarea')?.value || '')"
    page.wait_for_function(f"() => Number({readout}.match(/^step (\\d+)/)?.[1]) >= 100", timeout=120_000)
    page.locator("#toy-pause").click()
    assert page.locator("#toy-plane .js-plotly-plot canvas").count() == 0  # no WebGL layer
    assert not [m for m in page.messages if "WebGL" in m]


def test_choosing_a_preset_applies_it(projector):
    page = projector
    page.get_by_role("tab", name="GAN lab").click()
    page.locator("#toy-preset input").click()
    page.get_by_role("option", name="WGAN-GP fixes it").click()
    page.wait_for_function(
        "() => (document.querySelector('#toy-readout textarea')?.value || '').includes('wgan-gp')", timeout=30_000
    )
    page.get_by_role("button", name="Data, networks and training").click()
    page.wait_for_function("() => document.querySelector('#toy-loss input')?.value === 'wgan-gp'", timeout=30_000)


def test_the_arithmetic_seed_grid_fits_its_column(projector):
    page = projector
    page.get_by_role("tab", name="Arithmetic").click()
    gallery = page.locator("#arith-gallery")
    gallery.locator("img").first.wait_for(timeout=60_000)
    widest = "(el) => Math.max(0, ...[...el.querySelectorAll('*')].map((e) => e.scrollWidth - e.clientWidth))"
    overflow = gallery.evaluate(widest)
    images = gallery.locator("img")
    box = gallery.bounding_box()
    last_in_row = images.nth(5).bounding_box()  # the 6th image of the first row: seed 5
    assert overflow <= 1 and last_in_row["x"] + last_in_row["width"] <= box["x"] + box["width"] + 1


def test_a_file_that_is_not_an_image_is_one_line_and_keeps_the_scatter(projector, tmp_path):
    page = projector
    page.get_by_role("tab", name="VAE").click()
    fake = tmp_path / "fake.png"
    fake.write_text("not a picture")
    page.locator("#vae-upload input[type=file]").set_input_files(str(fake))
    page.wait_for_function(
        "() => (document.querySelector('#vae-landed textarea')?.value || '').includes('is not an image')",
        timeout=30_000,
    )
    assert page.locator("#vae-scatter .js-plotly-plot").count() == 1  # the scatter is still drawn


def test_an_empty_seed_is_a_message_in_words(projector):
    page = projector
    page.get_by_role("tab", name="Interpolation").click()
    seed = page.locator("#interp-seed-a input")
    seed.fill("")
    seed.press("Enter")
    toast = page.get_by_text("Seed A must be a whole number")
    toast.first.wait_for(timeout=30_000)
    assert page.get_by_text("TypeError").count() == 0
