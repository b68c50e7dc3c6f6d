"""Arrays derived from a model (default seed groups, the encoded test set), kept on disk between starts.

The app's first view of some tabs needs a pass over many samples (the classifier picking the
arithmetic groups, the VAE encoding 10 000 test images). They depend only on the model's weights
(and, for the test set, on data a Space does not have), so they are computed once and stored as
safetensors in two places:

- **shipped** with a checkpoint: ``<checkpoint folder>/derived/<name>.safetensors``, holding the
  SHA-256 of the weights it was derived from (a retrained checkpoint's stale file is ignored). The
  committed default checkpoints carry theirs (``python -m explorer.cache`` writes them), so the app
  starts without the dataset and without recomputing anything;
- the **user cache** ``LATENT_EXPLORER_CACHE`` (default ``~/.cache/latent-explorer/derived``), keyed by
  the weights file's path, size and modification time, for every other model. A write that fails
  (read-only disk) only costs the recomputation next time.
"""

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load_file, save_file

CACHE_DIR = Path(os.environ.get("LATENT_EXPLORER_CACHE", Path.home() / ".cache" / "latent-explorer" / "derived"))
SHIPPED_FOLDER = "derived"
_shipping: list[Path] | None = None  # while ``ship_defaults`` runs: compute afresh, write next to the weights


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


def _read_shipped(name: str, weights: Path) -> dict[str, np.ndarray] | None:
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


def derived(name: str, weights: Path, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """``compute()``'s arrays for this weights file: shipped with it, else from the user cache, else computed."""
    if _shipping is not None:
        arrays, path = compute(), shipped_path(name, weights)
        _write(path, arrays, {"weights_sha256": weights_sha256(weights), "name": name})
        _shipping.append(path)
        return arrays
    shipped = _read_shipped(name, weights)
    if shipped is not None:
        return shipped
    stat = weights.stat()
    key = hashlib.sha256(f"{name}|{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:24]
    path = CACHE_DIR / f"{name}-{key}.safetensors"
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


def ship_defaults() -> list[Path]:
    """Compute the derived arrays of every model in the committed zoo and write them next to its weights."""
    global _shipping
    from explorer.ui import arithmetic, manifold
    from explorer.zoo import Zoo

    zoo = Zoo()
    _shipping = written = []
    try:
        for name in arithmetic.model_names(zoo):
            arithmetic.default_groups(zoo, name)
        for name in manifold.vae_names(zoo):
            manifold.test_set_means(zoo, name)
    finally:
        _shipping = None
    return written


if __name__ == "__main__":  # run as ``python -m explorer.cache``: use the module the tabs import, not __main__
    from explorer import cache

    for path in cache.ship_defaults():
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
