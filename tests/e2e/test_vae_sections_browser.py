"""The VAE tab's sections in a real Chromium: each is drawn when first opened (a click on it, or a link to it),
not at the app's start: Autoencoder vs VAE, Inside q(z|x), Conditional VAE; and the VQ-VAE's cell edit."""

import numpy as np
import pytest

from explorer.ui.tabs.manifold import autoencoder, conditional, posterior, vqvae

from .waiting import wait_for_image

pytestmark = pytest.mark.slow  # a served app driven in Chromium: the full tier (pytest), not pytest -m "not slow"

AE, VAE, CVAE = "ae2d-fashion-mnist", "vae2d-small-fashion-mnist", "cvae2d-fashion-mnist"


def open_section(page, name: str) -> None:
    page.get_by_role("tab", name="VAE", exact=True).click()
    page.get_by_role("tab", name=name, exact=True).click()


def test_opening_the_sections_draws_them(page, default_zoo):
    open_section(page, "Autoencoder vs VAE")
    expected = autoencoder.ae_vs_vae(default_zoo, AE, VAE, 0)
    wait_for_image(page, "#vae-ae-plane img", np.asarray(expected[0]), timeout=60)
    page.wait_for_function(
        "() => (document.querySelector('#vae-ae-readout')?.innerText || '').includes('inside ‖z‖ ≤ 2')",
        timeout=30_000,
    )
    open_section(page, "Inside q(z|x)")
    strip = posterior.inside(default_zoo, "vae2d-fashion-mnist", "test image", 0, 64, 0)[2]  # the tab's first VAE
    wait_for_image(page, "#vae-q-strip img", np.asarray(strip), timeout=60)
    open_section(page, "Conditional VAE")
    styles = conditional.conditional(default_zoo, CVAE, "Dress", 0.0, 0.0, 0)[1]
    wait_for_image(page, "#vae-cvae-styles img", np.asarray(styles), timeout=60)


def test_a_link_to_a_section_opens_and_draws_it(browser, app_url, default_zoo):
    page = browser.new_page()
    try:
        page.goto(f"{app_url}?tab=manifold&section=autoencoder")
        expected = autoencoder.ae_vs_vae(default_zoo, AE, VAE, 0)
        wait_for_image(page, "#vae-ae-samples img", np.asarray(expected[2]), timeout=90)
    finally:
        page.close()


def test_the_kl_sliders_and_from_the_image(page, default_zoo):
    """Inside q(z|x): a typed μ₁ moves the readout's closed form; *From the image* sets the four sliders to the
    chosen image's μ, σ."""
    open_section(page, "Inside q(z|x)")
    readout = "() => document.querySelector('#vae-kl-readout')?.innerText || ''"
    page.wait_for_function(f"() => ({readout})().includes('μ = +1.000, σ = 0.500')", timeout=60_000)  # the start
    box = page.locator("#vae-kl-mu1 input[type=number]")
    box.fill("-2")
    box.press("Enter")
    _, text = posterior.kl_view(-2.0, 0.5, 0.0, 1.0)
    first_row = text.split("\n\n")[0].replace("**", "")
    page.wait_for_function(f"() => ({readout})().includes({first_row!r})", timeout=30_000)
    page.locator("#vae-kl-from-image").click()
    mu1, sigma1, mu2, sigma2, _, _ = posterior.kl_from_image(default_zoo, "vae2d-fashion-mnist", "test image", 0)
    page.wait_for_function(f"() => ({readout})().includes('μ = {mu1:+.3f}, σ = {sigma1:.3f}')", timeout=30_000)
    assert float(page.locator("#vae-kl-sigma2 input[type=number]").input_value()) == pytest.approx(sigma2)
    assert float(page.locator("#vae-kl-mu2 input[type=number]").input_value()) == pytest.approx(mu2)


def test_the_vq_vae_writes_a_clicked_cell_and_decodes_the_edited_grid(page, default_zoo):
    """VQ-VAE: the section draws test image 0's code grid when opened; with a code on the slider, a click on a cell
    writes it there (framed in red) and the decoder redraws the image from the edited grid."""
    name = vqvae.model_names(default_zoo)[0]
    open_section(page, "VQ-VAE")
    grid, _, cells, _ = vqvae.encode(default_zoo, name, 0)
    wait_for_image(page, "#vq-cells img", np.asarray(cells), timeout=60)
    new_code = (grid[2][3] + 7) % default_zoo.load(name).config.codebook_size
    box = page.locator("#vq-code input[type=number]")
    box.fill(str(new_code))
    box.press("Enter")
    image = page.locator("#vq-cells img")
    bounds = image.bounding_box()
    image.click(position={"x": 3.5 / 8 * bounds["width"], "y": 2.5 / 8 * bounds["height"]})
    _, view, edited_cells, text = vqvae.write(default_zoo, name, 0, grid, new_code, 2, 3)
    wait_for_image(page, "#vq-cells img", np.asarray(edited_cells), timeout=30)
    wait_for_image(page, "#vq-view img", np.asarray(view), timeout=30)
    page.wait_for_function(
        f"() => (document.querySelector('#vq-text')?.innerText || '').includes('code {grid[2][3]} → {new_code}')",
        timeout=30_000,
    )


BOXES_JS = """(image) => {
  const img = document.querySelector(image);
  const labels = [...document.querySelectorAll(
    '#vq-cells-title, #vq-cells label, #vq-cells [data-testid="block-label"]')].filter(e => e.offsetParent);
  const box = (e) => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  return {image: box(img), labels: labels.map(e => ({text: e.innerText, ...box(e)}))};
}"""


def _overlap(a: dict, b: dict) -> bool:
    """Whether boxes a and b ({x, y, w, h}) share any area."""
    across = a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
    return across and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def test_in_presentation_mode_the_vq_vae_grids_label_leaves_its_top_row_uncovered(browser, app_url, default_zoo):
    """Issue #33: at a projector's 1280×720 with ?present=1 the code grid's title sat over its top row of cells.
    Its title is a heading above the image: no label's box meets the image's."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{app_url}?present=1&tab=manifold&section=vqvae")
        _, _, cells, _ = vqvae.encode(default_zoo, vqvae.model_names(default_zoo)[0], 0)
        wait_for_image(page, "#vq-cells img", np.asarray(cells), timeout=90)
        assert page.evaluate("() => document.documentElement.classList.contains('present')")
        boxes = page.evaluate(BOXES_JS, "#vq-cells img")
        image, labels = boxes["image"], boxes["labels"]
        assert image["w"] > 100 and image["h"] > 100, boxes
        assert any("Code grid" in label["text"] for label in labels), boxes  # the title is shown
        covering = [label for label in labels if _overlap(label, image)]
        assert covering == [], f"labels over the code grid {image}: {covering}"
    finally:
        context.close()
