"""StyleGAN3 (alias-free) training, small: the StyleGAN2 recipe of ``trainers.stylegan`` on our StyleGAN3 generator.

Karras et al., arXiv:2106.12423, train StyleGAN3 with StyleGAN2's objective, which is reused here as is
(``StyleGANTask``): non-saturating loss + lazy R1, style mixing, the EMA generator, Adam β = (0, 0.99), and the
small residual discriminator of our StyleGAN. What differs: no noise inputs, and two running averages the
generator keeps while it trains (NVIDIA's ``networks_stylegan3.py``), updated here because
``explorer.models.stylegan3`` is an inference module:

- ``mapping.w_avg``, the mean w (truncation's centre), decay ``W_AVG_BETA``;
- each layer's ``magnitude_ema``, the mean square of its input, whose 1/√ is the layer's input gain (it keeps the
  modulated convolutions' inputs at unit scale), decay 0.5^(batch / 20 000): a half-life of 20 000 images.

The default model is small (32², 24 feature maps, 4 layers): NVIDIA's config defaults are their 256²+ releases'.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from explorer.data import GENERATED_DATASETS
from explorer.models.hooks import thread_pre_hooks
from explorer.models.stylegan import StyleGANConfig, StyleGANDiscriminator
from explorer.models.stylegan3 import StyleGAN3, StyleGAN3Config, SynthesisLayer
from trainers.events import Event
from trainers.loop import launch
from trainers.stylegan import StyleGANTask, StyleGANTrainConfig

W_AVG_BETA = 0.998  # NVIDIA's mapping default
MAGNITUDE_HALF_LIFE = 20_000  # images (NVIDIA's train.py: magnitude_ema_beta = 0.5 ** (batch / 20k))


def small_config() -> StyleGAN3Config:
    """The T config at 32² greyscale, sized for one CPU thread (~50 images/s in training, two thirds of
    StyleGAN-small's speed; docs/models.md): 24 feature maps, 4 layers (2 critically sampled), 4 margin pixels."""
    return StyleGAN3Config(
        z_dim=64,
        w_dim=64,
        img_resolution=32,
        img_channels=1,
        channel_base=2048,
        channel_max=24,
        num_layers=4,
        margin_size=4,
        num_fp16_res=0,
        conv_clamp=None,  # the clamp guards NVIDIA's fp16 layers; in fp32 it only costs (a sixth of a CPU step)
    )


@dataclass
class StyleGAN3TrainConfig(StyleGANTrainConfig):
    d_width: int = 32  # discriminator feature maps (as the small model's)
    model: StyleGAN3Config = field(default_factory=small_config)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = StyleGAN3Config(**self.model)
        super().__post_init__()


@contextmanager
def magnitudes_tracked(generator: StyleGAN3, beta: float) -> Iterator[None]:
    """While inside, every synthesis layer first moves its ``magnitude_ema`` towards its input's mean square
    (decay ``beta``), as NVIDIA's ``SynthesisLayer.forward`` does with ``update_emas``, then uses it."""

    def track(layer: SynthesisLayer, args: tuple) -> None:
        with torch.no_grad():
            layer.magnitude_ema.copy_(args[0].detach().float().square().mean().lerp(layer.magnitude_ema, beta))

    with thread_pre_hooks([m for m in generator.synthesis.modules() if isinstance(m, SynthesisLayer)], track):
        yield


class AliasFreeMixingGenerator(nn.Module):
    """StyleGAN3's training forward as one call (for DDP and torch.compile, as ``trainers.stylegan.MixingGenerator``):
    ws = mapping(z), the rows from ``cutoff`` on from mapping(z_mix) (style mixing; none when z_mix is None), then
    synthesis. ``update_emas``: move w_avg and the layers' magnitude EMAs first. The mapping stays fp32 under AMP."""

    def __init__(self, generator: StyleGAN3, magnitude_beta: float):
        super().__init__()
        self.generator, self.magnitude_beta = generator, magnitude_beta

    def forward(
        self, z: torch.Tensor, z_mix: torch.Tensor | None, cutoff: torch.Tensor, update_emas: bool = False
    ) -> torch.Tensor:
        g = self.generator
        with torch.autocast(z.device.type, enabled=False):
            ws = g.mapping(z)  # (n, num_ws, w_dim)
            if update_emas:
                with torch.no_grad():
                    g.mapping.w_avg.copy_(ws[:, 0].detach().mean(0).lerp(g.mapping.w_avg, W_AVG_BETA))
            if z_mix is not None:
                later = torch.arange(g.num_ws, device=ws.device) >= cutoff.to(ws.device)  # (num_ws,)
                ws = torch.where(later[None, :, None], g.mapping(z_mix), ws)
        if not update_emas:
            return g.synthesis(ws)
        with magnitudes_tracked(g, self.magnitude_beta):
            return g.synthesis(ws)


class StyleGAN3Task(StyleGANTask):
    """``StyleGANTask``'s step on a StyleGAN3 generator: no noise maps; G's step updates its running averages."""

    def networks(self, config: StyleGAN3TrainConfig) -> tuple[nn.Module, nn.Module]:
        c = config.model
        judged = StyleGANConfig(channels=c.img_channels, resolution=c.img_resolution)  # what D needs to know
        return StyleGAN3(c), StyleGANDiscriminator(judged, config.d_width)

    def training_forward(self, generator: nn.Module) -> nn.Module:
        return AliasFreeMixingGenerator(generator, 0.5 ** (self.config.batch_size / MAGNITUDE_HALF_LIFE))

    def fakes(self, n: int, device: torch.device, update_w_avg: bool = False) -> torch.Tensor:
        """G(z) for n fresh latents, style-mixed with probability mixing_prob; ``update_w_avg`` updates the
        running averages (w_avg and the magnitudes), in G's step as ``StyleGANTask`` does."""
        g, latent_dim = self.generator, self.config.model.latent_dim
        z, z_mix, cutoff = self.randn(n, latent_dim, device=device), None, torch.tensor(g.num_ws)
        if torch.rand(()) < self.config.mixing_prob:
            cutoff = torch.randint(1, g.num_ws, ())
            z_mix = self.randn(n, latent_dim, device=device)
        return self.parallel_generator(z, z_mix, cutoff, update_w_avg)

    def summary(self) -> str:
        c, m = self.config, self.config.model
        data = c.data
        if data in GENERATED_DATASETS:
            model, _ = GENERATED_DATASETS[data]
            data = f"{self.train_size} images made by the zoo's `{model}` (z from seeds 0–{self.train_size - 1})"
        kind = "R (1×1 convolutions, radial filters)" if m.conv_kernel == 1 else "T (3×3 convolutions)"
        widths = sorted({s.out_channels for s in self.model.synthesis.specs[:-1]})
        return (
            f"A small StyleGAN3 generator, config {kind} (Karras et al., arXiv:2106.12423), trained on {data} at "
            f"{m.img_resolution}×{m.img_resolution}: z ∈ R^{m.z_dim}, {m.mapping_layers}-layer mapping to "
            f"w ∈ R^{m.w_dim}, Fourier-feature input, {m.num_layers} alias-free layers ({m.num_critical} critically "
            f"sampled) of {'–'.join(map(str, widths))} feature maps, margin {m.margin_size} px. StyleGAN2's recipe: "
            f"non-saturating loss + lazy R1 (γ = {c.r1_gamma}), style mixing p = {c.mixing_prob}, EMA β = "
            f"{c.ema_beta}; the weights are the EMA generator's."
        )


def train_stylegan3(config: StyleGAN3TrainConfig, out: str | Path | None, **options) -> Iterator[Event]:
    """Train the StyleGAN3 and yield events; ``options`` as for ``trainers.loop.launch``."""
    return launch(lambda config, device, data: StyleGAN3Task(config, device, data), config, out, **options)
