"""StyleGAN2-ADA's generator in the layout of NVIDIA's ``stylegan2-ada-pytorch`` (its ``.pkl`` releases).

Karras et al., "Training Generative Adversarial Networks with Limited Data" (StyleGAN2-ADA, arXiv:2006.06676) on
StyleGAN2 (arXiv:1912.04958). A network pickle of that code (``explorer.stylegan_pickle`` reads it as data)
converts through ``from_network``: the constructor's kwargs give our config, every tensor of ``G_ema`` maps onto a
tensor of ours with the same name (``mapping.`` → ``mapping_network.``, ``synthesis.`` → ``synthesis_network.``) and
shape, and every kwarg that changes the computation is read or refused (``config_from_kwargs``).

The maths is rosinality's StyleGAN2 (``explorer.models.stylegan2``): the same FIR ``upfirdn2d`` (ours, plain
PyTorch), up-sampling as a stride-2 transposed convolution followed by the filter, demodulation, leaky ReLU × √2,
the [1, 3, 3, 1] skip up-sampling, ``w_avg``. Where NVIDIA's code differs, this module follows it:

* the mapping may take z and w of different sizes, with ``layer_features`` hidden units;
* the ``skip`` (as rosinality), ``resnet`` (a 1×1 up-sampled shortcut, both paths × √½, one ToRGB at the end) and
  ``orig`` (no skips, one ToRGB at the end) synthesis architectures;
* ``conv_clamp``: each layer's output clamped to ±conv_clamp (× its gain), ToRGB's too;
* noise: one scalar ``noise_strength`` and one ``noise_const`` map (res × res) per layer, added after demodulation;
* the up-sampling filters are the stored ``resample_filter`` buffers, each used where NVIDIA's code uses it;
* the modulated convolution is not scaled by 1/√(in·k²) (demodulation cancels it; ToRGB scales its styles);
* blocks NVIDIA runs in fp16 on a GPU (``num_fp16_res``) are computed in fp32 here: our images equal theirs with
  ``force_fp32=True``. Class-conditional generators (``c_dim > 0``) are refused.
"""

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from explorer import preview_size
from explorer.models.base import Pretrained, StyleGenerator
from explorer.models.folder import ZooError, load_strict
from explorer.models.stylegan2 import upfirdn2d

ACTIVATIONS = {  # bias_act's functions: (f(x, alpha), default alpha, default gain)
    "linear": (lambda x, a: x, 0.0, 1.0),
    "relu": (lambda x, a: F.relu(x), 0.0, math.sqrt(2)),
    "lrelu": (lambda x, a: F.leaky_relu(x, a), 0.2, math.sqrt(2)),
    "tanh": (lambda x, a: torch.tanh(x), 0.0, 1.0),
    "sigmoid": (lambda x, a: torch.sigmoid(x), 0.0, 1.0),
    "elu": (lambda x, a: F.elu(x), 0.0, 1.0),
    "selu": (lambda x, a: F.selu(x), 0.0, 1.0),
    "softplus": (lambda x, a: F.softplus(x), 0.0, 1.0),
    "swish": (lambda x, a: torch.sigmoid(x) * x, 0.0, math.sqrt(2)),
}
ARCHITECTURES = ("orig", "skip", "resnet")
DEFAULT_FILTER = [1, 3, 3, 1]


