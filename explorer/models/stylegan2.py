"""StyleGAN2 in the layout of rosinality's ``stylegan2-pytorch`` (the most shared public StyleGAN2 weights).

Karras et al., arXiv:1912.04958. A checkpoint of that project (``.pt`` with ``g_ema`` and
``latent_avg``, e.g. the converted official FFHQ/church/car models) loads through
``from_rosinality`` with every key mapped and every shape checked. The module names follow that
layout, so the conversion renames nothing; the operations are written here in plain PyTorch
(no CUDA extension): FIR up-sampling (``upfirdn2d`` with the [1, 3, 3, 1] filter), transposed
modulated convolutions followed by a blur, scalar noise strengths, biased leaky ReLU with gain √2.

It offers the same API as our own ``StyleGANGenerator`` (``mapping``, ``synthesis``, ``num_ws``,
``ws_resolutions``, ``w_avg``, ``generate``), so the style-mixing, interpolation and arithmetic
tabs work with it. ``ws`` has ``2·log2(size) − 2`` rows: row i styles conv layer i, and the last
row only the final ToRGB.
"""

import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from explorer.models.base import Pretrained, StyleGenerator
from explorer.models.folder import load_strict


def channel_widths(size: int, channel_multiplier: int = 2, channel_max: int = 512) -> list[int]:
    """rosinality's feature maps at 4, 8, …, size: 512 up to 32², then 16384·multiplier / resolution."""
    return [min(channel_max, 16384 * channel_multiplier // 2**i) for i in range(2, int(math.log2(size)) + 1)]


@dataclass
class StyleGAN2Config:
    size: int = 256
    style_dim: int = 512
    n_mlp: int = 8
    widths: list[int] = field(default_factory=list)  # feature maps at 4, 8, …, size (empty: multiplier 2)
    lr_mlp: float = 0.01
    blur_kernel: list[int] = field(default_factory=lambda: [1, 3, 3, 1])

    def __post_init__(self) -> None:
        if self.size < 8 or self.size & (self.size - 1):
            raise ValueError(f"size must be a power of two ≥ 8, got {self.size}")
        self.widths = [int(w) for w in self.widths] or channel_widths(self.size)
        if len(self.widths) != int(math.log2(self.size)) - 1:
            raise ValueError(f"need one width per resolution 4…{self.size}, got {len(self.widths)}")

    @property
    def latent_dim(self) -> int:
        return self.style_dim

    @property
    def resolution(self) -> int:
        return self.size


def fir_kernel(taps: list[int]) -> torch.Tensor:
    k = torch.tensor(taps, dtype=torch.float32)
    k = k[None, :] * k[:, None]
    return k / k.sum()


def upfirdn2d(x: torch.Tensor, kernel: torch.Tensor, up: int = 1, pad: tuple[int, int] = (0, 0)) -> torch.Tensor:
    """Up-sample by zero insertion, pad (negative = crop), then filter every channel with ``kernel`` (flipped)."""
    n, c, h, w = x.shape
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    p0, p1 = pad
    x = F.pad(x, [max(p0, 0), max(p1, 0), max(p0, 0), max(p1, 0)])
    x = x[:, :, max(-p0, 0) : x.shape[2] - max(-p1, 0), max(-p0, 0) : x.shape[3] - max(-p1, 0)]
    weight = torch.flip(kernel, [0, 1]).to(x)[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(x, weight, groups=c)


class Blur(nn.Module):
    def __init__(self, taps: list[int], pad: tuple[int, int], upsample_factor: int = 1):
        super().__init__()
        self.register_buffer("kernel", fir_kernel(taps) * upsample_factor**2)
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    def __init__(self, taps: list[int], factor: int = 2):
        super().__init__()
        self.register_buffer("kernel", fir_kernel(taps) * factor**2)
        p = len(taps) - factor
        self.factor, self.pad = factor, ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, up=self.factor, pad=self.pad)


class EqualLinear(nn.Module):
    """Linear with equalised learning rate; ``activation``: biased leaky ReLU × √2 (rosinality's fused op)."""

    def __init__(
        self, in_dim: int, out_dim: int, bias_init: float = 0.0, lr_mul: float = 1.0, activation: bool = False
    ):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_dim,), float(bias_init)))
        self.scale, self.lr_mul, self.activation = lr_mul / math.sqrt(in_dim), lr_mul, activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)
        return F.leaky_relu(out, 0.2) * math.sqrt(2) if self.activation else out


