"""ProGAN training (Karras et al., arXiv:1710.10196): G and D grow 4² → 8² → 16² → 32² as they learn.

The stage follows the images shown (``explorer.models.progan.stage_at``): 4² for ``phase_images`` images, then
per level a fade-in (α from 0 to 1) and a stabilisation of ``phase_images`` each; the last level stays. Real
images are average-pooled to the stage's side, and during a fade blended with their own 2× blurrier version by
the same α, so D compares like with like (the paper's §A.1). The paper's loss and settings otherwise: WGAN-GP
(λ = 10) with drift ε·E[D(x)²] (ε = 10⁻³), one critic step per G step, Adam lr 10⁻³, β = (0, 0.99), and the
generator the app loads is an exponential moving average of G's weights (``ProGANTrainConfig.ema``). Each step
reports its ``resolution`` and ``alpha``, so the Training tab's plot can mark the phases.

One process only: the blocks a stage does not use have no gradient, which DistributedDataParallel refuses.
"""

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from explorer import losses
from explorer.data import ImageDataset
from explorer.models.progan import (
    ProGANConfig,
    ProGANDiscriminator,
    ProGANGenerator,
    downsample_to,
    fade,
    phase_starts,
    side,
    stage_at,
)
from trainers.evaluation import generator_report
from trainers.events import Event
from trainers.loop import RunLength, Task, ema_update, inference_samples, launch


