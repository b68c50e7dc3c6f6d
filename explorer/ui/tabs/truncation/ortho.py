"""Inside BigGAN: orthogonal regularisation (BigGAN §3.1), R_β(W) = β‖WᵀW ⊙ (1 − I)‖²_F: how alike a layer's filters
are in a BigGAN trained with R and in its twin trained without it, and what that does to truncation."""

import functools
import math

import gradio as gr
import torch
import torch.nn.functional as F
from plotly.subplots import make_subplots

from explorer import plots
from explorer.gpu import MAX_SECONDS
from explorer.metrics.fid import CLASSIFIER_FEATURES
from explorer.models.biggan import BigGANGenerator
from explorer.models.folder import read_discriminator
from explorer.ui import share
from explorer.ui.common import HEAVY, on_gpu, user_errors
from explorer.ui.tabs.truncation.curve import CURVE_SAMPLES, VARIETY_SAMPLES, truncation_curve
from explorer.ui.tabs.truncation.shared import figure_layout
from explorer.zoo import Zoo

TITLE, ID = "Orthogonal regularisation", "ortho"
ORTHO_NOTE = """**Orthogonal regularisation** (BigGAN §3.1): R_β(W) = β‖WᵀW ⊙ (1 − I)‖²_F pushes each layer's
filters apart (cosine 0) and leaves their norms free; Brock et al. add it so that G stays usable under the
truncation trick. Left: the cosine similarity of every pair of the chosen layer's filters in a BigGAN trained with
R; right: its twin, trained the same way with β = 0 (the two continue the committed BigGAN for the same 200 steps:
its β = 10⁻⁴, the paper's, left our small filters as alike as random ones, so the pair uses β = 1). The readout
compares both with random filters of the same size; the colours stop at ±0.2 (the diagonal, 1, saturates). The
button measures both models' fidelity (FID) and variety as the truncation threshold falls."""
ORTHO_COLOUR_RANGE = 0.2
PAIR_COLOURS = (plots.LERP_COLOUR, plots.SLERP_COLOUR)  # the regularised model, its twin


def training_settings(zoo: Zoo, name: str) -> dict:
    """The trainer's settings stored with the model's discriminator ({} where the folder has none); once per model."""

    def read() -> dict:
        found = read_discriminator(zoo.entry(name).folder, tensors=False)
        return {} if found is None else found[1]

    return zoo.memo("training-settings", name, read)


def trained_beta(zoo: Zoo, name: str) -> float | None:
    """The β the model was trained with: its manifest entry's ``ortho_beta`` (folders with the generator alone), else
    the settings stored with its discriminator; None where neither says."""
    beta = zoo.entry(name).extra.get("ortho_beta", training_settings(zoo, name).get("ortho_beta"))
    return None if beta is None else float(beta)


def ortho_pair(zoo: Zoo) -> tuple[str, str]:
    """(regularised, twin): the first BigGAN-small whose manifest entry names its β = 0 twin (``ortho_twin``)."""
    names = set(zoo.names())
    for name in zoo.names():
        twin = zoo.entry(name).extra.get("ortho_twin")
        if twin in names and all(isinstance(zoo.load(n), BigGANGenerator) for n in (name, twin)):
            return name, twin
    raise ValueError(
        "no BigGAN with a twin trained without orthogonal regularisation in the zoo (a manifest entry with "
        "ortho_twin); see docs/models.md"
    )


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


def mean_abs_cosine(weight: torch.Tensor) -> float:
    """The mean |cos| over the distinct pairs of filters (0: orthogonal)."""
    return float(off_diagonal(filter_cosines(weight)).abs().mean())


def layer_mean(model: BigGANGenerator) -> float:
    """The mean |cos| averaged over G's layers that can be orthogonal (``filter_layers``)."""
    means = [mean_abs_cosine(m.weight) for m in filter_layers(model).values()]
    return sum(means) / len(means)


def _beta_text(zoo: Zoo, name: str) -> str:
    beta = trained_beta(zoo, name)
    return "β unknown" if beta is None else f"β = {beta:g}"


@user_errors
def render_ortho(zoo: Zoo, layer: str) -> tuple:
    """(heat maps of the layer's filter cosines in the regularised model and its β = 0 twin, readout)."""
    pair = ortho_pair(zoo)
    models = [zoo.load(name) for name in pair]
    layers = [filter_layers(model) for model in models]
    if layer not in layers[0]:
        raise ValueError(f"unknown layer {layer!r}; choose one of: {'; '.join(layers[0])}")
    cosines = [filter_cosines(found[layer].weight) for found in layers]
    means = [float(off_diagonal(c).abs().mean()) for c in cosines]
    size = layers[0][layer].weight[0].numel()
    random_level = math.sqrt(2 / (math.pi * size))  # E|cos| of two random directions in `size` dimensions
    titles = [f"{name} ({_beta_text(zoo, name)}): mean |cos| {m:.3f}" for name, m in zip(pair, means, strict=True)]
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.12)
    for col, matrix in enumerate(cosines, start=1):
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
    others = [  # our other BigGAN-smalls (the family's name alone: loading every model would take seconds)
        f"{name} ({_beta_text(zoo, name)}): {mean_abs_cosine(filter_layers(zoo.load(name))[layer].weight):.3f}"
        for name in zoo.names()
        if name not in pair and zoo.entry(name).family == "biggan" and layer in filter_layers(zoo.load(name))
    ]
    readout = (
        f"{layer}. Off-diagonal mean |cos|: **{means[0]:.3f}** with R ({pair[0]}, {_beta_text(zoo, pair[0])}), "
        f"**{means[1]:.3f}** without ({pair[1]}, {_beta_text(zoo, pair[1])}); random filters of {size} weights: "
        f"{random_level:.3f}. Averaged over G's {len(layers[0])} layers: **{layer_mean(models[0]):.3f}** with R, "
        f"**{layer_mean(models[1]):.3f}** without."
        + (f" Other BigGANs here, this layer: {'; '.join(others)}." if others else "")
    )
    return fig, readout


