"""Metrics: streaming feature statistics and the Fréchet distance (FID)."""

from explorer.metrics.fid import FeatureStats, FIDResult, fid, frechet_distance

__all__ = ["FeatureStats", "FIDResult", "fid", "frechet_distance"]
