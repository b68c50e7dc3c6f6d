"""Our checkpoint format, written and read in one place: a folder with ``config.json`` and ``model.safetensors``.

``config.json`` holds the family's config fields plus ``"family"`` (the registry's name for the
model's class); ``model.safetensors`` holds the state dict. ``save_folder`` and ``load_folder`` are
inverses, and every model's ``save_pretrained`` / ``from_pretrained`` go through them
(``explorer.models.base.Pretrained``), as do the trainers and the Hub converters. Loading is strict
(every key, every shape) and never unpickles: pickle files are refused. A folder may keep its discriminator too
(``load_discriminator``: the training state's, or ``discriminator.safetensors`` alone), read the same strict way.
"""

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from explorer.models import registry

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
STATE_NAME = "training_state.safetensors"  # what the trainers keep beside it for --resume (trainers.checkpoint)
DISCRIMINATOR_NAME = "discriminator.safetensors"  # a run's discriminator alone (what a Space's upload keeps)
DISCRIMINATOR_PREFIX = "discriminator."  # its tensors' keys in the training state
REFUSED_SUFFIXES = (".pkl", ".pickle")


class ZooError(ValueError):
    """A model cannot be found or loaded; the message says why and what to do."""


def load_strict(model: torch.nn.Module, state: dict[str, torch.Tensor], source: str) -> torch.nn.Module:
    """Load ``state`` into ``model`` only when every key and every shape matches.

    ``ValueError`` otherwise, starting with ``source`` and naming the first mismatches. Narrower
    stored dtypes (fp16) are fine: ``load_state_dict`` copies into the model's parameters.
    """
    expected = model.state_dict()
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(f"{source}: missing keys {missing[:5]}, unexpected keys {unexpected[:5]}")
    for key, value in expected.items():
        if value.shape != state[key].shape:
            raise ValueError(f"{source}: {key} has shape {tuple(state[key].shape)}, expected {tuple(value.shape)}")
    model.load_state_dict(state, strict=True)
    return model


