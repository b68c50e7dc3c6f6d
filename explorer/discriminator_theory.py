"""What a discriminator trained on a frozen generator does, against the theory: the GAN theory tab's *D at its
optimum* and *Gradient variance* sections.

1. V(G, D*) = 2·JSD(p_d ‖ p_g) − log 4 (Goodfellow et al. 2014, arXiv:1406.2661, Thm. 1) holds for the *optimal*
   D* = p_d/(p_d + p_g). A D trained on finite samples with finite capacity reaches V(G, D) ≤ V(G, D*): the gap
   2·JSD − log 4 − V(G, D) ≥ 0 (V read by quadrature on the true densities) is what the theorem's "enough capacity
   and data" hides, and it shrinks as D widens and the samples grow.
2. With G frozen and D trained towards its optimum, the generator's gradient: −log D(G(z)) gives gradients whose
   norm and spread grow as D improves, log(1 − D(G(z))) gradients that vanish (Arjovsky & Bottou 2017,
   arXiv:1701.04862, Fig. 2 and 3; their supports are disjoint, as the data circle and G's segment are here).
Small MLPs on one thread, every draw from a seeded ``torch.Generator``.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch

from explorer import losses
from explorer.device import one_thread
from explorer.theory import Mixture, bimodal, gaussian, minibatch, mlp, small_mlp

LOG4 = math.log(4)

# --- 1. V(G, D) of a trained D against 2·JSD − log 4 ----------------------------------------------------------------
DATA = bimodal(3.0, 0.5)  # p_d = ½ N(−1.5, ½²) + ½ N(1.5, ½²)
WIDTHS = (1, 2, 4, 8, 32)  # D's hidden units in the capacity sweep
SAMPLE_SIZES = (16, 64, 256, 1024, 4096)  # samples of each side in the data sweep
D_STEPS = 400  # full-batch Adam steps (minibatches of ``D_BATCH`` above it): the loss has stopped moving by then
D_BATCH = 1024


def value_at_optimum(p: Mixture, q: Mixture) -> float:
    """V(G, D*) = E_p log D* + E_q log(1 − D*) with D* = p/(p + q), by quadrature; it equals 2·JSD(p ‖ q) − log 4
    (the ½'s of JSD = ½KL(p ‖ m) + ½KL(q ‖ m), m = (p + q)/2, give the factor 2 and the log 4)."""

    def log_d_star(x):
        return p.log_prob(x) - np.logaddexp(p.log_prob(x), q.log_prob(x))

    def log_one_minus(x):
        return q.log_prob(x) - np.logaddexp(p.log_prob(x), q.log_prob(x))

    return p.expectation(log_d_star) + q.expectation(log_one_minus)


def jsd(p: Mixture, q: Mixture) -> float:
    """JSD(p ‖ q) = ½KL(p ‖ m) + ½KL(q ‖ m), m = (p + q)/2, by quadrature: in [0, log 2]."""

    def log_m(x):
        return np.logaddexp(p.log_prob(x), q.log_prob(x)) - math.log(2)

    return 0.5 * p.expectation(lambda x: p.log_prob(x) - log_m(x)) + 0.5 * q.expectation(
        lambda x: q.log_prob(x) - log_m(x)
    )


def value_of(net: torch.nn.Module, p: Mixture, q: Mixture) -> float:
    """V(G, D) = E_p log D(x) + E_q log(1 − D(x)) = −E_p softplus(−l) − E_q softplus(l) for D = σ(l = net(x)),
    on the true densities (quadrature): the value the trained D reaches on the distributions, not on its samples."""

    def apply(fn):
        def f(x):
            with torch.no_grad():
                logits = net(torch.tensor(x.reshape(-1, 1), dtype=torch.float32)).double().numpy().reshape(x.shape)
            return fn(logits)

        return f

    return p.expectation(apply(lambda logit: -np.logaddexp(0, -logit))) + q.expectation(
        apply(lambda logit: -np.logaddexp(0, logit))
    )


def train_discriminator(width: int, real: torch.Tensor, fake: torch.Tensor, seed: int, steps: int = D_STEPS):
    """D = σ(net), net = 1 → ``width`` tanh units → 1 (``theory.mlp``), trained to convergence on the samples by
    Adam on −E_real log D − E_fake log(1 − D) (= −V on the samples); returns the net and its final loss."""
    generator = torch.Generator().manual_seed(seed)
    net = mlp(1, width, generator)
    opt = torch.optim.Adam(net.parameters(), 0.03)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)  # the last steps settle, not bounce
    for _ in range(steps):
        r, f = minibatch(real, generator, D_BATCH), minibatch(fake, generator, D_BATCH)
        loss = losses.discriminator_loss(net(r), net(f))
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
    return net, loss.item()


@dataclass(frozen=True)
class Optimum:
    x: np.ndarray  # where D and D* are read
    d: np.ndarray  # the trained D(x)
    d_star: np.ndarray  # p_d/(p_d + p_g)
    value: float  # V(G, D) on the densities
    value_on_samples: float  # V(G, D) on its own training samples (can exceed the optimum: overfitting)
    target: float  # 2·JSD − log 4 = V(G, D*)
    jsd: float

    @property
    def gap(self) -> float:
        """2·JSD − log 4 − V(G, D) ≥ 0: how far the trained D is from the theorem's D*."""
        return self.target - self.value


