"""Inside a 2-D VAE: q_φ(z|x) against the true posterior, the ELBO, its gap and log p(x), and why the
reparameterisation trick.

With a 2-D latent everything the VAE lecture writes as an integral can be computed on a grid:
    log p_θ(x) = log ∫ p_θ(x|z) p(z) dz                          (quadrature over the plane)
    p_θ(z|x)   = p_θ(x|z) p(z) / p_θ(x)                          (the true posterior, as a heat map)
    ELBO(q)    = E_q[log p_θ(x|z)] − KL(q ‖ p(z)) = log p_θ(x) − KL(q ‖ p_θ(z|x))
    IWAE_K     = E[log (1/K) Σ_k p_θ(x|z_k) p(z_k) / q(z_k|x)],  z_k ~ q     (Burda et al. 2016; ELBO = IWAE_1)
    naive_N    = log (1/N) Σ_n p_θ(x|z_n),  z_n ~ p(z): the same estimator with the prior as proposal
``decoder_sample`` draws x ~ p_θ(x|z) itself, where the tabs otherwise show its mean E[x|z].
Kingma & Welling 2014 (arXiv:1312.6114); the decoder is Bernoulli per pixel or Gaussian with a fixed σ²
(the model's ``reconstruction_nll``, ``explorer.models.vae``).
"""

import math
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import torch

from explorer.models.vae import GAUSSIAN_VARIANCE

LOG_2PI = math.log(2 * math.pi)


def bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p_θ(x|z) = Σ_pixels [t log σ(l) + (1 − t) log(1 − σ(l))], t = (x + 1)/2, for decoder ``logits`` (k, c, h, w)
    of k latents and one image ``x`` (1, c, h, w) in [-1, 1]: (k,), differentiable in the logits."""
    target = ((x + 1) / 2).to(logits.dtype).expand_as(logits)
    return -torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none").flatten(1).sum(1)


def decoder_log_likelihood(model, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p_θ(x|z) of one image ``x`` (1, c, h, w) under the decoder ``logits`` (k, c, h, w) of k latents: (k,),
    differentiable; the model's own likelihood where it has one (``reconstruction_nll``), else Bernoulli."""
    nll = getattr(model, "reconstruction_nll", None)
    if nll is None or getattr(getattr(model, "config", None), "likelihood", "bernoulli") == "bernoulli":
        return bernoulli_log_likelihood(logits, x)
    return -nll(logits, x.to(logits.dtype).expand_as(logits))


def _fast_bernoulli(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``bernoulli_log_likelihood`` for many latents, no gradient: log p = Σ t·l − softplus(l), the first sum a
    matrix-vector product; per-pixel terms in float32, their sums in float64."""
    flat = logits.flatten(1)
    target = ((x + 1) / 2).flatten().to(flat.dtype)
    return (flat @ target).double() - torch.nn.functional.softplus(flat).double().sum(1)


def log_likelihood(model, x: torch.Tensor, z: torch.Tensor, chunk: int = 512) -> torch.Tensor:
    """log p_θ(x|z) for one image ``x`` (1, c, h, w) in [-1, 1] and latents ``z`` (k, d): (k,) in float64, no
    gradient. Decoded ``chunk`` latents at a time (bench/vae.py)."""
    bernoulli = getattr(getattr(model, "config", None), "likelihood", "bernoulli") == "bernoulli"
    with torch.inference_mode():
        if bernoulli:
            return torch.cat([_fast_bernoulli(model.decode_logits(part), x) for part in z.split(chunk)])
        return torch.cat(
            [decoder_log_likelihood(model, model.decode_logits(part).double(), x) for part in z.split(chunk)]
        )


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; μ, diag σ²) summed over dimensions: (k,)."""
    return -0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / logvar.exp()).sum(-1)


