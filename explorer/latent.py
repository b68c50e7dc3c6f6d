"""Latent-space math: seeded sampling, truncation, interpolation and vector arithmetic.

Pure functions of tensors; nothing here knows about models. Every random draw comes from a
CPU ``torch.Generator`` seeded by the user's seed, one generator per row, so one seed always
gives one latent whatever the batch size or device (the latent is moved afterwards).
"""

from collections.abc import Sequence

import torch

MAX_SEED = 2**31 - 1  # seeds are accepted in [0, MAX_SEED]


def check_seed(seed: int, name: str = "seed") -> int:
    """Return ``seed`` as an int, or raise ``ValueError`` in the user's words: "Seed A must be a whole number
    from 0 to 2147483647" (``name`` says which seed)."""
    wanted = f"{name[:1].upper()}{name[1:]} must be a whole number from 0 to {MAX_SEED}"
    if isinstance(seed, str):
        seed = seed.strip()
        if not seed.isdigit():
            raise ValueError(f"{wanted}, got {seed!r}" if seed else f"{wanted}; it is empty")
    if seed is None or isinstance(seed, bool) or not isinstance(seed, int | float | str):
        raise ValueError(f"{wanted}; it is empty" if seed is None else f"{wanted}, got {seed!r}")
    if isinstance(seed, float) and not seed.is_integer():
        raise ValueError(f"{wanted}, got {seed}")
    seed = int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{wanted}, got {seed}")
    return seed


def seeded_normal(seeds: Sequence[int], shape: Sequence[int]) -> torch.Tensor:
    """Rows of N(0, I) noise, row i of shape ``shape`` drawn from its own generator seeded ``seeds[i]``."""
    rows = []
    for seed in seeds:
        generator = torch.Generator().manual_seed(check_seed(seed))
        rows.append(torch.randn(tuple(shape), generator=generator))
    return torch.stack(rows)  # (n, *shape)


def sample_normal(n: int, seed: int, shape: Sequence[int]) -> torch.Tensor:
    """``n`` latents z ~ N(0, I); row i comes from seed ``seed + i``."""
    seed = check_seed(seed)
    return seeded_normal([seed + i for i in range(n)], shape)


def truncated_normal(
    n: int, seed: int, shape: Sequence[int], threshold: float, *, max_rounds: int = 50
) -> torch.Tensor:
    """z ~ N(0, I) with every value |z_i| > threshold resampled until it falls inside (BigGAN).

    The "truncation trick" of Brock et al., Large Scale GAN Training (arXiv:1809.11096), §3.1:
    values beyond the threshold are redrawn, not clipped, so the result is a normal
    distribution truncated to [-threshold, threshold], and values already inside keep their value
    as the threshold moves. Smaller thresholds trade variety for fidelity. Values still outside
    after ``max_rounds`` redraws (tiny thresholds) are drawn directly from the truncated normal by
    its inverse CDF, which is the same distribution. Row i comes from seed ``seed + i``.
    """
    if not threshold > 0:
        raise ValueError(f"truncation threshold must be > 0, got {threshold}")
    seed = check_seed(seed)
    rows = []
    for i in range(n):
        generator = torch.Generator().manual_seed(seed + i)
        z = torch.randn(tuple(shape), generator=generator)
        for _ in range(max_rounds):
            outside = z.abs() > threshold
            if not outside.any():
                break
            z[outside] = torch.randn(int(outside.sum()), generator=generator)
        outside = z.abs() > threshold
        if outside.any():  # u ~ U(Φ(−a), Φ(a)), z = Φ⁻¹(u)
            low = torch.special.ndtr(torch.tensor(-threshold, dtype=torch.float64))
            u = low + (1 - 2 * low) * torch.rand(int(outside.sum()), generator=generator, dtype=torch.float64)
            z[outside] = torch.special.ndtri(u).float().clamp(-threshold, threshold)
        rows.append(z)
    return torch.stack(rows)


def scaled_truncated_normal(n: int, seed: int, shape: Sequence[int], truncation: float) -> torch.Tensor:
    """``truncation · TN(−2, 2)``: the variant used by the public BigGAN-deep release.

    ``pytorch-pretrained-biggan`` draws z from a normal truncated to [−2, 2] (resampled) and then
    multiplies by ``truncation`` in (0, 1], the same value that selects its batch-norm statistics.
    """
    if not 0 < truncation <= 1:
        raise ValueError(f"truncation must be in (0, 1], got {truncation}")
    return truncation * truncated_normal(n, seed, shape, threshold=2.0)


