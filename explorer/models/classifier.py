"""A small CNN classifier for 32×32 Fashion-MNIST, and the feature space of our FID.

Heusel et al. (arXiv:1706.08500) compute FID on Inception-v3 pool features of ImageNet. For a
greyscale 32×32 domain a classifier trained on that domain gives a more meaningful and far
cheaper feature space (as in the "domain-specific FID" of many MNIST papers); every FID we report
names its feature space. The penultimate layer (``feature_dim`` units after ReLU) is the feature
extractor; the predictions give the class histogram of generated samples (a mode-collapse meter).
"""

from dataclasses import dataclass, field

import torch
from torch import nn

from explorer.data import FASHION_MNIST_CLASSES
from explorer.models.base import Pretrained


@dataclass
class ClassifierConfig:
    channels: int = 1  # image channels
    resolution: int = 32  # input side (a multiple of 8)
    width: int = 32  # channels of the first conv block; doubles per block
    feature_dim: int = 256  # penultimate layer: the FID feature space
    class_names: list[str] = field(default_factory=lambda: list(FASHION_MNIST_CLASSES))
    dropout: float = 0.3  # before the last layer, in training only

    def __post_init__(self) -> None:
        if self.resolution % 8:
            raise ValueError(f"resolution must be a multiple of 8, got {self.resolution}")
        if len(self.class_names) < 2:
            raise ValueError(f"need at least 2 classes, got {self.class_names}")

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def conv_block(width_in: int, width_out: int, convs: int) -> nn.Sequential:
    """``convs`` × (3×3 conv → BN → ReLU), then 2×2 max-pool."""
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [nn.Conv2d(width_in if i == 0 else width_out, width_out, 3, padding=1, bias=False)]
        layers += [nn.BatchNorm2d(width_out), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers, nn.MaxPool2d(2))


class FashionClassifier(nn.Module, Pretrained):
    """images (n, c, r, r) in [-1, 1] → logits (n, num_classes); ``features`` → (n, feature_dim)."""

    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.config = config
        w = config.width
        self.body = nn.Sequential(
            conv_block(config.channels, w, 2), conv_block(w, 2 * w, 2), conv_block(2 * w, 4 * w, 1)
        )
        side = config.resolution // 8
        self.embed = nn.Sequential(nn.Flatten(), nn.Linear(4 * w * side * side, config.feature_dim), nn.ReLU())
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.feature_dim, config.num_classes)

    @property
    def num_features(self) -> int:
        return self.config.feature_dim

    @property
    def class_names(self) -> list[str]:
        return list(self.config.class_names)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.embed(self.body(images))  # (n, feature_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(images)))  # (n, num_classes)
