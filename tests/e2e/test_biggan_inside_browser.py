"""Inside BigGAN in a real Chromium: a click on a sample picks it, a click on a pixel draws that position's
attention map; the orthogonal-regularisation view draws on opening and follows its layer."""

import numpy as np
import pytest
from playwright.sync_api import expect

from explorer.ui.tabs.truncation import attention, ortho

from .waiting import wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

BIGGAN = "biggan-fashion-mnist"


def click_at(page, selector: str, fx: float, fy: float) -> None:
    """Click at a fraction (fx, fy) of the displayed image's width and height."""
    image = page.locator(f"{selector} img")
    image.wait_for(timeout=60_000)
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def test_clicking_a_sample_then_a_pixel_shows_its_attention_map(page, default_zoo):
    page.get_by_role("tab", name="BigGAN").click()
    classes = default_zoo.load(BIGGAN).class_names
    chosen = dict(model=BIGGAN, a=classes[0], b=classes[1], alpha=0.0, threshold=1.0, seed=0)
    default = attention.render_attention(default_zoo, chosen | dict(index=0, qx=16, qy=16))
    wait_for_image(page, "#trunc-attention img", np.asarray(default[1]), timeout=60)
    # 1. the sample in the second row, third column of the grid of 16 (number 6)
    click_at(page, "#trunc-samples", (8 + 2 * 136 + 64) / 552, (8 + 136 + 64) / 552)
    page.wait_for_function(
        "() => document.querySelector('#trunc-inside-index input[type=number]')?.value === '6'", timeout=30_000
    )
    sample = attention.render_attention(default_zoo, chosen | dict(index=6, qx=16, qy=16))
    wait_for_image(page, "#trunc-inside-sample img", np.asarray(sample[0]), timeout=60)
    # 2. a pixel near the top left of that sample: pixel (4, 4) of 32 → its attention map
    click_at(page, "#trunc-inside-sample", 4.5 / 32, 4.5 / 32)
    clicked = attention.render_attention(default_zoo, chosen | dict(index=6, qx=4, qy=4))
    shown = wait_for_image(page, "#trunc-attention img", np.asarray(clicked[1]), timeout=60)
    assert not np.array_equal(shown, np.asarray(sample[1]))
    caption = page.locator("#trunc-attention-caption").inner_text()
    assert "Query (4, 4)" in caption


def test_the_orthogonal_view_reads_out_the_pair_and_follows_the_layer(page, default_zoo):
    """Opening the tab draws the β = 1 model's filter cosines beside its β = 0 twin's; another layer redraws both."""
    page.get_by_role("tab", name="BigGAN").click()
    layers = list(ortho.filter_layers(default_zoo.load(ortho.ortho_pair(default_zoo)[0])))
    readout = page.locator("#trunc-ortho-text")
    _, first = ortho.render_ortho(default_zoo, "blocks.1.conv1: 64 filters of 64×3×3")
    expect(readout).to_contain_text(first.split(" Other")[0].replace("**", ""), timeout=60_000)
    page.locator("#trunc-ortho-layer input").click()
    page.get_by_role("option", name=layers[0], exact=True).click()
    _, other = ortho.render_ortho(default_zoo, layers[0])
    expect(readout).to_contain_text(other.split(" Other")[0].replace("**", ""), timeout=60_000)
