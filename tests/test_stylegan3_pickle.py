"""NVIDIA's StyleGAN3 pickles in the app: read as data (``explorer.stylegan_pickle``), converted once into our folder
with a card, inspected and loaded through the Load box, equal to NVIDIA's own images after the round trip.

The fixtures (``tests/data/stylegan3/``, README there) are persistence pickles written by NVIDIA's code: a T and an R
config at 32², with NVIDIA's images for fixed z and ψ."""

import dataclasses
from pathlib import Path

import gradio as gr
import pytest
import torch
from safetensors.torch import load_file

from explorer import convert, hub, stylegan_pickle
from explorer.models import StyleGAN3
from explorer.models.folder import ZooError, load_folder
from explorer.settings import Settings
from explorer.stylegan_pickle import PickleRefused

DATA = Path(__file__).parent / "data" / "stylegan3"
CONFIGS = {"t32": ("config T", "mapping depth 2", "conv_clamp 256"), "r32": ("config R", "mapping depth 3", "no conv")}


def assert_nvidias_images(model: torch.nn.Module, name: str) -> None:
    expected = load_file(str(DATA / f"{name}_expected.safetensors"))
    with torch.no_grad():
        for psi in (1.0, 0.7):
            images = model.synthesis(model.mapping(expected["z"], psi))
            assert (images - expected[f"img_psi{psi}"]).abs().max() <= 1e-4, (name, psi)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_pickle_converts_once_into_our_folder_and_loads_with_nvidias_images(name, tmp_path):
    source = str(DATA / f"{name}.pkl")
    folder, info = hub.converted_folder(source, DATA / f"{name}.pkl", tmp_path)
    assert (info.family, info.format, info.resolution) == ("stylegan3", "stylegan3-pkl", 32)
    assert folder.parent == tmp_path and folder.name.endswith(f"{name}-pkl")
    card = (folder / "README.md").read_text()
    for said in ("StyleGAN3 generator", CONFIGS[name][0], "non-commercial", "NVlabs/stylegan3/blob/main/LICENSE"):
        assert said in card, said
    model = load_folder(folder, "cpu")  # our safetensors folder, strictly
    assert isinstance(model, StyleGAN3)
    assert_nvidias_images(model, name)
    before = (folder / "model.safetensors").stat().st_mtime_ns
    assert hub.converted_folder(source, DATA / f"{name}.pkl", tmp_path)[0] == folder  # converted once: reused
    assert (folder / "model.safetensors").stat().st_mtime_ns == before


@pytest.mark.slow
def test_python_m_explorer_convert_writes_the_folder_with_nvidias_card(tmp_path, capsys):
    assert convert.main([str(DATA / "r32.pkl"), "--out", str(tmp_path / "r32")]) == 0
    assert "stylegan3 (stylegan3-pkl)" in capsys.readouterr().out
    assert "NVIDIA Source Code License" in (tmp_path / "r32" / "README.md").read_text()
    assert_nvidias_images(load_folder(tmp_path / "r32", "cpu"), "r32")


def test_the_pickle_dispatch_names_the_release(tmp_path):
    model, fmt = stylegan_pickle.generator(DATA / "t32.pkl")
    assert isinstance(model, StyleGAN3) and fmt == "stylegan3-pkl"
    network = stylegan_pickle.read(DATA / "t32.pkl").generator
    assert stylegan_pickle.release_of(network).family == "stylegan3"
    sg2 = stylegan_pickle.generator(Path(__file__).parent / "data" / "stylegan2-ada" / "skip.pkl")
    assert sg2[1] == "stylegan2-ada-pkl"


def test_a_pickle_of_an_unknown_nvidia_class_is_refused_in_one_line(tmp_path):
    """The real T pickle with its input renamed (same length: the pickle stays well formed): neither StyleGAN3's
    Fourier input nor StyleGAN2-ADA's 4×4 block, so nothing is built."""
    path = tmp_path / "other.pkl"
    path.write_bytes((DATA / "t32.pkl").read_bytes().replace(b"SynthesisInput", b"FourierInputXY"))
    with pytest.raises(PickleRefused, match="not a generator of StyleGAN2-ADA or StyleGAN3") as error:
        hub.convert(path)
    assert "\n" not in str(error.value) and "other.pkl" in str(error.value)
    assert stylegan_pickle.read(path).generator.classes["synthesis.input"] == "FourierInputXY"  # it reads as data


def test_kwargs_our_stylegan3_refuses_are_one_line_zoo_errors(monkeypatch):
    """A conditional StyleGAN3 (c_dim > 0): the reader's data for the T pickle, its kwargs edited."""
    networks = stylegan_pickle.read(DATA / "t32.pkl")
    network = networks.generator
    edited = dataclasses.replace(network, init_kwargs={**network.init_kwargs, "c_dim": 7})
    monkeypatch.setattr(stylegan_pickle, "read", lambda path: dataclasses.replace(networks, networks={"G_ema": edited}))
    with pytest.raises(ZooError, match=r"^conditional.pkl: a conditional StyleGAN3 \(c_dim = 7\)") as error:
        stylegan_pickle.generator("conditional.pkl")
    assert "\n" not in str(error.value)


@pytest.fixture
def settings(tmp_path) -> Settings:
    """A models folder holding both fixtures (the only place the Load box reads a local pickle from)."""
    (tmp_path / "models").mkdir()
    for name in CONFIGS:
        (tmp_path / "models" / f"{name}.pkl").write_bytes((DATA / f"{name}.pkl").read_bytes())
    return dataclasses.replace(Settings.from_env(), models=tmp_path / "models", converted=tmp_path / "converted")


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_inspect_names_the_format_config_mapping_depth_and_license(name, settings):
    from explorer.ui import loader

    info = loader.inspect_source(str(settings.models / f"{name}.pkl"), settings)
    for said in ("stylegan3 (stylegan3-pkl)", "32×32", *CONFIGS[name], "NVIDIA Source Code License", "non-commercial"):
        assert said in info, said
    assert not settings.converted.exists()  # Inspect converts nothing to disk


@pytest.mark.slow
def test_load_into_the_zoo_through_the_loader(settings):
    from explorer.ui import loader
    from explorer.ui.common import ModelList
    from explorer.ui.tabs import stylemix
    from explorer.ui.tabs.stylemix import noise
    from explorer.zoo import Zoo

    source = str(settings.models / "t32.pkl")
    zoo = Zoo(device="cpu", settings=settings)
    message, dropdown = loader.load_source(zoo, source, [ModelList(gr.Dropdown(), lambda: stylemix.model_names(zoo))])
    name = loader.zoo_name(source)
    assert (name, name) in dropdown.choices and "per image" in message and "config T" in message
    assert "nvidia" in zoo.entry(name).license.lower()
    assert_nvidias_images(zoo.load(name), "t32")
    note, row = noise.noise_inputs(zoo, name)  # the noise section: a note instead of sliders that change nothing
    assert note["visible"] and "no noise inputs" in note["value"] and row["visible"] is False


def test_the_noise_section_keeps_its_sliders_for_a_model_with_noise_inputs(default_zoo):
    from explorer.ui.tabs import stylemix
    from explorer.ui.tabs.stylemix import noise

    name = next(n for n in stylemix.model_names(default_zoo) if default_zoo.load(n).noise_resolutions)
    note, row = noise.noise_inputs(default_zoo, name)
    assert note["visible"] is False and row["visible"] is True