def lerp(a: torch.Tensor, b: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """Linear interpolation (1 − t)·a + t·b (broadcasts over t)."""
    return a + (b - a) * t


def slerp(
    a: torch.Tensor, b: torch.Tensor, t: float | torch.Tensor, *, dim: int = -1, eps: float = 1e-4
) -> torch.Tensor:
    """Spherical interpolation along the great circle from a to b, over dimension ``dim``.

    slerp(a, b; t) = sin((1 − t)θ)/sin θ · a + sin(tθ)/sin θ · b,  cos θ = ⟨a, b⟩ / (‖a‖‖b‖)
    (Shoemake 1985; recommended for Gaussian latents by White, arXiv:1609.04468).
    For nearly parallel vectors (sin θ < eps) it falls back to ``lerp``. Works on any shape:
    every slice along ``dim`` is one vector; ``t`` broadcasts against the result.
    For a and b of equal norm the result keeps that norm for every t.
    """
    a, b = torch.broadcast_tensors(a, b)
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device)
    a_unit = a / a.norm(dim=dim, keepdim=True).clamp_min(1e-12)
    b_unit = b / b.norm(dim=dim, keepdim=True).clamp_min(1e-12)
    cos_theta = (a_unit * b_unit).sum(dim=dim, keepdim=True).clamp(-1.0, 1.0)
    theta = torch.acos(cos_theta)
    sin_theta = torch.sin(theta)
    parallel = sin_theta < eps
    safe_sin = torch.where(parallel, torch.ones_like(sin_theta), sin_theta)
    weight_a = torch.sin((1 - t) * theta) / safe_sin
    weight_b = torch.sin(t * theta) / safe_sin
    spherical = weight_a * a + weight_b * b
    return torch.where(parallel, lerp(a, b, t), spherical)


INTERPOLATIONS = {"linear": lerp, "spherical": slerp}


def interpolate(a: torch.Tensor, b: torch.Tensor, t: float, method: str = "spherical") -> torch.Tensor:
    """One point of the path from a to b: ``method`` is "linear" (lerp) or "spherical" (slerp)."""
    if method not in INTERPOLATIONS:
        raise ValueError(f"unknown interpolation {method!r}; choose one of {sorted(INTERPOLATIONS)}")
    return INTERPOLATIONS[method](a, b, t)


def interpolation_path(a: torch.Tensor, b: torch.Tensor, n_frames: int, method: str = "spherical") -> torch.Tensor:
    """``n_frames`` evenly spaced points from a (t = 0) to b (t = 1): shape (n_frames, *a.shape)."""
    if n_frames < 2:
        raise ValueError(f"a path needs at least 2 frames, got {n_frames}")
    ts = torch.linspace(0, 1, n_frames, dtype=a.dtype, device=a.device)
    return torch.stack([interpolate(a, b, float(t), method) for t in ts])


def typical_radius(latent_dim: int) -> float:
    """√d: the radius of the thin shell where almost all mass of N(0, I_d) lies (‖z‖ ≈ √d)."""
    return float(latent_dim) ** 0.5


