"""GAN theory, *G's costs*: the minimax and non-saturating generator costs and their gradients against D(G(z))."""

import math

import gradio as gr
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.plots import FONT_SIZE, _layout
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import (
    FIT_COLOURS,
    check_number,
    wire,
)
from trainers.toy2d import generator_loss_curves

TITLE = "G's costs"
ID = "costs"

COSTS_NOTE = """**What you are seeing.** The generator's cost as a function of what D says about its samples,
D(G(z)). The minimax cost **log(1 − D(G(z)))** (G minimises it) is flat where D rejects the fakes (D(G(z)) → 0, early
in training): its gradient with respect to D's logit is −D(G(z)), which vanishes. The non-saturating cost
**−log D(G(z))** has the same fixed point but a gradient of −(1 − D(G(z))): strong exactly when G is losing
(Goodfellow et al. 2014, §3). Move the slider to where D stands; the readout compares the two gradients."""


@user_errors
def generator_costs(d_fake: float):
    """(the two costs and their gradient magnitudes with D(G(z)) = ``d_fake`` marked, readout)."""
    d = check_number(d_fake, "D(G(z))", 0.001, 0.999)
    curves = generator_loss_curves()
    fig = make_subplots(rows=1, cols=2, subplot_titles=("G's cost", "|∂ cost / ∂ D's logit|"))
    _layout(fig, f"G's two costs; D(G(z)) = {d:.3f} marked", "D(G(z))", "")
    fig.update_layout(
        height=520,
        margin=dict(t=90, b=150),
        legend=dict(yref="container", y=0, yanchor="bottom", x=0, font=dict(size=FONT_SIZE - 2)),
    )
    fig.update_annotations(font_size=FONT_SIZE)
    series = (
        ("minimax log(1 − D)", "|∂/∂logit| minimax", FIT_COLOURS[0], math.log(1 - d), d),
        ("non-saturating −log D", "|∂/∂logit| non-saturating", FIT_COLOURS[1], -math.log(d), 1 - d),
    )
    for cost, gradient, colour, value, slope in series:
        for col, key, y in ((1, cost, value), (2, gradient, slope)):
            fig.add_trace(
                go.Scatter(
                    x=curves["D(G(z))"],
                    y=curves[key],
                    name=cost,
                    line=dict(color=colour, width=4),
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
            fig.add_trace(
                go.Scatter(
                    x=[d], y=[y], mode="markers", marker=dict(color=colour, size=16), showlegend=False, hoverinfo="skip"
                ),
                row=1,
                col=col,
            )
    for col in (1, 2):
        fig.add_vline(x=d, line=dict(color="#555555", width=2, dash="dot"), row=1, col=col)
        fig.update_xaxes(title_text="D(G(z))", row=1, col=col)
    ratio = (1 - d) / d
    stronger = "non-saturating" if ratio >= 1 else "minimax"
    readout = (
        f"At **D(G(z)) = {d:.3f}**: minimax cost {math.log(1 - d):.3f}, gradient {d:.3f}; non-saturating cost "
        f"{-math.log(d):.3f}, gradient {1 - d:.3f}. The **{stronger}** gradient is "
        f"**{max(ratio, 1 / ratio):.1f}×** the other."
    )
    return fig, readout


def build() -> SectionParts:
    """D(G(z)); the two costs and their gradients (drawn when first opened)."""
    drawn: list = []
    gr.Markdown(COSTS_NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            d_fake = gr.Slider(
                0.001,
                0.999,
                value=0.05,
                step=0.001,
                label="D(G(z)): D's verdict on the fakes",
                elem_id="theory-costs-d",
            )
            readout = gr.Markdown("", elem_id="theory-costs-text")
        with gr.Column(scale=3):
            plot = gr.Plot(None, label="the two costs and their gradients", elem_id="theory-costs")
    wire(generator_costs, [d_fake], [plot, readout], "theory_costs", drawn)
    return SectionParts(opened=drawn)
