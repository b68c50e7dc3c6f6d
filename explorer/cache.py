"""Arrays derived from a model (default seed groups, the encoded test set), kept on disk between starts.

The app's first view of some tabs needs a pass over many samples (the classifier picking the
arithmetic groups, the VAE encoding 10 000 test images). They depend only on the model's weights,
so they are computed once and stored as safetensors next to nothing the user owns:
``LATENT_EXPLORER_CACHE`` (default ``~/.cache/latent-explorer/derived``), keyed by the weights
file's path, size and modification time. A write that fails (read-only disk) only costs the
recomputation next time.
"""

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

CACHE_DIR = Path(os.environ.get("LATENT_EXPLORER_CACHE", Path.home() / ".cache" / "latent-explorer" / "derived"))


def derived(name: str, weights: Path, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """``compute()``'s arrays for this weights file, from the disk cache when present."""
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
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp))
        os.replace(tmp, path)
    except OSError:
        pass
    return arrays
