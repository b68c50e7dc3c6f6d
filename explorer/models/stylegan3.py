"""StyleGAN3's generator (alias-free GAN), in the module layout of NVIDIA's ``networks_stylegan3.py``.

Karras et al., "Alias-Free Generative Adversarial Networks", arXiv:2106.12423. The T config (3×3
convolutions, separable Kaiser filters) and the R config (1×1 convolutions, radially symmetric
down-sampling filters) are the same network with different settings. What the paper changes from StyleGAN2:

- the constant 4×4 input becomes Fourier features (``SynthesisInput``): sinusoids of fixed random
  frequencies and phases, sampled on a grid that a per-image rotation + translation (from w) and a
  user ``transform`` move continuously: the image moves with them, to sub-pixel precision;
- every layer is a modulated convolution followed by a *filtered* leaky ReLU: up-sample ×2 with a
  low-pass filter, bias + leaky ReLU (which creates new high frequencies), low-pass filter, down-sample,
  so no frequency above the layer's cutoff survives and details cannot stick to the pixel grid;
- cutoffs, stopbands and sampling rates grow geometrically from the first layer to the last, and the
  last layers are critically sampled (cutoff = half the sampling rate, for sharper images);
- no noise inputs, no skip ToRGBs: one ToRGB at the end, the output scaled by ``output_scale``.

Module and buffer names equal NVIDIA's (``mapping.fc0``, ``synthesis.input``, ``synthesis.L3_36_32``), so a
converted state dict loads with every key mapped to itself (``from_nvidia``). The filters are designed here
from the kwargs as NVIDIA's ``SynthesisNetwork.__init__`` does, and the checkpoint's stored filters replace
them on load (the tests check the two agree). All operations are plain PyTorch (upfirdn as small matrix
products, the filtered leaky ReLU's reference math, no CUDA kernel); layers NVIDIA runs in fp16 on a GPU run
in fp32 here.
Left out: conditioning (``c_dim > 0`` is refused) and the training-time EMAs (``w_avg_beta``,
``magnitude_ema_beta`` only matter while training: the saved ``w_avg`` and ``magnitude_ema`` are used as is;
``trainers.stylegan3``, which trains this module, updates the two buffers itself).
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from explorer import preview_size
from explorer.models.base import Pretrained, StyleGenerator
from explorer.models.folder import load_strict


@dataclass
class StyleGAN3Config:
    z_dim: int = 512  # size of z
    w_dim: int = 512  # size of w
    img_resolution: int = 256  # output side in pixels
    img_channels: int = 3  # 3 = RGB
    mapping_layers: int = 2  # fully connected layers of the mapping network (NVIDIA's mapping_kwargs.num_layers)
    mapping_lr_multiplier: float = 0.01  # the mapping's equalised learning rate (scales its weights and biases)
    channel_base: int = 32768  # feature maps = min(channel_base / 2 / cutoff, channel_max); R doubles both
    channel_max: int = 512
    num_layers: int = 14  # synthesis layers, not counting the Fourier input and the ToRGB
    num_critical: int = 2  # critically sampled layers at the end
    first_cutoff: float = 2.0  # f_c of the first layer
    first_stopband: float = 2**2.1  # minimum stopband f_t of the first layer
    last_stopband_rel: float = 2**0.3  # the last layer's minimum stopband, relative to its cutoff
    margin_size: int = 10  # pixels computed outside the image on every side
    output_scale: float = 0.25  # the ToRGB output is multiplied by this
    num_fp16_res: int = 4  # NVIDIA runs these top resolutions in fp16 on a GPU; always fp32 here
    conv_kernel: int = 3  # 3 = the T config, 1 = the R config (the ToRGB is always 1×1)
    filter_size: int = 6  # low-pass taps per unit of the lower sampling rate when resampling
    lrelu_upsampling: int = 2  # the leaky ReLU runs at this multiple of the layer's sampling rate
    use_radial_filters: bool = False  # R: radially symmetric (jinc) down-sampling filters
    conv_clamp: float | None = 256  # clamp every layer's output to ±this; None = no clamp

    def __post_init__(self) -> None:
        if self.img_resolution < 4 or self.img_resolution & (self.img_resolution - 1):
            raise ValueError(f"img_resolution must be a power of two ≥ 4, got {self.img_resolution}")
        if not 0 <= self.num_critical < self.num_layers:
            raise ValueError(f"num_critical must be in [0, num_layers = {self.num_layers}), got {self.num_critical}")
        if self.conv_kernel < 1 or self.filter_size < 1 or self.lrelu_upsampling < 1 or self.mapping_layers < 1:
            raise ValueError("conv_kernel, filter_size, lrelu_upsampling and mapping_layers must be ≥ 1")

    @property
    def latent_dim(self) -> int:
        return self.z_dim

    @property
    def resolution(self) -> int:
        return self.img_resolution

    @property
    def channels(self) -> int:
        return self.img_channels  # the name the trainers' data loading reads


# --- NVIDIA's kwargs ------------------------------------------------------------------------------------

# Generator kwarg → our field; mapping_kwargs and SynthesisLayer kwargs are flattened into the same dict.
NVIDIA_KWARGS = {  # NVIDIA's names are ours, but for the mapping's (below)
    key: key
    for key in (
        *("z_dim", "w_dim", "img_resolution", "img_channels", "channel_base", "channel_max", "num_layers"),
        *("num_critical", "first_cutoff", "first_stopband", "last_stopband_rel", "margin_size", "output_scale"),
        *("num_fp16_res", "conv_kernel", "filter_size", "lrelu_upsampling", "use_radial_filters", "conv_clamp"),
    )
}
NVIDIA_MAPPING_KWARGS = {"num_layers": "mapping_layers", "lr_multiplier": "mapping_lr_multiplier"}
TRAINING_ONLY = {"magnitude_ema_beta", "w_avg_beta"}  # decays of EMAs updated while training: no effect on images


def config_from_nvidia(init_kwargs: dict) -> StyleGAN3Config:
    """Our config from the kwargs NVIDIA's ``Generator`` was built with (as its pickle records them).

    Every kwarg that changes an image is read; the EMA decays are ignored (training only); anything else,
    and a conditional generator (``c_dim > 0``), is refused with a ``ValueError`` naming it."""
    kwargs = dict(init_kwargs)
    c_dim = kwargs.pop("c_dim", 0)
    if c_dim:
        raise ValueError(f"a conditional StyleGAN3 (c_dim = {c_dim}) is not supported: only unconditional ones")
    mapping = dict(kwargs.pop("mapping_kwargs", None) or {})
    values = {}
    for source, table in ((kwargs, NVIDIA_KWARGS), (mapping, NVIDIA_MAPPING_KWARGS)):
        for key, value in source.items():
            if key in table:
                values[table[key]] = value
            elif key not in TRAINING_ONLY:
                where = "mapping_kwargs" if source is mapping else "Generator kwargs"
                raise ValueError(f"StyleGAN3 {where}: {key!r} = {value!r} is not understood, so it is refused")
    missing = [k for k in ("z_dim", "w_dim", "img_resolution", "img_channels") if k not in values]
    if missing:
        raise ValueError(f"StyleGAN3 Generator kwargs lack {', '.join(missing)}")
    return StyleGAN3Config(**values)


# --- Layer geometry -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerSpec:
    """One synthesis layer's sampling: index 0 … num_layers (the last is the ToRGB)."""

    name: str  # NVIDIA's attribute name, L{idx}_{out size}_{out channels}
    is_torgb: bool
    is_critically_sampled: bool
    in_channels: int
    out_channels: int
    in_size: int
    out_size: int
    in_sampling_rate: int
    out_sampling_rate: int
    in_cutoff: float
    out_cutoff: float
    in_half_width: float
    out_half_width: float


