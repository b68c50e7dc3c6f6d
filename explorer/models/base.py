"""The protocol every generative family shares (DESIGN.md): sizes from the config, seeded latents."""

import torch

from explorer import latent as latent_math


class LatentGenerator:
    """Mixed into a family's model: ``latent_dim`` and ``resolution`` from ``self.config``, ``sample_latent``."""

    config: object

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def resolution(self) -> int:
        return self.config.resolution

    def sample_latent(self, n: int, seed: int, truncation: float | None = None) -> torch.Tensor:
        """``n`` latents z ~ N(0, I) (row i from seed + i); ``truncation`` resamples |z_i| beyond it."""
        shape = (self.config.latent_dim,)
        if truncation is None:
            return latent_math.sample_normal(n, seed, shape)
        return latent_math.truncated_normal(n, seed, shape, truncation)
