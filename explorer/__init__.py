"""Latent Explorer: explore and teach the latent spaces of GANs and VAEs."""

__version__ = "0.1.0"
