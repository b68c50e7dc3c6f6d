"""The 2-D GAN lab: a tiny GAN on toy data, stepped live, with the lecture's quantities measured.

Goodfellow et al., arXiv:1406.2661 (minimax and non-saturating losses, the optimal discriminator
D*(x) = p_d(x) / (p_d(x) + p_g(x)), the JSD at D*), Arjovsky et al., arXiv:1701.07875 (WGAN with
weight clipping), Gulrajani et al., arXiv:1704.00028 (WGAN-GP; λ = 0.1 on their toy data, 10 on
images), Lim & Ye 2017 (hinge). Unlike the image trainers this one is stepped by hand (D only, G
only, both) so that the lab can play, pause and single-step; ``run`` still yields events.
"""

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from explorer.data import toy_modes, toy_points
from explorer.models.toy2d import ToyDiscriminator, ToyGANConfig, ToyGenerator
from trainers import losses

LOSSES = ("minimax", "non-saturating", "wgan", "wgan-gp", "hinge")  # the lab's choice of losses.OBJECTIVES
OPTIMIZERS = ("adam", "sgd", "rmsprop")
EXTENT = 2.5  # the lab shows [−EXTENT, EXTENT]²


@dataclass
class ToyLabConfig:
    dataset: str = "ring of 8 Gaussians"
    n_points: int = 512  # real points (and displayed fakes)
    noise: float = 0.05  # std of each mixture component / jitter
    loss: str = "non-saturating"
    optimizer: str = "adam"
    g_lr: float = 1e-3
    d_lr: float = 1e-3
    d_steps: int = 1  # D (critic) steps per G step; WGAN: n_critic = 5
    clip: float = 0.01  # WGAN weight clipping c
    gp_lambda: float = 0.1  # WGAN-GP λ (0.1 for 2-D toy data in the paper)
    batch_size: int = 256
    seed: int = 0
    model: ToyGANConfig = field(default_factory=ToyGANConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = ToyGANConfig(**self.model)
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if not (self.g_lr > 0 and self.d_lr > 0):
            raise ValueError(f"learning rates must be > 0, got G {self.g_lr}, D {self.d_lr}")
        if not 1 <= self.d_steps <= 20:
            raise ValueError(f"D steps per G step must be between 1 and 20, got {self.d_steps}")
        if not 2 <= self.batch_size <= 4096:
            raise ValueError(f"batch size must be between 2 and 4096, got {self.batch_size}")
        if not 16 <= self.n_points <= 20_000:
            raise ValueError(f"the number of points must be between 16 and 20 000, got {self.n_points}")
        if self.clip <= 0 or self.gp_lambda < 0:
            raise ValueError("need clip > 0 and gp_lambda ≥ 0")


@dataclass(frozen=True)
class ToyStep:
    step: int
    d_loss: float | None  # None until that network has been updated once
    g_loss: float | None
    js: float  # Jensen–Shannon divergence of the two point sets (histogram estimate, nats, ≤ log 2)
    modes_covered: int | None  # mixtures only
    g_grad_norm: float | None  # ‖∇_x L_G‖ per fake (mean): how hard G is being pushed


def mode_coverage(points: np.ndarray, modes: np.ndarray, radius: float, min_share: float = 0.02) -> int:
    """How many modes receive at least ``min_share`` of the points within ``radius`` of their centre."""
    distances = np.linalg.norm(points[:, None, :] - modes[None, :, :], axis=-1)  # (n, modes)
    nearest, closest = distances.argmin(axis=1), distances.min(axis=1)
    counts = np.bincount(nearest[closest <= radius], minlength=len(modes))
    return int((counts >= min_share * len(points)).sum())


def histogram(points: np.ndarray, bins: int = 32) -> np.ndarray:
    h, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=bins, range=[[-EXTENT, EXTENT]] * 2)
    return h / max(h.sum(), 1)


def js_divergence(a: np.ndarray, b: np.ndarray, bins: int = 32) -> float:
    """JSD(p‖q) = ½KL(p‖m) + ½KL(q‖m), m = (p + q)/2, on 2-D histograms (0 ≤ JSD ≤ log 2)."""
    p, q = histogram(a, bins), histogram(b, bins)
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * np.log(p / m), 0).sum()
        kl_q = np.where(q > 0, q * np.log(q / m), 0).sum()
    return float(0.5 * kl_p + 0.5 * kl_q)


