"""Plotly figures, sized and lettered to be read on a lecture-hall projector."""

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

FONT_SIZE = 18
LERP_COLOUR = "#d62728"
SLERP_COLOUR = "#1f77b4"
# Every figure of the app uses this template, set once as plotly's default: naming it in each layout
# re-validates it per figure (~12 ms, and ~0.2 s for the first figure of the process).
pio.templates.default = "plotly_white"


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, font=dict(size=FONT_SIZE + 2)),
        font=dict(size=FONT_SIZE),
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        margin=dict(l=70, r=20, t=90, b=60),
        height=420,
    )
    return fig


def latent_norm_figure(
    ts: np.ndarray, lerp_norms: np.ndarray, slerp_norms: np.ndarray, radius: float, t: float | None = None
) -> go.Figure:
    """‖z‖ along the lerp and slerp paths against the typical-set radius √d, with the current ``t`` marked.

    In high dimension N(0, I) puts almost all its mass near the sphere ‖z‖ = √d. The straight line
    between two samples cuts through the inside of that shell (at t = ½ its norm is ≈ √d/√2 for
    orthogonal endpoints), where the generator never saw a latent during training; the great circle
    stays on it. The radius is a legend entry, not a label on the line, which the slerp curve covers.
    """
    fig = go.Figure()
    for name, norms, colour in (
        ("linear (lerp)", lerp_norms, LERP_COLOUR),
        ("spherical (slerp)", slerp_norms, SLERP_COLOUR),
    ):
        fig.add_trace(
            go.Scatter(
                x=ts, y=norms, name=name, mode="lines+markers", line=dict(color=colour, width=4), marker=dict(size=8)
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[radius, radius],
            name=f"typical radius √d = {radius:.1f}",
            mode="lines",
            line=dict(color="#444", dash="dash", width=2),
        )
    )
    if t is not None:  # the marker is named "t": the page moves it while the slider moves (the slider shows t)
        fig.add_vline(x=float(t), line=dict(color="#111", width=2, dash="dot"), name="t")
    low = min(float(np.min(lerp_norms)), radius) * 0.9
    high = max(float(np.max(slerp_norms)), float(np.max(lerp_norms)), radius) * 1.08
    fig.update_yaxes(range=[low, high])
    fig.update_xaxes(range=[-0.02, 1.02])
    fig = _layout(fig, "", "t", "‖z‖")  # the component's label names the plot
    fig.update_layout(legend=dict(y=-0.22, yanchor="top"), margin=dict(t=40, b=120))
    return fig


CLASS_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def latent_scatter_figure(means, extent: float, kind: str) -> go.Figure:
    """Encoded test set μ(x) in the latent plane, one colour per class, with the decoded region outlined.

    ``means`` is (mu (n, 2), labels (n,), class_names) or None when the test set is not available.
    """
    fig = go.Figure()
    if means is None:
        fig.add_annotation(
            text="Fashion-MNIST test set not available: install dataset-fashion-mnist",
            showarrow=False,
            font=dict(size=FONT_SIZE),
        )
        return _layout(fig, "Encoded test set", "z₁", "z₂")
    mu, labels, class_names = means
    for label, name in enumerate(class_names):
        points = mu[labels == label]
        fig.add_trace(
            go.Scattergl(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                name=name,
                marker=dict(size=4, color=CLASS_COLOURS[label % 10], opacity=0.6),
            )
        )
    fig.add_shape(
        type="rect", x0=-extent, y0=-extent, x1=extent, y1=extent, line=dict(color="#222", dash="dash", width=2)
    )
    grid = "linear grid" if kind == "linear" else "Gaussian-quantile grid"
    reach = 1.05 * max(float(extent), float(np.percentile(np.abs(mu), 99.5)))  # the data's range, not the width
    fig.update_xaxes(range=[-reach, reach], constrain="domain")
    fig.update_yaxes(range=[-reach, reach], scaleanchor="x", scaleratio=1, constrain="domain")
    fig = _layout(fig, f"μ(x) of 10 000 test images (dashed: the decoded plane, {grid})", "z₁", "z₂")
    fig.update_layout(height=560, legend=dict(orientation="v", x=1.02, y=1, font=dict(size=FONT_SIZE - 2)))
    return fig


