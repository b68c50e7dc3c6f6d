"""Sliced Wasserstein distance between Laplacian-pyramid patches of two image sets (ProGAN's SWD).

Karras et al., Progressive Growing of GANs (arXiv:1710.10196), §5 and Appendix D: build a Laplacian
pyramid of every image; at each level take random 7×7 neighbourhoods, normalise each channel of the
descriptors by its mean and std over the set; then SWD = mean over random unit directions θ of the
1-D Wasserstein-1 distance W₁(θᵀA, θᵀB), which is the mean |difference| of the sorted projections.
The finest level compares edges and texture, the coarsest (the Gaussian residual) the layout.

Written here: no installed library has it (torchmetrics has none; the authors' code is NumPy/TF). It follows
NVlabs/progressive_growing_of_gans metrics/sliced_wasserstein.py (pyrDown/pyrUp with the 5×5 binomial
filter and mirrored borders, per-channel normalisation of each set), with two changes: both sets use the
same random patch positions and directions (from ``seed``), so identical sets score exactly 0 and the
result is deterministic; and sets of different sizes are compared by the exact W₁ of their empirical
quantile functions. The authors' tables print the distance × 10³; this returns the distance itself.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F

BINOMIAL_5 = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
GAUSSIAN_5 = torch.outer(BINOMIAL_5, BINOMIAL_5) / 256  # OpenCV's pyrDown filter
PROJECTION_CHUNK = 64  # directions sorted at once (memory: chunk × descriptors floats per set)


def _filter(images: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Per-channel 5×5 filter with mirrored borders (d c b | a b c d | c b a), as scipy's mode='mirror'."""
    n, c, h, w = images.shape
    weight = kernel.to(images).expand(c, 1, 5, 5)
    return F.conv2d(F.pad(images, (2, 2, 2, 2), mode="reflect"), weight, groups=c)  # (n, c, h, w)


def pyr_down(images: torch.Tensor) -> torch.Tensor:
    """Blur, then keep every second pixel (OpenCV's pyrDown)."""
    return _filter(images, GAUSSIAN_5)[:, :, ::2, ::2]  # (n, c, h/2, w/2)


def pyr_up(images: torch.Tensor) -> torch.Tensor:
    """Insert zeros between pixels, then blur with 4× the filter (OpenCV's pyrUp)."""
    n, c, h, w = images.shape
    up = images.new_zeros(n, c, 2 * h, 2 * w)
    up[:, :, ::2, ::2] = images
    return _filter(up, 4 * GAUSSIAN_5)  # (n, c, 2h, 2w)


