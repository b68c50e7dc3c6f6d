"""GAN theory, exactly and small: the computations behind the GAN theory tab.

Seven demos, each a pure function of a few numbers (and a seed where something is sampled or trained):
1. JS, KL, total variation and Earth-Mover on two parallel lines (Arjovsky et al. 2017, arXiv:1701.07875);
2. forward KL (maximum likelihood, mass-covering) against reverse KL (mode-seeking), EM for mixtures;
3. gradient play on the bilinear game min_x max_y x·y (Goodfellow 2016, arXiv:1701.00160, §8.2);
4. the 1-D picture of GAN training (Goodfellow et al. 2014, arXiv:1406.2661, Fig. 1);
5. a discriminative model p(y|x) against a generative one p(x|y) p(y);
6. a classifier as a density-ratio estimator: D/(1 − D) ≈ p_d/p_g;
7. L2 regression against a conditional GAN on a target with two right answers.
Densities and divergences are closed forms or quadrature; the networks are 1-hidden-layer MLPs trained a few
hundred Adam steps on at most 64 points a side, all randomness from a ``torch.Generator``: fast and reproducible.
No Gradio here: ``explorer.ui.tabs.theory`` draws the results (one module per section). scipy is imported in the
functions that use it: importing it would cost the app's start-up about a second, and the tab draws when opened.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from explorer import losses
from explorer.device import one_thread

LOG2 = math.log(2)
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# Rows per step: with 16 hidden units every tensor stays ≤ 2 048 values, below the size where PyTorch splits an op
# over threads (on a busy 2-core CPU a split tanh took 100× longer).
BATCH = 64


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def minibatch(x: torch.Tensor, generator: torch.Generator, size: int = BATCH) -> torch.Tensor:
    """``size`` rows of x drawn with replacement, or all of x when it has no more rows than that."""
    return x if len(x) <= size else x[torch.randint(len(x), (size,), generator=generator)]


def mlp(n_in: int, width: int, generator: torch.Generator) -> nn.Sequential:
    """n_in → width → 1 with a tanh hidden layer, drawn from ``generator`` (PyTorch's default uniform ranges);
    the output layer starts at zero, so a discriminator starts at D = σ(0) = ½ and a critic at f = 0."""
    hidden, out = nn.utils.skip_init(nn.Linear, n_in, width), nn.utils.skip_init(nn.Linear, width, 1)
    bound = 1 / math.sqrt(n_in)
    nn.init.uniform_(hidden.weight, -bound, bound, generator=generator)
    nn.init.uniform_(hidden.bias, -bound, bound, generator=generator)
    nn.init.zeros_(out.weight)
    nn.init.zeros_(out.bias)
    return nn.Sequential(hidden, nn.Tanh(), out)


def train_discriminator(
    net: nn.Module, real: torch.Tensor, fake: torch.Tensor, steps: int, lr: float, generator: torch.Generator
) -> nn.Module:
    """Fit D = σ(net) by minimising −E_real log D(x) − E_fake log(1 − D(x)) (Goodfellow et al. 2014, Eq. 1),
    on minibatches of ``BATCH`` points of each (all of them when there are fewer)."""
    opt = torch.optim.Adam(net.parameters(), lr)
    for _ in range(steps):
        r, f = minibatch(real, generator), minibatch(fake, generator)
        loss = losses.discriminator_loss(net(r), net(f))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net


def train_critic(
    net: nn.Module, real: torch.Tensor, fake: torch.Tensor, steps: int, lr: float, generator: torch.Generator
) -> nn.Module:
    """Fit a 1-Lipschitz critic f by minimising E_fake f − E_real f + λ E[max(0, ‖∇f(x̂)‖ − 1)²], λ = 10, at
    x̂ = u·x + (1 − u)·x̃, u ~ U[0, 1]: WGAN-GP (Gulrajani et al. 2017, arXiv:1704.00028) with its one-sided
    penalty (Petzka et al. 2018, arXiv:1709.08894), which leaves a flat critic flat when real = fake."""
    opt = torch.optim.Adam(net.parameters(), lr, betas=(0.5, 0.9))
    for _ in range(steps):
        u = torch.rand(len(real), 1, generator=generator)
        x_hat = (u * real + (1 - u) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(net(x_hat).sum(), x_hat, create_graph=True)
        penalty = F.relu(grad.norm(dim=1) - 1).pow(2).mean()
        loss = net(fake).mean() - net(real).mean() + 10 * penalty
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net


# --- 1. Parallel lines (Arjovsky et al. 2017, Example 1) ---------------------------------------------------------
def parallel_lines_distances(theta: float) -> dict[str, float]:
    """Distances between P = (0, Z) and Q_θ = (θ, Z), Z ~ U[0, 1] (Arjovsky et al. 2017, Example 1):
    W(P, Q_θ) = |θ|;  JS(P, Q_θ) = log 2;  KL(P‖Q_θ) = KL(Q_θ‖P) = +∞;  δ(P, Q_θ) = 1  for θ ≠ 0, and all 0 at θ = 0.
    JS = ½ KL(P‖M) + ½ KL(Q‖M), M = (P + Q)/2: with the ½ factors, so at most log 2."""
    apart = theta != 0
    return {
        "JS": LOG2 if apart else 0.0,
        "KL": math.inf if apart else 0.0,
        "TV": 1.0 if apart else 0.0,
        "W1": abs(float(theta)),
    }


def stratified_uniform(n: int, generator: torch.Generator) -> np.ndarray:
    """n points of U[0, 1], one in each interval [i/n, (i + 1)/n), in increasing order (stratified sampling)."""
    return (
        (torch.arange(n, dtype=torch.float64) + torch.rand(n, generator=generator, dtype=torch.float64)) / n
    ).numpy()


@dataclass(frozen=True)
class Transport:
    """n samples of P and of Q_θ, each sorted by height: the optimal plan moves p[i] to q[i]."""

    p: np.ndarray  # (n, 2)
    q: np.ndarray  # (n, 2)

    @property
    def cost(self) -> float:
        """W₁ of the two samples, (1/n) Σ ‖p_i − q_i‖."""
        return float(np.linalg.norm(self.p - self.q, axis=1).mean())


def parallel_lines_transport(theta: float, n: int, seed: int) -> Transport:
    """The optimal transport plan between n samples of P and n of Q_θ.

    Moving (0, y) to (θ, y') costs √(θ² + (y − y')²), a convex function of y − y', so matching the i-th lowest
    point of P with the i-th lowest of Q is optimal (monotone rearrangement). The heights are stratified, so
    |y_i − y'_i| < 1/n and the mean cost is within 1/n of W₁ = |θ|."""
    generator = _generator(seed)
    heights_p, heights_q = stratified_uniform(n, generator), stratified_uniform(n, generator)
    return Transport(
        p=np.column_stack([np.zeros(n), heights_p]),
        q=np.column_stack([np.full(n, float(theta)), heights_q]),
    )


