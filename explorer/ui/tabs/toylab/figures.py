"""The GAN lab's figures and panels, drawn from a ``ToyLab``: the plane, the history, the Lipschitz view, the
f-divergence and spectral-norm tables, the readout line and the animation's frames.

Plotly figures are built from plain dicts (``_figure``): a frame is drawn several times a second.
"""

import json
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.plots import FONT_SIZE, LERP_COLOUR, SLERP_COLOUR, _layout
from explorer.ui.tabs.toylab.presets import checked_views
from trainers import fgan
from trainers.toy2d import EXTENT, ToyLab, generator_loss_curves


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line segments start→end as one trace's x and y, separated by NaN."""
    gap = np.full(len(starts), np.nan)
    return (
        np.column_stack([starts[:, 0], ends[:, 0], gap]).ravel(),
        np.column_stack([starts[:, 1], ends[:, 1], gap]).ravel(),
    )


def plane_figure(
    lab: ToyLab, show_arrows: bool = True, show_optimal: bool = False, resolution: int = 64, views: dict | None = None
) -> go.Figure:
    """The plane: D heat map, real and fake points, G's push arrows, optional D* contours, z-grid and x̂."""
    views = checked_views(views)
    axis = np.linspace(-EXTENT, EXTENT, resolution)
    d_map = lab.discriminator_map(resolution)
    probability = lab.shows_probability
    divergence = lab.divergence
    centre = divergence.t_at_equality if divergence is not None else 0.5 if probability else 0.0
    traces = [
        dict(
            type="heatmap",
            x=axis,
            y=axis,
            z=d_map,
            colorscale="RdBu",
            zmid=centre,
            zmin=0 if probability else None,
            zmax=1 if probability else None,
            opacity=0.75,
            colorbar=dict(title=dict(text="D(x)" if probability else "T = g_f(V)" if divergence else "critic")),
            name="D",
        )
    ]
    if show_optimal:
        traces.append(
            dict(
                type="contour",
                x=axis,
                y=axis,
                z=lab.optimal_d_map(resolution),
                showscale=False,
                name="D*",
                contours=dict(coloring="lines", start=0.1, end=0.9, size=0.2, showlabels=True),
                line=dict(color="black", width=2),
            )
        )
    real = lab.real.numpy()
    fake = lab.fake_points()
    traces.append(
        dict(type="scatter", x=real[:, 0], y=real[:, 1], mode="markers", name="data", marker=dict(size=4, color="#222"))
    )
    finite = np.isfinite(fake).all(axis=1)
    traces.append(
        dict(
            type="scatter",
            x=fake[finite, 0],
            y=fake[finite, 1],
            mode="markers",
            name="G(z)",
            marker=dict(size=5, color="#ff7f0e", line=dict(color="white", width=0.5)),
        )
    )
    if views["z_grid"] and finite.all():
        _, curves = lab.z_grid()  # (curves, points, 2)
        curves = np.where(np.isfinite(curves), curves, np.nan)  # a point G sends to ±inf: a gap, not a crash
        gaps = np.full((len(curves), 1, 2), np.nan)
        line = np.concatenate([curves, gaps], axis=1).reshape(-1, 2)
        traces.append(
            dict(
                type="scatter",
                x=line[:, 0],
                y=line[:, 1],
                mode="lines",
                name="G(z-grid)",
                line=dict(color="#7b4173", width=1),
            )
        )
    if views["lipschitz"] and lab.config.loss == "wgan-gp" and finite.all():
        _, _, mixed = lab.interpolates()
        traces.append(
            dict(
                type="scatter",
                x=mixed[:, 0],
                y=mixed[:, 1],
                mode="markers",
                name="x̂ (GP)",
                marker=dict(size=5, color="#17becf", symbol="diamond"),
            )
        )
    if show_arrows and finite.all():
        points, push = lab.generator_push()
        if np.isfinite(push).all():
            norms = np.linalg.norm(push, axis=1, keepdims=True)
            # true length: 1 unit of gradient = 1 unit of the plane; else the longest arrow is 0.3 units
            scale = 1.0 if views["true_length"] else 0.3 / max(float(norms.max()), 1e-12)
            xs, ys = _segments(points, points + push * scale)
            name = "−∇L_G, true length" if views["true_length"] else "−∇L_G (G's push)"
            traces.append(
                dict(type="scatter", x=xs, y=ys, mode="lines", name=name, line=dict(color="#2ca02c", width=2))
            )
    covered = lab.coverage()
    modes = "" if covered is None else f", modes covered {covered}/{len(lab.modes)}"
    state = "  — DIVERGED (NaN/inf): press Reset" if lab.diverged else ""
    title = f"step {lab.step_count}, {objective_name(lab)}{modes}{state}"
    return _plane_layout(traces, title, height=540, legend=dict(orientation="h", y=-0.12, x=0))


