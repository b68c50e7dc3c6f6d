"""Model families. Each family registers (model class, config class) under its name.

Every family offers the shared protocol: ``latent_dim``, ``resolution``,
``sample_latent(n, seed, truncation=None)`` and ``generate(latent) -> images in [-1, 1]``.
"""

from explorer.models.biggan import BigGANConfig, BigGANDiscriminator, BigGANGenerator
from explorer.models.biggan_deep import BigGANDeep, BigGANDeepConfig
from explorer.models.classifier import ClassifierConfig, FashionClassifier
from explorer.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from explorer.models.stylegan import StyleGANConfig, StyleGANDiscriminator, StyleGANGenerator
from explorer.models.stylegan2 import StyleGAN2, StyleGAN2Config
from explorer.models.vae import VAE, VAEConfig

FAMILIES: dict[str, tuple[type, type]] = {
    "dcgan": (DCGANGenerator, DCGANConfig),
    "classifier": (FashionClassifier, ClassifierConfig),
    "vae": (VAE, VAEConfig),
    "stylegan": (StyleGANGenerator, StyleGANConfig),
    "biggan": (BigGANGenerator, BigGANConfig),
    "biggan-deep": (BigGANDeep, BigGANDeepConfig),  # the public ImageNet release, converted (explorer.hub)
    "stylegan2": (StyleGAN2, StyleGAN2Config),  # rosinality-format StyleGAN2 checkpoints, converted (explorer.hub)
}

STYLE_FAMILIES = ("stylegan", "stylegan2")  # mapping network + synthesis: w space, style mixing, noise inputs

__all__ = [
    "STYLE_FAMILIES",
    "FAMILIES",
    "BigGANConfig",
    "BigGANDeep",
    "BigGANDeepConfig",
    "BigGANDiscriminator",
    "BigGANGenerator",
    "ClassifierConfig",
    "DCGANConfig",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "FashionClassifier",
    "StyleGAN2",
    "StyleGAN2Config",
    "StyleGANConfig",
    "StyleGANDiscriminator",
    "StyleGANGenerator",
    "VAE",
    "VAEConfig",
]