def geometry(config: StyleGAN3Config) -> tuple[dict, list[LayerSpec]]:
    """The Fourier input's settings and every layer's, from the config (paper Sec. 3.2 and App. F).

    Cutoffs f_c and minimum stopbands f_t grow geometrically from the first layer to the first critically
    sampled one and stay there; each sampling rate is the smallest power of two ≥ 2 f_t (at most the image
    resolution); the transition half-width f_h fills the rest to the stopband; every layer computes
    ``margin_size`` extra pixels per side, the last two none. The same float64 steps as NVIDIA's, so the
    filters designed from them are the same."""
    c = config
    last_cutoff = c.img_resolution / 2
    last_stopband = last_cutoff * c.last_stopband_rel
    exponents = np.minimum(np.arange(c.num_layers + 1) / (c.num_layers - c.num_critical), 1)
    cutoffs = c.first_cutoff * (last_cutoff / c.first_cutoff) ** exponents
    stopbands = c.first_stopband * (last_stopband / c.first_stopband) ** exponents
    sampling_rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2, c.img_resolution))))
    half_widths = np.maximum(stopbands, sampling_rates / 2) - cutoffs
    sizes = sampling_rates + c.margin_size * 2
    sizes[-2:] = c.img_resolution
    channels = np.rint(np.minimum((c.channel_base / 2) / cutoffs, c.channel_max))
    channels[-1] = c.img_channels
    fourier = dict(channels=int(channels[0]), size=int(sizes[0]), sampling_rate=sampling_rates[0], bandwidth=cutoffs[0])
    layers = []
    for idx in range(c.num_layers + 1):
        prev = max(idx - 1, 0)
        layers.append(
            LayerSpec(
                name=f"L{idx}_{int(sizes[idx])}_{int(channels[idx])}",
                is_torgb=idx == c.num_layers,
                is_critically_sampled=idx >= c.num_layers - c.num_critical,
                in_channels=int(channels[prev]),
                out_channels=int(channels[idx]),
                in_size=int(sizes[prev]),
                out_size=int(sizes[idx]),
                in_sampling_rate=int(sampling_rates[prev]),
                out_sampling_rate=int(sampling_rates[idx]),
                in_cutoff=cutoffs[prev],
                out_cutoff=cutoffs[idx],
                in_half_width=half_widths[prev],
                out_half_width=half_widths[idx],
            )
        )
    return fourier, layers