@dataclass(frozen=True)
class CriticAndDiscriminator:
    """A sigmoid D and a WGAN critic f trained on the two lines, read along the horizontal line y = ½."""

    x: np.ndarray  # (m,) positions along y = ½
    d: np.ndarray  # D(x, ½)
    f: np.ndarray  # f(x, ½)
    d_gradient: float  # mean |∂/∂x log(1 − D)| at Q's points: the minimax generator's gradient
    f_gradient: float  # mean |∂f/∂x| at Q's points: the WGAN generator's gradient
    w_estimate: float  # E_P f − E_Q f, the critic's estimate of W₁


@functools.lru_cache(maxsize=32)  # a pure function of its arguments: a link or a lecture step redraws it
def critic_and_discriminator(theta: float, seed: int, n: int = 64, steps: int = 200) -> CriticAndDiscriminator:
    """Train a sigmoid D and a critic f (1-16-1 MLPs, ``steps`` full-batch Adam steps) on n points of each line.

    A D that separates the lines saturates, D(Q) ≈ 0, and its minimax generator loss log(1 − D) is flat there:
    ∂/∂x log(1 − D) → 0 (Arjovsky & Bottou 2017, arXiv:1701.04862, Thm 2.4). The critic keeps slope ≈ 1 between
    the lines, so G always gets a gradient towards P (Arjovsky et al. 2017, Fig. 2)."""
    generator = _generator(seed)
    lines = parallel_lines_transport(theta, n, seed)
    real, fake = torch.tensor(lines.p, dtype=torch.float32), torch.tensor(lines.q, dtype=torch.float32)
    d_net = train_discriminator(mlp(2, 16, generator), real, fake, steps, lr=0.05, generator=generator)
    f_net = train_critic(mlp(2, 16, generator), real, fake, steps, lr=0.02, generator=generator)
    x = np.linspace(-1.5, 1.5, 121)
    along = torch.tensor(np.column_stack([x, np.full_like(x, 0.5)]), dtype=torch.float32)

    def slope(function, points: torch.Tensor) -> float:
        """mean |∂function/∂x| over the points."""
        points = points.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(function(points).sum(), points)
        return float(grad[:, 0].abs().mean())

    d_gradient = slope(lambda v: F.logsigmoid(-d_net(v)), fake)  # log(1 − σ(l)) = log σ(−l)
    f_gradient = slope(f_net, fake)
    with torch.no_grad():
        return CriticAndDiscriminator(
            x=x,
            d=torch.sigmoid(d_net(along)).squeeze(1).double().numpy(),
            f=f_net(along).squeeze(1).double().numpy(),
            d_gradient=d_gradient,
            f_gradient=f_gradient,
            w_estimate=float(f_net(real).mean() - f_net(fake).mean()),
        )


