"""A small StyleGAN2-style generator and its residual discriminator.

Karras et al., "A Style-Based Generator Architecture for GANs" (StyleGAN, arXiv:1812.04948) and
"Analyzing and Improving the Image Quality of StyleGAN" (StyleGAN2, arXiv:1912.04958). The ideas:
  * a mapping network z → w (MLP, here ≤ 8 layers) whose output styles every synthesis layer;
    ``w_avg`` tracks the mean w for the truncation trick w' = w_avg + ψ(w − w_avg);
  * synthesis starts from a learned constant 4×4 input; each layer is affine(w) → modulated 3×3
    conv with weight demodulation (StyleGAN2's replacement of AdaIN) → + per-pixel noise scaled by a
    learned per-channel strength → bias + leaky ReLU;
  * skip architecture: every resolution adds its RGB (here grey) output to the upsampled sum;
  * one w per layer (``ws``), so style mixing is overwriting rows of ``ws``.
Left out: path-length regularisation, the blur filter (bilinear upsampling instead), fp16, and the
separate w for toRGB layers (each toRGB uses the w of the last conv of its resolution).
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from explorer.models.base import Pretrained, StyleGenerator


@dataclass
class StyleGANConfig:
    latent_dim: int = 64  # size of z
    w_dim: int = 64  # size of w (the style vector)
    mapping_layers: int = 4  # depth of the mapping MLP (StyleGAN: 8)
    channels: int = 1  # image channels
    resolution: int = 32  # output side, a power of two ≥ 8
    width: int = 64  # feature maps at every resolution
    mapping_lr_mul: float = 0.01  # learning-rate multiplier of the mapping network (StyleGAN)
    w_avg_beta: float = 0.995  # decay of the tracked w_avg

    def __post_init__(self) -> None:
        if self.resolution < 8 or self.resolution & (self.resolution - 1):
            raise ValueError(f"resolution must be a power of two ≥ 8, got {self.resolution}")
        if not 1 <= self.mapping_layers <= 8:
            raise ValueError(f"mapping_layers must be between 1 and 8, got {self.mapping_layers}")

    @property
    def resolutions(self) -> list[int]:
        """4, 8, …, resolution."""
        return [2**i for i in range(2, int(math.log2(self.resolution)) + 1)]


def lrelu(x: torch.Tensor) -> torch.Tensor:
    """Leaky ReLU (0.2) with StyleGAN's gain √2, which keeps the activations' scale."""
    return F.leaky_relu(x, 0.2) * math.sqrt(2)


class EqualLinear(nn.Module):
    """Linear layer with equalised learning rate: weights ~ N(0, 1/lr_mul²), scaled by lr_mul/√in at run time."""

    def __init__(self, in_features: int, out_features: int, *, bias_init: float = 0.0, lr_mul: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init)) / lr_mul)
        self.scale = lr_mul / math.sqrt(in_features)
        self.lr_mul = lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1]} → {self.weight.shape[0]}, lr_mul={self.lr_mul}"


class EqualConv2d(nn.Module):
    """Conv with equalised learning rate: weights ~ N(0, 1), scaled by 1/√(in·k²) at run time."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, *, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.scale = 1 / math.sqrt(in_channels * kernel * kernel)
        self.padding = kernel // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)

    def extra_repr(self) -> str:
        out, c, k, _ = self.weight.shape
        return f"{c} → {out}, {k}×{k}"


class MappingNetwork(nn.Module):
    """z → w: normalise z to the unit sphere ×√d, then ``mapping_layers`` × (EqualLinear → lrelu)."""

    def __init__(self, config: StyleGANConfig):
        super().__init__()
        dims = [config.latent_dim] + [config.w_dim] * config.mapping_layers
        self.layers = nn.ModuleList(
            EqualLinear(a, b, lr_mul=config.mapping_lr_mul) for a, b in zip(dims[:-1], dims[1:], strict=True)
        )
        self.register_buffer("w_avg", torch.zeros(config.w_dim))
        self.w_avg_beta = config.w_avg_beta

    def forward(self, z: torch.Tensor, *, update_w_avg: bool = False) -> torch.Tensor:
        x = z * torch.rsqrt(z.pow(2).mean(dim=1, keepdim=True) + 1e-8)  # pixel norm
        for layer in self.layers:
            x = lrelu(layer(x))
        if update_w_avg:
            self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        return x  # (n, w_dim)


