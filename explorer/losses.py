"""Training losses. GAN losses on discriminator logits l = D(·), with σ the sigmoid (D's probability is σ(l)).

Goodfellow et al., "Generative Adversarial Nets", arXiv:1406.2661:
  V(D, G) = E_x[log D(x)] + E_z[log(1 − D(G(z)))],  D maximises V, G minimises it.
Written with softplus for stability: −log σ(l) = softplus(−l) and −log(1 − σ(l)) = softplus(l).
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F


def discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, label_smoothing: float = 0.0
) -> torch.Tensor:
    """−E[log D(x)] − E[log(1 − D(G(z)))]: binary cross-entropy, real → 1, fake → 0 (= −V).

    ``label_smoothing`` s > 0 is one-sided smoothing (Salimans et al., arXiv:1606.03498 §3.4; the
    "GAN hacks"): real targets become 1 − s, fake targets stay 0, so D is not rewarded for
    overconfidence on reals and its optimum becomes (1 − s)·p_d / (p_d + p_g).
    With target t: −t log σ(l) − (1 − t) log(1 − σ(l)) = t·softplus(−l) + (1 − t)·softplus(l).
    """
    t = 1.0 - label_smoothing
    real = t * F.softplus(-real_logits) + (1 - t) * F.softplus(real_logits)
    return real.mean() + F.softplus(fake_logits).mean()


SOFT_REAL = (0.7, 1.2)  # GAN hacks' random soft targets: real ~ U(0.7, 1.2)
SOFT_FAKE = (0.0, 0.3)  # fake ~ U(0, 0.3)


def discriminator_loss_targets(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, real_targets: torch.Tensor, fake_targets: torch.Tensor
) -> torch.Tensor:
    """Binary cross-entropy with one target t per sample: E[t·softplus(−l) + (1 − t)·softplus(l)] on each side.

    t = 1 on reals and 0 on fakes is ``discriminator_loss``. Targets above 1 (the GAN hacks' U(0.7, 1.2)) make the
    loss unbounded below: D is paid a little for ever larger logits on those reals."""

    def bce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return (targets * F.softplus(-logits) + (1 - targets) * F.softplus(logits)).mean()

    return bce(real_logits, real_targets) + bce(fake_logits, fake_targets)


def soft_targets(
    n: int, real: bool, generator: torch.Generator | None = None, device: torch.device | str | None = None
) -> torch.Tensor:
    """``n`` random soft targets (Salimans et al. 2016; the GAN hacks): real ~ U(0.7, 1.2), fake ~ U(0, 0.3)."""
    low, high = SOFT_REAL if real else SOFT_FAKE
    return (low + (high - low) * torch.rand(n, generator=generator)).to(device)


def flip_pairs(
    real_scores: torch.Tensor,
    fake_scores: torch.Tensor,
    rate: float,
    generator: torch.Generator | None = None,
    *,
    uniform: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Noisy labels (the GAN hacks): with probability ``rate`` pair i's real and fake scores trade places, so D is
    told this real is fake and this fake is real. Returns (scores D should call real, scores it should call fake,
    the boolean mask of flipped pairs); every objective's D loss then applies as it is. Pair i flips when
    u_i < rate, u_i ~ U(0, 1): ``uniform`` (one per pair) or drawn here."""
    if not 0 <= rate <= 1:
        raise ValueError(f"the flip rate must be between 0 and 1, got {rate}")
    n = min(real_scores.shape[0], fake_scores.shape[0])
    uniform = torch.rand(n, generator=generator) if uniform is None else uniform[:n]
    flipped = (uniform < rate).to(real_scores.device)
    real, fake = real_scores[:n], fake_scores[:n]
    return torch.where(flipped, fake, real), torch.where(flipped, real, fake), flipped


def generator_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """E[log(1 − D(G(z)))], minimised by G (the saturating loss of the minimax game).

    Its gradient w.r.t. the logit is −σ(l) = −D(G(z)): it vanishes when D confidently rejects
    the fakes (D(G(z)) → 0), which is exactly the situation early in training.
    """
    return -F.softplus(fake_logits).mean()


def generator_loss_non_saturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """−E[log D(G(z))], minimised by G (Goodfellow et al.'s heuristic, same fixed point).

    Its gradient w.r.t. the logit is −(1 − σ(l)) = −(1 − D(G(z))): strong (≈ −1) when D(G(z)) → 0.
    """
    return F.softplus(-fake_logits).mean()


def negative_elbo(
    logits: torch.Tensor, images: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, beta: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(−ELBO, reconstruction, KL), each averaged over the batch and summed over pixels / latent dims.

    reconstruction = −log p_θ(x|z) = BCE(logits, (x + 1)/2);  KL = −½ Σ (1 + log σ² − μ² − σ²).
    """
    targets = (images + 1) / 2
    n = images.shape[0]
    reconstruction = F.binary_cross_entropy_with_logits(logits, targets, reduction="sum") / n
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
    return reconstruction + beta * kl, reconstruction, kl


def discriminator_loss_hinge(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))]: the hinge loss (Lim & Ye 2017; SAGAN, BigGAN)."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def generator_loss_hinge(fake_logits: torch.Tensor) -> torch.Tensor:
    """−E[D(G(z))]: the generator side of the hinge loss."""
    return -fake_logits.mean()


def critic_loss_wasserstein(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """E[D(G(z))] − E[D(x)], minimised by the critic: the negative Wasserstein-1 estimate.

    Arjovsky et al., arXiv:1701.07875: W(p_d, p_g) = sup_{‖D‖_L ≤ 1} E_{p_d}[D] − E_{p_g}[D]; the Lipschitz
    bound is kept by weight clipping (WGAN) or a gradient penalty (WGAN-GP).
    """
    return fake_scores.mean() - real_scores.mean()


def generator_loss_wasserstein(fake_scores: torch.Tensor) -> torch.Tensor:
    """−E[D(G(z))]: the generator lowers the critic's Wasserstein estimate."""
    return -fake_scores.mean()


def gradient_penalty(
    critic,
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
    *,
    eps: torch.Tensor | None = None,
):
    """E[(‖∇_x̂ D(x̂)‖ − 1)²] at x̂ = εx + (1 − ε)G(z), ε ~ U(0, 1) (Gulrajani et al., arXiv:1704.00028).

    Added (× λ) to the critic's loss, which is minimised (equivalently subtracted inside max_D). ``eps``: one ε per
    sample, shaped (n, 1, …, 1) (default: drawn here).
    """
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    eps = (torch.rand(shape, generator=generator) if eps is None else eps).to(real.device)
    mixed = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return (gradient.flatten(1).norm(dim=1) - 1).pow(2).mean()


def orthogonal_regularization(module: torch.nn.Module) -> torch.Tensor:
    """Σ_W ‖WᵀW ⊙ (1 − I)‖²_F over weight matrices (BigGAN §3.1; rows of W flattened).

    BigGAN's variant leaves the norms (diagonal) free and only pushes filters towards orthogonality,
    which makes the generator amenable to the truncation trick.
    """
    total = torch.zeros(())
    for name, weight in module.named_parameters():
        if weight.ndim < 2 or "embedding" in name:
            continue
        w = weight.flatten(1)  # (out, in·k·k)
        gram = w @ w.T
        total = total.to(gram.device) + (gram * (1 - torch.eye(gram.shape[0], device=gram.device))).pow(2).sum()
    return total


def discriminator_loss_least_squares(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """½E[(D(x) − 1)²] + ½E[D(G(z))²]: LSGAN with targets a = 0 (fake), b = 1 (real) (Mao et al., arXiv:1611.04076)."""
    return 0.5 * (real_scores - 1).pow(2).mean() + 0.5 * fake_scores.pow(2).mean()


def generator_loss_least_squares(fake_scores: torch.Tensor) -> torch.Tensor:
    """½E[(D(G(z)) − 1)²]: the LSGAN generator pushes its scores towards the real target c = 1."""
    return 0.5 * (fake_scores - 1).pow(2).mean()


@torch.no_grad()
def clip_weights(module: torch.nn.Module, c: float) -> None:
    """Clamp every parameter of the critic to [−c, c] after its update (WGAN, Arjovsky et al.: c = 0.01).

    A crude way to keep D K-Lipschitz for some K; the WGAN-GP paper shows it biases the critic
    towards very simple functions, which is why the gradient penalty replaced it.
    """
    for parameter in module.parameters():
        parameter.clamp_(-c, c)


GENERATOR_LOSSES = {
    "minimax": generator_loss_minimax,
    "non-saturating": generator_loss_non_saturating,
}


@dataclass(frozen=True)
class Objective:
    """One GAN objective: D's loss, G's loss, and the recipe its paper trains it with."""

    name: str
    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (scores on x, scores on G(z)) → D's loss
    g_loss: Callable[[torch.Tensor], torch.Tensor]  # scores on G(z) → G's loss
    critic: bool  # True: D is a Wasserstein critic (unbounded scores, report E[D(x)] − E[D(G(z))])
    probabilities: bool  # True: scores are logits of D's probability (report σ)
    optimizer: str  # "adam" or "rmsprop"
    lr: float
    betas: tuple[float, float]
    d_steps: int  # D updates per G update (n_critic)
    clip: float = 0.0  # weight clipping c (WGAN), 0 = none
    gp_lambda: float = 0.0  # gradient-penalty weight λ (WGAN-GP), 0 = none
    paper: str = ""


OBJECTIVES = {
    o.name: o
    for o in (
        Objective(
            "minimax",
            discriminator_loss,
            generator_loss_minimax,
            False,
            True,
            "adam",
            2e-4,
            (0.5, 0.999),
            1,
            paper="Goodfellow et al. 2014, arXiv:1406.2661 (saturating G loss)",
        ),
        Objective(
            "non-saturating",
            discriminator_loss,
            generator_loss_non_saturating,
            False,
            True,
            "adam",
            2e-4,
            (0.5, 0.999),
            1,
            paper="Goodfellow et al. 2014; DCGAN recipe, arXiv:1511.06434",
        ),
        Objective(
            "lsgan",
            discriminator_loss_least_squares,
            generator_loss_least_squares,
            False,
            False,
            "adam",
            2e-4,
            (0.5, 0.999),
            1,
            paper="Mao et al. 2017, arXiv:1611.04076",
        ),
        Objective(
            "hinge",
            discriminator_loss_hinge,
            generator_loss_hinge,
            False,
            False,
            "adam",
            2e-4,
            (0.5, 0.999),
            1,
            paper="Lim & Ye 2017, arXiv:1705.02894; SAGAN/BigGAN",
        ),
        Objective(
            "wgan",
            critic_loss_wasserstein,
            generator_loss_wasserstein,
            True,
            False,
            "rmsprop",
            5e-5,
            (0.0, 0.0),
            5,
            clip=0.01,
            paper="Arjovsky et al. 2017, arXiv:1701.07875 (Algorithm 1: RMSProp 5e-5, c = 0.01, n_critic = 5)",
        ),
        Objective(
            "wgan-gp",
            critic_loss_wasserstein,
            generator_loss_wasserstein,
            True,
            False,
            "adam",
            1e-4,
            (0.0, 0.9),
            5,
            gp_lambda=10.0,
            paper="Gulrajani et al. 2017, arXiv:1704.00028 (Algorithm 1: Adam 1e-4, β = (0, 0.9), λ = 10)",
        ),
    )
}
