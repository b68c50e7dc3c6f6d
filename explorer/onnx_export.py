"""A zoo model's generator (or decoder) as an ONNX graph, for the previews the page renders itself.

The slider previews of small generators (a 1 M-parameter DCGAN, the 2-D VAE's decoder, the 3.6 M-parameter faces
DCGAN) run in the student's browser with ONNX Runtime Web (``explorer/ui/inpage.py``): the server exports each
model once and serves the file; every move then costs the server nothing.

The graph is ``z (n, latent_dim) float32 → images (n, channels, resolution, resolution) float32 in [-1, 1]``: the
model's own ``generate(z)`` (a VAE's ``decode``: the sigmoid mean mapped to [-1, 1]), traced by
``torch.onnx.export``'s TorchScript exporter (``dynamo=False``). It works with torch 2.14 here, needs the ``onnx``
package to write the file but nothing beyond torch to trace, and its output is byte-for-byte the same for the same
weights (checked), so the content hash in the file's URL is stable. The newer ``torch.export`` exporter needs
``onnxscript`` as well and gains nothing for these feed-forward graphs. ``OPSET`` 17 is supported by every ONNX
Runtime Web 1.x we vendor; the batch dimension ``n`` is dynamic (one row per preview; a batch exports unchanged).

Weights stay fp32: fp16 would halve the download (DCGAN 4.3 → 2.1 MB, faces 14.3 → 7.2 MB) but the graph must
match PyTorch to 1e-4 (``tests/test_onnx_export.py``; fp32 gives ~1.5e-6, the synthesis graph ~8e-6) and the painted
pixels the server's PNG to 2/255; fp16 weights alone move outputs by up to 2.6e-3 (DCGAN; 9e-4 the VAE's decoder),
so they fail the first bound. The faces DCGAN's weights are fp16 values already, so its file stores them as fp16
(``pack_exact_fp16``: each float initializer whose values fp16 holds exactly, cast back to fp32 in the graph, so the
outputs are bit for bit the fp32 graph's): 14.3 → 7.2 MB, the largest of a student's downloads, which is what a room
arriving at once queues on (docs/benchmarks.md, *Lecture hall*). A browser caches the file (immutable, hash in its
URL), so its size is paid once per model per student.

A model is exported as one of ``GRAPHS``, by family (the tests check each against PyTorch):

- ``"generate"``: the graph above, for families whose ``generate`` is a pure feed-forward function of z (DCGANs, the
  VAEs' and autoencoders' decoders);
- ``"synthesis"``: StyleGAN's synthesis network with its noise as inputs, ``ws (n, num_ws, w_dim)``, ``strengths
  (num_ws,)`` (each row's noise strength, times the layer's learned per-channel one) and ``noise0 … noise{k-1}
  (n, 1, r, r)`` (the noise map of each synthesis layer) → ``images`` clamped to [-1, 1]: the Style mixing tab's
  noise strengths move in the page while the server sends ws and the maps once per setting (the mapping network
  and the noise draws stay on the server, so the page needs no seeded sampler of its own); 0.4 MB for our StyleGAN.

Other families (BigGAN's classes, the pix2pix translators) keep the server's preview route.

Files are cached on disk per model generation: ``<derived cache>/onnx/<model>/<graph>-<source>.onnx`` where ``source``
is a hash of the model's ``config.json`` and weights, the torch version and the opset, so a retrained model (new
weights) is exported anew and an unchanged one never is.
"""

import copy
import hashlib
import io
import json
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from explorer.settings import MIRROR_INDEX
from explorer.zoo import Zoo

OPSET = 17
INDEX = MIRROR_INDEX  # a mirror's list of its files (write_models), relative to its root
GRAPHS = {  # graph → the families exported as it
    "generate": ("dcgan", "vae", "ae"),  # generate(z) is a feed-forward function of z alone
    "synthesis": ("stylegan",),  # ws, per-row noise strengths and noise maps → images
}
INPUT, OUTPUT = "z", "images"


class Generate(torch.nn.Module):
    """``model.generate(z)`` as a module's forward: what the export traces; an autoencoder's ``decode(z)`` (it has no
    prior, so no ``generate``; its plane's click decodes with ``decode`` as a VAE's does)."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model.generate(z) if hasattr(self.model, "generate") else self.model.decode(z)


class Synthesis(torch.nn.Module):
    """A StyleGAN's ``synthesis`` with every noise input given: ``(ws, strengths, *noises) → images`` in [-1, 1]."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, ws: torch.Tensor, strengths: torch.Tensor, *noises: torch.Tensor) -> torch.Tensor:
        rows = [strengths[i] for i in range(len(noises))]  # (num_ws,) → one 0-d strength per layer
        return self.model.synthesis_network(ws, list(noises), rows).clamp(-1, 1)


