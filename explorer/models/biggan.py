"""A small class-conditional BigGAN and its projection discriminator.

Brock, Donahue & Simonyan, "Large Scale GAN Training for High Fidelity Natural Image Synthesis",
arXiv:1809.11096. The ideas kept, at 32×32:
  * a shared class embedding (a linear map of a one-hot or soft class vector, so class
    interpolation is a convex mix of vectors);
  * hierarchical latents: z is split into chunks, the first feeds the 4×4 linear projection, each
    later chunk joins the class embedding to condition one residual block;
  * conditional batch norm: per block, gain 1 + W_γ[c; z_k] and bias W_β[c; z_k];
  * one self-attention block (SAGAN, Zhang et al., arXiv:1805.08318) at 16×16, γ initialised to 0;
  * spectral norm (Miyato et al., arXiv:1802.05957) on every conv/linear of G and D;
  * a projection discriminator (Miyato & Koyama, arXiv:1802.05637): D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩;
  * the truncation trick: z drawn from a normal truncated at a threshold (values beyond it resampled).
Left out: the "deep" bottleneck blocks, the 2× channel multipliers of the full model.
"""

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from explorer.data import FASHION_MNIST_CLASSES
from explorer.models.base import ClassConditional, LatentGenerator, Pretrained
from explorer.models.hooks import thread_pre_hooks


@dataclass
class BigGANConfig:
    latent_dim: int = 80  # size of z, split into num_blocks + 1 equal chunks
    embed_dim: int = 32  # size of the shared class embedding
    class_names: list[str] = field(default_factory=lambda: list(FASHION_MNIST_CLASSES))
    channels: int = 1  # image channels
    resolution: int = 32  # 32: three up-sampling blocks from 4×4
    width: int = 32  # base feature maps; blocks use 4w → 2w → w
    attention_resolution: int = 16  # resolution of the self-attention block (0 = none)

    def __post_init__(self) -> None:
        if self.resolution != 32:
            raise ValueError(f"resolution must be 32, got {self.resolution}")
        if self.latent_dim % (self.num_blocks + 1):
            raise ValueError(f"latent_dim must be a multiple of {self.num_blocks + 1} (one chunk per block + 1)")
        if len(self.class_names) < 2:
            raise ValueError("a class-conditional model needs at least 2 classes")

    @property
    def num_blocks(self) -> int:
        return 3

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def chunk(self) -> int:
        return self.latent_dim // (self.num_blocks + 1)


def sn_conv(in_channels: int, out_channels: int, kernel: int) -> nn.Module:
    return spectral_norm(nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2))


def sn_linear(in_features: int, out_features: int, bias: bool = True) -> nn.Module:
    return spectral_norm(nn.Linear(in_features, out_features, bias=bias))


