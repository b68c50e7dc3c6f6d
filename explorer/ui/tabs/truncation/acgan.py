"""The AC-GAN (Odena et al., arXiv:1610.09585): what its discriminator's class head says about the fakes."""

import functools

import gradio as gr
import torch

from explorer import plots
from explorer.data import DatasetUnavailable, load_dataset
from explorer.models.acgan import ACGANDiscriminator, ACGANGenerator, confusion_matrix
from explorer.models.folder import DISCRIMINATOR_NAME, STATE_NAME, load_discriminator
from explorer.ui import common, share
from explorer.ui.common import user_errors
from explorer.ui.tabs.truncation.shared import biggan, figure_layout
from explorer.zoo import Zoo

TITLE, ID = "AC-GAN: D's class head on the fakes", "acgan"
ACGAN_NOTE = """**AC-GAN** (Odena et al. 2017; choose an AC-GAN as the *Model* above): its discriminator has two
heads on one trunk, **P(S | x)** (real or fake) and **P(C | x)** (which class). D maximises L_S + L_C, G maximises
L_C − L_S: G is rewarded when D recognises the class it was asked for. The matrix counts D's guesses on fakes (rows:
the class asked for, columns: D's guess); a strong diagonal means G's classes are recognisable. Unlike BigGAN's
projection D (above), which scores an (image, class) *pair*, this D is a classifier of any image, real or fake."""
ACGAN_FAKE_SEED = 20_000  # the fakes' latents: seeds 20 000 … (apart from the grid's)


def acgan_discriminator(zoo: Zoo, name: str) -> ACGANDiscriminator | None:
    """The AC-GAN's discriminator kept beside it (``explorer.models.folder.load_discriminator``; None: none)."""

    def load() -> ACGANDiscriminator | None:
        model = zoo.load(name)
        device = next(model.parameters()).device
        found = load_discriminator(zoo.entry(name).folder, lambda settings: ACGANDiscriminator(model.config), device)
        return None if found is None else found.requires_grad_(False)

    return zoo.memo("acgan-discriminator", name, load)


def real_class_accuracy(zoo: Zoo, name: str) -> float | None:
    """D's class-head accuracy on the 10 000 real test images (None: the test data is not installed); once."""

    def compute() -> float | None:
        discriminator = acgan_discriminator(zoo, name)
        try:
            test = load_dataset("fashion-mnist", "test", 32, 1, zoo.settings)
        except DatasetUnavailable:
            return None
        device = next(discriminator.parameters()).device
        guesses = discriminator.class_probabilities(test.images.to(device)).argmax(1).cpu()
        return float((guesses == test.labels).float().mean())

    return zoo.memo("acgan-real-accuracy", name, compute)


@user_errors
def render_class_head(zoo: Zoo, name: str, per_class) -> tuple:
    """(confusion matrix of D's class guesses on ``per_class`` fakes of every class, readout)."""
    model = biggan(zoo, name)
    if not isinstance(model, ACGANGenerator):
        return (
            None,
            f"Choose an AC-GAN as the model: {name} is a {zoo.entry(name).family} model, whose D has no class head.",
        )
    per_class = common.whole_number(per_class, "fakes per class", 10, 200)
    discriminator = acgan_discriminator(zoo, name)
    if discriminator is None:
        return None, f"{name} keeps no discriminator (no {DISCRIMINATOR_NAME} or {STATE_NAME} in its folder)."
    k, names = model.num_classes, model.class_names
    asked = torch.arange(k).repeat_interleave(per_class)
    with torch.inference_mode():
        fakes = model.generate(model.sample_latent(len(asked), ACGAN_FAKE_SEED), asked.tolist())
        guessed = discriminator.class_probabilities(fakes).argmax(1).cpu()
    matrix = confusion_matrix(asked, guessed, k)
    accuracy = float(matrix.diagonal().sum() / matrix.sum())
    fig = plots.go.Figure(
        plots.go.Heatmap(
            z=matrix.numpy(),
            x=names,
            y=names,
            colorscale="Blues",
            text=matrix.numpy(),
            texttemplate="%{text}",
            colorbar=dict(title="fakes"),
        )
    )
    fig.update_yaxes(autorange="reversed", title_text="class asked for")
    fig.update_xaxes(title_text="D's guess", tickangle=-40)
    figure_layout(fig, f"D's class head on {len(asked)} fakes: {accuracy:.0%} as asked", top=70, height=560)
    real = real_class_accuracy(zoo, name)
    on_real = "the test images are not installed" if real is None else f"**{real:.1%}** on the 10 000 real test images"
    worst = int(torch.argmin(matrix.diagonal()))
    hardest = (
        "every class is recognised in all its fakes"
        if int(matrix[worst, worst]) == per_class
        else f"hardest class to draw recognisably: {names[worst]} ({int(matrix[worst, worst])} of {per_class})"
    )
    readout = (
        f"D names the class asked for on **{accuracy:.1%}** of {len(asked)} fakes ({per_class} per class); "
        f"{on_real}; {hardest}."
    )
    if real is not None and accuracy > real:
        readout += (
            " The fakes are *easier* to classify than real garments: AC-GAN's known bias, G draws what D's class head"
            " recognises best, at some cost in variety within a class."
        )
    return fig, readout


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The fakes per class, the confusion matrix and its readout; drawn when the tab is opened, on a model switch and
    when the number is released. ``controls``: the tab's settings by name (the model's)."""
    with gr.Accordion(TITLE, open=True):
        gr.Markdown(ACGAN_NOTE, elem_classes=["note"])
        with gr.Row():
            with gr.Column(scale=1):
                per_class = gr.Slider(10, 200, value=50, step=10, label="Fakes per class", elem_id="trunc-acgan-n")
                text = gr.Markdown("", elem_id="trunc-acgan-text")
            with gr.Column(scale=2):
                plot = gr.Plot(None, label="Confusion: class asked for × D's guess", elem_id="trunc-acgan")
    render = (functools.partial(render_class_head, zoo), [controls["model"], per_class], [plot, text])
    fast = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
    gr.on([controls["model"].input, per_class.release], *render, api_name="acgan_class_head", **fast)
    return share.SectionParts(opened=[render], renders=[render])
