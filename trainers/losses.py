"""Training losses. GAN losses on discriminator logits l = D(·), with σ the sigmoid (D's probability is σ(l)).

Goodfellow et al., "Generative Adversarial Nets", arXiv:1406.2661:
  V(D, G) = E_x[log D(x)] + E_z[log(1 − D(G(z)))],  D maximises V, G minimises it.
Written with softplus for stability: −log σ(l) = softplus(−l) and −log(1 − σ(l)) = softplus(l).
"""

import torch
import torch.nn.functional as F


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """−E[log D(x)] − E[log(1 − D(G(z)))]: binary cross-entropy, real → 1, fake → 0 (= −V)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


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


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None):
    """E[(‖∇_x̂ D(x̂)‖ − 1)²] at x̂ = εx + (1 − ε)G(z), ε ~ U(0, 1) (Gulrajani et al., arXiv:1704.00028).

    Added (× λ) to the critic's loss, which is minimised (equivalently subtracted inside max_D).
    """
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    eps = torch.rand(shape, generator=generator).to(real.device)
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


GENERATOR_LOSSES = {
    "minimax": generator_loss_minimax,
    "non-saturating": generator_loss_non_saturating,
}