def lowpass_filter(numtaps: int, cutoff: float, width: float, fs: float, radial: bool = False) -> torch.Tensor | None:
    """A Kaiser-windowed low-pass FIR: separable 1-D taps, or (``radial``) a 2-D windowed jinc; None = identity.

    The jinc J1(2π f_c r)/(π r) is the 2-D ideal low-pass (a disc of radius f_c in frequency); at r = 0
    (odd tap counts only) it takes its limit, f_c."""
    import scipy.signal  # here, not at the top: 0.5 s of the app's start-up, and only StyleGAN3 models need it
    import scipy.special

    if numtaps == 1:
        return None
    if not radial:
        return torch.as_tensor(scipy.signal.firwin(numtaps=numtaps, cutoff=cutoff, width=width, fs=fs)).float()
    x = (np.arange(numtaps) - (numtaps - 1) / 2) / fs
    r = np.hypot(*np.meshgrid(x, x))
    safe = np.where(r == 0, 1.0, r)
    f = np.where(r == 0, cutoff, scipy.special.j1(2 * cutoff * np.pi * safe) / (np.pi * safe))
    beta = scipy.signal.kaiser_beta(scipy.signal.kaiser_atten(numtaps, width / (fs / 2)))
    window = np.kaiser(numtaps, beta)
    f = f * np.outer(window, window)
    return torch.as_tensor(f / np.sum(f)).float()


# --- Operations -----------------------------------------------------------------------------------------


def fir_matrix(
    length: int, f: torch.Tensor | None, up: int = 1, down: int = 1, pad: tuple[int, int] = (0, 0), gain: float = 1.0
) -> torch.Tensor:
    """upfirdn along one axis as a (length', length) matrix: up-sample by zero insertion, pad (negative
    crops), convolve with the 1-D taps ``f`` (None = identity) times ``gain``, keep every ``down``-th sample.

    Built by applying exactly those steps to the identity; filtering an image along y and x is then two
    matrix products, much faster on a CPU than depthwise convolutions and the same linear map."""
    x = torch.eye(length, dtype=torch.float64)[:, None]  # (length, 1, length): one basis signal per row
    if up > 1:
        x = F.pad(x[..., None], [0, up - 1]).reshape(length, 1, length * up)
    x = F.pad(x, [max(pad[0], 0), max(pad[1], 0)])
    x = x[..., max(-pad[0], 0) : x.shape[-1] - max(-pad[1], 0)]
    taps = torch.ones(1, dtype=torch.float64) if f is None else f.double()
    x = F.conv1d(x, (taps * gain).flip(0)[None, None])  # convolution, not correlation
    return x[:, 0, ::down].T.to(torch.float32)  # (length', length)


