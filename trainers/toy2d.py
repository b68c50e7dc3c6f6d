"""The 2-D GAN lab: a tiny GAN on toy data, stepped live, with the lecture's quantities measured.

Goodfellow et al., arXiv:1406.2661 (minimax and non-saturating losses, the optimal discriminator
D*(x) = p_d(x) / (p_d(x) + p_g(x)), the JSD at D*), Arjovsky et al., arXiv:1701.07875 (WGAN with
weight clipping), Gulrajani et al., arXiv:1704.00028 (WGAN-GP; λ = 0.1 on their toy data, 10 on
images), Lim & Ye 2017 (hinge), Miyato et al., arXiv:1802.05957 (spectral normalisation: W/σ(W), σ by one
power iteration per forward). Unlike the image trainers this one is stepped by hand (D only, G
only, both) so that the lab can play, pause and single-step; ``run`` still yields events.
"""

import contextlib
import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as with_spectral_norm

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
    spectral_norm: bool = False  # D's linear layers as W/σ(W) (Miyato et al. 2018); with any loss
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
        if not (math.isfinite(self.clip) and self.clip > 0):
            raise ValueError(f"the WGAN clip value c must be a number > 0, got {self.clip}")
        if not (math.isfinite(self.gp_lambda) and self.gp_lambda >= 0):
            raise ValueError(f"the WGAN-GP λ must be a number ≥ 0, got {self.gp_lambda}")
        if not isinstance(self.spectral_norm, bool):
            raise ValueError(f"spectral_norm must be True or False, got {self.spectral_norm!r}")


@dataclass(frozen=True)
class ToyStep:
    step: int
    d_loss: float | None  # None until that network has been updated once
    g_loss: float | None
    js: float  # JSD of the two point sets, 32² histogram plug-in estimate (nats, ≤ log 2; biased, see js_divergence)
    modes_covered: int | None  # mixtures only
    g_grad_norm: float | None  # ‖∇_x L_G‖ per fake, mean over the batch: how hard G is being pushed
    g_grad_std: float | None = None  # … and its standard deviation over the batch (Arjovsky & Bottou 2017)
    value_at_optimum: float | None = None  # V(G, D*) on the grid (only while that panel is shown)
    jsd_grid: float | None = None  # JSD(p_d ‖ p_g) of the same grid densities (nats)


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
    """JSD(p‖q) = ½KL(p‖m) + ½KL(q‖m), m = (p + q)/2, on 2-D histograms (0 ≤ JSD ≤ log 2).

    A plug-in estimate, biased both ways: sampling noise makes it > 0 for two samples of one distribution
    (0.02–0.07 nats for two 512-point samples of the ring or the moons), and differences inside one bin (0.16
    wide) are invisible.
    """
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


def grid_kde(points: np.ndarray, axis: np.ndarray, bandwidth: float) -> np.ndarray:
    """``kde`` on the grid axis × axis, (len(axis), len(axis)) with rows = x₂: the Gaussian kernel factorises,
    exp(−‖g − p‖²/2h²) = exp(−(g₁ − p₁)²/2h²)·exp(−(g₂ − p₂)²/2h²), so the sum over points is one matrix
    product, O(r·n) exponentials instead of O(r²·n)."""

    def kernel(coordinate: np.ndarray) -> np.ndarray:  # (r, n); 0 beyond 10 h: exp would only return subnormals,
        exponent = (axis[:, None] - coordinate[None, :]) ** 2 / (2 * bandwidth**2)  # which cost ~100× on x86
        return np.where(exponent < 50, np.exp(-np.minimum(exponent, 50)), 0.0)

    k1, k2 = torch.from_numpy(kernel(points[:, 0])), torch.from_numpy(kernel(points[:, 1]))  # (r, n) each
    # torch's product, not numpy's: OpenBLAS's own threads spin against a busy machine (20 ms instead of 0.1)
    return (k2 @ k1.T).numpy() / (len(points) * 2 * math.pi * bandwidth**2)  # (r, r): [x₂ index, x₁ index]


def optimal_discriminator(real: np.ndarray, fake: np.ndarray, grid: np.ndarray, bandwidth: float = 0.1) -> np.ndarray:
    """D*(x) = p_d(x) / (p_d(x) + p_g(x)) from density estimates of both sets (½ where both vanish)."""
    return d_star(kde(real, grid, bandwidth), kde(fake, grid, bandwidth))


def d_star(p_d: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D* = p_d / (p_d + p_g), ½ where both densities vanish."""
    total = p_d + p_g
    return np.where(total > 1e-12, p_d / np.maximum(total, 1e-12), 0.5)


def _p_log(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """p·log q with 0·log 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * np.log(np.where(p > 0, q, 1.0)), 0.0)


