"""Wall time of each evaluation metric on CPU: 10 000 DCGAN samples against the 10 000 real test images.

    python bench/metrics.py [--n 10000] [--seed 0]

Features (the Fashion-MNIST classifier's 256-d penultimate layer) and logits are computed once for both
sets and their time is printed; each metric then runs on them: IS, FID (``explorer.metrics.fid``), KID
(100 subsets of 1 000), precision/recall (k = 3), density/coverage (k = 5), SWD (on the images), PPL
(1 000 paths in w on the committed StyleGAN: the DCGAN has no mapping network) and the TSTR classifier
(300 steps on the samples labelled by the classifier, tested on the real images). Goal: each metric
under 30 s on 2 CPU cores. The load average is printed too: other processes on the cores slow torch's
parallel operations a lot.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import torch  # noqa: E402

from explorer.data import load_fashion_mnist  # noqa: E402
from explorer.metrics.fid import FeatureStats, fid_between  # noqa: E402
from explorer.metrics.ppl import perceptual_path_length  # noqa: E402
from explorer.metrics.scores import (  # noqa: E402
    density_coverage,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)
from explorer.metrics.swd import sliced_wasserstein  # noqa: E402
from explorer.metrics.tstr import accuracy, train_on  # noqa: E402
from explorer.zoo import Zoo  # noqa: E402

BATCH = 500
GOAL_S = 30.0


def timed(label: str, compute: Callable[[], object], goal: float | None = GOAL_S, show=lambda value: value):
    """``compute()``, printing its wall time, ``show(value)`` and whether it met ``goal`` seconds."""
    clock = time.perf_counter()
    value = compute()
    seconds = time.perf_counter() - clock
    verdict = "" if goal is None else ("  ok" if seconds < goal else f"  OVER {goal:.0f} s")
    print(f"{label:<24} {seconds:7.2f} s   {show(value)}{verdict}", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="generated samples (the real test set has 10 000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.2f}")

    zoo = Zoo(device="cpu")
    generator, classifier = zoo.load("dcgan-fashion-mnist"), zoo.load("classifier-fashion-mnist")
    real = load_fashion_mnist("test").images

    @torch.inference_mode()
    def sample() -> torch.Tensor:
        latents = generator.sample_latent(args.n, args.seed)
        return torch.cat([generator.generate(z) for z in latents.split(BATCH)])

    @torch.inference_mode()
    def features_and_logits(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = torch.cat([classifier.features(batch) for batch in images.split(BATCH)])
        return features, classifier.head(features)

    shape = lambda value: tuple(value[0].shape) if isinstance(value, tuple) else tuple(value.shape)  # noqa: E731
    fake = timed("DCGAN samples", sample, goal=None, show=shape)
    real_features, _ = timed("features (real)", lambda: features_and_logits(real), goal=None, show=shape)
    fake_features, fake_logits = timed("features (fake)", lambda: features_and_logits(fake), goal=None, show=shape)

    def fid() -> float:
        a, b = FeatureStats(real_features.shape[1]), FeatureStats(real_features.shape[1])
        return fid_between(a.update(fake_features), b.update(real_features)).value

    timed("IS", lambda: inception_score(fake_logits.softmax(dim=1)))
    timed("FID", fid)
    timed("KID", lambda: kernel_inception_distance(real_features, fake_features, seed=args.seed))
    timed("precision/recall", lambda: precision_recall(real_features, fake_features, k=3))
    timed("density/coverage", lambda: density_coverage(real_features, fake_features, k=5))
    timed("SWD (32, 16, 8)", lambda: sliced_wasserstein(real, fake, seed=args.seed))

    stylegan = zoo.load("stylegan-fashion-mnist")

    def feature_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (classifier.features(a) - classifier.features(b)).square().sum(dim=1)

    timed("PPL (StyleGAN, w, 1k)", lambda: perceptual_path_length(stylegan, feature_distance, seed=args.seed)[0])
    labels = fake_logits.argmax(dim=1)  # the DCGAN is unconditional: the classifier labels its samples
    model = timed("TSTR train (300 steps)", lambda: train_on(fake, labels, 10, seed=args.seed), show=type)
    test_labels = load_fashion_mnist("test").labels
    timed("TSTR accuracy on real", lambda: accuracy(model, real, test_labels))


if __name__ == "__main__":
    main()
