"""What the tabs derive from a model once per weights: the arithmetic tab's default seed groups and the
VAE's encoded test set. Stored through the zoo's ``DerivedStore`` (``explorer.cache``).

    python -m explorer.derived     # recompute the committed checkpoints' shipped arrays (after retraining one)
"""

import itertools
from pathlib import Path

import numpy as np
import torch

from explorer.cache import DerivedStore
from explorer.data import FASHION_MNIST_CLASSES, load_fashion_mnist
from explorer.models import HasEncoder, Unconditional
from explorer.settings import Settings
from explorer.zoo import WEIGHTS_NAME, Zoo

FALLBACK_GROUPS = ("0, 1, 2", "3, 4, 5", "6, 7, 8")
ARITHMETIC_CLASSES = (2, 0, 3)  # Pullover − T-shirt/top + Dress: a dress with long sleeves
CANDIDATES = 6  # per class: C(6, 3)³ = 8 000 triples tried


def arithmetic_models(zoo: Zoo) -> list[str]:
    """The unconditional GANs (the VAE has its own tabs)."""
    return zoo.names(Unconditional, excludes=(HasEncoder,))


def chosen_groups(zoo: Zoo, name: str) -> tuple[str, str, str] | None:
    """Groups a person picked from the model's seed grid, kept in its manifest entry (``"arithmetic"``: ``groups``
    and the ``example`` they show): the faces model's *man with glasses − man + woman*. No classifier knows faces."""
    chosen = zoo.entry(name).extra.get("arithmetic") or {}
    groups = chosen.get("groups")
    return tuple(groups) if groups and len(groups) == 3 else None


def classifier_models(zoo: Zoo) -> list[str]:
    """The arithmetic models whose default groups the Fashion-MNIST classifier picks (derived, shipped): not those
    with groups picked by a person, nor those of other data (the face StyleGAN: ``FALLBACK_GROUPS``)."""
    return [name for name in arithmetic_models(zoo) if chosen_groups(zoo, name) is None and zoo.classifier_reads(name)]


def plane_models(zoo: Zoo) -> list[str]:
    """VAEs with a 2-D latent: their whole generative model is a plane."""
    return [name for name in zoo.names(HasEncoder) if zoo.entry(name).latent_dim == 2]


def arithmetic_groups(zoo: Zoo, name: str) -> tuple[str, str, str]:
    """The default *pullover − T-shirt + dress* groups: three seeds each of "Pullover" (A), "T-shirt/top" (B)
    and "Dress" (C) among the first 1 000 seeds, chosen so that the example keeps its promise: of the
    classifier's most confident candidates of each class (``CANDIDATES``), the three triples whose
    mean(A) − mean(B) + mean(C), decoded, the classifier calls a dress with the highest probability.
    Seeds 0–8 without a classifier, or for a model of other data (a faces model); groups picked by a person in
    the manifest entry come first."""
    chosen = chosen_groups(zoo, name)
    if chosen:
        return chosen
    if not zoo.classifier_reads(name):
        return FALLBACK_GROUPS

    def choose() -> dict[str, np.ndarray]:
        classifier, model = zoo.reference_classifier(), zoo.load(name)
        with torch.inference_mode():
            z = model.sample_latent(1000, 0)
            probabilities = torch.softmax(classifier(model.generate(z)), dim=1).cpu()
            predicted, confidence = probabilities.argmax(1), probabilities.max(1).values
            candidates = []
            for label in ARITHMETIC_CLASSES:  # the most confident CANDIDATES seeds of each class
                seeds = torch.nonzero(predicted == label).flatten()
                candidates.append(seeds[confidence[seeds].argsort(descending=True)[:CANDIDATES]].tolist())
            triples = [[list(t) for t in itertools.combinations(c, 3)] for c in candidates]
            combos = list(itertools.product(*triples))
            means = [torch.stack([z[t].mean(0) for t in group]) for group in zip(*combos, strict=True)]
            results = means[0] - means[1] + means[2]  # mean(A) − mean(B) + mean(C) of every combination
            target = ARITHMETIC_CLASSES[2]
            scores = torch.cat(
                [
                    torch.softmax(classifier(model.generate(batch)), dim=1)[:, target].cpu()
                    for batch in results.split(500)
                ]
            )
        best = combos[int(scores.argmax())]
        return {key: np.sort(np.array(group, dtype=np.int64)) for key, group in zip("abc", best, strict=True)}

    try:
        groups = zoo.derived.get(f"arithmetic-groups-v2-{name}", zoo.entry(name).folder / WEIGHTS_NAME, choose)
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
            test = load_fashion_mnist("test", settings=zoo.settings)
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
    for name in classifier_models(zoo):
        arithmetic_groups(zoo, name)
    for name in plane_models(zoo):
        test_set_means(zoo, name)
    return store.shipped


if __name__ == "__main__":
    for path in ship_defaults():
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