# --- 2. KL, maximum likelihood, mode-seeking ---------------------------------------------------------------------
# E_{t∼N(0,1)}[f(t)] ≈ Σ_i w_i f(t_i): the trapezoid rule on [−10, 10]. Gauss–Hermite needs ~10× fewer points for
# smooth f, but log p of two far-apart modes bends sharply between them and 64 Hermite nodes missed KL by 0.02.
STANDARD_NODES = np.linspace(-10, 10, 801)
STANDARD_WEIGHTS = np.exp(-0.5 * STANDARD_NODES**2) / math.sqrt(2 * math.pi) * (STANDARD_NODES[1] - STANDARD_NODES[0])


def normal_log_pdf(x, mean, std):
    """log N(x | μ, σ²) = −½((x − μ)/σ)² − log σ − ½ log 2π."""
    return -0.5 * ((x - mean) / std) ** 2 - np.log(std) - HALF_LOG_2PI


@dataclass(frozen=True)
class Mixture:
    """A 1-D Gaussian mixture Σ_k π_k N(μ_k, σ_k²); with one component, a Gaussian."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    stds: tuple[float, ...]

    def log_prob(self, x) -> np.ndarray:
        from scipy.special import logsumexp

        x = np.asarray(x, dtype=float)[..., None]
        return logsumexp(np.log(self.weights) + normal_log_pdf(x, np.array(self.means), np.array(self.stds)), axis=-1)

    @property
    def mean(self) -> float:
        return float(np.dot(self.weights, self.means))

    @property
    def std(self) -> float:
        second = np.dot(self.weights, np.square(self.stds) + np.square(self.means))
        return float(math.sqrt(max(second - self.mean**2, 0.0)))

    def expectation(self, f) -> float:
        """E_{x∼self}[f(x)] = Σ_k π_k E_{t∼N(0,1)}[f(μ_k + σ_k t)], each by the trapezoid rule."""
        x = np.array(self.means)[:, None] + np.array(self.stds)[:, None] * STANDARD_NODES  # (k, 801)
        return float(np.dot(self.weights, f(x) @ STANDARD_WEIGHTS))

    def sample(self, n: int, seed: int) -> np.ndarray:
        generator = _generator(seed)
        k = torch.multinomial(torch.tensor(self.weights), n, replacement=True, generator=generator).numpy()
        return np.array(self.means)[k] + np.array(self.stds)[k] * torch.randn(n, generator=generator).double().numpy()


def gaussian(mean: float, std: float) -> Mixture:
    return Mixture((1.0,), (float(mean),), (float(std),))


def bimodal(separation: float, std: float = 0.5) -> Mixture:
    """½ N(−s/2, σ²) + ½ N(s/2, σ²): two modes s apart."""
    return Mixture((0.5, 0.5), (-separation / 2, separation / 2), (std, std))


def kl_divergence(p: Mixture, q: Mixture) -> float:
    """KL(p‖q) = E_p[log p(x) − log q(x)] ≥ 0, = 0 iff p = q, and KL(p‖q) ≠ KL(q‖p) in general."""
    return max(p.expectation(lambda x: p.log_prob(x) - q.log_prob(x)), 0.0)


def fit_forward_kl(p: Mixture) -> Mixture:
    """argmin over Gaussians q of KL(p‖q) = −H(p) − E_p log q: q matches p's mean and variance.
    This is maximum likelihood with infinitely many samples of p: it covers all of p's mass."""
    return gaussian(p.mean, p.std)


def fit_reverse_kl(p: Mixture) -> Mixture:
    """argmin over Gaussians q = N(μ, σ²) of KL(q‖p) = −½ log(2πeσ²) − E_q log p (mode-seeking).

    A grid over (μ, log σ), then Nelder–Mead from the best point. When p is symmetric the two mirror-image
    minima tie and the right-hand one is returned."""
    from scipy.optimize import minimize

    def reverse_kl(mu, log_sigma):
        sigma = np.exp(log_sigma)
        x = mu[..., None] + sigma[..., None] * STANDARD_NODES
        return -np.log(sigma) - 0.5 - HALF_LOG_2PI - p.log_prob(x) @ STANDARD_WEIGHTS

    spread = max(p.std, 1e-3)
    mu, log_sigma = np.meshgrid(
        np.linspace(p.mean - 2 * spread, p.mean + 2 * spread, 41),
        np.linspace(np.log(min(p.stds) / 4), np.log(2 * spread), 20),
    )
    values = np.round(reverse_kl(mu, log_sigma), 9)
    best = np.argmin(values[:, ::-1], axis=None)  # ties go to the largest μ
    row, column = np.unravel_index(best, values.shape)
    start = np.array([mu[row, -1 - column], log_sigma[row, -1 - column]])
    result = minimize(
        lambda v: float(reverse_kl(np.array(v[0]), np.array(v[1]))),
        start,
        method="Nelder-Mead",
        options=dict(xatol=1e-7, fatol=1e-12),
    )
    return gaussian(result.x[0], math.exp(result.x[1]))


