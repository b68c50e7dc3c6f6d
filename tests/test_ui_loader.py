"""The Load-a-model box: a converted public checkpoint joins the zoo and every tab's model list."""

import dataclasses
import json
import re
import shutil
from pathlib import Path

import gradio as gr
import pytest
import torch

from explorer.settings import Settings
from explorer.ui import loader
from explorer.ui.common import ModelList
from explorer.ui.tabs.truncation import curve, samples, shared
from explorer.zoo import Zoo

from .conftest import TINY_DEEP


@pytest.fixture
def settings(tmp_path, reference_biggan) -> Settings:
    """The app's settings with its model folder and converted-model cache in ``tmp_path``."""
    root = tmp_path / "models"
    root.mkdir()
    _, folder = reference_biggan
    shutil.copytree(folder, root / "tiny-deep")
    return dataclasses.replace(Settings.from_env(), models=root, converted=tmp_path / "converted")


@pytest.fixture
def models_root(settings) -> Path:
    return settings.models


def test_a_loaded_biggan_deep_appears_in_the_truncation_tab_and_renders(models_root, settings):
    zoo = Zoo(device="cpu", settings=settings)
    source = str(models_root / "tiny-deep")
    info = loader.inspect_source(source, settings)
    assert "biggan-deep" in info and "5 classes" in info and "apache-2.0" in info
    lists = [ModelList(gr.Dropdown(), lambda: shared.model_names(zoo))]
    message, dropdown = loader.load_source(zoo, source, lists)
    name = loader.zoo_name(source)
    assert name == "tiny-deep"  # the folder's own name, not its whole path
    assert re.search(r"about \*\*\d+\.\d+ m?s per image", message) and "0.00 s" not in message
    assert (name, name) in dropdown.choices
    classes = zoo.load(name).class_names
    picture, _ = samples.render_samples(zoo, name, classes[0], classes[1], 0.5, 0.4, 0)
    assert picture.size[0] >= 4 * 32 * 4  # 4 × 4 samples at 4× scale
    a, b, grid, _, _, _ = samples.switch_model(zoo, name, 0.0, 1.0, 0)
    assert a.value == classes[0] and len(a.choices) == 5 and grid.size == picture.size
    with pytest.raises(gr.Error, match="Fashion-MNIST"):
        curve.render_curve(zoo, name)


def test_paths_outside_the_allowed_folders_are_refused(settings, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "config.json").write_text(json.dumps(TINY_DEEP))
    for source in (str(outside), "/etc", "../../etc", ""):
        with pytest.raises(gr.Error, match="Hub repo id|folder inside"):
            loader.inspect_source(source, settings)


def test_a_model_of_an_unknown_format_is_a_message_and_the_zoo_keeps_its_models(models_root, settings):
    zoo = Zoo(device="cpu", settings=settings)
    before = zoo.names()
    (models_root / "junk").mkdir()
    (models_root / "junk" / "config.json").write_text("{}")
    torch.save({"w": torch.zeros(1)}, models_root / "junk" / "pytorch_model.bin")
    with pytest.raises(gr.Error, match="unknown checkpoint format"):
        loader.user_errors(loader.load_source)(zoo, str(models_root / "junk"))
    assert zoo.names() == before


def test_a_run_folder_and_a_hub_repo_are_named_for_what_they_are():
    assert loader.zoo_name("/tmp/pytest-7/runs/dcgan-fashion-mnist-20261130-061500/") == (
        "dcgan-fashion-mnist-20261130-061500"
    )
    assert loader.zoo_name("huggan/dcgan-faces@main") == "huggan-dcgan-faces-main"
