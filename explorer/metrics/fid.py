"""Fréchet distance between Gaussian fits of two feature sets (FID), with streaming statistics.

FID = ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2(Σ_r Σ_g)^½)   (Heusel et al., arXiv:1706.08500)
the squared 2-Wasserstein distance between N(μ_r, Σ_r) and N(μ_g, Σ_g) (Dowson & Landau, 1982).
Lower is better; dropping modes raises it. The value depends on the feature space and on the
number of samples (small samples bias it upward), so every result carries both.
"""

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

CLASSIFIER_FEATURES = "Fashion-MNIST classifier features"
FID_STATS_NAME = "fid_stats.safetensors"  # reference statistics, stored next to the classifier


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    """scipy's matrix square root (older releases return (root, error) when asked for the error)."""
    from scipy import linalg  # here: importing scipy costs the app's start-up, which computes no FID

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)  # near-singular products are handled by the caller
        root = linalg.sqrtm(matrix)
    return root[0] if isinstance(root, tuple) else root


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, eps: float = 1e-6
) -> float:
    """‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½), computed as pytorch-fid does.

    The matrix square root is scipy's ``sqrtm``. When the product is near singular (sqrtm returns
    non-finite values) ``eps`` is added to both diagonals. Rounding can leave a small imaginary
    part, which is dropped; a large one means the statistics are broken and raises ``ValueError``.
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(f"statistics differ in shape: {mu1.shape}/{sigma1.shape} vs {mu2.shape}/{sigma2.shape}")
    diff = mu1 - mu2
    covmean = _sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = _sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"imaginary component {np.max(np.abs(covmean.imag))} in the matrix square root")
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


class FeatureStats:
    """Running mean and covariance of feature vectors, accumulated batch by batch in float64.

    Only n, Σx and Σxxᵀ are kept, never the features themselves.
    """

    def __init__(self, dim: int):
        self.dim = dim
        self.n = 0
        self.total = torch.zeros(dim, dtype=torch.float64)
        self.outer = torch.zeros(dim, dim, dtype=torch.float64)

    def update(self, features: torch.Tensor) -> "FeatureStats":
        features = features.detach().to("cpu", torch.float64).reshape(-1, self.dim)
        self.n += features.shape[0]
        self.total += features.sum(dim=0)
        self.outer += features.T @ features
        return self

    @property
    def mean(self) -> np.ndarray:
        return (self.total / self.n).numpy()

    @property
    def cov(self) -> np.ndarray:
        """Unbiased covariance (divides by n − 1), as numpy's ``np.cov``."""
        if self.n < 2:
            raise ValueError("need at least 2 feature vectors for a covariance")
        mean = self.total / self.n
        return ((self.outer - self.n * torch.outer(mean, mean)) / (self.n - 1)).numpy()

    def save(self, path: str | Path, **metadata: str) -> None:
        from safetensors.torch import save_file

        tensors = {"mu": torch.from_numpy(self.mean), "sigma": torch.from_numpy(self.cov)}
        save_file(tensors, str(path), metadata={"n": str(self.n), **metadata})

    @classmethod
    def load(cls, path: str | Path) -> "FeatureStats":
        """Statistics saved by ``save`` (rebuilt into sums so that they can be compared or extended)."""
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            mu, sigma, n = f.get_tensor("mu"), f.get_tensor("sigma"), int(f.metadata()["n"])
        stats = cls(mu.shape[0])
        stats.n = n
        stats.total = mu * n
        stats.outer = sigma * (n - 1) + n * torch.outer(mu, mu)
        return stats


@dataclass(frozen=True)
class FIDResult:
    value: float
    feature_space: str
    n: int  # generated samples used

    def __str__(self) -> str:
        return f"FID ({self.feature_space}, {self.n} samples) = {self.value:.2f}"


def fid_between(a: FeatureStats, b: FeatureStats, feature_space: str = CLASSIFIER_FEATURES) -> FIDResult:
    return FIDResult(frechet_distance(a.mean, a.cov, b.mean, b.cov), feature_space, a.n)


@torch.inference_mode()
def fid(
    sample: Callable[[int, int], torch.Tensor],
    extractor: torch.nn.Module,
    real: FeatureStats,
    n: int = 10_000,
    batch_size: int = 500,
    feature_space: str = CLASSIFIER_FEATURES,
    on_batch: Callable[[int, int], None] | None = None,
) -> tuple[FIDResult, np.ndarray]:
    """FID of ``n`` images from ``sample(start, count)`` against ``real``, and their class histogram.

    ``extractor`` offers ``features(images)``; a classifier also has a ``head`` and the histogram
    counts its predicted classes (a mode-collapse meter; empty for Inception features).
    ``on_batch(done, n)`` reports progress.
    """
    extractor.eval()
    device = next(extractor.parameters()).device
    stats = FeatureStats(real.dim)
    head = getattr(extractor, "head", None)  # a classifier has one; Inception features do not
    counts = torch.zeros(head.out_features if head is not None else 0, dtype=torch.int64)
    for start in range(0, n, batch_size):
        count = min(batch_size, n - start)
        features = extractor.features(sample(start, count).to(device))
        stats.update(features)
        if head is not None:
            counts += torch.bincount(head(features).argmax(dim=1).cpu(), minlength=head.out_features)
        if on_batch:
            on_batch(start + count, n)
    return fid_between(stats, real, feature_space), counts.numpy()


def latent_sampler(model: torch.nn.Module, seed: int, **controls) -> Callable[[int, int], torch.Tensor]:
    """``sample(start, count)`` for a zoo model: images of seeds seed + start … seed + start + count − 1."""

    def sample(start: int, count: int) -> torch.Tensor:
        return model.generate(model.sample_latent(count, seed + start), **controls)

    return sample