def fit_mixture_em(x: np.ndarray, k: int, iterations: int = 300) -> tuple[Mixture, float]:
    """The maximum-likelihood k-component mixture for samples x by EM (Dempster et al. 1977) and its mean
    log-likelihood (1/n) Σ log q(x_i). Starts at the k quantiles (j + ½)/k with the sample's spread.
    E step: r_ij = π_j N(x_i | μ_j, σ_j²) / q(x_i).  M step: π_j = mean_i r_ij, μ_j = Σ r_ij x_i / Σ r_ij,
    σ_j² = Σ r_ij (x_i − μ_j)² / Σ r_ij (floored at 10⁻⁶ of the sample variance: no collapse onto one point)."""
    from scipy.special import logsumexp

    x = np.asarray(x, dtype=float)
    floor = 1e-3 * x.std()
    weights, means = np.full(k, 1 / k), np.quantile(x, (np.arange(k) + 0.5) / k)
    stds = np.full(k, x.std())
    for _ in range(iterations):
        # 1. E step.
        joint = np.log(weights) + normal_log_pdf(x[:, None], means, stds)  # (n, k)
        r = np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
        # 2. M step.
        mass = r.sum(axis=0) + 1e-300
        weights = mass / len(x)
        means = (r * x[:, None]).sum(axis=0) / mass
        stds = np.maximum(np.sqrt((r * (x[:, None] - means) ** 2).sum(axis=0) / mass), floor)
    q = Mixture(*(tuple(map(float, v)) for v in (weights, means, stds)))
    return q, float(q.log_prob(x).mean())


