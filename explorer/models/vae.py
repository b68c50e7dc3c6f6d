"""A convolutional VAE with a 2-D latent, so that the learned manifold is the latent plane.

Kingma & Welling, "Auto-Encoding Variational Bayes", arXiv:1312.6114. Encoder q_φ(z|x) = N(μ, diag σ²),
prior p(z) = N(0, I), decoder p_θ(x|z) Bernoulli per pixel (pixel intensities in [0, 1] are used as
soft targets, the common practice; strictly they are not binary). The loss is the negative ELBO
    −ELBO = E_q[−log p_θ(x|z)] + β · KL(q_φ(z|x) ‖ N(0, I)),
    KL = −½ Σ_j (1 + log σ_j² − μ_j² − σ_j²)                     (closed form, with the ½)
with z = μ + σ ⊙ ε, ε ~ N(0, I) (the reparameterisation trick). β = 1 is the VAE; β > 1 the β-VAE
(Higgins et al., 2017). ``likelihood = "gaussian"`` swaps the Bernoulli decoder for a Gaussian one with
a fixed variance σ² = ½ on pixels in [0, 1]:
    −log p_θ(x|z) = Σ_i (x_i − x̂_i)² + (D/2)·log π      (the sum of squared errors, "MSE", + a constant)
``Autoencoder`` is the same networks without the variance head, the sampling and the KL: a
deterministic code z = f(x) with no prior (the plain autoencoder the VAE lecture starts from).
``ConditionalVAE`` conditions both sides on a one-hot class y, q_φ(z|x, y) and p_θ(x|z, y) (Sohn et al. 2015;
Attribute2Image, Yan et al. 2016, arXiv:1512.00570, at our scale): z is left to carry what the class does not
say (the "style"), so one z decoded with each class draws the same style across classes.
Left out: learned decoder variance, importance-weighted bounds.
"""

import math
from dataclasses import dataclass, replace

import torch
from torch import nn
from torch.nn import functional as F

from explorer.batching import batchable
from explorer.models.base import HasEncoder, Pretrained

LIKELIHOODS = ("bernoulli", "gaussian")
GAUSSIAN_VARIANCE = 0.5  # the Gaussian decoder's fixed σ² on pixels in [0, 1]


def reconstruction_nll(logits: torch.Tensor, images: torch.Tensor, likelihood: str = "bernoulli") -> torch.Tensor:
    """−log p_θ(x|z) per image, summed over pixels: (n,) for decoder logits and images in [-1, 1].

    Bernoulli: BCE(logits, (x + 1)/2). Gaussian with σ² = ½ on [0, 1] pixels:
    Σ (x − sigmoid(logits))²/(2σ²) + (D/2)·log(2πσ²) = SSE + (D/2)·log π.
    """
    targets = (images + 1) / 2
    if likelihood == "bernoulli":
        return F.binary_cross_entropy_with_logits(logits, targets, reduction="none").flatten(1).sum(1)
    if likelihood == "gaussian":
        squared = (torch.sigmoid(logits) - targets).pow(2).flatten(1)
        d = squared.shape[1]
        return squared.sum(1) / (2 * GAUSSIAN_VARIANCE) + 0.5 * d * math.log(2 * math.pi * GAUSSIAN_VARIANCE)
    raise ValueError(f"likelihood must be one of {', '.join(LIKELIHOODS)}, got {likelihood!r}")


def conv_encoder(config: "VAEConfig") -> nn.Sequential:
    """x (n, c, 32, 32) → features (n, hidden): three stride-2 convs and a fully connected layer."""
    w, c = config.width, config.channels
    return nn.Sequential(
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


def conv_decoder(config: "VAEConfig") -> tuple[nn.Sequential, nn.Sequential]:
    """z → (n, 4w·16) (fully connected), then (n, 4w, 4, 4) → logits (n, c, 32, 32) (transposed convs)."""
    w, c = config.width, config.channels
    decoder_in = nn.Sequential(
        nn.Linear(config.latent_dim, config.hidden),
        nn.ReLU(),
        nn.Linear(config.hidden, 4 * w * 16),
        nn.ReLU(),
    )
    decoder = nn.Sequential(
        nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1),
        nn.ReLU(),  # (n, 2w, 8, 8)
        nn.ConvTranspose2d(2 * w, w, 4, 2, 1),
        nn.ReLU(),  # (n, w, 16, 16)
        nn.ConvTranspose2d(w, c, 4, 2, 1),  # (n, c, 32, 32) logits of the decoder's mean
    )
    return decoder_in, decoder


@dataclass
class VAEConfig:
    latent_dim: int = 2  # 2 = the manifold is the plane the app draws
    channels: int = 1
    resolution: int = 32  # must be 32: three stride-2 stages down to 4×4
    width: int = 32  # channels of the first encoder conv; doubles per stage
    hidden: int = 256  # fully connected layer between the conv stack and (μ, log σ²)
    likelihood: str = "bernoulli"  # p_θ(x|z): "bernoulli" (BCE) or "gaussian" (σ² = ½: the sum of squared errors)

    def __post_init__(self) -> None:
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {', '.join(LIKELIHOODS)}, got {self.likelihood!r}")
        if self.resolution != 32:
            raise ValueError(f"resolution must be 32, got {self.resolution}")
        if self.latent_dim < 1:
            raise ValueError(f"latent_dim must be ≥ 1, got {self.latent_dim}")


