"""VQ-VAE training (van den Oord et al., arXiv:1711.00937): reconstruction + codebook + β·commitment, Adam.

Two additions the paper's recipe leaves to the implementer, both standard:
- **Data-dependent start**: at step 0 the codebook entries are set to random encoder outputs of the first batch.
- **Dead codes restart** (as in Dhariwal et al.'s Jukebox, arXiv:2005.00341): every ``restart_every`` steps, the
  codebook entries no cell chose since the last restart are moved onto random encoder outputs z_e of the current
  batch, so the codebook stays in use (the card reports the usage on the test set; the issue asks for > 50 %).
- **The prior**: a per-position categorical p(k | cell), the code counts of each cell decayed by ``prior_decay``
  per step (≈ the last 1/(1 − decay) batches), written into the model's ``prior_logits`` as it trains.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from explorer.data import ImageDataset, load_dataset
from explorer.models.vqvae import VQVAE, VQVAEConfig, perplexity, usage
from trainers.events import Event
from trainers.loop import RunLength, Task, inference_samples, launch


@dataclass
class VQVAETrainConfig(RunLength):
    data: str = "fashion-mnist"
    lr: float = 1e-3  # Adam learning rate
    restart_every: int = 50  # steps between dead-code restarts (0 = never)
    prior_decay: float = 0.995  # decay of the per-position code counts per step
    model: VQVAEConfig = field(default_factory=VQVAEConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = VQVAEConfig(**self.model)
        self.check()
        if self.lr <= 0 or self.restart_every < 0 or not 0 <= self.prior_decay < 1:
            raise ValueError("need lr > 0, restart_every ≥ 0 and prior_decay in [0, 1)")


@torch.inference_mode()
def test_report(model: VQVAE, test: ImageDataset) -> dict[str, float]:
    """Test-set reconstruction −log p(x|z_q) and MSE per image, codebook usage and perplexity."""
    model.eval()
    device = next(model.parameters()).device
    nll = mse = 0.0
    counts = torch.zeros(model.config.codebook_size, dtype=torch.long)
    for batch in test.images.split(1000):
        batch = batch.to(device)
        codes = model.codes(batch)
        logits = model.decode_logits(model.lookup(codes))
        nll += model.reconstruction_nll(logits, batch).sum().item()
        mse += (2 * torch.sigmoid(logits) - 1 - batch).pow(2).mean(dim=(1, 2, 3)).sum().item()
        counts += usage(codes, model.config.codebook_size)
    return {
        "reconstruction": nll / len(test),
        "mse": mse / len(test),
        "mse_mean_image": (test.images - test.images.mean(dim=0, keepdim=True)).pow(2).mean().item(),
        "used": int((counts > 0).sum()),
        "perplexity": perplexity(counts),
    }


class VQVAETask(Task):
    def __init__(self, config: VQVAETrainConfig, test: ImageDataset, device: torch.device):
        self.config = self.length = config
        self.test = test
        torch.manual_seed(config.seed)
        self.model = VQVAE(config.model).to(device)
        self.optim = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.modules, self.optimizers = {}, {"optim": self.optim}
        m = config.model
        self.recent = torch.zeros(m.codebook_size, dtype=torch.long)  # codes chosen since the last restart
        self.prior_counts = torch.zeros(m.grid, m.grid, m.codebook_size, device=device)
        self.fixed = test.images[:32].to(device)  # the grid: 32 test images above their reconstructions

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        c, model = self.config, self.model
        model.train()
        z_e = model.encode(images)
        if step == 0:  # data-dependent initialisation: the entries start on encoder outputs, not near 0
            with torch.no_grad():
                vectors = z_e.permute(0, 2, 3, 1).reshape(-1, c.model.code_dim)
                pick = torch.randperm(len(vectors), device=vectors.device)[: c.model.codebook_size]
                model.codebook.weight.copy_(
                    vectors[pick % len(vectors)]
                    if len(pick) == c.model.codebook_size
                    else vectors[torch.randint(len(vectors), (c.model.codebook_size,))]
                )
        z_q, codes, codebook_loss, commitment_loss = model.quantize(z_e)
        reconstruction = model.reconstruction_nll(model.decode_logits(z_q), images).mean()
        loss = reconstruction + codebook_loss + c.model.commitment * commitment_loss
        self.check_finite(loss=loss)
        self.optimize(self.optim, loss)
        with torch.no_grad():
            counts = usage(codes, c.model.codebook_size)
            self.recent += counts
            one_hot = F.one_hot(codes, c.model.codebook_size).float().sum(0)  # (grid, grid, K)
            self.prior_counts.mul_(c.prior_decay).add_(one_hot)
            model.prior_logits.copy_(torch.log(self.prior_counts + 1e-2))
            restarted = 0
            if c.restart_every and (step + 1) % c.restart_every == 0:
                dead = (self.recent == 0).nonzero().flatten()
                if len(dead):
                    vectors = z_e.detach().permute(0, 2, 3, 1).reshape(-1, c.model.code_dim)
                    pick = torch.randint(len(vectors), (len(dead),), device=vectors.device)
                    model.codebook.weight[dead.to(vectors.device)] = vectors[pick]
                    restarted = len(dead)
                self.recent.zero_()
        return {
            "loss": loss.item(),
            "reconstruction": reconstruction.item(),
            "codebook": codebook_loss.item(),
            "commitment": commitment_loss.item(),
            "perplexity": perplexity(counts),
            "restarted": float(restarted),
        }

    def evaluate(self, n: int):
        return None  # no FID: the samples of a per-position prior are not what this model is judged on

    def samples(self) -> torch.Tensor:
        return inference_samples(self.model, lambda: torch.cat([self.fixed, self.model.reconstruct(self.fixed)]))

    def summary(self) -> str:
        c, m = self.config, self.config.model
        return (
            f"A VQ-VAE (van den Oord et al., arXiv:1711.00937) trained on {c.data} at {m.resolution}×{m.resolution}: "
            f"the encoder's {m.grid}×{m.grid} grid of {m.code_dim}-D vectors is quantised to the nearest of "
            f"{m.codebook_size} codebook entries (both L2-normalised; straight-through gradient); "
            f"loss = Bernoulli −log p(x|z_q) + codebook + {m.commitment:g}·commitment, Adam lr {c.lr:g}; "
            f"codebook started on encoder outputs, dead entries restarted every "
            f"{c.restart_every} steps; prior: per-position code frequencies (decay {c.prior_decay}). The sample "
            "grid: 32 test images (top four rows) above their reconstructions."
        )

    def card_extra(self) -> str:
        r = test_report(self.model, self.test)
        self.model.train()
        k = self.config.model.codebook_size
        return f"""
## Test set (10 000 images)

| | |
|---|---|
| reconstruction −log p(x∣z_q) (nats per image) | {r["reconstruction"]:.2f} |
| reconstruction MSE (pixels in [-1, 1]) | {r["mse"]:.4f} |
| baseline: MSE of the mean image | {r["mse_mean_image"]:.4f} |
| codebook entries used | {r["used"]} of {k} ({r["used"] / k:.0%}) |
| perplexity of the codes | {r["perplexity"]:.1f} |
"""


def train_vqvae(
    config: VQVAETrainConfig, out: str | Path | None, *, test: ImageDataset | None = None, **options
) -> Iterator[Event]:
    """Train the VQ-VAE and yield events; ``test`` (default: the test split) is for the grid and the card."""

    def make_task(config: VQVAETrainConfig, device: torch.device, data: ImageDataset) -> VQVAETask:
        return VQVAETask(config, test if test is not None else load_dataset(config.data, "test"), device)

    return launch(make_task, config, out, **options)
