"""Datasets as tensors: images NCHW in [-1, 1], labels, class names.

Fashion-MNIST (Xiao et al., arXiv:1708.07747) is read from the IDX files of Debian's
``dataset-fashion-mnist`` package when present (``Settings.system_data``; a Space installs it from
``packages.txt``), else from torchvision's downloader into the user cache (``Settings.data_cache``).
Images are padded from 28×28 to 32×32 (with the background value) so that strided architectures halve
cleanly down to 4×4.
"""

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from explorer.settings import Settings

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

DEBIAN_FASHION_MNIST = Settings().system_data / "fashion-mnist"  # defaults; Settings.system_data moves them
DEBIAN_MNIST = Settings().system_data / "mnist"
CACHE_DIR = Settings().data_cache  # defaults; the app and the CLI pass their Settings' paths
DATASETS = ("fashion-mnist", "mnist", "cifar10")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CIFAR10_BINARY_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
IMAGE_FOLDER_PREFIX = "folder:"  # "folder:NAME" = the images under IMAGE_ROOT/NAME
IMAGE_ROOT = Settings().images
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
MAX_FOLDER_IMAGES = 100_000
# Data made by a committed generator: name → (zoo model, images). A fixed pool rather than fresh samples per batch:
# an epoch is a pass over the same images as for any dataset (the loop's seeded batches, --resume, the card's
# "images seen"), the FID reference is those images, and generating them costs ~1 min once, not every step.
GENERATED_DATASETS = {"dcgan-digiface-64": ("dcgan-digiface-64", 10_000)}
GENERATED_TEST_SEED = 1_000_000  # the test split's latents: rows from this seed on, disjoint from the train rows 0…n−1


class DatasetUnavailable(RuntimeError):
    """The dataset is neither installed nor downloadable; the message says how to get it."""


# The line a view shows where it needs Fashion-MNIST's test images and they are missing (the app's other parts work).
NO_TEST_IMAGES = (
    "Fashion-MNIST is not installed here (`apt-get install dataset-fashion-mnist`; a Space installs it from "
    "packages.txt)"
)


@dataclass(frozen=True)
class ImageDataset:
    """A whole dataset in memory: ``images`` (n, c, h, w) float32 in [-1, 1], ``labels`` (n,) int64."""

    name: str
    images: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...]

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def resolution(self) -> int:
        return self.images.shape[-1]

    @property
    def channels(self) -> int:
        return self.images.shape[1]


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (gzipped or not): the MNIST format, a big-endian header then raw bytes."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: expected {int(np.prod(shape))} values, found {array.size}")
    return array.reshape(shape)


