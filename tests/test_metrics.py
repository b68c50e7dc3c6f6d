import numpy as np
import pytest
import torch
from pytorch_fid.fid_score import calculate_frechet_distance

from explorer.metrics.fid import FeatureStats, fid, frechet_distance
from explorer.models.classifier import ClassifierConfig, FashionClassifier


def test_frechet_distance_matches_pytorch_fid():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(500, 32)), rng.normal(0.3, 1.2, size=(400, 32)) @ rng.normal(size=(32, 32)) * 0.3
    mu1, s1, mu2, s2 = a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    ours, reference = frechet_distance(mu1, s1, mu2, s2), calculate_frechet_distance(mu1, s1, mu2, s2)
    assert ours == pytest.approx(reference, rel=1e-6)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-6)


def test_one_dimensional_case_is_the_closed_form():
    # d² = (μ1 − μ2)² + (σ1 − σ2)² for 1-D Gaussians
    assert frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([3.0]), np.array([[1.0]])) == pytest.approx(
        5.0
    )


def test_streaming_statistics_equal_numpy():
    features = torch.randn(1000, 16, dtype=torch.float64) * 3 + 1
    stats = FeatureStats(16)
    for batch in features.split(137):
        stats.update(batch)
    assert np.allclose(stats.mean, features.mean(0).numpy())
    assert np.allclose(stats.cov, np.cov(features.numpy(), rowvar=False))


def test_saved_statistics_round_trip(tmp_path):
    stats = FeatureStats(8).update(torch.randn(100, 8))
    stats.save(tmp_path / "s.safetensors", split="test")
    loaded = FeatureStats.load(tmp_path / "s.safetensors")
    assert loaded.n == 100 and np.allclose(loaded.mean, stats.mean) and np.allclose(loaded.cov, stats.cov)


def test_fid_matches_torchmetrics_with_our_feature_extractor():
    from torchmetrics.image.fid import FrechetInceptionDistance

    torch.manual_seed(0)
    classifier = FashionClassifier(ClassifierConfig(width=8, feature_dim=16)).eval()

    class Features(torch.nn.Module):
        num_features = 16

        def forward(self, images):
            return classifier.features(images.float() / 127.5 - 1)

    real = torch.rand(300, 1, 32, 32) * 2 - 1
    fake = torch.rand(300, 1, 32, 32) * 1.6 - 0.9
    to_uint8 = lambda x: ((x + 1) * 127.5).round().to(torch.uint8)  # noqa: E731
    real, fake = to_uint8(real).float() / 127.5 - 1, to_uint8(fake).float() / 127.5 - 1
    metric = FrechetInceptionDistance(feature=Features(), reset_real_features=False)
    metric.update(to_uint8(real), real=True)
    metric.update(to_uint8(fake), real=False)
    reference = metric.compute().item()
    real_stats = FeatureStats(16).update(classifier.features(real))
    ours, histogram = fid(
        lambda start, count: fake[start : start + count], classifier, real_stats, n=300, batch_size=64
    )
    assert ours.value == pytest.approx(reference, rel=1e-4)
    assert histogram.sum() == 300 and len(histogram) == 10
    assert "classifier features" in str(ours) and "300 samples" in str(ours)


def test_inception_extractor_is_absent_without_weights_and_loads_a_cached_file(tmp_path, monkeypatch):
    import pytorch_fid.inception as pf

    from explorer.metrics import inception

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    assert inception.inception_extractor() is None  # offline and not cached: no download is attempted
    # Make a cached weights file with pytorch-fid's own architecture and random weights.
    monkeypatch.setattr(pf, "load_state_dict_from_url", lambda *a, **k: None)
    monkeypatch.setattr(torch.nn.Module, "load_state_dict", lambda self, *a, **k: None)
    random_model = pf.fid_inception_v3()
    monkeypatch.undo()
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    inception.weights_path().parent.mkdir(parents=True)
    torch.save(random_model.state_dict(), inception.weights_path())
    extractor = inception.inception_extractor()
    assert extractor is not None
    with torch.inference_mode():
        features = extractor.features(torch.rand(2, 1, 32, 32) * 2 - 1)
    assert features.shape == (2, 2048) and torch.isfinite(features).all()
