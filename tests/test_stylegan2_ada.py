"""NVIDIA's StyleGAN2-ADA pickles: read as data, converted into ours, equal to NVIDIA's own images.

The fixtures (``tests/data/stylegan2-ada/``, README there) were written by NVIDIA's stylegan2-ada-pytorch at a
pinned commit: random 32² generators in the skip, resnet and orig architectures, pickled as its training loop does,
and its images for fixed z, ψ, truncation cutoff and noise mode (``force_fp32=True``).
"""

import dataclasses
import os
import pickle
import subprocess
import sys
import types
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from explorer import directions, hub, preview_size, stylegan_pickle
from explorer.models import StyleGenerator, registry
from explorer.models.folder import ZooError, load_folder, save_folder
from explorer.models.stylegan2_ada import StyleGAN2ADA, config_from_kwargs, from_network
from explorer.stylegan_pickle import PickleRefused

DATA = Path(__file__).parent / "data" / "stylegan2-ada"
ARCHITECTURES = ["skip", "resnet", "orig"]
CASES = [(1.0, None, "const"), (0.5, None, "const"), (0.7, 3, "none"), (1.0, None, "none")]


@pytest.fixture(scope="module")
def expected() -> dict[str, torch.Tensor]:
    return load_file(str(DATA / "expected.safetensors"))


@pytest.fixture(scope="module")
def models() -> dict[str, StyleGAN2ADA]:
    return {name: stylegan_pickle.generator(DATA / f"{name}.pkl")[0] for name in ARCHITECTURES}


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_our_images_equal_nvidias(models, expected, name):
    model, z = models[name], expected["z"]
    with torch.no_grad():
        assert torch.equal(model.mapping(z), expected[f"{name}.ws"])
        for psi, cutoff, noise in CASES:
            images = model.synthesis(model.mapping(z, psi, cutoff), noise)
            theirs = expected[f"{name}.psi{psi}.cutoff{cutoff}.{noise}"]
            assert images.shape == theirs.shape
            assert (images - theirs).abs().max() <= 1e-4, (name, psi, cutoff, noise)


def test_the_reader_picks_g_ema_and_keeps_every_network_as_data():
    networks = stylegan_pickle.read(DATA / "skip.pkl")
    assert sorted(networks.networks) == ["D", "G", "G_ema", "augment_pipe"]
    assert networks.generator_name == "G_ema" and networks.generator is networks.networks["G_ema"]
    assert networks.data == {"training_set_kwargs": {"class_name": "training.dataset.ImageFolderDataset"}}
    g, g_train = networks.generator, networks.networks["G"]
    assert g.init_kwargs["synthesis_kwargs"]["architecture"] == "skip" and g.init_kwargs["mapping_kwargs"] == {
        "num_layers": 2,
        "layer_features": None,
    }
    assert g.classes["synthesis.b8.conv0"] == "SynthesisLayer" and g.attributes["synthesis.b8.conv0"]["up"] == 2
    assert not torch.equal(g.tensors["mapping.w_avg"], g_train.tensors["mapping.w_avg"])  # G_ema, not G
    assert networks.networks["D"].init_kwargs["conv_clamp"] == 256


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_every_tensor_of_the_generator_is_used(models, expected, name):
    """Every tensor of the pickle's G_ema is one of ours (same name, same values), and changing it changes the
    images, except the filters NVIDIA's code stores and never reads (those of layers that do not up-sample, and the
    blocks' own in resnet and orig, which have no image to up-sample)."""
    model, z = models[name], expected["z"][:1]
    tensors = stylegan_pickle.read(DATA / f"{name}.pkl").generator.tensors
    ours = {k.replace("mapping_network.", "mapping.").replace("synthesis_network.", "synthesis."): v for k, v in
            model.state_dict().items()}  # fmt: skip
    assert sorted(ours) == sorted(tensors)
    assert all(torch.equal(ours[k], tensors[k]) for k in tensors)
    unread = {k for k in tensors if k.endswith("conv1.resample_filter")} | {"synthesis.b4.resample_filter"}
    if name != "skip":  # the image is made by the last block alone: no block up-samples one
        unread |= {k for k in tensors if k.count(".") == 2 and k.endswith(".resample_filter")}
    with torch.no_grad():
        before = model.synthesis(model.mapping(z, 0.5), "const")
        for key, tensor in model.state_dict().items():  # views of the model's own tensors
            saved = tensor.clone()
            try:
                tensor.add_(0.5 + 0.1 * torch.rand(tensor.shape))
                changed = not torch.allclose(model.synthesis(model.mapping(z, 0.5), "const"), before, atol=1e-6)
            finally:
                tensor.copy_(saved)
            assert changed == (key.split(".", 1)[1] not in {u.split(".", 1)[1] for u in unread}), key