def synthesis_inputs(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The synthesis graph's inputs by name, for one sample (zeros: their shapes are what the export needs)."""
    inputs = {"ws": torch.zeros(1, model.num_ws, model.w_avg.shape[0]), "strengths": torch.zeros(model.num_ws)}
    return inputs | {f"noise{i}": torch.zeros(1, 1, r, r) for i, r in enumerate(model.noise_resolutions)}


def export(model: torch.nn.Module, graph: str = "generate") -> bytes:
    """The ONNX graph ``graph`` of ``model`` (``GRAPHS``): ``"generate"``, input ``z`` (n, latent_dim); ``"synthesis"``,
    inputs ``synthesis_inputs``; output ``images`` (n, c, h, w); batch ``n`` dynamic, opset ``OPSET``, fp32 weights
    (stored as fp16 where that is exact: ``pack_exact_fp16``), traced on the CPU."""
    if graph not in GRAPHS:
        raise ValueError(f"unknown graph {graph!r}; choose one of {tuple(GRAPHS)}")
    model = copy.deepcopy(model).cpu().eval()  # a copy: the served model keeps rendering on its device
    if graph == "generate":
        module, inputs = Generate(model), {INPUT: torch.zeros(1, int(model.latent_dim))}
    else:
        module, inputs = Synthesis(model), synthesis_inputs(model)
    batched = [name for name in inputs if name != "strengths"]
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        # the legacy exporter's deprecation note, and the models' shape asserts traced as constants: expected
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            tuple(inputs.values()),
            buffer,
            dynamo=False,
            opset_version=OPSET,
            input_names=list(inputs),
            output_names=[OUTPUT],
            dynamic_axes={name: {0: "n"} for name in [*batched, OUTPUT]},
        )
    return pack_exact_fp16(buffer.getvalue())


PACK = "exact-fp16 1"  # what ``pack_exact_fp16`` does, in the cached file's source hash: a change exports anew
PACK_MIN_VALUES = 1024  # smaller tensors stay fp32: their Cast would cost more than the bytes it saves


