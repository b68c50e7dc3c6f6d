"""VAE training: minimise the negative ELBO (reconstruction + β·KL) with Adam.

Kingma & Welling, arXiv:1312.6114. The card reports the test-set ELBO terms and the
reconstruction error against the mean-image baseline.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch

from explorer.data import ImageDataset, load_dataset
from explorer.models.vae import VAE, VAEConfig
from trainers.evaluation import generator_report
from trainers.events import Event
from trainers.loop import RunLength, Task, check_finite, inference_samples, launch
from trainers.losses import negative_elbo


@dataclass
class VAETrainConfig(RunLength):
    data: str = "fashion-mnist"
    lr: float = 1e-3  # Adam learning rate
    beta: float = 1.0  # weight of the KL term: 1 = VAE, > 1 = β-VAE
    fid_samples: int = 10_000  # samples for the model card's FID (0 = no FID)
    model: VAEConfig = field(default_factory=VAEConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = VAEConfig(**self.model)
        self.check()
        if self.lr <= 0 or self.beta < 0:
            raise ValueError(f"need lr > 0 and beta ≥ 0, got lr={self.lr}, beta={self.beta}")


@torch.inference_mode()
def test_report(model: VAE, test: ImageDataset, beta: float) -> dict[str, float]:
    """Test-set −ELBO terms (per image) and mean squared reconstruction error vs the mean image."""
    model.eval()
    device = next(model.parameters()).device
    totals = {"neg_elbo": 0.0, "reconstruction": 0.0, "kl": 0.0, "mse": 0.0}
    mean_image = test.images.mean(dim=0, keepdim=True)
    for batch in test.images.split(1000):
        batch = batch.to(device)
        mu, logvar = model.encode(batch)
        loss, reconstruction, kl = negative_elbo(model.decode_logits(mu), batch, mu, logvar, beta)
        n = batch.shape[0]
        totals["neg_elbo"] += loss.item() * n
        totals["reconstruction"] += reconstruction.item() * n
        totals["kl"] += kl.item() * n
        totals["mse"] += (model.decode(mu) - batch).pow(2).mean(dim=(1, 2, 3)).sum().item()
    report = {k: v / len(test) for k, v in totals.items()}
    report["mse_mean_image"] = (test.images - mean_image).pow(2).mean().item()
    return report


class VAETask(Task):
    def __init__(self, config: VAETrainConfig, test: ImageDataset, device: torch.device):
        self.config = self.length = config
        self.test = test
        torch.manual_seed(config.seed)
        self.model = VAE(config.model).to(device)
        self.optim = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.modules, self.optimizers = {}, {"optim": self.optim}
        # the sample grid: an 8×8 grid over [-2, 2]² of the latent plane (first two dims)
        side = torch.linspace(-2, 2, 8)
        grid = torch.stack(torch.meshgrid(side, -side, indexing="xy"), dim=-1).view(64, 2)
        self.fixed_z = torch.zeros(64, config.model.latent_dim)
        self.fixed_z[:, :2] = grid[:, :2] if config.model.latent_dim >= 2 else grid[:, :1]
        self.fixed_z = self.fixed_z.to(device)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        self.model.train()
        logits, mu, logvar = self.model(images)
        loss, reconstruction, kl = negative_elbo(logits, images, mu, logvar, self.config.beta)
        check_finite(loss=loss)
        self.optim.zero_grad(set_to_none=True)
        loss.backward()
        self.optim.step()
        return {"neg_elbo": loss.item(), "reconstruction": reconstruction.item(), "kl": kl.item()}

    def samples(self) -> torch.Tensor:
        return inference_samples(self.model, lambda: self.model.decode(self.fixed_z))

    def summary(self) -> str:
        c = self.config
        return (
            f"A convolutional VAE (Kingma & Welling, arXiv:1312.6114) with a {c.model.latent_dim}-D latent, "
            f"Bernoulli decoder, β = {c.beta}, trained on {c.data} at 32×32. The sample grid decodes an 8×8 "
            "grid over [-2, 2]² of the latent plane."
        )

    def card_extra(self) -> str:
        r = test_report(self.model, self.test, self.config.beta)
        self.model.train()
        report, _ = generator_report(self.model, self.config.seed, self.config.fid_samples)
        return f"""
## Test set (10 000 images, z = μ)

| | per image |
|---|---|
| −ELBO (nats) | {r["neg_elbo"]:.2f} |
| reconstruction −log p(x∣z) | {r["reconstruction"]:.2f} |
| KL(q(z∣x) ‖ N(0, I)) | {r["kl"]:.2f} |
| reconstruction MSE (pixels in [-1, 1]) | {r["mse"]:.4f} |
| baseline: MSE of the mean image | {r["mse_mean_image"]:.4f} |
{report}"""


def train_vae(
    config: VAETrainConfig, out: str | Path | None, *, test: ImageDataset | None = None, **options
) -> Iterator[Event]:
    """Train the VAE and yield events; ``test`` (default: the test split) is for the card's ELBO."""

    def make_task(config: VAETrainConfig, device: torch.device, data: ImageDataset) -> VAETask:
        return VAETask(config, test if test is not None else load_dataset(config.data, "test"), device)

    return launch(make_task, config, out, **options)
