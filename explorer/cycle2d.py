"""CycleGAN on the plane: unpaired translation between a ring X and a square Y, with and without the cycle loss.

Zhu et al. 2017, arXiv:1703.10593: two generators G: X → Y and F: Y → X, two discriminators D_Y and D_X, each
pair trained with the least-squares GAN loss (the paper's choice), plus the cycle-consistency loss
λ (E‖F(G(x)) − x‖₁ + E‖G(F(y)) − y‖₁). No (x, y) pairs are ever shown. The adversarial losses alone only ask that
G(X) looks like Y and F(Y) like X: any way of laying the ring onto the square will do, and F need not undo G.
The cycle loss asks F ∘ G ≈ identity, which makes G a bijection that F inverts.

Pure functions of their arguments (all randomness from the seed), cached: a training takes a few seconds on one
CPU thread.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from explorer import losses
from explorer.device import one_thread
from explorer.theory import small_mlp

SQUARE_CENTRE = (3.0, 0.0)  # Y sits to the right of X so both fit one plot
NOISE = 0.03
LAMBDAS = (0.0, 1.0, 3.0, 10.0)
STEPS, BATCH, WIDTH, LR = 600, 128, 32, 2e-3
TEST_POINTS = 400


def ring(n: int, generator: torch.Generator) -> torch.Tensor:
    """n points of X: the unit circle at the origin, radial noise 0.03."""
    angle = torch.rand(n, generator=generator) * 2 * math.pi
    radius = 1 + NOISE * torch.randn(n, generator=generator)
    return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], 1)


def square(n: int, generator: torch.Generator) -> torch.Tensor:
    """n points of Y: the perimeter of the square [−1, 1]² moved to SQUARE_CENTRE, noise 0.03."""
    side = torch.randint(4, (n,), generator=generator)
    u = torch.rand(n, generator=generator) * 2 - 1
    one = torch.ones(n)
    sides = torch.stack(
        [torch.stack([u, one], 1), torch.stack([one, u], 1), torch.stack([u, -one], 1), torch.stack([-one, u], 1)], 1
    )
    points = sides[torch.arange(n), side] + NOISE * torch.randn(n, 2, generator=generator)
    return points + torch.tensor(SQUARE_CENTRE)


def mlp(n_in: int, n_out: int, generator: torch.Generator) -> nn.Sequential:
    """n_in → 32 → 32 → n_out with LeakyReLU(0.2), its weights drawn from ``generator``."""
    return small_mlp(n_in, WIDTH, generator, n_out)


@dataclass(frozen=True)
class CycleResult:
    lam: float
    x: np.ndarray  # (TEST_POINTS, 2) test points of X, sorted by angle
    gx: np.ndarray  # G(x)
    fgx: np.ndarray  # F(G(x))
    y: np.ndarray  # test points of Y
    fy: np.ndarray  # F(y)
    cycle_error: float  # mean ‖F(G(x)) − x‖ over the test points
    off_square: float  # mean distance of G(x) from the square's perimeter
    off_ring: float  # mean distance of F(y) from the unit circle
    winding: int  # how many times G(x) goes round the square's centre as x goes once round the ring


def distance_to_square(points: np.ndarray) -> np.ndarray:
    """Distance of each point from the perimeter of the square [−1, 1]² at SQUARE_CENTRE (inside or outside)."""
    p = np.abs(points - np.array(SQUARE_CENTRE)) - 1
    outside = np.linalg.norm(np.maximum(p, 0), axis=1)
    inside = np.minimum(np.max(p, axis=1), 0)
    return np.abs(outside + inside)


def winding_number(points: np.ndarray, centre) -> int:
    """How many times the closed path through ``points`` (in order) turns round ``centre``."""
    angle = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    steps = np.diff(np.concatenate([angle, angle[:1]]))
    steps = (steps + math.pi) % (2 * math.pi) - math.pi  # each step taken the short way round
    return int(round(steps.sum() / (2 * math.pi)))


@functools.lru_cache(maxsize=16)
def train(lam: float, seed: int, steps: int = STEPS) -> CycleResult:
    """G, F, D_X, D_Y trained for ``steps`` steps with cycle weight ``lam`` (0 = adversarial losses only)."""
    with one_thread():
        return _train(float(lam), int(seed), int(steps))


def _train(lam: float, seed: int, steps: int) -> CycleResult:
    generator = torch.Generator().manual_seed(seed)
    g_net, f_net = mlp(2, 2, generator), mlp(2, 2, generator)
    d_x, d_y = mlp(2, 1, generator), mlp(2, 1, generator)
    opt_g = torch.optim.Adam([*g_net.parameters(), *f_net.parameters()], LR, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam([*d_x.parameters(), *d_y.parameters()], LR, betas=(0.5, 0.999))
    for _ in range(steps):
        x, y = ring(BATCH, generator), square(BATCH, generator)
        fake_y, fake_x = g_net(x), f_net(y)
        # discriminators: least squares, real → 1, fake → 0; CycleGAN's LSGAN terms have no ½ (Zhu et al. 2017,
        # Eq. 1 with §4's least squares), so twice explorer.losses' ½-form, which keeps λ_cyc's weight as the paper's
        d_loss = 2 * losses.discriminator_loss_least_squares(d_y(y), d_y(fake_y.detach()))
        d_loss = d_loss + 2 * losses.discriminator_loss_least_squares(d_x(x), d_x(fake_x.detach()))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        # generators: fool both discriminators, and come back (L1) when lam > 0
        g_loss = 2 * losses.generator_loss_least_squares(d_y(fake_y))
        g_loss = g_loss + 2 * losses.generator_loss_least_squares(d_x(fake_x))
        if lam:
            cycle = (f_net(fake_y) - x).abs().sum(1).mean() + (g_net(fake_x) - y).abs().sum(1).mean()
            g_loss = g_loss + lam * cycle
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
    test = torch.Generator().manual_seed(seed + 1)
    x, y = ring(TEST_POINTS, test), square(TEST_POINTS, test)
    x = x[torch.argsort(torch.atan2(x[:, 1], x[:, 0]))]
    with torch.no_grad():
        gx = g_net(x)
        fgx, fy = f_net(gx), f_net(y)
    arrays = [t.double().numpy() for t in (x, gx, fgx, y, fy)]
    for array in arrays:
        array.setflags(write=False)
    x_np, gx_np, fgx_np, y_np, fy_np = arrays
    return CycleResult(
        lam=lam,
        x=x_np,
        gx=gx_np,
        fgx=fgx_np,
        y=y_np,
        fy=fy_np,
        cycle_error=float(np.linalg.norm(fgx_np - x_np, axis=1).mean()),
        off_square=float(distance_to_square(gx_np).mean()),
        off_ring=float(np.abs(np.linalg.norm(fy_np, axis=1) - 1).mean()),
        winding=winding_number(gx_np, SQUARE_CENTRE),
    )