class ConditionalBatchNorm(nn.Module):
    """BN without affine parameters, then gain 1 + γ(cond) and bias β(cond) per channel."""

    def __init__(self, channels: int, cond_dim: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.gain = sn_linear(cond_dim, channels, bias=False)
        self.bias = sn_linear(cond_dim, channels, bias=False)

    def gain_and_bias(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(γ, β) per sample and channel: γ = 1 + W_γ·cond, β = W_β·cond, each (n, channels)."""
        return 1 + self.gain(cond), self.bias(cond)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        gain, bias = self.gain_and_bias(cond)
        return self.bn(x) * gain[:, :, None, None] + bias[:, :, None, None]


class SelfAttention(nn.Module):
    """SAGAN attention: o = γ · W_o(softmax(θ(x)ᵀ φ(x)) g(x)) + x, with φ and g max-pooled 2×."""

    def __init__(self, channels: int):
        super().__init__()
        self.theta = spectral_norm(nn.Conv2d(channels, channels // 8, 1, bias=False))
        self.phi = spectral_norm(nn.Conv2d(channels, channels // 8, 1, bias=False))
        self.g = spectral_norm(nn.Conv2d(channels, channels // 2, 1, bias=False))
        self.o = spectral_norm(nn.Conv2d(channels // 2, channels, 1, bias=False))
        self.gamma = nn.Parameter(torch.zeros(()))

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """β = softmax over keys of θ(x_query)ᵀ φ(x_key): (n, hw queries, hw/4 keys on the 2×-pooled grid);
        each row sums to 1 (SAGAN eq. 1)."""
        n, c, h, w = x.shape
        theta = self.theta(x).view(n, c // 8, h * w)  # (n, c/8, hw)
        phi = F.max_pool2d(self.phi(x), 2).view(n, c // 8, h * w // 4)  # (n, c/8, hw/4)
        return torch.softmax(theta.transpose(1, 2) @ phi, dim=-1)  # (n, hw, hw/4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        attention = self.weights(x)  # (n, hw, hw/4)
        g = F.max_pool2d(self.g(x), 2).view(n, c // 2, h * w // 4)  # (n, c/2, hw/4)
        out = (g @ attention.transpose(1, 2)).view(n, c // 2, h, w)  # (n, c/2, h, w)
        return x + self.gamma * self.o(out)


class GeneratorBlock(nn.Module):
    """CBN → ReLU → 2× up → conv3 → CBN → ReLU → conv3, plus up → conv1 skip (BigGAN Fig. 15b)."""

    def __init__(self, in_channels: int, out_channels: int, cond_dim: int):
        super().__init__()
        self.bn0 = ConditionalBatchNorm(in_channels, cond_dim)
        self.conv0 = sn_conv(in_channels, out_channels, 3)
        self.bn1 = ConditionalBatchNorm(out_channels, cond_dim)
        self.conv1 = sn_conv(out_channels, out_channels, 3)
        self.skip = sn_conv(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = F.interpolate(F.relu(self.bn0(x, cond)), scale_factor=2)
        h = self.conv1(F.relu(self.bn1(self.conv0(h), cond)))
        return h + self.skip(F.interpolate(x, scale_factor=2))


class BigGANGenerator(LatentGenerator, ClassConditional, nn.Module, Pretrained):
    """(z, class vector) → images in [-1, 1]."""

    def __init__(self, config: BigGANConfig):
        super().__init__()
        self.config = config
        w, chunk = config.width, config.chunk
        widths = [4 * w, 4 * w, 2 * w, w]  # at 4, 8, 16, 32
        cond_dim = config.embed_dim + chunk
        self.class_embedding = nn.Linear(config.num_classes, config.embed_dim, bias=False)  # shared
        self.project = sn_linear(chunk, widths[0] * 16)
        self.blocks = nn.ModuleList(
            GeneratorBlock(a, b, cond_dim) for a, b in zip(widths[:-1], widths[1:], strict=True)
        )
        self.attention_after = (
            [4 * 2 ** (i + 1) for i in range(3)].index(config.attention_resolution)
            if config.attention_resolution
            else -1
        )
        channels_at_attention = widths[self.attention_after + 1] if self.attention_after >= 0 else 0
        self.attention = SelfAttention(channels_at_attention) if self.attention_after >= 0 else nn.Identity()
        self.out_bn = nn.BatchNorm2d(w)
        self.out_conv = sn_conv(w, config.channels, 3)

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    @property
    def class_names(self) -> list[str]:
        return list(self.config.class_names)

    def forward(self, z: torch.Tensor, class_vector: torch.Tensor) -> torch.Tensor:
        n = z.shape[0]
        chunks = z.split(self.config.chunk, dim=1)  # hierarchical z: one chunk per stage
        embed = self.class_embedding(class_vector)  # (n, embed_dim)
        x = self.project(chunks[0]).view(n, -1, 4, 4)  # (n, 4w, 4, 4)
        for i, block in enumerate(self.blocks):
            x = block(x, torch.cat([embed, chunks[i + 1]], dim=1))
            if i == self.attention_after:
                x = self.attention(x)
        return torch.tanh(self.out_conv(F.relu(self.out_bn(x))))  # (n, channels, 32, 32)

    def chunk_names(self) -> list[str]:
        """What each chunk of z conditions: chunk 0 the 4×4 projection, chunk k the block k − 1 (its output side)."""
        sides = [4 * 2 ** (i + 1) for i in range(self.config.num_blocks)]
        return ["4×4 projection"] + [f"block {i + 1} (→ {s}×{s})" for i, s in enumerate(sides)]

    def with_chunk(self, z: torch.Tensor, index: int, values: torch.Tensor) -> torch.Tensor:
        """A copy of ``z`` whose chunk ``index`` (``config.chunk`` values) is ``values``; the other chunks are kept."""
        if not 0 <= index <= self.config.num_blocks:
            raise ValueError(f"chunk must be between 0 and {self.config.num_blocks}, got {index}")
        start = index * self.config.chunk
        out = z.clone()
        out[:, start : start + self.config.chunk] = values
        return out

    def conditioning(self, z: torch.Tensor, class_vector: torch.Tensor) -> list[torch.Tensor]:
        """The vector [embed(y); z_k] that conditions each block's batch norms, one (n, embed_dim + chunk) per block."""
        chunks = z.split(self.config.chunk, dim=1)
        embed = self.class_embedding(class_vector)  # (n, embed_dim)
        return [torch.cat([embed, chunks[i + 1]], dim=1) for i in range(len(self.blocks))]

    def attention_maps(self, z: torch.Tensor, class_vector: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(images, attention weights (n, hw, hw/4) of the self-attention block) for one forward pass.

        The weights are read by a hook on the block's input, so the images are exactly ``self(z, class_vector)``;
        the hook sees only this thread's pass (the app renders other views from the same model at the same time)."""
        if self.attention_after < 0:
            raise ValueError("this BigGAN has no self-attention block (attention_resolution = 0)")
        captured: list[torch.Tensor] = []
        with thread_pre_hooks([self.attention], lambda module, args: captured.append(module.weights(args[0]))):
            images = self(z, class_vector)
        return images, captured[0]


class DiscriminatorBlock(nn.Module):
    """ReLU → conv3 → ReLU → conv3 → 2× avg-pool, plus conv1 → avg-pool skip (BigGAN Fig. 15c)."""

    def __init__(self, in_channels: int, out_channels: int, *, first: bool = False):
        super().__init__()
        self.first = first
        self.conv0 = sn_conv(in_channels, out_channels, 3)
        self.conv1 = sn_conv(out_channels, out_channels, 3)
        self.skip = sn_conv(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.first else F.relu(x)
        h = F.avg_pool2d(self.conv1(F.relu(self.conv0(h))), 2)
        return h + self.skip(F.avg_pool2d(x, 2))


class BigGANDiscriminator(nn.Module):
    """Projection discriminator: logit = ψ(φ(x)) + ⟨embed(y), φ(x)⟩ with φ(x) the sum-pooled features."""

    def __init__(self, config: BigGANConfig, width: int = 64):
        super().__init__()
        self.blocks = nn.Sequential(
            DiscriminatorBlock(config.channels, width, first=True),  # 16×16
            DiscriminatorBlock(width, width),  # 8×8
            DiscriminatorBlock(width, width),  # 4×4
        )
        self.linear = sn_linear(width, 1)
        self.embed = spectral_norm(nn.Linear(config.num_classes, width, bias=False))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """φ(x): the sum-pooled features, (n, width)."""
        return F.relu(self.blocks(images)).sum(dim=(2, 3))  # (n, width)

    def class_scores(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(ψ(φ(x)) (n,), ⟨embed(e_y), φ(x)⟩ for every class y (n, num_classes)): the logit for class y is their sum."""
        features = self.features(images)
        classes = torch.eye(self.embed.in_features, device=images.device)
        return self.linear(features).flatten(), features @ self.embed(classes).T  # (n,), (n, num_classes)

    def forward(self, images: torch.Tensor, class_vector: torch.Tensor) -> torch.Tensor:
        features = self.features(images)  # (n, width)
        projection = (self.embed(class_vector) * features).sum(dim=1)
        return self.linear(features).flatten() + projection  # (n,)
