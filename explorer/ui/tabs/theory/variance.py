"""GAN theory, *Gradient variance*: G frozen, D trained N steps, the generator's gradient mean ± std against N for
both of G's costs (Arjovsky & Bottou 2017, arXiv:1701.04862, Fig. 2 and 3)."""

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from explorer import discriminator_theory as dt
from explorer import latent
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import FIT_COLOURS, LIVE, check_choice, new_figure, seed_box

TITLE = "Gradient variance"
ID = "variance"

NOTE = """**What you are seeing.** Arjovsky & Bottou's experiment on a toy: the data lie on a circle, G is frozen and
maps z ~ N(0, 1) to a short segment beside it (disjoint supports, as for images on low-dimensional manifolds), and D
is trained from scratch for N steps. At each N the generator's gradient ‖∇_θG L_G‖ is measured on 32 fresh batches
of z: the mean (line) ± one standard deviation (band), log axes. As D approaches its optimum (accuracy → 100 %),
the minimax cost **log(1 − D(G(z)))** gives gradients that vanish, and the non-saturating **−log D(G(z))** gives
gradients whose size *and* spread grow without bound: G's updates get large and noisy, the instability the paper
names. (In their figure the G is a DCGAN; here a linear map, so the run takes seconds.)"""
WIDTHS = ("16", "64", "256")


@user_errors
def gradient_variance(width: str, seed: int) -> tuple[go.Figure, str]:
    """(‖∇_θG L_G‖ mean ± std against D's steps for both costs, the readout)."""
    width = int(check_choice(str(width), "D's hidden units", WIDTHS))
    trace = dt.gradient_trace(latent.check_seed(seed), width=width)
    fig = new_figure("G frozen, D trained N steps: ‖∇<sub>θG</sub> L<sub>G</sub>‖", "D's training steps N", "")
    for (name, mean), colour in zip(trace.mean.items(), FIT_COLOURS, strict=True):
        std = trace.std[name]
        low = np.maximum(mean - std, mean * 1e-3)
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([trace.steps, trace.steps[::-1]]),
                y=np.concatenate([mean + std, low[::-1]]),
                fill="toself",
                fillcolor=colour,
                opacity=0.25,
                line=dict(width=0),
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(x=trace.steps, y=mean, name=name, mode="lines+markers", line=dict(color=colour, width=4))
        )
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log", title_text="mean ± std over 32 batches")
    rows = []
    for name in trace.mean:
        mean, std = trace.mean[name], trace.std[name]
        rows.append(
            f"{name}: N = {trace.steps[0]}: {mean[0]:.3g} ± {std[0]:.2g} → N = {trace.steps[-1]}: "
            f"**{mean[-1]:.3g} ± {std[-1]:.2g}**"
        )
    accuracy = " · ".join(f"{n}: {a:.0%}" for n, a in zip(trace.steps, trace.d_accuracy, strict=True))
    return fig, "\n\n".join([*rows, f"D's accuracy by step: {accuracy}"])


def build() -> SectionParts:
    """D's width and a seed; *Train D on the frozen G* (drawn when the section is opened)."""
    gr.Markdown(NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            width = gr.Radio(list(WIDTHS), value="64", label="D's hidden units (two layers)")
            seed = seed_box()
            run = gr.Button("Train D on the frozen G (about 5 s)", elem_id="theory-variance-run")
            readout = gr.Markdown("", elem_id="theory-variance-text")
        with gr.Column(scale=2):
            plot = gr.Plot(None, label="G's gradient against D's steps", elem_id="theory-variance")
    controls, outputs = [width, seed], [plot, readout]
    run.click(gradient_variance, controls, outputs, api_name="theory_variance", **LIVE)
    return SectionParts(opened=[(gradient_variance, controls, outputs)])
