"""A convolutional VAE with a 2-D latent, so that the learned manifold is the latent plane.

Kingma & Welling, "Auto-Encoding Variational Bayes", arXiv:1312.6114. Encoder q_φ(z|x) = N(μ, diag σ²),
prior p(z) = N(0, I), decoder p_θ(x|z) Bernoulli per pixel (pixel intensities in [0, 1] are used as
soft targets, the common practice; strictly they are not binary). The loss is the negative ELBO
    −ELBO = E_q[−log p_θ(x|z)] + β · KL(q_φ(z|x) ‖ N(0, I)),
    KL = −½ Σ_j (1 + log σ_j² − μ_j² − σ_j²)                     (closed form, with the ½)
with z = μ + σ ⊙ ε, ε ~ N(0, I) (the reparameterisation trick). β = 1 is the VAE; β > 1 the β-VAE
(Higgins et al., 2017). Left out: learned decoder variance, importance-weighted bounds.
"""

from dataclasses import dataclass

import torch
from torch import nn

from explorer.models.base import HasEncoder, Pretrained


@dataclass
class VAEConfig:
    latent_dim: int = 2  # 2 = the manifold is the plane the app draws
    channels: int = 1
    resolution: int = 32  # must be 32: three stride-2 stages down to 4×4
    width: int = 32  # channels of the first encoder conv; doubles per stage
    hidden: int = 256  # fully connected layer between the conv stack and (μ, log σ²)

    def __post_init__(self) -> None:
        if self.resolution != 32:
            raise ValueError(f"resolution must be 32, got {self.resolution}")
        if self.latent_dim < 1:
            raise ValueError(f"latent_dim must be ≥ 1, got {self.latent_dim}")


class VAE(HasEncoder, nn.Module, Pretrained):
    """encode: images → (μ, log σ²); decode: z → images in [-1, 1]; ``decode_logits`` for the loss."""

    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        w, c = config.width, config.channels
        self.encoder = nn.Sequential(
            nn.Conv2d(c, w, 4, 2, 1),
            nn.LeakyReLU(0.2),  # (n, w, 16, 16)
            nn.Conv2d(w, 2 * w, 4, 2, 1),
            nn.LeakyReLU(0.2),  # (n, 2w, 8, 8)
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1),
            nn.LeakyReLU(0.2),  # (n, 4w, 4, 4)
            nn.Flatten(),
            nn.Linear(4 * w * 16, config.hidden),
            nn.LeakyReLU(0.2),
        )
        self.to_mu = nn.Linear(config.hidden, config.latent_dim)
        self.to_logvar = nn.Linear(config.hidden, config.latent_dim)
        self.decoder_in = nn.Sequential(
            nn.Linear(config.latent_dim, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, 4 * w * 16),
            nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1),
            nn.ReLU(),  # (n, 2w, 8, 8)
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1),
            nn.ReLU(),  # (n, w, 16, 16)
            nn.ConvTranspose2d(w, c, 4, 2, 1),  # (n, c, 32, 32) Bernoulli logits
        )

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q_φ(z|x) = N(μ, diag exp(log σ²)) for images in [-1, 1]."""
        h = self.encoder(images)
        return self.to_mu(h), self.to_logvar(h)

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """z = μ + σ ⊙ ε with ε ~ N(0, I): a sample whose gradient flows to μ and σ."""
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        n = z.shape[0]
        h = self.decoder_in(z).view(n, 4 * self.config.width, 4, 4)  # (n, 4w, 4, 4)
        return self.decoder(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Mean of p_θ(x|z), mapped to [-1, 1]."""
        return 2 * torch.sigmoid(self.decode_logits(z)) - 1

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(Bernoulli logits of the reconstruction, μ, log σ²)."""
        mu, logvar = self.encode(images)
        return self.decode_logits(self.reparameterize(mu, logvar)), mu, logvar

    def generate(self, latent: torch.Tensor) -> torch.Tensor:
        device = next(self.parameters()).device
        return self.decode(latent.to(device=device, dtype=torch.float32))
