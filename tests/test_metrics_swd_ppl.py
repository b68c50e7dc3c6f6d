import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF
from scipy.stats import wasserstein_distance

from explorer.data import load_fashion_mnist
from explorer.metrics.ppl import perceptual_path_length
from explorer.metrics.swd import laplacian_pyramid, pyr_up, sliced_wasserstein, wasserstein_1d_sorted
from explorer.metrics.tstr import accuracy, train_on

SMALL = dict(patches_per_image=32, projections=128)  # enough for the orderings below, fast on 2 cores


@pytest.fixture(scope="module")
def images(fashion_test) -> torch.Tensor:
    return fashion_test.images[:128]


def test_laplacian_pyramid_reconstructs_the_images(images):
    pyramid = laplacian_pyramid(images, 3)
    assert [level.shape[-1] for level in pyramid] == [32, 16, 8]
    rebuilt = pyr_up(pyr_up(pyramid[2]) + pyramid[1]) + pyramid[0]
    assert torch.allclose(rebuilt, images, atol=1e-5)


def test_swd_of_identical_sets_is_zero_and_grows_with_blur_and_shift(images):
    assert sliced_wasserstein(images, images.clone(), **SMALL) == [0.0, 0.0, 0.0]
    blurred = [sliced_wasserstein(images, TF.gaussian_blur(images, 5, sigma), **SMALL) for sigma in (0.5, 1.0, 2.0)]
    shifted = [sliced_wasserstein(images, images.roll(k, dims=3), **SMALL) for k in (1, 2, 4)]
    for values in (blurred, shifted):
        for level in range(3):
            weak, medium, strong = (v[level] for v in values)
            assert 0 < weak < medium < strong


def test_swd_is_deterministic_for_a_seed(images):
    other = images.flip(0).roll(1, dims=2)
    first = sliced_wasserstein(images, other, seed=3, **SMALL)
    assert first == sliced_wasserstein(images, other, seed=3, **SMALL)
    assert first != sliced_wasserstein(images, other, seed=4, **SMALL)
    with pytest.raises(ValueError):
        sliced_wasserstein(images, other, levels=4)  # 32 → 4 pixels, smaller than a 7×7 patch


def test_sets_of_different_sizes_use_the_exact_1d_wasserstein_distance(images):
    rng = np.random.default_rng(0)
    a, b = np.sort(rng.normal(size=(3, 70)), axis=1), np.sort(rng.normal(0.4, 2, size=(3, 45)), axis=1)
    ours = wasserstein_1d_sorted(torch.from_numpy(a), torch.from_numpy(b))
    assert ours.numpy() == pytest.approx([wasserstein_distance(x, y) for x, y in zip(a, b, strict=True)], rel=1e-9)
    values = sliced_wasserstein(images, images[:100].flip(3), **SMALL)
    assert len(values) == 3 and all(v > 0 for v in values)


@pytest.fixture(scope="module")
def feature_distance(default_zoo):
    classifier = default_zoo.load("classifier-fashion-mnist")
    return lambda a, b: (classifier.features(a) - classifier.features(b)).square().sum(dim=1)


def test_ppl_of_the_committed_stylegan(default_zoo, feature_distance):
    model = default_zoo.load("stylegan-fashion-mnist")
    mean, values = perceptual_path_length(model, feature_distance, n=50, batch_size=20)
    assert values.shape == (50,) and np.isfinite(values).all() and (values > 0).all()
    assert values.min() <= mean <= values.max() and mean > 0
    again, again_values = perceptual_path_length(model, feature_distance, n=50, batch_size=50)
    assert again == pytest.approx(mean, rel=1e-4) and np.allclose(again_values, values, rtol=1e-3)
    assert perceptual_path_length(model, feature_distance, n=50, seed=1)[0] != pytest.approx(mean, rel=1e-4)
    z_mean, _ = perceptual_path_length(model, feature_distance, n=50, space="z")
    assert np.isfinite(z_mean) and z_mean > 0 and z_mean != pytest.approx(mean, rel=1e-3)


def test_ppl_needs_a_mapping_network(default_zoo, feature_distance):
    with pytest.raises(ValueError, match="mapping network"):
        perceptual_path_length(default_zoo.load("dcgan-fashion-mnist"), feature_distance, n=10)


@pytest.fixture(scope="module")
def fashion_train_small():
    train = load_fashion_mnist("train")
    return train.images[:2048], train.labels[:2048]


def test_a_classifier_trained_on_real_images_beats_60_percent(fashion_train_small, fashion_test):
    images, labels = fashion_train_small
    model = train_on(images, labels, num_classes=10, steps=150)
    assert accuracy(model, fashion_test.images[:1000], fashion_test.labels[:1000]) > 0.6


def test_shuffled_labels_give_chance_accuracy(fashion_train_small, fashion_test):
    images, labels = fashion_train_small
    shuffled = labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(1))]
    model = train_on(images, shuffled, num_classes=10, steps=150)
    assert accuracy(model, fashion_test.images[:1000], fashion_test.labels[:1000]) < 0.2
