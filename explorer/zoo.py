"""The model zoo: a manifest of models, loading by name or folder, the device, per-process caches.

A model folder (``explorer.models.folder``) holds ``config.json`` (the family's config plus a
``"family"`` key) and ``model.safetensors``. Loading is strict (missing or unexpected keys are an
error) and never unpickles: safetensors only for our own format; foreign ``.pkl`` files are refused.
Tabs list models by capability (``zoo.names(StyleGenerator)``), never by family name.
"""

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

import torch

from explorer import hub, resources
from explorer.cache import DerivedStore
from explorer.device import default_device
from explorer.models import registry
from explorer.models.folder import (
    CONFIG_NAME,
    REFUSED_SUFFIXES,
    WEIGHTS_NAME,
    ZooError,
    load_folder,
    read_config,
    save_folder,
    write_folder_atomically,
)
from explorer.settings import Settings

CHECKPOINTS = resources.CHECKPOINTS  # the checkout's, or where an installed copy finds them (explorer/resources.py)
MANIFEST = CHECKPOINTS / "zoo.json"
REFERENCE_CLASSIFIER = "classifier-fashion-mnist"  # the metrics' features and every class read-out of an image
CLASSIFIER_DATA = ("", "fashion-mnist")  # a model's ``dataset`` the classifier reads ("": not stated, ours)

__all__ = [  # the folder format is re-exported: callers load and save through the zoo module
    "CHECKPOINTS",
    "CONFIG_NAME",
    "MANIFEST",
    "REFUSED_SUFFIXES",
    "WEIGHTS_NAME",
    "Zoo",
    "ZooEntry",
    "ZooError",
    "default_device",
    "load",
    "load_folder",
    "read_config",
    "read_hub_list",
    "read_manifest",
    "save_folder",
    "write_folder_atomically",
]


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


