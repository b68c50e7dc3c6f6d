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


def rosinality_state(size: int = 32, style_dim: int = 16, n_mlp: int = 2, width: int = 8) -> dict:
    """A ``g_ema`` state dict with the key names and shapes of rosinality's ``Generator`` (written from its layout)."""
    state = {}
    for i in range(1, n_mlp + 1):
        state[f"style.{i}.weight"] = torch.randn(style_dim, style_dim) * 100  # stored ÷ lr_mul 0.01
        state[f"style.{i}.bias"] = torch.zeros(style_dim)

    def modulated(prefix, cin, cout, k, blur=False):
        state[f"{prefix}.conv.weight"] = torch.randn(1, cout, cin, k, k)
        state[f"{prefix}.conv.modulation.weight"] = torch.randn(cin, style_dim)
        state[f"{prefix}.conv.modulation.bias"] = torch.ones(cin)
        if blur:
            state[f"{prefix}.conv.blur.kernel"] = torch.ones(4, 4) / 4

    def styled(prefix, cin, cout, up):
        modulated(prefix, cin, cout, 3, blur=up)
        state[f"{prefix}.noise.weight"] = torch.full((1,), 0.1)
        state[f"{prefix}.activate.bias"] = torch.zeros(cout)

    def to_rgb(prefix, cin, up):
        modulated(prefix, cin, 3, 1)
        state[f"{prefix}.bias"] = torch.zeros(1, 3, 1, 1)
        if up:
            state[f"{prefix}.upsample.kernel"] = torch.ones(4, 4) / 4

    state["input.input"] = torch.randn(1, width, 4, 4)
    styled("conv1", width, width, False)
    to_rgb("to_rgb1", width, False)
    n_up = size.bit_length() - 3
    for i in range(n_up):
        styled(f"convs.{2 * i}", width, width, True)
        styled(f"convs.{2 * i + 1}", width, width, False)
        to_rgb(f"to_rgbs.{i}", width, True)
    resolutions = [4] + [2**r for r in range(3, n_up + 3) for _ in range(2)]
    for i, r in enumerate(resolutions):
        state[f"noises.noise_{i}"] = torch.randn(1, 1, r, r)
    return state


def test_rosinality_stylegan2_loads_strictly_and_the_seed_decides_the_image(tmp_path):
    from explorer.models.stylegan2 import StyleGAN2

    (tmp_path / "ffhq-tiny").mkdir()
    latent_avg = torch.randn(16)
    torch.save({"g_ema": rosinality_state(), "latent_avg": latent_avg}, tmp_path / "ffhq-tiny" / "550000.pt")
    model = hub.load(str(tmp_path / "ffhq-tiny"), device="cpu")
    assert isinstance(model, StyleGAN2)
    assert (model.resolution, model.latent_dim, model.num_ws) == (32, 16, 8)
    assert model.ws_resolutions == [4, 8, 8, 16, 16, 32, 32, 32] and torch.equal(model.w_avg, latent_avg)
    with torch.no_grad():
        a, again, b = (model.generate(model.sample_latent(2, s)) for s in (1, 1, 2))
        truncated = model.generate(model.sample_latent(2, 1), truncation_psi=0.0)
    assert a.shape == (2, 3, 32, 32) and torch.isfinite(a).all()
    assert torch.equal(a, again) and not torch.equal(a, b)
    assert torch.allclose(truncated[0], truncated[1])  # ψ = 0: every seed is the average face
    # a key missing, or one of the wrong shape, is refused with its name
    state = rosinality_state()
    del state["convs.1.noise.weight"]
    torch.save({"g_ema": state, "latent_avg": latent_avg}, tmp_path / "ffhq-tiny" / "550000.pt")
    with pytest.raises(ZooError, match="convs.1.noise.weight"):
        hub.load(str(tmp_path / "ffhq-tiny"))