class ModulatedConv2d(nn.Module):
    """Weight scaled per sample by the style, demodulated; up-sampling = stride-2 transposed conv + blur."""

    def __init__(
        self, in_ch: int, out_ch: int, kernel: int, style_dim: int, demodulate=True, upsample=False, taps=None
    ):
        super().__init__()
        taps = taps or [1, 3, 3, 1]
        self.weight = nn.Parameter(torch.randn(1, out_ch, in_ch, kernel, kernel))
        self.modulation = EqualLinear(style_dim, in_ch, bias_init=1.0)
        self.scale, self.padding = 1 / math.sqrt(in_ch * kernel**2), kernel // 2
        self.demodulate, self.upsample = demodulate, upsample
        if upsample:
            p = (len(taps) - 2) - (kernel - 1)
            self.blur = Blur(taps, pad=((p + 1) // 2 + 1, p // 2 + 1), upsample_factor=2)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        weight = self.scale * self.weight[0]  # (out, in, k, k)
        style = self.modulation(w)  # (n, in)
        x = x * style[:, :, None, None]
        if self.upsample:
            out = self.blur(F.conv_transpose2d(x, weight.transpose(0, 1), stride=2))
        else:
            out = F.conv2d(x, weight, padding=self.padding)
        if self.demodulate:  # 1 / ‖w'‖ per sample and output channel, w' = w · style
            coefs = ((weight[None] * style[:, None, :, None, None]).square().sum((2, 3, 4)) + 1e-8).rsqrt()
            out = out * coefs[:, :, None, None]
        return out


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))  # one learned strength per layer


class FusedLeakyReLU(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x + self.bias[None, :, None, None], 0.2) * math.sqrt(2)


class StyledConv(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, style_dim: int, upsample: bool, taps: list[int]):
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, out_ch, 3, style_dim, upsample=upsample, taps=taps)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_ch)

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise: torch.Tensor | None, strength: float) -> torch.Tensor:
        out = self.conv(x, w)
        if noise is not None:
            out = out + self.noise.weight * strength * noise
        return self.activate(out)


class ToRGB(nn.Module):
    def __init__(self, in_ch: int, style_dim: int, upsample: bool, taps: list[int]):
        super().__init__()
        if upsample:
            self.upsample = Upsample(taps)
        self.conv = ModulatedConv2d(in_ch, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x: torch.Tensor, w: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
        out = self.conv(x, w) + self.bias
        return out if skip is None else out + self.upsample(skip)


class ConstantInput(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, 4, 4))


