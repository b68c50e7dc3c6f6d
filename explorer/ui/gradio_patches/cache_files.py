"""Gradio's cache writes for returned images, made atomic.

Gradio (6.x) stores a returned PIL image or bytes under ``<cache>/<hash of the bytes>/image.png`` and, every
time the same picture is returned again, rewrites that file in place (``Path.write_bytes``: truncate, then
write). Two events returning the same picture (a link's restore drawing the row the page already shows, twenty
students on the same default) therefore truncate a file a browser is being sent: the response ends short of
its Content-Length, the ``<img>`` stays broken, and since the next value has the same URL it is never fetched
again (CI, Arithmetic's row: "no loaded image file within 120 s").

``install()`` replaces the two writers with ones that write a new file under a temporary name and rename it
into place (``os.replace``), and leave an existing file alone (its bytes are the same: the name is their
hash), touching it so that ``delete_cache`` ages it from its latest use -- what Gradio's own
``save_file_to_cache`` already does for files. Called by ``gradio_patches.install``; idempotent.
"""

import os
import tempfile
from pathlib import Path

from gradio import processing_utils


def write_once(path: Path, data: bytes) -> str:
    """``data`` at ``path``: written atomically if absent, else only touched (same name, same bytes)."""
    path.parent.mkdir(exist_ok=True, parents=True)
    if path.exists():
        try:
            os.utime(path)
        except OSError:  # deleted by delete_cache meanwhile: written below
            pass
        else:
            return str(path.resolve())
    fd, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return str(path.resolve())


def save_pil_to_cache(img, cache_dir: str, name: str = "image", format: str = "webp") -> str:
    data = processing_utils.encode_pil_to_bytes(img, format)
    return write_once(Path(cache_dir) / processing_utils.hash_bytes(data) / f"{name}.{format}", data)


def save_bytes_to_cache(data: bytes, file_name: str, cache_dir: str) -> str:
    if not Path(file_name).suffix:
        file_name = file_name + processing_utils.detect_audio_format(data)
    return write_once(Path(cache_dir) / processing_utils.hash_bytes(data) / Path(file_name).name, data)


def install() -> None:
    processing_utils.save_pil_to_cache = save_pil_to_cache
    processing_utils.save_bytes_to_cache = save_bytes_to_cache


def installed() -> bool:
    return processing_utils.save_pil_to_cache is save_pil_to_cache
