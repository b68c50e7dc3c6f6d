"""Image-to-image translation: pix2pix (paired) and CycleGAN (unpaired), small enough for 32² on a CPU.

- **pix2pix** (Isola et al., "Image-to-Image Translation with Conditional Adversarial Networks", arXiv:1611.07004):
  a U-Net G maps an input image x (here an edge map of a garment) to an output y; a PatchGAN D judges (x, y)
  *pairs* patch by patch; G minimises L_cGAN(G, D) + λ·‖y − G(x)‖₁ (λ = 100 in the paper). With the
  adversarial term off (``gan_weight`` 0 in the trainer) G is an L1 regressor: it predicts the per-pixel median
  of the garments that share an edge map, a blurry average, and it wins on L1; the cGAN's samples are sharp
  and win on FID.
- **CycleGAN** (Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks",
  arXiv:1703.10593): G: A → B and F: B → A with D_B, D_A (least squares), no pairs; the cycle loss
  λ(‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁) keeps each translation invertible. Here A and B are two Fashion-MNIST
  classes (sneakers and ankle boots by default).

Both use the same U-Net (skip connections from each encoder level to the decoder level of the same size). At
32² three levels reach a 4×4 bottleneck. pix2pix's decoder has dropout, its "noise"; as the paper reports, G
learns to ignore most of it. The app runs G in eval mode, so a sketch always gives the same garment.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from explorer.models.base import Pretrained

NORMS = ("batch", "instance")
SOBEL = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
EDGE_THRESHOLD = 0.8  # Sobel magnitude (pixels in [0, 1]) above which a pixel is an edge


def edge_map(images: torch.Tensor, threshold: float = EDGE_THRESHOLD) -> torch.Tensor:
    """Binary edge maps of images in [-1, 1] (n, c, h, w): 1 where the Sobel magnitude of the grey image
    exceeds ``threshold``, −1 elsewhere, so white lines on black like the garments themselves. Deterministic, so
    pairs are made on the fly at every step and at test time alike (pix2pix's "edges → photo" made with Sobel
    instead of HED)."""
    grey = (images.mean(dim=1, keepdim=True) + 1) / 2
    kx = SOBEL.to(images.device, images.dtype).view(1, 1, 3, 3)
    padded = F.pad(grey, (1, 1, 1, 1), mode="replicate")
    gx, gy = F.conv2d(padded, kx), F.conv2d(padded, kx.transpose(2, 3))
    magnitude = torch.sqrt(gx * gx + gy * gy)
    return torch.where(magnitude > threshold, 1.0, -1.0).to(images.dtype)


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    return nn.InstanceNorm2d(channels, affine=True)


class UNet(nn.Module):
    """Three 4×4 stride-2 convolutions down (32² → 4²), three transposed ones up; each decoder level sees the
    encoder's map of its size concatenated (the skips). Output tanh, in [-1, 1]."""

    def __init__(self, channels_in: int, channels_out: int, width: int, norm: str, dropout: float = 0.0):
        super().__init__()
        w = width
        self.down1 = nn.Sequential(nn.Conv2d(channels_in, w, 4, 2, 1), nn.LeakyReLU(0.2))
        self.down2 = nn.Sequential(nn.Conv2d(w, 2 * w, 4, 2, 1), _norm(norm, 2 * w), nn.LeakyReLU(0.2))
        self.down3 = nn.Sequential(nn.Conv2d(2 * w, 4 * w, 4, 2, 1), _norm(norm, 4 * w), nn.LeakyReLU(0.2))
        self.up3 = nn.Sequential(
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1), _norm(norm, 2 * w), nn.Dropout(dropout), nn.ReLU()
        )
        self.up2 = nn.Sequential(nn.ConvTranspose2d(4 * w, w, 4, 2, 1), _norm(norm, w), nn.Dropout(dropout), nn.ReLU())
        self.up1 = nn.Sequential(nn.ConvTranspose2d(2 * w, channels_out, 4, 2, 1), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d1 = self.down1(x)
        d2 = self.down2(d1)
        u3 = self.up3(self.down3(d2))
        u2 = self.up2(torch.cat([u3, d2], dim=1))
        return self.up1(torch.cat([u2, d1], dim=1))


class PatchDiscriminator(nn.Module):
    """PatchGAN: one real/fake logit per overlapping patch (an 8×8 map at 32², each logit seeing 26×26 pixels)
    rather than one per image, so D judges local texture and sharpness and leaves the layout to the L1 term."""

    def __init__(self, channels_in: int, width: int, norm: str):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(channels_in, w, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, 2, 1),
            _norm(norm, 2 * w),
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 3, 1, 1),
            _norm(norm, 4 * w),
            nn.LeakyReLU(0.2),
            nn.Conv2d(4 * w, 1, 3, 1, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def _check(resolution: int, width: int, norm: str) -> None:
    if resolution % 8 or resolution < 8:
        raise ValueError(f"the resolution must be a multiple of 8 (three 2× levels), got {resolution}")
    if width < 1:
        raise ValueError(f"width must be ≥ 1, got {width}")
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {norm!r}")


class Translator:
    """An image-to-image model (the GAN theory tab's translation parts): ``resolution`` and ``translate``."""

    config: object

    @property
    def resolution(self) -> int:
        return self.config.resolution


@dataclass
class Pix2PixConfig:
    channels: int = 1
    resolution: int = 32
    width: int = 32  # the U-Net's first feature maps (then 2×, 4×)
    norm: str = "batch"
    dropout: float = 0.5  # the decoder's dropout (the paper's noise z), active only while training
    edge_threshold: float = EDGE_THRESHOLD  # how the training pairs' inputs were made (edge_map)
    class_names: tuple[str, ...] = ()  # of the data it was trained on (not used by the network)

    def __post_init__(self) -> None:
        _check(self.resolution, self.width, self.norm)
        self.class_names = tuple(self.class_names)
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


class Pix2PixGenerator(nn.Module, Pretrained, Translator):
    """G of pix2pix: an edge map (n, 1, r, r) in {−1, 1} → a garment (n, channels, r, r) in [-1, 1]."""

    def __init__(self, config: Pix2PixConfig):
        super().__init__()
        self.config = config
        self.unet = UNet(1, config.channels, config.width, config.norm, config.dropout)

    def edges(self, images: torch.Tensor) -> torch.Tensor:
        """The input this model was trained on for ``images`` (its ``edge_map``)."""
        return edge_map(images, self.config.edge_threshold)

    def forward(self, edges: torch.Tensor) -> torch.Tensor:
        return self.unet(edges)

    @torch.inference_mode()
    def translate(self, edges: torch.Tensor) -> torch.Tensor:
        """Garments for edge maps, in eval mode (dropout off, BatchNorm's running statistics)."""
        device = next(self.parameters()).device
        was_training = self.training
        self.eval()
        try:
            return self(edges.to(device=device, dtype=torch.float32)).float()
        finally:
            self.train(was_training)


class Pix2PixDiscriminator(PatchDiscriminator):
    """D of pix2pix: judges the (edge map, garment) pair stacked as channels."""

    def __init__(self, config: Pix2PixConfig, width: int = 32):
        super().__init__(1 + config.channels, width, "batch")

    def forward(self, edges: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([edges, images], dim=1))


@dataclass
class CycleGANConfig:
    channels: int = 1
    resolution: int = 32
    width: int = 16
    norm: str = "instance"  # the paper's choice for both G and D
    domain_a: str = "Sneaker"  # class names of the training data: A and B
    domain_b: str = "Ankle boot"
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check(self.resolution, self.width, self.norm)
        self.class_names = tuple(self.class_names)
        if self.domain_a == self.domain_b:
            raise ValueError(f"the two domains must differ, both are {self.domain_a!r}")
        for domain in (self.domain_a, self.domain_b):
            if self.class_names and domain not in self.class_names:
                raise ValueError(f"unknown class {domain!r}; classes: {', '.join(self.class_names)}")


class CycleGAN(nn.Module, Pretrained, Translator):
    """Both generators of a CycleGAN: ``g`` maps domain A to B, ``f`` maps B back to A."""

    def __init__(self, config: CycleGANConfig):
        super().__init__()
        self.config = config
        self.g = UNet(config.channels, config.channels, config.width, config.norm)
        self.f = UNet(config.channels, config.channels, config.width, config.norm)

    def generator(self, direction: str) -> nn.Module:
        """``g`` for "a2b", ``f`` for "b2a"."""
        if direction not in ("a2b", "b2a"):
            raise ValueError(f"direction must be 'a2b' or 'b2a', got {direction!r}")
        return self.g if direction == "a2b" else self.f

    @torch.inference_mode()
    def translate(self, images: torch.Tensor, direction: str = "a2b") -> tuple[torch.Tensor, torch.Tensor]:
        """(the translation, its way back): G(x) and F(G(x)) for "a2b", F(y) and G(F(y)) for "b2a"."""
        there, back = self.generator(direction), self.generator("b2a" if direction == "a2b" else "a2b")
        device = next(self.parameters()).device
        was_training = self.training
        self.eval()
        try:
            translated = there(images.to(device=device, dtype=torch.float32))
            return translated.float(), back(translated).float()
        finally:
            self.train(was_training)


class CycleGANDiscriminator(nn.Module):
    """D_B and D_A of a CycleGAN (least-squares PatchGANs), kept together for the trainer."""

    def __init__(self, config: CycleGANConfig, width: int = 32):
        super().__init__()
        self.d_b = PatchDiscriminator(config.channels, width, config.norm)
        self.d_a = PatchDiscriminator(config.channels, width, config.norm)


def cycle_error(images: torch.Tensor, back: torch.Tensor) -> torch.Tensor:
    """Per image mean |x − F(G(x))| on pixels in [-1, 1]: the cycle-reconstruction error."""
    return (images.float() - back.float()).abs().mean(dim=(1, 2, 3))
