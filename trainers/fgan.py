"""f-divergences and the f-GAN's variational objective (Nowozin, Cseke & Tomioka 2016, arXiv:1606.00709).

D_f(P‖Q) = ∫ q(x) f(p(x)/q(x)) dx for a convex f with f(1) = 0 (Table 1), bounded below by
  D_f(P‖Q) ≥ sup_T E_P[T(x)] − E_Q[f*(T(x))],  f*(t) = sup_u {u·t − f(u)} (the convex conjugate),
with equality at T*(x) = f′(p(x)/q(x)). The f-GAN writes T = g_f(V(x)): V is the network's raw output and
g_f an output activation that keeps T in the domain of f* (Table 2). D maximises
F = E_P[g_f(V(x))] − E_Q[f*(g_f(V(G(z))))]; G minimises F (the saddle) or, as the paper trains it (§3.2),
maximises E_Q[g_f(V(G(z)))] (non-saturating). P is the data, Q the generator.

Note on JS: the table's f(u) = u log u − (u + 1) log((u + 1)/2) (the one whose conjugate is −log(2 − eᵗ)) gives
D_f = KL(P‖M) + KL(Q‖M) = 2·JSD(P‖Q), M = (P + Q)/2; the f-GAN's "JS" objective estimates 2·JSD.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class FDivergence:
    """One row of the f-GAN table: f (for the value on densities), g_f, and f*∘g_f written stably."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]  # the generator function f(u), u = p/q ≥ 0 (Table 1)
    activation: Callable[[torch.Tensor], torch.Tensor]  # g_f(v): T = g_f(V(x)) (Table 2)
    conjugate_of_activation: Callable[[torch.Tensor], torch.Tensor]  # f*(g_f(v)), simplified
    formula: str  # D_f in the usual notation, for the screen
    g_formula: str  # g_f(v)
    conjugate: str  # f*(t)
    t_at_equality: float  # f′(1): T* where p = q (the centre of the heat map)
    infinite_off_support: bool  # D_f = ∞ when P has mass where Q has none (q = 0 < p)


