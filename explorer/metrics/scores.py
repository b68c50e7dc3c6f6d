"""Sample-quality scores on classifier probabilities and features: IS, KID, precision/recall, density/coverage.

All are pure functions of tensors: ``probabilities`` (n, C) rows of p(y|x), or ``real``/``fake`` feature
sets (n, d) (ours: the Fashion-MNIST classifier's 256-d penultimate features). Sums run in float64.

Written here rather than taken from torchmetrics because torchmetrics is a test-only dependency (the Space
does not install it) and its metrics are stateful modules that draw subsets from the global RNG;
``inception_score`` and ``kernel_inception_distance`` are tested equal to torchmetrics' algorithm on the same
inputs and subsets. Precision/recall and density/coverage are in no installed library; they follow the
authors' code (NVlabs/stylegan2-ada-pytorch metrics/precision_recall.py, clovaai/generative-evaluation-prdc)
with pairwise distances computed in row chunks (``torch.cdist``), so 10 000 × 10 000 fits in memory.
"""

import math

import numpy as np
import torch

CHUNK_ELEMENTS = 2**24  # distances held at once: 16 Mi float64 values = 128 MiB


def _as_rows(name: str, x: torch.Tensor, min_rows: int) -> torch.Tensor:
    """``x`` as a float64 (n, d) CPU-or-device tensor, with n ≥ ``min_rows`` finite rows; else ``ValueError``."""
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D tensor (n, d), got {getattr(x, 'shape', type(x).__name__)}")
    if x.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {x.shape[0]}")
    x = x.detach().to(torch.float64)
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return x


