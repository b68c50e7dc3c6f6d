"""Inside BigGAN: conditional batch norm. Every block normalises, then scales by γ_y = 1 + W_γ[embed(y); z_k] and
shifts by β_y = W_β[embed(y); z_k]: the class mix α moves γ_y and β_y along straight lines."""

import functools

import gradio as gr
import torch
from plotly.subplots import make_subplots

from explorer import plots
from explorer.models.biggan import BigGANGenerator
from explorer.ui import share
from explorer.ui.common import by_values, user_errors
from explorer.ui.tabs.truncation.shared import CHOSEN, chosen_sample, class_vector, figure_layout, small_biggan
from explorer.zoo import Zoo

TITLE, ID = "Conditional BN", "cbn"
NAMES = (*CHOSEN, "layer")  # render_cbn's settings: the sample, the layer


def cbn_layers(model: BigGANGenerator) -> dict[str, torch.nn.Module]:
    """Label → conditional batch norm, in the order the image is built."""
    layers = {}
    side = 4
    for i, block in enumerate(model.blocks):
        layers[f"block {i + 1}, first BN ({side}×{side}, {block.bn0.bn.num_features} ch)"] = block.bn0
        layers[f"block {i + 1}, second BN ({2 * side}×{2 * side}, {block.bn1.bn.num_features} ch)"] = block.bn1
        side *= 2
    return layers


def cbn_along_alpha(
    model: BigGANGenerator, z: torch.Tensor, class_a: str, class_b: str, layer: str, steps: int = 21, channels: int = 6
) -> tuple[list[float], list[int], torch.Tensor, torch.Tensor]:
    """(α values, the ``channels`` channels whose γ_y moves most from A to B, γ_y and β_y (steps, channels)) of one
    conditional BN at the sample's z chunk."""
    layers = cbn_layers(model)
    if layer not in layers:
        raise ValueError(f"unknown layer {layer!r}; choose one of: {'; '.join(layers)}")
    block = next(i for i, b in enumerate(model.blocks) if layers[layer] in (b.bn0, b.bn1))
    alphas = [i / (steps - 1) for i in range(steps)]
    vectors = torch.cat([class_vector(model, class_a, class_b, a) for a in alphas]).to(z.device)
    with torch.inference_mode():
        cond = model.conditioning(z.expand(steps, -1), vectors)[block]
        gain, bias = layers[layer].gain_and_bias(cond)  # (steps, channels)
    top = (gain[-1] - gain[0]).abs().topk(min(channels, gain.shape[1])).indices.tolist()
    return alphas, top, gain[:, top].cpu(), bias[:, top].cpu()


@user_errors
def render_cbn(zoo: Zoo, values: dict):
    """γ_y and β_y of one conditional BN along the class mix α (the channels that move most), the current α marked;
    ``values`` by the names of ``NAMES``."""
    model = small_biggan(zoo, values["model"])
    z, _ = chosen_sample(model, values)
    class_a, class_b, layer = values["a"], values["b"], values["layer"]
    alphas, top, gain, bias = cbn_along_alpha(model, z, class_a, class_b, layer)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("gain γ_y", "bias β_y"))
    for j, channel in enumerate(top):
        colour = plots.METRIC_COLOURS[j % len(plots.METRIC_COLOURS)]
        line = dict(width=3, color=colour, dash="solid" if j < len(plots.METRIC_COLOURS) else "dot")
        for col, curve in ((1, gain), (2, bias)):
            trace = plots.go.Scatter(
                x=alphas, y=curve[:, j].tolist(), name=str(channel), mode="lines", line=line, legendgroup=str(channel)
            )
            fig.add_trace(trace.update(showlegend=col == 1), row=1, col=col)
    fig.add_vline(x=float(values["alpha"]), line=dict(color="#000", dash="dot", width=2))
    fig.update_xaxes(title_text="α", range=[0, 1])
    figure_layout(
        fig,
        f"{layer}: α = 0 is {class_a}, α = 1 is {class_b}",
        top=90,
        height=420,
        legend=dict(orientation="v", x=1.02, y=1, title_text="channel"),
    )
    return fig


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The γ_y, β_y plot, redrawn alone when the layer is picked. ``controls`` by name (``NAMES``)."""
    c = controls
    plot = gr.Plot(None, label="Conditional BN: γ_y and β_y along α", elem_id="trunc-cbn")
    render = (*by_values(functools.partial(render_cbn, zoo), {k: c[k] for k in NAMES}), [plot])
    quiet = dict(api_visibility="undocumented", concurrency_limit=None, trigger_mode="always_last")
    c["layer"].input(*render, show_progress="hidden", **quiet)
    return share.SectionParts(renders=[render])