def _log(u: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(u)


def _xlogx(u: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(u > 0, u * np.log(np.where(u > 0, u, 1.0)), 0.0)


DIVERGENCES: dict[str, FDivergence] = {
    d.name: d
    for d in (
        FDivergence(
            "KL",
            lambda u: _xlogx(u),
            lambda v: v,
            lambda v: torch.exp(v - 1),  # f*(t) = exp(t − 1)
            "KL(P‖Q) = ∫ p log(p/q)",
            "v",
            "exp(t − 1)",
            1.0,
            True,
        ),
        FDivergence(
            "reverse KL",
            lambda u: -_log(u),  # ∞ at u = 0: Q has mass where P has none
            lambda v: -torch.exp(-v),
            lambda v: v - 1,  # f*(t) = −1 − log(−t) at t = −exp(−v)
            "KL(Q‖P) = ∫ q log(q/p)",
            "−exp(−v)",
            "−1 − log(−t)",
            -1.0,
            False,
        ),
        FDivergence(
            "Pearson χ²",
            lambda u: (u - 1) ** 2,
            lambda v: v,
            lambda v: v**2 / 4 + v,  # f*(t) = t²/4 + t
            "χ²(P‖Q) = ∫ (p − q)²/q",
            "v",
            "t²/4 + t",
            0.0,
            True,
        ),
        FDivergence(
            "squared Hellinger",
            lambda u: (np.sqrt(u) - 1) ** 2,
            lambda v: 1 - torch.exp(-v),
            lambda v: torch.exp(v) - 1,  # f*(t) = t/(1 − t) at t = 1 − exp(−v)
            "H²(P, Q) = ∫ (√p − √q)²",
            "1 − exp(−v)",
            "t/(1 − t)",
            0.0,
            False,
        ),
        FDivergence(
            "JS",
            lambda u: _xlogx(u) - _xlogx(u + 1) + (u + 1) * math.log(2),
            lambda v: math.log(2) - F.softplus(-v),
            lambda v: F.softplus(v) - math.log(2),  # f*(t) = −log(2 − exp(t)) at t = log 2 − log(1 + e^{−v})
            "2·JSD(P‖Q) = KL(P‖M) + KL(Q‖M)",
            "log 2 − log(1 + exp(−v))",
            "−log(2 − exp(t))",
            0.0,
            False,
        ),
        FDivergence(
            "total variation",
            lambda u: 0.5 * np.abs(u - 1),
            lambda v: 0.5 * torch.tanh(v),
            lambda v: 0.5 * torch.tanh(v),  # f*(t) = t on |t| ≤ ½
            "TV(P, Q) = ½ ∫ ∣p − q∣",
            "½ tanh(v)",
            "t",
            0.0,
            False,
        ),
    )
}
NAMES = tuple(DIVERGENCES)


def critic_objective(divergence: FDivergence, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """F = E_P[g_f(V(x))] − E_Q[f*(g_f(V(G(z))))]: the lower bound on D_f(P‖Q) that D maximises."""
    return divergence.activation(real_scores).mean() - divergence.conjugate_of_activation(fake_scores).mean()


def generator_loss(divergence: FDivergence, fake_scores: torch.Tensor, saturating: bool) -> torch.Tensor:
    """G's loss: the saddle's −E_Q[f*(g_f(V))] (``saturating``), or −E_Q[g_f(V)] (Nowozin et al. §3.2)."""
    if saturating:
        return -divergence.conjugate_of_activation(fake_scores).mean()
    return -divergence.activation(fake_scores).mean()


SUPPORT = 1e-6  # a kernel density below 10⁻⁶ of its peak counts as 0: Gaussian kernels never vanish exactly
NEGLIGIBLE = 1e-3  # an infinite term with less mass than this is left out rather than shown as ∞


def divergences_on_grid(p: np.ndarray, q: np.ndarray, cell_area: float) -> dict[str, float]:
    """Every D_f(P‖Q) = Σ_grid q f(p/q) ΔA of two densities on a grid, each cut to its support (≥ ``SUPPORT`` of its
    peak) and normalised to mass 1 on the grid.

    Off Q's support (q = 0 < p) a term is its limit p·lim_{u→∞} f(u)/u: ∞ for KL and Pearson χ² (f superlinear),
    else p times that slope (squared Hellinger 1, JS log 2, TV ½, reverse KL 0); off P's support (p = 0 < q) it is
    q·f(0): ∞ for reverse KL. ∞ is the value when the mass concerned is at least ``NEGLIGIBLE`` (a kernel tail
    that pokes past the other's by a cell is not "off the support"); below that those cells are left out.
    """

    def normalised(density: np.ndarray) -> np.ndarray:
        density = np.where(density >= SUPPORT * float(density.max(initial=0.0)), density, 0.0)
        return density / max(float(density.sum()) * cell_area, 1e-300)

    p, q = normalised(p), normalised(q)
    both = (p > 0) & (q > 0)
    only_p, only_q = (p > 0) & ~both, (q > 0) & ~both
    u = np.where(both, p / np.where(both, q, 1.0), 1.0)
    mass_only_p, mass_only_q = float(p[only_p].sum() * cell_area), float(q[only_q].sum() * cell_area)
    values = {}
    for name, divergence in DIVERGENCES.items():
        value = float((q * np.where(both, divergence.f(u), 0.0)).sum() * cell_area)
        big = 1e24  # f(u)/u as u → ∞: the asymptotic slope
        slope = math.inf if divergence.infinite_off_support else float(divergence.f(np.array([big]))[0] / big)
        with np.errstate(divide="ignore"):
            at_zero = float(divergence.f(np.array([0.0]))[0])
        for mass, factor in ((mass_only_p, slope), (mass_only_q, at_zero)):
            if math.isinf(factor):
                value = math.inf if mass >= NEGLIGIBLE else value
            else:
                value += mass * factor
        values[name] = value
    return values
