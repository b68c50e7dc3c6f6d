"""DCGAN training: Goodfellow et al.'s Algorithm 1 with k = 1 D step per G step.

arXiv:1406.2661 (the game), arXiv:1511.06434 (DCGAN: Adam 2e-4, β1 = 0.5, batch 128). The shared
loop (``trainers.loop``) provides events, checkpoints, ``--resume`` and the NaN stop.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch

from explorer.data import ImageDataset
from explorer.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from trainers import losses
from trainers.evaluation import generator_report
from trainers.events import Event
from trainers.loop import RunLength, Task, check_finite, inference_samples, launch


@dataclass
class DCGANTrainConfig(RunLength):
    data: str = "fashion-mnist"  # dataset name (explorer.data.DATASETS)
    loss: str = "non-saturating"  # generator loss: "minimax" | "non-saturating"
    lr: float = 2e-4  # Adam learning rate for both networks (DCGAN paper)
    beta1: float = 0.5  # Adam β1 (DCGAN paper: 0.5 instead of 0.9 for stability)
    beta2: float = 0.999
    n_samples: int = 64  # images in the fixed-z sample grid
    fid_samples: int = 10_000  # samples for the model card's FID (0 = no FID)
    model: DCGANConfig = field(default_factory=DCGANConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = DCGANConfig(**self.model)
        self.check()
        if self.loss not in losses.GENERATOR_LOSSES:
            raise ValueError(f"loss must be one of {sorted(losses.GENERATOR_LOSSES)}, got {self.loss!r}")
        if not (self.lr > 0 and 0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError(f"need lr > 0 and betas in [0, 1), got lr={self.lr}, betas=({self.beta1}, {self.beta2})")
        if self.fid_samples < 0:
            raise ValueError(f"fid_samples must be ≥ 0, got {self.fid_samples}")
        if self.n_samples < 1:
            raise ValueError(f"n_samples must be ≥ 1, got {self.n_samples}")


class DCGANTask(Task):
    family = "dcgan"

    def __init__(self, config: DCGANTrainConfig, device: torch.device):
        self.config = self.length = config
        torch.manual_seed(config.seed)
        self.model = DCGANGenerator(config.model).to(device)
        self.discriminator = DCGANDiscriminator(config.model).to(device)
        betas = (config.beta1, config.beta2)
        self.g_optim = torch.optim.Adam(self.model.parameters(), lr=config.lr, betas=betas)
        self.d_optim = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr, betas=betas)
        self.modules = {"discriminator": self.discriminator}
        self.optimizers = {"g_optim": self.g_optim, "d_optim": self.d_optim}
        self.generator_loss = losses.GENERATOR_LOSSES[config.loss]
        self.fixed_z = self.model.sample_latent(config.n_samples, config.seed).to(device)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        # 1. Discriminator: maximise log D(x) + log(1 − D(G(z))) with G frozen.
        z = torch.randn(images.shape[0], self.config.model.latent_dim, device=images.device)
        fake = self.model(z)
        real_logits = self.discriminator(images)
        fake_logits = self.discriminator(fake.detach())
        d_loss = losses.discriminator_loss(real_logits, fake_logits)
        check_finite(d_loss=d_loss)
        self.d_optim.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optim.step()
        # 2. Generator: minimise its loss on the same fakes; only G's optimiser steps.
        g_loss = self.generator_loss(self.discriminator(fake))
        check_finite(g_loss=g_loss)
        self.g_optim.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optim.step()
        return {
            "d_loss": d_loss.item(),
            "g_loss": g_loss.item(),
            "d_real": torch.sigmoid(real_logits).mean().item(),  # mean D(x)
            "d_fake": torch.sigmoid(fake_logits).mean().item(),  # mean D(G(z)) before G's update
        }

    def samples(self) -> torch.Tensor:
        return inference_samples(self.model, lambda: self.model(self.fixed_z))

    def summary(self) -> str:
        c = self.config
        return (
            f"A DCGAN generator (Radford et al., arXiv:1511.06434) trained on {c.data} at "
            f"{c.model.resolution}×{c.model.resolution}, {c.model.channels} channel(s), z ∈ R^{c.model.latent_dim} "
            f"~ N(0, I). Generator loss: {c.loss}; discriminator: binary cross-entropy on logits; "
            f"Adam lr {c.lr}, β = ({c.beta1}, {c.beta2})."
        )

    def card_extra(self) -> str:
        return generator_report(self.model, self.config.seed, self.config.fid_samples)[0]


def train_dcgan(config: DCGANTrainConfig, out: str | Path | None, **options) -> Iterator[Event]:
    """Train a DCGAN and yield events; write the checkpoint folder ``out`` (None = write nothing).

    ``options``: ``data`` (default: the config's dataset), ``resume``, ``device``, ``command``.
    """

    def make_task(config: DCGANTrainConfig, device: torch.device, data: ImageDataset) -> DCGANTask:
        if data.channels != config.model.channels or data.resolution != config.model.resolution:
            raise ValueError(
                f"data is {data.channels}×{data.resolution}², the model expects "
                f"{config.model.channels}×{config.model.resolution}²"
            )
        return DCGANTask(config, device)

    return launch(make_task, config, out, **options)
