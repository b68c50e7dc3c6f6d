"""The original GAN: fully connected generator and discriminator.

Goodfellow et al., "Generative Adversarial Nets", arXiv:1406.2661, §5: G and D are multilayer
perceptrons (G: ReLU hidden layers, sigmoid output; D: maxout hidden layers with dropout). Kept: two
or three fully connected hidden layers, ReLU in G; changed: a tanh output (images in [-1, 1], as every
model here), LeakyReLU instead of maxout in D, no dropout. It trains next to the DCGAN in the Training tab,
to compare the 2014 grids with the convolutional ones (no committed default: it is a baseline).
"""

from dataclasses import dataclass

import torch
from torch import nn

from explorer.models.base import Pretrained, Unconditional


@dataclass
class MLPGANConfig:
    latent_dim: int = 100  # size of z
    channels: int = 1  # image channels
    resolution: int = 32  # output side
    width: int = 512  # hidden units: G z → w/2 → w → 2w → image; D image → w → w/2 → logit

    def __post_init__(self) -> None:
        for name in ("latent_dim", "channels", "resolution"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be ≥ 1, got {getattr(self, name)}")
        if self.width < 2:
            raise ValueError(f"width must be ≥ 2, got {self.width}")

    @property
    def pixels(self) -> int:
        return self.channels * self.resolution * self.resolution


class MLPGenerator(Unconditional, nn.Module, Pretrained):
    """z (n, latent_dim) → images (n, channels, resolution, resolution) in [-1, 1], through fully connected layers."""

    def __init__(self, config: MLPGANConfig):
        super().__init__()
        self.config = config
        w = config.width
        self.net = nn.Sequential(
            nn.Linear(config.latent_dim, w // 2),
            nn.ReLU(inplace=True),
            nn.Linear(w // 2, w),
            nn.ReLU(inplace=True),
            nn.Linear(w, 2 * w),
            nn.ReLU(inplace=True),
            nn.Linear(2 * w, config.pixels),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        n, d = z.shape
        assert d == self.config.latent_dim, f"z has {d} dims, expected {self.config.latent_dim}"
        c, r = self.config.channels, self.config.resolution
        return self.net(z).view(n, c, r, r)  # (n, channels, resolution, resolution)

    def generate(self, latent: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] for latents ``latent`` (moved to the model's device)."""
        device = next(self.parameters()).device
        return self(latent.to(device=device, dtype=torch.float32))


class MLPDiscriminator(nn.Module):
    """images → real/fake logits (n,), through fully connected layers.

    ``norm``: "batch" (BatchNorm1d after the second hidden layer, not at the input: DCGAN's rule) or "layer"
    (LayerNorm there, per sample, for a gradient penalty); the 2014 GAN had none ("none" in the trainer)."""

    def __init__(self, config: MLPGANConfig, norm: str = "batch"):
        super().__init__()
        if norm not in ("batch", "layer"):
            raise ValueError(f"norm must be 'batch' or 'layer', got {norm!r}")
        self.config = config
        w = config.width
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(config.pixels, w),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(w, w // 2),
            nn.BatchNorm1d(w // 2) if norm == "batch" else nn.LayerNorm(w // 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(w // 2, 1),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).flatten()  # (n,)