def laplacian_pyramid(images: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """[L_0, …, L_{levels−1}], finest first: L_i = G_i − pyrUp(G_{i+1}), the last is the Gaussian G_{levels−1}."""
    pyramid = [images.float()]
    for _ in range(1, levels):
        pyramid.append(pyr_down(pyramid[-1]))
        pyramid[-2] = pyramid[-2] - pyr_up(pyramid[-1])
    return pyramid


def patch_descriptors(
    level: torch.Tensor, patches_per_image: int, patch_size: int, generator: torch.Generator
) -> torch.Tensor:
    """``patches_per_image`` random ``patch_size``² neighbourhoods per image, each channel normalised to
    mean 0 and std 1 over all patches and pixels, flattened to (n · patches_per_image, c · patch_size²)."""
    n, c, h, w = level.shape
    half = patch_size // 2
    count = n * patches_per_image
    # 1. Centres at least ``half`` pixels from every border, image i owning rows i·P … (i+1)·P − 1.
    ys = torch.randint(half, h - half, (count, 1, 1), generator=generator)
    xs = torch.randint(half, w - half, (count, 1, 1), generator=generator)
    offsets = torch.arange(-half, half + 1)
    image = torch.arange(n).repeat_interleave(patches_per_image)[:, None, None]
    rows, columns = (ys + offsets[None, :, None]).to(level.device), (xs + offsets[None, None, :]).to(level.device)
    patches = level.permute(0, 2, 3, 1)[image.to(level.device), rows, columns]  # (count, k, k, c)
    # 2. Per-channel normalisation over the whole set.
    mean = patches.mean(dim=(0, 1, 2), keepdim=True)
    std = patches.std(dim=(0, 1, 2), keepdim=True, unbiased=False).clamp_min(1e-8)
    return ((patches - mean) / std).permute(0, 3, 1, 2).reshape(count, -1)  # (count, c·k²)


def wasserstein_1d_sorted(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """W₁ between the empirical distributions of each row of ``a`` (p, n) and ``b`` (p, m), both sorted.

    W₁ = ∫₀¹ |F_a⁻¹(u) − F_b⁻¹(u)| du: the mean |a_i − b_i| when n = m, else summed over the pieces
    between the breakpoints i/n and j/m where both quantile functions are constant.
    """
    n, m = a.shape[1], b.shape[1]
    if n == m:
        return (a - b).abs_().mean(dim=1)  # (p,)
    u = torch.cat([torch.arange(1, n + 1, dtype=torch.float64) / n, torch.arange(1, m + 1, dtype=torch.float64) / m])
    u = u.sort().values
    widths = torch.diff(u, prepend=u.new_zeros(1))
    middle = u - widths / 2
    ia = (middle * n).long().clamp(max=n - 1).to(a.device)
    ib = (middle * m).long().clamp(max=m - 1).to(b.device)
    return ((a[:, ia] - b[:, ib]).abs() * widths.to(a)).sum(dim=1)  # (p,)


def _sorted_rows(x: torch.Tensor) -> torch.Tensor:
    """Each row sorted ascending. NumPy's SIMD sort: about 8× torch.sort's speed on CPU for these sizes."""
    return torch.from_numpy(np.sort(x.cpu().numpy(), axis=1))


def sliced_wasserstein_descriptors(
    a: torch.Tensor, b: torch.Tensor, projections: int, generator: torch.Generator
) -> float:
    """SWD = mean over ``projections`` random unit directions θ of W₁(θᵀa, θᵀb) for descriptor sets (n, d)."""
    directions = torch.randn(a.shape[1], projections, generator=generator).to(a)
    directions = directions / directions.norm(dim=0, keepdim=True)  # (d, projections)
    a_t, b_t = a.T.contiguous(), b.T.contiguous()  # (d, n), (d, m): projections come out row-contiguous
    total = 0.0
    with ThreadPoolExecutor(max_workers=2) as pool:  # NumPy sorts without the GIL: both sets at once
        for start in range(0, projections, PROJECTION_CHUNK):
            theta = directions[:, start : start + PROJECTION_CHUNK]  # (d, p)
            projected_a, projected_b = pool.map(_sorted_rows, (theta.T @ a_t, theta.T @ b_t))  # (p, n), (p, m)
            total += wasserstein_1d_sorted(projected_a, projected_b).sum().item()
    return total / projections


@torch.inference_mode()
def sliced_wasserstein(
    real: torch.Tensor,
    fake: torch.Tensor,
    levels: int = 3,
    patches_per_image: int = 64,
    patch_size: int = 7,
    projections: int = 512,
    seed: int = 0,
) -> list[float]:
    """ProGAN's sliced Wasserstein distance between two image batches (n, c, h, w) in [-1, 1], one value
    per Laplacian-pyramid level, finest first (32², 16², 8² for 32² images and ``levels`` = 3).

    Lower is better; 0 for identical sets. Deterministic given ``seed``: the patch positions of each set
    and the directions of each level come from ``torch.Generator``s seeded ``seed``.
    """
    if real.ndim != 4 or fake.ndim != 4 or real.shape[1:] != fake.shape[1:]:
        raise ValueError(
            f"need two image batches (n, c, h, w) of one shape, got {tuple(real.shape)}, {tuple(fake.shape)}"
        )
    if patch_size < 1 or patch_size % 2 == 0:
        raise ValueError(f"patch_size must be odd, got {patch_size}")
    if levels < 1:
        raise ValueError(f"levels must be ≥ 1, got {levels}")
    coarsest = min(real.shape[2:]) // 2 ** (levels - 1)
    if coarsest < max(patch_size, 3):  # 3: the filters' mirrored border needs 3 pixels
        raise ValueError(
            f"{levels} levels of {tuple(real.shape[2:])} images end at {coarsest} pixels, below patch_size {patch_size}"
        )
    if min(len(real), len(fake)) < 1 or patches_per_image < 1 or projections < 1:
        raise ValueError("need at least one image per set, one patch per image and one projection")
    # 1. Descriptors of each set: the same patch positions for sets of one size.
    descriptors = []
    for images in (real, fake):
        generator = torch.Generator().manual_seed(seed)
        pyramid = laplacian_pyramid(images, levels)
        descriptors.append([patch_descriptors(level, patches_per_image, patch_size, generator) for level in pyramid])
    # 2. One SWD per level, the same directions for both sets.
    generator = torch.Generator().manual_seed(seed)
    return [sliced_wasserstein_descriptors(a, b, projections, generator) for a, b in zip(*descriptors, strict=True)]