def test_a_converted_model_saves_and_loads_as_ours(models, expected, tmp_path):
    model = models["resnet"]
    loaded = load_folder(save_folder(tmp_path / "m", model))
    z = expected["z"]
    assert isinstance(loaded, StyleGAN2ADA) and loaded.config == model.config
    with torch.no_grad():
        assert torch.equal(loaded.generate(z, 0.7), model.generate(z, 0.7))


def test_it_has_every_capability_the_stylegan_views_need(models):
    model = models["skip"]
    assert registry.family_of(model).name == "stylegan2-ada" and registry.get("stylegan2-ada").supports(StyleGenerator)
    assert model.num_ws == 8 and model.ws_resolutions == [4, 8, 8, 16, 16, 32, 32, 32]
    rows = sorted({row for row, _ in directions.style_modules(model)})
    assert rows == list(range(model.num_ws))  # every ws row styles a layer: mixing and SeFa see them all
    z = model.sample_latent(2, 0)
    with torch.no_grad():
        quiet = model.generate(z, noise_strength=[0.0] * model.num_ws)
        assert torch.equal(quiet, model.generate(z, noise_mode="none"))
        assert not torch.equal(model.generate(z, noise_mode="random", noise_seed=1), model.generate(z))
        mixed = model.mapping(z)
        mixed[0, 4:] = mixed[1, 4:]
        assert not torch.equal(model.synthesis(mixed), model.synthesis(model.mapping(z)))
    assert directions.sefa(model, k=3).vectors.shape == (3, 24)


def test_kwargs_that_change_the_computation_are_read_or_refused():
    kwargs = stylegan_pickle.read(DATA / "orig.pkl").generator.init_kwargs
    config = config_from_kwargs(kwargs)
    assert (config.architecture, config.conv_clamp, config.resample_filter) == ("orig", None, [1, 2, 1])
    assert config.img_channels == 1 and config.resolution == 32 and config.mapping_layers == 2
    with pytest.raises(ZooError, match=r"class-conditional .*c_dim=10"):
        config_from_kwargs({**kwargs, "c_dim": 10})
    with pytest.raises(ZooError, match="does not compute: magnitude_ema_beta"):
        config_from_kwargs({**kwargs, "synthesis_kwargs": {**kwargs["synthesis_kwargs"], "magnitude_ema_beta": 0.9}})
    with pytest.raises(ZooError, match="activation must be one of"):
        config_from_kwargs({**kwargs, "mapping_kwargs": {"activation": "gelu"}})
    tensors = stylegan_pickle.read(DATA / "orig.pkl").generator.tensors
    with pytest.raises(ZooError, match="missing keys"):
        from_network(kwargs, {k: v for k, v in tensors.items() if "noise_const" not in k})


# --- refusals: each one line, nothing run ---------------------------------------------------------------------


class Fake:
    """Pickles as ``reduce(*args)``: what a crafted network pickle calls."""

    def __init__(self, reduce, *args):
        self.reduce, self.args = reduce, args

    def __reduce__(self):
        return self.reduce, self.args


@pytest.fixture
def nvidia_globals(monkeypatch):
    """``torch_utils.persistence._reconstruct_persistent_obj`` and ``dnnlib.tflib.network.Network`` as importable
    names while a test pickles (the reader never imports them)."""

    def reconstruct(meta):
        raise AssertionError("never called")

    class Network:  # a TF-era network: its state is its TensorFlow graph's variables
        def __init__(self):
            self.name = "G_synthesis"

    for module, name, value in [
        ("torch_utils.persistence", "_reconstruct_persistent_obj", reconstruct),
        ("dnnlib.tflib.network", "Network", Network),
    ]:
        for parent in range(1, module.count(".") + 2):
            monkeypatch.setitem(sys.modules, ".".join(module.split(".")[:parent]), types.ModuleType(module))
        value.__module__, value.__qualname__ = module, name
        setattr(sys.modules[module], name, value)
    return reconstruct, Network


def network(reconstruct, module_src="", parameters=None) -> Fake:
    state = {"_parameters": parameters or {}, "_buffers": {}, "_modules": {}, "_init_kwargs": {"z_dim": 4}}
    meta = {"type": "class", "version": 6, "module_src": module_src, "class_name": "Generator", "state": state}
    return Fake(reconstruct, meta)


def refused(data: bytes, match: str) -> str:
    with pytest.raises(PickleRefused, match=match) as error:
        stylegan_pickle.loads(data, "network.pkl")
    assert "\n" not in str(error.value)
    return str(error.value)


