"""The bugs a lecturer hit, at a projector's 1280×720 in Chromium (issues #15, #31, #33)."""

import time

import pytest

from explorer.ui import path as lecture_path
from explorer.ui.tabs.truncation import samples

from .waiting import wait_for_image

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


JOIN = "/gradio_api/queue/join"  # one POST per Gradio event run through the queue


def _settled(page, joins: list, quiet_s: float = 8.0, timeout: float = 90.0) -> None:
    """Poll until no Gradio event has started for ``quiet_s`` (a view that re-renders itself never gets there)."""
    deadline = time.monotonic() + timeout
    while True:
        last = joins[-1] if joins else 0.0
        if time.monotonic() - last >= quiet_s:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{len(joins)} events and still going after {timeout} s: the view keeps re-rendering")
        page.wait_for_timeout(200)  # the poll interval (Playwright records the page's requests meanwhile)


def test_a_lecture_path_step_is_one_event_that_settles(projector, default_zoo):
    """A step's title shows the moment ▶ is pressed (the page holds the path), its tab's settings and renders
    arrive in one Gradio event (they were 37–41, one per setting and render), and then nothing: the AC-GAN step
    re-rendered its samples, sweep and inside view every 5–6 s in 2 walks of 5 (a .change fired by an update)."""
    page = projector
    joins: list[float] = []
    page.on("request", lambda request: joins.append(time.monotonic()) if JOIN in request.url else None)
    steps = lecture_path.read(lecture_path.DEFAULT_PATH).steps
    acgan = next(i for i, s in enumerate(steps) if s.params().get("model") == "acgan-fashion-mnist")
    before = steps[acgan - 1].params()  # the BigGAN step before it: its classes, α and threshold stay
    settings = (before["a"], before["b"], float(before["alpha"]), float(before["threshold"]), int(before["seed"]))
    page.locator("#interp-frame img").wait_for(timeout=60_000)
    _settled(page, joins, quiet_s=3.0)
    joins.clear()
    page.evaluate(f"() => window.__latentPage.go({acgan - 1}, true)")
    expected, _ = samples.render_samples(default_zoo, before["model"], *settings)
    wait_for_image(page, "#trunc-samples img", expected, timeout=60)
    _settled(page, joins)
    assert len(joins) == 1, f"{len(joins)} Gradio events for one step"
    joins.clear()
    page.locator("#path-next").click()
    assert f"{acgan + 1} / {len(steps)}" in page.locator("#path-where").inner_text()  # at once: no reply awaited
    start = time.monotonic()
    expected, _ = samples.render_samples(default_zoo, "acgan-fashion-mnist", *settings)
    wait_for_image(page, "#trunc-samples img", expected, timeout=60)
    print(f"AC-GAN step: samples shown {time.monotonic() - start:.2f} s after ▶")  # noqa: T201 (a measurement)
    _settled(page, joins)
    assert len(joins) == 1, f"{len(joins)} Gradio events for one step"
