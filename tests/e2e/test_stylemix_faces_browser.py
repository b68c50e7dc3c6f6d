"""Style mixing on the face StyleGAN in Chromium (issue #32 item 3): picked in the tab's model list, its Fig. 3 grid
is painted with the handler's pixels, coarse first, then fine."""

import numpy as np
import pytest

from explorer.ui.tabs.stylemix import mixing

from .waiting import wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

FACES = "stylegan-digiface-64"


def expected_grid(zoo, preset: str) -> np.ndarray:
    """The handler's grid at the tab's first values (the noise section's mode "random", noise seed 0)."""
    picture, _, _ = mixing.style_mix(
        zoo, FACES, **{**mixing.INITIAL, "preset": preset}, first=0, last=8, noise_mode="random", noise_seed=0
    )
    return np.asarray(picture)


def test_the_face_stylegan_paints_its_coarse_and_fine_mixes(page, default_zoo):
    page.get_by_role("tab", name="Style mixing", exact=True).click()
    page.wait_for_selector("#mix-grid img", timeout=60_000)
    page.locator("#mix-model input").click()
    page.get_by_role("option", name=FACES, exact=True).click()
    coarse = wait_for_image(page, "#mix-grid img", expected_grid(default_zoo, "coarse"), timeout=60)
    assert coarse.ndim == 3 and coarse.shape[2] in (3, 4)  # RGB faces, not the greyscale 32² model's grid
    page.locator("#mix-preset").get_by_label("fine", exact=True).check()
    fine = wait_for_image(page, "#mix-grid img", expected_grid(default_zoo, "fine"), timeout=60)
    assert not np.array_equal(coarse, fine)
