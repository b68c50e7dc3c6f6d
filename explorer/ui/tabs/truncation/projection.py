"""Inside BigGAN: the projection discriminator (Miyato & Koyama, arXiv:1802.05637), D(x, y) = ψ(φ(x)) + ⟨embed(y),
φ(x)⟩, scored for the chosen sample against every class; read from the discriminator kept beside the model."""

import functools

import gradio as gr
import torch

from explorer import plots
from explorer.data import DatasetUnavailable, load_dataset
from explorer.models.biggan import BigGANDiscriminator
from explorer.models.folder import DISCRIMINATOR_NAME, STATE_NAME, load_discriminator
from explorer.ui import share
from explorer.ui.common import by_values, user_errors
from explorer.ui.tabs.truncation.shared import CHOSEN, chosen_sample, small_biggan
from explorer.zoo import Zoo

TITLE, ID = "Projection discriminator", "projection"
REAL_PER_CLASS = 100  # real test images per class in the reference bars


def projection_discriminator(zoo: Zoo, name: str) -> BigGANDiscriminator | None:
    """The projection discriminator kept beside the model (``explorer.models.folder.load_discriminator``), or None
    where the folder keeps none; loaded once per model."""

    def load() -> BigGANDiscriminator | None:
        model = small_biggan(zoo, name)

        def build(settings: dict) -> BigGANDiscriminator:
            return BigGANDiscriminator(model.config, width=int(settings.get("d_width", 64)))

        found = load_discriminator(zoo.entry(name).folder, build, device=model.class_embedding.weight.device)
        return None if found is None else found.requires_grad_(False)

    return zoo.memo("projection-discriminator", name, load)


def class_scores(zoo: Zoo, name: str, images_: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(ψ(φ(x)), ⟨embed(y), φ(x)⟩ per class) of the model's discriminator, or None when the folder has none."""
    discriminator = projection_discriminator(zoo, name)
    if discriminator is None:
        return None
    with torch.inference_mode():
        return discriminator.class_scores(images_)


def real_class_scores(zoo: Zoo, name: str, per_class: int = REAL_PER_CLASS) -> torch.Tensor | None:
    """(num_classes, num_classes): row c = the mean ⟨embed(y), φ(x)⟩ over ``per_class`` real test images of class c
    (None: no discriminator, or the test data is not installed); once per model."""

    def compute() -> torch.Tensor | None:
        discriminator = projection_discriminator(zoo, name)
        if discriminator is None:
            return None
        model = small_biggan(zoo, name)
        try:
            data = load_dataset("fashion-mnist", "test", 32, 1, zoo.settings)
        except DatasetUnavailable:
            return None
        if list(data.class_names) != model.class_names:
            return None
        rows = []
        device = model.class_embedding.weight.device
        with torch.inference_mode():
            for c in range(model.num_classes):
                x = data.images[data.labels == c][:per_class].to(device)
                rows.append(discriminator.class_scores(x)[1].mean(0).cpu())
        return torch.stack(rows)

    return zoo.memo("projection-real-scores", name, compute, key=per_class)


@user_errors
def render_projection(zoo: Zoo, values: dict, reference: bool = True):
    """The projection discriminator's ⟨embed(y), φ(x)⟩ for the sample against every class y, beside (``reference``)
    the mean over real test images of the requested class; a message figure when the folder keeps no discriminator.
    ``values`` by the names of ``CHOSEN``."""
    name = values["model"]
    model = small_biggan(zoo, name)
    z, vector = chosen_sample(model, values)
    with torch.inference_mode():
        sample = model(z, vector)
    scores = class_scores(zoo, name, sample)
    if scores is None:
        return plots.bars_figure(
            [], [], f"{name} keeps no discriminator (its folder has no {DISCRIMINATOR_NAME} or {STATE_NAME})", ""
        )
    psi, projection = scores
    names = model.class_names
    requested = values["a"] if float(values["alpha"]) < 0.5 else values["b"]
    fig = plots.go.Figure()
    fig.add_trace(plots.go.Bar(x=names, y=projection[0].tolist(), name="this sample", marker_color="#1f77b4"))
    real = real_class_scores(zoo, name) if reference else None
    if real is not None:
        row = real[model.class_index(requested)].tolist()
        label = f"real {requested} (mean of {REAL_PER_CLASS})"
        fig.add_trace(plots.go.Bar(x=names, y=row, name=label, marker_color="#2ca02c"))
    title = (
        f"D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩, ψ = {float(psi[0]):.2f}<br>"
        f"asked for {requested}; highest: {names[int(projection[0].argmax())]}"
    )
    fig.update_layout(
        title=dict(text=title, font=dict(size=plots.FONT_SIZE)),
        font=dict(size=plots.FONT_SIZE - 2),
        barmode="group",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        margin=dict(l=60, r=20, t=110, b=90),
        height=420,
        yaxis_title="⟨embed(y), φ(x)⟩",
    )
    return fig


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The per-class scores' plot: drawn with the other inside views (``inside.render_inside``) only."""
    plot = gr.Plot(None, label="Projection discriminator", elem_id="trunc-projection")
    render = (*by_values(functools.partial(render_projection, zoo), {k: controls[k] for k in CHOSEN}), [plot])
    return share.SectionParts(renders=[render])
