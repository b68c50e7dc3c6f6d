"""FID and class histogram of a generator for its model card, against two references.

Measured the same way for every family: 10 000 samples, Fashion-MNIST classifier features, the
test-set statistics stored next to the classifier. Floor: a held-out real split (stored with the
classifier). Ceiling: the same generator untrained (its initialisation for the run's seed).

A model trained on a generator's images (``explorer.data.GENERATED_DATASETS``: RGB 64² faces) is measured the
same way against that generator's held-out images ("test" split), in the only feature space the project has
without a download (the classifier, on the images made grey and 32²), beside ProGAN's sliced Wasserstein
distance, which needs no features and reads every scale of the RGB 64² images.
"""

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from explorer.data import GENERATED_DATASETS, load_generated
from explorer.metrics.fid import FID_STATS_NAME, FeatureStats, fid, latent_sampler
from explorer.metrics.swd import sliced_wasserstein
from explorer.zoo import CHECKPOINTS, REFERENCE_CLASSIFIER, ZooError, load_folder

CLASSIFIER_FOLDER = CHECKPOINTS / REFERENCE_CLASSIFIER


def reference(device: torch.device) -> tuple[torch.nn.Module, FeatureStats, float] | None:
    """(classifier, test statistics, floor FID), or None when the classifier is not trained yet."""
    stats_path = CLASSIFIER_FOLDER / FID_STATS_NAME
    if not stats_path.is_file():
        return None
    try:
        classifier = load_folder(CLASSIFIER_FOLDER, device)
    except ZooError:
        return None
    from safetensors import safe_open

    with safe_open(str(stats_path), framework="pt") as f:
        floor = float(f.metadata().get("floor_fid_train10k", "nan"))
    return classifier, FeatureStats.load(stats_path), floor


_references: dict[str, tuple | None] = {}


def cached_reference(device: torch.device) -> tuple[torch.nn.Module, FeatureStats, float] | None:
    """``reference(device)``, loaded once per device and process (live FID evaluates many times per run)."""
    key = str(device)
    if key not in _references:
        _references[key] = reference(device)
    return _references[key]


@dataclass(frozen=True)
class Evaluation:
    """A live FID point and the class histogram of the same samples (the mode-collapse meter)."""

    fid: float
    feature_space: str
    histogram: list[int]
    class_names: tuple[str, ...]
    n: int
    seconds: float


def live_evaluation(model: torch.nn.Module, data: str, n: int, seed: int = 10_000) -> Evaluation | None:
    """FID of ``n`` samples of ``model`` against the Fashion-MNIST test statistics, with their class histogram.

    None when there is no reference for the run: no trained classifier, another dataset, or images
    that are not 1×32×32. Few samples bias FID upwards, the same way at every step, so the curve's
    shape is meaningful even where its level is not comparable with the 10 000-sample card FID.
    """
    resolution, channels = getattr(model, "resolution", 0), getattr(model.config, "channels", 1)
    if data != "fashion-mnist" or resolution != 32 or channels != 1 or n < 2:
        return None
    device = next(model.parameters()).device
    ref = cached_reference(device)
    if ref is None:
        return None
    classifier, stats, _ = ref
    clock = time.perf_counter()
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            result, histogram = fid(latent_sampler(model, seed=seed), classifier, stats, n=n)
    finally:
        model.train(was_training)
    return Evaluation(
        result.value, result.feature_space, histogram.tolist(), classifier.class_names, n, time.perf_counter() - clock
    )


_ceilings: dict[tuple, float] = {}  # one run saves many times; its untrained FID never changes


def untrained_fid(model: torch.nn.Module, seed: int, n: int, classifier, stats: FeatureStats) -> float:
    """FID of ``model``'s architecture as initialised by ``seed``, computed once per (family, config, seed, n).

    The initialisation runs inside ``fork_rng`` so that a save in the middle of training leaves the
    training's random stream untouched.
    """
    key = (type(model).__name__, repr(model.config), seed, n)
    if key not in _ceilings:
        device = next(model.parameters()).device
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(seed)
            untrained = type(model)(model.config).to(device).eval()
        with torch.inference_mode():
            _ceilings[key] = fid(latent_sampler(untrained, seed=10_000), classifier, stats, n=n)[0].value
    return _ceilings[key]