def _find_idx(folder: Path, stem: str) -> Path | None:
    for name in (f"{stem}.gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _idx_arrays(
    split: str, torchvision_name: str, debian: Path, package: str, cache_dir: Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The (images, labels) IDX arrays of an MNIST-format dataset: Debian's files, the cache, or a download."""
    cache_dir = cache_dir or CACHE_DIR
    prefix = "train" if split == "train" else "t10k"
    folders = [debian, cache_dir / torchvision_name / "raw"]
    for folder in folders:
        images_path = _find_idx(folder, f"{prefix}-images-idx3-ubyte")
        labels_path = _find_idx(folder, f"{prefix}-labels-idx1-ubyte")
        if images_path and labels_path:
            return read_idx(images_path), read_idx(labels_path)
    try:
        import torchvision.datasets

        getattr(torchvision.datasets, torchvision_name)(str(cache_dir), train=split == "train", download=True)
    except Exception as error:  # network down, no disk, …: turn into the one clear message, on one line
        raise DatasetUnavailable(
            f"{torchvision_name} is not installed: `apt-get install {package}` (Debian/Ubuntu, files in {debian}; "
            f"a Space lists it in packages.txt) or let torchvision download it into {cache_dir} "
            f"(needs internet; the download failed: {' '.join(str(error).split())})"
        ) from error
    folder = cache_dir / torchvision_name / "raw"
    return (
        read_idx(_find_idx(folder, f"{prefix}-images-idx3-ubyte")),
        read_idx(_find_idx(folder, f"{prefix}-labels-idx1-ubyte")),
    )


def to_model_range(images_uint8: np.ndarray, resolution: int = 32) -> torch.Tensor:
    """uint8 (n, h, w) → float32 (n, 1, resolution, resolution) in [-1, 1], zero-padded (black = −1)."""
    images = torch.from_numpy(images_uint8.copy()).float().div_(127.5).sub_(1.0).unsqueeze(1)
    n, _, h, w = images.shape
    pad_h, pad_w = resolution - h, resolution - w
    if pad_h < 0 or pad_w < 0:
        raise ValueError(f"cannot pad {h}×{w} images to {resolution}×{resolution}")
    padding = (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2)
    return torch.nn.functional.pad(images, padding, value=-1.0)  # (n, 1, resolution, resolution)


def _folders(settings: Settings | None, cache_dir: Path | None, name: str, default: Path) -> tuple[Path, Path | None]:
    """(installed folder, download cache) of dataset ``name``: the settings' where given, else the defaults."""
    if settings is None:
        return default, cache_dir
    return settings.system_data / name, cache_dir or settings.data_cache


def load_fashion_mnist(
    split: str = "train", resolution: int = 32, cache_dir: Path | None = None, settings: Settings | None = None
) -> ImageDataset:
    """Fashion-MNIST ``split`` ("train": 60 000, "test": 10 000) as an ``ImageDataset``.

    ``settings``: where it is installed and downloaded (``system_data``, ``data_cache``; default: the defaults)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    debian, cache_dir = _folders(settings, cache_dir, "fashion-mnist", DEBIAN_FASHION_MNIST)
    images, labels = _idx_arrays(split, "FashionMNIST", debian, "dataset-fashion-mnist", cache_dir)
    return ImageDataset(
        name="fashion-mnist",
        images=to_model_range(images, resolution),
        labels=torch.from_numpy(labels.astype(np.int64)),
        class_names=FASHION_MNIST_CLASSES,
    )


def load_mnist(
    split: str = "train", resolution: int = 32, cache_dir: Path | None = None, settings: Settings | None = None
) -> ImageDataset:
    """MNIST digits (LeCun et al. 1998): the same IDX format, from Debian's ``dataset-mnist`` or torchvision."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    debian, cache_dir = _folders(settings, cache_dir, "mnist", DEBIAN_MNIST)
    images, labels = _idx_arrays(split, "MNIST", debian, "dataset-mnist", cache_dir)
    return ImageDataset(
        name="mnist",
        images=to_model_range(images, resolution),
        labels=torch.from_numpy(labels.astype(np.int64)),
        class_names=tuple(str(d) for d in range(10)),
    )


def read_cifar_binary(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A CIFAR-10 binary batch: records of 1 label byte + 3 072 pixel bytes (R, G, B planes of 32×32).

    The binary release is read as bytes: no unpickling (the "python version" of CIFAR-10 is pickles).
    """
    data = np.fromfile(path, dtype=np.uint8)
    if data.size == 0 or data.size % 3073:
        raise ValueError(f"{path} is not a CIFAR-10 binary batch (size {data.size} is not a multiple of 3 073)")
    records = data.reshape(-1, 3073)
    return records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0].astype(np.int64)


def load_cifar10(split: str = "train", cache_dir: Path | None = None) -> ImageDataset:
    """CIFAR-10 (Krizhevsky 2009) from its binary release in ``CACHE_DIR/cifar-10-batches-bin``, RGB 32×32."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    cache_dir = cache_dir or CACHE_DIR
    folder = cache_dir / "cifar-10-batches-bin"
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    if not all((folder / n).is_file() for n in names):
        try:
            from torchvision.datasets.utils import download_and_extract_archive

            download_and_extract_archive(CIFAR10_BINARY_URL, str(cache_dir))
        except Exception as error:  # network down, no disk, …
            raise DatasetUnavailable(
                f"CIFAR-10 not found in {folder}. Download and unpack {CIFAR10_BINARY_URL} there "
                f"(needs internet; the download failed: {error})."
            ) from error
    arrays = [read_cifar_binary(folder / n) for n in names]
    images = np.concatenate([a for a, _ in arrays])
    labels = np.concatenate([b for _, b in arrays])
    return ImageDataset(
        name="cifar10",
        images=torch.from_numpy(images).float().div_(127.5).sub_(1.0),
        labels=torch.from_numpy(labels),
        class_names=CIFAR10_CLASSES,
    )


def image_folder_path(name: str, root: Path | None = None) -> Path:
    """The folder ``root/name``; a name that leads outside ``root`` (``..``, an absolute path) is refused."""
    root = (root or IMAGE_ROOT).resolve()
    folder = (root / name).resolve()
    if not name or not folder.is_relative_to(root):
        raise DatasetUnavailable(f"image folders must be inside {root}; got {name!r}")
    if not folder.is_dir():
        raise DatasetUnavailable(f"no image folder {folder}: put your images (PNG/JPEG) in a folder under {root}")
    return folder


def load_image_folder(
    folder: Path, resolution: int = 32, channels: int = 1, limit: int = MAX_FOLDER_IMAGES
) -> ImageDataset:
    """Every image under ``folder`` (recursively), centre-cropped to a square and resized; one class "images"."""
    from PIL import Image, ImageOps

    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)[:limit]
    arrays = []
    for path in paths:
        try:
            with Image.open(path) as image:
                image = ImageOps.fit(image.convert("L" if channels == 1 else "RGB"), (resolution, resolution))
                arrays.append(np.asarray(image, dtype=np.uint8).reshape(resolution, resolution, channels))
        except (OSError, ValueError):  # not an image after all: skip it
            continue
    if not arrays:
        raise DatasetUnavailable(f"{folder} has no readable images ({', '.join(IMAGE_SUFFIXES)})")
    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)
    return ImageDataset(
        name=f"{IMAGE_FOLDER_PREFIX}{folder.name}",
        images=images.contiguous(),
        labels=torch.zeros(len(arrays), dtype=torch.int64),
        class_names=("images",),
    )


