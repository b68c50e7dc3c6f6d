"""BigGAN-deep generator (Brock et al., arXiv:1809.11096, Appendix B), inference only.

Reads the public ImageNet release in the format of ``pytorch-pretrained-biggan`` (``config.json`` +
``pytorch_model.bin``, e.g. the Hub repo ``osanseviero/BigGAN-deep-128``) through
``from_pretrained_biggan_state``. The module names follow that format so the conversion is only:

* spectral norm folded at load: each ``weight_orig`` is divided by σ = uᵀ W v with the stored power-
  iteration vectors u, v (what ``torch.nn.utils.spectral_norm`` computes in eval mode), so the
  model has plain weights and no power-iteration state;
* the batch-norm statistics stay as released: for each of ``n_stats`` truncation values in [0, 1]
  the means and variances the TF-Hub module measured at that truncation. ``forward`` picks them by
  the truncation it is given, blending the two nearest entries with the same weights as the
  reference implementation (weight ``frac`` on the lower entry), so outputs match it.

Sampling follows the release: z = truncation · TN(−2, 2) (``latent.scaled_truncated_normal``) and
the same truncation selects the batch-norm statistics.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from explorer import latent as latent_math
from explorer.models.base import ClassConditional, Pretrained
from explorer.models.folder import load_strict

DEEP_128_LAYERS = [
    [False, 16, 16],
    [True, 16, 16],
    [False, 16, 16],
    [True, 16, 8],
    [False, 8, 8],
    [True, 8, 4],
    [False, 4, 4],
    [True, 4, 2],
    [False, 2, 2],
    [True, 2, 1],
]


def imagenet_class_names() -> list[str]:
    """The 1 000 ImageNet-1k class names in index order (torchvision's metadata; no download)."""
    from torchvision.models import ResNet50_Weights

    return list(ResNet50_Weights.IMAGENET1K_V1.meta["categories"])


@dataclass
class BigGANDeepConfig:
    """The fields of ``pytorch-pretrained-biggan``'s config.json, plus class names."""

    output_dim: int = 128
    z_dim: int = 128
    class_embed_dim: int = 128  # kept for the format; the release embeds classes into z_dim
    channel_width: int = 128
    num_classes: int = 1000
    layers: list = field(default_factory=lambda: [list(layer) for layer in DEEP_128_LAYERS])  # [up?, in×, out×]
    attention_layer_position: int = 8
    eps: float = 1e-4
    n_stats: int = 51
    class_names: list[str] = field(default_factory=list)  # empty: ImageNet names when 1000 classes

    def __post_init__(self) -> None:
        self.layers = [[bool(up), int(a), int(b)] for up, a, b in self.layers]
        ups = sum(up for up, _, _ in self.layers)
        if 4 * 2**ups != self.output_dim:
            raise ValueError(f"{ups} upsampling blocks give {4 * 2**ups}² images, not {self.output_dim}²")
        for _, a, b in self.layers:
            if b not in (a, a // 2) or self.channel_width * a < 4:
                raise ValueError(f"block {a}→{b}: a block keeps or halves its width, and needs ≥ 4 channels in")
        if self.class_names and len(self.class_names) != self.num_classes:
            raise ValueError(f"{len(self.class_names)} class names for {self.num_classes} classes")

    @property
    def latent_dim(self) -> int:
        return self.z_dim

    @property
    def resolution(self) -> int:
        return self.output_dim


class TruncatedBatchNorm(nn.Module):
    """Batch norm with released statistics per truncation value; class-conditional gain and bias."""

    def __init__(self, channels: int, cond_dim: int | None, n_stats: int, eps: float):
        super().__init__()
        self.eps, self.step = eps, 1.0 / (n_stats - 1)
        self.register_buffer("running_means", torch.zeros(n_stats, channels))
        self.register_buffer("running_vars", torch.ones(n_stats, channels))
        self.conditional = cond_dim is not None
        if self.conditional:
            self.scale = nn.Linear(cond_dim, channels, bias=False)  # gain = 1 + scale(cond)
            self.offset = nn.Linear(cond_dim, channels, bias=False)
        else:
            self.weight = nn.Parameter(torch.ones(channels))
            self.bias = nn.Parameter(torch.zeros(channels))

    def statistics(self, truncation: float) -> tuple[torch.Tensor, torch.Tensor]:
        frac, index = math.modf(truncation / self.step)
        index = int(index)
        if frac == 0.0:
            return self.running_means[index], self.running_vars[index]
        # the reference's blend (weight frac on the lower entry), kept so outputs match the release
        mean = self.running_means[index] * frac + self.running_means[index + 1] * (1 - frac)
        var = self.running_vars[index] * frac + self.running_vars[index + 1] * (1 - frac)
        return mean, var

    def forward(self, x: torch.Tensor, truncation: float, cond: torch.Tensor | None = None) -> torch.Tensor:
        mean, var = self.statistics(truncation)
        x = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps)
        if self.conditional:
            return x * (1 + self.scale(cond))[:, :, None, None] + self.offset(cond)[:, :, None, None]
        return x * self.weight[None, :, None, None] + self.bias[None, :, None, None]


class SelfAttn(nn.Module):
    """SAGAN self-attention with 2× max-pooled keys and values (Zhang et al., arXiv:1805.08318)."""

    def __init__(self, channels: int):
        super().__init__()
        self.snconv1x1_theta = nn.Conv2d(channels, channels // 8, 1, bias=False)
        self.snconv1x1_phi = nn.Conv2d(channels, channels // 8, 1, bias=False)
        self.snconv1x1_g = nn.Conv2d(channels, channels // 2, 1, bias=False)
        self.snconv1x1_o_conv = nn.Conv2d(channels // 2, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        theta = self.snconv1x1_theta(x).view(n, c // 8, h * w)
        phi = F.max_pool2d(self.snconv1x1_phi(x), 2).view(n, c // 8, h * w // 4)
        attention = torch.softmax(theta.transpose(1, 2) @ phi, dim=-1)  # (n, hw, hw/4)
        g = F.max_pool2d(self.snconv1x1_g(x), 2).view(n, c // 2, h * w // 4)
        out = (g @ attention.transpose(1, 2)).view(n, c // 2, h, w)
        return x + self.gamma * self.snconv1x1_o_conv(out)


class GenBlock(nn.Module):
    """BigGAN-deep residual block: 1×1 bottleneck, two 3×3 convs, 1×1 expansion; channel-drop skip."""

    def __init__(self, in_size: int, out_size: int, cond_dim: int, up: bool, n_stats: int, eps: float):
        super().__init__()
        middle = in_size // 4
        self.up, self.drop_channels = up, in_size != out_size
        self.bn_0 = TruncatedBatchNorm(in_size, cond_dim, n_stats, eps)
        self.conv_0 = nn.Conv2d(in_size, middle, 1)
        self.bn_1 = TruncatedBatchNorm(middle, cond_dim, n_stats, eps)
        self.conv_1 = nn.Conv2d(middle, middle, 3, padding=1)
        self.bn_2 = TruncatedBatchNorm(middle, cond_dim, n_stats, eps)
        self.conv_2 = nn.Conv2d(middle, middle, 3, padding=1)
        self.bn_3 = TruncatedBatchNorm(middle, cond_dim, n_stats, eps)
        self.conv_3 = nn.Conv2d(middle, out_size, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor, truncation: float) -> torch.Tensor:
        h = self.conv_0(F.relu(self.bn_0(x, truncation, cond)))
        h = F.relu(self.bn_1(h, truncation, cond))
        if self.up:
            h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = self.conv_1(h)
        h = self.conv_2(F.relu(self.bn_2(h, truncation, cond)))
        h = self.conv_3(F.relu(self.bn_3(h, truncation, cond)))
        skip = x[:, : x.shape[1] // 2] if self.drop_channels else x
        if self.up:
            skip = F.interpolate(skip, scale_factor=2, mode="nearest")
        return h + skip


class Generator(nn.Module):
    def __init__(self, config: BigGANDeepConfig):
        super().__init__()
        ch, cond_dim = config.channel_width, 2 * config.z_dim
        self.width = ch
        self.gen_z = nn.Linear(cond_dim, 4 * 4 * 16 * ch)
        layers: list[nn.Module] = []
        for i, (up, a, b) in enumerate(config.layers):
            if i == config.attention_layer_position:
                layers.append(SelfAttn(ch * a))
            layers.append(GenBlock(ch * a, ch * b, cond_dim, up, config.n_stats, config.eps))
        self.layers = nn.ModuleList(layers)
        self.bn = TruncatedBatchNorm(ch, None, config.n_stats, config.eps)
        self.conv_to_rgb = nn.Conv2d(ch, ch, 3, padding=1)  # the release keeps ch maps; RGB = the first 3

    def forward(self, cond: torch.Tensor, truncation: float) -> torch.Tensor:
        # the release's dense layer is laid out for TF's NHWC: reshape as (n, 4, 4, C), then to NCHW
        x = self.gen_z(cond).view(-1, 4, 4, 16 * self.width).permute(0, 3, 1, 2).contiguous()
        for layer in self.layers:
            x = layer(x, cond, truncation) if isinstance(layer, GenBlock) else layer(x)
        x = self.conv_to_rgb(F.relu(self.bn(x, truncation)))
        return torch.tanh(x[:, :3])


class BigGANDeep(ClassConditional, nn.Module, Pretrained):
    """(z, class vector, truncation) → RGB images in [-1, 1]; the ``biggan-deep`` zoo family."""

    def __init__(self, config: BigGANDeepConfig):
        super().__init__()
        self.config = config
        self.embeddings = nn.Linear(config.num_classes, config.z_dim, bias=False)
        self.generator = Generator(config)

    @property
    def latent_dim(self) -> int:
        return self.config.z_dim

    @property
    def resolution(self) -> int:
        return self.config.output_dim

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    @property
    def class_names(self) -> list[str]:
        if self.config.class_names:
            return list(self.config.class_names)
        if self.num_classes == 1000:
            return imagenet_class_names()
        return [str(i) for i in range(self.num_classes)]

    def class_index(self, name: str) -> int:
        names = self.class_names
        if name in names:
            return names.index(name)
        if name.isdigit() and int(name) < self.num_classes:
            return int(name)
        raise ValueError(f"unknown class {name!r}; examples: {', '.join(names[:8])}, …")

    @staticmethod
    def check_truncation(truncation: float | None) -> float:
        t = 1.0 if truncation is None else min(float(truncation), 1.0)  # thresholds above 1: no truncation
        if not 0 < t <= 1:
            raise ValueError(f"BigGAN-deep truncation must be in (0, 1], got {truncation}")
        return t

    def sample_latent(self, n: int, seed: int, truncation: float | None = None) -> torch.Tensor:
        """z = truncation · TN(−2, 2), as the release samples (row i from seed + i)."""
        return latent_math.scaled_truncated_normal(n, seed, (self.config.z_dim,), self.check_truncation(truncation))

    def forward(self, z: torch.Tensor, class_vector: torch.Tensor, truncation: float = 1.0) -> torch.Tensor:
        cond = torch.cat([z, self.embeddings(class_vector)], dim=1)
        return self.generator(cond, truncation)

    def generate(
        self,
        latent: torch.Tensor,
        classes: torch.Tensor | Sequence[int | str] | None = None,
        truncation: float | None = 1.0,
    ) -> torch.Tensor:
        device = self.embeddings.weight.device
        vectors = self.class_vectors(latent.shape[0], classes)
        return self(latent.to(device, torch.float32), vectors.to(device), self.check_truncation(truncation))


def fold_spectral_norm(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Replace every ``X.weight_orig`` (+ ``X.weight_u``, ``X.weight_v``) by ``X.weight`` = W / (uᵀ W v)."""
    folded: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if key.endswith((".weight_u", ".weight_v")):
            continue
        if key.endswith(".weight_orig"):
            stem = key[: -len("_orig")]
            u, v = state.get(stem + "_u"), state.get(stem + "_v")
            if u is None or v is None:
                raise ValueError(f"{key} has no power-iteration vectors {stem}_u / {stem}_v")
            weight = value.float()
            sigma = torch.dot(u.float(), weight.reshape(weight.shape[0], -1) @ v.float())
            folded[stem] = weight / sigma
        else:
            folded[key] = value
    return folded


def config_from_pretrained_biggan(fields: dict) -> BigGANDeepConfig:
    """Our config from a ``pytorch-pretrained-biggan`` config.json (unknown keys are an error)."""
    known = {f for f in BigGANDeepConfig.__dataclass_fields__}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValueError(f"not a pytorch-pretrained-biggan config: unknown keys {unknown}")
    return BigGANDeepConfig(**fields)


def from_pretrained_biggan_state(state: dict[str, torch.Tensor], config: BigGANDeepConfig) -> BigGANDeep:
    """Our model from a ``pytorch-pretrained-biggan`` state dict, loaded strictly (every key, every shape)."""
    model = BigGANDeep(config)
    state = fold_spectral_norm(state)
    load_strict(model, state, "not a BigGAN-deep state dict for this config")
    return model.eval()
