"""The 2-D GAN lab: a tiny GAN on toy data, stepped live, with the lecture's quantities measured.

Goodfellow et al., arXiv:1406.2661 (minimax and non-saturating losses, the optimal discriminator
D*(x) = p_d(x) / (p_d(x) + p_g(x)), the JSD at D*), Arjovsky et al., arXiv:1701.07875 (WGAN with
weight clipping), Gulrajani et al., arXiv:1704.00028 (WGAN-GP; λ = 0.1 on their toy data, 10 on
images), Lim & Ye 2017 (hinge), Miyato et al., arXiv:1802.05957 (spectral normalisation: W/σ(W), σ by one
power iteration per forward), Nowozin et al., arXiv:1606.00709 (f-GAN: any f-divergence, ``trainers.fgan``),
Metz et al., arXiv:1611.02163 (unrolled GAN), Karras et al., arXiv:1710.10196 (ProGAN's minibatch standard
deviation). Unlike the image trainers this one is stepped by hand (D only, G only, both) so that the lab can
play, pause and single-step; ``run`` still yields events.
"""

import contextlib
import copy
import dataclasses
import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call
from torch.nn.utils.parametrizations import spectral_norm as with_spectral_norm

from explorer import losses
from explorer.data import toy_modes, toy_points
from explorer.device import one_thread
from explorer.models.toy2d import ToyDiscriminator, ToyGANConfig, ToyGenerator, mlp
from trainers import fgan

LOSSES = ("minimax", "non-saturating", "wgan", "wgan-gp", "hinge")  # the lab's choice of losses.OBJECTIVES
OPTIMIZERS = ("adam", "sgd", "rmsprop")
EXTENT = 2.5  # the lab shows [−EXTENT, EXTENT]²
DIVERGENCES = ("none", *fgan.NAMES)  # "none": the loss's own objective; else the f-GAN objective of that D_f
G_STARTS = ("random", "data")  # "data": G fitted to the data before step 0, D ≡ ½ (the game at its optimum)
MAX_UNROLL = 10
PERTURBATION = 0.4  # "perturb G": every G(z) moved this far up


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
    divergence: str = "none"  # f-GAN objective (Nowozin et al. 2016); with the minimax / non-saturating G loss
    unroll: int = 0  # k look-ahead D updates inside G's loss (Metz et al. 2017); 0 = none
    minibatch_std: bool = False  # D also reads the batch's standard deviation (Karras et al. 2018)
    g_start: str = "random"  # "data": G starts fitted to the data and D ≡ ½
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
        if not isinstance(self.minibatch_std, bool):
            raise ValueError(f"minibatch_std must be True or False, got {self.minibatch_std!r}")
        if self.divergence not in DIVERGENCES:
            raise ValueError(f"the f-divergence must be one of {', '.join(DIVERGENCES)}, got {self.divergence!r}")
        if self.divergence != "none" and self.loss not in ("minimax", "non-saturating"):
            raise ValueError(
                f"the f-GAN objective ({self.divergence}) replaces the loss: set the loss to minimax (G minimises "
                f"−E f*(T)) or non-saturating (G maximises E T), not {self.loss}"
            )
        if isinstance(self.unroll, bool) or not isinstance(self.unroll, int) or not 0 <= self.unroll <= MAX_UNROLL:
            raise ValueError(
                f"the unrolled D steps k must be a whole number from 0 to {MAX_UNROLL}, got {self.unroll!r}"
            )
        if self.g_start not in G_STARTS:
            raise ValueError(f"G's start must be one of {', '.join(G_STARTS)}, got {self.g_start!r}")


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
    log_d_real: float | None = None  # E log D(x) on D's last batch (the BCE losses only): V's first term …
    log_one_minus_d_fake: float | None = None  # … and E log(1 − D(G(z))), its second; V = their sum = −J_D


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


def minibatch_std(points: torch.Tensor) -> torch.Tensor:
    """s = mean_j √(Var_batch[x_j] + 10⁻⁸): one number for the whole batch (Karras et al. 2018, §3: the standard
    deviation of each feature over the minibatch, averaged)."""
    return (points.var(dim=0, unbiased=False) + 1e-8).sqrt().mean()


