"""Pictures from users (an uploaded file, a drawing) as the models' inputs: (1, 1, 32, 32) in [-1, 1], like the
Fashion-MNIST data (a light garment on black). Shared by the tabs that encode a user's image."""

from pathlib import Path

import numpy as np
import torch
from PIL import Image

MAX_UPLOAD_SIDE = 4096
BOX = 28  # Fashion-MNIST's garments: the longer side scaled to 28 pixels, centred in 32
INK = 0.25  # share of a model pixel's area that must be ink for it to be an edge (sketch_edges)


def read_picture(path: str) -> np.ndarray:
    """The uploaded file at ``path`` as an RGB or RGBA array; a file that is not a picture is a ``ValueError``
    saying so (by the file's name only)."""
    if not isinstance(path, str | Path):
        raise ValueError(f"upload a picture file (PNG, JPEG or WebP), got {type(path).__name__}")
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


def _sketch_array(value) -> np.ndarray | None:
    """The sketchpad's picture as an (H, W, 3 or 4) or (H, W) uint8 array (its composite), None when empty."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("composite") if value.get("composite") is not None else value.get("background")
        if value is None:
            return None
    if isinstance(value, Image.Image):
        value = np.asarray(value)
    array = np.asarray(value)
    if array.ndim not in (2, 3) or array.size == 0:
        raise ValueError("the sketch must be an image (draw on the canvas or upload a picture)")
    if max(array.shape[:2]) > MAX_UPLOAD_SIDE:
        raise ValueError(
            f"the sketch is {array.shape[1]}×{array.shape[0]}; use one at most {MAX_UPLOAD_SIDE} px a side"
        )
    return array


def ink(value) -> np.ndarray:
    """The sketch's ink in [0, 1] per canvas pixel: strokes over a transparent canvas count as drawn on white; a
    light-on-dark picture is inverted so that ink is always the strokes."""
    array = _sketch_array(value)
    if array is None:
        raise ValueError("the sketch is empty: draw the outline of a garment, or load a test image's edges")
    array = array.astype(np.float32) / (255.0 if array.dtype == np.uint8 or array.max() > 1 else 1.0)
    if array.ndim == 2:
        grey, alpha = array, np.ones_like(array)
    else:
        grey = array[..., :3].mean(axis=-1) if array.shape[-1] >= 3 else array[..., 0]
        alpha = array[..., 3] if array.shape[-1] == 4 else np.ones_like(grey)
    grey = alpha * grey + (1 - alpha) * 1.0  # transparent = the white canvas
    return 1.0 - grey if grey.mean() > 0.5 else grey


def blank(value) -> bool:
    """Whether a sketch has no ink (nothing drawn yet, or a cleared canvas); ``ValueError`` for what is no image."""
    array = _sketch_array(value)
    return array is None or not (ink(array) > 0.5).any()


def sketch_edges(value, resolution: int = 32) -> torch.Tensor:
    """A (1, 1, r, r) edge map in {−1, 1} from a sketch: the ink's bounding box scaled so that its longer side is
    ``BOX``·r/32 pixels, centred; a pixel is an edge where more than ``INK`` of it is ink."""
    amount = ink(value)
    drawn = np.argwhere(amount > 0.5)
    if len(drawn) == 0:
        raise ValueError("the sketch is empty: draw the outline of a garment, or load a test image's edges")
    (top, left), (bottom, right) = drawn.min(axis=0), drawn.max(axis=0) + 1
    crop = amount[top:bottom, left:right]
    side = max(crop.shape)
    square = np.zeros((side, side), np.float32)  # the box keeps the drawing's proportions
    y0, x0 = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
    square[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]] = crop
    box = round(BOX * resolution / 32)
    small = np.asarray(Image.fromarray(square).resize((box, box), Image.BOX), np.float32)
    frame = np.zeros((resolution, resolution), np.float32)
    start = (resolution - box) // 2
    frame[start : start + box, start : start + box] = small
    edges = np.where(frame > INK, 1.0, -1.0).astype(np.float32)
    return torch.from_numpy(edges)[None, None]
