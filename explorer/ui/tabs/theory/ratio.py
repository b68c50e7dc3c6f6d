"""GAN theory, *Density ratio*: a classifier of p_d against p_g samples estimates log p_d/p_g (Goodfellow et al.
2014, Prop. 1)."""

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from explorer import latent, theory
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import (
    P_COLOUR,
    Q_COLOUR,
    add_line,
    check_choice,
    check_finite,
    check_number,
    check_whole,
    new_figure,
    seed_box,
    wire,
)

TITLE = "Density ratio"
ID = "ratio"

RATIO_NOTE = """**What you are seeing.** Learning by comparison: a classifier D trained to tell samples of p_d
(label 1) from equally many samples of p_g (label 0) approaches **D\\*(x) = p_d(x) / (p_d(x) + p_g(x))**, so
**D/(1 − D) ≈ p_d/p_g** (Goodfellow et al. 2014, Prop. 1). Right: log D/(1 − D) (red) against the true
log p_d(x)/p_g(x) (black). Only *samples* of p_g were used, never its density: this is how a GAN compares a
generator it cannot write a density for with the data. Far from the samples the estimate is a guess; with few
samples it is noisy. Logistic regression on (1, x, x²) holds the exact log ratio of two Gaussians; the MLP learns it."""
DATA_DENSITY = (0.0, 1.0)  # p_d = N(0, 1)


@user_errors
def density_ratio(mu_g: float, sigma_g: float, n: int, classifier: str, seed: int):
    """Demo 6: (densities with the samples, estimated vs true log ratio, readout)."""
    mu_g, sigma_g = check_number(mu_g, "μ_g", -2, 2), check_number(sigma_g, "σ_g", 0.3, 2)
    n = check_whole(n, "samples", 10, 2000)
    classifier = check_choice(classifier, "the classifier", theory.CLASSIFIERS)
    seed = latent.check_seed(seed)
    p_d, p_g = theory.gaussian(*DATA_DENSITY), theory.gaussian(mu_g, sigma_g)
    real, fake = p_d.sample(n, seed), p_g.sample(n, seed + 1)
    x = np.linspace(min(-3.0, mu_g - 3 * sigma_g), max(3.0, mu_g + 3 * sigma_g), 301)
    estimate = theory.estimated_log_ratio(real, fake, classifier, seed, x)
    check_finite(estimate)
    truth = p_d.log_prob(x) - p_g.log_prob(x)

    title = f"p<sub>d</sub> = N(0, 1), p<sub>g</sub> = N({mu_g:g}, {sigma_g:g}²): {n} samples each"
    densities = new_figure(title, "x", "density")
    for mixture, samples, name, colour, height in (
        (p_d, real, "p<sub>d</sub>", P_COLOUR, -0.03),
        (p_g, fake, "p<sub>g</sub>", Q_COLOUR, -0.07),
    ):
        add_line(densities, x, np.exp(mixture.log_prob(x)), name, colour)
        shown = samples[:300]
        densities.add_trace(
            go.Scatter(
                x=shown,
                y=np.full(len(shown), height),
                mode="markers",
                showlegend=False,
                marker=dict(symbol="line-ns-open", size=10, color=colour),
                hoverinfo="skip",
            )
        )
    ratio = new_figure("log D/(1 − D) against log p<sub>d</sub>/p<sub>g</sub>", "x", "log ratio")
    add_line(ratio, x, truth, "true log p<sub>d</sub>(x)/p<sub>g</sub>(x)", P_COLOUR)
    add_line(ratio, x, estimate, f"log D/(1 − D), {classifier}", "#d62728", dash="dash")
    low, high = float(truth.min()), float(truth.max())
    margin = 0.1 * (high - low) + 0.5
    ratio.update_yaxes(range=[max(low - margin, -12), min(high + margin, 12)])
    for fig in (densities, ratio):
        fig.update_xaxes(range=[x[0], x[-1]])
    weight = np.exp(p_d.log_prob(x)) + np.exp(p_g.log_prob(x))
    error = float(np.sum(weight * np.abs(estimate - truth)) / np.sum(weight))
    readout = f"Mean |estimate − truth| weighted by p_d + p_g: **{error:.3f}** (a perfect D gives 0)"
    return densities, ratio, readout


def build() -> SectionParts:
    """p_g's mean and spread, samples, the classifier and a seed; densities and log ratio (drawn when opened)."""
    drawn: list = []
    gr.Markdown(RATIO_NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            mu_g = gr.Slider(-2, 2, value=1, step=0.1, label="μ_g")
            sigma_g = gr.Slider(0.3, 2, value=0.6, step=0.05, label="σ_g")
            samples = gr.Slider(10, 2000, value=200, step=10, label="samples of each")
            classifier = gr.Radio(list(theory.CLASSIFIERS), value=theory.CLASSIFIERS[0], label="D")
            seed = seed_box()
            readout = gr.Markdown("", elem_id="theory-ratio-text")
        with gr.Column(scale=2):
            densities_plot = gr.Plot(None, label="the two densities", elem_id="theory-densities")
        with gr.Column(scale=2):
            ratio_plot = gr.Plot(None, label="log ratio", elem_id="theory-ratio")
    controls = [mu_g, sigma_g, samples, classifier, seed]
    wire(density_ratio, controls, [densities_plot, ratio_plot, readout], "theory_ratio", drawn)
    return SectionParts(opened=drawn)
