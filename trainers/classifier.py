"""Classifier training: cross-entropy with Adam, then the real-data FID statistics.

The saved folder also holds ``fid_stats.safetensors``: the mean and covariance of the classifier's
features on the 10 000 test images (the reference every FID in the app is measured against), with
the floor reference (FID of 10 000 held-out training images against them) in its metadata.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from explorer.data import ImageDataset, load_dataset
from explorer.metrics.fid import FID_STATS_NAME, FeatureStats, fid_between
from explorer.models.classifier import ClassifierConfig, FashionClassifier
from trainers.events import Event
from trainers.loop import RunLength, Task, launch


@dataclass
class ClassifierTrainConfig(RunLength):
    data: str = "fashion-mnist"
    lr: float = 1e-3  # Adam learning rate
    weight_decay: float = 1e-4
    flip: bool = True  # random horizontal flips (garments are left-right symmetric enough)
    model: ClassifierConfig = field(default_factory=ClassifierConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = ClassifierConfig(**self.model)
        self.check()
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")


@torch.inference_mode()
def feature_stats(classifier: FashionClassifier, images: torch.Tensor, batch_size: int = 1000) -> FeatureStats:
    classifier.eval()
    device = next(classifier.parameters()).device
    stats = FeatureStats(classifier.num_features)
    for batch in images.split(batch_size):
        stats.update(classifier.features(batch.to(device)))
    return stats


@torch.inference_mode()
def accuracy(classifier: FashionClassifier, data: ImageDataset, batch_size: int = 1000) -> tuple[float, list[float]]:
    """Overall and per-class accuracy on ``data``."""
    classifier.eval()
    device = next(classifier.parameters()).device
    predicted = torch.cat([classifier(b.to(device)).argmax(1).cpu() for b in data.images.split(batch_size)])
    correct = predicted == data.labels
    per_class = [correct[data.labels == c].float().mean().item() for c in range(len(data.class_names))]
    return correct.float().mean().item(), per_class


class ClassifierTask(Task):
    def __init__(self, config: ClassifierTrainConfig, train: ImageDataset, test: ImageDataset, device: torch.device):
        self.config = self.length = config
        self.train, self.test = train, test
        torch.manual_seed(config.seed)
        self.model = FashionClassifier(config.model).to(device)
        self.optim = torch.optim.AdamW(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.modules, self.optimizers = {}, {"optim": self.optim}
        self.train_size = len(train)
        self.evaluation: dict | None = None
        self.parallel_model = self.model  # what train_step runs forward through (``parallel``: DDP / compiled)

    def parallel(self, wrap) -> None:
        self.parallel_model = wrap(self.model)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        self.model.train()
        if self.config.flip:
            flip = self.per_sample(images.shape[0], lambda m: torch.rand(m, device=images.device)) < 0.5
            images = torch.where(flip[:, None, None, None], images.flip(-1), images)
        with self.precision.autocast():
            logits = self.parallel_model(images)
            loss = F.cross_entropy(logits, labels)
        self.check_finite(loss=loss)
        self.optimize(self.optim, loss)
        return {"loss": loss.item(), "accuracy": (logits.argmax(1) == labels).float().mean().item()}

    def samples(self) -> torch.Tensor:
        return self.test.images[:64]

    def evaluate(self, n: int = 0) -> None:
        """A classifier has no live FID (its test accuracy is on the card)."""
        return None

    def test_report(self) -> dict:
        test_accuracy, per_class = accuracy(self.model, self.test)
        test_stats = feature_stats(self.model, self.test.images)
        held_out = feature_stats(self.model, self.train.images[-10_000:])
        floor = fid_between(held_out, test_stats).value
        self.evaluation = {"test_accuracy": test_accuracy, "per_class": per_class, "floor": floor}
        return {**self.evaluation, "test_stats": test_stats}

    def extra_files(self, folder: Path) -> None:
        result = self.test_report()
        result["test_stats"].save(
            folder / FID_STATS_NAME,
            split="test",
            feature_space="Fashion-MNIST classifier features",
            floor_fid_train10k=f"{result['floor']:.6f}",
        )
        self.model.train()

    def summary(self) -> str:
        c = self.config
        return (
            f"A small CNN classifier for {c.data} at 32×32 (3 conv blocks, {c.model.feature_dim}-d penultimate "
            "layer). Its features are the feature space of Latent Explorer's FID and its predictions give the "
            "class histogram of generated samples."
        )

    def card_extra(self) -> str:
        e = self.evaluation or self.test_report()
        accuracies = zip(self.test.class_names, e["per_class"], strict=True)
        rows = "\n".join(f"| {name} | {acc:.3f} |" for name, acc in accuracies)
        return f"""
## Test set (10 000 images)

Accuracy **{e["test_accuracy"]:.4f}**.

| class | accuracy |
|---|---|
{rows}

## FID reference statistics

`{FID_STATS_NAME}` holds the mean and covariance of the {self.config.model.feature_dim}-d penultimate features on
the test set. Floor reference: FID of 10 000 real training images against them = **{e["floor"]:.3f}**.
"""


def train_classifier(
    config: ClassifierTrainConfig, out: str | Path | None, *, test: ImageDataset | None = None, **options
) -> Iterator[Event]:
    """Train the classifier and yield events; the folder also gets the FID reference statistics."""

    def make_task(config: ClassifierTrainConfig, device: torch.device, data: ImageDataset) -> ClassifierTask:
        return ClassifierTask(config, data, test if test is not None else load_dataset(config.data, "test"), device)

    return launch(make_task, config, out, **options)