def write_folder_atomically(folder: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on an empty sibling folder, then swap it into place as ``folder``.

    A reader sees the old folder or the new one, never half of one.
    """
    folder = Path(folder).resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes 0700; give the folder the usual permissions
        for file in tmp.iterdir():
            file.chmod(0o666 & ~umask)
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
            os.replace(folder, old / "previous")
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


ORPHAN_SECONDS = 3600  # a write takes seconds; a temp folder this old was left by a process killed mid-write


def remove_older(root: Path, seconds: float, pattern: str = "*") -> list[Path]:
    """Remove the entries of ``root`` matching ``pattern`` last modified over ``seconds`` ago; the removed ones."""
    cutoff = time.time() - seconds
    removed = []
    for path in Path(root).glob(pattern):
        try:
            if path.lstat().st_mtime < cutoff:
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
                removed.append(path)
        except OSError:  # removed by another process meanwhile, or not ours to remove
            continue
    return removed


def remove_orphans(*roots: Path, seconds: float = ORPHAN_SECONDS) -> list[Path]:
    """The temp folders ``write_folder_atomically`` leaves when killed mid-write (``.NAME.*.tmp``, ``.NAME.*.old``)
    directly under each root, older than ``seconds``, removed; the app does this when it starts."""
    return [
        path
        for root in roots
        if Path(root).is_dir()
        for pattern in (".*.tmp", ".*.old")
        for path in remove_older(root, seconds, pattern)
    ]


def config_fields(model: torch.nn.Module) -> dict:
    """The model's config as JSON-able fields."""
    config = model.config
    return asdict(config) if is_dataclass(config) else dict(config)


def save_folder(folder: str | Path, model: torch.nn.Module) -> Path:
    """Write ``config.json`` (config + family) and ``model.safetensors`` of ``model`` into ``folder``.

    Not atomic by itself: wrap it in ``write_folder_atomically`` where a reader may be looking.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    family = registry.family_of(model).name
    config = {"family": family, **config_fields(model)}
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(folder / WEIGHTS_NAME), metadata={"format": "pt", "family": family})
    return folder


def read_config(folder: str | Path) -> tuple[str, dict]:
    """(family, config fields) of a model folder; ``ZooError`` when missing or malformed."""
    config_path = Path(folder) / CONFIG_NAME
    if not config_path.is_file():
        raise ZooError(f"{folder} has no {CONFIG_NAME}: not a model folder (train one with `python -m trainers`)")
    try:
        config = json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise ZooError(f"{config_path} is not valid JSON ({error}); re-save or re-download the model") from error
    family = config.pop("family", None)
    if family not in registry.FAMILIES:
        raise ZooError(f"{config_path} names family {family!r}; known families: {', '.join(sorted(registry.FAMILIES))}")
    return family, config


def build_config(family: registry.Family, values: dict, source: str = "the config"):
    """The family's config dataclass from stored fields (unknown fields ignored); ``ZooError`` when invalid."""
    known = {f.name for f in fields(family.config)}
    try:
        return family.config(**{k: v for k, v in values.items() if k in known})
    except (TypeError, ValueError) as error:
        raise ZooError(f"{source} is not a valid {family.name} config: {error}") from error


def load_folder(folder: str | Path, device: torch.device | str | None = None) -> torch.nn.Module:
    """Build the family's model from ``folder/config.json`` and load ``model.safetensors`` strictly (eval mode)."""
    folder = Path(folder)
    if folder.suffix in REFUSED_SUFFIXES or folder.with_suffix(".pkl").is_file():
        raise ZooError(
            f"{folder}: pickle files are refused because loading them runs code stored in the file. "
            "Convert the weights to safetensors (config.json + model.safetensors)."
        )
    if not folder.is_dir():
        raise ZooError(f"model folder {folder} does not exist")
    name, config_values = read_config(folder)
    family = registry.get(name)
    config = build_config(family, config_values, str(folder / CONFIG_NAME))
    weights = folder / WEIGHTS_NAME
    if not weights.is_file():
        raise ZooError(f"{folder} has no {WEIGHTS_NAME}; the folder is incomplete")
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as error:
        raise ZooError(f"{weights} is corrupted or truncated ({error}); re-save or re-download it") from error
    try:
        model = load_strict(family.model(config), state, f"{weights} does not match the {name} config")
    except ValueError as error:
        raise ZooError(str(error)) from error
    model = model.eval()
    return model.to(device) if device is not None else model


def discriminator_source(folder: str | Path) -> tuple[Path, str] | None:
    """(file, key prefix) of the discriminator a model folder keeps: ``discriminator.safetensors`` (what the upload
    to a Space keeps; a resumed run rewrites the folder without it, so it is never older than the state), else the
    training state's ``discriminator.*`` tensors; None where the folder has neither file."""
    folder = Path(folder)
    if (folder / DISCRIMINATOR_NAME).is_file():
        return folder / DISCRIMINATOR_NAME, ""
    if (folder / STATE_NAME).is_file():
        return folder / STATE_NAME, DISCRIMINATOR_PREFIX
    return None


def read_discriminator(folder: str | Path, tensors: bool = True) -> tuple[dict[str, torch.Tensor], dict] | None:
    """(the discriminator's state dict, the trainer's settings from the file's metadata) kept in ``folder``, or None
    where it keeps none (no file, or a training state without a discriminator: a VAE's). ``tensors=False`` reads
    the settings alone (the state dict comes back empty). ``ZooError`` for a corrupted file."""
    found = discriminator_source(folder)
    if found is None:
        return None
    path, prefix = found
    try:
        with safe_open(str(path), framework="pt") as f:
            keys = [k for k in f.keys() if k.startswith(prefix)]
            metadata = json.loads((f.metadata() or {}).get("metadata", "{}"))
            state = {k.removeprefix(prefix): f.get_tensor(k) for k in keys} if tensors else {}
    except (SafetensorError, OSError, ValueError) as error:  # json.JSONDecodeError is a ValueError
        raise ZooError(f"{path} is corrupted or truncated ({error}); re-save or re-download it") from error
    return (state, metadata.get("settings", {})) if keys else None


def load_discriminator(
    folder: str | Path, build: Callable[[dict], torch.nn.Module], device: torch.device | str | None = None
) -> torch.nn.Module | None:
    """The discriminator a model folder keeps (``discriminator_source``): ``build(the trainer's settings)`` loaded
    strictly (``load_strict``: every key, every shape), in eval mode; None where the folder keeps none."""
    found = read_discriminator(folder)
    if found is None:
        return None
    state, settings = found
    path = discriminator_source(folder)[0]
    try:
        discriminator = load_strict(build(settings), state, f"{path} does not match the discriminator it trained")
    except ValueError as error:
        raise ZooError(str(error)) from error
    discriminator = discriminator.eval()
    return discriminator.to(device) if device is not None else discriminator