@dataclass
class StyleGAN2ADAConfig:
    z_dim: int = 512  # size of z
    w_dim: int = 512  # size of w
    resolution: int = 256  # output side, a power of two ≥ 4 (NVIDIA's img_resolution)
    img_channels: int = 3  # 3 = RGB, 1 = greyscale
    mapping_layers: int = 8  # depth of the mapping MLP
    mapping_features: int = 0  # its hidden width, 0 = w_dim
    mapping_lr_multiplier: float = 0.01  # learning-rate multiplier, folded into the weights at run time
    mapping_activation: str = "lrelu"
    channel_base: int = 32768  # feature maps at resolution r: min(channel_base // r, channel_max)
    channel_max: int = 512
    architecture: str = "skip"  # "orig" | "skip" | "resnet"
    conv_clamp: float | None = None  # clamp every layer's output to ±conv_clamp, None = no clamp
    resample_filter: list[float] = field(default_factory=lambda: [1, 3, 3, 1])  # FIR taps of every up-sampling
    kernel_size: int = 3  # of the synthesis convolutions
    activation: str = "lrelu"  # of the synthesis layers
    use_noise: bool = True  # layers have noise inputs

    def __post_init__(self) -> None:
        if self.resolution < 4 or self.resolution & (self.resolution - 1):
            raise ValueError(f"resolution must be a power of two ≥ 4, got {self.resolution}")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {self.architecture!r}")
        for activation in (self.mapping_activation, self.activation):
            if activation not in ACTIVATIONS:
                raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
        if self.mapping_layers < 1:
            raise ValueError(f"mapping_layers must be ≥ 1, got {self.mapping_layers}")

    @property
    def latent_dim(self) -> int:
        return self.z_dim

    @property
    def block_resolutions(self) -> list[int]:
        return [2**i for i in range(2, int(math.log2(self.resolution)) + 1)]

    def channels(self, resolution: int) -> int:
        return min(self.channel_base // resolution, self.channel_max)


def fir_filter(taps: list[float]) -> torch.Tensor:
    """NVIDIA's ``setup_filter``: normalised to sum 1; outer product (2-D) below 8 taps, kept separable from 8."""
    f = torch.as_tensor(taps, dtype=torch.float32).reshape(-1)
    f = f if f.numel() >= 8 else torch.outer(f, f)
    return f / f.sum()


def filter_2d(f: torch.Tensor) -> torch.Tensor:
    """A stored filter as the 2-D kernel ``upfirdn2d`` takes (a separable one as its outer product)."""
    return f if f.ndim == 2 else torch.outer(f, f)


def bias_act(x: torch.Tensor, bias, activation: str, gain: float = 1.0, clamp: float | None = None) -> torch.Tensor:
    """act(x + b) · gain · (the activation's own gain), then clamped to ±clamp (NVIDIA's ``bias_act``)."""
    func, alpha, default_gain = ACTIVATIONS[activation]
    if bias is not None:
        x = x + bias.reshape([1, -1] + [1] * (x.ndim - 2))
    x = func(x, alpha)
    gain = gain * default_gain
    x = x * gain if gain != 1 else x
    return x.clamp(-clamp, clamp) if clamp is not None else x


def conv2d_resample(x: torch.Tensor, weight: torch.Tensor, f: torch.Tensor, up: int, padding: int) -> torch.Tensor:
    """Convolution with ``weight``, after ×``up`` FIR up-sampling when up > 1 (a transposed convolution then the
    filter with gain up², as NVIDIA's ``conv2d_resample``; the weight is convolved, not correlated, there)."""
    if up == 1:
        return F.conv2d(x, weight, padding=padding)
    kernel = filter_2d(f)
    fw, kw = kernel.shape[-1], weight.shape[-1]
    p0 = padding + (fw + up - 1) // 2 - (kw - 1)
    p1 = padding + (fw - up) // 2 - (kw - up)
    shared = max(min(-p0, -p1), 0)  # what the transposed convolution can crop itself
    x = F.conv_transpose2d(x, weight.transpose(0, 1), stride=up, padding=shared)
    return upfirdn2d(x, kernel * up**2, pad=(p0 + shared, p1 + shared))


def upsample2d(x: torch.Tensor, f: torch.Tensor, up: int = 2) -> torch.Tensor:
    """×``up`` FIR up-sampling with gain up² (NVIDIA's ``upsample2d``)."""
    kernel = filter_2d(f)
    fw = kernel.shape[-1]
    return upfirdn2d(x, kernel * up**2, up=up, pad=((fw + up - 1) // 2, (fw - up) // 2))


def modulated_conv2d(x, weight, styles, demodulate=True, up=1, padding=0, f=None) -> torch.Tensor:
    """s_i scales input channel i of each sample, then 1/√(Σ_{i,k} (w_oik·s_i)² + 1e-8) each output channel
    (StyleGAN2 eqs. 1–3), computed as one batched convolution: activations scaled before and after."""
    x = conv2d_resample(x * styles[:, :, None, None], weight, f, up, padding)  # (n, out, h·up, w·up)
    if demodulate:
        dcoefs = (styles.square() @ weight.square().sum(dim=(2, 3)).T + 1e-8).rsqrt()  # (n, out)
        x = x * dcoefs[:, :, None, None]
    return x


class FullyConnectedLayer(nn.Module):
    """x·(W·lr/√in)ᵀ + b·lr, then the activation (equalised learning rate)."""

    def __init__(self, in_features: int, out_features: int, activation="linear", lr_multiplier=1.0, bias_init=0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init)))
        self.activation = activation
        self.weight_gain, self.bias_gain = lr_multiplier / math.sqrt(in_features), lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return bias_act(x @ (self.weight * self.weight_gain).T, self.bias * self.bias_gain, self.activation)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1]} → {self.weight.shape[0]}, {self.activation}"