def test_rosinality_model_converts_and_works_in_the_style_mixing_tab(tmp_path):
    import gradio as gr

    from explorer.ui.tabs import stylemix
    from explorer.ui.tabs.stylemix import mixing, noise
    from explorer.zoo import Zoo

    (tmp_path / "src").mkdir()
    torch.save({"g_ema": rosinality_state(), "latent_avg": torch.zeros(16)}, tmp_path / "src" / "model.pt")
    target, info = hub.converted_folder("someone/stylegan2-tiny", tmp_path / "src", root=tmp_path / "converted")
    assert info.family == "stylegan2" and info.format == "rosinality"
    zoo = Zoo(device="cpu")
    zoo.add_folder(target, "tiny-sg2")
    assert "tiny-sg2" in stylemix.model_names(zoo)
    grid = mixing.style_mix(zoo, "tiny-sg2", "1, 2", "3", "coarse", 0, 7, 1.0, 0, "const", 0)[0]
    picture, heat, text = noise.noise_panel(zoo, "tiny-sg2", 6, "random", 0, 1.0, [1.0] * 7)
    assert grid.size[0] > 0 and "std" in text
    with pytest.raises(gr.Error):
        mixing.style_mix(zoo, "tiny-sg2", "1", "2", "custom", 5, 2, 1.0, 0, "const", 0)


def test_fir_upsampling_keeps_the_gain_and_the_pixel_centres():
    from explorer.models.stylegan2 import Upsample

    up = Upsample([1, 3, 3, 1])
    flat = up(torch.ones(1, 1, 4, 4))[0, 0]
    assert torch.allclose(flat[1:-1, 1:-1], torch.ones(6, 6))  # gain 1 away from the zero-padded border
    ramp = up(torch.arange(4.0).view(1, 1, 1, 4).expand(1, 1, 4, 4))[0, 0, 3]
    assert torch.allclose(ramp[1:-1].diff(), torch.full((5,), 0.5))  # a linear ramp stays linear, half-pixel aligned


