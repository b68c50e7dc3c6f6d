"""The Arithmetic tab's result row at a projector's 1280×720 (issue #33 item 2): the lecture path's two arithmetic
steps (14: Fashion-MNIST, 15: the faces) show mean(A), mean(B), mean(C), A − B + C and the same on pixels as tiles
at least 100 px tall, the pixel tile the notes point to included, with the row's caption above it, not over it."""

import pytest

from explorer.ui import path as lecture_path
from explorer.ui.tabs import arithmetic

from .waiting import wait_for_image

pytestmark = pytest.mark.slow

PATH = lecture_path.read(lecture_path.DEFAULT_PATH)
STEPS = [step for step in PATH.steps if step.params().get("tab") == "arithmetic"]

# the row as drawn: the <img> box, the picture's own size, and each caption or label in the row's block
ROW_JS = """() => {
  const img = document.querySelector('#arith-row img');
  const box = r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom, height: r.height});
  const labels = [document.querySelector('#arith-row-caption'),
                  ...document.querySelectorAll('#arith-row label, #arith-row [data-testid="block-label"]')];
  return {img: box(img.getBoundingClientRect()), natural: [img.naturalWidth, img.naturalHeight],
          fit: getComputedStyle(img).objectFit,
          labels: labels.filter(l => l && l.offsetParent).map(l => box(l.getBoundingClientRect()))};
}"""


@pytest.fixture
def projector(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield context.new_page()
    context.close()


def expected_row(zoo, params: dict):
    """The row the step's link draws: its groups, or the model's default groups."""
    model = params["model"]
    groups = [params.get(k) for k in "abc"]
    if None in groups:
        groups = arithmetic.default_groups(zoo, model)
    space, sigma, noise = params.get("space", "z space"), float(params.get("sigma", 0.25)), int(params.get("noise", 0))
    return arithmetic.arithmetic(zoo, model, *groups, space, sigma, noise)[0]


def picture(shown: dict) -> dict:
    """Where the picture itself is drawn in the <img> box: scaled to fit it (object-fit: contain), centred."""
    width, height = shown["natural"]
    box = shown["img"]
    box_width, box_height = box["right"] - box["left"], box["bottom"] - box["top"]
    scale = min(box_width / width, box_height / height) if shown["fit"] == "contain" else box_height / height
    top = box["top"] + (box_height - scale * height) / 2
    return {"top": top, "bottom": top + scale * height, "height": scale * height, "scale": scale}


def test_two_steps_are_the_paths_arithmetic():
    assert [step.params()["model"] for step in STEPS] == ["dcgan-fashion-mnist", "dcgan-digiface-64"]


@pytest.mark.parametrize("mode", ["&present=1", ""], ids=["presentation", "normal"])
@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.params()["model"])
def test_the_result_rows_tiles_are_tall_and_uncovered(projector, app_url, default_zoo, step, mode):
    page = projector
    page.goto(app_url + step.link + mode)
    row = expected_row(default_zoo, step.params())
    wait_for_image(page, "#arith-row img", row, timeout=120)  # the step's own row, drawn by the link
    shown = page.evaluate(ROW_JS)
    drawn = picture(shown)
    width, height = shown["natural"]
    tile = (width - 3 * height) / 2  # five square tiles, padding p: width = 5·tile + 6p, height = tile + 2p
    assert tile > 0 and drawn["height"] >= 100, shown
    assert tile * drawn["scale"] >= 100, f"a tile is {tile * drawn['scale']:.0f} px tall: {shown}"
    assert shown["labels"], "the row has its caption"
    for label in shown["labels"]:  # each caption or label ends above the picture
        assert label["bottom"] <= drawn["top"] + 1, f"a label covers the row: {label} over {drawn}"
    if mode:
        assert drawn["bottom"] <= 720, f"the row is below the 1280×720 view: {drawn}"
