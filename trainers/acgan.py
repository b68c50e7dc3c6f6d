"""AC-GAN training (Odena et al., arXiv:1610.09585): D with a real/fake head and a class head.

D minimises BCE(source) + CE(class) on real images (their labels) and on fakes (the classes they were asked
for): it maximises L_S + L_C. G minimises the non-saturating −log P(S = real | G(z, c)) plus CE(class): it
maximises L_C − L_S. DCGAN's recipe otherwise (Adam 2·10⁻⁴, β = (0.5, 0.999)), classes drawn uniformly.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from explorer.data import DatasetUnavailable, ImageDataset, load_dataset
from explorer.models.acgan import ACGANConfig, ACGANDiscriminator, ACGANGenerator, confusion_matrix
from trainers.distributed import without_gradient_sync
from trainers.evaluation import generator_report
from trainers.events import Event
from trainers.loop import RunLength, Task, inference_samples, launch


@dataclass
class ACGANTrainConfig(RunLength):
    data: str = "fashion-mnist"
    lr: float = 2e-4  # Adam learning rate of G and D (DCGAN's)
    beta1: float = 0.5
    beta2: float = 0.999
    class_weight: float = 1.0  # weight of the class term L_C in both losses
    fid_samples: int = 10_000  # samples for the model card's FID (0 = no FID)
    model: ACGANConfig = field(default_factory=ACGANConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = ACGANConfig(**self.model)
        self.check()
        if self.lr <= 0 or self.class_weight < 0:
            raise ValueError("need lr > 0 and class_weight ≥ 0")


class ACGANTask(Task):
    def __init__(self, config: ACGANTrainConfig, device: torch.device):
        self.config = self.length = config
        torch.manual_seed(config.seed)
        self.model = ACGANGenerator(config.model).to(device)
        self.discriminator = ACGANDiscriminator(config.model).to(device)
        betas = (config.beta1, config.beta2)
        self.g_optim = torch.optim.Adam(self.model.parameters(), lr=config.lr, betas=betas)
        self.d_optim = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr, betas=betas)
        self.modules = {"discriminator": self.discriminator}
        self.optimizers = {"g_optim": self.g_optim, "d_optim": self.d_optim}
        self.fixed_z = self.model.sample_latent(64, config.seed).to(device)
        self.fixed_classes = [i % config.model.num_classes for i in range(64)]
        self.parallel_generator, self.parallel_discriminator = self.model, self.discriminator

    def parallel(self, wrap) -> None:
        self.parallel_generator, self.parallel_discriminator = wrap(self.model), wrap(self.discriminator)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        n, device, k = images.shape[0], images.device, self.config.model.num_classes
        w = self.config.class_weight
        self.model.train()
        asked = self.randint(k, n, device=device)
        z = self.randn(n, self.config.model.latent_dim, device=device)
        with self.precision.autocast():
            fake = self.parallel_generator(z, F.one_hot(asked, k).float())
            # 1. D: real → (real, its label), fake → (fake, the class asked for)
            real_source, real_class = self.parallel_discriminator(images)
            fake_source, fake_class = self.parallel_discriminator(fake.detach())
            source_loss = F.binary_cross_entropy_with_logits(
                real_source, torch.ones_like(real_source)
            ) + F.binary_cross_entropy_with_logits(fake_source, torch.zeros_like(fake_source))
            class_loss = F.cross_entropy(real_class, labels) + F.cross_entropy(fake_class, asked)
            d_loss = source_loss + w * class_loss
        self.check_finite(d_loss=d_loss)
        self.optimize(self.d_optim, d_loss)
        # 2. G: look real (non-saturating) and be recognised as the class asked for; D is only looked through
        with self.precision.autocast(), without_gradient_sync(self.parallel_discriminator):
            source, classes = self.parallel_discriminator(fake)
            g_source = F.binary_cross_entropy_with_logits(source, torch.ones_like(source))
            g_class = F.cross_entropy(classes, asked)
            g_loss = g_source + w * g_class
        self.check_finite(g_loss=g_loss)
        self.optimize(self.g_optim, g_loss)
        return {
            "d_loss": d_loss.item(),
            "g_loss": g_loss.item(),
            "d_real": torch.sigmoid(real_source).mean().item(),
            "d_fake": torch.sigmoid(fake_source).mean().item(),
            "class_acc_real": (real_class.argmax(1) == labels).float().mean().item(),
            "class_acc_fake": (fake_class.argmax(1) == asked).float().mean().item(),
        }

    def samples(self) -> torch.Tensor:
        return inference_samples(self.model, lambda: self.model.generate(self.fixed_z, self.fixed_classes))

    def summary(self) -> str:
        c = self.config
        return (
            f"An AC-GAN (Odena et al., arXiv:1610.09585) trained on {c.data} at {c.model.resolution}×"
            f"{c.model.resolution}: DCGAN's generator on z ⊕ one-hot class (z ∈ R^{c.model.latent_dim}), DCGAN's "
            f"discriminator with two heads, real/fake and class (auxiliary classifier); BCE + {c.class_weight:g}·"
            f"cross-entropy for both networks, Adam lr {c.lr:g}, β = ({c.beta1}, {c.beta2})."
        )

    def card_extra(self) -> str:
        names = ", ".join(f"{i}: {name}" for i, name in enumerate(self.config.model.class_names))
        report, _ = generator_report(self.model, self.config.seed, self.config.fid_samples)
        return f"""
## Classes

{names}. The sample grid shows classes 0–9 along each row.
{class_head_report(self.discriminator, self.model, self.config.data)}
{report}"""


def class_head_report(discriminator: ACGANDiscriminator, generator: ACGANGenerator, data: str) -> str:
    """A card section: D's class-head accuracy on the real test images and on 1 000 fakes (the class asked)."""
    was_training = discriminator.training, generator.training
    discriminator.eval()
    generator.eval()
    device = next(discriminator.parameters()).device
    try:
        test = load_dataset(data, "test")
    except (DatasetUnavailable, ValueError):
        return ""
    try:
        with torch.inference_mode():
            guesses = discriminator.class_probabilities(test.images.to(device)).argmax(1).cpu()
            real_accuracy = float((guesses == test.labels).float().mean())
            k = generator.num_classes
            asked = torch.arange(1000) % k
            fakes = generator.generate(generator.sample_latent(1000, 20_000), asked.tolist())
            fake_guesses = discriminator.class_probabilities(fakes).argmax(1).cpu()
            matrix = confusion_matrix(asked, fake_guesses, k)
    finally:
        discriminator.train(was_training[0])
        generator.train(was_training[1])
    fake_accuracy = float(matrix.diagonal().sum() / matrix.sum())
    return f"""
## D's class head

Accuracy on the {len(test.labels)} real test images: **{real_accuracy:.1%}**; on 1 000 fakes (100 per class), the
class asked for: **{fake_accuracy:.1%}**."""


def train_acgan(config: ACGANTrainConfig, out: str | Path | None, **options) -> Iterator[Event]:
    """Train the AC-GAN and yield events; ``options`` as for ``trainers.loop.launch``."""

    def make_task(config: ACGANTrainConfig, device: torch.device, data: ImageDataset) -> ACGANTask:
        if len(data.class_names) != config.model.num_classes:
            raise ValueError(f"{data.name} has {len(data.class_names)} classes, the model {config.model.num_classes}")
        return ACGANTask(config, device)

    return launch(make_task, config, out, **options)