def pack_exact_fp16(graph: bytes) -> bytes:
    """``graph`` with each fp32 initializer of at least ``PACK_MIN_VALUES`` values that fp16 represents exactly stored
    as fp16 and cast back to fp32 where it is used (a ``Cast`` at the graph's start): half the bytes, the same
    outputs bit for bit (fp16 → fp32 is exact). Weights that fp16 would round stay fp32 (see the module's note)."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load_from_string(graph)
    casts = []
    for index, tensor in enumerate(model.graph.initializer):
        if tensor.data_type != onnx.TensorProto.FLOAT:
            continue
        values = numpy_helper.to_array(tensor)
        half = values.astype(np.float16)
        if values.size < PACK_MIN_VALUES or not np.array_equal(half.astype(np.float32), values):
            continue
        name = tensor.name  # ``tensor`` is the graph's own entry: replaced below
        packed = numpy_helper.from_array(half, f"{name}__fp16")
        model.graph.initializer[index].CopyFrom(packed)
        casts.append(helper.make_node("Cast", [packed.name], [name], to=onnx.TensorProto.FLOAT))
    if not casts:
        return graph
    nodes = [*casts, *model.graph.node]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model.SerializeToString()


@dataclass(frozen=True)
class OnnxFile:
    """An exported model on disk: its path and the hash of its bytes (the URL's, so browsers cache it for good)."""

    path: Path
    digest: str  # the first 16 hex digits of the file's SHA-256
    # whether the mirror holds it: with a seed index (the Space's uploaded onnx-files), only the index's own files (a
    # model retrained or added since is the app's alone); without one (a CDN set up by hand), every file
    mirrored: bool = True


class OnnxModels:
    """The zoo's models as ONNX files: exported on first request, kept on disk, remembered per zoo generation."""

    def __init__(self, zoo: Zoo, folder: Path | None = None, seed: Path | None = None):
        self.zoo = zoo
        self.folder = folder or zoo.settings.derived_cache / "onnx"
        # a mirror's folder (``write_models``'s; the app passes the one uploaded with a Space, ``Settings.files``): a
        # model it holds for the same weights is served from there, not exported again, so the app's file (and its
        # digest, its URL) is the mirror's byte for byte, whichever torch the app runs. None: always export
        self.seed = seed
        self._files: dict[tuple[str, str], tuple[int, OnnxFile]] = {}
        self._lock = threading.Lock()

    def exportable(self, name: str, graph: str = "generate") -> bool:
        return name in self.zoo.names() and self.zoo.entry(name).family in GRAPHS.get(graph, ())

    def file(self, name: str, graph: str = "generate") -> OnnxFile:
        """Model ``name``'s ONNX graph ``graph``: from memory for this zoo generation, else from disk, else exported
        now. ``ValueError`` for a model that is not exported so (its previews use the server's route)."""
        if not self.exportable(name, graph):
            raise ValueError(f"{name!r} is not exported to ONNX as {graph!r}; its previews are rendered by the server")
        generation = self.zoo.generation
        with self._lock:  # one export at a time: two students' first moves export once
            known = self._files.get((name, graph))
            if known is not None and known[0] == generation:
                return known[1]
            folder = self.zoo.entry(name).folder
            seeded = self.seeded(name, graph, folder)
            path = seeded or self.folder / name / f"{graph}-{source_hash(folder)}.onnx"
            if not path.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                write_whole(path, export(self.zoo.load(name), graph))
            mirrored = seeded is not None or self.seed is None or not (self.seed / INDEX).is_file()
            found = OnnxFile(path, hashlib.sha256(path.read_bytes()).hexdigest()[:16], mirrored)
            self._files[(name, graph)] = (generation, found)
            return found

    def seeded(self, name: str, graph: str, folder: Path) -> Path | None:
        """The seed mirror's file of model ``name`` (weights in ``folder``) as ``graph``, if its index lists it for
        these weights and the file is there."""
        if self.seed is None:
            return None
        try:
            listed = json.loads((self.seed / INDEX).read_text()).get(f"{name}/{graph}")
        except (OSError, ValueError, AttributeError):
            return None
        if not isinstance(listed, dict) or listed.get("weights") != weights_hash(folder):
            return None
        path = (self.seed / str(listed.get("file", ""))).resolve()
        inside = path.is_relative_to((self.seed / "onnx" / "model").resolve())  # an index names its own files only
        return path if inside and path.is_file() and path.suffix == ".onnx" else None


def write_whole(path: Path, data: bytes) -> None:
    """``data`` to ``path`` through a ``.part`` file renamed when written: a reader never sees half a file. The part
    is this process's and thread's own: two processes exporting into one cache (two apps, a test's workers) each
    rename a whole file of their own, the last one staying."""
    partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.part")
    partial.write_bytes(data)
    partial.replace(path)


def source_hash(folder: Path) -> str:
    """What an export depends on: the model's config and weights files, the torch version and the opset."""
    return weights_hash(folder, f"torch {torch.__version__}")


EXPORTER = 2  # the export code's version, in every hash: a change to ``export`` that alters the graph bumps it


def weights_hash(folder: Path, salt: str = "") -> str:
    """What a graph is a function of, whichever torch traced it (``salt`` first): the files the export reads (the
    model's ``config.json`` and ``model.safetensors``; not ``training_state.safetensors``, which a Space's upload
    leaves out), the opset, the packing and the exporter's version. A mirror's index (``write_models``) names its
    files by it."""
    digest = hashlib.sha256(f"{salt + ' ' if salt else ''}opset {OPSET} {PACK} exporter {EXPORTER}".encode())
    for name in ("config.json", "model.safetensors"):
        path = folder / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def model_path(model: str, graph: str, digest: str) -> str:
    """Where a model's ONNX file is, relative to the app's root (``/onnx/model/…``, ``explorer/ui/inpage.py``) and to a
    mirror's (``Settings.files_url``, written by ``explorer.ui.inpage.write_mirror``)."""
    return f"onnx/model/{model}/{graph}/{digest}.onnx"


def write_models(zoo: Zoo, out: Path, names: list[str] | None = None, folder: Path | None = None) -> list[Path]:
    """The exported files of ``zoo``'s models (``names``: those; None: all) under ``out`` as the app serves them
    (``onnx/model/<model>/<graph>/<digest>.onnx``), for a static host that mirrors them (``Settings.files_url``),
    and their index (``onnx/index.json``: each model and graph's weights hash and file, which an app given ``out``
    as its seed serves instead of exporting); ``folder``: the export cache (the app's by default). Returns the files
    written."""
    models, written, index = OnnxModels(zoo, folder), [], {}
    for graph in GRAPHS:
        for name in names if names is not None else zoo.names():
            if models.exportable(name, graph):
                try:
                    file = models.file(name, graph)
                except (AttributeError, RuntimeError, TypeError) as error:  # a family whose graph cannot trace
                    warnings.warn(f"{name} is not exported as {graph!r}: {error}", stacklevel=2)
                    continue
                target = out / model_path(name, graph, file.digest)
                target.parent.mkdir(parents=True, exist_ok=True)
                write_whole(target, file.path.read_bytes())
                written.append(target)
                weights = weights_hash(zoo.entry(name).folder)
                index[f"{name}/{graph}"] = {"weights": weights, "file": target.relative_to(out).as_posix()}
    if written:
        write_whole(out / INDEX, json.dumps(index, indent=1, sort_keys=True).encode())
        written.append(out / INDEX)
    return written
