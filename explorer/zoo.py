"""The model zoo: a manifest of models, loading by name or folder, the device, a per-process cache.

A model folder holds ``config.json`` (the family's config plus a ``"family"`` key) and
``model.safetensors``. Loading is strict (missing or unexpected keys are an error) and never
unpickles: safetensors only for our own format; foreign ``.pkl`` files are refused.
"""

import json
import threading
from dataclasses import dataclass, field, fields
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from explorer.models import FAMILIES
from explorer.models.base import load_strict

ROOT = Path(__file__).resolve().parent.parent
CHECKPOINTS = ROOT / "checkpoints"
MANIFEST = CHECKPOINTS / "zoo.json"
WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
REFUSED_SUFFIXES = (".pkl", ".pickle")


class ZooError(ValueError):
    """A model cannot be found or loaded; the message says why and what to do."""


def default_device() -> torch.device:
    """CUDA if available, then Apple MPS, else CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@dataclass(frozen=True)
class ZooEntry:
    """One model of the manifest."""

    name: str
    family: str
    path: str  # folder, relative to checkpoints/ or absolute
    resolution: int
    latent_dim: int
    dataset: str = ""
    classes: tuple[str, ...] = ()
    license: str = "unknown"
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        path = Path(self.path)
        return path if path.is_absolute() else CHECKPOINTS / path


def read_manifest(path: Path = MANIFEST) -> list[ZooEntry]:
    """Entries of a manifest file ``{"models": [{name, family, path, ...}, ...]}``."""
    if not path.is_file():
        return []
    data = json.loads(path.read_text())
    known = {f.name for f in fields(ZooEntry)}
    entries = []
    for item in data.get("models", []):
        extra = {k: v for k, v in item.items() if k not in known}
        values = {k: v for k, v in item.items() if k in known and k != "extra"}
        values["classes"] = tuple(values.get("classes", ()))
        entries.append(ZooEntry(**values, extra=extra))
    return entries


def read_hub_list(path: Path = MANIFEST) -> list[dict]:
    """Public Hub models the manifest knows (``"hub"``: repo, revision, family, license, …); never downloaded here."""
    if not path.is_file():
        return []
    return list(json.loads(path.read_text()).get("hub", []))


def read_config(folder: Path) -> tuple[str, dict]:
    """(family, config fields) of a model folder; ``ZooError`` when missing or malformed."""
    config_path = folder / CONFIG_NAME
    if not config_path.is_file():
        raise ZooError(f"{folder} has no {CONFIG_NAME}: not a model folder (train one with `python -m trainers`)")
    try:
        config = json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise ZooError(f"{config_path} is not valid JSON ({error}); re-save or re-download the model") from error
    family = config.pop("family", None)
    if family not in FAMILIES:
        raise ZooError(f"{config_path} names family {family!r}; known families: {', '.join(sorted(FAMILIES))}")
    return family, config


def load_folder(folder: str | Path, device: torch.device | str | None = None) -> torch.nn.Module:
    """Build the family's model from ``folder/config.json`` and load ``model.safetensors`` strictly."""
    folder = Path(folder)
    if folder.suffix in REFUSED_SUFFIXES or folder.with_suffix(".pkl").is_file():
        raise ZooError(
            f"{folder}: pickle files are refused because loading them runs code stored in the file. "
            "Convert the weights to safetensors (config.json + model.safetensors)."
        )
    if not folder.is_dir():
        raise ZooError(f"model folder {folder} does not exist")
    family, config_fields = read_config(folder)
    model_cls, config_cls = FAMILIES[family]
    known = {f.name for f in fields(config_cls)}
    try:
        config = config_cls(**{k: v for k, v in config_fields.items() if k in known})
    except (TypeError, ValueError) as error:
        raise ZooError(f"{folder / CONFIG_NAME} is not a valid {family} config: {error}") from error
    weights = folder / WEIGHTS_NAME
    if not weights.is_file():
        raise ZooError(f"{folder} has no {WEIGHTS_NAME}; the folder is incomplete")
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as error:
        raise ZooError(f"{weights} is corrupted or truncated ({error}); re-save or re-download it") from error
    try:
        model = load_strict(model_cls(config), state, f"{weights} does not match the {family} config")
    except ValueError as error:
        raise ZooError(str(error)) from error
    return model.eval().to(device or default_device())


class Zoo:
    """The models a process offers: manifest entries plus folders added at run time; cached loads."""

    def __init__(self, manifest: Path = MANIFEST, device: torch.device | str | None = None):
        self.device = torch.device(device) if device is not None else default_device()
        self.entries: dict[str, ZooEntry] = {e.name: e for e in read_manifest(manifest)}
        self._models: dict[str, torch.nn.Module] = {}
        self._lock = threading.Lock()

    def names(self, family: str | None = None) -> list[str]:
        """Names of the models whose files are present, optionally only those of ``family``."""
        return [
            n
            for n, e in self.entries.items()
            if (family is None or e.family == family) and (e.folder / WEIGHTS_NAME).is_file()
        ]

    def entry(self, name: str) -> ZooEntry:
        if name not in self.entries:
            available = ", ".join(self.names()) or "none"
            raise ZooError(f"unknown model {name!r}; available models: {available}")
        return self.entries[name]

    def add_folder(self, folder: str | Path, name: str | None = None, **fields) -> ZooEntry:
        """Register a model folder (a training run, a converted Hub model) under ``name`` (default: folder name).

        ``fields``: other ``ZooEntry`` fields (license, description, extra, …).
        """
        folder = Path(folder).resolve()
        family, config = read_config(folder)
        entry = ZooEntry(
            name=name or folder.name,
            family=family,
            path=str(folder),
            resolution=int(config.get("resolution", config.get("output_dim", 0))),
            latent_dim=int(config.get("latent_dim", config.get("z_dim", 0))),
            **{"description": f"local folder {folder}", **fields},
        )
        with self._lock:
            self.entries[entry.name] = entry
            self._models.pop(entry.name, None)
        return entry

    def load(self, name: str) -> torch.nn.Module:
        """The model ``name`` in eval mode on this zoo's device, loaded once per process."""
        entry = self.entry(name)
        with self._lock:
            if name not in self._models:
                self._models[name] = load_folder(entry.folder, self.device)
            return self._models[name]


def load(name_or_path: str | Path, device: torch.device | str | None = None) -> torch.nn.Module:
    """Load a model by manifest name, folder path (strict, safetensors only) or Hub repo id ``user/name[@rev]``.

    Hub repos and foreign formats (BigGAN-deep, huggan DCGAN) go through ``explorer.hub``.
    """
    path = Path(name_or_path)
    if not path.exists() and path.suffix not in REFUSED_SUFFIXES and "/" in str(name_or_path):
        from explorer import hub

        if hub.is_repo_id(str(name_or_path)):
            return hub.load(str(name_or_path), device)
    if path.exists() or path.suffix in REFUSED_SUFFIXES or "/" in str(name_or_path):
        return load_folder(path, device)
    zoo = Zoo(device=device)
    return load_folder(zoo.entry(str(name_or_path)).folder, zoo.device)
