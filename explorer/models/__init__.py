"""Model families. Each family registers (model class, config class) under its name.

Every family offers the shared protocol: ``latent_dim``, ``resolution``,
``sample_latent(n, seed, truncation=None)`` and ``generate(latent) -> images in [-1, 1]``.
"""

from explorer.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator

FAMILIES: dict[str, tuple[type, type]] = {
    "dcgan": (DCGANGenerator, DCGANConfig),
}

__all__ = ["FAMILIES", "DCGANConfig", "DCGANDiscriminator", "DCGANGenerator"]