def kde(points: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    """Gaussian kernel density estimate of ``points`` at ``grid`` (m, 2)."""
    d2 = ((grid[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / (2 * bandwidth**2)).mean(axis=1) / (2 * math.pi * bandwidth**2)


def optimal_discriminator(real: np.ndarray, fake: np.ndarray, grid: np.ndarray, bandwidth: float = 0.1) -> np.ndarray:
    """D*(x) = p_d(x) / (p_d(x) + p_g(x)) from density estimates of both sets (½ where both vanish)."""
    p_d, p_g = kde(real, grid, bandwidth), kde(fake, grid, bandwidth)
    total = p_d + p_g
    return np.where(total > 1e-12, p_d / np.maximum(total, 1e-12), 0.5)


class ToyLab:
    """A toy GAN and its data; ``step_d``/``step_g``/``step`` advance it, the rest measures it."""

    def __init__(self, config: ToyLabConfig):
        self.config = config
        torch.manual_seed(config.seed)
        self.real = toy_points(config.dataset, config.n_points, config.noise, config.seed)
        self.modes = toy_modes(config.dataset)
        self.generator = ToyGenerator(config.model)
        self.discriminator = ToyDiscriminator(config.model)
        self.rng = torch.Generator().manual_seed(config.seed)
        self.fixed_z = self.generator.sample_latent(config.n_points, torch.Generator().manual_seed(config.seed + 1))
        self.step_count = 0
        self.history: list[ToyStep] = []
        self.last: dict[str, float | None] = {"d_loss": None, "g_loss": None, "g_grad_norm": None}
        self.diverged = False

    # Optimisers are made on the first step: the first optimiser of a process imports much of torch
    # (≈ 1.7 s here), which the app's start and the lab's first drawing should not wait for.
    @functools.cached_property
    def g_optim(self) -> torch.optim.Optimizer:
        return self._optimizer(self.generator.parameters(), self.config.g_lr)

    @functools.cached_property
    def d_optim(self) -> torch.optim.Optimizer:
        return self._optimizer(self.discriminator.parameters(), self.config.d_lr)

    def _optimizer(self, params, lr: float) -> torch.optim.Optimizer:
        if self.config.optimizer == "sgd":
            return torch.optim.SGD(params, lr=lr, momentum=0.9)  # Goodfellow's Algorithm 1 uses momentum
        if self.config.optimizer == "rmsprop" or self.objective.optimizer == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr)  # WGAN: momentum-free RMSProp
        return torch.optim.Adam(params, lr=lr, betas=(0.5, self.objective.betas[1]))  # β1 = 0.5 on toy data

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        index = torch.randint(len(self.real), (self.config.batch_size,), generator=self.rng)
        return self.real[index], self.generator.sample_latent(self.config.batch_size, self.rng)

    @property
    def objective(self) -> losses.Objective:
        """The chosen loss: D's and G's losses, and whether it clips or penalises gradients."""
        return losses.OBJECTIVES[self.config.loss]

    def _d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        loss = self.objective.d_loss(self.discriminator(real), self.discriminator(fake))
        if self.objective.gp_lambda:  # the lab's own λ (0.1 for 2-D data, as in the paper's toy runs)
            loss = loss + self.config.gp_lambda * losses.gradient_penalty(self.discriminator, real, fake, self.rng)
        return loss

    def _g_loss(self, fake_out: torch.Tensor) -> torch.Tensor:
        return self.objective.g_loss(fake_out)

    def step_d(self) -> float:
        """One discriminator (critic) update; WGAN clips every weight to [−c, c] afterwards."""
        real, z = self._batch()
        with torch.no_grad():
            fake = self.generator(z)
        loss = self._d_loss(real, fake)
        self.d_optim.zero_grad(set_to_none=True)
        loss.backward()
        self.d_optim.step()
        if self.objective.clip:  # with the lab's own c
            with torch.no_grad():
                for p in self.discriminator.parameters():
                    p.clamp_(-self.config.clip, self.config.clip)
        self.last["d_loss"] = loss.item()
        return self.last["d_loss"]

    def step_g(self) -> float:
        """One generator update with D frozen (only G's optimiser steps)."""
        _, z = self._batch()
        fake = self.generator(z)
        fake.retain_grad()
        loss = self._g_loss(self.discriminator(fake))
        self.g_optim.zero_grad(set_to_none=True)
        loss.backward()
        self.g_optim.step()
        self.last["g_loss"] = loss.item()
        self.last["g_grad_norm"] = float(fake.grad.norm(dim=1).mean() * fake.shape[0])
        return self.last["g_loss"]

    def step(self, mode: str = "both") -> ToyStep:
        """``mode`` "both": d_steps D updates then one G update; "d" or "g": one update of that network."""
        if mode in ("both", "d"):
            for _ in range(self.config.d_steps if mode == "both" else 1):
                self.step_d()
        if mode in ("both", "g"):
            self.step_g()
        self.step_count += 1
        fake = self.fake_points()
        values = [v for v in (self.last["d_loss"], self.last["g_loss"]) if v is not None]
        self.diverged = self.diverged or not all(math.isfinite(v) for v in values) or not np.isfinite(fake).all()
        record = ToyStep(
            step=self.step_count,
            d_loss=self.last["d_loss"],
            g_loss=self.last["g_loss"],
            js=js_divergence(self.real.numpy(), fake) if np.isfinite(fake).all() else float("nan"),
            modes_covered=self.coverage(fake),
            g_grad_norm=self.last["g_grad_norm"],
        )
        self.history.append(record)
        return record

    def run(self, steps: int) -> Iterator[ToyStep]:
        for _ in range(steps):
            yield self.step()

    @torch.no_grad()
    def fake_points(self) -> np.ndarray:
        return self.generator(self.fixed_z).numpy()

    def coverage(self, fake: np.ndarray | None = None) -> int | None:
        if self.modes is None:
            return None
        fake = self.fake_points() if fake is None else fake
        return mode_coverage(fake, self.modes, radius=max(3 * self.config.noise, 0.1))

    def grid(self, resolution: int = 64) -> np.ndarray:
        axis = np.linspace(-EXTENT, EXTENT, resolution)
        return np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2).astype(np.float32)

    @torch.no_grad()
    def discriminator_map(self, resolution: int = 64) -> np.ndarray:
        """D on a grid over the plane: probability σ(D) for the GAN losses, the raw critic for WGAN/hinge."""
        scores = self.discriminator(torch.from_numpy(self.grid(resolution)))
        if self.objective.probabilities:
            scores = torch.sigmoid(scores)
        return scores.view(resolution, resolution).numpy()

    def generator_push(self, k: int = 48) -> tuple[np.ndarray, np.ndarray]:
        """(points, −∇_x L_G) for k fakes: where the generator's loss pushes each generated point."""
        points = torch.from_numpy(self.fake_points()[:k]).requires_grad_(True)
        loss = self._g_loss(self.discriminator(points))
        (gradient,) = torch.autograd.grad(loss * len(points), points)
        return points.detach().numpy(), -gradient.numpy()

    def optimal_d_map(self, resolution: int = 64) -> np.ndarray:
        fake = self.fake_points()
        d_star = optimal_discriminator(
            self.real.numpy(), fake, self.grid(resolution), bandwidth=max(self.config.noise, 0.08)
        )
        return d_star.reshape(resolution, resolution)


def generator_loss_curves(points: int = 200) -> dict[str, np.ndarray]:
    """The lecture's plot: G's loss and its gradient magnitude against D(G(z)) for both losses.

    minimax log(1 − D): derivative w.r.t. the logit is −D → vanishes as D → 0 (early training);
    non-saturating −log D: derivative −(1 − D) → strong as D → 0.
    """
    d = np.linspace(0.001, 0.999, points)
    return {
        "D(G(z))": d,
        "minimax log(1 − D)": np.log(1 - d),
        "non-saturating −log D": -np.log(d),
        "|∂/∂logit| minimax": d,
        "|∂/∂logit| non-saturating": 1 - d,
    }