@functools.lru_cache(maxsize=32)  # a pure function of its arguments: a link or a lecture step redraws it
def trained_optimum(mu_g: float, sigma_g: float, width: int, n: int, seed: int) -> Optimum:
    """A D of ``width`` hidden units trained on ``n`` samples of p_d (``DATA``) and of a frozen G (p_g = N(μ_g,
    σ_g²): G(z) = μ_g + σ_g z), read against 2·JSD(p_d ‖ p_g) − log 4."""
    p_g = gaussian(mu_g, sigma_g)
    real = torch.tensor(DATA.sample(n, seed), dtype=torch.float32)[:, None]
    fake = torch.tensor(p_g.sample(n, seed + 1), dtype=torch.float32)[:, None]
    with one_thread():
        net, loss = train_discriminator(width, real, fake, seed)
    x = np.linspace(-4, 4, 321)
    with torch.no_grad():
        d = torch.sigmoid(net(torch.tensor(x[:, None], dtype=torch.float32))).squeeze(1).double().numpy()
    log_p, log_q = DATA.log_prob(x), p_g.log_prob(x)
    return Optimum(
        x=x,
        d=d,
        d_star=np.exp(log_p - np.logaddexp(log_p, log_q)),
        value=value_of(net, DATA, p_g),
        value_on_samples=-loss,
        target=value_at_optimum(DATA, p_g),
        jsd=jsd(DATA, p_g),
    )


def gap_sweeps(mu_g: float, sigma_g: float, width: int, n: int, seed: int) -> dict[str, list[tuple[int, float]]]:
    """The gap 2·JSD − log 4 − V(G, D) for each width of ``WIDTHS`` at ``n`` samples, and for each sample size of
    ``SAMPLE_SIZES`` at ``width`` units: (setting, gap) pairs."""
    return {
        "width": [(w, trained_optimum(mu_g, sigma_g, w, n, seed).gap) for w in WIDTHS],
        "samples": [(m, trained_optimum(mu_g, sigma_g, width, m, seed).gap) for m in SAMPLE_SIZES],
    }


# --- 2. The generator's gradient as D trains on a frozen G (Arjovsky & Bottou 2017) --------------------------------
CHECKPOINTS = (1, 3, 10, 30, 100, 300, 1000)  # D's training steps at which G's gradient is measured
GRADIENT_BATCHES = 32  # minibatches of z per measurement: the mean ± std are over them


def circle_data(n: int, generator: torch.Generator) -> torch.Tensor:
    """n points on the unit circle (a 1-D manifold in the plane), uniform in angle."""
    angle = 2 * math.pi * torch.rand(n, generator=generator)
    return torch.stack([angle.cos(), angle.sin()], 1)


@dataclass(frozen=True)
class GradientTrace:
    steps: np.ndarray  # D's training steps (the checkpoints)
    mean: dict[str, np.ndarray]  # G-loss name → mean over minibatches of ‖∇_θG L_G‖, per checkpoint
    std: dict[str, np.ndarray]  # and its standard deviation
    d_accuracy: np.ndarray  # D's accuracy on a fresh batch of each side, per checkpoint


G_LOSSES = {  # the two generator costs of Goodfellow et al. 2014, as functions of D's logits on fakes
    "−log D(G(z)) (non-saturating)": losses.generator_loss_non_saturating,
    "log(1 − D(G(z))) (minimax)": losses.generator_loss_minimax,
}


@functools.lru_cache(maxsize=16)  # a pure function of its arguments (a second of training): a step redraws it
def gradient_trace(
    seed: int, width: int = 64, lr: float = 1e-3, batch: int = 64, checkpoints: tuple[int, ...] = CHECKPOINTS
) -> GradientTrace:
    """G(z) = W z + b, z ~ N(0, 1) (a segment in the plane, frozen, off the data circle); D (2 → width → width → 1,
    LeakyReLU) trained on fresh batches by Adam for up to the last of ``checkpoints`` steps. At each checkpoint, for
    ``GRADIENT_BATCHES`` batches of z: the norm of each G cost's gradient with respect to θ_G = (W, b)."""
    generator = torch.Generator().manual_seed(seed)
    w = torch.tensor([[0.1], [1.0]]) * 0.6  # a short vertical segment …
    b = torch.tensor([1.6, 0.0])  # … to the right of the circle: disjoint supports
    w.requires_grad_(True)
    b.requires_grad_(True)

    def fakes(n: int) -> torch.Tensor:
        return torch.randn(n, 1, generator=generator) @ w.T + b

    net = small_mlp(2, width, generator)
    opt = torch.optim.Adam(net.parameters(), lr, betas=(0.5, 0.999))
    means: dict[str, list[float]] = {name: [] for name in G_LOSSES}
    stds: dict[str, list[float]] = {name: [] for name in G_LOSSES}
    accuracy = []
    done = 0  # D's steps so far
    with one_thread():
        for checkpoint in checkpoints:
            for _ in range(checkpoint - done):
                loss = losses.discriminator_loss(net(circle_data(batch, generator)), net(fakes(batch).detach()))
                opt.zero_grad()
                loss.backward()
                opt.step()
            done = checkpoint
            for name, g_loss in G_LOSSES.items():
                norms = []
                for _ in range(GRADIENT_BATCHES):
                    grads = torch.autograd.grad(g_loss(net(fakes(batch)).squeeze(-1)), (w, b))
                    norms.append(float(torch.cat([g.flatten() for g in grads]).norm()))
                means[name].append(float(np.mean(norms)))
                stds[name].append(float(np.std(norms)))
            with torch.no_grad():
                real_right = (net(circle_data(256, generator)) > 0).float().mean()
                fake_right = (net(fakes(256)) < 0).float().mean()
            accuracy.append(float(real_right + fake_right) / 2)
    return GradientTrace(
        np.asarray(checkpoints),
        {k: np.asarray(v) for k, v in means.items()},
        {k: np.asarray(v) for k, v in stds.items()},
        np.asarray(accuracy),
    )