class MappingNetwork(nn.Module):
    """z → w: z normalised to its second moment, then ``mapping_layers`` fully connected layers; keeps ``w_avg``."""

    def __init__(self, config: StyleGAN2ADAConfig):
        super().__init__()
        hidden = config.mapping_features or config.w_dim
        dims = [config.z_dim] + [hidden] * (config.mapping_layers - 1) + [config.w_dim]
        for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
            layer = FullyConnectedLayer(a, b, config.mapping_activation, config.mapping_lr_multiplier)
            self.add_module(f"fc{i}", layer)
        self.num_layers = config.mapping_layers
        self.register_buffer("w_avg", torch.zeros(config.w_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = z * (z.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
        for i in range(self.num_layers):
            x = getattr(self, f"fc{i}")(x)
        return x  # (n, w_dim)


class SynthesisLayer(nn.Module):
    """affine(w) → modulated conv (↑2 for the first layer of a block) → + noise · strength → bias, act, clamp."""

    def __init__(self, in_ch: int, out_ch: int, resolution: int, config: StyleGAN2ADAConfig, up: int = 1):
        super().__init__()
        k = config.kernel_size
        self.resolution, self.up, self.padding = resolution, up, k // 2
        self.activation, self.conv_clamp, self.use_noise = config.activation, config.conv_clamp, config.use_noise
        # NVIDIA's block passes its filter to conv0 only; conv1 keeps the default, stored and never read (up = 1).
        self.register_buffer("resample_filter", fir_filter(config.resample_filter if up > 1 else DEFAULT_FILTER))
        self.affine = FullyConnectedLayer(config.w_dim, in_ch, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, k, k))
        if config.use_noise:
            self.register_buffer("noise_const", torch.randn(resolution, resolution))
            self.noise_strength = nn.Parameter(torch.zeros(()))
        self.bias = nn.Parameter(torch.zeros(out_ch))

    def forward(self, x, w, noise: torch.Tensor | None, strength: float, gain: float = 1.0) -> torch.Tensor:
        x = modulated_conv2d(x, self.weight, self.affine(w), True, self.up, self.padding, self.resample_filter)
        if self.use_noise and noise is not None:
            x = x + noise.reshape(-1, 1, self.resolution, self.resolution) * (self.noise_strength * strength)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias, self.activation, gain, clamp)

    def extra_repr(self) -> str:
        out, c, k, _ = self.weight.shape
        return f"{c} → {out}, {k}×{k}, {self.resolution}², up={self.up}, clamp={self.conv_clamp}"


class ToRGBLayer(nn.Module):
    """Modulated 1×1 conv without demodulation (styles × 1/√in) → image channels; bias, clamp."""

    def __init__(self, in_ch: int, config: StyleGAN2ADAConfig):
        super().__init__()
        self.conv_clamp = config.conv_clamp
        self.affine = FullyConnectedLayer(config.w_dim, in_ch, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(config.img_channels, in_ch, 1, 1))
        self.bias = nn.Parameter(torch.zeros(config.img_channels))
        self.weight_gain = 1 / math.sqrt(in_ch)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        x = modulated_conv2d(x, self.weight, self.affine(w) * self.weight_gain, demodulate=False)
        return bias_act(x, self.bias, "linear", clamp=self.conv_clamp)


class Conv2dLayer(nn.Module):
    """The resnet shortcut: 1×1 conv (weights × 1/√in) then ×2 FIR up-sampling, no bias, linear, × gain."""

    def __init__(self, in_ch: int, out_ch: int, config: StyleGAN2ADAConfig):
        super().__init__()
        self.register_buffer("resample_filter", fir_filter(config.resample_filter))
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, 1, 1))
        self.weight_gain = 1 / math.sqrt(in_ch)

    def forward(self, x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        return conv2d_resample(x, self.weight * self.weight_gain, self.resample_filter, up=2, padding=0) * gain


class SynthesisBlock(nn.Module):
    """One resolution: (const | ↑conv0) → conv1, and the image: skip = ↑image + ToRGB, resnet/orig = last ToRGB."""

    def __init__(self, in_ch: int, out_ch: int, resolution: int, config: StyleGAN2ADAConfig):
        super().__init__()
        self.in_ch, self.resolution, self.architecture = in_ch, resolution, config.architecture
        self.is_last = resolution == config.resolution
        self.register_buffer("resample_filter", fir_filter(config.resample_filter))
        if in_ch == 0:
            self.const = nn.Parameter(torch.randn(out_ch, resolution, resolution))
        else:
            self.conv0 = SynthesisLayer(in_ch, out_ch, resolution, config, up=2)
        self.conv1 = SynthesisLayer(out_ch, out_ch, resolution, config)
        self.num_conv = 1 if in_ch == 0 else 2
        self.num_torgb = int(self.is_last or config.architecture == "skip")
        if self.num_torgb:
            self.torgb = ToRGBLayer(out_ch, config)
        if in_ch != 0 and config.architecture == "resnet":
            self.skip = Conv2dLayer(in_ch, out_ch, config)

    def forward(self, x, image, ws: torch.Tensor, noises: list, strengths: list[float]):
        """ws (n, num_conv + num_torgb, w_dim): one row per conv layer, then ToRGB's (the next block's first)."""
        if self.in_ch == 0:
            x = self.conv1(self.const[None].expand(ws.shape[0], -1, -1, -1), ws[:, 0], noises[0], strengths[0])
        elif self.architecture == "resnet":  # (shortcut + main) · √½, the main path's gain folded into conv1
            y = self.skip(x, gain=math.sqrt(0.5))
            x = self.conv0(x, ws[:, 0], noises[0], strengths[0])
            x = y + self.conv1(x, ws[:, 1], noises[1], strengths[1], gain=math.sqrt(0.5))
        else:
            x = self.conv0(x, ws[:, 0], noises[0], strengths[0])
            x = self.conv1(x, ws[:, 1], noises[1], strengths[1])
        if image is not None:
            image = upsample2d(image, self.resample_filter)
        if self.num_torgb:
            y = self.torgb(x, ws[:, self.num_conv])
            image = y if image is None else image + y
        return x, image


class SynthesisNetwork(nn.Module):
    """ws (n, num_ws, w_dim) → image: blocks b4, b8, …; row i styles conv layer i, the last row the final ToRGB."""

    def __init__(self, config: StyleGAN2ADAConfig):
        super().__init__()
        self.resolutions = config.block_resolutions
        for r in self.resolutions:
            in_ch = config.channels(r // 2) if r > 4 else 0
            self.add_module(f"b{r}", SynthesisBlock(in_ch, config.channels(r), r, config))

    def blocks(self) -> list[SynthesisBlock]:
        return [getattr(self, f"b{r}") for r in self.resolutions]

    def layers(self) -> list[SynthesisLayer]:
        return [layer for block in self.blocks() for layer in (getattr(block, "conv0", None), block.conv1) if layer]

    def forward(self, ws: torch.Tensor, noises: list, strengths: list[float], last: int | None = None) -> torch.Tensor:
        """``last``: stop after that block (skip architecture only, where every block adds to the image)."""
        x = image = None
        row = 0
        for block in self.blocks():
            rows = slice(row, row + block.num_conv)
            x, image = block(
                x, image, ws[:, row : row + block.num_conv + block.num_torgb], noises[rows], strengths[rows]
            )
            row += block.num_conv
            if block.resolution == last:
                break
        return image  # (n, img_channels, img_resolution, img_resolution), or last² when stopped there


class StyleGAN2ADA(StyleGenerator, nn.Module, Pretrained):
    """NVIDIA's StyleGAN2-ADA ``Generator`` (inference, fp32), with our StyleGAN API; the ``stylegan2-ada`` family."""

    def __init__(self, config: StyleGAN2ADAConfig):
        super().__init__()
        self.config = config
        self.mapping_network = MappingNetwork(config)
        self.synthesis_network = SynthesisNetwork(config)

    @property
    def w_avg(self) -> torch.Tensor:
        return self.mapping_network.w_avg

    @property
    def num_ws(self) -> int:
        return len(self.synthesis_network.layers()) + 1

    @property
    def noise_resolutions(self) -> list[int]:
        return [layer.resolution for layer in self.synthesis_network.layers()]

    @property
    def ws_resolutions(self) -> list[int]:
        return self.noise_resolutions + [self.config.resolution]

    def stored_noise(self) -> list[torch.Tensor]:
        return [getattr(layer, "noise_const", None) for layer in self.synthesis_network.layers()]

    def mapping(self, z: torch.Tensor, truncation_psi: float = 1.0, truncation_cutoff: int | None = None):
        """z → ws (n, num_ws, w_dim), w_avg + ψ(w − w_avg) on the first ``truncation_cutoff`` rows (all: None)."""
        return self.broadcast(self.mapping_network(z), truncation_psi, truncation_cutoff)

    def synthesis(
        self,
        ws: torch.Tensor,
        noise_mode: str = "const",
        noise_strength: float | list[float] = 1.0,
        noise_seed: int = 0,
    ) -> torch.Tensor:
        """ws → images; ``noise_strength`` scales each layer's learned strength (one float or one per ws row). In a
        slider's preview (``explorer.preview_size``) the skip generator stops at the preview's resolution, the others
        are downsampled to it."""
        strengths = self.row_strengths(ws, noise_strength)
        noises = self.noise_maps(ws.shape[0], noise_mode, noise_seed)
        last = preview_size.block_resolution(self.config.resolution)
        if last is not None and self.config.architecture == "skip":
            return self.synthesis_network(ws, noises, strengths, last)
        return preview_size.downsample(self.synthesis_network(ws, noises, strengths))


# --- NVIDIA's kwargs → our config -----------------------------------------------------------------------------

GENERATOR_KWARGS = ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels")
IGNORED = {  # kwargs that change nothing in fp32 inference, and why
    "num_fp16_res": "fp16 blocks are computed in fp32",
    "fp16_channels_last": "a memory layout",
    "channels_last": "a memory layout",
    "w_avg_beta": "the decay of w_avg during training",
    "fused_modconv_default": "the same maths fused or not",
}


def config_from_kwargs(kwargs: dict) -> StyleGAN2ADAConfig:
    """Our config from a pickled ``Generator``'s init_kwargs; ``ZooError`` for a kwarg we do not compute."""
    kwargs = dict(kwargs)
    mapping = dict(kwargs.pop("mapping_kwargs", None) or {})
    synthesis = dict(kwargs.pop("synthesis_kwargs", None) or {})
    synthesis.update({k: kwargs.pop(k) for k in list(kwargs) if k not in GENERATOR_KWARGS})  # stylegan3's layout
    c_dim = kwargs.pop("c_dim", 0)
    if c_dim:
        raise ZooError(f"a class-conditional StyleGAN2-ADA generator (c_dim={c_dim}); only unconditional ones are read")
    if mapping.pop("w_avg_beta", 0.995) is None:
        raise ZooError("a StyleGAN2-ADA generator without w_avg (w_avg_beta=None): truncation needs it")
    mapping.pop("embed_features", None)  # the label embedding's width: used only with c_dim > 0
    clamp = synthesis.pop("conv_clamp", None)
    try:
        config = StyleGAN2ADAConfig(
            z_dim=int(kwargs.pop("z_dim")),
            w_dim=int(kwargs.pop("w_dim")),
            resolution=int(kwargs.pop("img_resolution")),
            img_channels=int(kwargs.pop("img_channels")),
            mapping_layers=int(mapping.pop("num_layers", 8)),
            mapping_features=int(mapping.pop("layer_features", None) or 0),
            mapping_lr_multiplier=float(mapping.pop("lr_multiplier", 0.01)),
            mapping_activation=mapping.pop("activation", "lrelu"),
            channel_base=int(synthesis.pop("channel_base", 32768)),
            channel_max=int(synthesis.pop("channel_max", 512)),
            architecture=synthesis.pop("architecture", "skip"),
            conv_clamp=None if clamp is None else float(clamp),
            resample_filter=[float(t) for t in synthesis.pop("resample_filter", [1, 3, 3, 1])],
            kernel_size=int(synthesis.pop("kernel_size", 3)),
            activation=synthesis.pop("activation", "lrelu"),
            use_noise=bool(synthesis.pop("use_noise", True)),
        )
    except KeyError as error:
        raise ZooError(f"a StyleGAN2-ADA generator without the kwarg {error}") from None
    except (TypeError, ValueError) as error:
        raise ZooError(f"a StyleGAN2-ADA generator with kwargs we do not read: {error}") from None
    unread = sorted(k for k in {**kwargs, **mapping, **synthesis} if k not in IGNORED)
    if unread:
        raise ZooError(f"a StyleGAN2-ADA generator with kwargs this converter does not compute: {', '.join(unread)}")
    return config


def from_network(kwargs: dict, tensors: dict[str, torch.Tensor]) -> StyleGAN2ADA:
    """Our generator from a pickled ``Generator``'s init_kwargs and tensors: every key and shape checked."""
    config = config_from_kwargs(kwargs)
    prefixes = {"mapping.": "mapping_network.", "synthesis.": "synthesis_network."}
    state = {}
    for key, tensor in tensors.items():
        head = next((p for p in prefixes if key.startswith(p)), None)
        state[prefixes[head] + key[len(head) :] if head else key] = tensor.float()
    try:
        model = load_strict(StyleGAN2ADA(config), state, "the pickle's generator does not match its kwargs")
    except ValueError as error:
        raise ZooError(str(error)) from None
    return model.eval()


def summary(config: StyleGAN2ADAConfig) -> str:
    """What the loader's Inspect says about the architecture."""
    clamp = f"conv_clamp {config.conv_clamp:g}" if config.conv_clamp is not None else "no conv_clamp"
    return (
        f"z ∈ R^{config.z_dim}, w ∈ R^{config.w_dim}, mapping depth {config.mapping_layers}, "
        f"architecture {config.architecture}, {clamp}, "
        f"channels {config.channels(4)}→{config.channels(config.resolution)}"
    )