@dataclass(frozen=True)
class Shape:
    """A 1-D density given by its kind ("gaussian" or "uniform"), mean and standard deviation.
    The uniform with mean μ and std σ lives on [μ − √3σ, μ + √3σ]."""

    kind: str
    mean: float
    std: float

    @property
    def support(self) -> tuple[float, float]:
        half = math.sqrt(3) * self.std if self.kind == "uniform" else math.inf
        return self.mean - half, self.mean + half

    def pdf(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "gaussian":
            return np.exp(normal_log_pdf(x, self.mean, self.std))
        low, high = self.support
        return np.where((x >= low) & (x <= high), 1 / (high - low), 0.0)


def kl_shapes(p: Shape, q: Shape) -> float:
    """KL(p‖q) = ∫ p log(p/q) in closed form; +∞ when p has mass where q has none (q = 0 < p).

    Gaussian ‖ Gaussian: log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − ½.
    uniform ‖ Gaussian: −log(b − a) + ½ log(2πσ_q²) + (σ_p² + (μ_p − μ_q)²)/(2σ_q²)  (−H(p) − E_p log q).
    uniform ‖ uniform: log(width_q / width_p) if p's support lies inside q's, else +∞.
    Gaussian ‖ uniform: +∞ (a Gaussian has mass everywhere)."""
    spread = (p.std**2 + (p.mean - q.mean) ** 2) / (2 * q.std**2)
    if q.kind == "gaussian":
        entropy = 0.5 + HALF_LOG_2PI + math.log(p.std) if p.kind == "gaussian" else math.log(2 * math.sqrt(3) * p.std)
        return max(-entropy + HALF_LOG_2PI + math.log(q.std) + spread, 0.0)
    if p.kind == "gaussian":
        return math.inf
    (p_low, p_high), (q_low, q_high) = p.support, q.support
    if p_low < q_low - 1e-12 or p_high > q_high + 1e-12:
        return math.inf
    return max(math.log(q.std / p.std), 0.0)


def js_shapes(p: Shape, q: Shape, points: int = 40_001) -> float:
    """JSD(p‖q) = ½ KL(p‖m) + ½ KL(q‖m), m = (p + q)/2: always finite, 0 ≤ JSD ≤ log 2, and log 2 exactly when the
    supports are disjoint (then no distance is left to tell how far apart they are). Trapezoid rule on a grid
    over ±12 std of both with the supports' ends on it (error < 10⁻³ nats)."""
    (p_low, p_high), (q_low, q_high) = p.support, q.support
    if p_high <= q_low or q_high <= p_low:
        return math.log(2)
    low = min(s.mean - 12 * s.std for s in (p, q))
    high = max(s.mean + 12 * s.std for s in (p, q))
    ends = [v for v in (p_low, p_high, q_low, q_high) if math.isfinite(v)]
    x = np.union1d(np.linspace(low, high, points), ends)
    px, qx = p.pdf(x), q.pdf(x)
    m = (px + qx) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(px > 0, px * np.log(px / m), 0.0) + np.where(qx > 0, qx * np.log(qx / m), 0.0)
    return float(np.clip(0.5 * np.trapezoid(terms, x), 0.0, math.log(2)))


def latent_norms(d: int, n: int, seed: int) -> dict[str, np.ndarray]:
    """‖z‖ of n draws in d dimensions: z ~ N(0, I_d) concentrates on a shell of radius ≈ √d (relative spread
    ≈ 1/√(2d)); z ~ U[−1, 1]^d near √(d/3); the midpoint of two Gaussian z (what lerp passes through) near √(d/2),
    inside the shell where training never put a z: why interpolation uses slerp (DCGAN; White 2016)."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    return {
        "gaussian": np.linalg.norm(a, axis=1),
        "uniform": np.linalg.norm(rng.uniform(-1, 1, (n, d)), axis=1),
        "lerp midpoint": np.linalg.norm((a + b) / 2, axis=1),
    }


# --- 3. The bilinear game ----------------------------------------------------------------------------------------
RULES = ("simultaneous", "alternating")


def bilinear_game(x0: float, y0: float, lr: float, steps: int, rule: str) -> np.ndarray:
    """Gradient play on min_x max_y V(x, y) = x·y, whose only equilibrium is (0, 0); returns the (steps + 1, 2) path.

    simultaneous: x ← x − η y, y ← y + η x (both from the old point): ‖(x, y)‖ grows by √(1 + η²) every step.
    alternating: x ← x − η y, then y ← y + η x with the new x: the map has determinant 1 and keeps
    x² − η x y + y² fixed, a bounded ellipse for η < 2 (Goodfellow 2016, arXiv:1701.00160, §8.2;
    Gidel et al. 2019, arXiv:1807.04740)."""
    if rule not in RULES:
        raise ValueError(f"unknown update rule {rule!r}; choose one of {', '.join(RULES)}")
    path = np.empty((steps + 1, 2))
    x, y = path[0] = x0, y0
    for t in range(1, steps + 1):
        if rule == "simultaneous":
            x, y = x - lr * y, y + lr * x
        else:
            x = x - lr * y
            y = y + lr * x
        path[t] = x, y
    return path


# --- 4. The 1-D picture (Goodfellow et al. 2014, Fig. 1) ---------------------------------------------------------
PRIORS = ("gaussian", "uniform")
DATA_MEAN, DATA_STD = 1.0, 0.5  # p_d = N(1, 0.5²)
GAN_START = (1.2, -1.0)  # G(z) = a·z + b at step 0
GAN_X = np.linspace(-3, 4, 121)  # where D is read at each snapshot


@dataclass(frozen=True)
class GanSnapshot:
    """G(z) = a·z + b and D on ``GAN_X`` after ``step`` training steps."""

    step: int
    a: float
    b: float
    d: np.ndarray


def sample_prior(n: int, prior: str, generator: torch.Generator) -> torch.Tensor:
    """z ~ N(0, 1) or U[−1, 1], shape (n, 1)."""
    if prior == "gaussian":
        return torch.randn(n, 1, generator=generator)
    return 2 * torch.rand(n, 1, generator=generator) - 1


def prior_quantiles(m: int, prior: str) -> np.ndarray:
    """m values of z at the probabilities (i + ½)/m: evenly spaced in probability, as the paper's z line."""
    from scipy.special import ndtri

    u = (np.arange(m) + 0.5) / m
    return ndtri(u) if prior == "gaussian" else 2 * u - 1


def generator_log_density(x: np.ndarray, a: float, b: float, prior: str) -> np.ndarray:
    """log p_g for G(z) = a·z + b: N(b, a²) for z ~ N(0, 1), U[b − |a|, b + |a|] for z ~ U[−1, 1] (−∞ outside)."""
    scale = max(abs(a), 1e-9)
    if prior == "gaussian":
        return normal_log_pdf(x, b, scale)
    return np.where(np.abs(x - b) <= scale, -math.log(2 * scale), -np.inf)


def optimal_discriminator(log_p_data: np.ndarray, log_p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_d(x) / (p_d(x) + p_g(x)) = σ(log p_d − log p_g) (Goodfellow et al. 2014, Prop. 1)."""
    from scipy.special import expit

    return expit(log_p_data - log_p_g)


@functools.lru_cache(maxsize=32)  # a pure function of its arguments: the step slider replays a finished run
def one_d_gan(prior: str, width: int, seed: int, snapshots: int = 40, every: int = 12) -> tuple[GanSnapshot, ...]:
    """Goodfellow et al. 2014, Algorithm 1 (k = 1) in one dimension: p_d = N(1, 0.5²), G(z) = a·z + b,
    D = σ(1-``width``-1 MLP). Each step: one D step on −E log D(x) − E log(1 − D(G(z))), then one G step on the
    non-saturating −E log D(G(z)) (the paper's §3 advice); batches of 64, Adam (β = (0, 0.9)) with learning rates
    decaying linearly from 0.02 to 0 so that the run settles. ``snapshots`` + 1 snapshots, ``every`` steps apart."""
    if prior not in PRIORS:
        raise ValueError(f"unknown prior {prior!r}; choose one of {', '.join(PRIORS)}")
    generator = _generator(seed)
    d_net = mlp(1, width, generator)
    a_b = torch.tensor(GAN_START, requires_grad=True)
    opt_d = torch.optim.Adam(d_net.parameters(), betas=(0.0, 0.9))
    opt_g = torch.optim.Adam([a_b], betas=(0.0, 0.9))
    grid = torch.tensor(GAN_X, dtype=torch.float32)[:, None]
    total = snapshots * every

    def snapshot(step: int) -> GanSnapshot:
        with torch.no_grad():
            d = torch.sigmoid(d_net(grid)).squeeze(1).double().numpy()
            a, b = a_b.tolist()
        d.setflags(write=False)
        return GanSnapshot(step, a, b, d)

    history = [snapshot(0)]
    for step in range(1, total + 1):
        for opt in (opt_d, opt_g):
            opt.param_groups[0]["lr"] = 0.02 * (1 - (step - 1) / total)
        real = DATA_MEAN + DATA_STD * torch.randn(64, 1, generator=generator)
        z = sample_prior(64, prior, generator)
        # 1. Discriminator step.
        fake = (a_b[0] * z + a_b[1]).detach()
        d_loss = losses.discriminator_loss(d_net(real), d_net(fake))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        # 2. Generator step (non-saturating).
        g_loss = losses.generator_loss_non_saturating(d_net(a_b[0] * z + a_b[1]))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        if step % every == 0:
            history.append(snapshot(step))
    return tuple(history)


# --- 5. Discriminative vs generative -----------------------------------------------------------------------------
BLOB_COVARIANCES = (np.eye(2), 0.2 * np.eye(2))  # class 0 broad, class 1 tight: the Bayes boundary is a circle


def two_blobs(separation: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points of each class, x | y = 0 ~ N((−s/2, 0), I) and x | y = 1 ~ N((s/2, 0), 0.2 I): x (2n, 2), y (2n,)."""
    generator = _generator(seed)
    points = []
    for label, covariance in enumerate(BLOB_COVARIANCES):
        mean = np.array([(label - 0.5) * separation, 0.0])
        noise = torch.randn(n, 2, generator=generator, dtype=torch.float64).numpy()
        points.append(mean + noise @ np.linalg.cholesky(covariance).T)
    return np.concatenate(points), np.repeat([0, 1], n)


def fit_logistic_regression(features: np.ndarray, labels: np.ndarray, l2: float = 1e-2, steps: int = 30) -> np.ndarray:
    """w maximising Σ_i log σ(±wᵀφ_i) − (λ/2)‖w‖²: a model of p(y = 1 | x) = σ(wᵀφ(x)) only (discriminative).
    Newton's method: w ← w − H⁻¹g with g = Φᵀ(σ(Φw) − y) + λw, H = Φᵀ diag(σ(1 − σ)) Φ + λI."""
    from scipy.special import expit

    w = np.zeros(features.shape[1])
    for _ in range(steps):
        p = expit(features @ w)
        gradient = features.T @ (p - labels) + l2 * w
        hessian = features.T @ (features * (p * (1 - p))[:, None]) + l2 * np.eye(len(w))
        w = w - np.linalg.solve(hessian, gradient)
    return w


@dataclass(frozen=True)
class GaussianClasses:
    """A generative classifier: p(y) and p(x | y) = N(μ_y, Σ_y), fitted by maximum likelihood."""

    priors: np.ndarray  # (2,)
    means: np.ndarray  # (2, 2)
    covariances: np.ndarray  # (2, 2, 2)

    def log_joint(self, x: np.ndarray) -> np.ndarray:
        """log p(x, y) = log p(x | y) + log p(y) for y = 0, 1; x (..., 2) → (..., 2)."""
        columns = []
        for prior, mean, covariance in zip(self.priors, self.means, self.covariances, strict=True):
            d = x - mean
            mahalanobis = np.einsum("...i,ij,...j->...", d, np.linalg.inv(covariance), d)
            columns.append(
                np.log(prior) - 0.5 * mahalanobis - 0.5 * np.log(np.linalg.det(covariance)) - math.log(2 * math.pi)
            )
        return np.stack(columns, axis=-1)

    def posterior(self, x: np.ndarray) -> np.ndarray:
        """p(y = 1 | x) = p(x | 1) p(1) / Σ_y p(x | y) p(y) (Bayes' rule)."""
        from scipy.special import expit

        log_joint = self.log_joint(x)
        return expit(log_joint[..., 1] - log_joint[..., 0])

    def sample(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """n new points (x, y): y ~ p(y), then x ~ p(x | y): what a generative model can do and p(y|x) cannot."""
        generator = _generator(seed)
        labels = torch.multinomial(torch.tensor(self.priors), n, replacement=True, generator=generator).numpy()
        noise = torch.randn(n, 2, generator=generator, dtype=torch.float64).numpy()
        factors = np.linalg.cholesky(self.covariances)[labels]  # (n, 2, 2)
        return self.means[labels] + np.einsum("nij,nj->ni", factors, noise), labels


def fit_gaussian_classes(x: np.ndarray, y: np.ndarray) -> GaussianClasses:
    """Maximum likelihood: p(y) = class frequency, μ_y = class mean, Σ_y = class covariance (+10⁻⁶ I)."""
    groups = [x[y == label] for label in (0, 1)]
    return GaussianClasses(
        priors=np.array([len(g) / len(x) for g in groups]),
        means=np.array([g.mean(axis=0) for g in groups]),
        covariances=np.array([np.cov(g.T, bias=True) + 1e-6 * np.eye(2) for g in groups]),
    )


def with_bias(x: np.ndarray) -> np.ndarray:
    """φ(x) = (1, x)."""
    return np.column_stack([np.ones(len(x)), x])


# --- 6. D as a density-ratio estimator ---------------------------------------------------------------------------
CLASSIFIERS = ("logistic regression on (1, x, x²)", "MLP 1-16-1")


def quadratic_features(x: np.ndarray) -> np.ndarray:
    """φ(x) = (1, x, x²): for two Gaussians log p_d/p_g is a quadratic in x, so this family holds the truth."""
    return np.column_stack([np.ones_like(x), x, x**2])


def estimated_log_ratio(
    real: np.ndarray, fake: np.ndarray, classifier: str, seed: int, at: np.ndarray, steps: int = 300
) -> np.ndarray:
    """log D/(1 − D) at ``at`` for a D trained to tell ``real`` (label 1) from ``fake`` (label 0), equally many.
    The best D is p_d/(p_d + p_g), so its log-odds are log p_d/p_g (Goodfellow et al. 2014, Prop. 1;
    Sugiyama et al. 2012, density-ratio estimation by classification)."""
    if classifier == CLASSIFIERS[0]:
        w = fit_logistic_regression(
            quadratic_features(np.concatenate([real, fake])), np.repeat([1.0, 0.0], [len(real), len(fake)])
        )
        return quadratic_features(at) @ w
    if classifier != CLASSIFIERS[1]:
        raise ValueError(f"unknown classifier {classifier!r}; choose one of {', '.join(CLASSIFIERS)}")

    def column(v: np.ndarray) -> torch.Tensor:
        return torch.tensor(v, dtype=torch.float32)[:, None]

    generator = _generator(seed)
    net = train_discriminator(mlp(1, 16, generator), column(real), column(fake), steps, lr=0.02, generator=generator)
    with torch.no_grad():
        return net(column(at)).squeeze(1).double().numpy()  # the logit l = log D/(1 − D)


# --- 7. Adversarial loss against L2 on a bimodal target ----------------------------------------------------------
def bimodal_branch(x: np.ndarray) -> np.ndarray:
    """f(x) = 0.5 + 0.5·x²: the target y = ±f(x) has two right answers for every x."""
    return 0.5 + 0.5 * x**2


BIMODAL_NOISE = 0.05  # std of y around ±f(x)


def bimodal_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): x ~ U[−1, 1], y = ±f(x) + ε with the sign a fair coin, ε ~ N(0, 0.05²)."""
    generator = _generator(seed)
    x = torch.rand(n, generator=generator) * 2 - 1
    sign = torch.randint(2, (n,), generator=generator) * 2 - 1
    eps = BIMODAL_NOISE * torch.randn(n, generator=generator)
    x = x.double().numpy()
    return x, sign.double().numpy() * bimodal_branch(x) + eps.double().numpy()


def small_mlp(n_in: int, width: int, generator: torch.Generator, n_out: int = 1) -> nn.Sequential:
    """n_in → width → width → n_out with LeakyReLU(0.2), drawn from ``generator`` (PyTorch's default uniform ranges)."""
    layers: list[nn.Module] = []
    for a, b in ((n_in, width), (width, width), (width, n_out)):
        layer = nn.utils.skip_init(nn.Linear, a, b)
        bound = 1 / math.sqrt(a)
        nn.init.uniform_(layer.weight, -bound, bound, generator=generator)
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
        layers += [layer, nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers[:-1])


@dataclass(frozen=True)
class BimodalFits:
    x: np.ndarray  # the training data
    y: np.ndarray
    grid: np.ndarray  # where the L2 regressor is drawn
    l2: np.ndarray  # its prediction ŷ(x) on the grid
    sample_x: np.ndarray  # the conditional GAN's samples y = G(x, z), several z per x
    sample_y: np.ndarray


@functools.lru_cache(maxsize=16)  # a pure function of its arguments: training takes a second or two
def bimodal_fits(seed: int, n: int = 512, steps: int = 600, width: int = 32, l1: float = 0.0) -> BimodalFits:
    """The same network trained two ways on y = ±f(x) (``_bimodal_fits``, on one thread)."""
    with one_thread():
        return _bimodal_fits(seed, n, steps, width, l1)


def _bimodal_fits(seed: int, n: int, steps: int, width: int, l1: float = 0.0) -> BimodalFits:
    """The same network trained two ways on y = ±f(x) (Isola et al. 2017, arXiv:1611.07004, §3: L1/L2 alone blur;
    Goodfellow 2016, arXiv:1701.00160, §3.2, Fig. 6: the mean of several right answers is itself wrong):

    1. L2 regression ŷ(x) minimising E(y − ŷ(x))²: its optimum is the conditional mean E[y | x] = 0, between the two
       branches, where no data lies;
    2. a conditional GAN (Mirza & Osindero 2014, arXiv:1411.1784): G(x, z), z ~ N(0, 1), against D(x, y) with the
       non-saturating loss; its samples land on both branches.
    Adam (lr 2·10⁻³, β = (0.5, 0.999)), batches of 128, ``steps`` steps each; all randomness from ``seed``.
    ``l1`` > 0 adds pix2pix's reconstruction term λ·E|y − G(x, z)| to G's loss (Isola et al. 2017, eq. 4), with the
    paired y of each condition x.
    """
    x_np, y_np = bimodal_data(n, seed)
    generator = _generator(seed + 1)
    x, y = (torch.tensor(v, dtype=torch.float32)[:, None] for v in (x_np, y_np))
    # 1. L2 regression.
    regressor = small_mlp(1, width, generator)
    opt = torch.optim.Adam(regressor.parameters(), 2e-3, betas=(0.5, 0.999))
    for _ in range(steps):
        index = torch.randint(n, (128,), generator=generator)
        loss = (regressor(x[index]) - y[index]).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    # 2. Conditional GAN.
    g_net, d_net = small_mlp(2, width, generator), small_mlp(2, width, generator)
    opt_g = torch.optim.Adam(g_net.parameters(), 2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d_net.parameters(), 2e-3, betas=(0.5, 0.999))
    for _ in range(steps):
        index = torch.randint(n, (128,), generator=generator)
        condition, real = x[index], y[index]
        z = torch.randn(128, 1, generator=generator)
        fake = g_net(torch.cat([condition, z], dim=1))
        d_loss = losses.discriminator_loss(
            d_net(torch.cat([condition, real], dim=1)), d_net(torch.cat([condition, fake.detach()], dim=1))
        )
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = losses.generator_loss_non_saturating(d_net(torch.cat([condition, fake], dim=1)))  # −log D(x, G(x, z))
        if l1:
            g_loss = g_loss + l1 * (real - fake).abs().mean()  # pix2pix: + λ E|y − G(x, z)|
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
    grid = np.linspace(-1, 1, 101)
    sample_x = np.repeat(np.linspace(-1, 1, 41), 12)
    z = torch.randn(len(sample_x), 1, generator=_generator(seed + 2))
    with torch.no_grad():
        l2 = regressor(torch.tensor(grid, dtype=torch.float32)[:, None]).squeeze(1).double().numpy()
        conditions = torch.tensor(sample_x, dtype=torch.float32)[:, None]
        sample_y = g_net(torch.cat([conditions, z], dim=1)).squeeze(1).double().numpy()
    for array in (x_np, y_np, grid, l2, sample_x, sample_y):
        array.setflags(write=False)
    return BimodalFits(x_np, y_np, grid, l2, sample_x, sample_y)


def on_a_branch(x: np.ndarray, y: np.ndarray, tolerance: float = 3 * BIMODAL_NOISE) -> tuple[float, float]:
    """(share of the points (x, y) within ``tolerance`` of either branch ±f(x), share of those on the upper one)."""
    near = np.abs(np.abs(y) - bimodal_branch(x)) <= tolerance
    upper = near & (y > 0)
    return float(near.mean()), float(upper.sum() / max(near.sum(), 1))