def load_generated(name: str, split: str = "train", n: int | None = None, batch: int = 500) -> ImageDataset:
    """``n`` images (default: the pool's size) of the generator behind ``GENERATED_DATASETS[name]``: image i from
    latent row i of ``sample_latent(n, seed)``, seed 0 for "train" and ``GENERATED_TEST_SEED`` for "test", computed
    in fp32 batches so that the same name, split and n give the same images on every run."""
    from explorer.zoo import CHECKPOINTS, load_folder

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    model_name, size = GENERATED_DATASETS[name]
    n = size if n is None else n
    model = load_folder(CHECKPOINTS / model_name, "cpu").float().eval()
    latents = model.sample_latent(n, 0 if split == "train" else GENERATED_TEST_SEED)
    with torch.no_grad():  # not inference_mode: the training's R1 takes gradients through these images
        images = torch.cat([model.generate(chunk).clamp(-1, 1) for chunk in latents.split(batch)])
    return ImageDataset(name=name, images=images, labels=torch.zeros(n, dtype=torch.int64), class_names=("faces",))


def load_dataset(
    name: str, split: str = "train", resolution: int = 32, channels: int = 1, settings: Settings | None = None
) -> ImageDataset:
    """Load a dataset by name: one of ``DATASETS``, of ``GENERATED_DATASETS`` or "folder:NAME" (images under
    ``settings.images``/NAME).

    ``settings``: where installed data, downloads and image folders live (default: ``DEBIAN_*``, ``CACHE_DIR``,
    ``IMAGE_ROOT``)."""
    cache_dir, image_root = (settings.data_cache, settings.images) if settings else (None, None)
    if name == "fashion-mnist":
        return load_fashion_mnist(split, resolution, settings=settings)
    if name == "mnist":
        return load_mnist(split, resolution, settings=settings)
    if name == "cifar10":
        if resolution != 32:
            raise ValueError(f"CIFAR-10 is 32×32; a {resolution}² model needs other data")
        return load_cifar10(split, cache_dir)
    if name in GENERATED_DATASETS:
        from explorer.models.folder import read_config
        from explorer.zoo import CHECKPOINTS

        made = read_config(CHECKPOINTS / GENERATED_DATASETS[name][0])[1]  # checked before ~1 min of generating
        if (made["resolution"], made["channels"]) != (resolution, channels):
            raise ValueError(
                f"{name} is {made['channels']}×{made['resolution']}²; the model is {channels}×{resolution}² "
                f"(--channels {made['channels']} --resolution {made['resolution']})"
            )
        return load_generated(name, split)
    if name.startswith(IMAGE_FOLDER_PREFIX):
        folder = image_folder_path(name[len(IMAGE_FOLDER_PREFIX) :], image_root)
        return load_image_folder(folder, resolution, channels)
    raise DatasetUnavailable(
        f"unknown dataset {name!r}; available: {', '.join([*DATASETS, *GENERATED_DATASETS])} "
        f"or {IMAGE_FOLDER_PREFIX}NAME (a folder in {image_root or IMAGE_ROOT})"
    )


