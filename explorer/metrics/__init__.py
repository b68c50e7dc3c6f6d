"""Metrics: FID with streaming statistics, IS, KID, precision/recall, density/coverage, SWD, PPL, TSTR."""

from explorer.metrics.fid import FeatureStats, FIDResult, fid, frechet_distance
from explorer.metrics.ppl import perceptual_path_length
from explorer.metrics.scores import (
    density_coverage,
    frechet_distance_1d,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)
from explorer.metrics.swd import sliced_wasserstein
from explorer.metrics.tstr import accuracy, train_on

__all__ = [
    "FeatureStats",
    "FIDResult",
    "accuracy",
    "density_coverage",
    "fid",
    "frechet_distance",
    "frechet_distance_1d",
    "inception_score",
    "kernel_inception_distance",
    "perceptual_path_length",
    "precision_recall",
    "sliced_wasserstein",
    "train_on",
]