class ModulatedConv2d(nn.Module):
    """Conv whose weights are scaled per input channel by the style s = affine(w) and then demodulated.

    w'_{ijk} = s_i · w_{ijk};  w''_{ijk} = w'_{ijk} / √(Σ_{i,k} w'²_{ijk} + ε)   (StyleGAN2, eqs. 1–3)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int,
        w_dim: int,
        *,
        demodulate: bool = True,
        upsample: bool = False,
    ):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)  # styles start at 1
        self.scale = 1 / math.sqrt(in_channels * kernel * kernel)
        self.demodulate, self.upsample, self.padding = demodulate, upsample, kernel // 2

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        # Computed as StyleGAN2's non-fused path: scale the input channels by s, convolve with the
        # shared weight, scale the output channels by the demodulation coefficients. The same
        # numbers as modulating the weights per sample, but one batched conv instead of a grouped one.
        styles = self.affine(w)  # (n, c)
        weight = self.weight * self.scale  # (out, c, k, k)
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        out = F.conv2d(x * styles[:, :, None, None], weight, padding=self.padding)  # (n, out, h, w)
        if self.demodulate:
            demod = torch.rsqrt(styles.pow(2) @ weight.pow(2).sum(dim=(2, 3)).T + 1e-8)  # (n, out)
            out = out * demod[:, :, None, None]
        return out

    def extra_repr(self) -> str:
        out, c, k, _ = self.weight.shape
        return f"{c} → {out}, {k}×{k}, demodulate={self.demodulate}, upsample={self.upsample}"


class SynthesisLayer(nn.Module):
    """affine(w) → modulated conv → + noise · strength → + bias → lrelu."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, *, upsample: bool):
        super().__init__()
        self.resolution = resolution
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, w_dim, upsample=upsample)
        self.register_buffer("noise_const", torch.randn(1, 1, resolution, resolution))
        self.noise_strength = nn.Parameter(torch.zeros(out_channels))  # learned, per channel
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise: torch.Tensor | None, strength: float) -> torch.Tensor:
        x = self.conv(x, w)
        if noise is not None:
            x = x + noise * (self.noise_strength[None, :, None, None] * strength)
        return lrelu(x + self.bias[None, :, None, None])


class ToImage(nn.Module):
    """Modulated 1×1 conv without demodulation → image channels (StyleGAN2's toRGB)."""

    def __init__(self, in_channels: int, channels: int, w_dim: int):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self.conv(x, w) + self.bias[None, :, None, None]


class SynthesisNetwork(nn.Module):
    """ws (n, num_ws, w_dim) → images. Layer i uses ws[:, i]; ``ws_resolutions[i]`` is its resolution."""

    def __init__(self, config: StyleGANConfig):
        super().__init__()
        c = config.width
        self.const = nn.Parameter(torch.randn(c, 4, 4))
        layers, to_images = (
            [SynthesisLayer(c, c, config.w_dim, 4, upsample=False)],
            [ToImage(c, config.channels, config.w_dim)],
        )
        for resolution in config.resolutions[1:]:
            layers.append(SynthesisLayer(c, c, config.w_dim, resolution, upsample=True))
            layers.append(SynthesisLayer(c, c, config.w_dim, resolution, upsample=False))
            to_images.append(ToImage(c, config.channels, config.w_dim))
        self.layers = nn.ModuleList(layers)
        self.to_images = nn.ModuleList(to_images)

    @property
    def num_ws(self) -> int:
        return len(self.layers)

    @property
    def ws_resolutions(self) -> list[int]:
        return [layer.resolution for layer in self.layers]

    def forward(self, ws: torch.Tensor, noises: list[torch.Tensor | None], strengths: list[float]) -> torch.Tensor:
        n = ws.shape[0]
        x = self.const[None].expand(n, -1, -1, -1)  # (n, c, 4, 4)
        image = None
        block = 0
        for i, layer in enumerate(self.layers):
            x = layer(x, ws[:, i], noises[i], strengths[i])
            last_of_resolution = i + 1 == len(self.layers) or self.layers[i + 1].resolution != layer.resolution
            if last_of_resolution:
                skip = self.to_images[block](x, ws[:, i])
                image = (
                    skip
                    if image is None
                    else F.interpolate(image, scale_factor=2, mode="bilinear", align_corners=False) + skip
                )
                block += 1
        return image  # (n, channels, resolution, resolution)