# 2-D toy distributions for the GAN lab: (n, 2) float32 points, seeded, roughly within [-2, 2]².
TOY_DATASETS = ("ring of 8 Gaussians", "grid of 25 Gaussians", "two moons", "spiral", "line")
MAX_TOY_POINTS = 100_000


def toy_modes(name: str) -> np.ndarray | None:
    """Centres of the mixture components (for mode coverage), or None for continuous shapes."""
    if name == "ring of 8 Gaussians":
        angles = 2 * np.pi * np.arange(8) / 8
        return np.stack([1.5 * np.cos(angles), 1.5 * np.sin(angles)], axis=1)
    if name == "grid of 25 Gaussians":
        axis = np.linspace(-1.6, 1.6, 5)
        return np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    return None


def toy_points(name: str, n: int, noise: float = 0.05, seed: int = 0) -> torch.Tensor:
    """``n`` points of the toy distribution ``name``; ``noise`` is the std of the Gaussian jitter."""
    if name not in TOY_DATASETS:
        raise ValueError(f"unknown toy dataset {name!r}; choose one of {', '.join(TOY_DATASETS)}")
    if not 1 <= int(n) <= MAX_TOY_POINTS:
        raise ValueError(f"the number of points must be between 1 and {MAX_TOY_POINTS}, got {n}")
    if not 0 <= float(noise) <= 1:
        raise ValueError(f"noise must be between 0 and 1, got {noise}")
    rng = np.random.default_rng(seed)
    n = int(n)
    modes = toy_modes(name)
    if modes is not None:
        points = modes[rng.integers(len(modes), size=n)]
    elif name == "two moons":
        t = rng.uniform(0, np.pi, size=n)
        upper = rng.random(n) < 0.5
        points = np.where(
            upper[:, None], np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
        ) - [0.5, 0.25]
        points = points * 1.2
    elif name == "spiral":
        t = np.sqrt(rng.uniform(0, 1, size=n)) * 3 * np.pi
        points = np.stack([t * np.cos(t), t * np.sin(t)], 1) / (3 * np.pi) * 1.8
    else:  # line
        points = np.stack([rng.uniform(-1.5, 1.5, size=n), np.zeros(n)], 1)
    points = points + float(noise) * rng.standard_normal((n, 2))
    return torch.tensor(points, dtype=torch.float32)
