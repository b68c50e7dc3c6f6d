"""VQ-VAE: an autoencoder whose code is a grid of entries of a learned codebook.

van den Oord, Vinyals & Kavukcuoglu, "Neural Discrete Representation Learning", arXiv:1711.00937. The encoder
maps a 32×32 image to an 8×8 grid of vectors z_e ∈ R^D; each is replaced by its nearest codebook entry
e_k (k = argmin_j ‖z_e − e_j‖), and the decoder sees only those. argmin has no gradient, so the decoder's
gradient is copied to z_e unchanged (the straight-through estimator: z_q = z_e + sg(e_k − z_e)). The loss is

    −log p(x | z_q) + ‖sg(z_e) − e_k‖² + β‖z_e − sg(e_k)‖²,

reconstruction, codebook (moves e_k to the codes that chose it) and commitment (keeps z_e near its entry).
Both z_e and the entries are L2-normalised before the lookup (Yu et al.'s "improved VQGAN", arXiv:2110.04627):
the distances stay bounded, the encoder cannot run away from the codebook, and more entries stay in use.
An image is then 64 integers in [0, K). Sampling needs a prior over those grids: the paper trains a PixelCNN;
here ``prior_logits`` is a per-position categorical prior p(k | position), the code frequencies at each cell
(kept up to date by the trainer, saved with the weights). It ignores how neighbouring codes depend on each
other, so its samples are garment-like patchworks: what an autoregressive prior adds is exactly that
dependence. That simplification is deliberate (a PixelCNN that trains in minutes on 2 cores would still be
weak) and said in the tab.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from explorer.models.base import Pretrained
from explorer.models.vae import reconstruction_nll


@dataclass
class VQVAEConfig:
    channels: int = 1
    resolution: int = 32  # the code grid is resolution/4 per side
    width: int = 64  # feature maps of the encoder and decoder
    code_dim: int = 16  # D, the size of a codebook entry
    codebook_size: int = 128  # K
    commitment: float = 0.25  # β of the commitment term (the paper's)

    def __post_init__(self) -> None:
        if self.resolution % 4 or self.resolution < 8:
            raise ValueError(f"the resolution must be a multiple of 4 (≥ 8), got {self.resolution}")
        if self.codebook_size < 2 or self.code_dim < 1 or self.width < 1:
            raise ValueError("need codebook_size ≥ 2, code_dim ≥ 1 and width ≥ 1")

    @property
    def grid(self) -> int:
        """Cells per side of the code grid."""
        return self.resolution // 4


class Residual(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(), nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, width, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class VQVAE(nn.Module, Pretrained):
    """images in [-1, 1] → (n, grid, grid) code indices → images; not a ``LatentGenerator`` (no Gaussian z)."""

    def __init__(self, config: VQVAEConfig):
        super().__init__()
        self.config = config
        w = config.width
        self.encoder = nn.Sequential(
            nn.Conv2d(config.channels, w, 4, 2, 1),
            nn.ReLU(),
            nn.Conv2d(w, w, 4, 2, 1),
            Residual(w),
            nn.ReLU(),
            nn.Conv2d(w, config.code_dim, 1),
        )
        self.codebook = nn.Embedding(config.codebook_size, config.code_dim)
        nn.init.uniform_(self.codebook.weight, -1 / config.codebook_size, 1 / config.codebook_size)
        self.decoder = nn.Sequential(
            nn.Conv2d(config.code_dim, w, 3, padding=1),
            Residual(w),
            nn.ReLU(),
            nn.ConvTranspose2d(w, w, 4, 2, 1),
            nn.ReLU(),
            nn.ConvTranspose2d(w, config.channels, 4, 2, 1),
        )
        prior = torch.zeros(config.grid, config.grid, config.codebook_size)
        self.register_buffer("prior_logits", prior)  # log p(k | cell), up to a constant per cell

    @property
    def resolution(self) -> int:
        return self.config.resolution

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """z_e: (n, D, grid, grid), each cell's vector of unit length."""
        return F.normalize(self.encoder(images), dim=1)

    def entries(self) -> torch.Tensor:
        """The codebook, each entry of unit length: (K, D)."""
        return F.normalize(self.codebook.weight, dim=1)

    def nearest(self, z_e: torch.Tensor) -> torch.Tensor:
        """The index of the nearest codebook entry of each cell: (n, grid, grid)."""
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, self.config.code_dim)
        distances = torch.cdist(flat, self.entries())
        return distances.argmin(dim=1).view(z_e.shape[0], z_e.shape[2], z_e.shape[3])

    def lookup(self, codes: torch.Tensor) -> torch.Tensor:
        """Codebook entries of a (n, grid, grid) index grid: (n, D, grid, grid)."""
        return F.embedding(codes, self.entries()).permute(0, 3, 1, 2)

    def quantize(self, z_e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(z_q with the straight-through gradient, codes, codebook loss, commitment loss)."""
        codes = self.nearest(z_e)
        e = self.lookup(codes)
        codebook_loss = F.mse_loss(e, z_e.detach(), reduction="none").sum(1).mean()
        commitment_loss = F.mse_loss(z_e, e.detach(), reduction="none").sum(1).mean()
        return z_e + (e - z_e).detach(), codes, codebook_loss, commitment_loss

    def decode_logits(self, z_q: torch.Tensor) -> torch.Tensor:
        return self.decoder(z_q)

    def decode_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] from a (n, grid, grid) grid of code indices."""
        device = next(self.parameters()).device
        codes = codes.to(device=device, dtype=torch.long)
        if codes.ndim != 3 or codes.shape[1:] != (self.config.grid, self.config.grid):
            raise ValueError(f"codes must be (n, {self.config.grid}, {self.config.grid}), got {tuple(codes.shape)}")
        if codes.min() < 0 or codes.max() >= self.config.codebook_size:
            raise ValueError(f"codes must be in [0, {self.config.codebook_size})")
        return 2 * torch.sigmoid(self.decode_logits(self.lookup(codes))) - 1

    def codes(self, images: torch.Tensor) -> torch.Tensor:
        """The code grid of images in [-1, 1]: (n, grid, grid)."""
        device = next(self.parameters()).device
        return self.nearest(self.encode(images.to(device=device, dtype=torch.float32)))

    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        return self.decode_codes(self.codes(images))

    def reconstruction_nll(self, logits: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        """−log p(x | z_q) per image (Bernoulli on pixels in [0, 1], like the VAEs of this app)."""
        return reconstruction_nll(logits, images, "bernoulli")

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(reconstruction logits, codes, codebook loss, commitment loss)."""
        z_q, codes, codebook_loss, commitment_loss = self.quantize(self.encode(images))
        return self.decode_logits(z_q), codes, codebook_loss, commitment_loss

    def sample_codes(self, n: int, seed: int) -> torch.Tensor:
        """``n`` code grids from the per-position prior (each cell drawn independently), reproducible by ``seed``."""
        generator = torch.Generator().manual_seed(int(seed))
        probabilities = torch.softmax(self.prior_logits.float().cpu(), dim=-1).view(-1, self.config.codebook_size)
        draws = torch.multinomial(probabilities, n, replacement=True, generator=generator)  # (cells, n)
        return draws.T.reshape(n, self.config.grid, self.config.grid)


def usage(codes: torch.Tensor, codebook_size: int) -> torch.Tensor:
    """How often each codebook entry is used in a batch of code grids: (K,) counts."""
    return torch.bincount(codes.flatten().cpu(), minlength=codebook_size)


def perplexity(counts: torch.Tensor) -> float:
    """exp(entropy) of the code frequencies: the number of equally used entries with the same spread."""
    p = counts.float() / counts.sum().clamp(min=1)
    p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum()))