class MinibatchStdDiscriminator(nn.Module):
    """points (n, 2) → logits (n,): ToyDiscriminator with ProGAN's minibatch standard deviation before its output
    layer, D(x) = w·[h(x), s] + b with h the last hidden features and s = ``minibatch_std`` of h over the batch.

    A batch of alike fakes has alike features, s ≈ 0, against the data's spread: D can reject a collapsed batch as
    a whole, and G's gradient through s pushes its points apart in D's features. ``reference`` takes s from another
    batch (the lab's fakes) when D is drawn on a grid.
    """

    def __init__(self, config: ToyGANConfig):
        super().__init__()
        hidden = mlp(2, config.d_width, config.d_layers, 1, lambda: nn.LeakyReLU(0.2))[:-1]
        self.net = nn.Sequential(*hidden, nn.Linear(config.d_width + 1, 1))  # net[-1] reads [h, s]

    def forward(self, points: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        body = self.net[:-1]
        h = body(points)  # (n, width)
        s = minibatch_std(h if reference is None else body(reference))
        return self.net[-1](torch.cat([h, s.expand(len(points), 1)], dim=1)).flatten()  # (n, width + 1) → (n,)


def fit_to_data(generator: ToyGenerator, z: torch.Tensor, real: torch.Tensor, steps: int = 300) -> None:
    """Make G(z) ≈ the data: 1. pair each z with a real point by an optimal assignment, min Σ‖z_i − x_σ(i)‖² (z padded
    to 2-D; a discrete transport map from p(z) to the data); 2. regress G(z_i) on x_σ(i) (Adam, full batch, learning
    rate 10⁻² decaying to 0 on a cosine)."""
    from scipy.optimize import linear_sum_assignment  # here: importing scipy costs the app's start-up

    padded = torch.cat([z, torch.zeros(len(z), 2 - z.shape[1])], dim=1) if z.shape[1] < 2 else z
    _, match = linear_sum_assignment(torch.cdist(padded, real).pow(2).numpy())
    target = real[torch.from_numpy(match)]
    optim = torch.optim.Adam(generator.parameters(), lr=1e-2)
    with one_thread():
        for step in range(steps):
            optim.param_groups[0]["lr"] = 0.5e-2 * (1 + math.cos(math.pi * step / steps))
            loss = (generator(z) - target).pow(2).sum(dim=1).mean()
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()


_FITTED: dict[tuple, dict[str, torch.Tensor]] = {}  # G fitted to the data, per data and network: a Reset is instant


def _fitted_generator(key: tuple, generator: ToyGenerator, z: torch.Tensor, real: torch.Tensor) -> dict:
    """``fit_to_data``'s weights for this data and network (``key``), fitted once per process (0.3–1 s)."""
    if key not in _FITTED:
        if len(_FITTED) >= 8:
            _FITTED.pop(next(iter(_FITTED)))
        fitted = copy.deepcopy(generator)
        fit_to_data(fitted, z, real)
        _FITTED[key] = {k: v.detach().clone() for k, v in fitted.state_dict().items()}
    return _FITTED[key]


class ToyLab:
    """A toy GAN and its data; ``step_d``/``step_g``/``step`` advance it, the rest measures it."""

    def __init__(self, config: ToyLabConfig):
        self.config = config
        torch.manual_seed(config.seed)
        self.real = toy_points(config.dataset, config.n_points, config.noise, config.seed)
        self.modes = toy_modes(config.dataset)
        self.generator = ToyGenerator(config.model)
        self.discriminator = (MinibatchStdDiscriminator if config.minibatch_std else ToyDiscriminator)(config.model)
        if config.spectral_norm:  # W ← W/σ(W) on every linear layer, σ by power iteration (u, v kept as buffers)
            for layer in self.discriminator.net:
                if isinstance(layer, nn.Linear):
                    with_spectral_norm(layer)
        self.rng = torch.Generator().manual_seed(config.seed)
        self.fixed_z = self.generator.sample_latent(config.n_points, torch.Generator().manual_seed(config.seed + 1))
        if config.g_start == "data":
            self._start_at_the_data()
        self.step_count = 0
        self.history: list[ToyStep] = []
        self.last: dict[str, float | None] = {"d_loss": None, "g_loss": None, "g_grad_norm": None, "g_grad_std": None}
        self.last |= {"log_d_real": None, "log_one_minus_d_fake": None}
        self.diverged = False
        self.measure_value = False  # record V(G, D*) and the grid JSD each step (costs a KDE: only while shown)
        self.perturbations = 0  # how many times ``perturb_generator`` moved G
        self._densities: tuple[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] | None = None  # per G state

    # Optimisers are made on the first step: the first optimiser of a process imports much of torch
    # (≈ 1.7 s here), which the app's start and the lab's first drawing should not wait for.
    @functools.cached_property
    def g_optim(self) -> torch.optim.Optimizer:
        return self._optimizer(self.generator.parameters(), self.config.g_lr)

    @functools.cached_property
    def d_optim(self) -> torch.optim.Optimizer:
        return self._optimizer(self.discriminator.parameters(), self.config.d_lr)

    def _optimizer(self, params, lr: float) -> torch.optim.Optimizer:
        if self._optimizer_kind() == "sgd":
            return torch.optim.SGD(params, lr=lr, momentum=0.9)  # Goodfellow's Algorithm 1 uses momentum
        if self._optimizer_kind() == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr)  # WGAN: momentum-free RMSProp
        return torch.optim.Adam(params, lr=lr, betas=(0.5, self.objective.betas[1]))  # β1 = 0.5 on toy data

    @property
    def divergence(self) -> fgan.FDivergence | None:
        """The f-GAN's f-divergence, or None for the loss's own objective."""
        return None if self.config.divergence == "none" else fgan.DIVERGENCES[self.config.divergence]

    @property
    def shows_probability(self) -> bool:
        """Whether D's output is drawn as a probability σ(logit) (the BCE losses), else as a score."""
        return self.objective.probabilities and self.divergence is None

    def _start_at_the_data(self) -> None:
        """G fitted to the data, D ≡ ½: the optimum p_g = p_d, D* = ½ of Goodfellow et al. 2014, Thm 1 (``fit_to_data``;
        D's output layer zeroed, so D(x) = σ(0) = ½ everywhere and G's gradient −∇ₓL_G is exactly 0; not with
        spectral normalisation, which divides by σ(W))."""
        config = self.config
        key = (config.dataset, config.n_points, config.noise, config.seed, dataclasses.astuple(config.model))
        self.generator.load_state_dict(_fitted_generator(key, self.generator, self.fixed_z, self.real))
        if not config.spectral_norm:
            with torch.no_grad():
                last = self.discriminator.net[-1]
                last.weight.zero_()
                last.bias.zero_()

    @torch.no_grad()
    def perturb_generator(self, shift: float = PERTURBATION) -> None:
        """Nudge G off its place: ``shift`` added to its output layer's x₂ bias, so every G(z) moves that far up."""
        if not (math.isfinite(shift) and 0 < abs(shift) <= EXTENT):
            raise ValueError(f"the perturbation must move G(z) by a distance in (0, {EXTENT}], got {shift}")
        self.generator.net[-1].bias[1] += shift
        self.perturbations += 1

    def _critic(self, points: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        """D's raw output on ``points``; with minibatch std, s taken from ``reference`` when given."""
        if self.config.minibatch_std:
            return self.discriminator(points, reference)
        return self.discriminator(points)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        index = torch.randint(len(self.real), (self.config.batch_size,), generator=self.rng)
        return self.real[index], self.generator.sample_latent(self.config.batch_size, self.rng)

    @property
    def objective(self) -> losses.Objective:
        """The chosen loss: D's and G's losses, and whether it clips or penalises gradients."""
        return losses.OBJECTIVES[self.config.loss]

    def _d_loss(self, real: torch.Tensor, fake: torch.Tensor, critic: nn.Module | None = None) -> torch.Tensor:
        """D's loss on a batch; ``critic`` (default D) lets the unrolled look-ahead pass D with other weights."""
        critic = self.discriminator if critic is None else critic
        if self.divergence is not None:  # f-GAN: D maximises F = E_P[g_f(V)] − E_Q[f*(g_f(V))]
            loss = -fgan.critic_objective(self.divergence, critic(real), critic(fake))
        else:
            loss = self.objective.d_loss(critic(real), critic(fake))
        if self.objective.gp_lambda:  # the lab's own λ (0.1 for 2-D data, as in the paper's toy runs)
            loss = loss + self.config.gp_lambda * losses.gradient_penalty(critic, real, fake, self.rng)
        return loss

    def _g_loss(self, fake_out: torch.Tensor) -> torch.Tensor:
        if self.divergence is not None:
            return fgan.generator_loss(self.divergence, fake_out, saturating=self.config.loss == "minimax")
        return self.objective.g_loss(fake_out)

    def _look_ahead(self, fake: torch.Tensor) -> dict[str, torch.Tensor]:
        """D's parameters after ``unroll`` = k simulated updates against ``fake``, as functions of G (Metz et al.
        2017, Eq. 9: θ_D^{k+1} = θ_D^k + η dL/dθ_D^k, differentiable): f_K(θ_G, θ_D) = f(θ_G, θ_D^K(θ_G, θ_D)).

        Each update is D's own optimiser step (Adam, RMSProp or SGD with momentum, from its current state),
        written out so that autograd can differentiate through it (create_graph); D itself is not changed.
        """
        params = dict(self.discriminator.named_parameters())
        names = list(params)
        state = [self.d_optim.state.get(p, {}) for p in params.values()]
        moments: list[dict[str, torch.Tensor]] = [{k: v for k, v in s.items() if torch.is_tensor(v)} for s in state]
        steps = [float(s.get("step", 0)) for s in state]
        lr, kind = self.config.d_lr, self._optimizer_kind()

        def critic(x: torch.Tensor) -> torch.Tensor:
            return functional_call(self.discriminator, params, (x,))

        for _ in range(self.config.unroll):
            real = self.real[torch.randint(len(self.real), (self.config.batch_size,), generator=self.rng)]
            loss = self._d_loss(real, fake, critic)
            grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
            updated = {}
            for i, (name, grad) in enumerate(zip(names, grads, strict=True)):
                p, m = params[name], moments[i]
                steps[i] += 1
                if kind == "adam":  # m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², p ← p − η m̂/(√v̂ + ε)
                    beta1, beta2 = self.d_optim.param_groups[0]["betas"]
                    m["exp_avg"] = beta1 * m.get("exp_avg", torch.zeros_like(p)) + (1 - beta1) * grad
                    m["exp_avg_sq"] = beta2 * m.get("exp_avg_sq", torch.zeros_like(p)) + (1 - beta2) * grad**2
                    m_hat = m["exp_avg"] / (1 - beta1 ** steps[i])
                    v_hat = m["exp_avg_sq"] / (1 - beta2 ** steps[i])
                    p = p - lr * m_hat / ((v_hat + 1e-16).sqrt() + 1e-8)
                elif kind == "rmsprop":  # v ← αv + (1 − α)g², p ← p − η g/(√v + ε), α = 0.99
                    m["square_avg"] = 0.99 * m.get("square_avg", torch.zeros_like(p)) + 0.01 * grad**2
                    p = p - lr * grad / ((m["square_avg"] + 1e-16).sqrt() + 1e-8)
                else:  # SGD with momentum 0.9: b ← 0.9b + g, p ← p − η b
                    m["momentum_buffer"] = 0.9 * m.get("momentum_buffer", torch.zeros_like(p)) + grad
                    p = p - lr * m["momentum_buffer"]
                if self.objective.clip:
                    p = p.clamp(-self.config.clip, self.config.clip)
                updated[name] = p
            params = updated
        return params

    def _optimizer_kind(self) -> str:
        if self.config.optimizer == "sgd":
            return "sgd"
        if self.config.optimizer == "rmsprop" or self.objective.optimizer == "rmsprop":
            return "rmsprop"
        return "adam"

    def step_d(self) -> float:
        """One discriminator (critic) update; WGAN clips every weight to [−c, c] afterwards."""
        real, z = self._batch()
        with torch.no_grad():
            fake = self.generator(z)
        loss = self._d_loss(real, fake)
        if self.divergence is None and self.objective.probabilities:  # V(D, G)'s two terms on the batch D's loss saw
            with torch.no_grad():
                self.last["log_d_real"] = float(-F.softplus(-self._critic(real)).mean())
                self.last["log_one_minus_d_fake"] = float(-F.softplus(self._critic(fake)).mean())
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
        """One generator update with D frozen (only G's optimiser steps); with ``unroll`` = k, G's loss is read
        off D after k look-ahead updates (Metz et al. 2017), and D keeps its own weights."""
        _, z = self._batch()
        fake = self.generator(z)
        fake.retain_grad()
        if self.config.unroll:
            scores = functional_call(self.discriminator, self._look_ahead(fake), (fake,))
        else:
            scores = self.discriminator(fake)
        loss = self._g_loss(scores)
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
        value, jsd = self.optimal_value() if self.measure_value and not self.diverged else (None, None)
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
            log_d_real=self.last["log_d_real"],
            log_one_minus_d_fake=self.last["log_one_minus_d_fake"],
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

    def _reference(self) -> torch.Tensor | None:
        """The batch whose minibatch std D reads when it is drawn on a grid: the lab's fakes (what G is judged on)."""
        return torch.from_numpy(self.fake_points()) if self.config.minibatch_std else None

    @torch.no_grad()
    def discriminator_map(self, resolution: int = 64) -> np.ndarray:
        """D on a grid over the plane: probability σ(D) for the GAN losses, the raw critic for WGAN/hinge, the
        f-GAN's T = g_f(V) for an f-divergence."""
        with self._measuring():
            scores = self._critic(torch.from_numpy(self.grid(resolution)), self._reference())
        if self.divergence is not None:
            scores = self.divergence.activation(scores)
        elif self.objective.probabilities:
            scores = torch.sigmoid(scores)
        return scores.view(resolution, resolution).numpy()

    def generator_push(self, k: int = 48) -> tuple[np.ndarray, np.ndarray]:
        """(points, −∇_x L_G) for k fakes, unscaled: where the generator's loss pushes each generated point (with
        minibatch std, D reads s of all the lab's fakes, held fixed)."""
        points = torch.from_numpy(self.fake_points()[:k]).requires_grad_(True)
        with self._measuring():
            loss = self._g_loss(self._critic(points, self._reference()))
        (gradient,) = torch.autograd.grad(loss * len(points), points)
        return points.detach().numpy(), -gradient.numpy()

    def densities(self, fake: np.ndarray | None = None, resolution: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """(p_d, p_g): kernel density estimates of the data and of G's points on the plane's grid; for G's own
        points computed once per G (a step's V(G, D*) and the frame's f-divergence panel share them)."""
        key = (self.step_count, self.perturbations, resolution)
        if fake is None and self._densities is not None and self._densities[0] == key:
            return self._densities[1]
        points = self.fake_points() if fake is None else fake
        axis = np.linspace(-EXTENT, EXTENT, resolution)
        bandwidth = max(self.config.noise, 0.08)
        result = grid_kde(self.real.numpy(), axis, bandwidth), grid_kde(points, axis, bandwidth)
        if fake is None:
            self._densities = (key, result)
        return result

    def optimal_d_map(self, resolution: int = 64) -> np.ndarray:
        """D*(x) = p_d / (p_d + p_g) on the grid, (resolution, resolution) with rows = x₂."""
        return d_star(*self.densities(resolution=resolution))

    def divergences(self, fake: np.ndarray | None = None, resolution: int = 64) -> dict[str, float]:
        """Every f-divergence D_f(p_d ‖ p_g) of the f-GAN table on the grid densities (``fgan.divergences_on_grid``)."""
        cell_area = (2 * EXTENT / (resolution - 1)) ** 2
        return fgan.divergences_on_grid(*self.densities(fake, resolution), cell_area)

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
            (gradient,) = torch.autograd.grad(self._critic(x, self._reference()).sum(), x)
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
