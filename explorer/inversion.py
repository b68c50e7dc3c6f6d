"""GAN inversion: the latent whose image matches a given image, found by optimisation.

The target is projected into the space the Directions tab edits (z for a DCGAN, w for a style generator,
z for a VAE's decoder starting from its encoder's μ), so a real image can then be edited along a direction.

* **Start**: the best of ``candidates`` random latents by the loss (a VAE: its encoder's μ). Starting from
  the best of 100 seeds, as image2stylegan-style projectors do with w̄, avoids the worst local minima.
* **Loss**: pixel MSE at three scales (full, ½, ¼: the coarse terms pull the layout first) plus, for
  Fashion-MNIST models, the distance between the classifier's 256-d features of the two images (a
  perceptual term from a network that is available offline). No face feature network ships offline
  (VGG/LPIPS weights would be downloaded), so a faces model gets the pixel terms only; that is the
  documented difference, and why hair and background are matched before fine detail.
* A small prior term keeps z near the shell where N(0, I) lives ((‖z‖²/d − 1)²); w is left free.
* **Optimiser**: Adam, learning rate 0.05 for z (0.05·σ_w for w), cosine-decayed over the steps.

``invert`` yields progress every ``every`` steps (the UI streams it) and ends with the best latent found.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from explorer import directions as dirs
from explorer.models import HasEncoder

FAR_FROM_DOMAIN_RMSE = 0.25  # pixel RMSE on [-1, 1]: above it the model cannot make this image (say so)
PRIOR_WEIGHT = 0.01
FEATURE_WEIGHT = 0.05


@dataclass
class Progress:
    step: int
    steps: int
    loss: float
    rmse: float  # pixel root-mean-square error on [-1, 1]
    image: torch.Tensor  # (1, C, H, W) in [-1, 1]
    code: torch.Tensor  # (1, d): z, or w for a style generator


def target_tensor(picture, model: torch.nn.Module) -> torch.Tensor:
    """An uploaded image (PIL, numpy H×W[×C], or a (C, H, W) tensor in [-1, 1]) as (1, C, R, R) in [-1, 1] for
    ``model`` (resized, centre-cropped to a square, greyscale or RGB as the model makes)."""
    channels = model.generate(model.sample_latent(1, 0).to(next(model.parameters()).device)).shape[1]
    if isinstance(picture, torch.Tensor):
        x = picture.float()
        x = x[None] if x.ndim == 3 else x
        if x.shape[-1] != model.resolution:
            x = F.interpolate(x, size=(model.resolution, model.resolution), mode="bilinear", antialias=True)
        if x.shape[1] != channels:
            x = x.mean(1, keepdim=True).expand(-1, channels, -1, -1)
        return x.clamp(-1, 1)
    if isinstance(picture, np.ndarray):
        picture = Image.fromarray(picture.astype(np.uint8) if picture.dtype != np.uint8 else picture)
    if not isinstance(picture, Image.Image):
        raise ValueError("upload an image (PNG or JPEG) to invert")
    side = min(picture.size)
    if side < 8:
        raise ValueError(f"the image is {picture.size[0]}×{picture.size[1]} pixels; give one at least 8×8")
    left, top = (picture.width - side) // 2, (picture.height - side) // 2
    picture = picture.crop((left, top, left + side, top + side)).convert("L" if channels == 1 else "RGB")
    picture = picture.resize((model.resolution, model.resolution), Image.Resampling.LANCZOS)
    array = torch.from_numpy(np.asarray(picture, dtype=np.float32) / 127.5 - 1.0)
    return (array[None, None] if channels == 1 else array.permute(2, 0, 1)[None]).contiguous()


def pixel_loss(image: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE at full, half and quarter resolution (per sample)."""
    total = 0
    for factor in (1, 2, 4):
        a = F.avg_pool2d(image, factor) if factor > 1 else image
        b = F.avg_pool2d(target, factor) if factor > 1 else target
        total = total + (a - b).square().flatten(1).mean(1)
    return total


def start_code(model: torch.nn.Module, target: torch.Tensor, candidates: int = 100, seed: int = 0) -> torch.Tensor:
    """The encoder's μ (a VAE), else the best of ``candidates`` random latents (z, or w) by the pixel loss."""
    device = next(model.parameters()).device
    with torch.no_grad():
        if isinstance(model, HasEncoder):
            return model.encode(target.to(device))[0].cpu()
        codes = dirs.latents(model, candidates, seed)
        losses = torch.cat(
            [pixel_loss(dirs.render(model, c.to(device)), target.to(device)).cpu() for c in codes.split(50)]
        )
        return codes[int(losses.argmin())][None]


def invert(
    model: torch.nn.Module,
    target: torch.Tensor,
    steps: int = 300,
    features: torch.nn.Module | None = None,
    seed: int = 0,
    every: int = 10,
    candidates: int = 100,
) -> Iterator[Progress]:
    """Optimise the latent of ``target`` (1, C, R, R); yields ``Progress`` every ``every`` steps and at the end
    (the last one holds the best latent seen)."""
    steps = int(steps)
    if not 1 <= steps <= 2000:
        raise ValueError(f"steps must be between 1 and 2000, got {steps}")
    device = next(model.parameters()).device
    target = target.to(device)
    space = "z" if isinstance(model, HasEncoder) else dirs.space_of(model)
    code = start_code(model, target, candidates, seed).to(device).requires_grad_(True)
    lr = 0.05 * (float(dirs.latents(model, 512, 7).std()) if space == "w" else 1.0)
    optimiser = torch.optim.Adam([code], lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda i: 0.5 * (1 + math.cos(math.pi * i / steps)))
    target_features = features.features(target).detach() if features is not None else None
    render = (lambda c: model.decode(c)) if isinstance(model, HasEncoder) else (lambda c: dirs.render(model, c))
    best = (math.inf, code.detach().clone())
    for step in range(steps + 1):
        with torch.enable_grad():
            image = render(code)
            loss = pixel_loss(image, target).sum()
            if target_features is not None:
                loss = loss + FEATURE_WEIGHT * (features.features(image) - target_features).square().mean()
            if space == "z":
                loss = loss + PRIOR_WEIGHT * (code.square().mean() - 1).square()
            if step < steps:
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
        value = float(loss.detach())
        if not math.isfinite(value):
            raise ValueError("the optimisation diverged (the loss is not finite); try fewer steps")
        if value < best[0]:
            best = (value, code.detach().clone())
        if step % every == 0 or step == steps:
            code_now = best[1] if step == steps else code.detach().clone()
            with torch.no_grad():
                shown = render(code_now)
                rmse = float((shown - target).square().mean().sqrt())
            yield Progress(step, steps, value, rmse, shown.cpu(), code_now.cpu())


def far_from_domain(rmse: float) -> bool:
    return rmse > FAR_FROM_DOMAIN_RMSE
