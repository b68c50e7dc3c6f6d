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


def load_strict(model: torch.nn.Module, state: dict[str, torch.Tensor], source: str) -> torch.nn.Module:
    """Load ``state`` into ``model`` only when every key and every shape matches.

    ``ValueError`` otherwise, starting with ``source`` and naming the first mismatches. Narrower
    stored dtypes (fp16) are fine: ``load_state_dict`` copies into the model's parameters.
    """
    expected = model.state_dict()
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(f"{source}: missing keys {missing[:5]}, unexpected keys {unexpected[:5]}")
    for key, value in expected.items():
        if value.shape != state[key].shape:
            raise ValueError(f"{source}: {key} has shape {tuple(state[key].shape)}, expected {tuple(value.shape)}")
    model.load_state_dict(state, strict=True)
    return model