@dataclass
class ProGANTrainConfig(RunLength):
    data: str = "fashion-mnist"
    phase_images: int = 60_000  # images per fade-in and per stabilisation (the paper: 800 000)
    lr: float = 1e-3
    beta1: float = 0.0
    beta2: float = 0.99
    gp_lambda: float = 10.0  # WGAN-GP weight
    drift: float = 1e-3  # ε of the drift term ε·E[D(x)²], which keeps the critic's scores near 0
    ema_beta: float = 0.0  # the generator the app loads: an EMA of G; 0 = auto, a half-life of a tenth of a phase
    fid_samples: int = 10_000  # samples for the model card's FID (0 = no FID)
    model: ProGANConfig = field(default_factory=ProGANConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = ProGANConfig(**self.model)
        self.check()
        if self.phase_images < 1 or self.lr <= 0 or self.gp_lambda < 0 or self.drift < 0:
            raise ValueError("need phase_images ≥ 1, lr > 0, gp_lambda ≥ 0 and drift ≥ 0")
        if not 0 <= self.ema_beta < 1:
            raise ValueError(f"ema_beta must be in [0, 1), got {self.ema_beta}")

    @property
    def ema(self) -> float:
        """The EMA decay per step: ``ema_beta``, or (0 = auto) the one whose half-life is a tenth of a phase. The
        paper's 0.999 has a half-life of 693 steps, nothing against its 800 000-image phases (50 000 steps of 16) but
        most of one of ours: the averaged weights would mix the stages (measured: FID 1 723 against the raw G's
        1 019 a third into the 32² fade-in of a run with 0.999)."""
        if self.ema_beta:
            return self.ema_beta
        half_life = max(1.0, self.phase_images / self.batch_size / 10)
        return 0.5 ** (1 / half_life)


def real_at(images: torch.Tensor, level: int, alpha: float) -> torch.Tensor:
    """Real images as D sees them at a stage: pooled to its side; during a fade, blended with the lower level's."""
    current = downsample_to(images, side(level))
    if level == 0 or alpha >= 1.0:
        return current
    lower = F.interpolate(downsample_to(images, side(level - 1)), scale_factor=2, mode="nearest")
    return fade(lower, current, alpha)


class ProGANTask(Task):
    def __init__(self, config: ProGANTrainConfig, device: torch.device):
        self.config = self.length = config
        torch.manual_seed(config.seed)
        self.generator = ProGANGenerator(config.model).to(device)
        self.discriminator = ProGANDiscriminator(config.model).to(device)
        self.model = copy.deepcopy(self.generator).eval().requires_grad_(False)  # the EMA generator
        self.generator.grow_to(0, 1.0)
        self.model.grow_to(0, 1.0)
        betas = (config.beta1, config.beta2)
        self.g_optim = torch.optim.Adam(self.generator.parameters(), lr=config.lr, betas=betas)
        self.d_optim = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr, betas=betas)
        self.modules = {"generator": self.generator, "discriminator": self.discriminator}
        self.optimizers = {"g_optim": self.g_optim, "d_optim": self.d_optim}
        self.fixed_z = self.model.sample_latent(64, config.seed).to(device)

    def parallel(self, wrap) -> None:
        raise ValueError("ProGAN trains in one process, uncompiled: a stage leaves the other levels' blocks unused")

    def stage(self, step: int) -> tuple[int, float]:
        return stage_at(step * self.config.batch_size, self.config.phase_images, self.config.model.max_level)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        c = self.config
        level, alpha = self.stage(step)
        self.generator.grow_to(level, alpha)
        n, device = images.shape[0], images.device
        real = real_at(images, level, alpha)
        # 1. the critic: WGAN-GP + drift
        z = self.randn(n, c.model.latent_dim, device=device)
        with self.precision.autocast():
            fake = self.generator.synthesize(z, level, alpha)
            real_scores = self.discriminator(real, level, alpha)
            fake_scores = self.discriminator(fake.detach(), level, alpha)
            d_loss = losses.critic_loss_wasserstein(real_scores, fake_scores) + c.drift * real_scores.pow(2).mean()
        with self.precision.penalty():
            penalty = losses.gradient_penalty(lambda x: self.discriminator(x, level, alpha), real, fake.detach())
        total = d_loss + c.gp_lambda * penalty
        self.check_finite(d_loss=total)
        self.optimize(self.d_optim, total)
        # 2. G
        with self.precision.autocast():
            g_loss = losses.generator_loss_wasserstein(self.discriminator(fake, level, alpha))
        self.check_finite(g_loss=g_loss)
        self.optimize(self.g_optim, g_loss)
        ema_update(self.model, self.generator, c.ema)  # the stage buffer too
        return {
            "d_loss": total.item(),
            "g_loss": g_loss.item(),
            "d_real": real_scores.mean().item(),
            "d_fake": fake_scores.mean().item(),
            "wasserstein": (real_scores.mean() - fake_scores.mean()).item(),
            "gp": penalty.item(),
            "resolution": float(side(level)),
            "alpha": alpha,
        }

    def samples(self) -> torch.Tensor:
        return inference_samples(self.model, lambda: self.model.generate(self.fixed_z))

    def summary(self) -> str:
        c = self.config
        starts = ", ".join(
            f"{label} from image {images:,}" for images, label in phase_starts(c.phase_images, c.model.max_level)
        )
        return (
            f"A progressively grown GAN (Karras et al., arXiv:1710.10196) trained on {c.data}, growing 4² → "
            f"{c.model.resolution}² ({starts}); {c.model.width} feature maps at 4² and 8², halved per level above, z ∈ "
            f"R^{c.model.latent_dim}, equalised learning rate, pixel norm, minibatch std; WGAN-GP (λ = "
            f"{c.gp_lambda:g}) + drift {c.drift:g}, Adam lr {c.lr:g}, β = ({c.beta1}, {c.beta2}); the weights are "
            f"G's EMA (β = {c.ema:.4f}). The model generates at the stage it reached: "
            f"{side(self.model.level)}², α = {self.model.alpha:.2f}."
        )

    def card_extra(self) -> str:
        report, _ = generator_report(self.model, self.config.seed, self.config.fid_samples)
        return report


def train_progan(config: ProGANTrainConfig, out: str | Path | None, **options) -> Iterator[Event]:
    """Train a ProGAN and yield events; ``options`` as for ``trainers.loop.launch``."""

    def make_task(config: ProGANTrainConfig, device: torch.device, data: ImageDataset) -> ProGANTask:
        return ProGANTask(config, device)

    return launch(make_task, config, out, **options)
