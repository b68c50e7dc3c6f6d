"""VAE training: minimise the negative ELBO (reconstruction + β·KL) with Adam; and the plain autoencoder
the VAE lecture starts from: the same networks, the reconstruction term alone, z = f(x).

Kingma & Welling, arXiv:1312.6114. The card reports the test-set ELBO terms and the
reconstruction error against the mean-image baseline. The reconstruction term is the model's
likelihood (``VAEConfig.likelihood``: Bernoulli = BCE, Gaussian with σ² = ½ = the sum of squared errors).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch

from explorer.data import ImageDataset, load_dataset
from explorer.models.vae import VAE, Autoencoder, AutoencoderConfig, ConditionalVAE, ConditionalVAEConfig, VAEConfig
from trainers.evaluation import generator_report
from trainers.events import Event
from trainers.loop import RunLength, Task, inference_samples, launch


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


def negative_elbo_terms(
    model: VAE, logits: torch.Tensor, images: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, beta: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(−ELBO, reconstruction, KL), batch means: −log p_θ(x|z) under the model's likelihood + β·KL, with
    KL = −½ Σ (1 + log σ² − μ² − σ²)."""
    reconstruction = model.reconstruction_nll(logits, images).mean()
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / images.shape[0]
    return reconstruction + beta * kl, reconstruction, kl


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
        loss, reconstruction, kl = negative_elbo_terms(model, model.decode_logits(mu), batch, mu, logvar, beta)
        n = batch.shape[0]
        totals["neg_elbo"] += loss.item() * n
        totals["reconstruction"] += reconstruction.item() * n
        totals["kl"] += kl.item() * n
        totals["mse"] += (model.decode(mu) - batch).pow(2).mean(dim=(1, 2, 3)).sum().item()
    report = {k: v / len(test) for k, v in totals.items()}
    report["mse_mean_image"] = (test.images - mean_image).pow(2).mean().item()
    return report


GAUSSIAN_NOTE = " (fixed σ² = ½ on pixels in [0, 1]: −log p(x|z) = sum of squared errors + const)"


