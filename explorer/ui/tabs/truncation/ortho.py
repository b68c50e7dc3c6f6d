"""Inside BigGAN: orthogonal regularisation (BigGAN §3.1), R_β(W) = β‖WᵀW ⊙ (1 − I)‖²_F: how alike a layer's filters
are as trained, and after descent on R alone."""

import functools
import math

import gradio as gr
import torch
import torch.nn.functional as F
from plotly.subplots import make_subplots

from explorer import plots
from explorer.models.biggan import BigGANGenerator
from explorer.models.folder import read_discriminator
from explorer.ui import common, share
from explorer.ui.common import user_errors
from explorer.ui.tabs.truncation.shared import biggan, figure_layout, small_biggan
from explorer.zoo import Zoo

TITLE, ID = "Orthogonal regularisation", "ortho"
ORTHO_NOTE = """**Orthogonal regularisation** (BigGAN §3.1): R_β(W) = β‖WᵀW ⊙ (1 − I)‖²_F pushes each layer's
filters apart (cosine 0) and leaves their norms free, which keeps G smooth enough for the truncation trick.
Left: the cosine similarity of every pair of the chosen layer's filters as trained; right: the same filters after
k steps of gradient descent on R alone (what the penalty pulls towards). The readout compares both with random
filters of the same size. The colours stop at ±0.2 (the diagonal, 1, saturates)."""
ORTHO_MAX_STEPS = 200
ORTHO_COLOUR_RANGE = 0.2
ORTHO_LR = 0.01  # on unit-norm filters: R falls ~100× in 50 steps for the 64-filter layers


def training_settings(zoo: Zoo, name: str) -> dict:
    """The trainer's settings stored with the model's discriminator ({} where the folder has none); once per model."""

    def read() -> dict:
        found = read_discriminator(zoo.entry(name).folder, tensors=False)
        return {} if found is None else found[1]

    return zoo.memo("training-settings", name, read)


def filter_layers(model: BigGANGenerator) -> dict[str, torch.nn.Module]:
    """Label → each convolution of G whose filters can all be orthogonal (no more filters than inputs · k²)."""
    layers = {}
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Conv2d):
            out, inputs, kh, kw = module.weight.shape
            if 1 < out <= inputs * kh * kw:
                layers[f"{name}: {out} filters of {inputs}×{kh}×{kw}"] = module
    return layers


def filter_cosines(weight: torch.Tensor) -> torch.Tensor:
    """(out, out) cosine similarities between the filters (rows of the flattened weight)."""
    unit = F.normalize(weight.detach().float().flatten(1), dim=1)
    return unit @ unit.T


def off_diagonal(matrix: torch.Tensor) -> torch.Tensor:
    return matrix[~torch.eye(matrix.shape[0], dtype=torch.bool, device=matrix.device)]


def orthogonal_descent(weight: torch.Tensor, steps: int, lr: float = ORTHO_LR) -> torch.Tensor:
    """The filters after ``steps`` gradient steps on R(W) = ‖WWᵀ ⊙ (1 − I)‖²_F alone (BigGAN §3.1), each filter kept at
    unit norm (R leaves the norms free): what the regulariser pushes towards, without the GAN loss."""
    w = F.normalize(weight.detach().float().flatten(1), dim=1)
    mask = 1 - torch.eye(w.shape[0])
    for _ in range(steps):
        with torch.enable_grad():
            w.requires_grad_(True)
            (grad,) = torch.autograd.grad(((w @ w.T) * mask).pow(2).sum(), w)
        w = F.normalize(w.detach() - lr * grad, dim=1)
    return w


@user_errors
def render_ortho(zoo: Zoo, name: str, layer: str, steps) -> tuple:
    """(heat maps of the layer's filter cosines as trained and after ``steps`` steps of descent on R alone, readout);
    for a model other than BigGAN-small, no figure and why."""
    if not isinstance(biggan(zoo, name), BigGANGenerator):
        return None, f"The filter view needs our BigGAN-small; {name} is a {zoo.entry(name).family} model."
    layers = filter_layers(small_biggan(zoo, name))
    if layer not in layers:
        raise ValueError(f"unknown layer {layer!r}; choose one of: {'; '.join(layers)}")
    steps = common.whole_number(steps, "the steps on R", 0, ORTHO_MAX_STEPS)
    weight = layers[layer].weight.detach()
    trained, descended = filter_cosines(weight), filter_cosines(orthogonal_descent(weight, steps))
    size = weight[0].numel()
    random_level = math.sqrt(2 / (math.pi * size))  # E|cos| of two random directions in `size` dimensions
    mean_trained, mean_after = (float(off_diagonal(c).abs().mean()) for c in (trained, descended))
    r_trained, r_after = (float(off_diagonal(c).pow(2).sum()) for c in (trained, descended))
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"as trained: mean |cos| {mean_trained:.3f}", f"after {steps} steps on R: {mean_after:.3f}"),
        horizontal_spacing=0.12,
    )
    for col, matrix in ((1, trained), (2, descended)):
        fig.add_trace(
            plots.go.Heatmap(
                z=matrix.cpu().numpy(),
                zmin=-ORTHO_COLOUR_RANGE,  # the diagonal (1) saturates: the pairs are what matter
                zmax=ORTHO_COLOUR_RANGE,
                colorscale="RdBu",
                reversescale=True,
                showscale=col == 2,
                colorbar=dict(title="cos"),
            ),
            row=1,
            col=col,
        )
        fig.update_yaxes(autorange="reversed", scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col)
        fig.update_xaxes(title_text="filter", row=1, col=col)
    figure_layout(fig, f"Cosine similarity between the filters of {layer.split(':')[0]}", top=110, height=460)
    fig.update_annotations(font_size=plots.FONT_SIZE - 2)
    beta = training_settings(zoo, name).get("ortho_beta")
    trained_with = "β unknown: no training state" if beta is None else f"trained with β = {beta:g}"
    readout = (
        f"{layer}. Off-diagonal mean |cos|: **{mean_trained:.3f}** as trained ({trained_with}), "
        f"**{mean_after:.3f}** after {steps} steps of descent on R alone; random filters of {size} weights: "
        f"{random_level:.3f}. R on unit filters: {r_trained:.3g} → {r_after:.3g}."
    )
    return fig, readout


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The layer and steps, the two heat maps and the readout; drawn when the tab is opened and on its own
    controls. ``controls``: the tab's settings by name (the model's)."""
    model = zoo.load(controls["model"].value)
    filters = list(filter_layers(model)) if isinstance(model, BigGANGenerator) else []
    with gr.Row():
        with gr.Column(scale=1):
            gr.Markdown(ORTHO_NOTE, elem_classes=["note"])
            layer = gr.Dropdown(
                filters,
                value=next((f for f in filters if f.startswith("blocks.1.conv1")), filters[0] if filters else None),
                label="G's layer",
                elem_id="trunc-ortho-layer",
            )
            steps = gr.Slider(
                0, ORTHO_MAX_STEPS, value=50, step=1, label="Steps of descent on R alone", elem_id="trunc-ortho-steps"
            )
            text = gr.Markdown("", elem_id="trunc-ortho-text")
        with gr.Column(scale=2):
            plot = gr.Plot(None, label="Orthogonal regularisation: filter cosines", elem_id="trunc-ortho")
    render = (functools.partial(render_ortho, zoo), [controls["model"], layer, steps], [plot, text])
    settled = dict(concurrency_limit=None, trigger_mode="always_last", show_progress="hidden")
    gr.on([layer.input, steps.release], *render, api_name="biggan_ortho", **settled)
    return share.SectionParts(opened=[render], renders=[render])
