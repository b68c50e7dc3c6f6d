"""The Load box in Chromium: an NVIDIA StyleGAN2-ADA pickle under ``models/`` is inspected (format, architecture,
mapping depth, NVIDIA's non-commercial license) and loaded into the zoo, where the StyleGAN views list it."""

from pathlib import Path

import pytest

from explorer.ui.tabs import stylemix

from .loading import in_models_folder, inspect_and_load

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parents[1] / "data" / "stylegan2-ada" / "skip.pkl"


@pytest.fixture
def pickle_path(default_zoo, tmp_path):
    """skip.pkl in a models folder of the served app's own, and the zoo without the model afterwards."""
    with in_models_folder(default_zoo, tmp_path, FIXTURE) as path:
        yield path


def test_a_stylegan2_ada_pickle_is_inspected_and_loaded_through_the_box(page, default_zoo, pickle_path):
    text, name = inspect_and_load(page, pickle_path, "stylegan2-ada")
    for said in ("stylegan2-ada-pkl", "architecture skip", "mapping depth 2", "32×32", "NVIDIA Source Code License"):
        assert said in text, said
    assert name in stylemix.model_names(default_zoo)