class VAETask(Task):
    def __init__(self, config: VAETrainConfig, test: ImageDataset, device: torch.device):
        self.config = self.length = config
        self.test = test
        torch.manual_seed(config.seed)
        self.model = VAE(config.model).to(device)
        self.optim = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.modules, self.optimizers = {}, {"optim": self.optim}
        self.parallel_model = self.model  # what train_step runs forward through (``parallel``: DDP / compiled)
        # the sample grid: an 8×8 grid over [-2, 2]² of the latent plane (first two dims)
        side = torch.linspace(-2, 2, 8)
        grid = torch.stack(torch.meshgrid(side, -side, indexing="xy"), dim=-1).view(64, 2)
        self.fixed_z = torch.zeros(64, config.model.latent_dim)
        self.fixed_z[:, :2] = grid[:, :2] if config.model.latent_dim >= 2 else grid[:, :1]
        self.fixed_z = self.fixed_z.to(device)

    def parallel(self, wrap) -> None:
        self.parallel_model = wrap(self.model)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        self.model.train()
        with self.precision.autocast():
            logits, mu, logvar = self.parallel_model(images)
            loss, reconstruction, kl = negative_elbo_terms(self.model, logits, images, mu, logvar, self.config.beta)
        self.check_finite(loss=loss)
        self.optimize(self.optim, loss)
        return {"neg_elbo": loss.item(), "reconstruction": reconstruction.item(), "kl": kl.item()}

    def samples(self) -> torch.Tensor:
        return inference_samples(self.model, lambda: self.model.decode(self.fixed_z))

    def summary(self) -> str:
        c = self.config
        return (
            f"A convolutional VAE (Kingma & Welling, arXiv:1312.6114) with a {c.model.latent_dim}-D latent, "
            f"{c.model.likelihood.capitalize()} decoder{GAUSSIAN_NOTE if c.model.likelihood == 'gaussian' else ''}, "
            f"β = {c.beta}, trained on {c.data} at 32×32. The sample grid decodes an 8×8 "
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


@dataclass
class AETrainConfig(RunLength):
    data: str = "fashion-mnist"
    lr: float = 1e-3  # Adam learning rate
    model: AutoencoderConfig = field(default_factory=AutoencoderConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = AutoencoderConfig(**self.model)
        self.check()
        if self.lr <= 0:
            raise ValueError(f"need lr > 0, got lr={self.lr}")


@torch.inference_mode()
def autoencoder_report(model: Autoencoder, test: ImageDataset) -> dict[str, float]:
    """Test-set reconstruction −log p(x|x̂), its MSE, and where the codes lie (mean and spread per dim)."""
    model.eval()
    device = next(model.parameters()).device
    nll, mse, codes = 0.0, 0.0, []
    for batch in test.images.split(1000):
        batch = batch.to(device)
        z = model.encode(batch)
        nll += model.reconstruction_nll(model.decode_logits(z), batch).sum().item()
        mse += (model.decode(z) - batch).pow(2).mean(dim=(1, 2, 3)).sum().item()
        codes.append(z.cpu())
    z = torch.cat(codes)
    return {
        "reconstruction": nll / len(test),
        "mse": mse / len(test),
        "mse_mean_image": (test.images - test.images.mean(dim=0, keepdim=True)).pow(2).mean().item(),
        "code_mean": z.mean(0).tolist(),
        "code_std": z.std(0).tolist(),
    }


class AETask(VAETask):
    """The plain autoencoder: minimise −log p(x | g(f(x))) alone (no sampling, no KL, no prior)."""

    def __init__(self, config: AETrainConfig, test: ImageDataset, device: torch.device):
        self.config = self.length = config
        self.test = test
        torch.manual_seed(config.seed)
        self.model = Autoencoder(config.model).to(device)
        self.optim = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.modules, self.optimizers = {}, {"optim": self.optim}
        self.parallel_model = self.model  # what train_step runs forward through (``parallel``: DDP / compiled)
        side = torch.linspace(-2, 2, 8)  # the same 8×8 grid over [-2, 2]² as the VAE's sample grid
        grid = torch.stack(torch.meshgrid(side, -side, indexing="xy"), dim=-1).view(64, 2)
        self.fixed_z = torch.zeros(64, config.model.latent_dim)
        self.fixed_z[:, :2] = grid[:, :2] if config.model.latent_dim >= 2 else grid[:, :1]
        self.fixed_z = self.fixed_z.to(device)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        self.model.train()
        with self.precision.autocast():
            logits, _ = self.parallel_model(images)
            loss = self.model.reconstruction_nll(logits, images).mean()
        self.check_finite(loss=loss)
        self.optimize(self.optim, loss)
        return {"reconstruction": loss.item()}

    def evaluate(self, n: int) -> None:
        return None  # no prior to sample from: no FID

    def summary(self) -> str:
        c = self.config
        return (
            f"A plain convolutional autoencoder with a {c.model.latent_dim}-D code: the VAE's networks without "
            f"σ, sampling or KL (z = f(x) deterministic, no prior), {c.model.likelihood.capitalize()} "
            f"reconstruction loss, trained on {c.data} at 32×32. The sample grid decodes an 8×8 grid over "
            "[-2, 2]² of the code plane: where no image was encoded the decoder has never been trained."
        )

    def card_extra(self) -> str:
        r = autoencoder_report(self.model, self.test)
        self.model.train()
        mean = ", ".join(f"{v:+.2f}" for v in r["code_mean"])
        std = ", ".join(f"{v:.2f}" for v in r["code_std"])
        return f"""
## Test set (10 000 images)

| | per image |
|---|---|
| reconstruction −log p(x∣g(f(x))) | {r["reconstruction"]:.2f} |
| reconstruction MSE (pixels in [-1, 1]) | {r["mse"]:.4f} |
| baseline: MSE of the mean image | {r["mse_mean_image"]:.4f} |
| codes f(x): mean per dimension | ({mean}) |
| codes f(x): standard deviation per dimension | ({std}) |

Nothing ties the codes to N(0, I): decoding z ~ N(0, I) is not sampling from a model of the data.
"""


def train_ae(
    config: AETrainConfig, out: str | Path | None, *, test: ImageDataset | None = None, **options
) -> Iterator[Event]:
    """Train the plain autoencoder and yield events."""

    def make_task(config: AETrainConfig, device: torch.device, data: ImageDataset) -> AETask:
        return AETask(config, test if test is not None else load_dataset(config.data, "test"), device)

    return launch(make_task, config, out, **options)


@dataclass
class CVAETrainConfig(RunLength):
    data: str = "fashion-mnist"
    lr: float = 1e-3  # Adam learning rate
    beta: float = 1.0  # weight of the KL term
    model: ConditionalVAEConfig = field(default_factory=ConditionalVAEConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = ConditionalVAEConfig(**self.model)
        self.check()
        if self.lr <= 0 or self.beta < 0:
            raise ValueError(f"need lr > 0 and beta ≥ 0, got lr={self.lr}, beta={self.beta}")


class CVAETask(VAETask):
    """The class-conditional VAE: −ELBO with q(z|x, y) and p(x|z, y); the sample grid is one row per class, the
    same 8 z in every row (the same "style" across classes)."""

    def __init__(self, config: CVAETrainConfig, test: ImageDataset, device: torch.device):
        self.config = self.length = config
        self.test = test
        torch.manual_seed(config.seed)
        self.model = ConditionalVAE(config.model).to(device)
        self.optim = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.modules, self.optimizers = {}, {"optim": self.optim}
        self.parallel_model = self.model  # what train_step runs forward through (``parallel``: DDP / compiled)
        classes = config.model.num_classes
        z = torch.randn(8, config.model.latent_dim, generator=torch.Generator().manual_seed(0))
        self.fixed_z = z.repeat(classes, 1).to(device)  # (8·classes, d): row y = the same 8 z
        self.fixed_labels = torch.arange(classes).repeat_interleave(8).to(device)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        self.model.train()
        with self.precision.autocast():
            logits, mu, logvar = self.parallel_model(images, labels)
            loss, reconstruction, kl = negative_elbo_terms(self.model, logits, images, mu, logvar, self.config.beta)
        self.check_finite(loss=loss)
        self.optimize(self.optim, loss)
        return {"neg_elbo": loss.item(), "reconstruction": reconstruction.item(), "kl": kl.item()}

    def samples(self) -> torch.Tensor:
        return inference_samples(self.model, lambda: self.model.decode(self.fixed_z, self.fixed_labels))

    def evaluate(self, n: int) -> None:
        return None  # class-conditional decoder: no unconditional FID here

    def summary(self) -> str:
        c = self.config
        return (
            f"A class-conditional convolutional VAE (Sohn et al. 2015; Attribute2Image's idea) with a "
            f"{c.model.latent_dim}-D latent: q(z|x, y) and p(x|z, y) see the one-hot class y, "
            f"{c.model.likelihood.capitalize()} decoder, β = {c.beta}, trained on {c.data} at 32×32. The sample grid "
            "has one row per class, the same 8 z in every row: the same style across classes."
        )

    @torch.inference_mode()
    def card_extra(self) -> str:
        self.model.eval()
        device = next(self.model.parameters()).device
        totals = {"neg_elbo": 0.0, "reconstruction": 0.0, "kl": 0.0}
        for images, labels in zip(self.test.images.split(1000), self.test.labels.split(1000), strict=True):
            images, labels = images.to(device), labels.to(device)
            mu, logvar = self.model.encode(images, labels)
            logits = self.model.decode_logits(mu, labels)
            loss, reconstruction, kl = negative_elbo_terms(self.model, logits, images, mu, logvar, self.config.beta)
            for key, value in zip(totals, (loss, reconstruction, kl), strict=True):
                totals[key] += value.item() * images.shape[0]
        self.model.train()
        r = {k: v / len(self.test) for k, v in totals.items()}
        return f"""
## Test set (10 000 images with their labels, z = μ)

| | per image |
|---|---|
| −ELBO (nats) | {r["neg_elbo"]:.2f} |
| reconstruction −log p(x∣z, y) | {r["reconstruction"]:.2f} |
| KL(q(z∣x, y) ‖ N(0, I)) | {r["kl"]:.2f} |
"""


def train_cvae(
    config: CVAETrainConfig, out: str | Path | None, *, test: ImageDataset | None = None, **options
) -> Iterator[Event]:
    """Train the class-conditional VAE and yield events."""

    def make_task(config: CVAETrainConfig, device: torch.device, data: ImageDataset) -> CVAETask:
        return CVAETask(config, test if test is not None else load_dataset(config.data, "test"), device)

    return launch(make_task, config, out, **options)
