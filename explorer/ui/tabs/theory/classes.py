"""GAN theory, *Discr. vs gen.*: logistic regression (p(y | x)) against Gaussian classes with Bayes' rule
(p(x | y) p(y)), which can also sample."""

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from explorer import latent, theory
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import (
    add_line,
    check_number,
    check_whole,
    new_figure,
    seed_box,
    wire,
)

TITLE = "Discr. vs gen."
ID = "classes"
CLASS_COLOURS = ("#1f77b4", "#d62728")

CLASSES_NOTE = """**What you are seeing.** A **discriminative** model learns p(y | x) and nothing else: logistic
regression, p(y = 1 | x) = σ(w·x + b), draws a straight boundary and cannot say where the points are. A
**generative** model learns p(x | y) p(y), here a Gaussian per class (ellipses at 1 and 2 standard deviations),
and gets the class from Bayes' rule, **p(y | x) = p(x | y) p(y) / Σ_y' p(x | y') p(y')** (right: that posterior;
its boundary p = ½ is curved because the classes have different covariances). It can also *sample*: the ✕ are new
points drawn from the fitted p(x | y). Accuracies are on 2 000 fresh points."""
VIEW = 4.5  # the plane shown, [−VIEW, VIEW]²


def _ellipse(mean: np.ndarray, covariance: np.ndarray, radius: float) -> np.ndarray:
    angles = np.linspace(0, 2 * np.pi, 97)
    return mean + radius * np.column_stack([np.cos(angles), np.sin(angles)]) @ np.linalg.cholesky(covariance).T


def _logistic_boundary(w: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The line w₀ + w₁x₁ + w₂x₂ = 0 across the view, or None when w is ≈ 0 (no boundary)."""
    t = np.linspace(-VIEW, VIEW, 2)
    if abs(w[2]) >= abs(w[1]) and abs(w[2]) > 1e-9:
        return t, -(w[0] + w[1] * t) / w[2]
    if abs(w[1]) > 1e-9:
        return -(w[0] + w[2] * t) / w[1], t
    return None


@user_errors
def discriminative_generative(separation: float, n: int, seed: int):
    """Demo 5: (points, densities and both boundaries; the Bayes posterior; readout)."""
    separation = check_number(separation, "the separation", 0, 5)
    n = check_whole(n, "points per class", 5, 300)
    seed = latent.check_seed(seed)
    x, y = theory.two_blobs(separation, n, seed)
    w = theory.fit_logistic_regression(theory.with_bias(x), y)
    model = theory.fit_gaussian_classes(x, y)
    generated, generated_labels = model.sample(12, seed + 1)
    test_x, test_y = theory.two_blobs(separation, 1000, seed + 2)
    accuracy_lr = np.mean((theory.with_bias(test_x) @ w > 0) == test_y)
    accuracy_gen = np.mean((model.posterior(test_x) > 0.5) == test_y)

    axis = np.linspace(-VIEW, VIEW, 121)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1)  # (121, 121, 2), rows = x₂
    posterior = model.posterior(grid)
    plane = new_figure("Data, fitted class densities and both boundaries", "x₁", "x₂", 560)
    posterior_fig = new_figure("Generative: p(y = 1 | x) by Bayes' rule", "x₁", "x₂", 560)
    posterior_fig.add_trace(
        go.Heatmap(
            x=axis,
            y=axis,
            z=posterior,
            zmin=0,
            zmax=1,
            colorscale="RdBu_r",
            opacity=0.8,
            colorbar=dict(title="p(y=1|x)"),
            showscale=True,
        )
    )
    for fig in (plane, posterior_fig):
        fig.add_trace(
            go.Contour(
                x=axis,
                y=axis,
                z=posterior,
                showscale=False,
                name="generative boundary p = ½",
                contours=dict(start=0.5, end=0.5, size=1, coloring="lines"),
                colorscale=[[0, "#222"], [1, "#222"]],
                line=dict(width=4),
                showlegend=fig is plane,
            )
        )
        boundary = _logistic_boundary(w)
        if boundary is not None:
            add_line(fig, *boundary, "logistic regression p = ½", "#9467bd", dash="dash", showlegend=fig is plane)
    for label, colour in enumerate(CLASS_COLOURS):
        points = x[y == label]
        plane.add_trace(
            go.Scatter(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                name=f"class {label}",
                marker=dict(size=7, color=colour, opacity=0.7),
            )
        )
        for radius in (1, 2):
            xs, ys = _ellipse(model.means[label], model.covariances[label], radius).T
            add_line(plane, xs, ys, "", colour, dash="dot", width=2, showlegend=False, hoverinfo="skip")
        new = generated[generated_labels == label]
        plane.add_trace(
            go.Scatter(
                x=new[:, 0],
                y=new[:, 1],
                mode="markers",
                name=f"sampled from p(x | y = {label})",
                marker=dict(symbol="x", size=13, color=colour, line=dict(width=1, color="#222")),
            )
        )
    for fig in (plane, posterior_fig):
        fig.update_xaxes(range=[-VIEW, VIEW])
        fig.update_yaxes(range=[-VIEW, VIEW], scaleanchor="x", scaleratio=1)
    readout = (
        f"Test accuracy: **logistic regression {100 * accuracy_lr:.1f} %**, "
        f"**Gaussian classes + Bayes {100 * accuracy_gen:.1f} %**"
    )
    return plane, posterior_fig, readout


def build() -> SectionParts:
    """Separation, points per class and a seed; both models on the plane and the posterior (drawn when opened)."""
    drawn: list = []
    gr.Markdown(CLASSES_NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            separation = gr.Slider(0, 5, value=2.5, step=0.1, label="separation of the classes")
            n = gr.Slider(5, 300, value=60, step=1, label="points per class")
            seed = seed_box()
            readout = gr.Markdown("", elem_id="theory-classes-text")
        with gr.Column(scale=2):
            plane_plot = gr.Plot(None, label="both models", elem_id="theory-classes")
        with gr.Column(scale=2):
            posterior_plot = gr.Plot(None, label="Bayes posterior", elem_id="theory-posterior")
    outputs = [plane_plot, posterior_plot, readout]
    wire(discriminative_generative, [separation, n, seed], outputs, "theory_classes", drawn)
    return SectionParts(opened=drawn)
