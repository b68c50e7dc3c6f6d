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
match PyTorch to 1e-4 (``tests/test_onnx_export.py``; fp32 gives ~1.5e-6) and the painted pixels the server's PNG
to 2/255; fp16 weights alone move outputs by up to 2.6e-3 (DCGAN; 9e-4 the VAE's decoder), so they fail the
first bound. (The faces DCGAN's weights are fp16 values already: rounding them changes nothing, a saving left for
when its 14 MB matter.) A browser caches the file
(immutable, hash in its URL), so its size is paid once per model per student.

Only families whose ``generate`` is a pure feed-forward function of z are exported (``EXPORTED_FAMILIES``); the
tests check each against PyTorch. Others (StyleGAN's noise, BigGAN's classes) keep the server's preview route.

Files are cached on disk per model generation: ``<derived cache>/onnx/<model>/<source>.onnx`` where ``source`` is a hash
of the model's ``config.json`` and weights, the torch version and the opset, so a retrained model (new weights)
is exported anew and an unchanged one never is.
"""

import copy
import hashlib
import io
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from explorer.zoo import Zoo

OPSET = 17
EXPORTED_FAMILIES = ("dcgan", "vae", "ae")  # generate(z) is a feed-forward function of z alone
INPUT, OUTPUT = "z", "images"


class Generate(torch.nn.Module):
    """``model.generate(z)`` as a module's forward: what the export traces."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model.generate(z)


def export(model: torch.nn.Module, latent_dim: int) -> bytes:
    """The ONNX graph of ``model.generate``: input ``z`` (n, latent_dim), output ``images`` (n, c, h, w), batch
    ``n`` dynamic, opset ``OPSET``, fp32 weights, traced on the CPU."""
    buffer = io.BytesIO()
    module = Generate(copy.deepcopy(model).cpu()).eval()  # a copy: the served model keeps rendering on its device
    with warnings.catch_warnings(), torch.no_grad():
        # the legacy exporter's deprecation note, and the models' shape asserts traced as constants: expected
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (torch.zeros(1, latent_dim),),
            buffer,
            dynamo=False,
            opset_version=OPSET,
            input_names=[INPUT],
            output_names=[OUTPUT],
            dynamic_axes={INPUT: {0: "n"}, OUTPUT: {0: "n"}},
        )
    return buffer.getvalue()


@dataclass(frozen=True)
class OnnxFile:
    """An exported model on disk: its path and the hash of its bytes (the URL's, so browsers cache it for good)."""

    path: Path
    digest: str  # the first 16 hex digits of the file's SHA-256


class OnnxModels:
    """The zoo's models as ONNX files: exported on first request, kept on disk, remembered per zoo generation."""

    def __init__(self, zoo: Zoo, folder: Path | None = None):
        self.zoo = zoo
        self.folder = folder or zoo.settings.derived_cache / "onnx"
        self._files: dict[str, tuple[int, OnnxFile]] = {}
        self._lock = threading.Lock()

    def exportable(self, name: str) -> bool:
        return name in self.zoo.names() and self.zoo.entry(name).family in EXPORTED_FAMILIES

    def file(self, name: str) -> OnnxFile:
        """Model ``name``'s ONNX file: from memory for this zoo generation, else from disk, else exported now.
        ``ValueError`` for a model that is not exported (its previews use the server's route)."""
        if not self.exportable(name):
            raise ValueError(f"{name!r} is not exported to ONNX; its previews are rendered by the server")
        generation = self.zoo.generation
        with self._lock:  # one export at a time: two students' first moves export once
            known = self._files.get(name)
            if known is not None and known[0] == generation:
                return known[1]
            folder = self.zoo.entry(name).folder
            path = self.folder / name / f"{source_hash(folder)}.onnx"
            if not path.is_file():
                model = self.zoo.load(name)
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(".part")
                partial.write_bytes(export(model, int(model.latent_dim)))
                partial.replace(path)  # a reader never sees half a file
            found = OnnxFile(path, hashlib.sha256(path.read_bytes()).hexdigest()[:16])
            self._files[name] = (generation, found)
            return found


def source_hash(folder: Path) -> str:
    """What an export depends on: the model's config and weights files, the torch version and the opset."""
    digest = hashlib.sha256(f"torch {torch.__version__} opset {OPSET}".encode())
    for path in sorted(folder.glob("*.json")) + sorted(folder.glob("*.safetensors")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
