"""GAN theory, *JS vs EM*: Jensen-Shannon, KL and total variation against the Earth-Mover distance on two parallel
lines (Arjovsky et al. 2017, Example 1), with a trained discriminator and WGAN critic."""

import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from explorer import latent, theory
from explorer.plots import FONT_SIZE
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import (
    D_COLOUR,
    F_COLOUR,
    P_COLOUR,
    Q_COLOUR,
    W_COLOUR,
    add_line,
    check_finite,
    check_number,
    new_figure,
    seed_box,
    segments_xy,
    show_value,
    wire,
)

TITLE = "JS vs EM"
ID = "lines"

LINES_NOTE = """**What you are seeing.** Arjovsky et al. (2017, *Wasserstein GAN*, Example 1): P is uniform on
the segment {0} × [0, 1], Q_θ is the same segment moved to x = θ. For θ ≠ 0 their supports are disjoint and
**W(P, Q_θ) = |θ|**, **JS(P, Q_θ) = log 2**, **KL(P‖Q_θ) = KL(Q_θ‖P) = +∞**, **δ(P, Q_θ) = 1**; at θ = 0 all four
are 0. Here JS(P, Q) = ½ KL(P‖M) + ½ KL(Q‖M) with M = (P + Q)/2, so JS ≤ log 2 (without the ½ factors it would be
2 log 2). Only W is continuous in θ, with a useful gradient dW/dθ = sign θ towards the data; JS, KL and δ are flat
except for the jump at 0. *Optimal transport:* W(P, Q) = inf_{γ∈Π(P,Q)} E_{(x,y)∼γ}[‖x − y‖] for samples: the
optimal plan matches the points in order of height, and every point moves about |θ|. *Discriminator and critic:* a
discriminator D trained to separate the lines saturates (D ≈ 1 on P, ≈ 0 on Q), so the minimax generator loss
log(1 − D(G(z))) is flat at Q: no gradient. A WGAN critic f (max over 1-Lipschitz f of E_P[f] − E_Q[f]) keeps slope
≈ 1, and E_P[f] − E_Q[f] estimates W. Caveat from the slides: G changes the weights of a mapping, not θ itself; the
argument reaches G through that mapping."""
TRANSPORT_POINTS = 64


def divergences_figure(theta: float) -> go.Figure:
    """JS, total variation, W₁ and KL against θ, the current θ marked; the discontinuity at 0 drawn as such."""
    here = theory.parallel_lines_distances(theta)
    title = f"θ = {theta:+.2f}: W₁ = {here['W1']:.2f}, JS = {here['JS']:.3f}, δ = {here['TV']:.0f}"
    title += f", KL = {show_value(here['KL'])}"
    fig = new_figure(title, "θ", "distance")
    left, right = np.linspace(-1, 0, 101)[:-1], np.linspace(0, 1, 101)[1:]
    thetas = np.concatenate([left, [np.nan], right])
    values = {
        k: np.array([np.nan if np.isnan(t) else theory.parallel_lines_distances(t)[k] for t in thetas])
        for k in ("JS", "TV", "W1")
    }
    add_line(fig, thetas, values["W1"], "W₁ (Earth-Mover) = |θ|", W_COLOUR)
    add_line(fig, thetas, values["JS"], "JS = log 2 (θ ≠ 0)", "#d62728")
    add_line(fig, thetas, values["TV"], "total variation δ = 1 (θ ≠ 0)", Q_COLOUR, dash="dash")
    fig.add_trace(
        go.Scatter(  # the jumps: open circles where the curves stop, the values at 0 filled
            x=[0, 0, 0],
            y=[math.log(2), 1, 0],
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            marker=dict(
                size=13, color=["white", "white", "#d62728"], line=dict(color=["#d62728", Q_COLOUR, "#d62728"], width=3)
            ),
        )
    )
    fig.add_vline(x=theta, line=dict(color="#444", dash="dot", width=2))
    fig.add_trace(
        go.Scatter(
            x=[theta] * 3,
            y=[here["W1"], here["JS"], here["TV"]],
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            marker=dict(size=14, color=[W_COLOUR, "#d62728", Q_COLOUR], line=dict(color="#222", width=2)),
        )
    )
    kl = "KL(P‖Q<sub>θ</sub>) = ∞ ↑" if math.isinf(here["KL"]) else "KL(P‖Q<sub>θ</sub>) = 0"
    fig.add_annotation(
        x=theta,
        y=1.2,
        text=kl,
        showarrow=False,
        font=dict(size=FONT_SIZE, color="#8c564b"),
        xanchor="left" if theta < 0.4 else "right",
    )
    fig.update_yaxes(range=[-0.08, 1.3])
    fig.update_xaxes(range=[-1.05, 1.05])
    return fig


