"""Evaluating the zoo's generators: image sources, their classifier features (kept by the zoo), the scores on
them, and the failure modes of the scores that the lecture teaches.

Every score here is computed on the Fashion-MNIST classifier (``classifier-fashion-mnist``): its 256-d
penultimate features for FID, KID, precision/recall, density/coverage, its p(y|x) for the Inception
Score. They compare our models with each other, not with numbers in papers (those use Inception-v3 on
ImageNet). A source is a generator of the zoo (32×32 greyscale) or real Fashion-MNIST images.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from explorer.data import load_fashion_mnist
from explorer.metrics.fid import FID_STATS_NAME, FeatureStats, frechet_distance
from explorer.metrics.scores import density_coverage, inception_score, kernel_inception_distance, precision_recall
from explorer.models import ClassConditional, LatentGenerator
from explorer.zoo import REFERENCE_CLASSIFIER, Zoo

CLASSIFIER = REFERENCE_CLASSIFIER
REAL_TEST = "real test images"
REAL_TRAIN = "real training images"
REAL_SOURCES = (REAL_TEST, REAL_TRAIN)
REAL_SIZES = {REAL_TEST: 10_000, REAL_TRAIN: 60_000}
MAX_SAMPLES = 10_000
BATCH = 500
Progress = Callable[[float, str], None] | None


def source_names(zoo: Zoo) -> list[str]:
    """Real test and training images, then every generator of the zoo that makes 32×32 greyscale images."""
    generators = list(dict.fromkeys(zoo.names(LatentGenerator) + zoo.names(ClassConditional)))
    ours = [n for n in generators if zoo.entry(n).resolution == 32 and _channels(zoo, n) == 1]
    return [*REAL_SOURCES, *ours]


def _channels(zoo: Zoo, name: str) -> int:
    """The image channels of a model's config (read from its folder once; ``images`` asks on every call)."""
    from explorer.models.folder import read_config

    return zoo.memo("channels", name, lambda: int(read_config(zoo.entry(name).folder)[1].get("channels", 3)))


def check_count(n: int, source: str | None = None, minimum: int = 2) -> int:
    """``n`` as a sample count: a whole number from ``minimum`` (2: a score needs a spread) to ``MAX_SAMPLES``,
    and no more than a real set has."""
    if n is None or (isinstance(n, float) and not math.isfinite(n)):
        raise ValueError(f"the number of samples must be a whole number from {minimum} to {MAX_SAMPLES}")
    n = int(n)
    limit = min(MAX_SAMPLES, REAL_SIZES.get(source, MAX_SAMPLES))
    if not minimum <= n <= limit:
        where = f" ({source} has {REAL_SIZES[source]})" if source in REAL_SIZES else ""
        raise ValueError(f"the number of samples must be between {minimum} and {limit}{where}, got {n}")
    return n


def _real(zoo: Zoo, split: str):
    return zoo.memo("fashion-mnist", CLASSIFIER, lambda: load_fashion_mnist(split, settings=zoo.settings), key=split)


