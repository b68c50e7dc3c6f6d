"""The ONNX graphs the page runs (explorer/onnx_export.py) against PyTorch, on the committed models."""

import numpy as np
import onnxruntime as ort
import pytest
import torch

from explorer import onnx_export
from explorer.onnx_export import INPUT, OnnxModels, export, synthesis_inputs

EXPORTED = ["dcgan-fashion-mnist", "dcgan-digiface-64", "vae2d-fashion-mnist"]


@pytest.fixture(scope="module")
def onnx_models(default_zoo, tmp_path_factory) -> OnnxModels:
    return OnnxModels(default_zoo, tmp_path_factory.mktemp("onnx"))


@pytest.mark.parametrize("name", EXPORTED)
def test_the_graph_equals_pytorch(onnx_models, default_zoo, name):
    """Any batch size (the batch is dynamic), to 1e-4 in [-1, 1]: the page paints what the server would."""
    model = default_zoo.load(name)
    session = ort.InferenceSession(str(onnx_models.file(name).path), providers=["CPUExecutionProvider"])
    z = model.sample_latent(3, 7) * 1.5  # off the shell too: the Directions α moves far along a direction
    with torch.inference_mode():
        expected = model.generate(z).cpu().numpy()
    (got,) = session.run(None, {INPUT: z.numpy()})
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= 1e-4


def test_the_autoencoders_decoder_is_exported_too(onnx_models, default_zoo):
    """The plain autoencoder has no prior, so no ``generate``: its graph is ``decode(z)``, what a click on its plane
    shows (before, its export raised and its plane's clicks all went to the route)."""
    model = default_zoo.load("ae2d-fashion-mnist")
    session = ort.InferenceSession(str(onnx_models.file("ae2d-fashion-mnist").path), providers=["CPUExecutionProvider"])
    z = torch.randn(3, 2, generator=torch.Generator().manual_seed(7)) * 1.5
    with torch.inference_mode():
        expected = model.decode(z).cpu().numpy()
    (got,) = session.run(None, {INPUT: z.numpy()})
    assert got.shape == expected.shape == (3, 1, 32, 32)
    assert np.abs(got - expected).max() <= 1e-4


def test_files_are_cached_per_generation_with_a_content_hash(onnx_models, default_zoo):
    name = EXPORTED[0]
    first = onnx_models.file(name)
    stamp = first.path.stat().st_mtime_ns
    assert onnx_models.file(name) is first  # same generation: remembered
    default_zoo.generation += 1  # a new generation with the same weights: read back from disk, not exported again
    try:
        again = onnx_models.file(name)
    finally:
        default_zoo.generation -= 1
    assert again == first and again.path.stat().st_mtime_ns == stamp
    assert len(first.digest) == 16 and first.path.read_bytes() == export(default_zoo.load(name))


def test_weights_fp16_holds_exactly_are_stored_as_fp16_with_the_same_outputs(default_zoo, monkeypatch):
    """The faces DCGAN's weights are fp16 values: its file stores them so (about half the bytes, the largest of a
    student's downloads) and runs bit for bit as the fp32 graph; the Fashion-MNIST DCGAN's are not, and stay fp32."""
    import onnx

    def fp16_initializers(graph: bytes) -> int:
        return sum(t.data_type == onnx.TensorProto.FLOAT16 for t in onnx.load_from_string(graph).graph.initializer)

    faces, pack = default_zoo.load("dcgan-digiface-64"), onnx_export.pack_exact_fp16
    packed = export(faces)
    monkeypatch.setattr(onnx_export, "pack_exact_fp16", lambda graph: graph)
    plain, dcgan = export(faces), export(default_zoo.load("dcgan-fashion-mnist"))
    assert fp16_initializers(packed) > 0 and len(packed) < 0.55 * len(plain)
    assert fp16_initializers(dcgan) == 0 and pack(dcgan) == dcgan  # nothing to pack: the bytes unchanged
    z = faces.sample_latent(4, 3).numpy()
    sessions = [ort.InferenceSession(g, providers=["CPUExecutionProvider"]) for g in (packed, plain)]
    first, second = (session.run(None, {INPUT: z})[0] for session in sessions)
    assert np.array_equal(first, second)


@pytest.mark.parametrize("noise_mode", ["random", "const", "none"])
def test_the_synthesis_graph_equals_pytorch_with_its_noise_as_inputs(onnx_models, default_zoo, noise_mode):
    """StyleGAN's synthesis, its noise maps and per-row strengths given (the Style mixing tab's noise section): any
    batch, to 1e-4; "none" is zero maps."""
    model = default_zoo.load("stylegan-fashion-mnist")
    file = onnx_models.file("stylegan-fashion-mnist", "synthesis")
    session = ort.InferenceSession(str(file.path), providers=["CPUExecutionProvider"])
    strengths = [0.0, 0.3, 1.0, 2.5, 1.7, 4.0, 0.9][: model.num_ws]
    with torch.inference_mode():
        ws = model.mapping(model.sample_latent(3, 5))
        expected = model.synthesis(ws, noise_mode, strengths, 9).clamp(-1, 1).numpy()
        maps = model.noise_maps(3, noise_mode, 9)
    shapes = synthesis_inputs(model)
    maps = [
        np.zeros((3, *shapes[f"noise{i}"].shape[1:]), np.float32) if m is None else m.expand(3, -1, -1, -1).numpy()
        for i, m in enumerate(maps)
    ]
    feeds = {"ws": ws.numpy(), "strengths": np.array(strengths, np.float32)}
    (got,) = session.run(None, feeds | {f"noise{i}": m for i, m in enumerate(maps)})
    assert got.shape == expected.shape == (3, 1, 32, 32)
    assert np.abs(got - expected).max() <= 1e-4


def test_a_model_that_is_not_exported_is_refused(onnx_models):
    assert not onnx_models.exportable("biggan-fashion-mnist")
    assert not onnx_models.exportable("stylegan-fashion-mnist")  # its generate(z): the route
    assert onnx_models.exportable("stylegan-fashion-mnist", "synthesis")
    assert not onnx_models.exportable("dcgan-fashion-mnist", "synthesis")
    with pytest.raises(ValueError, match="not exported"):
        onnx_models.file("biggan-fashion-mnist")
    with pytest.raises(ValueError, match="unknown graph"):
        export(object(), "nothing")
