"""ProGAN: a GAN that grows, 4² → 8² → 16² → 32², fading each new resolution in.

Karras, Aila, Laine & Lehtinen, "Progressive Growing of GANs for Improved Quality, Stability, and Variation",
arXiv:1710.10196. Training starts with G and D working on 4×4 images. Each new resolution is added to both
networks as a block, faded in over a phase: during a fade at level ℓ (resolution 4·2^ℓ) the output is

    x_ℓ(α) = (1 − α) · upsample(toRGB_{ℓ−1}(h_{ℓ−1})) + α · toRGB_ℓ(block_ℓ(h_{ℓ−1})),

so at α = 0 it is exactly the previous resolution's image, upsampled (nearest), and at α = 1 the new block's
alone; D mirrors it with fromRGB layers and 2× average pooling. Phases alternate fade and stabilise, each
``phase_images`` images long (``stage_at``). The paper's other parts are here too: equalised learning rate
(the layers of ``explorer.models.stylegan``), pixelwise feature normalisation in G, D's minibatch standard
deviation, WGAN-GP with a drift term (``trainers.progan``).

The generator carries how far it has grown (the ``stage`` buffer: level and α), saved with its weights, so a
checkpoint of a run stopped at 16² generates 16² images (shown upsampled to the model's resolution), not the
untrained 32² block's noise. ``synthesize(z, level, alpha)`` renders any stage it has weights for.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from explorer.models.base import Pretrained, Unconditional
from explorer.models.stylegan import EqualConv2d, EqualLinear


@dataclass
class ProGANConfig:
    latent_dim: int = 128
    channels: int = 1
    resolution: int = 32  # the last stage's side: 4·2^L
    width: int = 64  # feature maps at 4² and 8², halved at each level above (the paper: 512, halving above 32²)

    def __post_init__(self) -> None:
        level = math.log2(self.resolution) - 2 if self.resolution > 0 else -1
        if level < 1 or level != int(level):
            raise ValueError(
                f"ProGAN grows from 4² by doubling: the resolution must be 8, 16, 32, …, got {self.resolution}"
            )
        if self.latent_dim < 1 or self.width < 1 or self.channels not in (1, 3):
            raise ValueError("need latent_dim ≥ 1, width ≥ 1 and 1 or 3 channels")

    def width_at(self, level: int) -> int:
        """Feature maps at ``level``: ``width`` up to 8², then halved per level (at least 8)."""
        return max(8, self.width >> max(0, level - 1))

    @property
    def max_level(self) -> int:
        """The last level: resolution = 4·2^max_level."""
        return int(math.log2(self.resolution)) - 2


def side(level: int) -> int:
    """The image side at ``level``: 4, 8, 16, …"""
    return 4 * 2**level


def stage_at(images: int, phase_images: int, max_level: int) -> tuple[int, float]:
    """(level, α) after ``images`` training images: 4² stabilises for one phase, then each level fades in over a
    phase (α from 0 to 1) and stabilises for another; the last level stays once reached."""
    if phase_images < 1:
        raise ValueError(f"phase_images must be ≥ 1, got {phase_images}")
    phase, within = divmod(max(0, int(images)), phase_images)
    level = (phase + 1) // 2
    if level > max_level:
        return max_level, 1.0
    fading = phase % 2 == 1
    return level, (within / phase_images if fading else 1.0)


def phase_starts(phase_images: int, max_level: int) -> list[tuple[int, str]]:
    """(images, label) where each phase begins: "4²", "8² fade-in", "8²", …"""
    starts = [(0, f"{side(0)}²")]
    for level in range(1, max_level + 1):
        starts.append(((2 * level - 1) * phase_images, f"{side(level)}² fade-in"))
        starts.append((2 * level * phase_images, f"{side(level)}²"))
    return starts


def fade(lower: torch.Tensor, new: torch.Tensor, alpha: float) -> torch.Tensor:
    """(1 − α)·lower + α·new, exactly ``lower`` at α = 0 and ``new`` at α = 1, in the wider of the two dtypes (under
    CUDA autocast the upsampled branch is fp32 and the convolved one bf16, which ``torch.lerp`` refuses)."""
    return (1.0 - alpha) * lower + alpha * new


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Each pixel's feature vector scaled to unit mean square (ProGAN §4.2)."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


def lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


class GrowBlock(nn.Module):
    """G's block of one level: 2× nearest upsampling, two 3×3 convs, each with leaky ReLU and pixel norm."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, out_channels, 3)
        self.conv1 = EqualConv2d(out_channels, out_channels, 3)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        h = F.interpolate(h, scale_factor=2, mode="nearest")
        return pixel_norm(lrelu(self.conv1(pixel_norm(lrelu(self.conv0(h))))))


