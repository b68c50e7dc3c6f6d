"""Public checkpoint formats, loaded offline from files the tests make (no network is used)."""

import json
import pickle

import pytest
import torch
import torch.nn.functional as F

from explorer import hub, zoo
from explorer.models.biggan_deep import BigGANDeep, imagenet_class_names
from explorer.zoo import ZooError, load_folder

from .conftest import TINY_DEEP


@pytest.mark.parametrize("truncation", [1.0, 0.4, 0.37])
def test_biggan_deep_matches_the_reference_package(reference_biggan, truncation):
    reference, folder = reference_biggan
    ours = hub.load(str(folder), device="cpu")
    assert isinstance(ours, BigGANDeep) and not any(".weight_orig" in k for k in ours.state_dict())
    z = ours.sample_latent(4, seed=3, truncation=truncation)
    classes = F.one_hot(torch.tensor([0, 1, 3, 4]), 5).float()
    with torch.no_grad():
        expected = reference(z, classes, truncation)
        got = ours.generate(z, classes, truncation=truncation)
    assert 0.05 < expected.std() < 0.9  # a meaningful image, not saturated
    assert (got - expected).abs().max() <= 1e-4


def test_biggan_deep_converts_to_our_format_and_the_zoo_loads_it(reference_biggan, tmp_path):
    _, folder = reference_biggan
    target, info = hub.converted_folder("someone/tiny-deep@v1", folder, root=tmp_path)
    assert (info.family, info.format, info.resolution, info.classes, info.license) == (
        "biggan-deep",
        "biggan-deep",
        32,
        5,
        "apache-2.0",
    )
    assert info.parameters > 0 and info.size_bytes > 0 and "5 classes" in info.markdown()
    reloaded = load_folder(target, "cpu")
    z = reloaded.sample_latent(2, 0, truncation=0.5)
    direct = hub.load(str(folder), device="cpu")
    with torch.no_grad():
        assert torch.equal(reloaded.generate(z, [1, 2], truncation=0.5), direct.generate(z, [1, 2], truncation=0.5))


def test_imagenet_class_names_come_with_torchvision():
    names = imagenet_class_names()
    assert len(names) == 1000 and names[0] == "tench" and names[207] == "golden retriever"


def test_a_wrong_key_or_shape_is_a_clear_error(reference_biggan, tmp_path):
    reference, _ = reference_biggan
    state = reference.state_dict()
    state["generator.extra.weight"] = torch.zeros(1)
    (tmp_path / "config.json").write_text(json.dumps(TINY_DEEP))
    torch.save(state, tmp_path / "pytorch_model.bin")
    with pytest.raises(ZooError, match="unexpected"):
        hub.load(str(tmp_path), device="cpu")
    (tmp_path / "config.json").write_text(json.dumps({**TINY_DEEP, "channel_width": 8}))
    del state["generator.extra.weight"]
    torch.save(state, tmp_path / "pytorch_model.bin")
    with pytest.raises(ZooError, match="shape"):
        hub.load(str(tmp_path), device="cpu")


def test_huggan_dcgan_loads_into_our_dcgan(tmp_path):
    """A huggan ``Generator`` state dict (``model.N`` keys, no output bias) built with their layer shapes."""
    h, latent, channels = 8, 16, 1
    shapes = [(latent, 8 * h), (8 * h, 4 * h), (4 * h, 2 * h), (2 * h, h)]
    state = {}
    for i, (cin, cout) in enumerate(shapes):
        state[f"model.{3 * i}.weight"] = torch.randn(cin, cout, 4, 4) * 0.05
        bn = f"model.{3 * i + 1}"
        state |= {f"{bn}.weight": torch.ones(cout), f"{bn}.bias": torch.zeros(cout)}
        state |= {f"{bn}.running_mean": torch.zeros(cout), f"{bn}.running_var": torch.ones(cout)}
        state[f"{bn}.num_batches_tracked"] = torch.tensor(0)
    state["model.12.weight"] = torch.randn(h, channels, 4, 4) * 0.05
    (tmp_path / "config.json").write_text(
        json.dumps({"num_channels": channels, "latent_dim": latent, "hidden_size": h})
    )
    torch.save(state, tmp_path / "pytorch_model.bin")
    model = hub.load(str(tmp_path), device="cpu")
    assert (model.resolution, model.latent_dim) == (64, latent)
    with torch.no_grad():
        reference = torch.nn.Sequential(*list(model.net.children()))  # same layers; our bias is zero
        z = model.sample_latent(2, 5)
        assert torch.equal(model.generate(z), reference(z.view(2, latent, 1, 1)))
        assert not torch.equal(model.generate(model.sample_latent(1, 6)), model.generate(z[:1]))
    assert model.state_dict()["net.12.bias"].abs().sum() == 0


class Boom:
    """Unpickling this calls ``touch(path)``: the code a malicious checkpoint would run."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


@pytest.mark.parametrize("name", ["network.pkl", "pytorch_model.bin"])
def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path, name):
    canary = tmp_path / "pwned"
    (tmp_path / "model").mkdir()
    with open(tmp_path / "model" / name, "wb") as f:
        pickle.dump({"weight": Boom(canary)}, f)
    if name.endswith(".bin"):
        (tmp_path / "model" / "config.json").write_text(json.dumps(TINY_DEEP))
    with pytest.raises(ZooError, match="refused|pickle"):
        hub.load(str(tmp_path / "model"), device="cpu")
    with pytest.raises(ZooError, match="refused|pickle"):
        hub.load(str(tmp_path / "model" / name), device="cpu")
    assert not canary.exists()


def test_offline_and_not_cached_is_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(ZooError, match="not in the local cache and HF_HUB_OFFLINE is set"):
        zoo.load("osanseviero/BigGAN-deep-128")
    with pytest.raises(ZooError, match="not in the local cache"):
        hub.download("someone/model@v2")


def test_our_own_format_loads_from_a_folder_strictly(tiny_checkpoint, tmp_path):
    model = hub.load(str(tiny_checkpoint), device="cpu")
    assert model.latent_dim == 16
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text(json.dumps({"something": 1}))
    with pytest.raises(ZooError, match="unknown checkpoint format"):
        hub.load(str(broken))
    with pytest.raises(ZooError, match="neither an existing folder nor a Hub repo id"):
        hub.resolve("not a repo id")
