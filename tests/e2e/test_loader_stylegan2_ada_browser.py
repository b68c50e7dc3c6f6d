"""The Load box in Chromium: an NVIDIA StyleGAN2-ADA pickle under ``models/`` is inspected (format, architecture,
mapping depth, NVIDIA's non-commercial license) and loaded into the zoo, where the StyleGAN views list it."""

import dataclasses
from pathlib import Path

import pytest

from explorer.ui import loader
from explorer.ui.tabs import stylemix

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parents[1] / "data" / "stylegan2-ada" / "skip.pkl"


@pytest.fixture
def pickle_path(default_zoo, tmp_path):
    """skip.pkl in a models folder of the served app's own (its zoo's settings, restored after), and the zoo without
    the model afterwards."""
    saved = default_zoo.settings
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "skip.pkl"
    path.write_bytes(FIXTURE.read_bytes())
    default_zoo.settings = dataclasses.replace(saved, models=tmp_path / "models", converted=tmp_path / "converted")
    yield path
    default_zoo.settings = saved
    name = loader.zoo_name(str(path))
    default_zoo.entries.pop(name, None)
    default_zoo.forget(name)


def test_a_stylegan2_ada_pickle_is_inspected_and_loaded_through_the_box(page, default_zoo, pickle_path):
    page.get_by_text("Load a pretrained model (Hugging Face Hub or a local folder)").click()
    box = page.locator("#loader-accordion")
    box.get_by_label("Repo id or folder").fill(str(pickle_path))
    box.get_by_role("button", name="Inspect", exact=True).click()
    info = page.locator("#load-info")
    page.wait_for_function(
        "() => document.querySelector('#load-info').innerText.includes('stylegan2-ada')", timeout=60_000
    )
    text = info.inner_text()
    for said in ("stylegan2-ada-pkl", "architecture skip", "mapping depth 2", "32×32", "NVIDIA Source Code License"):
        assert said in text, said
    box.get_by_role("button", name="Load into the zoo", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('#load-info').innerText.includes('Loaded as')", timeout=120_000
    )
    name = loader.zoo_name(str(pickle_path))
    assert f"Loaded as {name}" in info.inner_text() and name in stylemix.model_names(default_zoo)
