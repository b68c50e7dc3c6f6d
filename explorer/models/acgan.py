"""AC-GAN: a class-conditional DCGAN whose discriminator also names the class.

Odena, Olah & Shlens, "Conditional Image Synthesis with Auxiliary Classifier GANs", arXiv:1610.09585.
G(z, c) gets the class as a one-hot (or soft) vector concatenated to z; D(x) has two heads on one trunk:
P(S | x), real or fake, and P(C | x), which class. With L_S = E log P(S = real | x_real) + E log P(S = fake |
x_fake) and L_C = E log P(C = c | x) over real and fake images, D maximises L_S + L_C and G maximises L_C − L_S
(here, as usual, the non-saturating form: G minimises −log P(S = real | G(z, c)) − log P(C = c | G(z, c))).
Unlike the projection discriminator of ``explorer.models.biggan``, D is a classifier: its class head can be
read on any image, real or generated.

The layers are DCGAN's (``explorer.models.dcgan``): G's input is z ⊕ c, D's trunk ends in two 4×4 heads.
"""

from dataclasses import dataclass, field

import torch
from torch import nn

from explorer.data import FASHION_MNIST_CLASSES
from explorer.models.base import ClassConditional, LatentGenerator, Pretrained
from explorer.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator


@dataclass
class ACGANConfig:
    latent_dim: int = 100  # size of z (the class vector is appended to it)
    class_names: list[str] = field(default_factory=lambda: list(FASHION_MNIST_CLASSES))
    channels: int = 1
    resolution: int = 32
    g_width: int = 64
    d_width: int = 64

    def __post_init__(self) -> None:
        if len(self.class_names) < 2:
            raise ValueError("a class-conditional model needs at least 2 classes")
        self.dcgan()  # checks the sizes

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def dcgan(self) -> DCGANConfig:
        """The DCGAN layers' config: G's input is z ⊕ c."""
        return DCGANConfig(
            latent_dim=self.latent_dim + self.num_classes,
            channels=self.channels,
            resolution=self.resolution,
            g_width=self.g_width,
            d_width=self.d_width,
        )


class ACGANGenerator(LatentGenerator, ClassConditional, nn.Module, Pretrained):
    """(z, class vector) → images in [-1, 1]: DCGAN's generator on z ⊕ c."""

    def __init__(self, config: ACGANConfig):
        super().__init__()
        self.config = config
        self.net = DCGANGenerator(config.dcgan()).net

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    @property
    def class_names(self) -> list[str]:
        return list(self.config.class_names)

    def forward(self, z: torch.Tensor, class_vector: torch.Tensor) -> torch.Tensor:
        x = torch.cat([z, class_vector.to(z.dtype)], dim=1)
        return self.net(x.view(*x.shape, 1, 1))


class ACGANDiscriminator(nn.Module):
    """images → (source logits (n,): real vs fake, class logits (n, num_classes)), one trunk, two heads."""

    def __init__(self, config: ACGANConfig, norm: str = "batch"):
        super().__init__()
        self.config = config
        layers = list(DCGANDiscriminator(config.dcgan(), norm=norm).net)
        self.trunk = nn.Sequential(*layers[:-1])  # down to 4×4 features
        width = layers[-1].in_channels
        self.source = nn.Conv2d(width, 1, 4, 1, 0)
        self.classes = nn.Conv2d(width, config.num_classes, 4, 1, 0)
        for head in (self.source, self.classes):
            nn.init.normal_(head.weight, 0.0, 0.02)
            nn.init.zeros_(head.bias)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.trunk(images)
        return self.source(features).flatten(), self.classes(features).flatten(1)

    @torch.no_grad()
    def class_probabilities(self, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
        """P(C | x) of the class head, (n, num_classes), in batches."""
        out = [torch.softmax(self(chunk)[1], dim=1) for chunk in images.split(batch)]
        return torch.cat(out) if out else torch.zeros(0, self.config.num_classes)


def confusion_matrix(requested: torch.Tensor, guessed: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(num_classes, num_classes) counts: row = the class asked for (or the true class), column = D's guess."""
    index = requested.long() * num_classes + guessed.long()
    return torch.bincount(index, minlength=num_classes * num_classes).view(num_classes, num_classes)
