"""Gradio's cache writes for returned pictures (explorer/ui/gradio_patches/cache_files.py): a picture returned again
never rewrites the file a browser may be fetching, and a new one appears whole or not at all."""

import functools
import threading
from pathlib import Path

import numpy as np
from gradio import processing_utils
from PIL import Image

from explorer.ui.gradio_patches import cache_files


def picture(seed: int = 0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (256, 256, 3), dtype=np.uint8))


def test_the_app_installs_the_atomic_writers(app_url):
    assert cache_files.installed()
    assert processing_utils.save_bytes_to_cache is cache_files.save_bytes_to_cache


def test_a_picture_returned_again_leaves_the_cached_file_alone(tmp_path):
    first = Path(cache_files.save_pil_to_cache(picture(), str(tmp_path), format="png"))
    whole = first.read_bytes()
    first.write_bytes(whole + b"served")  # stands for the copy a browser is being sent
    again = Path(cache_files.save_pil_to_cache(picture(), str(tmp_path), format="png"))
    assert again == first
    assert first.read_bytes() == whole + b"served", "the second return rewrote the file"
    other = Path(cache_files.save_pil_to_cache(picture(1), str(tmp_path), format="png"))
    assert other != first and Image.open(other).size == (256, 256)


def test_a_reader_never_sees_a_partly_written_file(tmp_path):
    """Writers race to create the same picture's file while a reader reads it: every read is all of it."""
    whole = processing_utils.encode_pil_to_bytes(picture(), "png")
    path = Path(tmp_path) / processing_utils.hash_bytes(whole) / "image.png"
    reads, stop = [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                reads.append(len(path.read_bytes()))
            except FileNotFoundError:  # between rounds the test removes it
                pass

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(20):
        for leftover in path.parent.glob("*"):
            leftover.unlink()
        save = functools.partial(cache_files.save_pil_to_cache, picture(), str(tmp_path), format="png")
        writers = [threading.Thread(target=save) for _ in range(4)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        assert path.read_bytes() == whole
        assert [p.name for p in path.parent.iterdir()] == ["image.png"], "a staging file was left behind"
    stop.set()
    reader.join()
    assert reads and set(reads) == {len(whole)}, f"read sizes {sorted(set(reads))}, the file has {len(whole)}"


def test_bytes_keep_their_name_and_are_written_once(tmp_path):
    path = Path(cache_files.save_bytes_to_cache(b"RIFF....WAVEdata", "clip", str(tmp_path)))
    assert path.name == "clip.wav" and path.read_bytes() == b"RIFF....WAVEdata"
    assert cache_files.save_bytes_to_cache(b"RIFF....WAVEdata", "clip", str(tmp_path)) == str(path)
