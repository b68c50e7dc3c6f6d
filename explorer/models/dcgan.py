"""DCGAN: deep convolutional GAN.

Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep Convolutional Generative
Adversarial Networks", arXiv:1511.06434. The paper's architecture rules, all followed here:
  1. strided convolutions (D) and fractionally-strided convolutions (G) instead of pooling;
  2. batch norm in both networks, except at the generator output and the discriminator input;
  3. no fully connected hidden layers (z is a 1×1 feature map that a 4×4 transposed conv projects);
  4. ReLU in G with tanh at the output; LeakyReLU (slope 0.2) in D;
  5. weights initialised from N(0, 0.02).
The discriminator returns a logit (no sigmoid): the losses work on logits for numerical stability.
Left out: nothing of the architecture; the paper's 64×64 model is ``resolution=64``. The generator's rules can be
switched off one at a time (``g_norm``, ``g_activation``, ``g_output``) to show what each is for.
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

from explorer.batching import batchable
from explorer.models.base import AffineLatentInput, Pretrained

G_CHOICES = {"g_norm": ("batch", "none"), "g_activation": ("relu", "leaky-relu"), "g_output": ("tanh", "sigmoid")}


@dataclass
class DCGANConfig:
    latent_dim: int = 100  # size of z (the paper uses 100)
    channels: int = 1  # image channels: 1 = Fashion-MNIST, 3 = CIFAR-10
    resolution: int = 32  # output side: 32 or 64
    g_width: int = 64  # generator channels at the last hidden layer; doubles per lower resolution
    d_width: int = 64  # discriminator channels at the first layer; doubles per lower resolution
    # the generator's architecture rules as switches (the lecture's "tricks"); the defaults are the paper's
    g_norm: str = "batch"  # "batch" (rule 2) or "none"
    g_activation: str = "relu"  # "relu" (rule 4) or "leaky-relu" (slope 0.2)
    g_output: str = "tanh"  # "tanh" (rule 4, data in [-1, 1]) or "sigmoid" (outputs in [0, 1]: half the range)

    def __post_init__(self) -> None:
        if self.resolution not in (32, 64):
            raise ValueError(f"resolution must be 32 or 64, got {self.resolution}")
        for name, choices in G_CHOICES.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}, got {getattr(self, name)!r}")
        for name in ("latent_dim", "channels", "g_width", "d_width"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be ≥ 1, got {getattr(self, name)}")

    @property
    def num_up(self) -> int:
        """Number of 2× stages between 4×4 and the output: log2(resolution / 4)."""
        return int(math.log2(self.resolution // 4))


def init_dcgan_weights(module: nn.Module) -> None:
    """DCGAN initialisation: conv weights ~ N(0, 0.02); batch-norm gains ~ N(1, 0.02), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(AffineLatentInput, nn.Module, Pretrained):
    """z (n, latent_dim) → images (n, channels, resolution, resolution) in [-1, 1]."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        widths = [config.g_width * 2 ** (config.num_up - 1 - i) for i in range(config.num_up)]
        # e.g. 32×32, g_width 64: 4×4×256 → 8×8×128 → 16×16×64 → 32×32×channels
        bias = config.g_norm == "none"  # a conv followed by batch norm needs no bias of its own

        def norm(width: int) -> nn.Module:
            return nn.BatchNorm2d(width) if config.g_norm == "batch" else nn.Identity()

        def activation() -> nn.Module:
            return nn.ReLU(inplace=True) if config.g_activation == "relu" else nn.LeakyReLU(0.2, inplace=True)

        layers: list[nn.Module] = [
            nn.ConvTranspose2d(config.latent_dim, widths[0], 4, 1, 0, bias=bias),  # 1×1 → 4×4
            norm(widths[0]),
            activation(),
        ]
        for width_in, width_out in zip(widths[:-1], widths[1:], strict=True):
            layers += [
                nn.ConvTranspose2d(width_in, width_out, 4, 2, 1, bias=bias),  # 2× upsample
                norm(width_out),
                activation(),
            ]
        output = nn.Tanh() if config.g_output == "tanh" else nn.Sigmoid()
        layers += [nn.ConvTranspose2d(widths[-1], config.channels, 4, 2, 1), output]  # no BN at output
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    @batchable  # a room's concurrent previews share one pass (explorer.batching)
    def forward(self, z: torch.Tensor) -> torch.Tensor:
        n, d = z.shape
        assert d == self.config.latent_dim, f"z has {d} dims, expected {self.config.latent_dim}"
        return self.net(z.view(n, d, 1, 1))  # (n, channels, resolution, resolution)

    def latent_layer(self):
        """The 1×1 → 4×4 transposed convolution z → h that opens ``net``."""
        first = self.net[0]
        return lambda z: first(z.view(*z.shape, 1, 1))

    def first_block(self):
        """Transposed conv → batch norm → ReLU: the 4×4 feature maps, flattened."""
        block = self.net[:3]
        return lambda z: block(z.view(*z.shape, 1, 1)).flatten(1)

    def generate(self, latent: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] for latents ``latent`` (moved to the model's device)."""
        device = next(self.parameters()).device
        return self(latent.to(device=device, dtype=torch.float32))


class DCGANDiscriminator(nn.Module):
    """images (n, channels, resolution, resolution) → real/fake logits (n,).

    ``norm``: "batch" (the paper) or "layer" (per-sample normalisation over C, H, W, for WGAN-GP,
    whose gradient penalty is taken per sample: Gulrajani et al. §4 drop batch norm in the critic).
    """

    def __init__(self, config: DCGANConfig, norm: str = "batch"):
        super().__init__()
        if norm not in ("batch", "layer"):
            raise ValueError(f"norm must be 'batch' or 'layer', got {norm!r}")
        self.config = config
        widths = [config.d_width * 2**i for i in range(config.num_up)]
        # e.g. 32×32, d_width 64: 32×32×channels → 16×16×64 → 8×8×128 → 4×4×256 → logit
        layers: list[nn.Module] = [
            nn.Conv2d(config.channels, widths[0], 4, 2, 1),  # no BN at the input
            nn.LeakyReLU(0.2, inplace=True),
        ]
        for width_in, width_out in zip(widths[:-1], widths[1:], strict=True):
            layers += [
                nn.Conv2d(width_in, width_out, 4, 2, 1, bias=False),  # 2× downsample
                nn.BatchNorm2d(width_out) if norm == "batch" else nn.GroupNorm(1, width_out),
                nn.LeakyReLU(0.2, inplace=True),
            ]
        layers += [nn.Conv2d(widths[-1], 1, 4, 1, 0)]  # 4×4 → 1×1 logit
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).flatten()  # (n,)