def truncation_curve_figure(
    thresholds: list[float], fids: list[float], diversities: list[float], feature_space: str
) -> go.Figure:
    """FID (fidelity, lower is better) and mean pairwise feature distance (variety) against the threshold."""
    from plotly.subplots import make_subplots

    labels = [("none" if t is None or t == float("inf") else f"{t:g}") for t in thresholds]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=fids,
            name="FID (lower = closer to data)",
            mode="lines+markers",
            line=dict(color=LERP_COLOUR, width=4),
            marker=dict(size=10),
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=diversities,
            name="variety: mean pairwise feature distance within a class",
            mode="lines+markers",
            line=dict(color=SLERP_COLOUR, width=4, dash="dot"),
            marker=dict(size=10),
        ),
        secondary_y=True,
    )
    fig.update_yaxes(title_text="FID", secondary_y=False)
    fig.update_yaxes(title_text="variety", secondary_y=True)
    fig.update_xaxes(type="category")
    return _layout(
        fig, f"Truncation trade-off ({feature_space})", "truncation threshold (|z| resampled beyond it)", "FID"
    )


# --- training curves (the Training tab) -----------------------------------------------------------

TRAINING_COLOURS = {"d": "#1f77b4", "g": "#d62728", "w": "#2ca02c", "fid": "#9467bd", "extra": "#ff7f0e"}