def inception_score(probabilities: torch.Tensor, splits: int = 10) -> tuple[float, float]:
    """Inception Score: mean and standard deviation over ``splits`` equal splits of the rows.

    IS = exp E_x KL(p(y|x) ‖ p(y)),  p(y) = the mean of p(y|x) over the split
    (Salimans et al., Improved Techniques for Training GANs, arXiv:1606.03498).
    Splits are consecutive, rows [i·n/splits, (i+1)·n/splits), as the original code takes them (and as
    torchmetrics' ``chunk`` takes them when ``splits`` divides n); the std is the population std (ddof = 0)
    of the original and of torch-fidelity (torchmetrics divides by splits − 1). 1 ≤ IS ≤ C: 1 when every
    row is the same, C when each row is one-hot and the classes are used equally often.
    """
    if splits < 1:
        raise ValueError(f"splits must be ≥ 1, got {splits}")
    p = _as_rows("probabilities", probabilities, splits)
    n, _ = p.shape
    if (p < 0).any() or not torch.allclose(p.sum(dim=1), torch.ones(n, dtype=p.dtype), atol=1e-3):
        raise ValueError("probabilities must be (n, C) rows of non-negative values summing to 1 (softmax of logits)")
    scores = []
    for i in range(splits):
        part = p[i * n // splits : (i + 1) * n // splits]  # (n/splits, C)
        p_y = part.mean(dim=0, keepdim=True)  # (1, C)
        kl = torch.special.xlogy(part, part) - torch.special.xlogy(part, p_y)  # 0·log 0 = 0
        scores.append(math.exp(kl.sum(dim=1).mean().item()))
    return float(np.mean(scores)), float(np.std(scores))


def _mmd2_unbiased(k_xx: torch.Tensor, k_xy: torch.Tensor, k_yy: torch.Tensor) -> torch.Tensor:
    """MMD²_u = Σ_{i≠j} k(x_i, x_j)/(m(m−1)) + Σ_{i≠j} k(y_i, y_j)/(m(m−1)) − 2 Σ_{i,j} k(x_i, y_j)/m²."""
    m = k_xx.shape[0]
    off_diagonal = k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()
    return off_diagonal / (m * (m - 1)) - 2 * k_xy.sum() / m**2


def kernel_inception_distance(
    real: torch.Tensor,
    fake: torch.Tensor,
    subsets: int = 100,
    subset_size: int = 1000,
    degree: int = 3,
    gamma: float | None = None,
    coef: float = 1.0,
    seed: int = 0,
) -> tuple[float, float]:
    """Kernel Inception Distance: mean and std (ddof = 0) of MMD²_u over ``subsets`` random subsets.

    KID = MMD²_u(real, fake) with the polynomial kernel k(x, y) = (γ xᵀy + coef)^degree, γ = 1/d by default
    (Bińkowski et al., Demystifying MMD GANs, arXiv:1801.01401). Unbiased, so it can be slightly negative
    when the sets agree. Each subset draws ``subset_size`` rows of each set without replacement
    (``torch.randperm(n_real)`` then ``torch.randperm(n_fake)``, as torchmetrics does) from one
    ``torch.Generator`` seeded ``seed``; ``subset_size`` is clipped to min(len(real), len(fake)).
    """
    real, fake = _as_rows("real", real, 2), _as_rows("fake", fake, 2)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real and fake features differ in size: {real.shape[1]} vs {fake.shape[1]}")
    if subsets < 1 or subset_size < 2:
        raise ValueError(f"need subsets ≥ 1 and subset_size ≥ 2, got {subsets} and {subset_size}")
    m = min(subset_size, real.shape[0], fake.shape[0])
    gamma = 1.0 / real.shape[1] if gamma is None else gamma

    def kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (gamma * a @ b.T + coef) ** degree  # (m, m)

    generator = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(subsets):
        x = real[torch.randperm(real.shape[0], generator=generator)[:m].to(real.device)]
        y = fake[torch.randperm(fake.shape[0], generator=generator)[:m].to(fake.device)]
        values.append(_mmd2_unbiased(kernel(x, x), kernel(x, y), kernel(y, y)).item())
    return float(np.mean(values)), float(np.std(values))


def _chunk_rows(columns: int) -> int:
    """Rows per chunk so that a chunk holds at most ``CHUNK_ELEMENTS`` distances (rows × columns)."""
    return max(1, CHUNK_ELEMENTS // max(columns, 1))


def knn_radii(x: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each row of ``x`` to its k-th nearest other row (the radius of its k-NN ball)."""
    n = x.shape[0]
    if not 1 <= k < n:
        raise ValueError(f"k must be between 1 and n − 1 = {n - 1}, got {k}")
    step = _chunk_rows(n)
    radii = []
    for start in range(0, n, step):
        d = torch.cdist(x[start : start + step], x)  # (c, n)
        rows = torch.arange(d.shape[0], device=d.device)
        d[rows, rows + start] = math.inf  # a point is not its own neighbour
        radii.append(d.topk(k, dim=1, largest=False).values[:, -1])
    return torch.cat(radii)  # (n,)


def _check_pair(real: torch.Tensor, fake: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    real, fake = _as_rows("real", real, k + 1), _as_rows("fake", fake, k + 1)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real and fake features differ in size: {real.shape[1]} vs {fake.shape[1]}")
    return real, fake


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al., arXiv:1904.06991).

    Each set's manifold is the union of balls B(x, r_k(x)), r_k(x) = distance to the k-th nearest other
    point of the same set. precision = share of fakes inside the real manifold (fidelity),
    recall = share of reals inside the fake manifold (diversity). A point on a ball's rim is inside (≤),
    as in the authors' code.
    """
    real, fake = _check_pair(real, fake, k)
    # 1. k-NN radii within each set.
    radii_real, radii_fake = knn_radii(real, k), knn_radii(fake, k)
    # 2. One pass over fake-to-real distances answers both questions.
    fake_inside = torch.zeros(fake.shape[0], dtype=torch.bool, device=fake.device)
    real_inside = torch.zeros(real.shape[0], dtype=torch.bool, device=real.device)
    step = _chunk_rows(real.shape[0])
    for start in range(0, fake.shape[0], step):
        chunk = slice(start, start + step)
        d = torch.cdist(fake[chunk], real)  # (c, n_real)
        fake_inside[chunk] = (d <= radii_real[None, :]).any(dim=1)
        real_inside |= (d <= radii_fake[chunk, None]).any(dim=0)
    return fake_inside.double().mean().item(), real_inside.double().mean().item()


def density_coverage(real: torch.Tensor, fake: torch.Tensor, k: int = 5) -> tuple[float, float]:
    """Density and coverage (Naeem et al., Reliable Fidelity and Diversity Metrics, arXiv:2002.09797).

    With real k-NN balls B(x_i, r_k(x_i)) only (fakes' outliers cannot inflate them):
    density = 1/(kM) Σ_j Σ_i 1[y_j ∈ B(x_i)]  (≈ 1 when the sets match, can exceed 1);
    coverage = 1/N Σ_i 1[∃ j: y_j ∈ B(x_i)]  (share of real balls holding some fake).
    Inside means strictly closer than the radius, as in the authors' code.
    """
    real, fake = _check_pair(real, fake, k)
    radii_real = knn_radii(real, k)
    inside_count = 0
    covered = torch.zeros(real.shape[0], dtype=torch.bool, device=real.device)
    step = _chunk_rows(real.shape[0])
    for start in range(0, fake.shape[0], step):
        inside = torch.cdist(fake[start : start + step], real) < radii_real[None, :]  # (c, n_real)
        inside_count += int(inside.sum())
        covered |= inside.any(dim=0)
    return inside_count / (k * fake.shape[0]), covered.double().mean().item()


def frechet_distance_1d(mu1: float, sigma1: float, mu2: float, sigma2: float) -> float:
    """Fréchet (2-Wasserstein²) distance of two 1-D Gaussians, the 1-D case of FID: (μ1 − μ2)² + (σ1 − σ2)².

    ``sigma1``, ``sigma2`` are standard deviations, not variances (Dowson & Landau, 1982; FID: Heusel et al.,
    arXiv:1706.08500, ``explorer.metrics.fid.frechet_distance`` with 1×1 covariances σ²).
    """
    if sigma1 < 0 or sigma2 < 0:
        raise ValueError(f"standard deviations must be ≥ 0, got {sigma1} and {sigma2}")
    return float((mu1 - mu2) ** 2 + (sigma1 - sigma2) ** 2)
