"""StyleGAN3's lecture points (Karras et al. 2021, arXiv:2106.12423): moving the input, and texture sticking.

- ``drag``: translate (and rotate) what a style generator starts from. StyleGAN3 starts from Fourier
  features sampled on a grid its ``transform`` moves continuously, so the whole image glides with it, to
  a fraction of a pixel. A StyleGAN2 starts from a learned 4×4 constant: moving it (resampled bilinearly)
  does not move the picture; the network, which located its details by the pixel grid and the borders,
  redraws them in place.
- ``sticking_average``: the paper's texture-sticking picture (Fig. 1): the average of many images from a
  small neighbourhood of one latent. Details tied to the pixel grid stay sharp in the average (StyleGAN2's
  hair sticks to the screen); details that move with the content blur evenly (StyleGAN3).
"""

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F

from explorer import latent as latent_math
from explorer.models.base import StyleGenerator
from explorer.models.stylegan import StyleGANGenerator
from explorer.models.stylegan2 import StyleGAN2
from explorer.models.stylegan3 import StyleGAN3, input_transform

MOVABLE = (StyleGAN3, StyleGAN2, StyleGANGenerator)  # the model classes whose input ``drag`` can move
ALIAS_FREE = (StyleGAN3,)  # of those, the ones whose input moves continuously (Fourier features through a transform)


def first_layer(model: StyleGenerator) -> torch.nn.Module:
    """The layer that receives a StyleGAN2's constant input as its first argument."""
    if isinstance(model, StyleGAN2):
        return model.conv1
    if isinstance(model, StyleGANGenerator):
        return model.synthesis_network.layers[0]
    raise ValueError(f"{type(model).__name__} has no constant input this view knows how to move")


def move_constant(x: torch.Tensor, shift: tuple[float, float], angle: float, resolution: int) -> torch.Tensor:
    """The constant input (n, c, h, w) moved by ``shift`` output pixels (x right, y down) and rotated by
    ``angle`` degrees (counter-clockwise on screen) about its centre: bilinear resampling, edges repeated."""
    n, _, h, w = x.shape
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    # grid_sample maps output to input coordinates in [-1, 1]: the inverse motion; an output pixel is 2 / resolution
    dx, dy = 2 * shift[0] / resolution, 2 * shift[1] / resolution
    theta = torch.tensor([[c, -s, 0.0], [s, c, 0.0]], dtype=x.dtype, device=x.device)
    theta[:, 2] = -(theta[:, :2] @ torch.tensor([dx, dy], dtype=x.dtype, device=x.device))
    grid = F.affine_grid(theta[None].expand(n, 2, 3), [n, x.shape[1], h, w], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


@contextmanager
def moved_constant(model: StyleGenerator, shift: tuple[float, float], angle: float) -> Iterator[None]:
    """Within the block, this thread's synthesis passes start from the moved constant (others see the original:
    the app's threads share the model)."""
    owner = threading.get_ident()

    def replace(module, args):
        if threading.get_ident() == owner:
            return (move_constant(args[0], shift, angle, model.resolution), *args[1:])
        return None

    handle = first_layer(model).register_forward_pre_hook(replace)
    try:
        yield
    finally:
        handle.remove()


@torch.no_grad()
def drag(model: StyleGenerator, ws: torch.Tensor, shift: tuple[float, float] = (0.0, 0.0), angle: float = 0.0):
    """Images (n, c, res, res) in [-1, 1] of ``ws`` with the input moved by ``shift`` output pixels (x right,
    y down) and turned ``angle`` degrees counter-clockwise: StyleGAN3's input transform, or a StyleGAN2's
    constant resampled. Noise, where the model has it, stays fixed (``const``): only the input moves."""
    if isinstance(model, StyleGAN3):
        transform = input_transform((shift[0] / model.resolution, shift[1] / model.resolution), angle)
        return model.synthesis(ws, transform=transform).clamp(-1, 1)
    with moved_constant(model, shift, angle):
        return model.synthesis(ws, "const").clamp(-1, 1)


@torch.no_grad()
def sticking_average(
    model: StyleGenerator, seed: int, frames: int = 32, radius: float = 0.2, truncation_psi: float = 0.7
) -> torch.Tensor:
    """The mean (1, c, res, res) of ``frames`` images whose latents are z(seed) + radius·ε_i: a small
    neighbourhood of one latent, as in the paper's Fig. 1 (ε_i: the latents of the next seeds, seed + 1 + i)."""
    if not 1 <= frames <= 256:
        raise ValueError(f"frames must be between 1 and 256, got {frames}")
    seed = latent_math.check_seed(seed)
    z = model.latents_of([seed]) + radius * model.latents_of([seed + 1 + i for i in range(frames)])
    images = [model.generate(chunk, truncation_psi) for chunk in z.split(8)]  # bounded memory at 1024²
    return torch.cat(images).mean(dim=0, keepdim=True)