class ProGANGenerator(Unconditional, nn.Module, Pretrained):
    """z → images: 4×4 from a dense layer, one ``GrowBlock`` per level, a 1×1 toRGB per level."""

    def __init__(self, config: ProGANConfig):
        super().__init__()
        self.config = config
        width = config.width
        self.dense = EqualLinear(config.latent_dim, width * 16)
        self.conv = EqualConv2d(width, width, 3)
        levels = range(1, config.max_level + 1)
        self.blocks = nn.ModuleList(GrowBlock(config.width_at(i - 1), config.width_at(i)) for i in levels)
        self.to_image = nn.ModuleList(
            EqualConv2d(config.width_at(i), config.channels, 1) for i in range(config.max_level + 1)
        )
        self.register_buffer("stage", torch.tensor([float(config.max_level), 1.0]))  # grown to: level, α

    @property
    def level(self) -> int:
        return int(self.stage[0])

    @property
    def alpha(self) -> float:
        return float(self.stage[1])

    def grow_to(self, level: int, alpha: float) -> None:
        self.stage.copy_(torch.tensor([float(self._level(level)), float(alpha)]))

    def _level(self, level: int) -> int:
        if not 0 <= int(level) <= self.config.max_level:
            raise ValueError(f"level must be in [0, {self.config.max_level}] (4² … {self.config.resolution}²)")
        return int(level)

    def synthesize(self, z: torch.Tensor, level: int, alpha: float = 1.0) -> torch.Tensor:
        """Images at ``side(level)``² (unclamped): the new block faded in by ``alpha`` ∈ [0, 1]."""
        level = self._level(level)
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"α must be in [0, 1], got {alpha}")
        h = self.dense(pixel_norm(z)).view(z.shape[0], self.config.width, 4, 4)
        h = pixel_norm(lrelu(self.conv(pixel_norm(lrelu(h)))))
        previous = h
        for block in self.blocks[:level]:
            previous, h = h, block(h)
        image = self.to_image[level](h)
        if level > 0 and alpha < 1.0:
            lower = F.interpolate(self.to_image[level - 1](previous), scale_factor=2, mode="nearest")
            image = fade(lower, image, float(alpha))
        return image

    def forward(self, z: torch.Tensor, level: int | None = None, alpha: float | None = None) -> torch.Tensor:
        """Images at the stage grown to (or the one asked), upsampled (nearest) to the model's resolution."""
        level = self.level if level is None else level
        alpha = self.alpha if alpha is None else alpha
        return upsample_to(self.synthesize(z, level, alpha), self.config.resolution)

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] at the model's resolution, from the stage it has grown to."""
        device = next(self.parameters()).device
        return self(z.to(device=device, dtype=torch.float32)).clamp(-1, 1)


def upsample_to(images: torch.Tensor, resolution: int) -> torch.Tensor:
    factor = resolution // images.shape[-1]
    return images if factor == 1 else F.interpolate(images, scale_factor=factor, mode="nearest")


def downsample_to(images: torch.Tensor, resolution: int) -> torch.Tensor:
    """Average-pooled to ``resolution`` (how D sees real images at a lower level)."""
    factor = images.shape[-1] // resolution
    return images if factor == 1 else F.avg_pool2d(images, factor)


class ShrinkBlock(nn.Module):
    """D's block of one level: two 3×3 convs with leaky ReLU, 2× average pooling."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, in_channels, 3)
        self.conv1 = EqualConv2d(in_channels, out_channels, 3)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(lrelu(self.conv1(lrelu(self.conv0(h)))), 2)


class ProGANDiscriminator(nn.Module):
    """images at ``side(level)``² → scores: fromRGB, the blocks down to 4×4, minibatch std, conv, dense."""

    def __init__(self, config: ProGANConfig):
        super().__init__()
        self.config = config
        width = config.width
        self.from_image = nn.ModuleList(
            EqualConv2d(config.channels, config.width_at(i), 1) for i in range(config.max_level + 1)
        )
        levels = range(1, config.max_level + 1)  # blocks[ℓ−1]: 4·2^ℓ → half the side, level ℓ's maps → ℓ−1's
        self.blocks = nn.ModuleList(ShrinkBlock(config.width_at(i), config.width_at(i - 1)) for i in levels)
        self.conv = EqualConv2d(width + 1, width, 3)
        self.dense = EqualLinear(width * 16, width)
        self.out = EqualLinear(width, 1)

    def forward(self, images: torch.Tensor, level: int | None = None, alpha: float = 1.0) -> torch.Tensor:
        level = self.config.max_level if level is None else int(level)
        h = lrelu(self.from_image[level](images))
        if level > 0:
            h = self.blocks[level - 1](h)
            if alpha < 1.0:
                lower = lrelu(self.from_image[level - 1](F.avg_pool2d(images, 2)))
                h = fade(lower, h, float(alpha))
        for block in reversed(self.blocks[: level - 1] if level > 1 else []):
            h = block(h)
        n = h.shape[0]
        group = min(4, n) if n % min(4, n) == 0 else 1
        std = h.view(group, -1, *h.shape[1:]).std(dim=0, unbiased=False).mean(dim=(1, 2, 3))
        std = std.repeat(group)[:, None, None, None].expand(n, 1, 4, 4)  # minibatch standard deviation
        h = lrelu(self.conv(torch.cat([h, std], dim=1)))
        return self.out(lrelu(self.dense(h.flatten(1)))).flatten()