class Zoo:
    """The models a process offers: manifest entries plus folders added at run time.

    It owns the process's caches of model-derived values: loaded models, ``memo`` (values a tab
    computes from a model, e.g. a FID curve) and ``derived`` (arrays kept on disk). Adding a folder
    under a name forgets everything cached for that name, so a retrained model shows its own values.
    """

    def __init__(
        self,
        manifest: Path = MANIFEST,
        device: torch.device | str | None = None,
        settings: Settings | None = None,
        derived: DerivedStore | None = None,
    ):
        self.settings = settings or Settings.from_env()
        self.device = torch.device(device) if device is not None else default_device()
        self.entries: dict[str, ZooEntry] = {e.name: e for e in read_manifest(manifest)}
        self.derived = derived or DerivedStore(self.settings.derived_cache)
        self._models: dict[str, torch.nn.Module] = {}
        self._memo: OrderedDict[tuple[str, str, object], object] = OrderedDict()  # LRU, settings.memo_entries
        self._lock = threading.RLock()
        self.generation = 0  # bumped whenever a model is replaced: caches keyed by it drop the old model's values

    def family(self, name: str) -> registry.Family:
        return registry.get(self.entry(name).family)

    def names(self, *capabilities: type, excludes: tuple[type, ...] = ()) -> list[str]:
        """Names of the models whose files are present and whose family's model class has every capability
        (``explorer.models.base``: ``StyleGenerator``, ``ClassConditional``, ``HasEncoder``, …) and none of
        ``excludes``. No capability: every model."""
        return [
            n
            for n, e in self.entries.items()
            if e.family in registry.FAMILIES
            and registry.get(e.family).supports(*capabilities, excludes=excludes)
            and (e.folder / WEIGHTS_NAME).is_file()
        ]

    def entry(self, name: str) -> ZooEntry:
        if not isinstance(name, str) or name not in self.entries:
            available = ", ".join(self.names()) or "none"
            raise ZooError(f"unknown model {name!r}; available models: {available}")
        return self.entries[name]

    def require(self, name: str, *capabilities: type, what: str, excludes: tuple[type, ...] = ()) -> torch.nn.Module:
        """The model ``name`` if its family has the capabilities, else ``ValueError`` listing the models that do
        (``what``: what the tab needs, for the message)."""
        if not self.family(name).supports(*capabilities, excludes=excludes):
            choices = ", ".join(self.names(*capabilities, excludes=excludes)) or "none in the zoo"
            raise ValueError(f"{name!r} is a {self.entry(name).family} model, not {what}; pick one of: {choices}")
        return self.load(name)

    def add_folder(self, folder: str | Path, name: str | None = None, **fields) -> ZooEntry:
        """Register a model folder (a training run, a converted Hub model) under ``name`` (default: folder name).

        ``fields``: other ``ZooEntry`` fields (license, description, extra, …). Replacing a name forgets
        the loaded model and every value cached for it.
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
            self.forget(entry.name)
        return entry

    def forget(self, name: str) -> None:
        """Drop the loaded model ``name`` and everything memoised for it."""
        with self._lock:
            self.generation += 1
            self._models.pop(name, None)
            for key in [k for k in self._memo if k[1] == name]:
                del self._memo[key]

    def enter_worker(self, device: torch.device | str) -> None:
        """Make this zoo a GPU worker's copy: a fresh lock, the loaded models moved to ``device``, no memo.

        A ZeroGPU worker is a fork of the main process: the models it inherits are the main process's CPU copies
        (moved here, a few MB for ours), values memoised there may hold CPU tensors (recomputed here, on
        ``device``), and a lock another thread held at the fork would stay held forever.
        """
        self._lock = threading.RLock()
        self.device = torch.device(device)
        self._memo.clear()
        for model in self._models.values():
            model.to(self.device)

    def load(self, name: str) -> torch.nn.Module:
        """The model ``name`` in eval mode on this zoo's device, loaded once per process."""
        entry = self.entry(name)
        with self._lock:
            if name not in self._models:
                self._models[name] = load_folder(entry.folder, self.device)
            return self._models[name]

    def reference_classifier(self, what: str = "this") -> torch.nn.Module:
        """The Fashion-MNIST classifier (``REFERENCE_CLASSIFIER``), or a ``ValueError`` saying ``what`` needs it."""
        if REFERENCE_CLASSIFIER not in self.entries:
            raise ValueError(
                f"{what} needs the {REFERENCE_CLASSIFIER} model (train it with `python -m trainers classifier`)"
            )
        return self.load(REFERENCE_CLASSIFIER)

    def classifier_reads(self, name: str) -> bool:
        """Whether the reference classifier can read model ``name``'s images: it is in the zoo and ``name`` makes
        Fashion-MNIST images (its entry's dataset), the one predicate every class read-out asks."""
        return REFERENCE_CLASSIFIER in self.entries and self.entry(name).dataset in CLASSIFIER_DATA

    def memo(self, kind: str, name: str, compute: Callable[[], object], key: object = None) -> object:
        """``compute()`` once per (kind, model, key) until the model is replaced (``add_folder``) or the entry is
        the least recently used of more than ``settings.memo_entries`` (keys hold user-chosen seeds and counts)."""
        memo_key = (kind, name, key)
        with self._lock:
            if memo_key in self._memo:
                self._memo.move_to_end(memo_key)
                return self._memo[memo_key]
        value = compute()
        with self._lock:
            self._memo[memo_key] = value
            while len(self._memo) > max(self.settings.memo_entries, 0):
                self._memo.popitem(last=False)
        return value


def load(name_or_path: str | Path, device: torch.device | str | None = None) -> torch.nn.Module:
    """Load a model by manifest name, folder path (strict, safetensors only) or Hub repo id ``user/name[@rev]``.

    Hub repos and foreign formats (BigGAN-deep, huggan DCGAN) go through ``explorer.hub``.
    """
    path = Path(name_or_path)
    if not path.exists() and path.suffix not in REFUSED_SUFFIXES and hub.is_repo_id(str(name_or_path)):
        return hub.load(str(name_or_path), device)
    device = device or default_device()
    if path.exists() or path.suffix in REFUSED_SUFFIXES or "/" in str(name_or_path):
        return load_folder(path, device)
    return load_folder(Zoo(device=device).entry(str(name_or_path)).folder, device)