def filtered_lrelu(
    x: torch.Tensor,
    fu: torch.Tensor | None,
    fd: torch.Tensor | None,
    bias: torch.Tensor,
    up: int,
    down: int,
    padding: tuple[int, int],
    gain: float,
    slope: float,
    clamp: float | None,
) -> torch.Tensor:
    """The alias-free nonlinearity (paper Sec. 3.2, Fig. 4): add the bias, up-sample ×``up`` through the
    low-pass ``fu``, leaky ReLU × gain (and clamp) at the high rate, low-pass ``fd`` and keep every
    ``down``-th sample. The ReLU's new frequencies above the output cutoff are filtered out before
    down-sampling, so they cannot alias back. Filters are 1-D (separable, the same along y and x; images are
    square) or, for ``fd``, 2-D (the R config's radial filters); ``padding`` (before, after) is per axis."""
    x = x + bias[None, :, None, None]
    m_up = fir_matrix(x.shape[-1], fu, up=up, pad=padding, gain=up).to(x)  # up² spread over the two axes
    x = m_up @ x @ m_up.T  # (n, c, h·up + pads − taps + 1, same)
    x = F.leaky_relu(x, slope) * gain if slope != 1 else x * gain
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    if fd is not None and fd.ndim == 2:
        c = x.shape[1]
        return F.conv2d(x, fd.flip([0, 1]).to(x)[None, None].repeat(c, 1, 1, 1), stride=down, groups=c)
    m_down = fir_matrix(x.shape[-1], fd, down=down).to(x)
    return m_down @ x @ m_down.T


