"""GAN theory, *Where z lives*: the norms of Gaussian, uniform and lerp-midpoint z in d dimensions (the
section's ID is ``z``)."""

import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from explorer import latent, theory
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import (
    check_whole,
    new_figure,
    seed_box,
    wire,
)

TITLE = "Where z lives"
ID = "z"

Z_NOTE = """**What you are seeing.** GANs draw **z ~ N(0, I_d)**: in d dimensions almost every draw has
**‖z‖ ≈ √d** (a thin shell; its relative spread is about 1/√(2d)), not near 0 where the density is highest. A uniform
z ~ U[−1, 1]^d behaves differently: its norms sit near √(d/3), inside a cube whose corners stick out. The midpoint
of a straight line between two Gaussian z has ‖z‖ ≈ √(d/2): inside the shell, where the generator never saw a z
in training. That is why the Interpolation tab offers slerp (DCGAN; White 2016, arXiv:1609.04468). Move d from 1
to 512 and watch the shells separate."""
Z_COLOURS = {"gaussian": "#1f77b4", "uniform": "#2ca02c", "lerp midpoint": "#d62728"}
Z_SAMPLES = 4000


def _z_radius(kind: str, d: int) -> float:
    return math.sqrt(d) if kind == "gaussian" else math.sqrt(d / 3) if kind == "uniform" else math.sqrt(d / 2)


@user_errors
def latent_shells(d: int, seed: int):
    """(histograms of ‖z‖ for Gaussian, uniform and lerp-midpoint z in d dimensions, readout)."""
    d = check_whole(d, "d", 1, 1024)
    norms = theory.latent_norms(d, Z_SAMPLES, latent.check_seed(seed))
    fig = new_figure(f"‖z‖ of {Z_SAMPLES} draws in d = {d} dimensions", "‖z‖", "density")
    radii = {"gaussian": "√d", "uniform": "√(d/3)", "lerp midpoint": "√(d/2)"}
    rows = []
    for kind, values in norms.items():
        colour, radius = Z_COLOURS[kind], _z_radius(kind, d)
        fig.add_trace(
            go.Histogram(
                x=values,
                histnorm="probability density",
                name=f"{kind}: mean {values.mean():.2f} (≈ {radii[kind]} = {radius:.2f})",
                marker=dict(color=colour, opacity=0.45),
                nbinsx=60,
            )
        )
        fig.add_vline(x=radius, line=dict(color=colour, width=3, dash="dash"))
        rows.append(f"| {kind} | {values.mean():.2f} | {radii[kind]} = {radius:.2f} |")
    fig.update_layout(barmode="overlay")
    gaussian = norms["gaussian"]
    near = float(np.mean(np.abs(gaussian - math.sqrt(d)) < 0.1 * math.sqrt(d)))
    readout = "\n".join(
        [
            "| z | mean ‖z‖ | shell |",
            "|---|---|---|",
            *rows,
            "",
            f"**{near:.0%}** of the Gaussian draws lie within 10 % of √d; "
            f"the smallest of {Z_SAMPLES} is {gaussian.min():.2f}, though the density is highest at 0.",
        ]
    )
    return fig, readout


def build() -> SectionParts:
    """d and a seed; the histograms of ‖z‖ and their table (drawn when first opened)."""
    drawn: list = []
    gr.Markdown(Z_NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            dims = gr.Slider(1, 512, value=100, step=1, label="d: dimensions of z", elem_id="theory-z-d")
            seed = seed_box()
            readout = gr.Markdown("", elem_id="theory-z-text")
        with gr.Column(scale=3):
            plot = gr.Plot(None, label="‖z‖ of Gaussian, uniform and lerp-midpoint z", elem_id="theory-z")
    wire(latent_shells, [dims, seed], [plot, readout], "theory_z", drawn)
    return SectionParts(opened=drawn)