def test_module_src_is_never_run(nvidia_globals, tmp_path):
    marker = tmp_path / "written"
    source = f"open({str(marker)!r}, 'w').write('ran')\nclass Generator: pass\n"
    networks = stylegan_pickle.loads(pickle.dumps({"G_ema": network(nvidia_globals[0], source)}))
    assert networks.generator.class_name == "Generator" and not marker.exists()
    assert source not in repr(networks)  # dropped, not kept
    refused(pickle.dumps({"G_ema": network(nvidia_globals[0], source.encode())}), r"module_src is a bytes, not text")
    path = tmp_path / "network.pkl"
    path.write_bytes(pickle.dumps({"G_ema": network(nvidia_globals[0], source)}))
    with pytest.raises(ZooError, match="not a generator of StyleGAN2-ADA or StyleGAN3"):
        hub.convert(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "call", [(os.system, "touch {m}"), (eval, "open({m!r}, 'w')"), (subprocess.Popen, ["touch", "{m}"])]
)
@pytest.mark.parametrize("where", ["top", "nested"])
def test_a_global_that_would_run_code_is_refused(nvidia_globals, tmp_path, call, where):
    marker = tmp_path / "ran"
    function, argument = call
    fill = str(marker)
    argument = [a.format(m=fill) for a in argument] if isinstance(argument, list) else argument.format(m=fill)
    evil = Fake(function, argument)
    snapshot = {"G_ema": evil} if where == "top" else {"G_ema": network(nvidia_globals[0], parameters={"w": evil})}
    message = refused(pickle.dumps(snapshot), "refused: it holds the global")
    assert f"{function.__module__}.{function.__name__}" in message  # posix.system, builtins.eval, subprocess.Popen
    assert not marker.exists()