def value_at_optimum(p_d: np.ndarray, p_g: np.ndarray, cell_area: float) -> tuple[float, float]:
    """(V(G, D*), JSD(p_d ‖ p_g)) of two densities on a grid, each first normalised to mass 1 on it.

    V(G, D*) = Σ_grid [p_d log D* + p_g log(1 − D*)]·ΔA with D* = p_d/(p_d + p_g), and
    JSD = ½Σ p_d log(p_d/m) + ½Σ p_g log(p_g/m), m = (p_d + p_g)/2; Goodfellow et al. 2014, Theorem 1:
    V(G, D*) = −log 4 + 2·JSD, so V = −log 4 exactly when p_g = p_d.
    """
    p_d = p_d / max(float(p_d.sum()) * cell_area, 1e-300)
    p_g = p_g / max(float(p_g.sum()) * cell_area, 1e-300)
    total = p_d + p_g
    value = (_p_log(p_d, p_d / np.maximum(total, 1e-300)) + _p_log(p_g, p_g / np.maximum(total, 1e-300))).sum()
    m = total / 2
    jsd = 0.5 * (_p_log(p_d, p_d / np.maximum(m, 1e-300)) + _p_log(p_g, p_g / np.maximum(m, 1e-300))).sum()
    return float(value * cell_area), float(jsd * cell_area)