def modulated_conv2d(
    x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor, demodulate: bool, padding: int, input_gain
) -> torch.Tensor:
    """StyleGAN2's modulated convolution, with StyleGAN3's pre-normalisation of weight and styles and the
    input gain 1/√(EMA of the input's mean square) folded into the weights."""
    n, in_ch, h, w = x.shape
    out_ch, _, kh, kw = weight.shape
    if demodulate:
        weight = weight * weight.square().mean([1, 2, 3], keepdim=True).rsqrt()
        styles = styles * styles.square().mean().rsqrt()
    weights = weight[None] * styles[:, None, :, None, None]  # (n, out, in, k, k)
    if demodulate:
        weights = weights * (weights.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()[:, :, None, None, None]
    weights = weights * input_gain
    x = F.conv2d(x.reshape(1, n * in_ch, h, w), weights.reshape(n * out_ch, in_ch, kh, kw), padding=padding, groups=n)
    return x.reshape(n, out_ch, *x.shape[2:])  # (n, out, h', w')


# --- Layers ---------------------------------------------------------------------------------------------


class FullyConnectedLayer(nn.Module):
    """Linear with equalised learning rate: weight × lr/√in, bias × lr; ``lrelu``: leaky ReLU(0.2) × √2."""

    def __init__(self, in_features: int, out_features: int, *, lrelu: bool = False, lr_multiplier: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.weight_gain, self.bias_gain, self.lrelu = lr_multiplier / math.sqrt(in_features), lr_multiplier, lrelu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.linear(x, self.weight * self.weight_gain, self.bias * self.bias_gain)
        return F.leaky_relu(x, 0.2) * math.sqrt(2) if self.lrelu else x

    def extra_repr(self) -> str:
        return f"in={self.weight.shape[1]}, out={self.weight.shape[0]}, lrelu={self.lrelu}"


class MappingNetwork(nn.Module):
    """z → normalised → ``mapping_layers`` leaky-ReLU FCs → w, broadcast to ``num_ws`` rows, truncated to w_avg."""

    def __init__(self, config: StyleGAN3Config, num_ws: int):
        super().__init__()
        self.num_ws, self.num_layers = num_ws, config.mapping_layers
        dims = [config.z_dim] + [config.w_dim] * config.mapping_layers
        for i in range(config.mapping_layers):
            layer = FullyConnectedLayer(dims[i], dims[i + 1], lrelu=True, lr_multiplier=config.mapping_lr_multiplier)
            setattr(self, f"fc{i}", layer)
        self.register_buffer("w_avg", torch.zeros(config.w_dim))

    def forward(
        self, z: torch.Tensor, truncation_psi: float = 1.0, truncation_cutoff: int | None = None
    ) -> torch.Tensor:
        x = z.float() * (z.float().square().mean(1, keepdim=True) + 1e-8).rsqrt()
        for i in range(self.num_layers):
            x = getattr(self, f"fc{i}")(x)
        ws = x[:, None].repeat(1, self.num_ws, 1)  # (n, num_ws, w_dim)
        if truncation_psi != 1:
            cutoff = self.num_ws if truncation_cutoff is None else truncation_cutoff
            ws[:, :cutoff] = self.w_avg.lerp(ws[:, :cutoff], truncation_psi)
        return ws


class SynthesisInput(nn.Module):
    """Fourier features: ``channels`` sinusoids sin(2π(⟨f, p⟩ + φ)) on a ``size``² grid, mixed by a learned matrix.

    w sets a rotation and translation of the sampling grid (``affine``: (cos, sin, t_x, t_y), normalised);
    ``transform`` (3×3, the inverse of the motion applied to the image) moves it further. Frequencies moved
    beyond the band by a transform fade out instead of aliasing."""

    def __init__(self, w_dim: int, channels: int, size: int, sampling_rate: float, bandwidth: float):
        super().__init__()
        self.channels, self.size = channels, size
        self.sampling_rate, self.bandwidth = float(sampling_rate), float(bandwidth)
        # NVIDIA's initialisation (a checkpoint replaces it): frequencies in the disc of radius ``bandwidth``,
        # a learned rotation/translation that starts as the identity.
        freqs = torch.randn(channels, 2)
        radii = freqs.norm(dim=1, keepdim=True)
        freqs = freqs / (radii * radii.square().exp().pow(0.25)) * bandwidth
        self.weight = nn.Parameter(torch.randn(channels, channels))
        self.affine = FullyConnectedLayer(w_dim, 4)
        with torch.no_grad():
            self.affine.weight.zero_()
            self.affine.bias.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0]))
        self.register_buffer("transform", torch.eye(3))  # the inverse of a motion applied to the image
        self.register_buffer("freqs", freqs)
        self.register_buffer("phases", torch.rand(channels) - 0.5)

    def forward(self, w: torch.Tensor, transform: torch.Tensor | None = None) -> torch.Tensor:
        n = w.shape[0]
        transforms = (self.transform if transform is None else transform.to(w)).expand(n, 3, 3)
        t = self.affine(w)  # (n, 4): r_c, r_s, t_x, t_y
        t = t / t[:, :2].norm(dim=1, keepdim=True)
        m_r = torch.eye(3, device=w.device).repeat(n, 1, 1)  # inverse rotation of the image
        m_r[:, 0, 0], m_r[:, 0, 1], m_r[:, 1, 0], m_r[:, 1, 1] = t[:, 0], -t[:, 1], t[:, 1], t[:, 0]
        m_t = torch.eye(3, device=w.device).repeat(n, 1, 1)  # inverse translation of the image
        m_t[:, 0, 2], m_t[:, 1, 2] = -t[:, 2], -t[:, 3]
        transforms = m_r @ m_t @ transforms  # rotate the image, then translate, then the user's transform

        phases = self.phases[None] + (self.freqs[None] @ transforms[:, :2, 2:]).squeeze(2)  # (n, channels)
        freqs = self.freqs[None] @ transforms[:, :2, :2]  # (n, channels, 2)
        amplitudes = (1 - (freqs.norm(dim=2) - self.bandwidth) / (self.sampling_rate / 2 - self.bandwidth)).clamp(0, 1)

        theta = torch.eye(2, 3, device=w.device)
        theta[0, 0] = theta[1, 1] = 0.5 * self.size / self.sampling_rate
        grid = F.affine_grid(theta[None], [1, 1, self.size, self.size], align_corners=False)  # (1, h, w, 2)
        x = (grid[:, :, :, None] @ freqs.permute(0, 2, 1)[:, None, None]).squeeze(3)  # (n, h, w, channels)
        x = torch.sin((x + phases[:, None, None]) * (2 * math.pi)) * amplitudes[:, None, None]
        x = x @ (self.weight / math.sqrt(self.channels)).t()
        return x.permute(0, 3, 1, 2)  # (n, channels, h, w)

    def extra_repr(self) -> str:
        rate, band = self.sampling_rate, self.bandwidth
        return f"channels={self.channels}, size={self.size}, sampling_rate={rate:g}, bandwidth={band:g}"


