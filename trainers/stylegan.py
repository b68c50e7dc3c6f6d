"""StyleGAN2-style training: non-saturating loss + lazy R1, style mixing, EMA generator.

Karras et al., arXiv:1912.04958: Adam(lr, β = (0, 0.99)); R1 = γ/2 · E‖∇_x D(x)‖² on real images
(Mescheder et al., arXiv:1801.04406), applied every ``r1_every`` steps with its weight scaled up
accordingly ("lazy regularisation"); style-mixing regularisation: with probability
``mixing_prob`` two latents drive the layers before and after a random crossover. The zoo model is
the exponential moving average of the generator's weights.
"""

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from explorer import losses
from explorer.data import GENERATED_DATASETS, ImageDataset
from explorer.models.stylegan import StyleGANConfig, StyleGANDiscriminator, StyleGANGenerator
from trainers.distributed import without_gradient_sync
from trainers.evaluation import generated_report, generator_report
from trainers.events import Event
from trainers.loop import RunLength, Task, ema_update, inference_samples, launch


@dataclass
class StyleGANTrainConfig(RunLength):
    data: str = "fashion-mnist"
    lr: float = 2e-3  # Adam learning rate (StyleGAN2: 0.002 at low resolution)
    beta1: float = 0.0
    beta2: float = 0.99
    r1_gamma: float = 0.1  # R1 weight γ
    r1_every: int = 16  # lazy R1: every this many steps, weight × r1_every
    mixing_prob: float = 0.9  # style-mixing regularisation probability
    ema_beta: float = 0.998  # EMA decay of the generator weights (StyleGAN2: half-life 10k images)
    d_width: int = 64  # discriminator feature maps
    n_samples: int = 64
    fid_samples: int = 10_000  # samples for the model card's FID (0 = no FID)
    model: StyleGANConfig = field(default_factory=StyleGANConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = StyleGANConfig(**self.model)
        self.check()
        if self.lr <= 0 or self.r1_gamma < 0 or self.r1_every < 1 or not 0 <= self.mixing_prob <= 1:
            raise ValueError("need lr > 0, r1_gamma ≥ 0, r1_every ≥ 1 and mixing_prob in [0, 1]")
        if not 0 <= self.ema_beta < 1:
            raise ValueError(f"ema_beta must be in [0, 1), got {self.ema_beta}")


def r1_penalty(discriminator: torch.nn.Module, real: torch.Tensor) -> torch.Tensor:
    """E‖∇_x D(x)‖² on real images (Mescheder et al. 2018)."""
    real = real.detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(discriminator(real).sum(), real, create_graph=True)
    return gradient.pow(2).sum(dim=(1, 2, 3)).mean()


class MixingGenerator(nn.Module):
    """G's training forward as one call, so that DistributedDataParallel and torch.compile see all of it:
    ws = mapping(z); rows cutoff… of ws from mapping(z_mix) (style mixing; none when z_mix is None); then synthesis
    with the given noise maps (one (n, 1, r, r) per layer). Under mixed precision the mapping stays fp32."""

    def __init__(self, generator: StyleGANGenerator):
        super().__init__()
        self.generator = generator

    def forward(
        self,
        z: torch.Tensor,
        z_mix: torch.Tensor | None,
        cutoff: torch.Tensor,
        noises: list[torch.Tensor],
        update_w_avg: bool = False,
    ) -> torch.Tensor:
        g = self.generator
        with torch.autocast(z.device.type, enabled=False):  # the mapping in fp32 under AMP: w_avg is an fp32 average
            ws = g.mapping(z, update_w_avg=update_w_avg)  # (n, num_ws, w_dim)
            if z_mix is not None:
                later = torch.arange(g.num_ws, device=ws.device) >= cutoff.to(ws.device)  # (num_ws,)
                ws = torch.where(later[None, :, None], g.mapping(z_mix), ws)
        return g.synthesis_network(ws, noises, g.row_strengths(ws, 1.0))


class StyleGANTask(Task):
    def __init__(self, config: StyleGANTrainConfig, device: torch.device, data: ImageDataset | None = None):
        self.config = self.length = config
        if data is not None:
            self.train_size = len(data)
        torch.manual_seed(config.seed)
        generator, discriminator = self.networks(config)
        self.generator, self.discriminator = generator.to(device), discriminator.to(device)
        self.model = copy.deepcopy(self.generator).eval()  # the EMA generator is what the app loads
        self.model.requires_grad_(False)
        betas = (config.beta1, config.beta2)
        self.g_optim = torch.optim.Adam(self.generator.parameters(), lr=config.lr, betas=betas)
        self.d_optim = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr, betas=betas)
        self.modules = {"generator": self.generator, "discriminator": self.discriminator}
        self.optimizers = {"g_optim": self.g_optim, "d_optim": self.d_optim}
        self.fixed_z = self.model.sample_latent(config.n_samples, config.seed).to(device)
        # what train_step runs forward through: G's training forward and D, or their DDP / compiled wrappers
        self.mixing_generator = self.training_forward(self.generator)
        self.parallel_generator, self.parallel_discriminator = self.mixing_generator, self.discriminator

    def networks(self, config: StyleGANTrainConfig) -> tuple[nn.Module, nn.Module]:
        """(G, D), freshly initialised (a subclass trains another generator with the same recipe)."""
        return StyleGANGenerator(config.model), StyleGANDiscriminator(config.model, config.d_width)

    def training_forward(self, generator: nn.Module) -> nn.Module:
        """G's training forward as one module (what ``fakes`` calls, and what DDP / torch.compile wrap)."""
        return MixingGenerator(generator)

    def parallel(self, wrap) -> None:
        self.parallel_generator, self.parallel_discriminator = wrap(self.mixing_generator), wrap(self.discriminator)

    def fakes(self, n: int, device: torch.device, update_w_avg: bool = False) -> torch.Tensor:
        """G(z) for n fresh latents; with probability mixing_prob the ws rows after a random cutoff come from a second
        z; random noise maps. Per-sample draws are the global batch's rows (``Task.randn``)."""
        g, latent_dim = self.generator, self.config.model.latent_dim
        z, z_mix, cutoff = self.randn(n, latent_dim, device=device), None, torch.tensor(g.num_ws)
        if torch.rand(()) < self.config.mixing_prob:
            cutoff = torch.randint(1, g.num_ws, ())
            z_mix = self.randn(n, latent_dim, device=device)
        noises = [self.randn(n, 1, r, r, device=device) for r in g.ws_resolutions]
        return self.parallel_generator(z, z_mix, cutoff, noises, update_w_avg)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        n, device = images.shape[0], images.device
        self.generator.train()
        # 1. Discriminator: −log σ(D(x)) − log(1 − σ(D(G(z)))), plus lazy R1 on reals.
        with self.precision.autocast():
            with torch.no_grad():
                fake = self.fakes(n, device)
            real_logits, fake_logits = self.parallel_discriminator(images), self.parallel_discriminator(fake)
            d_loss = losses.discriminator_loss(real_logits, fake_logits)
        r1 = torch.zeros((), device=device)
        if self.config.r1_gamma > 0 and step % self.config.r1_every == 0:
            with self.precision.penalty():
                r1 = r1_penalty(self.parallel_discriminator, images)
        d_total = d_loss + self.config.r1_gamma / 2 * r1 * self.config.r1_every
        self.check_finite(d_loss=d_total)
        self.optimize(self.d_optim, d_total)
        # 2. Generator: non-saturating −log σ(D(G(z))); the mapping updates w_avg. D is only looked through.
        with self.precision.autocast(), without_gradient_sync(self.parallel_discriminator):
            fake = self.fakes(n, device, update_w_avg=True)
            g_loss = F.softplus(-self.parallel_discriminator(fake)).mean()
        self.check_finite(g_loss=g_loss)
        self.optimize(self.g_optim, g_loss)
        # 3. EMA generator.
        ema_update(self.model, self.generator, self.config.ema_beta)
        return {
            "d_loss": d_loss.item(),
            "g_loss": g_loss.item(),
            "d_real": torch.sigmoid(real_logits).mean().item(),
            "d_fake": torch.sigmoid(fake_logits).mean().item(),
            "r1": r1.item(),
        }

    def samples(self) -> torch.Tensor:
        return inference_samples(self.model, lambda: self.model.generate(self.fixed_z))

    def summary(self) -> str:
        c = self.config
        data = c.data
        if data in GENERATED_DATASETS:
            model, _ = GENERATED_DATASETS[data]
            data = f"{self.train_size} images made by the zoo's `{model}` (z from seeds 0–{self.train_size - 1})"
        return (
            f"A small StyleGAN2-style generator (Karras et al., arXiv:1912.04958) trained on {data} at "
            f"{c.model.resolution}×{c.model.resolution}: z ∈ R^{c.model.latent_dim}, "
            f"{c.model.mapping_layers}-layer mapping to w ∈ R^{c.model.w_dim}, {c.model.width} feature maps, "
            "modulated/demodulated convs, per-layer noise, skip outputs. Non-saturating loss + lazy R1 "
            f"(γ = {c.r1_gamma}), style mixing p = {c.mixing_prob}, EMA β = {c.ema_beta}; the weights are the "
            "EMA generator's."
        )

    def card_extra(self) -> str:
        resolutions = ", ".join(f"{i}: {r}²" for i, r in enumerate(self.model.ws_resolutions))
        c = self.config
        if c.data in GENERATED_DATASETS:
            report, _ = generated_report(self.model, c.data, c.seed, c.fid_samples)
        else:
            report, _ = generator_report(self.model, c.seed, c.fid_samples)
        return f"""
## Styles

num_ws = {self.model.num_ws}; the resolution each row of ws styles: {resolutions}.
{report}"""


def train_stylegan(config: StyleGANTrainConfig, out: str | Path | None, **options) -> Iterator[Event]:
    """Train the StyleGAN and yield events; ``options`` as for ``trainers.loop.launch``."""
    return launch(lambda config, device, data: StyleGANTask(config, device, data), config, out, **options)