def vector_arithmetic(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """mean(a) − mean(b) + mean(c) over the first (group) dimension: DCGAN's concept arithmetic.

    Radford et al., arXiv:1511.06434, §6.3 and Fig. 7: averaging the z of three samples per concept
    makes arithmetic stable ("smiling woman − neutral woman + neutral man = smiling man").
    """
    return a.mean(dim=0) - b.mean(dim=0) + c.mean(dim=0)


# --- what the tabs do with latents: truncation, style mixing, w statistics, the VAE plane -------------------
NO_TRUNCATION = 4.0  # a threshold at or above this resamples (almost) nothing: no truncation


def truncation_threshold(value: float) -> float | None:
    """A user's threshold → what ``sample_latent(truncation=…)`` takes: None (no truncation) at or above
    ``NO_TRUNCATION``; ``ValueError`` unless > 0."""
    value = float(value)
    if not value > 0:
        raise ValueError(f"the truncation threshold must be > 0, got {value}")
    return None if value >= NO_TRUNCATION else value


def mix_rows(ws_destinations: torch.Tensor, ws_sources: torch.Tensor, rows: Sequence[int]) -> torch.Tensor:
    """Style mixing (Karras et al. 2019, Fig. 3): every destination with the ws ``rows`` of every source.

    (n_dst, num_ws, w_dim) and (n_src, num_ws, w_dim) → (n_dst, n_src, num_ws, w_dim).
    """
    if ws_destinations.shape[1:] != ws_sources.shape[1:]:
        raise ValueError(f"ws shapes differ: {tuple(ws_destinations.shape)} and {tuple(ws_sources.shape)}")
    mixed = ws_destinations[:, None].repeat(1, ws_sources.shape[0], 1, 1)
    mixed[:, :, list(rows)] = ws_sources[None, :, list(rows)]
    return mixed


# StyleGAN (Karras et al. 2019, Fig. 3): the resolutions whose styles a "coarse", "middle" or "fine" mix copies
PAPER_BANDS = {"coarse": (4, 8), "middle": (16, 32), "fine": (64, 1024)}


def style_bands(ws_resolutions: list[int]) -> dict[str, list[int]]:
    """ws indices per preset. The paper's bands where the model has those resolutions; on smaller models
    the three presets split what exists: coarse = the two lowest resolutions, fine = the highest, middle = between."""
    paper = {name: [i for i, r in enumerate(ws_resolutions) if lo <= r <= hi] for name, (lo, hi) in PAPER_BANDS.items()}
    if all(paper.values()):
        return paper
    levels = sorted(set(ws_resolutions))
    coarse, fine = levels[:2], levels[-1:]
    middle = [r for r in levels if r not in coarse and r not in fine]
    mapped = {"coarse": coarse, "middle": middle or fine, "fine": fine}
    return {name: [i for i, r in enumerate(ws_resolutions) if r in res] for name, res in mapped.items()}


def coordinate_spread(samples: torch.Tensor) -> float:
    """The typical standard deviation of one coordinate over ``samples`` (n, d): mean over d of the std over n.

    1 for z ~ N(0, I); for w = mapping(z) it sets the scale of noise added in w space."""
    if samples.ndim != 2 or samples.shape[0] < 2:
        raise ValueError(f"need (n ≥ 2, d) samples, got shape {tuple(samples.shape)}")
    return float(samples.std(dim=0).mean())


PLANE_GRIDS = ("linear", "quantile")


def plane_to_latent(u, extent: float, kind: str) -> torch.Tensor:
    """Plane coordinate u ∈ [0, 1] → z ∈ [−e, e]: linear, or at Gaussian quantiles
    z = Φ⁻¹(Φ(−e) + (Φ(e) − Φ(−e))·u), where every tile has the same prior mass (Kingma & Welling, Fig. 4)."""
    u = torch.as_tensor(u, dtype=torch.float64)
    if kind == "linear":
        return -extent + 2 * extent * u
    if kind != "quantile":
        raise ValueError(f"grid must be one of {PLANE_GRIDS}, got {kind!r}")
    low = torch.special.ndtr(torch.tensor(-float(extent), dtype=torch.float64))
    return torch.special.ndtri(low + (1 - 2 * low) * u)


def latent_to_plane(z, extent: float, kind: str) -> torch.Tensor:
    """Inverse of ``plane_to_latent``: z → u (values outside [0, 1] lie off the plane)."""
    z = torch.as_tensor(z, dtype=torch.float64)
    if kind == "linear":
        return (z + extent) / (2 * extent)
    if kind != "quantile":
        raise ValueError(f"grid must be one of {PLANE_GRIDS}, got {kind!r}")
    low = torch.special.ndtr(torch.tensor(-float(extent), dtype=torch.float64))
    return (torch.special.ndtr(z) - low) / (1 - 2 * low)


def plane_grid(grid_size: int, extent: float, kind: str) -> torch.Tensor:
    """(grid_size², 2) latents at the tile centres of a 2-D latent plane, row-major from the top-left
    (z₂ decreasing downwards)."""
    values = plane_to_latent((torch.arange(grid_size, dtype=torch.float64) + 0.5) / grid_size, extent, kind)
    z2, z1 = torch.meshgrid(values.flip(0), values, indexing="ij")
    return torch.stack([z1.ravel(), z2.ravel()], dim=1).float()
