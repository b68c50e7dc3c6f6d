"""What the tabs derive from a model once per weights: the arithmetic tab's default seed groups and the
VAE's encoded test set. Stored through the zoo's ``DerivedStore`` (``explorer.cache``).

    python -m explorer.derived     # recompute the committed checkpoints' shipped arrays (after retraining one)
"""

from pathlib import Path

import numpy as np
import torch

from explorer.cache import DerivedStore
from explorer.data import FASHION_MNIST_CLASSES, load_fashion_mnist
from explorer.models import HasEncoder, Unconditional
from explorer.settings import Settings
from explorer.zoo import WEIGHTS_NAME, Zoo

CLASSIFIER = "classifier-fashion-mnist"
FALLBACK_GROUPS = ("0, 1, 2", "3, 4, 5", "6, 7, 8")
ARITHMETIC_CLASSES = (2, 0, 3)  # Pullover − T-shirt/top + Dress: a dress with long sleeves


def arithmetic_models(zoo: Zoo) -> list[str]:
    """The unconditional GANs (the VAE has its own tabs)."""
    return zoo.names(Unconditional, excludes=(HasEncoder,))


def plane_models(zoo: Zoo) -> list[str]:
    """VAEs with a 2-D latent: their whole generative model is a plane."""
    return [name for name in zoo.names(HasEncoder) if zoo.entry(name).latent_dim == 2]


def arithmetic_groups(zoo: Zoo, name: str) -> tuple[str, str, str]:
    """Three seeds each of "Pullover" (A), "T-shirt/top" (B) and "Dress" (C), found by the classifier among
    the first 1 000 seeds: sleeves = pullover − T-shirt; + dress = a dress with long sleeves. Seeds 0–8
    without a classifier."""
    if CLASSIFIER not in zoo.entries:
        return FALLBACK_GROUPS

    def classify() -> dict[str, np.ndarray]:
        classifier, model = zoo.load(CLASSIFIER), zoo.load(name)
        with torch.inference_mode():
            probabilities = torch.softmax(classifier(model.generate(model.sample_latent(1000, 0))), dim=1).cpu()
        predicted, confidence = probabilities.argmax(1).numpy(), probabilities.max(1).values.numpy()
        picks = {}
        for key, label in zip("abc", ARITHMETIC_CLASSES, strict=True):  # the most confident 3 of each class
            seeds = np.flatnonzero(predicted == label)
            picks[key] = np.sort(seeds[np.argsort(-confidence[seeds])[:3]]).astype(np.int64)
        return picks

    try:
        groups = zoo.derived.get(f"arithmetic-groups-{name}", zoo.entry(name).folder / WEIGHTS_NAME, classify)
    except (ValueError, OSError):
        return FALLBACK_GROUPS
    if any(len(groups[k]) < 3 for k in "abc"):
        return FALLBACK_GROUPS
    return tuple(", ".join(str(int(s)) for s in groups[k]) for k in "abc")


def test_set_means(zoo: Zoo, name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """μ(x) of the 10 000 Fashion-MNIST test images, their labels and the class names (per weights;
    memoised by the zoo, which forgets it when the model is replaced). ``DatasetUnavailable`` when neither
    the shipped arrays nor the data are there."""

    def compute():
        model = zoo.load(name)

        def encode() -> dict[str, np.ndarray]:
            test = load_fashion_mnist("test", cache_dir=zoo.settings.data_cache)
            with torch.inference_mode():
                mu = torch.cat([model.encode(batch.to(zoo.device))[0].cpu() for batch in test.images.split(1000)])
            return {"mu": mu.numpy(), "labels": test.labels.numpy()}

        arrays = zoo.derived.get(f"vae-test-means-{name}", zoo.entry(name).folder / WEIGHTS_NAME, encode)
        return arrays["mu"], arrays["labels"], FASHION_MNIST_CLASSES

    return zoo.memo("vae-test-means", name, compute)


def ship_defaults(settings: Settings | None = None) -> list[Path]:
    """Compute the derived arrays of every model in the committed zoo and write them next to its weights."""
    settings = settings or Settings.from_env()
    store = DerivedStore(settings.derived_cache, ship=True)
    zoo = Zoo(settings=settings, derived=store)
    for name in arithmetic_models(zoo):
        arithmetic_groups(zoo, name)
    for name in plane_models(zoo):
        test_set_means(zoo, name)
    return store.shipped


if __name__ == "__main__":
    for path in ship_defaults():
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
