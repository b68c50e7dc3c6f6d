"""Checkpoint folders, written atomically, in safetensors only.

A folder holds what the app loads (``config.json`` with the family, ``model.safetensors``, the
``README.md`` model card, a ``samples.png`` grid) and what ``--resume`` needs
(``training_state.safetensors``: discriminator, optimiser moments, step and settings in the
metadata). The folder is built next to its destination and swapped in with ``os.replace``,
so a reader sees the old folder or the new one, never half of one.
"""

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, safe_open, save_file

from explorer.zoo import CONFIG_NAME, WEIGHTS_NAME

STATE_NAME = "training_state.safetensors"
MOMENT_DTYPE = torch.bfloat16  # optimiser moments are stored in bf16: half the size, ample for resuming


def write_folder_atomically(folder: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on an empty sibling folder, then swap it into place as ``folder``."""
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


def save_model(folder: Path, model: torch.nn.Module, family: str) -> None:
    """``config.json`` (config + family) and ``model.safetensors`` of a zoo model into ``folder``."""
    config = asdict(model.config) if is_dataclass(model.config) else dict(model.config)
    (folder / CONFIG_NAME).write_text(json.dumps({"family": family, **config}, indent=2, sort_keys=True) + "\n")
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(folder / WEIGHTS_NAME), metadata={"format": "pt", "family": family})


def optimizer_tensors(prefix: str, optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], str]:
    """Flatten an optimiser's state into named tensors plus its param groups as JSON."""
    state = optimizer.state_dict()
    tensors = {}
    for index, values in state["state"].items():
        for key, value in values.items():
            value = torch.as_tensor(value)
            if value.is_floating_point() and value.ndim > 0:
                value = value.to(MOMENT_DTYPE)
            tensors[f"{prefix}.{index}.{key}"] = value.contiguous().cpu()
    return tensors, json.dumps(state["param_groups"])


def restore_optimizer(
    optimizer: torch.optim.Optimizer, prefix: str, tensors: dict[str, torch.Tensor], groups_json: str
) -> None:
    """Inverse of ``optimizer_tensors``: moments are cast back to the parameters' dtype."""
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, value in tensors.items():
        if not name.startswith(prefix + "."):
            continue
        index, key = name[len(prefix) + 1 :].split(".", 1)
        state.setdefault(int(index), {})[key] = value.float() if value.is_floating_point() else value
    optimizer.load_state_dict({"state": state, "param_groups": json.loads(groups_json)})


def save_training_state(
    folder: Path,
    modules: dict[str, torch.nn.Module],
    optimizers: dict[str, torch.optim.Optimizer],
    metadata: dict,
) -> None:
    """Everything ``--resume`` needs besides the model: extra networks, optimisers, metadata."""
    tensors: dict[str, torch.Tensor] = {}
    text = {"metadata": json.dumps(metadata)}
    for name, module in modules.items():
        tensors.update({f"{name}.{k}": v.detach().contiguous().cpu() for k, v in module.state_dict().items()})
    for name, optimizer in optimizers.items():
        flat, groups = optimizer_tensors(name, optimizer)
        tensors.update(flat)
        text[f"{name}.param_groups"] = groups
    save_file(tensors, str(folder / STATE_NAME), metadata=text)


def load_training_state(
    folder: Path,
    modules: dict[str, torch.nn.Module],
    optimizers: dict[str, torch.optim.Optimizer],
) -> dict:
    """Restore modules and optimisers saved by ``save_training_state``; return its metadata."""
    path = Path(folder) / STATE_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: this folder cannot be resumed (was it saved by the trainer?)")
    with safe_open(str(path), framework="pt") as f:
        text = f.metadata()
    tensors = load_file(str(path))
    for name, module in modules.items():
        prefix = name + "."
        module.load_state_dict({k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}, strict=True)
    for name, optimizer in optimizers.items():
        restore_optimizer(optimizer, name, tensors, text[f"{name}.param_groups"])
    return json.loads(text["metadata"])
