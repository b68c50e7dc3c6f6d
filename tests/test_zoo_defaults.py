"""The committed default models: every family loads offline, follows the protocol, and learned something."""

import pytest
import torch

from explorer.data import FASHION_MNIST_CLASSES
from explorer.metrics.fid import FID_STATS_NAME, FeatureStats, fid, latent_sampler
from explorer.models import FAMILIES, family_of
from explorer.zoo import CHECKPOINTS, load, read_hub_list
from trainers.classifier import accuracy

GENERATORS = [
    "dcgan-fashion-mnist",
    "stylegan-fashion-mnist",
    "biggan-fashion-mnist",
    "progan-fashion-mnist",
    "vae2d-fashion-mnist",
    "stylegan3-fashion-mnist",
]


def test_checkpoints_folder_stays_small():
    total = sum(f.stat().st_size for f in CHECKPOINTS.rglob("*") if f.is_file())
    assert total < 80 * 10**6  # issue #18: ≤ 60 MB; issue #32 raised it to 80 MB for the face StyleGAN


def test_manifest_lists_every_family(default_zoo):
    families = {default_zoo.entry(name).family for name in default_zoo.names()}
    # public releases come from the Hub, on request; the 2014 MLP GAN is a baseline trained in the Training tab
    assert families == set(FAMILIES) - {"biggan-deep", "stylegan2", "stylegan2-ada", "mlp-gan"}
    hub = {m["family"] for m in read_hub_list()}
    assert "biggan-deep" in hub and all(m["revision"] and m["license"] for m in read_hub_list())


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_protocol_and_seeds(name, default_zoo):
    model = load(name, device="cpu")
    assert model.resolution == 32 and model.latent_dim == default_zoo.entry(name).latent_dim
    with torch.inference_mode():
        a = model.generate(model.sample_latent(4, seed=1))
        b = model.generate(model.sample_latent(4, seed=1))
        c = model.generate(model.sample_latent(4, seed=2))
    assert a.shape == (4, 1, 32, 32) and a.min() >= -1 and a.max() <= 1
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_stylegan_default_has_styles_per_resolution():
    model = load("stylegan-fashion-mnist", device="cpu")
    assert model.num_ws == len(model.ws_resolutions) and max(model.ws_resolutions) == 32


@pytest.mark.slow  # the whole 10 000-image test split through the classifier: ~12 s
def test_classifier_is_accurate(fashion_test):
    classifier = load("classifier-fashion-mnist", device="cpu")
    overall, per_class = accuracy(classifier, fashion_test)
    assert overall >= 0.90
    assert classifier.class_names == list(FASHION_MNIST_CLASSES)


def test_vae_reconstructs_better_than_the_mean_image(fashion_test):
    vae = load("vae2d-fashion-mnist", device="cpu")
    images = fashion_test.images[:2000]
    with torch.inference_mode():
        mu, _ = vae.encode(images)
        error = (vae.decode(mu) - images).pow(2).mean()
    baseline = (images - images.mean(dim=0, keepdim=True)).pow(2).mean()
    assert error < 0.7 * baseline


@pytest.mark.slow
@pytest.mark.parametrize("name", GENERATORS)
def test_generators_beat_their_untrained_selves_on_fid_and_cover_every_class(name):
    classifier = load("classifier-fashion-mnist", device="cpu")
    real = FeatureStats.load(CHECKPOINTS / "classifier-fashion-mnist" / FID_STATS_NAME)
    model = load(name, device="cpu")
    torch.manual_seed(0)
    family = family_of(model)
    untrained = family.model(model.config).eval()
    trained_fid, histogram = fid(latent_sampler(model, seed=5), classifier, real, n=1000)
    # the untrained model's FID from 250 samples: within 2 % of its 1 000-sample value for every default (measured
    # 2026-12-07: e.g. StyleGAN3 2 958 against 2 970, the 2-D VAE 2 285 against 2 282), far inside the 2× margin
    # below, and a quarter of the time (StyleGAN3's 1 000 samples take 8 s on one core)
    untrained_fid, _ = fid(latent_sampler(untrained, seed=5), classifier, real, n=250)
    assert trained_fid.value < 0.5 * untrained_fid.value
    if family.name == "vae":
        # a 2-D VAE's blurry decoder merges coats into pullovers and shirts: most classes, not all
        assert (histogram > 0).sum() >= 8, f"classes generated: {histogram}"
    else:
        assert (histogram > 0).all(), f"classes never generated: {histogram}"  # no mode collapse
