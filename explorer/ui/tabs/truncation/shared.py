"""What the BigGAN tab's views share: the model checks, the class mix, the chosen sample, the plot style."""

import torch

from explorer import latent, plots
from explorer.models import ClassConditional
from explorer.models.biggan import BigGANGenerator
from explorer.zoo import Zoo

# the settings that choose one sample of the grid of 16, by name (the share keys, and the sample's number)
CHOSEN = ("model", "a", "b", "alpha", "threshold", "seed", "index")
GRID_SIZE = 16  # samples in the grid (seeds seed … seed + 15)
GRID_COLUMNS, GRID_SCALE, GRID_PADDING = 4, 4, 2  # its layout (samples.render_samples; a click: attention.grid_index)


def model_names(zoo: Zoo) -> list[str]:
    """Every class-conditional model (ours, and the public ImageNet BigGAN-deep loaded from the Hub)."""
    return zoo.names(ClassConditional)


def biggan(zoo: Zoo, name: str) -> torch.nn.Module:
    return zoo.require(name, ClassConditional, what="a class-conditional BigGAN")


def small_biggan(zoo: Zoo, name: str) -> BigGANGenerator:
    """Our BigGAN-small (the inside views need its attention, z chunks and conditional BN); ``ValueError`` else."""
    model = biggan(zoo, name)
    if not isinstance(model, BigGANGenerator):
        raise ValueError(
            f"the inside view needs our BigGAN-small (attention maps, z chunks, conditional BN); {name} is a "
            f"{zoo.entry(name).family} model"
        )
    return model


def generate(model, z: torch.Tensor, classes, threshold: float | None) -> torch.Tensor:
    """Images of latents drawn by ``model.sample_latent(n, seed, truncation=threshold)`` (each model maps the
    threshold to its own sampling); the model gets the threshold too (BigGAN-deep picks its batch-norm
    statistics by it)."""
    return model.generate(z, classes, truncation=threshold)


def class_vector(model: torch.nn.Module, class_a: str, class_b: str, alpha: float) -> torch.Tensor:
    """(1, num_classes): (1 − α)·one-hot(A) + α·one-hot(B)."""
    if not 0 <= float(alpha) <= 1:
        raise ValueError(f"the class mix α must be between 0 and 1, got {alpha}")
    vectors = model.class_vector([class_a, class_b])
    return (1 - float(alpha)) * vectors[:1] + float(alpha) * vectors[1:]


def chosen_sample(model: BigGANGenerator, values: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """(z, class vector) of sample ``values["index"]`` (0–15) of the grid of 16: seed + index, the mixed class, the
    threshold (``values`` by the names of ``CHOSEN``)."""
    index = int(values["index"])
    if not 0 <= index < GRID_SIZE:
        raise ValueError(f"the sample number must be between 0 and {GRID_SIZE - 1}, got {index}")
    t = latent.truncation_threshold(values["threshold"])
    z = model.sample_latent(GRID_SIZE, latent.check_seed(values["seed"], "seed"), truncation=t)
    device = model.class_embedding.weight.device
    vector = class_vector(model, values["a"], values["b"], values["alpha"])
    return z[index : index + 1].to(device), vector.to(device)


def figure_layout(fig, title: str, top: int, height: int, **more) -> None:
    """The tab's plot style: a projector-sized title and text, the given top margin and height."""
    fig.update_layout(
        title=dict(text=title, font=dict(size=plots.FONT_SIZE)),
        font=dict(size=plots.FONT_SIZE - 2),
        margin=dict(l=60, r=20, t=top, b=60),
        height=height,
        **more,
    )
