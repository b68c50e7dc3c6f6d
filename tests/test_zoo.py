import json
import pickle

import pytest
import torch
from safetensors.torch import save_file

from explorer import zoo
from explorer.models import Unconditional


def test_default_manifest_lists_the_committed_dcgan(default_zoo):
    entry = default_zoo.entry("dcgan-fashion-mnist")
    assert entry.family == "dcgan" and entry.resolution == 32 and entry.latent_dim == 100
    assert len(entry.classes) == 10 and entry.license == "mit"
    assert (entry.folder / "model.safetensors").stat().st_size < 15 * 2**20


def test_committed_dcgan_generates_finite_seeded_images(default_zoo):
    model = default_zoo.load("dcgan-fashion-mnist")
    assert default_zoo.load("dcgan-fashion-mnist") is model  # cached once per process
    with torch.inference_mode():
        images = model.generate(model.sample_latent(8, seed=0))
        again = model.generate(model.sample_latent(8, seed=0))
    assert images.shape == (8, 1, 32, 32) and torch.isfinite(images).all()
    assert torch.equal(images, again)
    assert images.std() > 0.2  # a trained generator draws garments, not a flat field


def test_load_by_path(tiny_checkpoint):
    model = zoo.load(tiny_checkpoint, device="cpu")
    assert model.latent_dim == 16 and not model.training


def test_unknown_name_lists_the_available_models(default_zoo):
    with pytest.raises(zoo.ZooError, match="available models: dcgan-fashion-mnist"):
        default_zoo.load("stylegan-imaginary")


def test_missing_folder(tmp_path):
    with pytest.raises(zoo.ZooError, match="does not exist"):
        zoo.load(tmp_path / "absent")


def _copy(src, dst):
    dst.mkdir()
    for name in ("config.json", "model.safetensors"):
        (dst / name).write_bytes((src / name).read_bytes())
    return dst


def test_corrupted_weights_are_a_clear_error(tiny_checkpoint, tmp_path):
    folder = _copy(tiny_checkpoint, tmp_path / "corrupt")
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(zoo.ZooError, match="corrupted or truncated"):
        zoo.load(folder, device="cpu")


def test_loading_is_strict(tiny_checkpoint, tmp_path):
    folder = _copy(tiny_checkpoint, tmp_path / "extra")
    from safetensors.torch import load_file

    state = load_file(str(folder / "model.safetensors"))
    state["unexpected.weight"] = torch.zeros(1)
    save_file(state, str(folder / "model.safetensors"))
    with pytest.raises(zoo.ZooError, match="unexpected keys"):
        zoo.load(folder, device="cpu")


def test_unknown_family_and_bad_json(tiny_checkpoint, tmp_path):
    folder = _copy(tiny_checkpoint, tmp_path / "fam")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "family": "diffusion"}))
    with pytest.raises(zoo.ZooError, match="known families"):
        zoo.load(folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(zoo.ZooError, match="not valid JSON"):
        zoo.load(folder)


class _RunsCode:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path(__import__('os').environ['PWNED']).write_text('ran')",))


def test_pickles_are_refused_and_never_run(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("PWNED", str(marker))
    path = tmp_path / "network.pkl"
    path.write_bytes(pickle.dumps({"G": _RunsCode()}))
    with pytest.raises(zoo.ZooError, match="pickle files are refused"):
        zoo.load(path)
    assert not marker.exists()


def test_added_folder_appears_in_the_zoo(tiny_checkpoint):
    z = zoo.Zoo(device="cpu")
    entry = z.add_folder(tiny_checkpoint, name="fresh-run")
    assert "fresh-run" in z.names(Unconditional) and entry.latent_dim == 16
    assert z.load("fresh-run").latent_dim == 16


def test_one_accessor_and_one_predicate_for_the_reference_classifier(default_zoo, tiny_zoo):
    from explorer.zoo import REFERENCE_CLASSIFIER

    classifier = default_zoo.reference_classifier()
    assert classifier is default_zoo.load(REFERENCE_CLASSIFIER) and len(classifier.class_names) == 10
    assert default_zoo.classifier_reads("dcgan-fashion-mnist")  # a Fashion-MNIST model
    assert not default_zoo.classifier_reads("dcgan-digiface-64")  # faces: the classifier knows garments only
    assert not tiny_zoo.classifier_reads("tiny")  # no classifier in that zoo
    with pytest.raises(ValueError, match="the metrics needs the classifier-fashion-mnist model"):
        tiny_zoo.reference_classifier("the metrics")
