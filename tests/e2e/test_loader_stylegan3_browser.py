"""The Load box in Chromium with an NVIDIA StyleGAN3 pickle under ``models/``: inspected (format, config, mapping
depth, NVIDIA's non-commercial license), loaded into the zoo, then picked in Style mixing, where the noise section
shows its note instead of sliders and the motion section's translate slider paints the converted model."""

import dataclasses
from pathlib import Path

import pytest

from explorer.ui import loader
from explorer.ui.tabs.stylemix import motion, noise

from .test_sliders_browser import drag
from .waiting import wait_for_image

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parents[1] / "data" / "stylegan3" / "t32.pkl"


@pytest.fixture
def pickle_path(default_zoo, tmp_path):
    """t32.pkl in a models folder of the served app's own (its zoo's settings, restored after), and the zoo without
    the model afterwards."""
    saved = default_zoo.settings
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "t32.pkl"
    path.write_bytes(FIXTURE.read_bytes())
    default_zoo.settings = dataclasses.replace(saved, models=tmp_path / "models", converted=tmp_path / "converted")
    yield path
    default_zoo.settings = saved
    name = loader.zoo_name(str(path))
    default_zoo.entries.pop(name, None)
    default_zoo.forget(name)


def test_a_stylegan3_pickle_is_loaded_through_the_box_and_moves_in_style_mixing(page, default_zoo, pickle_path):
    page.get_by_text("Load a pretrained model (Hugging Face Hub or a local folder)").click()
    box = page.locator("#loader-accordion")
    box.get_by_label("Repo id or folder").fill(str(pickle_path))
    box.get_by_role("button", name="Inspect", exact=True).click()
    page.wait_for_function("() => document.querySelector('#load-info').innerText.includes('stylegan3')", timeout=60_000)
    text = page.locator("#load-info").inner_text()
    for said in ("stylegan3-pkl", "config T", "mapping depth 2", "32×32", "NVIDIA Source Code License"):
        assert said in text, said
    box.get_by_role("button", name="Load into the zoo", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('#load-info').innerText.includes('Loaded as')", timeout=120_000
    )
    name = loader.zoo_name(str(pickle_path))

    page.get_by_role("tab", name="Style mixing", exact=True).click()
    page.locator("#mix-model input").click()
    page.get_by_role("option", name=name, exact=True).click()
    page.get_by_role("tab", name=noise.TITLE).click()
    page.locator("#mix-no-noise").wait_for(state="visible", timeout=60_000)  # the note replaces the sliders
    assert "no noise inputs" in page.locator("#mix-no-noise").inner_text()
    page.locator("#mix-strength").wait_for(state="hidden", timeout=30_000)

    page.get_by_role("tab", name=motion.TITLE).click()
    page.wait_for_selector("#motion-image img", timeout=60_000)
    other = page.locator("#motion-other input").input_value()
    shift = drag(page, "motion-x", 0.75)
    assert 6.0 <= shift <= 10.0
    expected = motion.motion(
        default_zoo, name, other, motion.INITIAL["motion_seed"], motion.INITIAL["motion_psi"], shift, 0.0, 0.0
    )
    wait_for_image(page, "#motion-image img", expected, timeout=60)  # the converted StyleGAN3, dragged
