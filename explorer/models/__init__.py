"""Model families, registered once each (``explorer.models.registry``).

Every generative family offers the shared protocol of ``explorer.models.base``: ``latent_dim``,
``resolution``, ``sample_latent(n, seed, truncation=None)`` and ``generate(latent) -> images in
[-1, 1]``, plus the capabilities its class derives from (``StyleGenerator``, ``ClassConditional``,
``HasEncoder``). Adding a family: write its module, then one ``register(Family(...))`` below.
"""

from explorer.models.acgan import ACGANConfig, ACGANDiscriminator, ACGANGenerator
from explorer.models.base import (
    AffineLatentInput,
    ClassConditional,
    HasEncoder,
    LatentGenerator,
    StyleGenerator,
    Unconditional,
)
from explorer.models.biggan import BigGANConfig, BigGANDiscriminator, BigGANGenerator
from explorer.models.biggan_deep import BigGANDeep, BigGANDeepConfig
from explorer.models.classifier import ClassifierConfig, FashionClassifier
from explorer.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from explorer.models.mlp_gan import MLPDiscriminator, MLPGANConfig, MLPGenerator
from explorer.models.progan import ProGANConfig, ProGANDiscriminator, ProGANGenerator
from explorer.models.registry import FAMILIES, Family, family_of, register
from explorer.models.stylegan import StyleGANConfig, StyleGANDiscriminator, StyleGANGenerator
from explorer.models.stylegan2 import StyleGAN2, StyleGAN2Config
from explorer.models.stylegan2_ada import StyleGAN2ADA, StyleGAN2ADAConfig
from explorer.models.stylegan3 import StyleGAN3, StyleGAN3Config
from explorer.models.translation import CycleGAN, CycleGANConfig, Pix2PixConfig, Pix2PixGenerator
from explorer.models.vae import VAE, Autoencoder, AutoencoderConfig, ConditionalVAE, ConditionalVAEConfig, VAEConfig
from explorer.models.vqvae import VQVAE, VQVAEConfig

register(Family("dcgan", DCGANGenerator, DCGANConfig, "DCGAN", DCGANDiscriminator))
register(Family("stylegan", StyleGANGenerator, StyleGANConfig, "StyleGAN-small", StyleGANDiscriminator))
register(Family("biggan", BigGANGenerator, BigGANConfig, "BigGAN-small", BigGANDiscriminator))
register(Family("acgan", ACGANGenerator, ACGANConfig, "AC-GAN", ACGANDiscriminator))
register(Family("progan", ProGANGenerator, ProGANConfig, "ProGAN (growing)", ProGANDiscriminator))
register(Family("mlp-gan", MLPGenerator, MLPGANConfig, "MLP GAN (2014)", MLPDiscriminator))
register(Family("pix2pix", Pix2PixGenerator, Pix2PixConfig, "pix2pix (edges → garment)"))
register(Family("cyclegan", CycleGAN, CycleGANConfig, "CycleGAN (two classes, unpaired)"))
register(Family("vae", VAE, VAEConfig, "VAE"))
register(Family("ae", Autoencoder, AutoencoderConfig, "Autoencoder (plain, for the VAE tab)"))
register(Family("cvae", ConditionalVAE, ConditionalVAEConfig, "Conditional VAE (VAE tab)"))
register(Family("vqvae", VQVAE, VQVAEConfig, "VQ-VAE (VAE tab)"))
register(Family("classifier", FashionClassifier, ClassifierConfig, "Fashion-MNIST classifier"))
# public releases, converted from their own formats by explorer.hub
register(Family("biggan-deep", BigGANDeep, BigGANDeepConfig, "BigGAN-deep (ImageNet)"))
register(Family("stylegan2", StyleGAN2, StyleGAN2Config, "StyleGAN2 (rosinality)"))
register(Family("stylegan2-ada", StyleGAN2ADA, StyleGAN2ADAConfig, "StyleGAN2-ADA (NVIDIA)"))
register(Family("stylegan3", StyleGAN3, StyleGAN3Config, "StyleGAN3 (NVIDIA, alias-free)"))

__all__ = [
    "AffineLatentInput",
    "FAMILIES",
    "ACGANConfig",
    "ACGANDiscriminator",
    "ACGANGenerator",
    "Autoencoder",
    "AutoencoderConfig",
    "BigGANConfig",
    "BigGANDeep",
    "BigGANDeepConfig",
    "BigGANDiscriminator",
    "BigGANGenerator",
    "ClassConditional",
    "ClassifierConfig",
    "CycleGAN",
    "CycleGANConfig",
    "ConditionalVAE",
    "ConditionalVAEConfig",
    "DCGANConfig",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "Family",
    "FashionClassifier",
    "HasEncoder",
    "LatentGenerator",
    "Pix2PixConfig",
    "Pix2PixGenerator",
    "ProGANConfig",
    "ProGANDiscriminator",
    "ProGANGenerator",
    "StyleGAN2",
    "StyleGAN2Config",
    "StyleGAN2ADA",
    "StyleGAN2ADAConfig",
    "StyleGAN3",
    "StyleGAN3Config",
    "StyleGANConfig",
    "StyleGANDiscriminator",
    "StyleGANGenerator",
    "StyleGenerator",
    "Unconditional",
    "VAE",
    "VQVAE",
    "VQVAEConfig",
    "VAEConfig",
    "family_of",
    "register",
]