def generator_report(model: torch.nn.Module, seed: int, n: int) -> tuple[str, dict[str, float]]:
    """A markdown section with FID (model, floor, ceiling) and the class histogram, plus the numbers.

    The ceiling is the same architecture as initialised by ``seed`` (the run's starting point). Nothing for
    images the classifier cannot read (not 1×32×32: an RGB or 64² image folder).
    """
    device = next(model.parameters()).device
    readable = getattr(model, "resolution", 0) == 32 and getattr(model.config, "channels", 1) == 1
    ref = reference(device) if n > 0 and readable else None
    if ref is None:
        return "", {}
    classifier, stats, floor = ref
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            result, histogram = fid(latent_sampler(model, seed=10_000), classifier, stats, n=n)
    finally:
        model.train(was_training)
    ceiling = untrained_fid(model, seed, n, classifier, stats)
    names = classifier.class_names
    bars = "\n".join(
        f"| {name} | {count} | {'█' * round(40 * count / max(histogram.max(), 1))} |"
        for name, count in zip(names, histogram.tolist(), strict=True)
    )
    section = f"""
## FID ({result.feature_space}, {n} samples vs the 10 000 test images)

| | FID |
|---|---|
| **this model** | **{result.value:.2f}** |
| floor: 10 000 real training images (held out from the test-set statistics) | {floor:.2f} |
| ceiling: the same generator untrained | {ceiling:.2f} |

## Class histogram of {n} samples (classifier predictions)

| class | samples | |
|---|---|---|
{bars}
"""
    return section, {"fid": result.value, "fid_floor": floor, "fid_ceiling": ceiling}


GREY_32 = "Fashion-MNIST classifier features of the images made grey (mean of R, G, B) and 32² (2×2 mean)"
SWD_IMAGES = 1000  # images per set for the sliced Wasserstein distance (ProGAN used 16 384; the floor shows the bias)


def grey_32(images: torch.Tensor) -> torch.Tensor:
    """RGB 64² (n, 3, 64, 64) → (n, 1, 32, 32), what the Fashion-MNIST classifier reads."""
    return F.avg_pool2d(images.mean(dim=1, keepdim=True), 2)


class Grey32Features(torch.nn.Module):
    """The classifier's ``features`` of ``grey_32`` images; no ``head``, so ``fid`` counts no classes."""

    def __init__(self, classifier: torch.nn.Module):
        super().__init__()
        self.classifier = classifier

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier.features(grey_32(images))


def generated_report(model: torch.nn.Module, data: str, seed: int, n: int) -> tuple[str, dict[str, float]]:
    """A markdown section with FID (``GREY_32``) and SWD of ``n`` samples against the held-out images of the
    generator behind ``data`` (its "test" split), beside the floor (its training images, the ones this model saw)
    and the ceiling (this architecture untrained); nothing without the classifier or for other data."""
    if n <= 0 or data not in GENERATED_DATASETS or not (CLASSIFIER_FOLDER / FID_STATS_NAME).is_file():
        return "", {}
    device = next(model.parameters()).device
    extractor = Grey32Features(load_folder(CLASSIFIER_FOLDER, device)).eval()
    held_out, seen = load_generated(data, "test", n).images, load_generated(data, "train", n).images
    reference = FeatureStats(extractor.classifier.config.feature_dim)
    with torch.inference_mode():
        for chunk in held_out.split(500):
            reference.update(extractor.features(chunk.to(device)))
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        untrained = type(model)(model.config).to(device).eval()
    rows = {}
    was_training = model.training
    model.eval()
    try:
        for label, sample in (
            ("**this model**", latent_sampler(model, seed=10_000)),
            (f"floor: {n} of the training images (the generator's, seeds 0…)", lambda s, c: seen[s : s + c]),
            ("ceiling: the same generator untrained", latent_sampler(untrained, seed=10_000)),
        ):
            with torch.inference_mode():
                value = fid(sample, extractor, reference, n=n, feature_space=GREY_32)[0].value
                count = min(n, SWD_IMAGES)
                fake = torch.cat([sample(s, min(500, count - s)).clamp(-1, 1).cpu() for s in range(0, count, 500)])
                swd = sliced_wasserstein(held_out[:count], fake, levels=4)
            rows[label] = (value, swd)
    finally:
        model.train(was_training)
    levels = " | ".join(f"SWD {r}² ×10³" for r in (64, 32, 16, 8))
    table = "\n".join(
        f"| {label} | {value:.2f} | " + " | ".join(f"{1e3 * d:.1f}" for d in swd) + " |"
        for label, (value, swd) in rows.items()
    )
    section = f"""
## FID and SWD against {n} held-out images of the generator behind {data}

FID in {GREY_32}: the project's one offline feature space, trained on garments, so it reads the layout and
shading of a face more than its identity. SWD (ProGAN's sliced Wasserstein distance of Laplacian-pyramid 7×7
patches, {min(n, SWD_IMAGES)} images per set) needs no features: each level compares one scale of the RGB images.

| | FID | {levels} |
|---|---|{"---|" * 4}
{table}
"""
    model_fid, floor, ceiling = (value for value, _ in rows.values())
    return section, {"fid": model_fid, "fid_floor": floor, "fid_ceiling": ceiling}
