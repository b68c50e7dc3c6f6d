"""What both sections of the Style mixing tab check: the model is a StyleGAN, the noise mode and strengths."""

import torch

from explorer.models import StyleGenerator
from explorer.models.base import NOISE_MODES
from explorer.zoo import Zoo

MAX_STRENGTH = 5.0  # what each noise-strength slider allows (the global one and every per-row one)


def model_names(zoo: Zoo) -> list[str]:
    """Every model with a mapping network and per-layer styles (``StyleGenerator``)."""
    return zoo.names(StyleGenerator)


def stylegan(zoo: Zoo, name: str) -> torch.nn.Module:
    return zoo.require(name, StyleGenerator, what="a StyleGAN model (w space, styles per layer)")


def check_noise(mode: str, strengths: list[float], what: str = "noise strengths") -> None:
    """Each slider's own range: a row's effective strength is global × row, up to MAX_STRENGTH²."""
    if mode not in NOISE_MODES:
        raise ValueError(f"noise mode must be one of {NOISE_MODES}, got {mode!r}")
    if any(not 0 <= s <= MAX_STRENGTH for s in strengths):
        raise ValueError(f"{what} must be between 0 and {MAX_STRENGTH:g}")