def binned(steps: list[int], values: list[float], max_points: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` (step, mean value) pairs: bin means, which also smooth noisy GAN losses."""
    x, y = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
    keep = np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) <= max_points:
        return x, y
    edges = np.linspace(0, len(x), max_points + 1).astype(int)
    return (
        np.array([x[a:b].mean() for a, b in zip(edges[:-1], edges[1:], strict=True)]),
        np.array([y[a:b].mean() for a, b in zip(edges[:-1], edges[1:], strict=True)]),
    )


def curves_figure(
    steps: list[int],
    series: dict[str, list[float]],
    title: str,
    y_title: str,
    marker_step: int | None = None,
    marker_text: str = "",
) -> go.Figure:
    """Lines of ``series`` (label → values aligned with ``steps``), binned; an optional vertical marker."""
    fig = go.Figure()
    colours = list(TRAINING_COLOURS.values())
    for i, (label, values) in enumerate(series.items()):
        x, y = binned(steps, values)
        fig.add_trace(go.Scatter(x=x, y=y, name=label, mode="lines", line=dict(width=3, color=colours[i % 5])))
    if marker_step is not None:
        fig.add_vline(x=marker_step, line=dict(color="#000", dash="dot", width=2), annotation_text=marker_text)
    return _layout(fig, title, "step", y_title)


def mark_phases(fig: go.Figure, phases: list[tuple[int, str, bool]], last_step: int) -> go.Figure:
    """A growing GAN's phases on a step axis: a dashed line and a label where each begins, fade-ins shaded."""
    for i, (step, label, fading) in enumerate(phases):
        end = phases[i + 1][0] if i + 1 < len(phases) else last_step
        if fading:
            fig.add_vrect(x0=step, x1=end, fillcolor="#ff7f0e", opacity=0.12, line_width=0)
        if i > 0:
            fig.add_vline(x=step, line=dict(color="#555", dash="dash", width=1.5))
        fig.add_annotation(
            x=step, y=1, yref="paper", text=label, showarrow=False, xanchor="left", yanchor="top", font=dict(size=14)
        )
    return fig


def fid_figure(steps: list[int], values: list[float], feature_space: str, n: int) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=values,
            name="FID",
            mode="lines+markers",
            line=dict(width=3, color=TRAINING_COLOURS["fid"]),
            marker=dict(size=10),
        )
    )
    title = f"FID ({feature_space}, {n} samples)" if n else "FID"
    return _layout(fig, title, "step", "FID (lower is better)")


def class_histogram_figure(names: tuple[str, ...], counts: list[int], step: int | None) -> go.Figure:
    """Predicted classes of the latest samples: a flat histogram is healthy, one tall bar is mode collapse."""
    fig = go.Figure(go.Bar(x=list(names), y=list(counts), marker_color=TRAINING_COLOURS["d"]))
    if counts:
        fig.add_hline(
            y=sum(counts) / len(counts),
            line=dict(color="#444", dash="dash", width=2),
            annotation_text="uniform",
            annotation_position="top right",
        )
    title = f"Mode-collapse meter: classes of the samples at step {step}" if step else "Mode-collapse meter"
    return _layout(fig, title, "", "samples")


METRIC_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def lines_figure(
    x: list,
    series: dict[str, list[float]],
    title: str,
    x_title: str,
    y_title: str,
    log_x: bool = False,
    reference: tuple[float, str] | None = None,
    y2: dict[str, list[float]] | None = None,
    y2_title: str = "",
) -> go.Figure:
    """Lines with markers (label → values over ``x``); optionally a dashed reference line and a second y axis."""
    fig = go.Figure()
    for i, (label, values) in enumerate(series.items()):
        colour = METRIC_COLOURS[i % len(METRIC_COLOURS)]
        fig.add_trace(go.Scatter(x=x, y=values, name=label, mode="lines+markers", line=dict(width=3, color=colour)))
    for i, (label, values) in enumerate((y2 or {}).items()):
        colour = METRIC_COLOURS[(len(series) + i) % len(METRIC_COLOURS)]
        line = dict(width=3, color=colour, dash="dot")
        fig.add_trace(go.Scatter(x=x, y=values, name=label, mode="lines+markers", line=line, yaxis="y2"))
    if reference is not None:
        fig.add_hline(y=reference[0], line=dict(color="#444", dash="dash", width=2), annotation_text=reference[1])
    _layout(fig, title, x_title, y_title)
    if log_x:
        fig.update_xaxes(type="log")
    if y2:
        fig.update_layout(yaxis2=dict(title=y2_title, overlaying="y", side="right"), margin=dict(r=80))
    return fig


def bars_figure(names: list[str], values: list[float], title: str, y_title: str, uniform: float | None = None):
    """One bar per name; an optional dashed line at the uniform value."""
    fig = go.Figure(go.Bar(x=list(names), y=list(values), marker_color=METRIC_COLOURS[0]))
    if uniform is not None:
        fig.add_hline(y=uniform, line=dict(color="#444", dash="dash", width=2), annotation_text="uniform")
    return _layout(fig, title, "", y_title)


def gaussians_figure(mu1: float, sigma1: float, mu2: float, sigma2: float) -> go.Figure:
    """The densities of N(μ₁, σ₁²) (real) and N(μ₂, σ₂²) (generated) over a common range."""
    low = min(mu1 - 4 * sigma1, mu2 - 4 * sigma2)
    high = max(mu1 + 4 * sigma1, mu2 + 4 * sigma2)
    x = np.linspace(low, high, 400)
    fig = go.Figure()
    for (mu, sigma), name, colour in (
        ((mu1, sigma1), "real N(μ_r, σ_r²)", 0),
        ((mu2, sigma2), "generated N(μ_g, σ_g²)", 1),
    ):
        y = np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
        fig.add_trace(go.Scatter(x=x, y=y, name=name, mode="lines", line=dict(width=4, color=METRIC_COLOURS[colour])))
    return _layout(fig, "Two 1-D Gaussians", "x", "density")