def test_a_truncated_download_is_named_as_such(reference_biggan, tmp_path):
    _, folder = reference_biggan
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    data = (folder / "pytorch_model.bin").read_bytes()
    (tmp_path / "pytorch_model.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(ZooError, match="corrupted or truncated"):
        hub.load(str(tmp_path), device="cpu")


def tutorial_generator(nz: int = 100, ngf: int = 8, nc: int = 3, resolution: int = 64) -> torch.nn.Sequential:
    """The PyTorch DCGAN tutorial's ``Generator.main`` (dcgan_faces_tutorial.py), written from its layout."""
    from torch import nn

    widths = [ngf * 2**i for i in reversed(range(3 if resolution == 32 else 4))]  # 64²: ngf·8, ·4, ·2, ·1
    layers = [nn.ConvTranspose2d(nz, widths[0], 4, 1, 0, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(True)]
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]
    layers += [nn.ConvTranspose2d(widths[-1], nc, 4, 2, 1, bias=False), nn.Tanh()]
    main = nn.Sequential(*layers)
    for m in main.modules():  # trained-looking statistics, so eval-mode BN is not the identity
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return main.eval()


@pytest.mark.parametrize("wrapped, resolution, suffix", [(True, 64, ".tar"), (False, 32, ".pth")])
def test_dcgan_tutorial_checkpoint_loads_into_our_dcgan(tmp_path, wrapped, resolution, suffix):
    from explorer.models.dcgan import DCGANGenerator

    reference = tutorial_generator(nz=20, ngf=8, nc=3, resolution=resolution)
    state = {f"main.{k}": v for k, v in reference.state_dict().items()}
    path = tmp_path / "faces" / f"weights{suffix}"
    path.parent.mkdir()
    torch.save({"netG_state_dict": state} if wrapped else state, path)
    for source in (path, path.parent):  # the file itself, or the folder holding it
        model = hub.load(str(source), device="cpu")
        assert isinstance(model, DCGANGenerator)
        assert (model.resolution, model.latent_dim, model.config.channels) == (resolution, 20, 3)
        z = model.sample_latent(3, seed=4)
        with torch.no_grad():
            assert torch.allclose(model.generate(z), reference(z.view(3, 20, 1, 1)), atol=1e-6)
    target, info = hub.converted_folder(str(path), path, root=tmp_path / "converted")
    assert info.format == "dcgan-tutorial" and info.family == "dcgan" and (target / "model.safetensors").is_file()
    del state["main.1.running_var"]  # strict: a missing key is named
    torch.save(state, path)
    with pytest.raises(ZooError, match="1.running_var"):
        hub.load(str(path), device="cpu")


def test_an_unknown_torch_file_names_the_formats_it_knows(tmp_path):
    torch.save({"encoder.weight": torch.zeros(2)}, tmp_path / "mystery.pt")
    with pytest.raises(ZooError, match="unknown checkpoint format.*rosinality.*DCGAN tutorial"):
        hub.load(str(tmp_path / "mystery.pt"), device="cpu")


def test_rosinality_train_checkpoint_with_args_loads_and_nothing_else_is_unpickled(tmp_path):
    """rosinality's train.py saves ``args`` (an argparse.Namespace) beside g_ema: allowed; any other object is not."""
    import argparse

    args = argparse.Namespace(size=32, latent=16, n_mlp=2, channel_multiplier=2, path="/data/ffhq")
    torch.save({"g_ema": rosinality_state(), "latent_avg": torch.zeros(16), "args": args}, tmp_path / "100000.pt")
    assert hub.load(str(tmp_path / "100000.pt"), device="cpu").num_ws == 8
    canary = tmp_path / "pwned"
    evil = argparse.Namespace(size=32, hook=Boom(canary))  # code hidden inside the allowed class
    torch.save({"g_ema": rosinality_state(), "args": evil}, tmp_path / "evil.pt")
    with pytest.raises(ZooError, match="refused"):
        hub.load(str(tmp_path / "evil.pt"), device="cpu")
    assert not canary.exists()


def test_a_missing_latent_avg_is_estimated_from_the_mapping_and_said(tmp_path):
    from explorer.models.stylegan2 import W_AVG_SAMPLES

    (tmp_path / "no-avg").mkdir()
    torch.save({"g_ema": rosinality_state()}, tmp_path / "no-avg" / "model.pt")
    model = hub.load(str(tmp_path / "no-avg"), device="cpu")
    z = torch.randn(20_000, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        mean = model.mapping(z)[:, 0].mean(dim=0)
    assert model.w_avg.abs().sum() > 0  # not the silent zeros of before
    assert torch.allclose(model.w_avg, mean, atol=0.05 * mean.abs().max())  # the mapping's mean, 4 096 samples
    info = hub.inspect(tmp_path / "no-avg", "someone/no-avg")
    assert f"{W_AVG_SAMPLES} z" in info.markdown()


def test_a_refusal_is_one_line_without_a_repeated_prefix(tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "model.pt").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ZooError) as caught:
        hub.load(str(tmp_path / "broken"), device="cpu")
    message = str(caught.value)
    assert message.count("model.pt") == 1 and "\n" not in message and "corrupted" in message


def test_a_hub_source_names_a_repo_a_revision_and_a_pickle_in_it():
    parse = hub.parse_source
    assert parse("user/gan") == hub.HubSource("user/gan")
    assert parse("user/gan@refs/pr/1") == hub.HubSource("user/gan", "refs/pr/1")  # a revision alone keeps its "/"
    assert parse("user/gan/network.pkl") == hub.HubSource("user/gan", None, "network.pkl")
    assert parse("user/gan@v1/ada/ffhq.pkl") == hub.HubSource("user/gan", "v1", "ada/ffhq.pkl")
    assert parse("user/gan@refs%2Fpr%2F1/ada/ffhq.pkl") == hub.HubSource("user/gan", "refs/pr/1", "ada/ffhq.pkl")
    assert not hub.is_repo_id("user/gan/weights.pt")  # only a pickle is a file of a Hub source
    with pytest.raises(ZooError, match="not a Hub repo id"):
        parse("user/gan/weights.pt")