def pair_curves(zoo: Zoo, n: int = CURVE_SAMPLES, per_class: int = VARIETY_SAMPLES, progress=None) -> dict:
    """Name → (thresholds, FID, variety) for the regularised model and its twin (``curve.truncation_curve``)."""
    return {name: truncation_curve(zoo, name, n, per_class, progress) for name in ortho_pair(zoo)}


def pair_curve_figure(zoo: Zoo, curves: dict) -> "plots.go.Figure":
    """FID and variety against the threshold, one line per model, each panel sharing the thresholds."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("FID (lower = closer to data)", "variety within a class"))
    for (name, (thresholds, fids, varieties)), colour in zip(curves.items(), PAIR_COLOURS, strict=True):
        labels = ["none" if t is None else f"{t:g}" for t in thresholds]
        for col, values in ((1, fids), (2, varieties)):
            fig.add_trace(
                plots.go.Scatter(
                    x=labels,
                    y=values,
                    name=f"{name} ({_beta_text(zoo, name)})",
                    legendgroup=name,
                    showlegend=col == 1,
                    mode="lines+markers",
                    line=dict(color=colour, width=4, dash="solid" if colour == PAIR_COLOURS[0] else "dot"),
                    marker=dict(size=10),
                ),
                row=1,
                col=col,
            )
            fig.update_xaxes(type="category", title_text="truncation threshold", row=1, col=col)
    title = f"Truncation with and without R ({CLASSIFIER_FEATURES}, {CURVE_SAMPLES} samples)"
    figure_layout(fig, title, top=120, height=460, legend=dict(orientation="h", y=1.18, x=0))
    return fig


def curve_readout(zoo: Zoo, curves: dict) -> str:
    """What the curves say, per model: FID untruncated and at the threshold 0.5, their ratio, and the variety kept."""
    lines = []
    for name, (thresholds, fids, varieties) in curves.items():
        i = thresholds.index(0.5)
        lines.append(
            f"{name} ({_beta_text(zoo, name)}): FID {fids[0]:.1f} untruncated, {fids[i]:.1f} at 0.5 "
            f"(**×{fids[i] / fids[0]:.2f}**); variety kept at 0.5: {varieties[i] / varieties[0]:.0%}"
        )
    return "; ".join(lines) + "."


@user_errors
@on_gpu(MAX_SECONDS)  # FID and variety at each threshold, for both models
def render_pair_curves(zoo: Zoo, progress=gr.Progress()) -> tuple:  # noqa: B008
    """(the curves' figure, the readout)."""
    zoo.reference_classifier("the curve")
    curves = pair_curves(zoo, progress=progress)
    return pair_curve_figure(zoo, curves), curve_readout(zoo, curves)


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The layer, the two heat maps and the readout (drawn when the tab is opened and on the layer), and the curves'
    button. ``controls``: the tab's settings by name (unused: the pair is fixed by the manifest)."""
    try:
        filters = list(filter_layers(zoo.load(ortho_pair(zoo)[0])))
    except ValueError:  # no pair in this zoo: the view says so when drawn
        filters = []
    with gr.Row():
        with gr.Column(scale=1):
            gr.Markdown(ORTHO_NOTE, elem_classes=["note"])
            layer = gr.Dropdown(
                filters,
                value=next((f for f in filters if f.startswith("blocks.1.conv1")), filters[0] if filters else None),
                label="G's layer",
                elem_id="trunc-ortho-layer",
            )
            text = gr.Markdown("", elem_id="trunc-ortho-text")
        with gr.Column(scale=2):
            plot = gr.Plot(None, label="Orthogonal regularisation: filter cosines", elem_id="trunc-ortho")
    button = gr.Button("Compute both models' fidelity/variety against the threshold (minutes on a CPU)")
    curves = gr.Plot(label="Truncation with and without R", elem_id="trunc-ortho-curves")
    said = gr.Markdown("", elem_id="trunc-ortho-curves-text")
    button.click(
        functools.partial(render_pair_curves, zoo), None, [curves, said], api_name="biggan_ortho_curves", **HEAVY
    )
    render = (functools.partial(render_ortho, zoo), [layer], [plot, text])
    settled = dict(concurrency_limit=None, trigger_mode="always_last", show_progress="hidden")
    layer.input(*render, api_name="biggan_ortho", **settled)
    return share.SectionParts(opened=[render], renders=[render])