class VAE(HasEncoder, nn.Module, Pretrained):
    """encode: images → (μ, log σ²); decode: z → images in [-1, 1]; ``decode_logits`` for the loss."""

    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        self.encoder = conv_encoder(config)
        self.to_mu = nn.Linear(config.hidden, config.latent_dim)
        self.to_logvar = nn.Linear(config.hidden, config.latent_dim)
        self.decoder_in, self.decoder = conv_decoder(config)

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

    @batchable  # a room's concurrent clicks on the plane share one pass (explorer.batching)
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Mean of p_θ(x|z), mapped to [-1, 1] (Bernoulli and Gaussian: sigmoid of the logits)."""
        return 2 * torch.sigmoid(self.decode_logits(z)) - 1

    def reconstruction_nll(self, logits: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        """−log p_θ(x|z) per image under this model's likelihood (``reconstruction_nll``)."""
        return reconstruction_nll(logits, images, self.config.likelihood)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(Bernoulli logits of the reconstruction, μ, log σ²)."""
        mu, logvar = self.encode(images)
        return self.decode_logits(self.reparameterize(mu, logvar)), mu, logvar

    def generate(self, latent: torch.Tensor) -> torch.Tensor:
        device = next(self.parameters()).device
        return self.decode(latent.to(device=device, dtype=torch.float32))


@dataclass
class AutoencoderConfig(VAEConfig):
    """The VAE's networks without q's variance: the same fields, the same defaults."""


class Autoencoder(nn.Module, Pretrained):
    """A plain autoencoder: z = f(x) (deterministic, no prior), x̂ = g(z); trained on −log p(x|x̂) alone.

    Not a ``LatentGenerator``: its code has no prior to sample from, which is the point of showing it.
    """

    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        self.config = config
        self.encoder = conv_encoder(config)
        self.to_mu = nn.Linear(config.hidden, config.latent_dim)  # the code z = f(x)
        self.decoder_in, self.decoder = conv_decoder(config)

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def resolution(self) -> int:
        return self.config.resolution

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """The code z = f(x) of images in [-1, 1]: a point, not a distribution."""
        return self.to_mu(self.encoder(images))

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        n = z.shape[0]
        h = self.decoder_in(z).view(n, 4 * self.config.width, 4, 4)  # (n, 4w, 4, 4)
        return self.decoder(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """g(z) in [-1, 1]."""
        device = next(self.parameters()).device
        return 2 * torch.sigmoid(self.decode_logits(z.to(device=device, dtype=torch.float32))) - 1

    def reconstruction_nll(self, logits: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        return reconstruction_nll(logits, images, self.config.likelihood)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits of the reconstruction, the code z)."""
        z = self.encode(images)
        return self.decode_logits(z), z


@dataclass
class ConditionalVAEConfig(VAEConfig):
    num_classes: int = 10  # y is one-hot; q(z|x, y) and p(x|z, y) both see it

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be ≥ 2, got {self.num_classes}")


class ConditionalVAE(nn.Module, Pretrained):
    """encode(x, y) → (μ, log σ²); decode(z, y) → images in [-1, 1]; y: class indices (n,).

    The VAE's networks with y appended to the encoder's features and to the decoder's input. Listed only by the
    VAE tab's *Conditional VAE* (it is neither a ``HasEncoder`` nor a ``ClassConditional`` GAN)."""

    def __init__(self, config: ConditionalVAEConfig):
        super().__init__()
        self.config = config
        self.encoder = conv_encoder(config)
        self.to_mu = nn.Linear(config.hidden + config.num_classes, config.latent_dim)
        self.to_logvar = nn.Linear(config.hidden + config.num_classes, config.latent_dim)
        self.decoder_in, self.decoder = conv_decoder(replace(config, latent_dim=config.latent_dim + config.num_classes))

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def resolution(self) -> int:
        return self.config.resolution

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    def one_hot(self, labels: torch.Tensor) -> torch.Tensor:
        labels = torch.as_tensor(labels, device=next(self.parameters()).device).long()
        if labels.min() < 0 or labels.max() >= self.config.num_classes:
            raise ValueError(f"class indices must be in [0, {self.config.num_classes}), got {labels.tolist()}")
        return F.one_hot(labels, self.config.num_classes).float()

    def encode(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q_φ(z|x, y) = N(μ, diag exp(log σ²))."""
        h = torch.cat([self.encoder(images), self.one_hot(labels)], dim=1)  # (n, hidden + classes)
        return self.to_mu(h), self.to_logvar(h)

    def decode_logits(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        n = z.shape[0]
        h = self.decoder_in(torch.cat([z, self.one_hot(labels)], dim=1))
        return self.decoder(h.view(n, 4 * self.config.width, 4, 4))  # (n, 4w, 4, 4) → (n, c, 32, 32)

    def decode(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean of p_θ(x|z, y) in [-1, 1]."""
        device = next(self.parameters()).device
        return 2 * torch.sigmoid(self.decode_logits(z.to(device=device, dtype=torch.float32), labels)) - 1

    def reconstruction_nll(self, logits: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        return reconstruction_nll(logits, images, self.config.likelihood)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(logits of the reconstruction, μ, log σ²)."""
        mu, logvar = self.encode(images, labels)
        return self.decode_logits(VAE.reparameterize(mu, logvar), labels), mu, logvar