class StyleGAN2(StyleGenerator, nn.Module, Pretrained):
    """rosinality's ``Generator`` (inference), with our StyleGAN API; the ``stylegan2`` zoo family."""

    def __init__(self, config: StyleGAN2Config):
        super().__init__()
        self.config = config
        d, taps, widths = config.style_dim, config.blur_kernel, config.widths
        self.style = nn.Sequential(
            nn.Identity(),  # index 0 is PixelNorm (no weights), applied in ``mapping``
            *[EqualLinear(d, d, lr_mul=config.lr_mlp, activation=True) for _ in range(config.n_mlp)],
        )
        self.input = ConstantInput(widths[0])
        self.conv1 = StyledConv(widths[0], widths[0], d, False, taps)
        self.to_rgb1 = ToRGB(widths[0], d, False, taps)
        self.convs, self.to_rgbs, self.noises = nn.ModuleList(), nn.ModuleList(), nn.Module()
        for w_in, w_out in zip(widths[:-1], widths[1:], strict=True):
            self.convs.append(StyledConv(w_in, w_out, d, True, taps))
            self.convs.append(StyledConv(w_out, w_out, d, False, taps))
            self.to_rgbs.append(ToRGB(w_out, d, True, taps))
        for i, r in enumerate(self.noise_resolutions):
            self.noises.register_buffer(f"noise_{i}", torch.randn(1, 1, r, r))
        self.register_buffer("w_avg", torch.zeros(d))  # rosinality's ``latent_avg``

    @property
    def noise_resolutions(self) -> list[int]:
        """The resolution of each conv layer (one noise map each): 4, 8, 8, 16, 16, …"""
        return [4] + [2**i for i in range(3, int(math.log2(self.config.size)) + 1) for _ in range(2)]

    @property
    def num_ws(self) -> int:
        return 2 * int(math.log2(self.config.size)) - 2

    @property
    def ws_resolutions(self) -> list[int]:
        return self.noise_resolutions + [self.config.size]  # the last row styles only the final ToRGB

    def mapping(self, z: torch.Tensor, truncation_psi: float = 1.0, truncation_cutoff: int | None = None):
        """z → ws (n, num_ws, style_dim): PixelNorm, the MLP, truncation towards ``w_avg`` on the first rows."""
        z = z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)
        return self.broadcast(self.style(z), truncation_psi, truncation_cutoff)

    def stored_noise(self) -> list[torch.Tensor]:
        return [getattr(self.noises, f"noise_{i}") for i in range(len(self.noise_resolutions))]

    def synthesis(
        self,
        ws: torch.Tensor,
        noise_mode: str = "const",
        noise_strength: float | list[float] = 1.0,
        noise_seed: int = 0,
    ) -> torch.Tensor:
        n = ws.shape[0]
        strengths = self.row_strengths(ws, noise_strength)
        noise = self.noise_maps(n, noise_mode, noise_seed)
        x = self.input.input.repeat(n, 1, 1, 1)
        x = self.conv1(x, ws[:, 0], noise[0], strengths[0])
        skip = self.to_rgb1(x, ws[:, 1])
        i = 1
        for conv_a, conv_b, to_rgb in zip(self.convs[::2], self.convs[1::2], self.to_rgbs, strict=True):
            x = conv_a(x, ws[:, i], noise[i], strengths[i])
            x = conv_b(x, ws[:, i + 1], noise[i + 1], strengths[i + 1])
            skip = to_rgb(x, ws[:, i + 2], skip)
            i += 2
        return skip


def config_from_rosinality(state: dict[str, torch.Tensor]) -> StyleGAN2Config:
    """Infer size, style size, MLP depth and widths from a ``g_ema`` state dict."""
    n_mlp = sum(1 for k in state if k.startswith("style.") and k.endswith(".weight"))
    if "input.input" not in state or n_mlp == 0:
        raise ValueError("not a rosinality StyleGAN2 generator: no input.input / style.N.weight keys")
    n_up = sum(1 for k in state if k.startswith("to_rgbs.") and k.endswith(".conv.weight"))
    widths = [state["input.input"].shape[1]] + [state[f"convs.{2 * i}.conv.weight"].shape[1] for i in range(n_up)]
    return StyleGAN2Config(
        size=4 * 2**n_up, style_dim=state["style.1.weight"].shape[1], n_mlp=n_mlp, widths=[int(w) for w in widths]
    )


def from_rosinality(checkpoint: dict) -> StyleGAN2:
    """Our StyleGAN2 from a rosinality checkpoint dict (``g_ema`` + ``latent_avg``), strictly."""
    if "g_ema" not in checkpoint:
        raise ValueError(f"not a rosinality checkpoint: no 'g_ema' (keys: {sorted(checkpoint)[:6]})")
    state = dict(checkpoint["g_ema"])
    config = config_from_rosinality(state)
    model = StyleGAN2(config)
    latent_avg = checkpoint.get("latent_avg")
    state["w_avg"] = (latent_avg if latent_avg is not None else torch.zeros(config.style_dim)).reshape(-1)
    load_strict(model, state, "rosinality keys do not map")
    model.eval()
    if latent_avg is None:  # w̄ = 0 would pull ψ < 1 towards an arbitrary point: estimate it as upstream does
        model.w_avg.copy_(estimate_w_avg(model))
        model.w_avg_note = f"w̄ estimated as the mean of the mapping over {W_AVG_SAMPLES} z (the checkpoint has none)"
    return model


W_AVG_SAMPLES = 4096  # rosinality's generate.py: ``mean_latent = g_ema.mean_latent(4096)``


@torch.no_grad()
def estimate_w_avg(model: StyleGAN2, n: int = W_AVG_SAMPLES, seed: int = 0) -> torch.Tensor:
    """The mean of w = mapping(z) over ``n`` z ~ N(0, I) (seeded, so a conversion is reproducible)."""
    z = torch.randn(n, model.config.style_dim, generator=torch.Generator().manual_seed(seed))
    z = z.to(model.w_avg.device) * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)
    return model.style(z).mean(dim=0)