class StyleGANGenerator(StyleGenerator, nn.Module, Pretrained):
    """Mapping + synthesis; each callable alone so that the UI can mix styles and control noise."""

    def __init__(self, config: StyleGANConfig):
        super().__init__()
        self.config = config
        self.mapping_network = MappingNetwork(config)
        self.synthesis_network = SynthesisNetwork(config)

    @property
    def num_ws(self) -> int:
        return self.synthesis_network.num_ws

    @property
    def ws_resolutions(self) -> list[int]:
        """The resolution each row of ``ws`` styles, e.g. [4, 8, 8, 16, 16, 32, 32] at 32²."""
        return self.synthesis_network.ws_resolutions

    @property
    def w_avg(self) -> torch.Tensor:
        return self.mapping_network.w_avg

    def mapping(
        self,
        z: torch.Tensor,
        truncation_psi: float = 1.0,
        truncation_cutoff: int | None = None,
        *,
        update_w_avg: bool = False,
    ) -> torch.Tensor:
        """z (n, latent_dim) → ws (n, num_ws, w_dim); truncation w_avg + ψ(w − w_avg) on the first
        ``truncation_cutoff`` rows (all when None)."""
        return self.broadcast(self.mapping_network(z, update_w_avg=update_w_avg), truncation_psi, truncation_cutoff)

    @property
    def noise_resolutions(self) -> list[int]:
        return self.ws_resolutions  # one synthesis layer, with its noise input, per ws row

    def stored_noise(self) -> list[torch.Tensor]:
        return [layer.noise_const for layer in self.synthesis_network.layers]

    def synthesis(
        self,
        ws: torch.Tensor,
        noise_mode: str = "const",
        noise_strength: float | list[float] = 1.0,
        noise_seed: int = 0,
    ) -> torch.Tensor:
        """ws → images; ``noise_strength`` scales each layer's learned strength (one float or one per layer)."""
        n = ws.shape[0]
        strengths = self.row_strengths(ws, noise_strength)
        if noise_mode == "random" and self.training:
            noises = [torch.randn(n, 1, r, r, device=ws.device) for r in self.ws_resolutions]
        else:
            noises = self.noise_maps(n, noise_mode, noise_seed)
        return self.synthesis_network(ws, noises, strengths)

    def forward(self, z: torch.Tensor, truncation_psi: float = 1.0, noise_mode: str = "random") -> torch.Tensor:
        return self.synthesis(self.mapping(z, truncation_psi), noise_mode=noise_mode)


class DiscriminatorBlock(nn.Module):
    """Residual block: two 3×3 convs, 2× average-pool; 1×1 skip; (main + skip)/√2 (StyleGAN2 Fig. 7)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, in_channels, 3)
        self.conv1 = EqualConv2d(in_channels, out_channels, 3)
        self.skip = EqualConv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.skip(F.avg_pool2d(x, 2))
        x = F.avg_pool2d(lrelu(self.conv1(lrelu(self.conv0(x)))), 2)
        return (x + skip) / math.sqrt(2)


class StyleGANDiscriminator(nn.Module):
    """images → logits: fromRGB, residual blocks down to 4×4, minibatch std, conv, dense (all equalised)."""

    def __init__(self, config: StyleGANConfig, width: int = 64):
        super().__init__()
        self.from_image = EqualConv2d(config.channels, width, 1)
        self.blocks = nn.Sequential(*[DiscriminatorBlock(width, width) for _ in config.resolutions[1:]])
        self.conv = EqualConv2d(width + 1, width, 3)
        self.fc = EqualLinear(width * 16, width)
        self.out = EqualLinear(width, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.blocks(lrelu(self.from_image(images)))  # (n, width, 4, 4)
        n = x.shape[0]
        group = min(4, n) if n % min(4, n) == 0 else 1
        std = x.view(group, -1, *x.shape[1:]).std(dim=0, unbiased=False).mean(dim=(1, 2, 3))  # (n/group,)
        std = std.repeat(group)[:, None, None, None].expand(n, 1, 4, 4)  # minibatch standard deviation
        x = lrelu(self.conv(torch.cat([x, std], dim=1)))
        return self.out(lrelu(self.fc(x.flatten(1)))).flatten()  # (n,)