class SynthesisLayer(nn.Module):
    """affine(w) → modulated conv → filtered leaky ReLU (the ToRGB: 1×1, not demodulated, linear)."""

    def __init__(self, config: StyleGAN3Config, w_dim: int, spec: LayerSpec):
        super().__init__()
        self.spec = spec
        self.conv_kernel = 1 if spec.is_torgb else config.conv_kernel
        self.conv_clamp = config.conv_clamp
        tmp_rate = max(spec.in_sampling_rate, spec.out_sampling_rate) * (
            1 if spec.is_torgb else config.lrelu_upsampling
        )
        self.affine = FullyConnectedLayer(w_dim, spec.in_channels)
        nn.init.ones_(self.affine.bias)  # styles start at 1
        self.weight = nn.Parameter(torch.randn(spec.out_channels, spec.in_channels, self.conv_kernel, self.conv_kernel))
        self.bias = nn.Parameter(torch.zeros(spec.out_channels))
        self.register_buffer("magnitude_ema", torch.ones([]))

        self.up_factor = int(np.rint(tmp_rate / spec.in_sampling_rate))
        self.down_factor = int(np.rint(tmp_rate / spec.out_sampling_rate))
        up_taps = config.filter_size * self.up_factor if self.up_factor > 1 and not spec.is_torgb else 1
        down_taps = config.filter_size * self.down_factor if self.down_factor > 1 and not spec.is_torgb else 1
        radial = config.use_radial_filters and not spec.is_critically_sampled
        self.register_buffer("up_filter", lowpass_filter(up_taps, spec.in_cutoff, spec.in_half_width * 2, tmp_rate))
        self.register_buffer(
            "down_filter", lowpass_filter(down_taps, spec.out_cutoff, spec.out_half_width * 2, tmp_rate, radial)
        )
        # Pad so that the output, after both filters and the down-sampling, has out_size samples, centred
        # as in the symmetric interpretation of the sample positions (paper App. C.3).
        pad_total = (spec.out_size - 1) * self.down_factor + 1
        pad_total -= (spec.in_size + self.conv_kernel - 1) * self.up_factor
        pad_total += up_taps + down_taps - 2
        pad_lo = (pad_total + self.up_factor) // 2
        self.padding = (pad_lo, pad_total - pad_lo)  # the same along x and y: square images

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)
        if self.spec.is_torgb:
            styles = styles / math.sqrt(self.spec.in_channels * self.conv_kernel**2)
        x = modulated_conv2d(
            x, self.weight, styles, not self.spec.is_torgb, self.conv_kernel - 1, self.magnitude_ema.rsqrt()
        )
        gain, slope = (1.0, 1.0) if self.spec.is_torgb else (math.sqrt(2), 0.2)
        return filtered_lrelu(
            x, self.up_filter, self.down_filter, self.bias, self.up_factor, self.down_factor, self.padding,
            gain, slope, self.conv_clamp,
        )  # fmt: skip

    def extra_repr(self) -> str:
        s = self.spec
        return (
            f"{s.in_channels}→{s.out_channels}, {s.in_size}→{s.out_size} px, rate {s.in_sampling_rate}→"
            f"{s.out_sampling_rate}, cutoff {s.in_cutoff:.3g}→{s.out_cutoff:.3g}, up {self.up_factor}, "
            f"down {self.down_factor}, critical={s.is_critically_sampled}, torgb={s.is_torgb}"
        )