def images(
    zoo: Zoo, source: str, n: int, seed: int = 0, truncation: float | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``n`` images of ``source`` (NCHW in [-1, 1], on the CPU) and their labels: the real labels, the requested
    class of a class-conditional model (classes 0, 1, 2, … cycling, so every class is balanced), else None.

    Real images are a seeded random subset; generated ones are the seeds ``seed … seed + n − 1``, drawn at the
    truncation threshold ``truncation`` (None: none)."""
    n = check_count(n, source, minimum=1)
    if source in REAL_SOURCES:
        data = _real(zoo, "test" if source == REAL_TEST else "train")
        index = torch.randperm(len(data), generator=torch.Generator().manual_seed(int(seed)))[:n]
        return data.images[index], data.labels[index]
    if source not in source_names(zoo):
        raise ValueError(f"unknown source {source!r}; choose one of {', '.join(source_names(zoo))}")
    model = zoo.load(source)
    conditional = isinstance(model, ClassConditional)
    truncated = {} if truncation is None else {"truncation": truncation}  # what generate takes, when truncated
    batches, labels = [], []
    with torch.inference_mode():
        for start in range(0, n, BATCH):
            count = min(BATCH, n - start)
            z = model.sample_latent(count, int(seed) + start, truncation=truncation)
            if conditional:
                classes = [(start + i) % model.num_classes for i in range(count)]
                batches.append(model.generate(z, classes, **truncated).cpu())
                labels += classes
            else:
                batches.append(model.generate(z).cpu())
    return torch.cat(batches), (torch.tensor(labels) if conditional else None)


@dataclass(frozen=True)
class Bank:
    """The classifier's view of ``n`` images of a source: features (n, 256), p(y|x) (n, 10), labels or None."""

    source: str
    features: torch.Tensor
    probabilities: torch.Tensor
    labels: torch.Tensor | None

    @property
    def n(self) -> int:
        return self.features.shape[0]

    def stats(self) -> FeatureStats:
        return feature_stats(self.features)


def feature_stats(features: torch.Tensor) -> FeatureStats:
    """The mean and covariance of feature rows (n, d)."""
    return FeatureStats(features.shape[1]).update(features)


def classify(zoo: Zoo, pictures: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(features, p(y|x)) of images, batch by batch, on the CPU."""
    classifier = zoo.load(CLASSIFIER)
    features, probabilities = [], []
    with torch.inference_mode():
        for batch in pictures.split(BATCH):
            f = classifier.features(batch.to(zoo.device))
            features.append(f.cpu())
            probabilities.append(torch.softmax(classifier.head(f), dim=1).cpu())
    return torch.cat(features), torch.cat(probabilities)


def bank(zoo: Zoo, source: str, n: int, seed: int = 0) -> Bank:
    """The ``Bank`` of ``n`` images of ``source`` (computed once per source, n and seed; the zoo forgets it when
    the model is replaced)."""
    zoo.reference_classifier("the metrics")
    n = check_count(n, source)

    def compute() -> Bank:
        pictures, labels = images(zoo, source, n, seed)
        features, probabilities = classify(zoo, pictures)
        return Bank(source, features, probabilities, labels)

    owner = CLASSIFIER if source in REAL_SOURCES else source
    return zoo.memo("metric-bank", owner, compute, key=(source, n, int(seed)))


def reference_stats(zoo: Zoo) -> FeatureStats:
    """The real test set's feature statistics, shipped with the classifier (no dataset needed)."""
    return FeatureStats.load(zoo.entry(CLASSIFIER).folder / FID_STATS_NAME)


def fid_against(stats: FeatureStats, reference: FeatureStats) -> float:
    return frechet_distance(stats.mean, stats.cov, reference.mean, reference.cov)


def fidelity_diversity(probabilities: torch.Tensor) -> tuple[float, float]:
    """(fidelity, diversity): the mean top-class confidence E_x max_y p(y|x), and the entropy of the
    marginal p(y) in units of log C (1 = every class equally often)."""
    marginal = probabilities.mean(dim=0).double()
    entropy = -(marginal * marginal.clamp_min(1e-12).log()).sum()
    return float(probabilities.max(dim=1).values.mean()), float(entropy / math.log(probabilities.shape[1]))


@dataclass(frozen=True)
class Scores:
    source: str
    n: int
    inception: tuple[float, float]  # (mean, std over splits)
    fid: float
    kid: tuple[float, float]
    precision: float
    recall: float
    density: float
    coverage: float
    fidelity: float
    diversity: float
    marginal: np.ndarray  # p(y)


def scores(zoo: Zoo, source: str, n: int, seed: int = 0, progress: Progress = None) -> Scores:
    """Every score of ``n`` images of ``source`` against the real test images (another seed's subset when the
    source is the test set itself)."""
    report = progress or (lambda fraction, text: None)
    report(0.0, f"features of {n} images of {source}")
    fake = bank(zoo, source, n, seed)
    report(0.4, "features of the real test images")
    real = bank(zoo, REAL_TEST, min(n, REAL_SIZES[REAL_TEST]), seed + 1 if source == REAL_TEST else 0)
    report(0.6, "KID")
    kid = kernel_inception_distance(real.features, fake.features, subsets=50, subset_size=min(1000, n))
    report(0.75, "precision, recall, density, coverage")
    precision, recall = precision_recall(real.features, fake.features, k=3)
    density, coverage = density_coverage(real.features, fake.features, k=5)
    fidelity, diversity = fidelity_diversity(fake.probabilities)
    report(1.0, "done")
    return Scores(
        source=source,
        n=fake.n,
        inception=inception_score(fake.probabilities, splits=10),
        fid=fid_against(fake.stats(), reference_stats(zoo)),
        kid=kid,
        precision=precision,
        recall=recall,
        density=density,
        coverage=coverage,
        fidelity=fidelity,
        diversity=diversity,
        marginal=fake.probabilities.mean(dim=0).numpy(),
    )


# --- how the scores fail ------------------------------------------------------------------------------------
def one_per_class(zoo: Zoo, repeats: int = 1000) -> tuple[torch.Tensor, Bank]:
    """ "One perfect image per class": the most confidently classified real test image of each class, each
    repeated ``repeats`` times. p(y|x) is sharp and p(y) uniform, so IS is near its maximum of 10, although
    the set has no diversity at all (its FID is poor)."""
    test = bank(zoo, REAL_TEST, REAL_SIZES[REAL_TEST], 0)
    pictures, _ = images(zoo, REAL_TEST, REAL_SIZES[REAL_TEST], 0)
    confidence = test.probabilities.max(dim=1).values
    chosen = []
    for c in range(test.probabilities.shape[1]):
        members = torch.nonzero((test.labels == c) & (test.probabilities.argmax(dim=1) == c)).flatten()
        chosen.append(int(members[confidence[members].argmax()]))
    index = torch.tensor(chosen).repeat(repeats)
    labels = test.labels[index]
    return pictures[chosen], Bank("one image per class", test.features[index], test.probabilities[index], labels)


def drop_classes(zoo: Zoo, n: int = 5000, seed: int = 0) -> list[tuple[int, float, float]]:
    """(k, FID, IS) for real test images with k = 0 … 9 classes removed (the rest resampled to keep ``n``):
    FID rises steeply as modes are dropped while IS moves much less (it rewards confident, not complete)."""
    test = bank(zoo, REAL_TEST, REAL_SIZES[REAL_TEST], 0)
    reference = reference_stats(zoo)
    generator = torch.Generator().manual_seed(int(seed))
    rows = []
    for k in range(test.probabilities.shape[1]):
        kept = torch.nonzero(test.labels >= k).flatten()  # classes 0 … k − 1 dropped
        index = kept[torch.randint(len(kept), (int(n),), generator=generator)]
        fid = fid_against(feature_stats(test.features[index]), reference)
        rows.append((k, fid, inception_score(test.probabilities[index], splits=10)[0]))
    return rows


def fid_by_sample_count(
    zoo: Zoo, source: str, counts: tuple[int, ...] = (100, 200, 500, 1000, 2000, 5000, 10_000), seed: int = 0
) -> list[tuple[int, float]]:
    """(n, FID against the full test statistics) for the first n images of ``source``: small n biases FID
    upwards (the covariance of a few samples is a poor estimate), so FID falls as n grows, even for real
    images."""
    largest = bank(zoo, source, max(counts), seed)
    reference = reference_stats(zoo)
    return [(n, fid_against(feature_stats(largest.features[:n]), reference)) for n in counts]


def game_inception_score(
    zoo: Zoo, n: int = 64, steps: int = 100, lr: float = 0.03, seed: int = 0
) -> tuple[torch.Tensor, list[float]]:
    """Gradient ascent that games the Inception Score (Barratt & Sharma 2018): a batch of noise images is pushed
    by the classifier's gradient until p(y|x) is sharp for each image and p(y) is uniform over the batch, the
    two things IS rewards: image i is pushed towards class i mod C (maximising log p(i mod C | x_i); pushing on
    the batch's IS itself stalls once every image is confidently in some class). Returns the images, still
    noise to a person, and the batch's IS at each step, which climbs past the real data's: IS is a score for
    evaluation, not an objective."""
    classifier = zoo.load(CLASSIFIER)
    generator = torch.Generator().manual_seed(int(seed))
    theta = (0.3 * torch.randn(int(n), 1, 32, 32, generator=generator)).to(zoo.device).requires_grad_(True)
    targets = (torch.arange(int(n)) % classifier.head.out_features).to(zoo.device)
    optimizer = torch.optim.Adam([theta], lr=lr)
    history = []
    was_training = classifier.training
    classifier.eval()
    try:
        for _ in range(int(steps)):
            log_p = torch.log_softmax(classifier(theta.clamp(-1, 1)), dim=1)
            history.append(inception_score(log_p.detach().exp(), splits=1)[0])
            loss = torch.nn.functional.nll_loss(log_p, targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    finally:
        classifier.train(was_training)
    return theta.detach().clamp(-1, 1).cpu(), history


def precision_recall_by_truncation(
    zoo: Zoo,
    name: str,
    thresholds: tuple[float | None, ...] = (None, 2.0, 1.0, 0.5, 0.25),
    n: int = 2000,
    seed: int = 0,
) -> list[tuple[float | None, float, float, float]]:
    """(threshold, precision, recall, FID) of a class-conditional model's samples at each truncation threshold:
    precision (fidelity) rises and recall (diversity) falls as the threshold shrinks (Kynkäänniemi et al. 2019,
    Fig. 1; Brock et al. 2018)."""
    zoo.require(name, ClassConditional, what="a class-conditional model")
    real = bank(zoo, REAL_TEST, n, 0)
    reference = reference_stats(zoo)
    rows = []
    for threshold in thresholds:
        pictures, _ = images(zoo, name, n, seed, truncation=threshold)
        features, _ = classify(zoo, pictures)
        precision, recall = precision_recall(real.features, features, k=3)
        rows.append((threshold, precision, recall, fid_against(feature_stats(features), reference)))
    return rows


def train_test_table(zoo: Zoo, name: str, n: int = 5000, steps: int = 300, seed: int = 0) -> dict[str, float]:
    """TRTR, TSTR and TRTS accuracies (Esteban et al. 2017; Ravuri & Vinyals 2019) for a class-conditional
    model: the same small classifier trained on ``n`` real training images (TR) or ``n`` generated images
    labelled with the class they were asked for (TS), tested on the real test images (TR) or on generated
    ones (TS). TSTR close to TRTR means the samples carry what a classifier needs about every class."""
    from explorer.metrics.tstr import accuracy, train_on

    model = zoo.require(name, ClassConditional, what="a class-conditional model (TSTR needs labelled samples)")
    fake, fake_labels = images(zoo, name, check_count(n), seed)
    real, real_labels = images(zoo, REAL_TRAIN, n, seed)
    test, test_labels = images(zoo, REAL_TEST, REAL_SIZES[REAL_TEST], 0)
    on_real = train_on(real, real_labels, model.num_classes, steps=steps, seed=seed)
    on_fake = train_on(fake, fake_labels, model.num_classes, steps=steps, seed=seed)
    return {
        "TRTR": accuracy(on_real, test, test_labels),
        "TSTR": accuracy(on_fake, test, test_labels),
        "TRTS": accuracy(on_real, fake, fake_labels),
    }
