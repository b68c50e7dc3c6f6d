"""Tensors → pictures: the one place where images in [-1, 1] become uint8.

Grids, upscaled previews (nearest neighbour, so a 32×32 sample stays crisp on a projector),
PNG files and animated GIFs.
"""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """NCHW float in [-1, 1] → NHWC uint8 (values outside [-1, 1] are clipped)."""
    if images.ndim != 4:
        raise ValueError(f"expected NCHW images, got shape {tuple(images.shape)}")
    array = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return array.permute(0, 2, 3, 1).numpy()  # (n, h, w, c)


def make_grid(images: torch.Tensor, ncols: int | None = None, padding: int = 2, pad_value: int = 255) -> np.ndarray:
    """NCHW images in [-1, 1] → one (H, W, C) uint8 grid, ``ncols`` per row (default ≈ √n)."""
    tiles = to_uint8(images)
    n, h, w, c = tiles.shape
    ncols = ncols or max(1, int(np.ceil(np.sqrt(n))))
    nrows = int(np.ceil(n / ncols))
    grid = np.full((nrows * h + (nrows + 1) * padding, ncols * w + (ncols + 1) * padding, c), pad_value, dtype=np.uint8)
    for i, tile in enumerate(tiles):
        row, col = divmod(i, ncols)
        top, left = padding + row * (h + padding), padding + col * (w + padding)
        grid[top : top + h, left : left + w] = tile
    return grid


def to_pil(array: np.ndarray, scale: int = 1) -> Image.Image:
    """(H, W, C) uint8 → PIL image ("L" for one channel), enlarged ``scale``× with nearest neighbour."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    image = Image.fromarray(array)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    return image


def fit_scale(resolution: int, scale_at_32: int) -> int:
    """Display scale for a model's resolution: ``scale_at_32`` for 32² models, the same size for larger ones."""
    return max(1, scale_at_32 * 32 // max(int(resolution), 1))


def image(images: torch.Tensor, scale: int = 1) -> Image.Image:
    """The first image of an NCHW batch as a PIL image."""
    return to_pil(to_uint8(images[:1])[0], scale)


def grid_image(images: torch.Tensor, ncols: int | None = None, scale: int = 1, padding: int = 2) -> Image.Image:
    """An NCHW batch as one PIL grid image."""
    return to_pil(make_grid(images, ncols, padding), scale)


def save_png(picture: Image.Image, path: str | Path) -> Path:
    path = Path(path)
    picture.save(path, format="PNG")
    return path


def save_gif(frames: Sequence[Image.Image], path: str | Path, duration_ms: int = 80, bounce: bool = True) -> Path:
    """An animated GIF that loops forever; ``bounce`` plays the path forth and back."""
    frames = list(frames)
    if bounce and len(frames) > 2:
        frames = frames + frames[-2:0:-1]
    path = Path(path)
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
    return path