class ToyLab:
    """A toy GAN and its data; ``step_d``/``step_g``/``step`` advance it, the rest measures it."""

    def __init__(self, config: ToyLabConfig):
        self.config = config
        torch.manual_seed(config.seed)
        self.real = toy_points(config.dataset, config.n_points, config.noise, config.seed)
        self.modes = toy_modes(config.dataset)
        self.generator = ToyGenerator(config.model)
        self.discriminator = ToyDiscriminator(config.model)
        if config.spectral_norm:  # W ← W/σ(W) on every linear layer, σ by power iteration (u, v kept as buffers)
            for layer in self.discriminator.net:
                if isinstance(layer, nn.Linear):
                    with_spectral_norm(layer)
        self.rng = torch.Generator().manual_seed(config.seed)
        self.fixed_z = self.generator.sample_latent(config.n_points, torch.Generator().manual_seed(config.seed + 1))
        self.step_count = 0
        self.history: list[ToyStep] = []
        self.last: dict[str, float | None] = {"d_loss": None, "g_loss": None, "g_grad_norm": None, "g_grad_std": None}
        self.diverged = False
        self.measure_value = False  # record V(G, D*) and the grid JSD each step (costs a KDE: only while shown)

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
        norms = fake.grad.norm(dim=1) * fake.shape[0]  # per fake: ‖∇_x L_G‖ of its own loss term
        self.last["g_grad_norm"] = float(norms.mean())
        self.last["g_grad_std"] = float(norms.std()) if len(norms) > 1 else 0.0
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
        value, jsd = self.optimal_value(fake) if self.measure_value and not self.diverged else (None, None)
        record = ToyStep(
            step=self.step_count,
            d_loss=self.last["d_loss"],
            g_loss=self.last["g_loss"],
            js=js_divergence(self.real.numpy(), fake) if np.isfinite(fake).all() else float("nan"),
            modes_covered=self.coverage(fake),
            g_grad_norm=self.last["g_grad_norm"],
            g_grad_std=self.last["g_grad_std"],
            value_at_optimum=value,
            jsd_grid=jsd,
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

    @contextlib.contextmanager
    def _measuring(self):
        """D in eval mode while the lab measures it: spectral norm then reuses its u, v instead of stepping its
        power iteration, so drawing a frame never changes the run."""
        self.discriminator.eval()
        try:
            yield
        finally:
            self.discriminator.train()

    @torch.no_grad()
    def discriminator_map(self, resolution: int = 64) -> np.ndarray:
        """D on a grid over the plane: probability σ(D) for the GAN losses, the raw critic for WGAN/hinge."""
        with self._measuring():
            scores = self.discriminator(torch.from_numpy(self.grid(resolution)))
        if self.objective.probabilities:
            scores = torch.sigmoid(scores)
        return scores.view(resolution, resolution).numpy()

    def generator_push(self, k: int = 48) -> tuple[np.ndarray, np.ndarray]:
        """(points, −∇_x L_G) for k fakes, unscaled: where the generator's loss pushes each generated point."""
        points = torch.from_numpy(self.fake_points()[:k]).requires_grad_(True)
        with self._measuring():
            loss = self._g_loss(self.discriminator(points))
        (gradient,) = torch.autograd.grad(loss * len(points), points)
        return points.detach().numpy(), -gradient.numpy()

    def densities(self, fake: np.ndarray | None = None, resolution: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """(p_d, p_g): kernel density estimates of the data and of G's points on the plane's grid."""
        fake = self.fake_points() if fake is None else fake
        axis = np.linspace(-EXTENT, EXTENT, resolution)
        bandwidth = max(self.config.noise, 0.08)
        return grid_kde(self.real.numpy(), axis, bandwidth), grid_kde(fake, axis, bandwidth)

    def optimal_d_map(self, resolution: int = 64) -> np.ndarray:
        """D*(x) = p_d / (p_d + p_g) on the grid, (resolution, resolution) with rows = x₂."""
        return d_star(*self.densities(resolution=resolution))

    def optimal_value(self, fake: np.ndarray | None = None, resolution: int = 64) -> tuple[float, float]:
        """(V(G, D*), JSD) on the grid: Goodfellow et al. 2014, Thm 1, V(G, D*) = −log 4 + 2·JSD(p_d ‖ p_g)."""
        cell_area = (2 * EXTENT / (resolution - 1)) ** 2
        return value_at_optimum(*self.densities(fake, resolution), cell_area)

    @torch.no_grad()
    def z_grid(self, lines: int = 9, points: int = 41) -> tuple[np.ndarray, np.ndarray]:
        """(z, G(z)) on a regular grid of z, shaped (curves, points, latent_dim) and (curves, points, 2).

        2-D z: ``lines`` lines of constant z₁ then ``lines`` of constant z₂; 1-D z: one curve G(z). z spans
        [−2, 2] for the Gaussian prior (±2σ), [−1, 1] for the uniform one (its support): p_g is the push-forward
        of p(z) through G, and these are the images of p(z)'s coordinate lines.
        """
        reach = 1.0 if self.config.model.prior == "uniform" else 2.0
        if self.config.model.latent_dim == 1:
            z = torch.linspace(-reach, reach, 5 * points).view(1, -1, 1)  # (1, p, 1)
        else:
            levels, along = torch.linspace(-reach, reach, lines), torch.linspace(-reach, reach, points)
            first = torch.stack(torch.meshgrid(levels, along, indexing="ij"), dim=-1)  # (lines, p, 2): z₁ constant
            z = torch.cat([first, first.flip(-1)])  # (2·lines, p, 2): then z₂ constant
        x = self.generator(z.reshape(-1, z.shape[-1])).view(*z.shape[:2], 2)
        return z.numpy(), x.numpy()

    def interpolates(self, k: int = 96) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, G(z), x̂) for k pairs: WGAN-GP's x̂ = εx + (1 − ε)G(z), ε ~ U(0, 1) (Gulrajani et al. 2017), drawn
        from a generator of their own so that showing them leaves the run's random stream alone."""
        rng = torch.Generator().manual_seed(self.config.seed + 7 + self.step_count)
        real = self.real[torch.randint(len(self.real), (k,), generator=rng)]
        fake = torch.from_numpy(self.fake_points()[:k])
        eps = torch.rand(len(fake), 1, generator=rng)
        real = real[: len(fake)]
        return real.numpy(), fake.numpy(), (eps * real + (1 - eps) * fake).numpy()

    def critic_gradient_norms(self, points: np.ndarray) -> np.ndarray:
        """‖∇_x D(x)‖ at each point (of the logit / critic score): 1-Lipschitz means ≤ 1 everywhere."""
        x = torch.from_numpy(np.asarray(points, dtype=np.float32)).requires_grad_(True)
        with self._measuring():
            (gradient,) = torch.autograd.grad(self.discriminator(x).sum(), x)
        return gradient.norm(dim=1).numpy()

    def critic_gradient_map(self, resolution: int = 64) -> np.ndarray:
        """``critic_gradient_norms`` on the plane's grid, (resolution, resolution) with rows = x₂."""
        return self.critic_gradient_norms(self.grid(resolution)).reshape(resolution, resolution)

    def critic_weights(self) -> np.ndarray:
        """Every parameter of D, flattened (what WGAN clips to [−c, c])."""
        return torch.cat([p.detach().flatten() for p in self.discriminator.parameters()]).numpy()

    @torch.no_grad()
    def spectral_norms(self) -> list[tuple[str, float, float]]:
        """(layer, σ from the power iteration uᵀWv, exact σ_max(W) from svdvals) for D's spectrally normalised
        layers (Miyato et al. 2018, Algorithm 1: v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖, σ ≈ uᵀWv); [] without SN."""
        rows = []
        for name, layer in self.discriminator.net.named_children():
            if not hasattr(layer, "parametrizations"):
                continue
            weight = layer.parametrizations.weight.original
            normaliser = layer.parametrizations.weight[0]
            estimate = torch.dot(normaliser._u, weight @ normaliser._v)
            rows.append((f"linear {name}", float(estimate), float(torch.linalg.svdvals(weight)[0])))
        return rows


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
