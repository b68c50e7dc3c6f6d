"""Plotly figures, sized and lettered to be read on a lecture-hall projector."""

import numpy as np
import plotly.graph_objects as go

FONT_SIZE = 18
LERP_COLOUR = "#d62728"
SLERP_COLOUR = "#1f77b4"


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, font=dict(size=FONT_SIZE + 2)),
        font=dict(size=FONT_SIZE),
        xaxis_title=x_title,
        yaxis_title=y_title,
        template="plotly_white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        margin=dict(l=70, r=20, t=90, b=60),
        height=420,
    )
    return fig


def latent_norm_figure(ts: np.ndarray, lerp_norms: np.ndarray, slerp_norms: np.ndarray, radius: float) -> go.Figure:
    """‖z‖ along the lerp and slerp paths against the typical-set radius √d.

    In high dimension N(0, I) puts almost all its mass near the sphere ‖z‖ = √d. The straight line
    between two samples cuts through the inside of that shell (at t = ½ its norm is ≈ √d/√2 for
    orthogonal endpoints), where the generator never saw a latent during training; the great circle
    stays on it.
    """
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=ts,
            y=lerp_norms,
            name="linear (lerp)",
            mode="lines+markers",
            line=dict(color=LERP_COLOUR, width=4),
            marker=dict(size=8),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=ts,
            y=slerp_norms,
            name="spherical (slerp)",
            mode="lines+markers",
            line=dict(color=SLERP_COLOUR, width=4),
            marker=dict(size=8),
        )
    )
    fig.add_hline(
        y=radius,
        line=dict(color="#444", dash="dash", width=2),
        annotation_text=f"typical radius √d = {radius:.1f}",
        annotation_position="bottom right",
    )
    low = min(float(np.min(lerp_norms)), radius) * 0.9
    high = max(float(np.max(slerp_norms)), float(np.max(lerp_norms)), radius) * 1.08
    fig.update_yaxes(range=[low, high])
    fig.update_xaxes(range=[-0.02, 1.02])
    return _layout(fig, "Norm of z along the path", "t", "‖z‖")