class SynthesisNetwork(nn.Module):
    """ws (n, num_ws, w_dim) → image: row 0 styles the Fourier input, row i + 1 layer L{i}, the last the ToRGB."""

    def __init__(self, config: StyleGAN3Config):
        super().__init__()
        fourier, specs = geometry(config)
        self.num_ws, self.output_scale, self.specs = config.num_layers + 2, config.output_scale, specs
        self.input = SynthesisInput(config.w_dim, **fourier)
        self.layer_names = [spec.name for spec in specs]
        for spec in specs:
            setattr(self, spec.name, SynthesisLayer(config, config.w_dim, spec))

    def forward(
        self,
        ws: torch.Tensor,
        noise_mode: str = "const",
        noise_strength: float | list[float] = 1.0,
        noise_seed: int = 0,
        transform: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Images (n, c, res, res), not clamped. StyleGAN3 has no noise inputs: the noise arguments, which
        every StyleGAN view passes, change nothing. ``transform``: a 3×3 (or (n, 3, 3)) matrix used instead of
        the stored ``input.transform`` (the inverse of the motion applied to the image, ``input_transform``)."""
        if ws.ndim != 3 or ws.shape[1] != self.num_ws:
            raise ValueError(f"ws must have shape (n, {self.num_ws}, w_dim), got {tuple(ws.shape)}")
        rows = ws.float().unbind(dim=1)
        x = self.input(rows[0], transform)
        for name, w in zip(self.layer_names, rows[1:], strict=True):
            x = getattr(self, name)(x, w)
        x = x * self.output_scale if self.output_scale != 1 else x
        return preview_size.downsample(x)  # a slider's preview: at most its side (explorer.preview_size)


# --- The family model -----------------------------------------------------------------------------------


class StyleGAN3(StyleGenerator, nn.Module, Pretrained):
    """NVIDIA's StyleGAN3 ``Generator`` (inference), with our StyleGAN API; the ``stylegan3`` zoo family.

    ``mapping`` and ``synthesis`` are the two sub-networks themselves (callable as the API asks);
    ``ws_resolutions`` gives each ws row its layer's sampling rate, so the coarse/middle/fine presets work."""

    def __init__(self, config: StyleGAN3Config):
        super().__init__()
        self.config = config
        self.synthesis = SynthesisNetwork(config)
        self.mapping = MappingNetwork(config, self.synthesis.num_ws)

    @property
    def num_ws(self) -> int:
        return self.synthesis.num_ws

    @property
    def w_avg(self) -> torch.Tensor:
        return self.mapping.w_avg

    @property
    def ws_resolutions(self) -> list[int]:
        specs = self.synthesis.specs
        return [specs[0].in_sampling_rate] + [s.out_sampling_rate for s in specs]

    @property
    def noise_resolutions(self) -> list[int]:
        return []  # no noise inputs

    def stored_noise(self) -> list[torch.Tensor]:
        return []


def from_nvidia(init_kwargs: dict, state: dict[str, torch.Tensor]) -> StyleGAN3:
    """Our StyleGAN3 from a ``Generator``'s constructor kwargs and its flat state dict (names as NVIDIA's),
    strictly: every tensor of ``state`` is loaded, every shape checked; ``ValueError`` otherwise."""
    model = StyleGAN3(config_from_nvidia(init_kwargs))
    load_strict(model, dict(state), "the StyleGAN3 state does not match its kwargs")
    return model.eval()


def input_transform(translate: tuple[float, float] = (0.0, 0.0), angle: float = 0.0) -> torch.Tensor:
    """The ``transform`` that moves the image by ``translate`` (in image widths: 1/res = one pixel, x right,
    y down) and rotates it by ``angle`` degrees: the inverse of the motion, as NVIDIA's ``gen_images.py``
    builds it (the Fourier features are sampled at the inverse-transformed grid)."""
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    m = torch.tensor([[c, s, translate[0]], [-s, c, translate[1]], [0.0, 0.0, 1.0]], dtype=torch.float64)
    return torch.linalg.inv(m).float()