def kl_per_dimension(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) per dimension = ½(μ² + σ² − log σ² − 1) (closed form, with the ½)."""
    return 0.5 * (mu**2 + logvar.exp() - logvar - 1)


def kl_monte_carlo(
    mu: torch.Tensor, sigma: torch.Tensor, samples: int = 10_000, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """A Monte-Carlo estimate of KL(N(μ, σ²) ‖ N(0, 1)) per dimension and its standard error, both (d,):
    KL = E_q[log q(z) − log p(z)] with z = μ + σε, ε ~ N(0, 1), and log q(z) − log p(z) = −log σ − ε²/2 + z²/2
    (the log 2π terms cancel); float64, seeded."""
    mu, sigma = torch.as_tensor(mu, dtype=torch.float64), torch.as_tensor(sigma, dtype=torch.float64)
    eps = torch.randn(samples, *mu.shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    z = mu + sigma * eps
    terms = -torch.log(sigma) - eps**2 / 2 + z**2 / 2  # (samples, d)
    return terms.mean(0), terms.std(0) / math.sqrt(samples)


@dataclass(frozen=True)
class Posterior:
    z1: np.ndarray  # (n,) the window's coordinates on z₁
    z2: np.ndarray  # (n,) and on z₂
    log_density: np.ndarray  # (n, n) log p(z|x) in the window, rows = z₂, columns = z₁
    log_px: float  # log p(x) by quadrature: the window, plus a coarse grid over the rest of the plane


# decoder logits and Σ softplus(logits) on a fixed grid, per model (dropped with the model object; at most a few
# grids each): the Bernoulli log p(x|z) = Σ t·l − Σ softplus(l) is then one matrix-vector product per image
_DECODED_GRIDS: "weakref.WeakKeyDictionary[torch.nn.Module, dict]" = weakref.WeakKeyDictionary()
MAX_GRIDS_PER_MODEL = 4


_GRIDS_LOCK = threading.Lock()


def _decoded_grid(model, z: torch.Tensor, key: tuple) -> tuple[torch.Tensor, torch.Tensor]:
    with _GRIDS_LOCK:
        found = _DECODED_GRIDS.get(model, {}).get(key)
    if found is not None:
        return found
    with torch.inference_mode():
        logits = torch.cat([model.decode_logits(part).flatten(1) for part in z.split(512)])
        found = (logits, torch.nn.functional.softplus(logits).double().sum(1))
    with _GRIDS_LOCK:
        grids = _DECODED_GRIDS.setdefault(model, {})
        if len(grids) >= MAX_GRIDS_PER_MODEL:
            grids.pop(next(iter(grids)))
        grids[key] = found
    return found


def _log_joint_on(model, x, z1: torch.Tensor, z2: torch.Tensor, fixed: bool = False) -> torch.Tensor:
    """log p_θ(x|z) + log p(z) on the grid z1 × z2: (len(z2), len(z1)). ``fixed``: a grid that does not depend on
    the image (the plane's), so a Bernoulli decoder's outputs on it are computed once per model and reused."""
    g2, g1 = torch.meshgrid(z2, z1, indexing="ij")
    z = torch.stack([g1.flatten(), g2.flatten()], 1)
    bernoulli = getattr(getattr(model, "config", None), "likelihood", "bernoulli") == "bernoulli"
    if fixed and bernoulli and hasattr(model, "decode_logits"):
        key = (tuple(z1.tolist()), tuple(z2.tolist()))
        logits, softplus_sums = _decoded_grid(model, z, key)
        target = ((x + 1) / 2).flatten().to(logits.dtype)
        log_lik = (logits @ target).double() - softplus_sums
    else:
        log_lik = log_likelihood(model, x, z)
    return (log_lik + log_normal(z, torch.zeros(2), torch.zeros(2))).view(len(z2), len(z1))


def posterior_grid(model, x, center, half_width, n: int = 61, extent: float = 4.0, coarse: int = 41) -> Posterior:
    """The true posterior p_θ(z|x) ∝ p_θ(x|z) p(z) in a window (``center`` ± ``half_width``, n×n points: the
    posterior of a trained VAE is narrow, σ ≈ 0.05 here), and log p_θ(x) by quadrature: the window's fine cells
    plus a coarse grid over the rest of [−extent, extent]² (the prior's mass outside ±4 is < 1e-4)."""
    c1, c2 = (float(c) for c in center)
    z1 = torch.linspace(c1 - half_width, c1 + half_width, n)
    z2 = torch.linspace(c2 - half_width, c2 + half_width, n)
    fine = _log_joint_on(model, x, z1, z2)
    fine_cell = float((z1[1] - z1[0]) * (z2[1] - z2[0]))
    axis = torch.linspace(-extent, extent, coarse)
    rough = _log_joint_on(model, x, axis, axis, fixed=True)  # the plane's grid: decoded once per model
    g2, g1 = torch.meshgrid(axis, axis, indexing="ij")
    outside = ((g1 - c1).abs() > half_width) | ((g2 - c2).abs() > half_width)
    rough_cell = float((axis[1] - axis[0]) ** 2)
    terms = [torch.logsumexp(fine.flatten(), 0) + math.log(fine_cell)]
    if outside.any():
        terms.append(torch.logsumexp(rough[outside], 0) + math.log(rough_cell))
    log_px = float(torch.logsumexp(torch.stack(terms), 0))
    return Posterior(z1.numpy(), z2.numpy(), (fine - log_px).numpy(), log_px)


@dataclass(frozen=True)
class Bounds:
    log_px: float  # quadrature
    elbo: float  # Monte Carlo, K samples from q
    iwae: float  # IWAE_K
    kl_prior: float  # KL(q ‖ p(z)), closed form
    reconstruction: float  # E_q log p(x|z)

    @property
    def gap(self) -> float:
        """log p(x) − ELBO = KL(q(z|x) ‖ p(z|x)) ≥ 0."""
        return self.log_px - self.elbo


def bounds(model, x, mu, logvar, log_px: float, k: int = 64, seed: int = 0) -> Bounds:
    """The ELBO (its reconstruction term by K reparameterised samples, its KL in closed form) and IWAE_K."""
    generator = torch.Generator().manual_seed(seed)
    eps = torch.randn(k, mu.shape[-1], generator=generator)
    z = mu + (0.5 * logvar).exp() * eps
    log_lik = log_likelihood(model, x, z)
    kl = float(kl_per_dimension(mu, logvar).sum())
    reconstruction = float(log_lik.mean())
    log_w = log_lik + log_normal(z, torch.zeros_like(mu), torch.zeros_like(mu)) - log_normal(z, mu, logvar)
    iwae = float(torch.logsumexp(log_w, 0) - math.log(k))
    return Bounds(log_px, reconstruction - kl, iwae, kl, reconstruction)


def optimise_q(model, x, mu, logvar, steps: int = 60, lr: float = 0.05, samples: int = 8, seed: int = 0):
    """Variational inference for this one image (the E-step of variational EM): gradient ascent on the ELBO over
    (μ, log σ²) with the decoder fixed. Returns the optimised (μ, log σ²) and the ELBO after each step."""
    generator = torch.Generator().manual_seed(seed)
    mu, logvar = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    optimiser = torch.optim.Adam([mu, logvar], lr=lr)
    trace = []
    frozen = [p for p in model.parameters() if p.requires_grad]
    for p in frozen:  # the decoder is fixed; only q's (μ, log σ²) move
        p.requires_grad_(False)
    for _ in range(steps):
        eps = torch.randn(samples, mu.shape[-1], generator=generator)
        z = mu + (0.5 * logvar).exp() * eps
        elbo = decoder_log_likelihood(model, model.decode_logits(z), x).mean() - kl_per_dimension(mu, logvar).sum()
        optimiser.zero_grad()
        (-elbo).backward()
        optimiser.step()
        trace.append(elbo.item())
    for p in frozen:
        p.requires_grad_(True)
    return mu.detach(), logvar.detach(), np.asarray(trace)


def gradient_estimates(model, x, mu, logvar, samples: int = 8, repeats: int = 200, seed: int = 0):
    """``repeats`` estimates of ∂/∂μ₁ E_q[log p_θ(x|z)], each from ``samples`` draws of z ~ q:
    - score function (REINFORCE): mean of f(z) ∇_μ log q(z) = f(z) (z − μ)/σ², f = log p_θ(x|z);
    - reparameterised: mean of ∂ f(μ + σ ε)/∂μ.
    Same draws for both; both are unbiased, their variances differ by orders of magnitude."""
    generator = torch.Generator().manual_seed(seed)
    eps = torch.randn(repeats * samples, mu.shape[-1], generator=generator)
    sigma = (0.5 * logvar).exp()
    z = (mu + sigma * eps).detach().requires_grad_(True)
    f = decoder_log_likelihood(model, model.decode_logits(z), x)
    (gradient,) = torch.autograd.grad(f.sum(), z)  # ∂f/∂z = ∂f(μ + σε)/∂μ
    score = (f.detach()[:, None] * (z.detach() - mu) / sigma**2)[:, 0]
    reparameterised = gradient[:, 0]
    return score.view(repeats, samples).mean(1).numpy(), reparameterised.view(repeats, samples).mean(1).numpy()


def ellipse(mu: np.ndarray, sigma: np.ndarray, radius: float, points: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The contour ‖(z − μ)/σ‖ = radius of a diagonal Gaussian (radius 1 and 2: its 1σ and 2σ ellipses)."""
    t = np.linspace(0, 2 * np.pi, points)
    return mu[0] + radius * sigma[0] * np.cos(t), mu[1] + radius * sigma[1] * np.sin(t)


def sharpness(images: torch.Tensor) -> float:
    """Mean gradient magnitude of images (n, c, h, w) in [-1, 1]: the mean over pixels of
    √((∂x/∂u)² + (∂x/∂v)²) by forward differences, in intensity units per pixel. Blurry images score low."""
    images = images.float()
    du = images[..., :, 1:] - images[..., :, :-1]
    dv = images[..., 1:, :] - images[..., :-1, :]
    return float(torch.sqrt(du[..., :-1, :] ** 2 + dv[..., :, :-1] ** 2).mean())


DECODER_OUTPUTS = ("mean E[x|z]", "sample x ~ p(x|z)")  # what a decoded image shows: the mean, or one draw


def decoder_sample(model, logits: torch.Tensor, seed: int) -> torch.Tensor:
    """One draw x ~ p_θ(x|z) per row of decoder ``logits`` (n, c, h, w), as images in [-1, 1], seeded. Bernoulli:
    each pixel black or white, white with probability σ(l); Gaussian: σ(l) + √σ²·ε per pixel with the model's fixed
    σ² (``GAUSSIAN_VARIANCE`` on [0, 1] pixels), clipped to [0, 1] for display. The pixels are independent given
    z, so a sample is the mean plus per-pixel noise: the decoder's mean is the average of everything it is unsure
    of, which is why the mean (what the tabs show) is blurry and a sample is not."""
    generator = torch.Generator().manual_seed(seed)
    p = torch.sigmoid(logits.float()).cpu()
    if getattr(getattr(model, "config", None), "likelihood", "bernoulli") == "bernoulli":
        x01 = (torch.rand(p.shape, generator=generator) < p).float()
    else:
        x01 = (p + math.sqrt(GAUSSIAN_VARIANCE) * torch.randn(p.shape, generator=generator)).clamp(0, 1)
    return (2 * x01 - 1).to(logits.device)


def decoded(model, z: torch.Tensor, output: str, seed: int = 0) -> torch.Tensor:
    """Images in [-1, 1] decoded from ``z`` as ``output`` (``DECODER_OUTPUTS``): the mean of p_θ(x|z), or a draw."""
    if output not in DECODER_OUTPUTS:
        raise ValueError(f"the decoder output must be one of {', '.join(DECODER_OUTPUTS)}, got {output!r}")
    with torch.inference_mode():
        if output == DECODER_OUTPUTS[0]:
            return model.decode(z)
        return decoder_sample(model, model.decode_logits(z), seed)


def _log_likelihood_of_prior_draws(model, x, count: int, dim: int, seed: int) -> torch.Tensor:
    """log p_θ(x|z) for ``count`` seeded draws z ~ N(0, I): (count,). The draws do not depend on x, so a Bernoulli
    decoder's outputs on them are computed once per model and seed (the plane's cache), then one product per image."""
    z = torch.randn(count, dim, generator=torch.Generator().manual_seed(10_007 + seed))
    bernoulli = getattr(getattr(model, "config", None), "likelihood", "bernoulli") == "bernoulli"
    if not (bernoulli and hasattr(model, "decode_logits")):
        return log_likelihood(model, x, z)
    logits, softplus_sums = _decoded_grid(model, z, ("prior draws", count, dim, seed))
    return (logits @ ((x + 1) / 2).flatten().to(logits.dtype)).double() - softplus_sums


@dataclass(frozen=True)
class Estimates:
    n: np.ndarray  # (m,) sample sizes N
    prior: np.ndarray  # (repeats, m) log (1/N) Σ p(x|z_n), z_n ~ p(z)
    importance: np.ndarray  # (repeats, m) log (1/N) Σ p(x|z_n) p(z_n) / q(z_n|x), z_n ~ q(z|x)


def marginal_estimates(
    model, x, mu, logvar, n_max: int = 1000, repeats: int = 4, seed: int = 0, points: int = 7
) -> Estimates:
    """Monte-Carlo estimates of log p_θ(x) = log E_{p(z)}[p_θ(x|z)] with N samples, for N on a log grid up to
    ``n_max``, ``repeats`` times each: naive (z from the prior) and importance sampling (z from the encoder's
    q(z|x), weights p(z)/q(z|x)). Both are consistent, and both are biased low (Jensen); the prior's draws almost
    never land where p(x|z) is large (q is ~0.05 wide in a plane the prior spreads over ±3), so its estimate sits
    hundreds of nats low at N = 10 and reaches the quadrature only near N = 10³ (here, in 2-D; the N it needs grows
    exponentially with the latent's dimension), while q's is within a few nats from N = 1. Each repeat's estimates
    are running averages over one stream of draws; the prior's draws are shared by all images (decoded once).
    The prior's stream is seeded apart from q's, so the two are independent."""
    n = np.unique(np.geomspace(1, n_max, points).round().astype(int))
    generator = torch.Generator().manual_seed(seed)
    zero = torch.zeros_like(mu)
    all_prior = _log_likelihood_of_prior_draws(model, x, repeats * n_max, mu.shape[-1], seed)
    prior, importance = [], []
    for r in range(repeats):
        log_w_prior = all_prior[r * n_max : (r + 1) * n_max]
        z_q = mu + (0.5 * logvar).exp() * torch.randn(n_max, mu.shape[-1], generator=generator)
        log_w_q = log_likelihood(model, x, z_q) + (log_normal(z_q, zero, zero) - log_normal(z_q, mu, logvar)).double()
        prior.append([float(torch.logsumexp(log_w_prior[:k], 0)) - math.log(k) for k in n])
        importance.append([float(torch.logsumexp(log_w_q[:k], 0)) - math.log(k) for k in n])
    return Estimates(n, np.asarray(prior), np.asarray(importance))
