"""The VAE tab's *Edit real images* section: the encoder makes real images editable: the path between two encoded
test images, and one image's code moved along an attribute vector (the difference of two classes' mean codes)."""

import functools

import gradio as gr
import torch

from explorer import derived, images
from explorer.data import FASHION_MNIST_CLASSES
from explorer.models import HasEncoder
from explorer.ui import common
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.manifold.shared import SOURCES, chosen_image, has_test_images
from explorer.zoo import Zoo

TITLE, ID = "Edit real images", "edit"
NOTE = """**What you are seeing.** The encoder makes real images editable (Kingma & Welling; the DCGAN paper did it
with G's z): encode two test images to μ(x_A), μ(x_B) and decode the straight path between them; or move one
image's code along an **attribute vector**, the mean code of class A minus the mean code of class B over the
test set, z = μ(x) + α · (mean μ(A) − mean μ(B)), and decode it for each α."""
ALPHAS = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)


@user_errors
def edit(zoo: Zoo, name: str, first: int, second: int, towards: str, away: str, frames: int = 8):
    """(the interpolation strip between two encoded test images, the attribute strip over ALPHAS, a caption)."""
    model = zoo.require(name, HasEncoder, what="a VAE")
    frames = int(frames)
    if not 2 <= frames <= 16:
        raise ValueError(f"the path has 2 to 16 frames, got {frames}")
    (x_a, caption_a), (x_b, caption_b) = (
        chosen_image(zoo, name, SOURCES[0], first),
        chosen_image(zoo, name, SOURCES[0], second),
    )
    if towards not in FASHION_MNIST_CLASSES or away not in FASHION_MNIST_CLASSES:
        raise ValueError(f"choose the attribute's classes among {', '.join(FASHION_MNIST_CLASSES)}")
    means, labels, _ = derived.test_set_means(zoo, name)
    direction = torch.from_numpy(
        means[labels == FASHION_MNIST_CLASSES.index(towards)].mean(0)
        - means[labels == FASHION_MNIST_CLASSES.index(away)].mean(0)
    ).float()
    with torch.no_grad():
        mu_a, mu_b = model.encode(x_a)[0][0], model.encode(x_b)[0][0]
        t = torch.linspace(0, 1, frames)[:, None]
        path = model.decode((1 - t) * mu_a + t * mu_b)
        moved = model.decode(mu_a + torch.tensor(ALPHAS)[:, None] * direction)
    scale = images.fit_scale(model.resolution, 3)
    path_strip = images.grid_image(torch.cat([x_a, path, x_b]), ncols=frames + 2, scale=scale, padding=4)
    attribute = images.label_columns(
        images.grid_image(torch.cat([x_a, moved]), ncols=len(ALPHAS) + 1, scale=scale, padding=4),
        ["x", *(f"α = {a:g}" for a in ALPHAS)],
    )
    caption = (
        f"Path: {caption_a} (left, the image itself) → decoded μ path → {caption_b} (right). "
        f"Attribute: {caption_a} + α · (mean code of {towards} − mean code of {away}), "
        f"‖direction‖ = {float(direction.norm()):.2f}."
    )
    return path_strip, attribute, caption


def build(zoo: Zoo, model: gr.Dropdown) -> SectionParts:
    """The section's components and wiring (inside the VAE tab's ``gr.Tab``); ``model`` is the tab's VAE (the
    plane's). Its view is drawn when the section is first opened; without the test set, a line that says so."""
    gr.Markdown(NOTE, elem_classes=["note"])
    if not has_test_images(zoo):
        gr.Markdown("Editing real images needs the Fashion-MNIST test set (not on this server).")
        return SectionParts()
    with gr.Row():
        with gr.Column(scale=1, min_width=260):
            image_a = gr.Number(1, label="Test image A", precision=0, minimum=0, maximum=9999, elem_id="vae-edit-a")
            image_b = gr.Number(2, label="Test image B", precision=0, minimum=0, maximum=9999, elem_id="vae-edit-b")
            towards = gr.Dropdown(list(FASHION_MNIST_CLASSES), value="Dress", label="Attribute: towards class")
            away = gr.Dropdown(list(FASHION_MNIST_CLASSES), value="Pullover", label="…away from class")
        with gr.Column(scale=3):
            path = common.drawn_image("vae-edit-path", "A → B through the encoder's codes")
            attribute = common.drawn_image("vae-edit-attribute", "A + α · attribute vector")
            caption = gr.Markdown(elem_id="vae-edit-caption")
    inputs, outputs = [model, image_a, image_b, towards, away], [path, attribute, caption]
    show = functools.partial(edit, zoo)
    gr.on(
        [image_a.submit, image_a.blur, image_b.submit, image_b.blur, towards.input, away.input],
        show,
        inputs,
        outputs,
        api_name="vae_edit",
        trigger_mode="always_last",
    )
    return SectionParts(opened=[(show, inputs, outputs)])
