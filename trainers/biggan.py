"""BigGAN training: hinge loss, n_dis D steps per G step, orthogonal regularisation, EMA generator.

Brock et al., arXiv:1809.11096: Adam with β1 = 0 and β2 = 0.999, spectral norm in both networks,
orthogonal regularisation β = 1e-4 on G, EMA of G's weights for sampling. Real images come with
their labels; fakes get classes drawn uniformly.
"""

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from explorer import losses
from explorer.data import ImageDataset
from explorer.models.biggan import BigGANConfig, BigGANDiscriminator, BigGANGenerator
from trainers.distributed import without_gradient_sync
from trainers.evaluation import generator_report
from trainers.events import Event
from trainers.loop import RunLength, Task, ema_update, inference_samples, launch


@dataclass
class BigGANTrainConfig(RunLength):
    data: str = "fashion-mnist"
    g_lr: float = 1e-4  # generator Adam learning rate
    d_lr: float = 4e-4  # discriminator Adam learning rate (two time-scale update rule)
    beta1: float = 0.0
    beta2: float = 0.999
    n_dis: int = 2  # discriminator steps (batches) per generator step
    ortho_beta: float = 1e-4  # orthogonal regularisation weight (0 = off)
    ema_beta: float = 0.999
    d_width: int = 64
    fid_samples: int = 10_000  # samples for the model card's FID (0 = no FID)
    model: BigGANConfig = field(default_factory=BigGANConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = BigGANConfig(**self.model)
        self.check()
        if self.g_lr <= 0 or self.d_lr <= 0 or self.n_dis < 1 or self.ortho_beta < 0:
            raise ValueError("need g_lr, d_lr > 0, n_dis ≥ 1 and ortho_beta ≥ 0")


class BigGANTask(Task):
    def __init__(self, config: BigGANTrainConfig, device: torch.device):
        self.config = self.length = config
        torch.manual_seed(config.seed)
        self.generator = BigGANGenerator(config.model).to(device)
        self.discriminator = BigGANDiscriminator(config.model, config.d_width).to(device)
        self.model = copy.deepcopy(self.generator).eval()
        self.model.requires_grad_(False)
        betas = (config.beta1, config.beta2)
        self.g_optim = torch.optim.Adam(self.generator.parameters(), lr=config.g_lr, betas=betas)
        self.d_optim = torch.optim.Adam(self.discriminator.parameters(), lr=config.d_lr, betas=betas)
        self.modules = {"generator": self.generator, "discriminator": self.discriminator}
        self.optimizers = {"g_optim": self.g_optim, "d_optim": self.d_optim}
        self.fixed_z = self.model.sample_latent(64, config.seed).to(device)
        self.fixed_classes = [i % config.model.num_classes for i in range(64)]
        self.last_g: dict[str, float] = {}  # the latest generator metrics (G steps every n_dis steps)
        # what train_step runs forward through: the networks, or their DDP / compiled wrappers (``parallel``)
        self.parallel_generator, self.parallel_discriminator = self.generator, self.discriminator

    def parallel(self, wrap) -> None:
        self.parallel_generator, self.parallel_discriminator = wrap(self.generator), wrap(self.discriminator)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        n, device, k = images.shape[0], images.device, self.config.model.num_classes
        self.generator.train()
        real_vectors = F.one_hot(labels, k).float()
        latent_dim = self.config.model.latent_dim
        # 1. Discriminator (every step): hinge loss on real (x, y) and fake (G(z, y'), y').
        fake_vectors = F.one_hot(self.randint(k, n, device=device), k).float()
        with self.precision.autocast():
            with torch.no_grad():
                fake = self.parallel_generator(self.randn(n, latent_dim, device=device), fake_vectors)
            real_logits = self.parallel_discriminator(images, real_vectors)
            fake_logits = self.parallel_discriminator(fake, fake_vectors)
            d_loss = losses.discriminator_loss_hinge(real_logits, fake_logits)
        self.check_finite(d_loss=d_loss)
        self.optimize(self.d_optim, d_loss)
        # 2. Generator (every n_dis steps): −E[D(G(z, y), y)] + β · orthogonal regularisation; D is only looked through.
        if (step + 1) % self.config.n_dis == 0:
            fake_vectors = F.one_hot(self.randint(k, n, device=device), k).float()
            with self.precision.autocast(), without_gradient_sync(self.parallel_discriminator):
                fake = self.parallel_generator(self.randn(n, latent_dim, device=device), fake_vectors)
                g_loss = losses.generator_loss_hinge(self.parallel_discriminator(fake, fake_vectors))
            if self.config.ortho_beta:
                ortho = losses.orthogonal_regularization(self.generator)
            else:  # measured all the same, so runs with and without the regulariser compare
                with torch.no_grad():
                    ortho = losses.orthogonal_regularization(self.generator)
            total = g_loss + self.config.ortho_beta * ortho
            self.check_finite(g_loss=total)
            self.optimize(self.g_optim, total)
            ema_update(self.model, self.generator, self.config.ema_beta)
            self.last_g = {"g_loss": g_loss.item(), "ortho": ortho.item()}
        return {
            "d_loss": d_loss.item(),
            "d_real": real_logits.mean().item(),  # mean critic value on reals (hinge: no sigmoid)
            "d_fake": fake_logits.mean().item(),
            **self.last_g,
        }

    def samples(self) -> torch.Tensor:
        return inference_samples(self.model, lambda: self.model.generate(self.fixed_z, self.fixed_classes))

    def summary(self) -> str:
        c = self.config
        return (
            f"A small class-conditional BigGAN (Brock et al., arXiv:1809.11096) trained on {c.data} at 32×32: "
            f"z ∈ R^{c.model.latent_dim} split into {c.model.num_blocks + 1} chunks, shared class embedding "
            f"({c.model.embed_dim}-d), conditional batch norm, self-attention at {c.model.attention_resolution}², "
            f"spectral norm in G and D, projection discriminator, hinge loss, {c.n_dis} D steps per G step, "
            f"orthogonal regularisation β = {c.ortho_beta}, EMA β = {c.ema_beta} "
            "(the weights are the EMA generator's)."
        )

    def card_extra(self) -> str:
        names = ", ".join(f"{i}: {name}" for i, name in enumerate(self.config.model.class_names))
        report, _ = generator_report(self.model, self.config.seed, self.config.fid_samples)
        return f"""
## Classes

{names}. The sample grid shows classes 0–9 along each row. Samples for FID cycle through the classes
(balanced).
{report}"""


def train_biggan(config: BigGANTrainConfig, out: str | Path | None, **options) -> Iterator[Event]:
    """Train the BigGAN and yield events; ``options`` as for ``trainers.loop.launch``."""

    def make_task(config: BigGANTrainConfig, device: torch.device, data: ImageDataset) -> BigGANTask:
        if len(data.class_names) != config.model.num_classes:
            raise ValueError(f"{data.name} has {len(data.class_names)} classes, the model {config.model.num_classes}")
        return BigGANTask(config, device)

    return launch(make_task, config, out, **options)
