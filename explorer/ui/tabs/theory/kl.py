"""GAN theory, *KL & likelihood*: maximum likelihood as minimum forward KL, forward against reverse KL on two
modes, EM, and a q moved by hand (where KL is infinite and JSD saturates at log 2)."""

import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from explorer import latent, theory
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import (
    FIT_COLOURS,
    P_COLOUR,
    add_line,
    check_choice,
    check_number,
    check_whole,
    new_figure,
    seed_box,
    show_value,
    wire,
)

TITLE = "KL & likelihood"
ID = "kl"

KL_NOTE = """**What you are seeing.** **KL(p‖q) = ∫ p(x) log p(x)/q(x) dx ≥ 0**, with equality iff p = q, and
in general KL(p‖q) ≠ KL(q‖p). Maximum likelihood, max_θ (1/N) Σᵢ log q_θ(xᵢ), minimises the cross-entropy of q_θ
under p_d, so as N → ∞ it minimises **KL(p_d‖q_θ)** = cross-entropy − entropy of p_d. *Forward vs reverse:* p is two
Gaussians s apart. The best single Gaussian under the forward KL(p‖q) (maximum likelihood) matches p's mean and
variance: it covers both modes and puts mass in the empty middle. Under the reverse KL(q‖p) it settles on one mode
(mode-seeking), because q is punished wherever it has mass and p has little. *EM:* maximum likelihood with a
k-component mixture, fitted by EM on 500 samples of p: two components recover p; with k = 1 the fit is the sample
mean and standard deviation (μ̂, σ̂), and the red outline is 500 new samples drawn from it — a fitted density model
generates by sampling. *Movable q:* KL(p‖q) is +∞ as soon as p has mass where q has none (q = 0 < p); KL(q‖p) when
q has mass where p has none. A uniform has bounded support; a Gaussian has mass everywhere. The Jensen–Shannon
divergence JSD = ½KL(p‖m) + ½KL(q‖m), m = (p + q)/2, stays finite: move μ_q away and it rises to **log 2 ≈ 0.693**
and stays there once the supports no longer overlap (two uniforms) — it no longer says how far apart they are."""
EM_SAMPLES = 500
GENERATE_SEED = 1  # the fitted q's own draws (the seed control draws p's samples)
SHAPE_KINDS = ("gaussian", "uniform")


def _density_range(*mixtures: theory.Mixture) -> np.ndarray:
    low = min(min(np.array(m.means) - 4 * np.array(m.stds)) for m in mixtures)
    high = max(max(np.array(m.means) + 4 * np.array(m.stds)) for m in mixtures)
    return np.linspace(low, high, 400)


def kl_fit_figure(p: theory.Mixture, fits: dict[str, theory.Mixture]) -> go.Figure:
    """p (filled) and Gaussians fitted to it, each with both KL values in the legend."""
    fig = new_figure(f"One Gaussian fitted to p (modes s = {p.means[-1] - p.means[0]:.1f} apart)", "x", "density")
    x = _density_range(p, *fits.values())
    add_line(fig, x, np.exp(p.log_prob(x)), "p (data)", P_COLOUR, fill="tozeroy", fillcolor="rgba(0,0,0,0.12)")
    for (name, q), colour, dash in zip(fits.items(), FIT_COLOURS, ("solid", "dash"), strict=True):
        forward, reverse = theory.kl_divergence(p, q), theory.kl_divergence(q, p)
        label = f"{name}: KL(p‖q) = {show_value(forward, 2)}, KL(q‖p) = {show_value(reverse, 2)}"
        add_line(fig, x, np.exp(q.log_prob(x)), label, colour, dash=dash)
    return fig


def em_figure(p: theory.Mixture, samples: np.ndarray, q: theory.Mixture, log_likelihood: float) -> go.Figure:
    k = len(q.weights)
    fig = new_figure(f"Maximum likelihood, k = {k}: mean log q(x) = {log_likelihood:.3f}", "x", "density")
    x = _density_range(p, q)
    fig.add_trace(
        go.Histogram(
            x=samples,
            histnorm="probability density",
            name=f"{len(samples)} samples of p",
            marker=dict(color="rgba(0,0,0,0.18)"),
            nbinsx=40,
        )
    )
    fig.add_trace(
        go.Histogram(
            x=q.sample(len(samples), GENERATE_SEED),
            histnorm="probability density",
            name=f"{len(samples)} samples drawn from q (generating)",
            marker=dict(color="rgba(0,0,0,0)", line=dict(color=FIT_COLOURS[0], width=2)),
            nbinsx=40,
        )
    )
    add_line(fig, x, np.exp(p.log_prob(x)), "p", P_COLOUR, dash="dot", width=3)
    fitted = f"μ̂ = {q.means[0]:.2f}, σ̂ = {q.stds[0]:.2f}: " if k == 1 else ""
    add_line(
        fig, x, np.exp(q.log_prob(x)), f"EM fit q: {fitted}KL(p‖q) = {theory.kl_divergence(p, q):.3f}", FIT_COLOURS[0]
    )
    for w, mean, std in zip(q.weights, q.means, q.stds, strict=True):
        add_line(
            fig,
            x,
            w * np.exp(theory.normal_log_pdf(x, mean, std)),
            "",
            FIT_COLOURS[0],
            dash="dot",
            width=2,
            showlegend=False,
        )
    fig.update_layout(bargap=0.02)
    return fig


