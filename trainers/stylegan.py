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

from explorer.models.stylegan import StyleGANConfig, StyleGANDiscriminator, StyleGANGenerator
from trainers import losses
from trainers.evaluation import generator_report
from trainers.events import Event
from trainers.loop import RunLength, Task, check_finite, ema_update, inference_samples, launch


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


class StyleGANTask(Task):
    def __init__(self, config: StyleGANTrainConfig, device: torch.device):
        self.config = self.length = config
        torch.manual_seed(config.seed)
        self.generator = StyleGANGenerator(config.model).to(device)
        self.discriminator = StyleGANDiscriminator(config.model, config.d_width).to(device)
        self.model = copy.deepcopy(self.generator).eval()  # the EMA generator is what the app loads
        self.model.requires_grad_(False)
        betas = (config.beta1, config.beta2)
        self.g_optim = torch.optim.Adam(self.generator.parameters(), lr=config.lr, betas=betas)
        self.d_optim = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr, betas=betas)
        self.modules = {"generator": self.generator, "discriminator": self.discriminator}
        self.optimizers = {"g_optim": self.g_optim, "d_optim": self.d_optim}
        self.fixed_z = self.model.sample_latent(config.n_samples, config.seed).to(device)

    def mixed_ws(self, n: int, device: torch.device, update_w_avg: bool = False) -> torch.Tensor:
        """ws for n fresh latents; with probability mixing_prob the rows after a random cutoff come from a second z."""
        g, latent_dim = self.generator, self.config.model.latent_dim
        ws = g.mapping(torch.randn(n, latent_dim, device=device), update_w_avg=update_w_avg)
        if torch.rand(()) < self.config.mixing_prob:
            cutoff = int(torch.randint(1, g.num_ws, ()))
            ws[:, cutoff:] = g.mapping(torch.randn(n, latent_dim, device=device))[:, cutoff:]
        return ws

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        n, device = images.shape[0], images.device
        self.generator.train()
        # 1. Discriminator: −log σ(D(x)) − log(1 − σ(D(G(z)))), plus lazy R1 on reals.
        with torch.no_grad():
            fake = self.generator.synthesis(self.mixed_ws(n, device), noise_mode="random")
        real_logits, fake_logits = self.discriminator(images), self.discriminator(fake)
        d_loss = losses.discriminator_loss(real_logits, fake_logits)
        r1 = torch.zeros((), device=device)
        if self.config.r1_gamma > 0 and step % self.config.r1_every == 0:
            r1 = r1_penalty(self.discriminator, images)
        d_total = d_loss + self.config.r1_gamma / 2 * r1 * self.config.r1_every
        check_finite(d_loss=d_total)
        self.d_optim.zero_grad(set_to_none=True)
        d_total.backward()
        self.d_optim.step()
        # 2. Generator: non-saturating −log σ(D(G(z))); the mapping updates w_avg.
        fake = self.generator.synthesis(self.mixed_ws(n, device, update_w_avg=True), noise_mode="random")
        g_loss = F.softplus(-self.discriminator(fake)).mean()
        check_finite(g_loss=g_loss)
        self.g_optim.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optim.step()
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
        return (
            f"A small StyleGAN2-style generator (Karras et al., arXiv:1912.04958) trained on {c.data} at "
            f"{c.model.resolution}×{c.model.resolution}: z ∈ R^{c.model.latent_dim}, "
            f"{c.model.mapping_layers}-layer mapping to w ∈ R^{c.model.w_dim}, {c.model.width} feature maps, "
            "modulated/demodulated convs, per-layer noise, skip outputs. Non-saturating loss + lazy R1 "
            f"(γ = {c.r1_gamma}), style mixing p = {c.mixing_prob}, EMA β = {c.ema_beta}; the weights are the "
            "EMA generator's."
        )

    def card_extra(self) -> str:
        resolutions = ", ".join(f"{i}: {r}²" for i, r in enumerate(self.model.ws_resolutions))
        report, _ = generator_report(self.model, self.config.seed, self.config.fid_samples)
        return f"""
## Styles

num_ws = {self.model.num_ws}; the resolution each row of ws styles: {resolutions}.
{report}"""


def train_stylegan(config: StyleGANTrainConfig, out: str | Path | None, **options) -> Iterator[Event]:
    """Train the StyleGAN and yield events; ``options`` as for ``trainers.loop.launch``."""
    return launch(lambda config, device, data: StyleGANTask(config, device), config, out, **options)