def test_a_truncated_pickle_is_refused():
    data = (DATA / "skip.pkl").read_bytes()
    refused(data[: len(data) // 2], "network.pkl is corrupted or truncated")
    refused(b"", "corrupted or truncated")


def test_a_tensorflow_era_pickle_is_refused(nvidia_globals):
    tf_network = nvidia_globals[1]
    refused(pickle.dumps({"G": tf_network(), "Gs": tf_network()}), r"TensorFlow-era StyleGAN pickle \(dnnlib\.tflib")
    refused(pickle.dumps((tf_network(), tf_network(), tf_network())), "TensorFlow-era")  # the old (G, D, Gs) tuple


def test_tensors_must_stay_inside_their_storage():
    storage = torch.zeros(4).storage()
    assert stylegan_pickle.rebuild_tensor(storage, 0, (2, 2), (2, 1)).shape == (2, 2)
    with pytest.raises(PickleRefused, match="reaching element 4 of a storage of 4"):
        stylegan_pickle.rebuild_tensor(storage, 2, (3,), (1,))
    with pytest.raises(PickleRefused, match="only numbers and booleans"):
        stylegan_pickle.numpy_dtype("O")


# --- in the app ---------------------------------------------------------------------------------------------------


def test_a_pickle_under_models_is_inspected_loaded_once_and_works_in_the_style_views(tmp_path):
    import gradio as gr

    from explorer import inversion
    from explorer.settings import Settings
    from explorer.ui import loader
    from explorer.ui.common import ModelList
    from explorer.ui.tabs import interpolation, stylemix
    from explorer.ui.tabs.stylemix import mixing, noise
    from explorer.zoo import Zoo

    (tmp_path / "models").mkdir()
    source = str(tmp_path / "models" / "skip.pkl")
    Path(source).write_bytes((DATA / "skip.pkl").read_bytes())
    settings = dataclasses.replace(Settings.from_env(), models=tmp_path / "models", converted=tmp_path / "converted")
    info = loader.inspect_source(source, settings)
    for said in ("stylegan2-ada (stylegan2-ada-pkl)", "32×32", "mapping depth 2", "architecture skip", "NVIDIA Source"):
        assert said in info, said
    assert "non-commercial" in info
    zoo = Zoo(device="cpu", settings=settings)
    message, dropdown = loader.load_source(zoo, source, [ModelList(gr.Dropdown(), lambda: stylemix.model_names(zoo))])
    name = loader.zoo_name(source)
    assert (name, name) in dropdown.choices and "per image" in message
    converted = sorted(p for p in (tmp_path / "converted").iterdir() if not p.name.startswith("."))
    assert [p.name for p in converted] == [f"{source.strip('/').replace('/', '--')[:-4]}-pkl"]
    assert "non-commercial" in (converted[0] / "README.md").read_text() and "nvidia" in zoo.entry(name).license.lower()
    before = (converted[0] / "model.safetensors").stat().st_mtime_ns
    loader.load_source(zoo, source, [])  # converted once: the folder is reused
    assert (converted[0] / "model.safetensors").stat().st_mtime_ns == before
    model = zoo.load(name)
    with torch.no_grad():
        assert torch.equal(model.generate(model.sample_latent(2, 0)), stylegan_pickle.generator(source)[0].generate(
            model.sample_latent(2, 0)))  # fmt: skip
    grid = mixing.style_mix(zoo, name, "1, 2", "3", "coarse", 0, 7, 0.7, 0, "const", 0)[0]
    picture, heat, text = noise.noise_panel(zoo, name, 6, "random", 0, 1.0, [1.0] * model.num_ws)
    frame = interpolation.render_frame(zoo, name, 1, 2, 0.5, next(iter(interpolation.layout.METHODS)))
    assert grid.size[0] > 0 and "std" in text and frame.size[0] >= 32
    with torch.no_grad():
        target = model.generate(model.sample_latent(1, 5))
    steps = list(inversion.invert(model, target, steps=4, every=2, candidates=4))
    assert steps[-1].code.shape == (1, 24) and steps[-1].loss <= steps[0].loss  # inverted in w


def test_numpy_numbers_and_arrays_are_data_and_object_arrays_are_refused(nvidia_globals):
    """StyleGAN3's layers keep sizes as numpy arrays, StyleGAN2-ADA's gains as numpy floats: both are read."""
    import numpy as np

    layer = network(nvidia_globals[0])
    layer.args[0]["state"].update(size=np.array([36, 36]), weight_gain=np.float64(0.25), flag=np.bool_(True))
    attributes = stylegan_pickle.loads(pickle.dumps({"G_ema": layer})).generator.attributes[""]
    assert attributes["size"].tolist() == [36, 36] and attributes["weight_gain"] == 0.25 and attributes["flag"] is True
    layer.args[0]["state"]["size"] = np.array([1, "os.system"], dtype=object)
    refused(pickle.dumps({"G_ema": layer}), "a numpy dtype 'O8': only numbers and booleans")


# --- previews of a large model while a slider moves -------------------------------------------------------------


def test_a_skip_generators_preview_stops_at_the_previews_block_and_never_runs_the_last(models, expected):
    """Inside ``preview_size.at_most(16)`` the 32² skip generator answers with its 16² image so far (the blocks up to
    b16: the network's own coarser picture) and b32 never runs; outside, its full image, unchanged."""
    model, z = models["skip"], expected["z"]
    ran = []
    hook = model.synthesis_network.b32.register_forward_hook(lambda *_: ran.append("b32"))
    try:
        with torch.no_grad():
            with preview_size.at_most(16):
                preview = model.synthesis(model.mapping(z))
            assert ran == [] and preview.shape == (len(z), 3, 16, 16)
            x, image = None, None  # the same blocks, run by hand: b4 … b16 and their ToRGB sum
            ws, row = model.mapping(z), 0
            for block in model.synthesis_network.blocks()[:3]:
                n = block.num_conv
                x, image = block(x, image, ws[:, row : row + n + 1], model.stored_noise()[row : row + n], [1.0] * n)
                row += n
            assert torch.equal(preview, image)
            full = model.synthesis(model.mapping(z))
        assert ran == ["b32"] and (full - expected["skip.psi1.0.cutoffNone.const"]).abs().max() <= 1e-4
    finally:
        hook.remove()


def test_generators_without_coarser_images_are_averaged_down_in_a_preview(models, expected):
    model, z = models["resnet"], expected["z"]  # resnet: one ToRGB, at the end
    with torch.no_grad():
        full = model.synthesis(model.mapping(z))
        with preview_size.at_most(16):
            preview = model.synthesis(model.mapping(z))
        with preview_size.at_most(32):  # the model fits: unchanged
            assert torch.equal(model.synthesis(model.mapping(z)), full)
    assert torch.allclose(preview, torch.nn.functional.avg_pool2d(full, 2), atol=1e-6)
    with pytest.raises(ValueError, match="at least 4 pixels"):
        with preview_size.at_most(2):
            pass


def test_the_preview_route_renders_at_the_previews_side_and_the_release_in_full(models, monkeypatch):
    """The route's PNG of a model larger than ``PREVIEW_SIDE`` (256 in the app; 16 here, for the 32² fixture: the same
    rule, a thousandth of the work) is that side; the handler called as the sync event calls it gives the full image."""
    import io

    from PIL import Image

    from explorer import images
    from explorer.ui import previews as previews_module

    model = models["skip"]

    def render(seed: int) -> Image.Image:
        with torch.inference_mode():
            return images.image(model.generate(model.sample_latent(1, seed)))

    assert previews_module.PREVIEW_SIDE == 256
    monkeypatch.setattr(previews_module, "PREVIEW_SIDE", 16)
    previews = previews_module.Previews(cache_mb=0, batch=False)
    previews.register("big", render)
    assert Image.open(io.BytesIO(previews.render_png("big", [3]))).size == (16, 16)
    assert render(3).size == (32, 32) and preview_size.limit() is None