@user_errors
def kl_fits(separation: float, k: int, seed: int):
    """Demo 2, top: (forward vs reverse KL fits, EM mixture fit)."""
    separation = check_number(separation, "the separation s", 0, 6)
    k = check_whole(k, "k", 1, 4)
    seed = latent.check_seed(seed)
    p = theory.bimodal(separation)
    fits = {"min KL(p‖q) = max likelihood": theory.fit_forward_kl(p), "min KL(q‖p)": theory.fit_reverse_kl(p)}
    samples = p.sample(EM_SAMPLES, seed)
    q, log_likelihood = theory.fit_mixture_em(samples, k)
    return kl_fit_figure(p, fits), em_figure(p, samples, q, log_likelihood)


@user_errors
def movable_kl(p_kind: str, q_kind: str, mu_q: float, sigma_q: float):
    """Demo 2, bottom: p fixed (mean 0, std 1), q moved by the sliders; (figure, readout)."""
    p = theory.Shape(check_choice(p_kind, "p", SHAPE_KINDS), 0.0, 1.0)
    q = theory.Shape(
        check_choice(q_kind, "q", SHAPE_KINDS), check_number(mu_q, "μ_q", -5, 5), check_number(sigma_q, "σ_q", 0.2, 3)
    )
    forward, reverse, js = theory.kl_shapes(p, q), theory.kl_shapes(q, p), theory.js_shapes(p, q)
    saturated = " = log 2: the supports do not overlap" if js >= math.log(2) - 1e-9 else ""
    readout = (
        f"**KL(p‖q) = {show_value(forward)}**, **KL(q‖p) = {show_value(reverse)}**, "
        f"**JSD = {show_value(js)}** (≤ log 2 = {math.log(2):.3f}){saturated}"
    )
    fig = new_figure(
        f"KL(p‖q) = {show_value(forward)},  KL(q‖p) = {show_value(reverse)},  JSD = {show_value(js)}", "x", "density"
    )
    x = np.union1d(np.linspace(-10, 10, 801), [v for s in (p, q) for v in s.support if math.isfinite(v)])
    for shape, name, colour, fill in (
        (p, "p", P_COLOUR, "rgba(0,0,0,0.15)"),
        (q, "q", FIT_COLOURS[0], "rgba(214,39,40,0.15)"),
    ):
        add_line(
            fig,
            x,
            shape.pdf(x),
            f"{name}: {shape.kind}, mean {shape.mean:g}, std {shape.std:g}",
            colour,
            fill="tozeroy",
            fillcolor=fill,
            line_shape="hv" if shape.kind == "uniform" else "linear",
        )
    fig.update_xaxes(range=[-8, 8])
    return fig, readout


def build() -> SectionParts:
    """The fits to two modes (separation, k, seed) above, the movable q below (drawn when first opened)."""
    drawn: list = []
    gr.Markdown(KL_NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            separation = gr.Slider(
                0, 6, value=3, step=0.1, label="separation s of p's modes", elem_id="theory-separation"
            )
            k = gr.Slider(1, 4, value=2, step=1, label="k: mixture components (EM)", elem_id="theory-k")
            seed = seed_box()
        with gr.Column(scale=2):
            fits_plot = gr.Plot(None, label="forward vs reverse KL", elem_id="theory-kl-fits")
        with gr.Column(scale=2):
            em_plot = gr.Plot(None, label="maximum likelihood by EM", elem_id="theory-em")
    wire(kl_fits, [separation, k, seed], [fits_plot, em_plot], "theory_kl_fits", drawn)
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            p_kind = gr.Radio(list(SHAPE_KINDS), value="uniform", label="p (mean 0, std 1)")
            q_kind = gr.Radio(list(SHAPE_KINDS), value="gaussian", label="q")
            mu_q = gr.Slider(-5, 5, value=0, step=0.05, label="μ_q", elem_id="theory-mu-q")
            sigma_q = gr.Slider(0.2, 3, value=1, step=0.05, label="σ_q", elem_id="theory-sigma-q")
            text = gr.Markdown("", elem_id="theory-kl-text")
        with gr.Column(scale=4):
            moved_plot = gr.Plot(None, label="movable q", elem_id="theory-kl-movable")
    wire(movable_kl, [p_kind, q_kind, mu_q, sigma_q], [moved_plot, text], "theory_kl_movable", drawn)
    return SectionParts(opened=drawn)
