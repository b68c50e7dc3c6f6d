"""Images in [−1, 1] with a tanh G against images in [0, 1] with a sigmoid G, trained by the same recipe.

The DCGAN guideline (Radford et al. 2016, arXiv:1511.06434, §3; the "GAN hacks") scales the data to [−1, 1] and
ends G with tanh. Here both choices train the same small MLP GAN on 8×8 Fashion-MNIST (the 32² images average-pooled
by 4): the same initial weights, the same z and minibatches, the same non-saturating loss and Adam; only the data's
range and G's last activation differ. Each run is scored by the Fréchet distance between 2 000 of its samples and
5 000 test images on raw pixels, both mapped to [0, 1] (``explorer.metrics.fid.frechet_distance``).
Zero-centred data (mean −0.56 instead of 0.22) are what D's first layer and G's output layer learn faster on.
"""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from explorer import losses
from explorer.device import one_thread
from explorer.metrics.fid import frechet_distance

RANGES = ("[0, 1] data, sigmoid G", "[−1, 1] data, tanh G")
LATENT, WIDTH, BATCH, LR = 16, 64, 64, 1e-3
SIDE = 8  # pixels per side of the pooled images
SCORED = 2000  # samples per Fréchet distance


def pooled(images: torch.Tensor) -> torch.Tensor:
    """Images (n, 1, 32, 32) in [−1, 1] → (n, 64) in [0, 1], 8×8 by 4×4 average pooling."""
    return ((F.avg_pool2d(images, 32 // SIDE) + 1) / 2).flatten(1)


def _networks(generator: torch.Generator) -> tuple[nn.Sequential, nn.Sequential]:
    """G: z (16) → 64 → 64 → 64 pixels (pre-activation); D: 64 → 64 → 64 → 1 logit; drawn from ``generator``."""

    def linear(a: int, b: int) -> nn.Linear:
        layer = nn.utils.skip_init(nn.Linear, a, b)
        bound = 1 / a**0.5
        nn.init.uniform_(layer.weight, -bound, bound, generator=generator)
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
        return layer

    g = nn.Sequential(linear(LATENT, WIDTH), nn.ReLU(), linear(WIDTH, WIDTH), nn.ReLU(), linear(WIDTH, SIDE * SIDE))
    d = nn.Sequential(linear(SIDE * SIDE, WIDTH), nn.LeakyReLU(0.2), linear(WIDTH, WIDTH), nn.LeakyReLU(0.2))
    d.append(linear(WIDTH, 1))
    return g, d


def _statistics(pixels: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    a = pixels.double().numpy()
    return a.mean(0), np.cov(a, rowvar=False)


@dataclass(frozen=True)
class RangeRun:
    samples: torch.Tensor  # (16, 1, 8, 8) in [0, 1], whatever the range it was trained in
    steps: tuple[int, ...]  # where the run was scored
    fd: tuple[float, ...]  # Fréchet distance to the test images on [0, 1] pixels, at each of ``steps``
    mean: float  # its last samples' mean pixel on [0, 1]


def train(pixels01: torch.Tensor, data_range: str, seed: int, steps: int, reference, every: int = 100) -> RangeRun:
    """The recipe: non-saturating GAN, Adam(1e-3, β = (0.5, 0.999)), batches of 64, on ``pixels01`` (n, 64) in
    [0, 1] used as they are (sigmoid G) or as 2x − 1 (tanh G); scored every ``every`` steps against ``reference``
    (the test images' pixel mean and covariance on [0, 1]) with samples of a generator of its own, so that scoring
    leaves the training's draws alone and both ranges train on the same z and minibatches."""
    if data_range not in RANGES:
        raise ValueError(f"the data range must be one of {', '.join(RANGES)}, got {data_range!r}")
    signed = data_range == RANGES[1]
    data = pixels01 * 2 - 1 if signed else pixels01
    generator = torch.Generator().manual_seed(seed)
    g, d = _networks(generator)
    g = nn.Sequential(*g, nn.Tanh() if signed else nn.Sigmoid())
    opt_g = torch.optim.Adam(g.parameters(), LR, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), LR, betas=(0.5, 0.999))
    scored_at, scores = [], []

    def sample(n: int) -> torch.Tensor:
        z = torch.randn(n, LATENT, generator=torch.Generator().manual_seed(seed + 1))
        with torch.no_grad():
            out = g(z)
        return (out + 1) / 2 if signed else out

    for step in range(1, steps + 1):
        real = data[torch.randint(len(data), (BATCH,), generator=generator)]
        fake = g(torch.randn(BATCH, LATENT, generator=generator))
        d_loss = losses.discriminator_loss(d(real).squeeze(1), d(fake.detach()).squeeze(1))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = losses.generator_loss_non_saturating(d(fake).squeeze(1))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        if step % every == 0 or step == steps:
            scored_at.append(step)
            scores.append(frechet_distance(*_statistics(sample(SCORED)), *reference))
    last = sample(SCORED)
    return RangeRun(last[:16].view(16, 1, SIDE, SIDE), tuple(scored_at), tuple(scores), float(last.mean()))


def compare(train_images: torch.Tensor, test_images: torch.Tensor, seed: int, steps: int = 600) -> dict:
    """Both ranges trained on ``train_images`` by the same recipe, each scored against ``test_images`` (both
    (n, 1, 32, 32) in [−1, 1]): {range: RangeRun}. Seconds on one thread: callers cache it (the tab per seed)."""
    train_pixels = pooled(train_images)
    reference = _statistics(pooled(test_images))
    with one_thread():
        return {data_range: train(train_pixels, data_range, seed, steps, reference) for data_range in RANGES}
