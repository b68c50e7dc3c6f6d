"""Pictures from users (an uploaded file, a drawing) as the models' inputs: (1, 1, 32, 32) in [-1, 1], like the
Fashion-MNIST data (a light garment on black). Shared by the tabs that encode a user's image."""

from pathlib import Path

import numpy as np
import torch
from PIL import Image

MAX_UPLOAD_SIDE = 4096


def read_picture(path: str) -> np.ndarray:
    """The uploaded file at ``path`` as an RGB or RGBA array; a file that is not a picture is a ``ValueError``
    saying so (by the file's name only)."""
    try:
        with Image.open(path) as picture:
            picture.load()
            return np.asarray(picture.convert("RGBA" if "A" in picture.getbands() else "RGB"))
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ValueError(f"{Path(path).name} is not an image: upload a PNG, JPEG or WebP picture") from None


def to_model_image(picture: np.ndarray) -> torch.Tensor:
    """Any uploaded or drawn picture → (1, 1, 32, 32) in [-1, 1], like the data: light garment on black.

    Greyscale, fitted into 28×28 (aspect kept) and padded to 32×32; inverted when its border is light
    (a dark drawing on a white canvas).
    """
    if picture is None:
        raise ValueError("upload or draw an image first")
    array = np.asarray(picture)
    if array.ndim not in (2, 3) or min(array.shape[:2]) < 4:
        raise ValueError(f"not an image: got an array of shape {array.shape}")
    if max(array.shape[:2]) > MAX_UPLOAD_SIDE:
        raise ValueError(f"image is {array.shape[1]}×{array.shape[0]}; use one at most {MAX_UPLOAD_SIDE} px a side")
    if array.ndim == 3 and array.shape[2] == 4:  # transparent background (a sketch) → black
        alpha = array[:, :, 3:4].astype(np.float32) / 255
        array = (array[:, :, :3].astype(np.float32) * alpha).astype(np.uint8)
    grey = Image.fromarray(array.astype(np.uint8)).convert("L")
    grey.thumbnail((28, 28), Image.LANCZOS)
    canvas = Image.new("L", (32, 32), 0)
    pixels = np.asarray(grey)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    if border.mean() > 127:
        grey = Image.fromarray(255 - pixels)
    canvas.paste(grey, ((32 - grey.width) // 2, (32 - grey.height) // 2))
    return torch.from_numpy(np.asarray(canvas, dtype=np.float32) / 127.5 - 1)[None, None]
