"""Perceptual path length: how much the image changes per small step along a latent path (StyleGAN).

PPL = E[ d(G(lerp(w₀, w₁; t)), G(lerp(w₀, w₁; t + ε))) / ε² ],  t ~ U(0, 1)
in W; in Z the path is slerp on the unit sphere (Karras et al., A Style-Based Generator Architecture
for GANs, arXiv:1812.04948, §4.1). Short paths mean a smooth, disentangled latent space.

Written here: torchmetrics' ``perceptual_path_length`` interpolates only in z of a generator with a
``sample`` method, and StyleGAN's PPL is measured in w. The paper's d is LPIPS (VGG16 features, weights
downloaded at run time); we take ``distance`` as an argument and the Metrics tab passes the squared L2
distance between Fashion-MNIST classifier features, so our values are on another scale than the paper's.
As in NVlabs/stylegan3 metrics/perceptual_path_length.py: images from the stored noise maps, and the mean
drops the values below the 1st and above the 99th percentile (numpy's 'lower'/'higher' methods).
"""

from collections.abc import Callable

import numpy as np
import torch

from explorer import latent as latent_math

SPACES = ("w", "z")  # where the path runs: lerp between w's, or slerp between z's


def _unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True)


@torch.inference_mode()
def perceptual_path_length(
    model: torch.nn.Module,
    distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    n: int = 1000,
    space: str = "w",
    epsilon: float = 1e-4,
    seed: int = 0,
    batch_size: int = 200,
) -> tuple[float, np.ndarray]:
    """PPL of a StyleGAN (``mapping(z) → ws``, ``synthesis(ws) → images``) over ``n`` random path points.

    ``distance(images_a, images_b)`` returns one value per pair (n,). Pair i joins z₀ = ``latents_of``
    seed + 2i and z₁ = seed + 2i + 1; t ~ U(0, 1) comes from a ``torch.Generator`` seeded ``seed``.
    Returns (the mean after dropping the 1 % tails, every pair's d/ε²).
    """
    if not callable(getattr(model, "mapping", None)) or not callable(getattr(model, "synthesis", None)):
        raise ValueError("perceptual path length needs a StyleGAN mapping network")
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, got {space!r}")
    if n < 1 or batch_size < 1 or epsilon <= 0:
        raise ValueError(f"need n ≥ 1, batch_size ≥ 1 and epsilon > 0, got {n}, {batch_size}, {epsilon}")
    device = model.w_avg.device if hasattr(model, "w_avg") else next(model.parameters()).device
    t_all = torch.rand(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    lengths = []
    for start in range(0, n, batch_size):
        # 1. Endpoints and the two path points t, t + ε of each pair.
        pairs = range(start, min(start + batch_size, n))
        z0 = model.latents_of([seed + 2 * i for i in pairs]).to(device)
        z1 = model.latents_of([seed + 2 * i + 1 for i in pairs]).to(device)
        t = t_all[start : start + len(pairs), None].to(device, torch.float32)  # (b, 1)
        if space == "w":
            w0, w1 = model.mapping(torch.cat([z0, z1])).chunk(2)  # (b, num_ws, w_dim) each
            ws = torch.cat([latent_math.lerp(w0, w1, t[:, :, None]), latent_math.lerp(w0, w1, t[:, :, None] + epsilon)])
        else:
            z0, z1 = _unit(z0), _unit(z1)
            ws = model.mapping(torch.cat([latent_math.slerp(z0, z1, t), latent_math.slerp(z0, z1, t + epsilon)]))
        # 2. Images at both points (stored noise), and d / ε².
        images_a, images_b = model.synthesis(ws).chunk(2)
        d = distance(images_a, images_b).reshape(-1).double() / epsilon**2  # (b,)
        lengths.append(d.cpu())
    values = torch.cat(lengths).numpy()
    # 3. Mean without the outer percentiles.
    low = np.percentile(values, 1, method="lower")
    high = np.percentile(values, 99, method="higher")
    return float(values[(values >= low) & (values <= high)].mean()), values
