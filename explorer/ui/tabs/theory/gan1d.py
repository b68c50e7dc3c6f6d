"""GAN theory, *1-D GAN*: Goodfellow et al. (2014), Figure 1, replayed from a real training run of a 1-D GAN."""

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from explorer import latent, theory
from explorer.plots import FONT_SIZE
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import (
    D_COLOUR,
    P_COLOUR,
    Q_COLOUR,
    W_COLOUR,
    add_line,
    affine_text,
    check_choice,
    check_finite,
    check_whole,
    new_figure,
    seed_box,
    segments_xy,
    wire,
)

TITLE = "1-D GAN"
ID = "gan1d"

GAN_NOTE = f"""**What you are seeing.** Goodfellow et al. (2014), Figure 1, replayed from a real training run:
the data p_d = N({theory.DATA_MEAN:g}, {theory.DATA_STD:g}²) (black, dotted), the generator's distribution p_g (green)
and the discriminator D (blue, dashed). The lines below show the mapping x = G(z) = a·z + b from the z line (values
of z at equal steps of probability) up to the x line: where they bunch up, p_g is high. Each step, D ascends
E_{{x∼p_d}}[log D(x)] + E_{{z∼p_z}}[log(1 − D(G(z)))] and G descends −E_z[log D(G(z))] (the non-saturating loss the
paper recommends). For a fixed G the best discriminator is **D\\*(x) = p_d(x) / (p_d(x) + p_g(x))** (thin line,
Prop. 1); when p_g = p_d, D\\* = ½ everywhere: the *discriminator* can no longer tell, panel (d). Try z uniform: G(z)
is then uniform and cannot become Gaussian. Try 1 hidden unit: D is monotone, cannot see a spread, and sits at ½
while p_g is far from p_d: the theory assumes a D of unlimited capacity."""
GAN_WIDTHS = (1, 2, 4, 16)
GAN_SEED = 5
MAPPING_LINES = 15
Z_LINE = -0.45  # height of the z axis under the x axis


def gan_figure(snapshot: theory.GanSnapshot, prior: str) -> go.Figure:
    """Goodfellow et al. 2014, Fig. 1: p_d, p_g, D, D*, and the z → x mapping."""
    x = np.linspace(theory.GAN_X[0], theory.GAN_X[-1], 701)
    log_p_data = theory.normal_log_pdf(x, theory.DATA_MEAN, theory.DATA_STD)
    log_p_g = theory.generator_log_density(x, snapshot.a, snapshot.b, prior)
    fig = new_figure(f"Step {snapshot.step}: G(z) = {affine_text(snapshot.a, snapshot.b)}", "", "", 560)
    z = theory.prior_quantiles(MAPPING_LINES, prior)
    xs, ys = segments_xy(
        np.column_stack([z, np.full_like(z, Z_LINE)]), np.column_stack([snapshot.a * z + snapshot.b, np.zeros_like(z)])
    )
    add_line(fig, xs, ys, "x = G(z)", "#7f7f7f", width=2)
    for height, label in ((0.0, "x"), (Z_LINE, "z")):
        fig.add_hline(
            y=height,
            line=dict(color="#222", width=2),
            annotation_text=label,
            annotation_position="top right",
            annotation_font_size=FONT_SIZE + 2,
        )
    add_line(fig, x, np.exp(log_p_data), "p<sub>d</sub> (data)", P_COLOUR, dash="dot")
    add_line(fig, x, np.exp(log_p_g), "p<sub>g</sub> (generator)", Q_COLOUR)
    add_line(fig, theory.GAN_X, snapshot.d, "D(x)", D_COLOUR, dash="dash")
    add_line(
        fig,
        x,
        theory.optimal_discriminator(log_p_data, log_p_g),
        "D*(x) = p<sub>d</sub>/(p<sub>d</sub> + p<sub>g</sub>)",
        W_COLOUR,
        width=2,
    )
    fig.add_hline(y=0.5, line=dict(color="#999", dash="dot", width=1))
    fig.update_yaxes(range=[Z_LINE - 0.1, 1.25], tickvals=[0.5, 1])
    fig.update_xaxes(range=[x[0], x[-1]])
    return fig


@user_errors
def gan_frame(index: int, prior: str, width: int, seed: int):
    """Demo 4: (figure, readout) at snapshot ``index`` of the run for these settings (trained once, then replayed)."""
    index = check_whole(index, "the snapshot", 0, 40)
    prior = check_choice(prior, "the prior of z", theory.PRIORS)
    width = int(check_choice(check_whole(width, "D's hidden units", 1, 16), "D's hidden units", GAN_WIDTHS))
    run = theory.one_d_gan(prior, width, latent.check_seed(seed))
    snapshot = run[index]
    check_finite(snapshot.d, snapshot.a, snapshot.b)
    on_data = np.abs(theory.GAN_X - theory.DATA_MEAN) < 2 * theory.DATA_STD
    readout = (
        f"Step {snapshot.step} of {run[-1].step}: G(z) = {affine_text(snapshot.a, snapshot.b)} "
        f"(the data: σ_d = {theory.DATA_STD:g}, μ_d = {theory.DATA_MEAN:g}); "
        f"max |D(x) − ½| over μ_d ± 2σ_d = {np.abs(snapshot.d[on_data] - 0.5).max():.3f}"
    )
    return gan_figure(snapshot, prior), readout


def build() -> SectionParts:
    """The snapshot slider, z's prior, D's width and a seed; the figure (drawn when first opened)."""
    drawn: list = []
    gr.Markdown(GAN_NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            snapshot = gr.Slider(
                0,
                40,
                value=40,
                step=1,
                label="training progress (snapshot, 12 steps each)",
                elem_id="theory-gan-step",
            )
            prior = gr.Radio(list(theory.PRIORS), value="gaussian", label="prior of z")
            width = gr.Radio(list(GAN_WIDTHS), value=16, label="D's hidden units")
            seed = seed_box(value=GAN_SEED)
            readout = gr.Markdown("", elem_id="theory-gan-text")
        with gr.Column(scale=3):
            plot = gr.Plot(None, label="p_d, p_g, D and the map z → x", elem_id="theory-gan")
    wire(gan_frame, [snapshot, prior, width, seed], [plot, readout], "theory_gan", drawn)
    return SectionParts(opened=drawn)
