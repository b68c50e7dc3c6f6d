"""Classifier two-sample scores: train a small classifier on one image set, test it on another.

TSTR = accuracy on real test images of a classifier trained on synthetic (labelled) images;
TRTS = a real-trained classifier tested on synthetic images; TRTR = real on real, the ceiling
(Esteban et al., Real-valued (Medical) Time Series Generation with Recurrent Conditional GANs,
arXiv:1706.02633; Ravuri & Vinyals, Classification Accuracy Score for Conditional Generative Models,
arXiv:1905.10887). TSTR near TRTR means the samples carry the classes' variety; TRTS alone rewards
easy, prototypical samples.

Written here: the score is a protocol (train, then test), not a formula a library offers; the network
is deliberately tiny so that 300 steps train in seconds on a CPU.
"""

import torch
import torch.nn.functional as F
from torch import nn


class SmallClassifier(nn.Module):
    """images (n, c, r, r) → logits: 2 × (4×4 conv, stride 2 → ReLU), then a linear layer.

    Strided convs rather than conv + max-pool: half the operations per step, which matters most on a
    CPU shared with other work (each parallel operation waits for every thread).
    """

    def __init__(self, channels: int, resolution: int, num_classes: int, width: int = 16):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.ReLU(),  # (n, width, r/2, r/2)
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.ReLU(),  # (n, 2·width, r/4, r/4)
        )  # fmt: skip
        self.head = nn.Linear(2 * width * (resolution // 4) ** 2, num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(images).flatten(1))  # (n, num_classes)


def _check(images: torch.Tensor, labels: torch.Tensor) -> None:
    if images.ndim != 4 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"need images (n, c, h, w) and labels (n,), got {tuple(images.shape)}, {tuple(labels.shape)}")
    if images.shape[0] == 0:
        raise ValueError("need at least one image")


def train_on(
    images: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    steps: int = 300,
    batch_size: int = 128,
    seed: int = 0,
) -> nn.Module:
    """A ``SmallClassifier`` trained on (images in [-1, 1], labels) with Adam (lr 1e-3) for ``steps`` minibatches
    of cross-entropy, returned in eval mode. Weights and minibatches are seeded by ``seed``."""
    _check(images, labels)
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must be in [0, {num_classes}), got {labels.min().item()} … {labels.max().item()}")
    n, c, h, _ = images.shape
    if h % 4:
        raise ValueError(f"image side must be a multiple of 4, got {h}")
    # 1. Network, seeded without touching the global generator.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = SmallClassifier(c, h, num_classes).to(images.device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    # 2. Train: each step a minibatch drawn with replacement.
    model.train()
    with torch.enable_grad():
        for _ in range(steps):
            index = torch.randint(n, (min(batch_size, n),), generator=generator).to(images.device)
            loss = F.cross_entropy(model(images[index].float()), labels[index].long())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model.eval()


@torch.inference_mode()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> float:
    """Share of ``images`` whose arg-max class under ``model`` equals ``labels``."""
    _check(images, labels)
    model.eval()
    device = next(model.parameters()).device
    correct = 0
    for start in range(0, images.shape[0], batch_size):
        batch = images[start : start + batch_size].to(device).float()
        correct += (model(batch).argmax(dim=1).cpu() == labels[start : start + batch_size].cpu()).sum().item()
    return correct / images.shape[0]
