"""Tiny MLP generator and discriminator for 2-D toy data (the GAN lab of the first lecture).

Goodfellow et al., arXiv:1406.2661: G maps a simple prior p(z) (1-D or 2-D, uniform or Gaussian)
to the plane; D maps a point to a real/fake logit. Small enough to train live in a browser.
"""

from dataclasses import dataclass

import torch
from torch import nn

PRIORS = ("gaussian", "uniform")


@dataclass
class ToyGANConfig:
    latent_dim: int = 2  # 1 or 2
    prior: str = "gaussian"  # "gaussian" = N(0, I), "uniform" = U(−1, 1)
    g_layers: int = 3  # hidden layers of G
    g_width: int = 64
    d_layers: int = 3  # hidden layers of D
    d_width: int = 64

    def __post_init__(self) -> None:
        if self.latent_dim not in (1, 2):
            raise ValueError(f"latent_dim must be 1 or 2, got {self.latent_dim}")
        if self.prior not in PRIORS:
            raise ValueError(f"prior must be one of {PRIORS}, got {self.prior!r}")
        for name in ("g_layers", "d_layers"):
            if not 1 <= getattr(self, name) <= 8:
                raise ValueError(f"{name} must be between 1 and 8, got {getattr(self, name)}")
        for name in ("g_width", "d_width"):
            if not 2 <= getattr(self, name) <= 512:
                raise ValueError(f"{name} must be between 2 and 512, got {getattr(self, name)}")


def mlp(inputs: int, width: int, layers: int, outputs: int, activation: type[nn.Module]) -> nn.Sequential:
    dims = [inputs] + [width] * layers
    modules: list[nn.Module] = []
    for a, b in zip(dims[:-1], dims[1:], strict=True):
        modules += [nn.Linear(a, b), activation()]
    return nn.Sequential(*modules, nn.Linear(dims[-1], outputs))


class ToyGenerator(nn.Module):
    """z (n, latent_dim) → points (n, 2)."""

    def __init__(self, config: ToyGANConfig):
        super().__init__()
        self.config = config
        self.net = mlp(config.latent_dim, config.g_width, config.g_layers, 2, nn.ReLU)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        if self.config.prior == "uniform":
            return torch.rand(n, self.config.latent_dim, generator=generator) * 2 - 1
        return torch.randn(n, self.config.latent_dim, generator=generator)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class ToyDiscriminator(nn.Module):
    """points (n, 2) → logits (n,)."""

    def __init__(self, config: ToyGANConfig):
        super().__init__()
        self.net = mlp(2, config.d_width, config.d_layers, 1, lambda: nn.LeakyReLU(0.2))

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        return self.net(points).flatten()
