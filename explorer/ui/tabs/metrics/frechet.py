"""The Fréchet distance of two 1-D Gaussians: the closed form, beside the matrix formula FID uses."""

import math

import gradio as gr
import numpy as np

from explorer import plots
from explorer.metrics.fid import frechet_distance
from explorer.metrics.scores import frechet_distance_1d
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.zoo import Zoo

TITLE = "1-D Fréchet distance"
ID = "frechet"


def _signed(value: float) -> str:
    """A number for a formula: negative numbers in parentheses, (−3)."""
    return f"({value:g})".replace("-", "−") if value < 0 else f"{value:g}"


@user_errors
def frechet_1d(mu1: float, sigma1: float, mu2: float, sigma2: float):
    """d² = (μ_r − μ_g)² + (σ_r − σ_g)² for two 1-D Gaussians, beside the general (matrix) formula FID uses."""
    try:
        values = [float(v) for v in (mu1, sigma1, mu2, sigma2)]
    except (TypeError, ValueError):
        raise ValueError("μ and σ must be numbers") from None
    if not all(math.isfinite(v) for v in values) or values[1] <= 0 or values[3] <= 0:
        raise ValueError("μ must be finite numbers and σ greater than 0")
    mu1, sigma1, mu2, sigma2 = values
    closed = frechet_distance_1d(mu1, sigma1, mu2, sigma2)
    general = frechet_distance(np.array([mu1]), np.array([[sigma1**2]]), np.array([mu2]), np.array([[sigma2**2]]))
    text = (
        f"**d² = (μ_r − μ_g)² + (σ_r − σ_g)² = ({_signed(mu1)} − {_signed(mu2)})² + ({sigma1:g} − {sigma2:g})² "
        f"= {closed:.4f}**  \n"
        f"the general formula ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2(Σ_r Σ_g)^½) gives {general:.4f}"
    )
    return plots.gaussians_figure(mu1, sigma1, mu2, sigma2), text


def build(zoo: Zoo) -> SectionParts:
    """The sliders; the first view (two curves, no model; the zoo is not needed) is drawn when the section is first
    opened: the general formula's matrix root is scipy's, whose import would cost the app's start-up."""
    with gr.Row():
        with gr.Column(scale=1):
            mu1 = gr.Slider(-3, 3, value=0, step=0.1, label="μ_r (real)")
            sigma1 = gr.Slider(0.1, 3, value=1, step=0.1, label="σ_r (real)")
            mu2 = gr.Slider(-3, 3, value=1, step=0.1, label="μ_g (generated)")
            sigma2 = gr.Slider(0.1, 3, value=0.5, step=0.1, label="σ_g (generated)")
            text = gr.Markdown(elem_id="metrics-frechet-text")
        with gr.Column(scale=2):
            plot = gr.Plot(label="densities")
    render = (frechet_1d, [mu1, sigma1, mu2, sigma2], [plot, text])
    gr.on(
        [s.input for s in (mu1, sigma1, mu2, sigma2)],
        *render,
        trigger_mode="always_last",
        show_progress="hidden",
        api_name="metrics_frechet_1d",
    )
    return SectionParts(opened=[render])
