import math

import numpy as np
import pytest
import torch
from torchmetrics.image.inception import InceptionScore  # not in torchmetrics.image without torch-fidelity
from torchmetrics.image.kid import KernelInceptionDistance

from explorer.metrics import scores
from explorer.metrics.fid import frechet_distance
from explorer.metrics.scores import (
    density_coverage,
    frechet_distance_1d,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)


def test_inception_score_equals_torchmetrics_on_the_same_split_order():
    logits = torch.randn(1000, 10, dtype=torch.float64) * 3
    metric = InceptionScore(feature=torch.nn.Identity(), splits=10)  # the "features" are the logits themselves
    metric.update(logits)
    torch.manual_seed(7)
    reference_mean, reference_std = metric.compute()  # permutes the rows with torch.randperm first
    torch.manual_seed(7)
    order = torch.randperm(1000)
    mean, std = inception_score(logits.softmax(dim=1)[order], splits=10)
    assert mean == pytest.approx(reference_mean.item(), abs=1e-5)
    # torchmetrics divides by splits − 1; the original (and we) by splits
    assert std == pytest.approx(reference_std.item() * math.sqrt(9 / 10), abs=1e-5)
    assert std > 0


def test_inception_score_takes_the_original_splits_when_they_do_not_divide_n():
    p = torch.randn(1003, 7, dtype=torch.float64).mul(2).softmax(dim=1).numpy()
    expected = []
    for i in range(10):  # openai/improved-gan inception_score.py
        part = p[i * len(p) // 10 : (i + 1) * len(p) // 10]
        kl = part * (np.log(part) - np.log(part.mean(axis=0, keepdims=True)))
        expected.append(np.exp(kl.sum(axis=1).mean()))
    mean, std = inception_score(torch.from_numpy(p), splits=10)
    assert mean == pytest.approx(np.mean(expected), abs=1e-9)
    assert std == pytest.approx(np.std(expected), abs=1e-9)


def test_inception_score_bounds():
    one_hot = torch.nn.functional.one_hot(torch.arange(1000) % 10, 10).float()  # every class equally often
    mean, std = inception_score(one_hot)
    assert mean == pytest.approx(10.0, abs=1e-6) and std == pytest.approx(0.0, abs=1e-6)
    same = torch.softmax(torch.randn(1, 10), dim=1).repeat(500, 1)
    assert inception_score(same)[0] == pytest.approx(1.0, abs=1e-6)
    collapsed = torch.nn.functional.one_hot(torch.arange(1000) % 2, 10).float()  # two classes only
    assert inception_score(collapsed)[0] == pytest.approx(2.0, abs=1e-6)


@pytest.mark.parametrize(
    "probabilities",
    [
        torch.full((5, 10), 0.1),  # fewer rows than splits
        torch.rand(100, 10),  # rows do not sum to 1
        torch.full((100,), 0.01),  # not (n, C)
        -torch.eye(10).repeat(10, 1) + 2 / 10,  # negative entries
    ],
)
def test_inception_score_rejects_bad_input(probabilities):
    with pytest.raises(ValueError):
        inception_score(probabilities, splits=10)


def test_kid_equals_torchmetrics_on_the_same_subsets():
    real = torch.randn(150, 16, dtype=torch.float64)
    fake = torch.randn(120, 16, dtype=torch.float64) * 1.2 + 0.3
    for options in (dict(), dict(degree=2, gamma=0.3, coef=0.5)):
        metric = KernelInceptionDistance(feature=torch.nn.Identity(), subsets=8, subset_size=120, **options)
        metric.update(real, real=True)
        metric.update(fake, real=False)
        torch.manual_seed(3)  # torchmetrics draws its subsets from the global generator
        reference_mean, reference_std = metric.compute()
        # subset_size 1000 is clipped to min(150, 120) = 120
        mean, std = kernel_inception_distance(real, fake, subsets=8, subset_size=1000, seed=3, **options)
        assert mean == pytest.approx(reference_mean.item(), abs=1e-5)
        assert std == pytest.approx(reference_std.item(), abs=1e-5)
        assert mean > 0.01 and std > 0


def test_kid_is_near_zero_for_one_distribution_and_deterministic():
    a, b = torch.randn(400, 8), torch.randn(400, 8)
    mean, _ = kernel_inception_distance(a, b, subsets=4, subset_size=200)
    assert abs(mean) < 0.01
    assert kernel_inception_distance(a, b, subsets=3, subset_size=100, seed=1) == kernel_inception_distance(
        a, b, subsets=3, subset_size=100, seed=1
    )
    assert kernel_inception_distance(a, b, subsets=3, subset_size=100, seed=1) != kernel_inception_distance(
        a, b, subsets=3, subset_size=100, seed=2
    )
    with pytest.raises(ValueError):
        kernel_inception_distance(a[:1], b)


def brute_force_radii(x: np.ndarray, k: int) -> np.ndarray:
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    return np.array([np.sort(np.delete(row, i))[k - 1] for i, row in enumerate(d)])


def brute_force_precision_recall(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[float, float]:
    r_real, r_fake = brute_force_radii(real, k), brute_force_radii(fake, k)
    d = np.sqrt(((fake[:, None, :] - real[None, :, :]) ** 2).sum(-1))  # (fake, real)
    precision = np.mean([any(d[j, i] <= r_real[i] for i in range(len(real))) for j in range(len(fake))])
    recall = np.mean([any(d[j, i] <= r_fake[j] for j in range(len(fake))) for i in range(len(real))])
    return precision, recall


def brute_force_density_coverage(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[float, float]:
    r_real = brute_force_radii(real, k)
    d = np.sqrt(((fake[:, None, :] - real[None, :, :]) ** 2).sum(-1))
    inside = d < r_real[None, :]
    return inside.sum() / (k * len(fake)), inside.any(axis=0).mean()


def test_precision_recall_of_identical_and_of_far_apart_sets():
    x = torch.randn(200, 8)
    assert precision_recall(x, x.clone(), k=3) == (1.0, 1.0)
    assert precision_recall(x, torch.randn(150, 8) + 100, k=3) == (0.0, 0.0)


def test_precision_recall_and_density_coverage_of_a_hand_made_example():
    real = torch.tensor([[0.0, 0], [1, 0], [10, 0], [12, 0]])  # 1-NN radii 1, 1, 2, 2
    fake = torch.tensor([[0.5, 0], [2, 0], [11, 1], [30, 0]])  # 1-NN radii 1.5, 1.5, √82, √362
    # inside a real ball: (0.5, 0), (11, 1) and (2, 0) on the rim of (1, 0)'s; every real is in a fake ball
    assert precision_recall(real, fake, k=1) == (0.75, 1.0)
    # strictly inside: (0.5, 0) in 2 balls, (11, 1) in 2, the rim point in none; every real ball holds a fake
    assert density_coverage(real, fake, k=1) == (1.0, 1.0)


def test_precision_recall_and_density_coverage_match_brute_force_in_chunks(monkeypatch):
    rng = np.random.default_rng(0)
    real = rng.normal(size=(60, 2))
    fake = np.concatenate([rng.normal(0.5, 0.7, size=(40, 2)), rng.normal(3, 0.3, size=(13, 2))])
    monkeypatch.setattr(scores, "CHUNK_ELEMENTS", 7 * 60)  # several chunks, the last one short
    for k in (1, 3, 5):
        ours = precision_recall(torch.from_numpy(real), torch.from_numpy(fake), k=k)
        assert ours == pytest.approx(brute_force_precision_recall(real, fake, k), abs=1e-12)
        ours = density_coverage(torch.from_numpy(real), torch.from_numpy(fake), k=k)
        assert ours == pytest.approx(brute_force_density_coverage(real, fake, k), abs=1e-12)
    precision, recall = precision_recall(torch.from_numpy(real), torch.from_numpy(fake), k=3)
    assert 0 < precision < 1 and 0 < recall < 1


def test_density_coverage_of_identical_and_of_disjoint_sets():
    x = torch.randn(300, 8)
    density, coverage = density_coverage(x, x.clone(), k=5)
    assert coverage == 1.0
    assert density == pytest.approx(1.0, abs=0.05)
    assert density_coverage(x, torch.randn(300, 8) + 100, k=5) == (0.0, 0.0)
    with pytest.raises(ValueError):
        density_coverage(x[:5], x, k=5)  # needs more than k points


def test_frechet_distance_1d_is_fid_of_1x1_covariances():
    assert frechet_distance_1d(1.0, 2.0, 3.0, 1.0) == pytest.approx(5.0)
    rng = np.random.default_rng(1)
    for mu1, sigma1, mu2, sigma2 in rng.uniform(0.1, 5, size=(10, 4)):
        fid = frechet_distance(np.array([mu1]), np.array([[sigma1**2]]), np.array([mu2]), np.array([[sigma2**2]]))
        assert frechet_distance_1d(mu1, sigma1, mu2, sigma2) == pytest.approx(fid, rel=1e-6, abs=1e-9)
    with pytest.raises(ValueError):
        frechet_distance_1d(0.0, -1.0, 0.0, 1.0)
