"""Training checkpoints: the model folder of ``explorer.models.folder`` plus what resuming needs.

A folder holds what the app loads (``config.json`` with the family, ``model.safetensors``, written by
``save_folder``, the same code as every model's ``save_pretrained``; the ``README.md`` model card, a
``samples.png`` grid) and what ``--resume`` needs
(``training_state.safetensors``: discriminator, optimiser moments, step and settings in the
metadata). The folder is built next to its destination and swapped in with ``os.replace``,
so a reader sees the old folder or the new one, never half of one.
"""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, safe_open, save_file

from explorer.models.folder import DISCRIMINATOR_NAME, STATE_NAME, save_folder, write_folder_atomically

__all__ = ["STATE_NAME", "load_training_state", "save_folder", "save_training_state", "write_folder_atomically"]

MOMENT_DTYPE = torch.bfloat16  # optimiser moments are stored in bf16: half the size, ample for resuming


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


def state_metadata(folder: Path) -> dict:
    """The metadata ``save_training_state`` stored (step, settings, metrics, wall_seconds), without the tensors."""
    path = Path(folder) / STATE_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: this folder cannot be resumed (was it saved by the trainer?)")
    with safe_open(str(path), framework="pt") as f:
        return json.loads(f.metadata()["metadata"])


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


def discriminator_tensors(folder: str | Path) -> tuple[dict[str, torch.Tensor], str]:
    """(the discriminator's weights, the metadata JSON) of a run's training state."""
    path = Path(folder) / STATE_NAME
    with safe_open(str(path), framework="pt") as f:
        keys = [k for k in f.keys() if k.startswith("discriminator.")]
        discriminator = {k.removeprefix("discriminator."): f.get_tensor(k) for k in keys}
        metadata = (f.metadata() or {}).get("metadata", "{}")
    if not discriminator:
        raise ValueError(f"{path} holds no discriminator")
    return discriminator, metadata


def export_discriminator(folder: str | Path, keep_state: bool = True) -> Path:
    """Write a finished run's discriminator alone (``discriminator.safetensors``, with the state's settings in its
    metadata) beside its model: what the app reads (AC-GAN's class head, BigGAN's projection D and orthogonal
    regularisation) where the training state is absent, as on a Space, whose upload leaves it out. With
    ``keep_state=False`` the state goes (``--resume`` is given up to keep ``checkpoints/`` small: the Adam
    moments are two thirds of it). Atomic, like every folder write."""
    folder = Path(folder)
    discriminator, metadata = discriminator_tensors(folder)

    def build(tmp: Path) -> None:
        dropped = {DISCRIMINATOR_NAME} if keep_state else {DISCRIMINATOR_NAME, STATE_NAME}
        for item in folder.iterdir():
            if item.is_file() and item.name not in dropped:
                (tmp / item.name).write_bytes(item.read_bytes())
        save_file(discriminator, str(tmp / DISCRIMINATOR_NAME), metadata={"metadata": metadata})

    return write_folder_atomically(folder, build)


def keep_discriminator_only(folder: str | Path) -> Path:
    """``export_discriminator`` that drops the training state (the committed AC-GAN)."""
    return export_discriminator(folder, keep_state=False)


if __name__ == "__main__":  # python -m trainers.checkpoint keep-discriminator|export-discriminator FOLDER
    import sys

    commands = {"keep-discriminator": keep_discriminator_only, "export-discriminator": export_discriminator}
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        sys.exit("usage: python -m trainers.checkpoint keep-discriminator|export-discriminator FOLDER")
    print(f"wrote {commands[sys.argv[1]](sys.argv[2]) / DISCRIMINATOR_NAME}")
