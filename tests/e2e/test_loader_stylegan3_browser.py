"""The Load box in Chromium with an NVIDIA StyleGAN3 pickle under ``models/``: inspected (format, config, mapping
depth, NVIDIA's non-commercial license), loaded into the zoo, then picked in Style mixing, where the noise section
shows its note instead of sliders and the motion section's translate slider paints the converted model."""

from pathlib import Path

import pytest

from explorer.ui.tabs.stylemix import motion, noise

from .loading import in_models_folder, inspect_and_load
from .test_sliders_browser import drag
from .waiting import wait_for_image

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parents[1] / "data" / "stylegan3" / "t32.pkl"


@pytest.fixture
def pickle_path(default_zoo, tmp_path):
    """t32.pkl in a models folder of the served app's own, and the zoo without the model afterwards."""
    with in_models_folder(default_zoo, tmp_path, FIXTURE) as path:
        yield path


def test_a_stylegan3_pickle_is_loaded_through_the_box_and_moves_in_style_mixing(page, default_zoo, pickle_path):
    text, name = inspect_and_load(page, pickle_path, "stylegan3")
    for said in ("stylegan3-pkl", "config T", "mapping depth 2", "32×32", "NVIDIA Source Code License"):
        assert said in text, said

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
