"""GAN theory, *Game x·y*: gradient play on the bilinear game min_x max_y x·y, simultaneous and alternating steps."""

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from explorer import theory
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import (
    add_line,
    check_choice,
    check_number,
    check_whole,
    new_figure,
    wire,
)

TITLE = "Game x·y"
ID = "game"

GAME_NOTE = """**What you are seeing.** The smallest zero-sum game, **min_x max_y V(x, y) = x·y**: x wants V
small, y wants it large. Its only equilibrium (a Nash equilibrium: neither player gains by moving alone) is (0, 0).
Gradient play with step η: *simultaneous* steps x ← x − η y, y ← y + η x (both from the old point) multiply the
distance to the equilibrium by √(1 + η²) at every step, so the iterates spiral outwards for every η > 0.
*Alternating* steps (y uses the new x) keep x² − η x y + y² constant: they circle the equilibrium on a closed orbit
for ever and never converge. GAN training is this game played with networks: oscillation, not convergence, is what
plain gradient steps do (Goodfellow 2016, NIPS tutorial §8.2)."""
GAME_RULES = ("both", *theory.RULES)
RULE_STYLES = {"simultaneous": ("#d62728", "solid"), "alternating": ("#1f77b4", "dash")}


@user_errors
def bilinear(lr: float, steps: int, x0: float, y0: float, rule: str):
    """Demo 3: (path in the (x, y) plane, distance to the equilibrium against the step, readout)."""
    lr = check_number(lr, "the learning rate η", 0.01, 1)
    steps = check_whole(steps, "steps", 1, 300)
    x0, y0 = check_number(x0, "x₀", -2, 2), check_number(y0, "y₀", -2, 2)
    rules = theory.RULES if check_choice(rule, "the update rule", GAME_RULES) == "both" else (rule,)
    paths = {r: theory.bilinear_game(x0, y0, lr, steps, r) for r in rules}
    plane = new_figure(f"Gradient play on V = x·y (η = {lr:g}, {steps} steps)", "x (minimises)", "y (maximises)", 520)
    norm = new_figure("Distance to the equilibrium", "step", "‖(x, y)‖", 520)
    t = np.arange(steps + 1)
    lines = []
    for r, path in paths.items():
        colour, dash = RULE_STYLES[r]
        add_line(
            plane, path[:, 0], path[:, 1], r, colour, dash=dash, width=3, mode="lines+markers", marker=dict(size=5)
        )
        add_line(norm, t, np.linalg.norm(path, axis=1), r, colour, dash=dash)
        lines.append(f"{r}: ‖(x, y)‖ {np.linalg.norm(path[0]):.2f} → {np.linalg.norm(path[-1]):.3g}")
    if "simultaneous" in paths:
        add_line(
            norm, t, np.hypot(x0, y0) * (1 + lr**2) ** (t / 2), "√(1 + η²)ᵗ ‖(x₀, y₀)‖", "#222", dash="dot", width=3
        )
    plane.add_trace(
        go.Scatter(
            x=[0],
            y=[0],
            mode="markers",
            name="equilibrium (0, 0)",
            marker=dict(symbol="star", size=18, color="#222"),
        )
    )
    plane.add_trace(
        go.Scatter(
            x=[x0],
            y=[y0],
            mode="markers",
            name="start",
            marker=dict(symbol="circle-open", size=16, color="#222", line=dict(width=3)),
        )
    )
    reach = max(float(np.abs(np.concatenate(list(paths.values()))).max()), 0.5) * 1.1
    plane.update_xaxes(range=[-reach, reach])
    plane.update_yaxes(range=[-reach, reach], scaleanchor="x", scaleratio=1)
    return plane, norm, "  \n".join(lines)


def build() -> SectionParts:
    """Step size, steps, start and update rule; the path and its distance to the equilibrium (drawn when opened)."""
    drawn: list = []
    gr.Markdown(GAME_NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            lr = gr.Slider(0.01, 1, value=0.2, step=0.01, label="learning rate η", elem_id="theory-lr")
            steps = gr.Slider(1, 300, value=100, step=1, label="steps")
            x0 = gr.Slider(-2, 2, value=1, step=0.1, label="x₀")
            y0 = gr.Slider(-2, 2, value=0, step=0.1, label="y₀")
            rule = gr.Radio(list(GAME_RULES), value="both", label="update rule")
            readout = gr.Markdown("", elem_id="theory-game-text")
        with gr.Column(scale=2):
            plane_plot = gr.Plot(None, label="path", elem_id="theory-game-path")
        with gr.Column(scale=2):
            norm_plot = gr.Plot(None, label="distance to the equilibrium", elem_id="theory-game-norm")
    wire(bilinear, [lr, steps, x0, y0, rule], [plane_plot, norm_plot, readout], "theory_game", drawn)
    return SectionParts(opened=drawn)
