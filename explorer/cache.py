"""Arrays derived from a model (default seed groups, the encoded test set), kept on disk between starts.

The app's first view of some tabs needs a pass over many samples (the classifier picking the
arithmetic groups, the VAE encoding 10 000 test images). They depend only on the model's weights
(and, for the test set, on data a Space does not have), so they are computed once and stored as
safetensors in two places:

- **shipped** with a checkpoint: ``<checkpoint folder>/derived/<name>.safetensors``, holding the
  SHA-256 of the weights it was derived from (a retrained checkpoint's stale file is ignored). The
  committed default checkpoints carry theirs (``python -m explorer.derived`` writes them), so the app
  starts without the dataset and without recomputing anything;
- the **user cache** (``Settings.derived_cache``), keyed by the weights file's path, size and
  modification time, for every other model. A write that fails (read-only disk) only costs the
  recomputation next time.

A ``DerivedStore`` belongs to a zoo (``zoo.derived``); one made with ``ship=True`` computes afresh and
writes next to the weights (what ``python -m explorer.derived`` does).
"""

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load_file, save_file

SHIPPED_FOLDER = "derived"


@functools.lru_cache(maxsize=64)
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(weights: Path) -> str:
    """The weights file's SHA-256 (hashed once per process and file version)."""
    stat = weights.stat()
    return _sha256(weights.resolve(), stat.st_size, stat.st_mtime_ns)


def shipped_path(name: str, weights: Path) -> Path:
    return weights.parent / SHIPPED_FOLDER / f"{name}.safetensors"


def read_shipped(name: str, weights: Path) -> dict[str, np.ndarray] | None:
    """The arrays shipped beside ``weights`` under ``name``, if they were derived from these weights."""
    path = shipped_path(name, weights)
    if not path.is_file():
        return None
    try:
        with safe_open(str(path), framework="numpy") as file:
            if (file.metadata() or {}).get("weights_sha256") != weights_sha256(weights):
                return None  # derived from other weights: recompute
            return {key: file.get_tensor(key) for key in file.keys()}
    except (SafetensorError, OSError, ValueError):
        return None


def _write(path: Path, arrays: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> None:
    """Atomic: a temporary file in the same folder, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp), metadata=metadata)
    os.replace(tmp, path)


class DerivedStore:
    """Derived arrays per weights file: shipped with it, else from ``cache_dir``, else computed and kept."""

    def __init__(self, cache_dir: Path, ship: bool = False):
        self.cache_dir = Path(cache_dir)
        self.ship = ship
        self.shipped: list[Path] = []  # files written next to weights (``ship=True``)

    def get(self, name: str, weights: Path, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """``compute()``'s arrays for this weights file, computed at most once per weights version."""
        if self.ship:
            arrays, path = compute(), shipped_path(name, weights)
            _write(path, arrays, {"weights_sha256": weights_sha256(weights), "name": name})
            self.shipped.append(path)
            return arrays
        shipped = read_shipped(name, weights)
        if shipped is not None:
            return shipped
        stat = weights.stat()
        key = hashlib.sha256(f"{name}|{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
        path = self.cache_dir / f"{name}-{key[:24]}.safetensors"
        if path.is_file():
            try:
                return load_file(str(path))
            except (SafetensorError, OSError, ValueError):
                pass  # a broken cache file is recomputed below
        arrays = compute()
        try:
            _write(path, arrays)
        except OSError:
            pass
        return arrays
