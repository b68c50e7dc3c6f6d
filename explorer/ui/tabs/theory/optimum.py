"""GAN theory, *D at its optimum*: a discriminator trained to convergence on a frozen G, its V(G, D) beside
2·JSD(p_d ‖ p_g) − log 4 (Goodfellow et al. 2014, Thm. 1), and the gap as D's capacity and samples grow."""

import gradio as gr
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer import discriminator_theory as dt
from explorer import latent
from explorer.plots import FONT_SIZE, _layout
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import (
    D_COLOUR,
    LIVE,
    P_COLOUR,
    Q_COLOUR,
    add_line,
    check_choice,
    check_number,
    new_figure,
    seed_box,
    wire,
)

TITLE = "D at its optimum"
ID = "optimum"

NOTE = """**What you are seeing.** G is frozen (p_g = N(μ_g, σ_g²), green) and the data are two modes (black). D, a
one-hidden-layer MLP of the chosen width, is trained to convergence on that many samples of each, then its value
V(G, D) = E_{p_d} log D(x) + E_{p_g} log(1 − D(x)) is read **on the true densities**. The theorem: at the optimal
D\\* = p_d/(p_d + p_g) (dashed), **V(G, D\\*) = 2·JSD(p_d ‖ p_g) − log 4**, so a GAN's D loss is a JSD estimate, but
only with *enough capacity and data*. The gap 2·JSD − log 4 − V(G, D) ≥ 0 shows what each lacks: one hidden unit
cannot hold a two-sided D (p_g between the modes), and 16 samples let D overfit (its V on its own samples even
*exceeds* the optimum). *Sweep* trains D at each width and each sample size and plots the gap."""
SAMPLE_CHOICES = [str(n) for n in dt.SAMPLE_SIZES]
WIDTH_CHOICES = [str(w) for w in dt.WIDTHS]


def _settings(mu_g, sigma_g, width, n, seed) -> tuple[float, float, int, int, int]:
    mu_g, sigma_g = check_number(mu_g, "μ_g", -2, 2), check_number(sigma_g, "σ_g", 0.3, 2)
    width = int(check_choice(str(width), "D's hidden units", WIDTH_CHOICES))
    n = int(check_choice(str(n), "the samples of each", SAMPLE_CHOICES))
    return mu_g, sigma_g, width, n, latent.check_seed(seed)


@user_errors
def optimum(mu_g: float, sigma_g: float, width: str, n: str, seed: int) -> tuple[go.Figure, str]:
    """(p_d, p_g, the trained D and D*; the readout: V(G, D) beside 2·JSD − log 4 and the gap)."""
    mu_g, sigma_g, width, n, seed = _settings(mu_g, sigma_g, width, n, seed)
    result = dt.trained_optimum(mu_g, sigma_g, width, n, seed)
    p_g = dt.gaussian(mu_g, sigma_g)
    fig = new_figure(f"D trained on {n} samples of each, {width} hidden units", "x", "density · D(x)")
    add_line(fig, result.x, np.exp(dt.DATA.log_prob(result.x)), "p<sub>d</sub>", P_COLOUR)
    add_line(fig, result.x, np.exp(p_g.log_prob(result.x)), "p<sub>g</sub> (G frozen)", Q_COLOUR)
    add_line(fig, result.x, result.d_star, "D* = p<sub>d</sub>/(p<sub>d</sub> + p<sub>g</sub>)", D_COLOUR, "dash")
    add_line(fig, result.x, result.d, "trained D", "#d62728")
    fig.update_yaxes(range=[0, 1.05])
    readout = (
        f"V(G, D) of the trained D (on the densities): **{result.value:.4f}** · 2·JSD − log 4 = "
        f"2·{result.jsd:.4f} − {dt.LOG4:.4f} = **{result.target:.4f}** · **gap {result.gap:.4f} nats** "
        f"(0 only at D = D*) · V on D's own training samples: {result.value_on_samples:.4f}"
        + (
            " (above the optimum: D has learnt its samples, not the densities)"
            if result.value_on_samples > result.target
            else ""
        )
    )
    return fig, readout


@user_errors
def sweep(mu_g: float, sigma_g: float, width: str, n: str, seed: int) -> go.Figure:
    """The gap against D's width (at the chosen samples) and against the samples (at the chosen width), log axes."""
    mu_g, sigma_g, width, n, seed = _settings(mu_g, sigma_g, width, n, seed)
    gaps = dt.gap_sweeps(mu_g, sigma_g, width, n, seed)
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=(f"against D's width ({n} samples)", f"against the samples ({width} units)")
    )
    _layout(fig, "gap 2·JSD − log 4 − V(G, D) (nats)", "", "")
    fig.update_layout(height=460, margin=dict(t=100, b=70), showlegend=False, font=dict(size=FONT_SIZE))
    for col, key, label in ((1, "width", "D's hidden units"), (2, "samples", "samples of each")):
        settings, values = zip(*gaps[key], strict=True)
        fig.add_trace(
            go.Scatter(
                x=settings,
                y=np.maximum(values, 1e-4),  # a gap at the optimiser's noise floor, drawn at 10⁻⁴ on the log axis
                mode="lines+markers+text",
                text=[f"{v:.3f}" for v in values],
                textposition="top center",
                line=dict(color=D_COLOUR, width=3),
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(type="log", title_text=label, row=1, col=col)
        fig.update_yaxes(type="log", row=1, col=col)
    return fig


def build() -> SectionParts:
    """G's mean and spread, D's width, the samples and a seed: live; *Sweep* for the gap curves."""
    drawn: list = []
    gr.Markdown(NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            controls = [
                gr.Slider(-2, 2, value=0, step=0.1, label="μ_g (G frozen)"),
                gr.Slider(0.3, 2, value=1, step=0.05, label="σ_g"),
                gr.Radio(WIDTH_CHOICES, value="8", label="D's hidden units", elem_id="theory-optimum-width"),
                gr.Radio(SAMPLE_CHOICES, value="1024", label="samples of each", elem_id="theory-optimum-samples"),
                seed_box(),
            ]
            readout = gr.Markdown("", elem_id="theory-optimum-text")
            run_sweep = gr.Button("Sweep D's width and the samples (about 15 s)", elem_id="theory-optimum-sweep")
        with gr.Column(scale=2):
            plot = gr.Plot(None, label="p_d, p_g, D and D*", elem_id="theory-optimum")
    waiting = new_figure("press *Sweep* (ten fits of D)", "", "", height=200)
    gaps = gr.Plot(waiting, label="the gap against capacity and samples", elem_id="theory-optimum-gaps")
    wire(optimum, controls, [plot, readout], "theory_optimum", drawn)
    run_sweep.click(sweep, controls, gaps, api_name="theory_optimum_sweep", **LIVE)
    return SectionParts(opened=drawn)