def transport_figure(plan: theory.Transport, theta: float) -> go.Figure:
    """The two samples and the optimal plan: each point of P moved to its partner in Q_θ."""
    title = f"Optimal transport of {len(plan.p)} samples: W₁ = {plan.cost:.3f} (exact |θ| = {abs(theta):.3f})"
    fig = new_figure(title, "x", "y")
    xs, ys = segments_xy(plan.p, plan.q)
    add_line(fig, xs, ys, "moves (optimal plan)", "#999999", width=2)
    for points, name, colour in ((plan.p, "P: x = 0", P_COLOUR), (plan.q, "Q<sub>θ</sub>: x = θ", Q_COLOUR)):
        fig.add_trace(
            go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", name=name, marker=dict(size=8, color=colour))
        )
    fig.update_xaxes(range=[-1.2, 1.2])
    fig.update_yaxes(range=[-0.05, 1.05])
    return fig


def critic_figure(result: theory.CriticAndDiscriminator, theta: float) -> go.Figure:
    """D and the critic f along y = ½, with the two lines marked."""
    title = f"At Q: |∂ log(1 − D)/∂x| = {result.d_gradient:.3f}, |∂f/∂x| = {result.f_gradient:.2f}"
    fig = new_figure(title, "x (along y = ½)", "value")
    add_line(fig, result.x, result.d, "D(x): sigmoid discriminator", D_COLOUR, dash="dash")
    add_line(
        fig,
        result.x,
        result.f,
        f"f(x): WGAN critic, E<sub>P</sub>f − E<sub>Q</sub>f = {result.w_estimate:.2f}",
        F_COLOUR,
    )
    for x, text, colour, side in ((0.0, "P", P_COLOUR, "top left"), (theta, "Q<sub>θ</sub>", Q_COLOUR, "top right")):
        fig.add_vline(
            x=x,
            line=dict(color=colour, width=3),
            annotation_text=text,
            annotation_position=side,
            annotation_font_size=FONT_SIZE,
        )
    fig.update_xaxes(range=[-1.5, 1.5])
    fig.update_yaxes(range=[-2.2, 2.2])
    return fig


@user_errors
def parallel_lines(theta: float, seed: int):
    """Demo 1, exact and instant: (distances against θ, transport plan)."""
    theta = check_number(theta, "θ", -1, 1)
    plan = theory.parallel_lines_transport(theta, TRANSPORT_POINTS, latent.check_seed(seed))
    return divergences_figure(theta), transport_figure(plan, theta)


@user_errors
def lines_critic(theta: float, seed: int):
    """Demo 1, trained (≈ 0.5 s): (D and the critic along the plane, readout)."""
    theta = check_number(theta, "θ", -1, 1)
    trained = theory.critic_and_discriminator(theta, latent.check_seed(seed))
    check_finite(trained.d, trained.f, trained.d_gradient, trained.f_gradient, trained.w_estimate)
    here = theory.parallel_lines_distances(theta)
    readout = (
        f"θ = {theta:+.2f}: **JS = {show_value(here['JS'])}**, **KL = {show_value(here['KL'])}**, "
        f"**δ = {here['TV']:.0f}**, "
        f"**W₁ = {here['W1']:.3f}**; the critic's estimate E_P f − E_Q f = {trained.w_estimate:.3f}. "
        f"Gradient G gets at Q: from D {trained.d_gradient:.3f}, from the critic {trained.f_gradient:.2f}."
    )
    return critic_figure(trained, theta), readout


def build() -> SectionParts:
    """θ and a seed; the distances against θ, the transport plan, D and the critic (drawn when first opened)."""
    drawn: list = []
    gr.Markdown(LINES_NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            theta = gr.Slider(-1, 1, value=0.5, step=0.01, label="θ (where Q_θ is)", elem_id="theory-theta")
            seed = seed_box()
            text = gr.Markdown("", elem_id="theory-lines-text")
        with gr.Column(scale=3):
            divergences = gr.Plot(None, label="distances against θ", elem_id="theory-divergences")
    with gr.Row():
        transport = gr.Plot(None, label="optimal transport", elem_id="theory-transport")
        critic = gr.Plot(None, label="discriminator and critic", elem_id="theory-critic")
    wire(parallel_lines, [theta, seed], [divergences, transport], "theory_lines", drawn)
    wire(lines_critic, [theta, seed], [critic, text], "theory_lines_critic", drawn)
    return SectionParts(opened=drawn)
