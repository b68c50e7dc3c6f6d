"""The VAE tab's *Conditional VAE* section: pick the class, move z: the class's whole 2-D manifold, and the same
style (one z) decoded in every class."""

import functools

import gradio as gr
import torch
from PIL import ImageDraw

from explorer import images, latent
from explorer.data import FASHION_MNIST_CLASSES
from explorer.models import ConditionalVAE
from explorer.ui import common
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.manifold.shared import plane_image
from explorer.zoo import Zoo

TITLE, ID = "Conditional VAE", "conditional"
NOTE = """**What you are seeing.** A *conditional* VAE (Sohn et al. 2015; Attribute2Image, Yan et al. 2016, at our
scale): the encoder and the decoder both see the class y, q_φ(z|x, y) and p_θ(x|z, y). The class no longer has to
be stored in z, so z keeps what the label does not say: the "style" (size, width, brightness, shape). Left: the
chosen class's whole 2-D manifold, the current z ringed. Right: each row is one z decoded with every class: the
same style across classes; the first row is the z of the sliders, the others z ~ N(0, I) from the seed. Trained with
β = 4, which pushes what y already says out of z."""
STYLE_ROWS = 4  # z ~ N(0, I) rows under the sliders' z


def conditional_names(zoo: Zoo) -> list[str]:
    return zoo.names(ConditionalVAE)


@user_errors
def conditional(zoo: Zoo, name: str, class_name: str, z1: float, z2: float, seed: int):
    """(the class's decoded plane with z ringed, the style grid: rows of z × columns of classes, a caption)."""
    model = zoo.require(name, ConditionalVAE, what="a conditional VAE")
    if class_name not in FASHION_MNIST_CLASSES[: model.num_classes]:
        raise ValueError(f"choose the class among {', '.join(FASHION_MNIST_CLASSES[: model.num_classes])}")
    z1, z2 = float(z1), float(z2)
    if not (-4 <= z1 <= 4 and -4 <= z2 <= 4):
        raise ValueError(f"z₁ and z₂ must be between −4 and 4, got ({z1}, {z2})")
    seed = latent.check_seed(seed, "the style seed")
    label = FASHION_MNIST_CLASSES.index(class_name)
    plane = plane_image(lambda z: model.decode(z, torch.full((len(z),), label)), 3.0, None, None)
    size, extent = plane.width, 3.0
    x, y = (z1 + extent) / (2 * extent) * size, (1 - (z2 + extent) / (2 * extent)) * size
    ImageDraw.Draw(plane).ellipse((x - 12, y - 12, x + 12, y + 12), outline=(255, 200, 0), width=4)
    z = torch.cat([torch.tensor([[z1, z2]]), latent.sample_normal(STYLE_ROWS, seed, (2,))])  # (1 + rows, 2)
    classes = torch.arange(model.num_classes)
    with torch.inference_mode():
        decoded = model.decode(z.repeat_interleave(model.num_classes, 0), classes.repeat(len(z))).cpu()
    grid = images.grid_image(decoded, ncols=model.num_classes, scale=2, padding=4)
    grid = images.label_rows(grid, ["your z", *(f"z #{seed + i}" for i in range(STYLE_ROWS))], font_size=16)
    margin = grid.width - (model.num_classes * (64 + 8) + 8)
    names = [n.split("/")[0] for n in FASHION_MNIST_CLASSES[: model.num_classes]]
    grid = images.label_columns(grid, names, font_size=14, skip=margin)
    caption = f"{class_name}: z = ({z1:+.2f}, {z2:+.2f}); style rows from seed {seed}."
    return plane, grid, caption


def build(zoo: Zoo) -> SectionParts:
    """The section's components and wiring (inside the VAE tab's ``gr.Tab``); its view is drawn when first opened."""
    gr.Markdown(NOTE, elem_classes=["note"])
    names = conditional_names(zoo)
    if not names:
        gr.Markdown("No conditional VAE in the zoo: train one with `python -m trainers cvae --out …`.")
        return SectionParts()
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            model = gr.Dropdown(names, value=names[0], label="Conditional VAE", elem_id="vae-cvae-model")
            label = gr.Dropdown(list(FASHION_MNIST_CLASSES), value="Dress", label="Class y", elem_id="vae-cvae-class")
            z1 = gr.Slider(-3, 3, value=0.0, step=0.1, label="z₁", elem_id="vae-cvae-z1")
            z2 = gr.Slider(-3, 3, value=0.0, step=0.1, label="z₂", elem_id="vae-cvae-z2")
            seed = gr.Number(0, label="Seed of the style rows", precision=0, minimum=0, elem_id="vae-cvae-seed")
        with gr.Column(scale=2):
            plane = common.drawn_image("vae-cvae-plane", "p(x|z, y) over the plane (±3), your z ringed")
        with gr.Column(scale=3):
            styles = common.drawn_image("vae-cvae-styles", "One z per row, every class: the same style across classes")
            caption = gr.Markdown(elem_id="vae-cvae-caption")
    inputs, outputs = [model, label, z1, z2, seed], [plane, styles, caption]
    show = functools.partial(conditional, zoo)
    gr.on(
        [model.input, label.input, z1.release, z2.release, seed.submit, seed.blur],
        show,
        inputs,
        outputs,
        api_name="vae_conditional",
        trigger_mode="always_last",
    )
    return SectionParts(opened=[(show, inputs, outputs)])
