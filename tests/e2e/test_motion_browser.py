"""Style mixing's Alias-free motion section in Chromium: the translate slider, dragged, paints the handler's image."""

import pytest

from explorer.ui.tabs.stylemix import motion

from .test_sliders_browser import drag
from .waiting import wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"


def test_translate_slider_paints_the_dragged_pair(page, default_zoo):
    page.get_by_role("tab", name="Style mixing", exact=True).click()
    page.get_by_role("tab", name=motion.TITLE).click()
    page.wait_for_selector("#motion-image img", timeout=60_000)  # drawn when the section opens
    shift = drag(page, "motion-x", 0.75)
    assert 6.0 <= shift <= 10.0
    name = "stylegan-fashion-mnist"  # the tab's first StyleGAN; beside it the next one (the faces), as the page has it
    other = page.locator("#motion-other input").input_value()
    assert other in motion.movable_names(default_zoo) and other != name
    expected = motion.motion(
        default_zoo, name, other, motion.INITIAL["motion_seed"], motion.INITIAL["motion_psi"], shift, 0.0, 0.0
    )
    wait_for_image(page, "#motion-image img", expected)  # always_last: the last input's render lands
