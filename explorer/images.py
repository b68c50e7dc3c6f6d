"""Tensors → pictures: the one place where images in [-1, 1] become uint8.

Grids, upscaled previews (nearest neighbour, so a 32×32 sample stays crisp on a projector),
PNG files, and animations: an animated GIF always, an H.264 MP4 beside it where an ffmpeg is available
(the ``video`` extra installs ``imageio-ffmpeg``, which brings its own binary).
"""

import logging
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


FONT_FILES = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # has α, σ, ≤; Pillow's own does not
ASCII = str.maketrans({"α": "a", "σ": "s", "ψ": "psi", "≤": "<=", "≥": ">=", "−": "-"})


def label_font(size: int):
    """A font for labels drawn into images: DejaVu Sans where installed, else Pillow's own (``label_text`` then
    writes its Greek letters and ≤ in ASCII, which that font has, instead of empty boxes)."""
    from PIL import ImageFont

    for file in FONT_FILES:
        try:
            return ImageFont.truetype(file, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def label_text(text: str, font) -> str:
    return text if isinstance(getattr(font, "path", None), str) else text.translate(ASCII)  # a file: DejaVu


def label_rows(
    picture: Image.Image, labels: Sequence[str], margin: int | None = None, font_size: int = 18
) -> Image.Image:
    """``picture`` (a grid of ``len(labels)`` equal rows) with each row's label written in a white left margin,
    large enough to read on a projector (the margin fits the longest label unless given)."""
    from PIL import ImageDraw

    font = label_font(font_size)
    labels = [label_text(text, font) for text in labels]
    if margin is None:
        margin = 12 + max((int(font.getlength(text)) for text in labels), default=0)
    labelled = Image.new("RGB", (picture.width + margin, picture.height), "white")
    labelled.paste(picture.convert("RGB"), (margin, 0))
    draw = ImageDraw.Draw(labelled)
    row = picture.height / len(labels)
    for i, text in enumerate(labels):
        draw.text((margin - 6, (i + 0.5) * row), text, fill="black", font=font, anchor="rm")
    return labelled


def label_columns(picture: Image.Image, labels: Sequence[str], font_size: int = 18, skip: int = 0) -> Image.Image:
    """``picture`` with each column's label centred in a white top margin; the first ``skip`` pixels of width (a
    row-label margin) get no column."""
    from PIL import ImageDraw

    font = label_font(font_size)
    labels = [label_text(text, font) for text in labels]
    margin = font_size + 10
    labelled = Image.new("RGB", (picture.width, picture.height + margin), "white")
    labelled.paste(picture.convert("RGB"), (0, margin))
    draw = ImageDraw.Draw(labelled)
    column = (picture.width - skip) / len(labels)
    for i, text in enumerate(labels):
        draw.text((skip + (i + 0.5) * column, margin / 2), text, fill="black", font=font, anchor="mm")
    return labelled


def save_png(picture: Image.Image, path: str | Path) -> Path:
    path = Path(path)
    picture.save(path, format="PNG")
    return path


def _played(frames: Sequence[Image.Image], bounce: bool) -> list[Image.Image]:
    """The frames in playing order: there and back (without repeating the ends) when ``bounce``."""
    frames = list(frames)
    return frames + frames[-2:0:-1] if bounce and len(frames) > 2 else frames


def save_gif(frames: Sequence[Image.Image], path: str | Path, duration_ms: int = 80, bounce: bool = True) -> Path:
    """An animated GIF that loops forever; ``bounce`` plays the path forth and back."""
    frames = _played(frames, bounce)
    path = Path(path)
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
    return path


MP4_BLOCK = 16  # H.264 encodes 16×16 macroblocks; frames are padded to a multiple rather than resized


def video_available() -> bool:
    """Whether MP4 export works here: ``imageio-ffmpeg`` is installed and finds an ffmpeg executable."""
    try:
        import imageio_ffmpeg

        imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return False
    return True


def animation_formats() -> str:
    """What an animation export writes here, for labels: "GIF + MP4" or "GIF"."""
    return "GIF + MP4" if video_available() else "GIF"


def _pad_to_block(picture: Image.Image) -> Image.Image:
    """Centre ``picture`` on a canvas whose sides are multiples of ``MP4_BLOCK``, filled with its corner colour."""
    width, height = (-(-side // MP4_BLOCK) * MP4_BLOCK for side in picture.size)
    if (width, height) == picture.size:
        return picture
    canvas = Image.new("RGB", (width, height), picture.getpixel((0, 0)))
    canvas.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    return canvas


def save_mp4(frames: Sequence[Image.Image], path: str | Path, duration_ms: int = 80, bounce: bool = True) -> Path:
    """The same animation as ``save_gif`` as an H.264 MP4 (yuv420p, so every player and slide deck plays it).

    Raises ``RuntimeError`` when no ffmpeg is available (see ``video_available``).
    """
    try:
        import imageio_ffmpeg
    except ImportError as error:
        raise RuntimeError("MP4 export needs imageio-ffmpeg: pip install 'latent-explorer[video]'") from error
    frames = _played(frames, bounce)
    frames = [_pad_to_block(frame.convert("RGB")) for frame in frames]
    path = Path(path)
    writer = imageio_ffmpeg.write_frames(
        str(path),
        frames[0].size,
        fps=1000.0 / duration_ms,
        quality=None,
        output_params=["-crf", "18", "-movflags", "+faststart"],
        ffmpeg_log_level="error",
    )
    writer.send(None)
    try:
        for frame in frames:
            writer.send(np.ascontiguousarray(np.asarray(frame)))
    finally:
        writer.close()
    return path


def save_animation(
    frames: Sequence[Image.Image], path: str | Path, duration_ms: int = 80, bounce: bool = True
) -> list[str]:
    """The animation as a GIF at ``path`` (its suffix becomes .gif) and, where ffmpeg is available, an MP4.

    The MP4 is a bonus: if encoding it fails, the GIF is still returned and the failure is logged.
    """
    path = Path(path)
    files = [str(save_gif(frames, path.with_suffix(".gif"), duration_ms, bounce))]
    if video_available():
        try:
            files.append(str(save_mp4(frames, path.with_suffix(".mp4"), duration_ms, bounce)))
        except (RuntimeError, OSError):  # OSError includes a broken pipe to ffmpeg
            logging.getLogger("latent_explorer").exception("MP4 export failed; the GIF is still available")
    return files