def history_figure(lab: ToyLab, max_points: int = 400, views: dict | None = None) -> go.Figure:
    """D and G losses (top), the JS divergence estimate and G's gradient norm, mean ± std (middle), and with the
    "value" view V(G, D*) beside 2·JSD − log 4 (bottom) over the steps.

    Stacked axes set by hand (plotly's make_subplots costs more than the rest of a frame); at most
    ``max_points`` points per curve, evenly spread over the run.
    """
    views = checked_views(views)
    h = lab.history[:: max(1, len(lab.history) // max_points)]
    steps = [r.step for r in h]

    def values(name: str) -> list[float]:
        return [float("nan") if getattr(r, name) is None else getattr(r, name) for r in h]

    mean, std = np.array(values("g_grad_norm")), np.nan_to_num(np.array(values("g_grad_std")))
    traces = [
        dict(type="scatter", x=steps, y=values("d_loss"), name="D loss", line=dict(color=SLERP_COLOUR, width=3)),
        dict(type="scatter", x=steps, y=values("g_loss"), name="G loss", line=dict(color=LERP_COLOUR, width=3)),
    ]
    if any(r.log_d_real is not None for r in h):  # the BCE losses: V(D, G) and its two expectation terms
        real, fake = np.array(values("log_d_real")), np.array(values("log_one_minus_d_fake"))
        traces += [
            dict(
                type="scatter",
                x=steps,
                y=real + fake,
                name="V(D, G) = −J_D (= J_G, zero-sum)",
                line=dict(color="#9467bd", width=3),
            ),
            dict(type="scatter", x=steps, y=real, name="E log D(x)", line=dict(color="#9467bd", width=2, dash="dot")),
            dict(
                type="scatter",
                x=steps,
                y=fake,
                name="E log(1 − D(G(z)))",
                line=dict(color="#9467bd", width=2, dash="dash"),
            ),
        ]
    traces += [
        dict(
            type="scatter",  # the band: mean + std, then mean − std filled up to it
            x=steps,
            y=mean + std,
            yaxis="y2",
            mode="lines",
            line=dict(width=0),
            showlegend=False,
            hoverinfo="skip",
        ),
        dict(
            type="scatter",
            x=steps,
            y=np.maximum(mean - std, 0),
            yaxis="y2",
            mode="lines",
            line=dict(width=0),
            fill="tonexty",
            fillcolor="rgba(44, 160, 44, 0.25)",
            name="± std over the batch",
        ),
        dict(type="scatter", x=steps, y=mean, name="‖∇_x L_G‖ mean", yaxis="y2", line=dict(color="#2ca02c", width=2)),
        dict(
            type="scatter",
            x=steps,
            y=values("js"),
            name="JSD, histogram (biased)",
            yaxis="y2",
            line=dict(color="#333", width=3),
        ),
    ]
    dashed = dict(type="line", xref="paper", x0=0, x1=1, line=dict(dash="dash", color="#999"))
    shapes = [dashed | dict(yref="y2", y0=float(np.log(2)), y1=float(np.log(2)))]
    domains = ([0.56, 1.0], [0.0, 0.44])
    if views["value"]:
        domains = ([0.72, 1.0], [0.38, 0.64], [0.0, 0.30])
        measured = [r for r in lab.history if r.value_at_optimum is not None]  # once a frame, while shown
        measured = measured[:: max(1, len(measured) // max_points)]
        at = [r.step for r in measured]
        v = [r.value_at_optimum for r in measured]
        two_jsd = [2 * r.jsd_grid - np.log(4) for r in measured]
        traces += [
            dict(type="scatter", x=at, y=v, name="V(G, D*)", yaxis="y3", line=dict(color="#9467bd", width=4)),
            dict(
                type="scatter",
                x=at,
                y=two_jsd,
                name="2·JSD − log 4",
                yaxis="y3",
                mode="lines",
                line=dict(color="#ff7f0e", width=2, dash="dot"),
            ),
        ]
        shapes.append(
            dashed | dict(yref="y3", y0=-float(np.log(4)), y1=-float(np.log(4)), line=dict(dash="dash", color="#555"))
        )
    axes = dict(
        yaxis=dict(domain=domains[0], title=dict(text="losses")),
        yaxis2=dict(domain=domains[1], title=dict(text="‖∇L_G‖, JSD")),
    )
    if views["value"]:
        axes["yaxis3"] = dict(domain=domains[2], title=dict(text="V(G, D*)"), range=[-1.45, 0.05])
    layout = dict(
        height=(720 if views["value"] else 540) + 140,  # + the legend, under the plot: above, it covered the losses
        font=dict(size=FONT_SIZE),
        margin=dict(l=80, r=20, t=20, b=200),
        xaxis=dict(title=dict(text="step"), anchor="y3" if views["value"] else "y2"),
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0, font=dict(size=FONT_SIZE - 2)),
        shapes=shapes,
        **axes,
    )
    return _figure(traces, layout)


def lipschitz_figure(lab: ToyLab, resolution: int = 64) -> go.Figure:
    """‖∇ₓD‖ on the plane, what each Lipschitz constraint bounds (with x̂ for WGAN-GP; with weight clipping the
    share of the critic's weights at ±c in the title: clipping bounds the weights, the map shows what that does to
    ‖∇ₓD‖)."""
    weights = lab.critic_weights()
    if lab.diverged or not np.isfinite(weights).all():
        return _plane_layout([], "the run diverged (NaN/inf): press Reset")
    axis = np.linspace(-EXTENT, EXTENT, resolution)
    norms = lab.critic_gradient_map(resolution)
    gp = lab.config.loss == "wgan-gp"
    traces = [
        dict(
            type="heatmap",
            x=axis,
            y=axis,
            z=norms,
            colorscale="Viridis",
            zmin=0,
            zmax=2 if gp else None,  # GP: 1 in the middle of the scale
            colorbar=dict(title=dict(text="‖∇D‖")),
            name="‖∇ₓD‖",
        )
    ]
    what = "logit" if lab.shows_probability else "critic"
    title = f"‖∇ₓD‖ of the {what}: max {float(norms.max()):.3g} (1-Lipschitz: ≤ 1)"  # clipping's: ~10⁻⁴
    if gp:
        real, fake, mixed = lab.interpolates(32)
        xs, ys = _segments(real, fake)
        traces.append(
            dict(type="scatter", x=xs, y=ys, mode="lines", name="x → G(z)", line=dict(color="white", width=0.5))
        )
        traces.append(
            dict(
                type="scatter",
                x=mixed[:, 0],
                y=mixed[:, 1],
                mode="markers",
                name="x̂",
                marker=dict(size=6, color="#17becf"),
            )
        )
        title += f"; at x̂ {float(lab.critic_gradient_norms(mixed).mean()):.2f}"
    if lab.config.loss == "wgan":
        c = lab.config.clip
        title += f"; weights: {float((np.abs(weights) >= 0.99 * c).mean()):.0%} at ±c (c = {c:g})"
    return _plane_layout(traces, title)


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """A figure from plain dicts, unvalidated: plotly's validation of go.Scatter & co. and of each ``update_*`` cost
    10–15 ms of a frame's 20 (bench/toylab.py); these figures are built by this module only, and the tests read
    them back through the same attributes (``fig.data[0].name``, ``fig.layout.title.text``)."""
    return go.Figure(data=traces, layout=layout, _validate=False)


def _plane_layout(traces: list, title: str, **layout) -> go.Figure:
    """A figure of the plane [−EXTENT, EXTENT]² on equal axes, in ``explorer.plots._layout``'s style."""
    return _figure(
        traces,
        dict(
            title=dict(text=title, font=dict(size=FONT_SIZE + 2)),
            font=dict(size=FONT_SIZE),
            xaxis=dict(title=dict(text="x₁"), range=[-EXTENT, EXTENT]),
            yaxis=dict(title=dict(text="x₂"), range=[-EXTENT, EXTENT], scaleanchor="x", scaleratio=1),
            legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
            margin=dict(l=70, r=20, t=90, b=60),
            height=420,
        )
        | layout,
    )


def lipschitz_note(lab: ToyLab) -> str:
    """What the Lipschitz panel shows for this lab's loss (and spectral normalisation), with its paper's formula."""
    if lab.config.loss == "wgan":
        note = (
            "**Weight clipping** (Arjovsky et al. 2017): after each critic step every weight is clamped to [−c, c], "
            "a crude bound on D's Lipschitz constant (most weights end up at ±c: the share is in the title); the map "
            "is what that does to ‖∇ₓD‖, which clipping sets only through c, not at 1."
        )
    elif lab.config.loss == "wgan-gp":
        note = (
            "**Gradient penalty** (Gulrajani et al. 2017): λ·E[(‖∇D(x̂)‖ − 1)²] at x̂ = εx + (1 − ε)G(z), ε ~ U(0, 1) "
            "(cyan, on the segments x → G(z)) pulls ‖∇ₓD‖ to 1 between the sets. "
            f"λ = {lab.config.gp_lambda:g} here: the paper's toy code uses 0.1 on 2-D data, its Algorithm 1 uses 10 "
            "on images (on this ring λ = 10 covers 7, 0, 0, 7 modes after 500 steps, seeds 0–3, against 8, 7, 8, 6)."
        )
    else:
        note = (
            "**‖∇ₓD‖ of D's logit**: a 1-Lipschitz D has ‖∇ₓD‖ ≤ 1 everywhere, the constraint of the "
            "Kantorovich–Rubinstein dual W = sup over 1-Lipschitz f of E[f(x)] − E[f(G(z))]; "
            + ("spectral normalisation bounds it." if lab.config.spectral_norm else "this loss does not impose it.")
        )
    if lab.config.spectral_norm:
        note += (
            " **Spectral normalisation** (Miyato et al. 2018): each layer uses W/σ(W), σ ≈ uᵀWv after one power "
            "iteration per step (v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖), so ‖D‖_L ≤ ∏ σ(W/σ(W)) = 1."
        )
    return note


def spectral_table(lab: ToyLab) -> str:
    """Each spectrally normalised layer's σ: power iteration uᵀWv against the exact svdvals (Markdown)."""
    if not lab.config.spectral_norm:
        return "*Spectral normalisation on D is off: tick it to compare each layer's σ with the exact SVD.*"
    if lab.diverged or not np.isfinite(lab.critic_weights()).all():
        return "*The run diverged (NaN/inf): press Reset.*"
    rows = "\n".join(f"| {name} | {power:.4f} | {exact:.4f} |" for name, power, exact in lab.spectral_norms())
    return (
        "**Spectral norm of D's layers** (W_SN = W/σ(W), Miyato et al. 2018)\n\n"
        "| layer | σ, power iteration uᵀWv | σ, exact (svdvals) |\n|---|---|---|\n" + rows
    )


def loss_curves_figure() -> go.Figure:
    """G's two losses and the magnitude of their gradient w.r.t. D's logit, against D(G(z))."""
    c = generator_loss_curves()
    fig = make_subplots(rows=1, cols=2, subplot_titles=("G's loss", "|∂ loss / ∂ logit|"))
    fig.add_trace(
        go.Scatter(
            x=c["D(G(z))"], y=c["minimax log(1 − D)"], name="minimax log(1 − D)", line=dict(color=LERP_COLOUR, width=4)
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=c["D(G(z))"],
            y=c["non-saturating −log D"],
            name="non-saturating −log D",
            line=dict(color=SLERP_COLOUR, width=4),
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=c["D(G(z))"],
            y=c["|∂/∂logit| minimax"],
            name="minimax: D (→ 0 early)",
            line=dict(color=LERP_COLOUR, width=4, dash="dot"),
        ),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=c["D(G(z))"],
            y=c["|∂/∂logit| non-saturating"],
            name="non-saturating: 1 − D",
            line=dict(color=SLERP_COLOUR, width=4, dash="dot"),
        ),
        row=1,
        col=2,
    )
    fig = _layout(fig, "Why the minimax generator stalls early (D(G(z)) ≈ 0)", "D(G(z))", "")
    fig.update_xaxes(title_text="D(G(z))", row=1, col=2)
    fig.update_layout(font=dict(size=FONT_SIZE - 2))
    return fig


def objective_name(lab: ToyLab) -> str:
    """The loss as the plane's title says it: its name, the f-GAN's divergence, the remedies that are on."""
    name = lab.config.loss if lab.divergence is None else f"f-GAN {lab.config.divergence} ({lab.config.loss} G)"
    if lab.config.unroll:
        name += f", unrolled k = {lab.config.unroll}"
    if lab.config.minibatch_std:
        name += ", minibatch std"
    return name


def _show(value: float) -> str:
    return "∞" if math.isinf(value) else "—" if math.isnan(value) else f"{value:.3f}"


def divergence_table(lab: ToyLab) -> str:
    """Every f-divergence D_f(p_d ‖ p_g) of the f-GAN table on the grid densities (Markdown), with f, g_f and f*, and
    when the lab trains on one of them, its variational bound F = −(D's loss) beside it."""
    if lab.diverged or not np.isfinite(lab.fake_points()).all():
        return "*The run diverged (NaN/inf): press Reset.*"
    values = lab.divergences()
    bound = lab.last["d_loss"]
    rows = []
    for name, d in fgan.DIVERGENCES.items():
        trained = name == lab.config.divergence
        mark = " **← trained**" + (f", bound F = {-bound:.3f}" if bound is not None else "") if trained else ""
        rows.append(f"| {name}{mark} | {d.formula} | **{_show(values[name])}** | {d.g_formula} | {d.conjugate} |")
    return (
        f"**f-divergences of p_d and p_g at step {lab.step_count}** (64² density grids; D_f(P‖Q) = ∫ q f(p/q), "
        "Nowozin et al. 2016, Tables 1–2)\n\n"
        "| divergence | D_f(P‖Q) | value | g_f(v) | f*(t) |\n|---|---|---|---|---|\n" + "\n".join(rows)
    )


def readout(lab: ToyLab) -> str:
    """One line: the step and the last measurements (a number that is NaN/inf is left out, never shown)."""
    last = lab.history[-1] if lab.history else None
    if last is None:
        text = f"step 0 — {objective_name(lab)}, {lab.config.dataset}"
        if lab.measure_value:  # the value view is on: V(G, D*) of the starting G (−log 4 for "G = data")
            text += f" · V(G, D*) {lab.optimal_value()[0]:.3f} (−log 4 = −1.386)"
        return text

    def finite(*values: float | None) -> bool:
        return all(v is not None and math.isfinite(v) for v in values)

    parts = [f"step {last.step}"]
    if finite(last.js):
        parts.append(f"JSD (histogram) {last.js:.3f}")
    if last.modes_covered is not None:
        parts.append(f"modes covered {last.modes_covered}/{len(lab.modes)}")
    if finite(last.g_grad_norm, last.g_grad_std):
        parts.append(f"‖∇_x L_G‖ {last.g_grad_norm:.4f} ± {last.g_grad_std:.4f}")
    if finite(last.value_at_optimum):
        parts.append(f"V(G, D*) {last.value_at_optimum:.3f} (−log 4 = −1.386)")
    if lab.diverged:
        parts.append("DIVERGED: press Reset")
    return " · ".join(parts)


def frame_json(figures: dict[str, go.Figure], texts: list[str | None], pace: dict) -> str:
    """Play's frame as one JSON object: ``figures`` by the ``elem_id`` of the plot each goes to (each encoded as
    ``gr.Plot`` sends it), ``texts`` the frame's text outputs in order (None: keep what is shown), ``pace`` when to ask
    for the next (``budget.Pace.as_json``). The page shows it (explorer/ui/page.js ``labFrame``): the figures drawn
    into the plots already there, the texts into their boxes, the rate beside Play."""
    drawn = ",".join(f"{json.dumps(elem_id)}:{figure.to_json()}" for elem_id, figure in figures.items())
    return f'{{"figures":{{{drawn}}},"texts":{json.dumps(texts)},"pace":{json.dumps(pace)}}}'
