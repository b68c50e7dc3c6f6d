"""GAN lab tab: a tiny GAN on 2-D toy data, trained live, with the lecture's theory drawn over it.

The plane shows the real points, the generated points, the discriminator's output as a heat map
(its decision boundary) and arrows of −∇_x L_G on some fakes (where the generator is pushed).
Overlays: the optimal discriminator D*(x) = p_d(x) / (p_d(x) + p_g(x)) from density estimates
(Goodfellow et al. 2014, Prop. 1) and a mode-coverage counter that makes mode collapse a number.
Views (display only, computed only while shown): V(G, D*) against 2·JSD − log 4 on the grid (Thm 1),
arrows at their true length, the image of a z-grid under G, the Lipschitz panel (clipped weights,
‖∇ₓD‖ and WGAN-GP's x̂, spectral norms against svdvals) and the f-divergences of the grid densities.
Training options beyond the loss: an f-GAN objective (Nowozin et al. 2016), unrolled D steps in G's loss
(Metz et al. 2017), ProGAN's minibatch standard deviation in D, and G started on the data (then perturbed).
"""

import copy
import dataclasses
import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw
from plotly.subplots import make_subplots

from explorer import images
from explorer.data import TOY_DATASETS
from explorer.models.toy2d import ToyGANConfig
from explorer.plots import FONT_SIZE, LERP_COLOUR, SLERP_COLOUR, _layout
from explorer.ui.common import download_path, named_values, user_errors
from explorer.ui.share import Share, TabParts
from trainers import fgan
from trainers.toy2d import (
    DIVERGENCES,
    EXTENT,
    G_STARTS,
    LOSSES,
    MAX_UNROLL,
    OPTIMIZERS,
    PERTURBATION,
    ToyLab,
    ToyLabConfig,
    generator_loss_curves,
)

MAX_STEPS_PER_FRAME = 50
PRESETS: dict[str, dict] = {
    "mode collapse": dict(
        dataset="ring of 8 Gaussians",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-4,
        d_lr=1e-3,
        d_steps=3,
        steps=1500,
    ),
    "WGAN-GP fixes it": dict(
        dataset="ring of 8 Gaussians", loss="wgan-gp", optimizer="adam", g_lr=1e-3, d_lr=1e-3, d_steps=5, steps=500
    ),
    "vanishing gradients": dict(
        dataset="ring of 8 Gaussians", loss="minimax", optimizer="adam", g_lr=1e-4, d_lr=1e-3, d_steps=5, steps=300
    ),
    "optimal D": dict(
        dataset="two moons", loss="non-saturating", optimizer="adam", g_lr=1e-3, d_lr=1e-3, d_steps=1, steps=400
    ),
    "gradient variance": dict(  # a near-optimal D: the non-saturating gradient's spread grows (row 29)
        dataset="ring of 8 Gaussians",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-4,
        d_lr=1e-3,
        d_steps=10,
        steps=300,
    ),
    "where z goes": dict(  # 1-D z: p_g is G's image of a line, a curve through the moons
        dataset="two moons",
        latent_dim=1,
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-3,
        d_lr=1e-3,
        d_steps=1,
        steps=500,
    ),
    "weight clipping": dict(  # WGAN as in the paper (c = 0.01, RMSProp, lr 5e-5): weights pile up at ±c, slow
        dataset="ring of 8 Gaussians",
        loss="wgan",
        optimizer="rmsprop",
        g_lr=5e-5,
        d_lr=5e-5,
        d_steps=5,
        clip=0.01,
        steps=500,
    ),
    "spectral norm": dict(  # SNGAN's D with the non-saturating loss (on the ring this tiny 1-Lipschitz D stalls)
        dataset="two moons",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-3,
        d_lr=1e-3,
        d_steps=1,
        spectral_norm=True,
        steps=1000,
    ),
    "unrolled GAN": dict(  # G 10× faster than D, G's loss read 5 D updates ahead (Metz et al. 2017).
        # With unroll=0 the same settings cover 0–1 modes at step 400 (seeds 0–2: G hops from mode to mode);
        # unrolled 6, 6, 7 (tests/test_toylab_remedies.py)
        dataset="ring of 8 Gaussians",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-2,
        d_lr=1e-3,
        d_steps=1,
        unroll=5,
        steps=400,
    ),
    "minibatch std": dict(  # the batch's std as a feature of D (ProGAN). D's rate 10⁻² lets it learn the feature's
        # weight within the run (at 10⁻³, as in *mode collapse*, it stays too small to matter in 400 steps); seeds
        # 0–2, step 400: 6, 4, 7 modes, the same settings without the feature 3, 2, 4 (tests/test_toylab_remedies.py)
        dataset="ring of 8 Gaussians",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-3,
        d_lr=1e-2,
        d_steps=1,
        minibatch_std=True,
        steps=400,
    ),
    "f-divergences": dict(  # the f-GAN's JS row (Nowozin et al. 2016): the GAN itself, step for step; every D_f live
        dataset="two moons",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-3,
        d_lr=1e-3,
        d_steps=1,
        divergence="JS",
        steps=800,
    ),
    "G = data": dict(  # the optimum: G fitted to the data, D ≡ ½; V(G, D*) = −log 4, no push; then perturb G
        dataset="line",  # G (Gaussian z) fits a segment to V within 0.003 of −log 4 in 300 steps; the ring's 8 modes
        # need a discontinuous map, and get to −1.33 in 600
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-4,
        d_lr=1e-3,
        d_steps=1,
        g_start="data",
        steps=300,
    ),
}
VIEWS = ("true_length", "value", "z_grid", "lipschitz", "divergences")  # display switches: never restart the run
PRESET_VIEWS: dict[str, tuple[str, ...]] = {  # the views a preset turns on (the others off)
    "f-divergences": ("divergences",),
    "G = data": ("true_length", "value", "divergences"),
    "vanishing gradients": ("true_length",),
    "optimal D": ("value",),
    "WGAN-GP fixes it": ("lipschitz",),
    "where z goes": ("z_grid",),
    "weight clipping": ("lipschitz",),
    "spectral norm": ("lipschitz",),
}
NOTE = """**What you are seeing.** The minimax game min_G max_D V = E_{p_d}[log D(x)] + E_z[log(1 − D(G(z)))]
(Goodfellow et al. 2014) on 2-D data. The heat map is D (σ(logit) for the GAN losses, the critic's score for
WGAN/hinge); dark points are data, orange points are G(z); arrows show −∇_x L_G, where G's loss pushes
each fake. For a fixed G the best D is **D\\*(x) = p_d(x) / (p_d(x) + p_g(x))** (overlay, from density
estimates); at D\\* the game measures 2·JSD(p_d ‖ p_g) − log 4, and at the optimum p_g = p_d, D\\* = ½ and
V = −log 4. *Mode collapse*: G puts its mass on a few modes (counter); *vanishing gradients*: with the
minimax loss log(1 − D(G(z))) and a confident D, ∂L_G/∂logit = −D(G(z)) → 0, while the non-saturating
−log D(G(z)) keeps a gradient −(1 − D(G(z))). WGAN-GP: critic loss E[D(G(z))] − E[D(x)] + λ E[(‖∇D(x̂)‖ − 1)²].
The lower history panel's JSD is a 32² histogram plug-in estimate: above 0 even when p_g = p_d (sampling
noise), blind inside a bin; the V(G, D\\*) view computes it on the density grid instead. With the GAN (BCE) losses
the top panel also traces **V(D, G)** on D's batch and its two terms E log D(x) and E log(1 − D(G(z))): V is the
mirror image of D's loss (J_D = −V), and in the zero-sum game G's cost is that same V (J_G = −J_D)."""
VIEWS_NOTE = """**What the views show.**
- **True length**: −∇ₓL_G unscaled (1 unit of gradient = 1 unit of the plane); with the minimax loss and a
  confident D, ∂L_G/∂logit = −D(G(z)) → 0 and the arrows vanish; at p_g = p_d, D ≡ ½ gives no push at all.
- **‖∇ₓL_G‖ band** (always on): mean ± std over the batch; with a near-optimal D the non-saturating gradient
  −∇ log D(G(z)) has a large variance (Arjovsky & Bottou 2017, Thm 2.6).
- **V(G, D\\*)**: the value with D at its optimum, Σ_grid [p_d log D\\* + p_g log(1 − D\\*)]·ΔA from kernel density
  estimates, beside 2·JSD(p_d ‖ p_g) − log 4: they agree, and reach −log 4 ≈ −1.386 only at p_g = p_d
  (Goodfellow et al. 2014, Thm 1).
- **z-grid**: G applied to lines of constant z₁ and z₂ (1-D z: the curve G(z)); p_g = G pushes p(z) forward.
- **Lipschitz panel**: WGAN clips every weight to [−c, c] (most end at ±c: a crude bound on ‖D‖_L,
  Arjovsky et al. 2017); WGAN-GP adds λ·E[(‖∇D(x̂)‖ − 1)²] at x̂ = εx + (1 − ε)G(z) (green points), so
  ‖∇ₓD‖ ≈ 1 between the sets (Gulrajani et al. 2017); spectral normalisation divides each layer by its σ(W),
  estimated by one power iteration per step, σ ≈ uᵀWv, next to the exact svdvals (Miyato et al. 2018).
- **f-divergences**: every D_f(P‖Q) = ∫ q f(p/q) of the f-GAN table (Nowozin et al. 2016, Table 1) between the
  data P and G's points Q, from the same density grids: KL and Pearson χ² are ∞ while G misses a region of the data
  (q = 0 < p on the grid), reverse KL is ∞ while G puts points where there is no data, the others stay finite.
  With *f-divergence* set, D is trained on that D_f's variational bound F = E_P[g_f(V)] − E_Q[f*(g_f(V))] ≤ D_f
  (Table 2: output activation g_f, conjugate f*) and the heat map shows T = g_f(V), whose best value is f′(p/q).
- **Mode-collapse remedies** (training options, they restart the run): *unroll k* computes G's loss against D
  after k simulated, differentiable updates of D (D's own optimiser steps; D keeps its weights),
  f_K(θ_G, θ_D) = f(θ_G, θ_D^K(θ_G, θ_D)), so G sees how D would answer a collapse (Metz et al. 2017). Its preset
  makes G 10× faster than D (rates 10⁻² and 10⁻³), where G over-fits the current D: with k = 0 it hops from mode to
  mode (0–1 modes at step 400, seeds 0–2); with k = 5 it covers 6–7 (each step costs about 5 plain ones).
  *minibatch std* appends s, the standard deviation of each of D's last hidden features over the batch averaged
  over the features, to those features before D's output layer (Karras et al. 2018): a batch of alike fakes has a
  small s, so D can reject it as a whole, and G's gradient through s spreads its points. Its preset (G 10⁻³,
  D 10⁻², so that D learns the new feature's weight within the run) covers 4–7 modes at step 400 against 2–4 with
  the feature off. The *mode collapse* preset covers 1 at step 400. Read all three off the modes-covered counter.
- **G = data**: G starts fitted to the data (an optimal assignment of the fixed z to the data, then regression) and
  D ≡ ½; V(G, D\\*) sits at −log 4 and the true-length arrows are 0 (a stationary point). *Perturb G* moves every
  G(z) 0.4 up: V rises at once and, after about 20 D steps (▶ Play or Step D), the arrows come back (pointing down,
  to the data)."""


def config_from(values: dict) -> ToyLabConfig:
    model = ToyGANConfig(
        latent_dim=int(values["latent_dim"]),
        prior=values["prior"],
        g_layers=int(values["g_layers"]),
        g_width=int(values["g_width"]),
        d_layers=int(values["d_layers"]),
        d_width=int(values["d_width"]),
    )
    return ToyLabConfig(
        dataset=values["dataset"],
        n_points=int(values["n_points"]),
        noise=float(values["noise"]),
        loss=values["loss"],
        optimizer=values["optimizer"],
        g_lr=float(values["g_lr"]),
        d_lr=float(values["d_lr"]),
        d_steps=int(values["d_steps"]),
        clip=float(values["clip"]),
        gp_lambda=float(values["gp_lambda"]),
        spectral_norm=values["spectral_norm"],
        divergence=values["divergence"],
        unroll=_whole(values["unroll"], "the unrolled D steps k"),
        minibatch_std=values["minibatch_std"],
        g_start=values["g_start"],
        batch_size=int(values["batch_size"]),
        seed=int(values["seed"]),
        model=model,
    )


def _whole(value, name: str) -> int:
    """A control's whole number (a slider may send 3.0), or a ``ValueError`` naming the control."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def _views(views: dict | None) -> dict[str, bool]:
    """The display switches by name (missing = off); anything but a dict of booleans is a ``ValueError``."""
    if views is None:
        return dict.fromkeys(VIEWS, False)
    if not isinstance(views, dict) or not set(views) <= set(VIEWS):
        raise ValueError(f"views must be a dict with keys among {', '.join(VIEWS)}")
    if not all(isinstance(v, bool | np.bool_) for v in views.values()):
        raise ValueError("each view is on (True) or off (False)")
    return {name: bool(views.get(name, False)) for name in VIEWS}


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
    views = _views(views)
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
    views = _views(views)
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
    """WGAN (clipping): the critic's weights against ±c; otherwise ‖∇ₓD‖ on the plane (with x̂ for WGAN-GP)."""
    weights = lab.critic_weights()
    if lab.diverged or not np.isfinite(weights).all():
        return _plane_layout([], "the run diverged (NaN/inf): press Reset")
    if lab.config.loss == "wgan":
        c = lab.config.clip
        at_clip = float((np.abs(weights) >= 0.99 * c).mean())
        edges = [
            dict(type="line", xref="x", x0=e, x1=e, yref="paper", y0=0, y1=1, line=dict(color=LERP_COLOUR, width=3))
            for e in (-c, c)
        ]
        return _figure(
            [dict(type="histogram", x=weights, nbinsx=60, name="weights", marker=dict(color="#1f77b4"))],
            dict(
                title=dict(text=f"critic weights: {at_clip:.0%} at ±c (c = {c:g}, red)", font=dict(size=FONT_SIZE + 2)),
                font=dict(size=FONT_SIZE),
                xaxis=dict(title=dict(text="weight"), range=[-1.15 * c, 1.15 * c]),
                yaxis=dict(title=dict(text="count")),
                margin=dict(l=70, r=20, t=90, b=60),
                height=420,
                shapes=edges,
                showlegend=False,
            ),
        )
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
    title = f"‖∇ₓD‖ of the {what}: max {float(norms.max()):.2f} (1-Lipschitz: ≤ 1)"
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
            "a crude bound on D's Lipschitz constant; most weights end up at ±c (red lines)."
        )
    elif lab.config.loss == "wgan-gp":
        note = (
            "**Gradient penalty** (Gulrajani et al. 2017): λ·E[(‖∇D(x̂)‖ − 1)²] at x̂ = εx + (1 − ε)G(z), ε ~ U(0, 1) "
            "(cyan, on the segments x → G(z)) pulls ‖∇ₓD‖ to 1 between the sets."
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


CONTROL_NAMES = tuple(  # the lab's settings: ToyLabConfig's fields and its model's, by name
    [f.name for f in dataclasses.fields(ToyLabConfig) if f.name != "model"]
    + [f.name for f in dataclasses.fields(ToyGANConfig)]
)


def _config(settings: dict) -> ToyLabConfig:
    """The lab's config from its named settings (checked: a ``ValueError`` says which is wrong)."""
    if not isinstance(settings, dict):
        raise ValueError("the lab's settings must be named values (a dict)")
    missing = [name for name in CONTROL_NAMES if name not in settings]
    if missing:
        raise ValueError(f"missing lab settings: {', '.join(missing)}")
    return config_from(settings)


def _lab(settings: dict) -> ToyLab:
    return ToyLab(_config(settings))


def _current(lab: ToyLab | None, settings: dict) -> ToyLab:
    """``lab`` if it runs on these settings, else a fresh lab on them (built only then: "G = data" fits G)."""
    config = _config(settings)
    return lab if isinstance(lab, ToyLab) and lab.config == config else ToyLab(config)


@user_errors
def advance(
    lab: ToyLab | None, mode: str, steps: int, arrows: bool, optimal: bool, settings: dict, views: dict | None = None
):
    """Make ``steps`` updates (mode "both", "d" or "g"), rebuilding the lab when the settings changed; ``views``
    names the display switches that are on (``VIEWS``)."""
    views = _views(views)
    lab = _current(lab, settings)
    steps = _whole(steps, "steps per frame")
    if not 0 <= steps <= MAX_STEPS_PER_FRAME:
        raise ValueError(f"steps per frame must be between 0 and {MAX_STEPS_PER_FRAME}, got {steps}")
    if not lab.diverged:
        for i in range(steps):
            lab.measure_value = views["value"] and i == steps - 1  # the KDEs (2–3 ms): once a frame, while shown
            lab.step(mode)
            if lab.diverged:
                break
    return lab, plane_figure(lab, arrows, optimal, views=views), history_figure(lab, views=views), readout(lab)


@user_errors
def reset(arrows: bool, optimal: bool, settings: dict, views: dict | None = None):
    views = _views(views)
    lab = _lab(settings)
    lab.measure_value = views["value"]
    return lab, plane_figure(lab, arrows, optimal, views=views), history_figure(lab, views=views), readout(lab)


@user_errors
def lipschitz_panel(lab: ToyLab | None, settings: dict) -> tuple[go.Figure, str]:
    """The Lipschitz view: its figure and the spectral-norm table, for the lab (a fresh one if there is none)."""
    lab = lab if isinstance(lab, ToyLab) else _lab(settings)
    return lipschitz_figure(lab), lipschitz_note(lab) + "\n\n" + spectral_table(lab)


@user_errors
def divergence_panel(lab: ToyLab | None, settings: dict) -> str:
    """The f-divergence view: its table for the lab (a fresh one if there is none)."""
    lab = lab if isinstance(lab, ToyLab) else _lab(settings)
    return divergence_table(lab)


@user_errors
def perturb(lab: ToyLab | None, arrows: bool, optimal: bool, settings: dict, views: dict | None = None):
    """Nudge G off its place (``ToyLab.perturb_generator``: every G(z) moved 0.4 up), no step; the readout says
    how V(G, D*) moved. Arrows come from D, which has not yet seen the new G: step D to see them return."""
    views = _views(views)
    lab = _current(lab, settings)
    if lab.diverged:
        raise ValueError("the run diverged (NaN/inf): press Reset before perturbing G")
    before, _ = lab.optimal_value()
    lab.perturb_generator()
    after, _ = lab.optimal_value()
    text = (
        f"{readout(lab)} · G perturbed (G(z) moved {PERTURBATION:g} up): V(G, D*) {before:.3f} → {after:.3f} "
        "(−log 4 = −1.386); "
        "press ▶ Play (or Step D ~20 times): D learns the change and the arrows return"
    )
    return lab, plane_figure(lab, arrows, optimal, views=views), history_figure(lab, views=views), text


@user_errors
def redraw(lab: ToyLab | None, arrows: bool, optimal: bool, views: dict | None = None):
    """A display switch changed: the plane and the history again, with no step."""
    views = _views(views)
    lab = lab if isinstance(lab, ToyLab) else ToyLab(ToyLabConfig())
    return plane_figure(lab, arrows, optimal, views=views), history_figure(lab, views=views)


DEFAULT_PRESET = "mode collapse"  # what the lab opens on: its controls show this preset and the lab runs it


def initial_settings() -> dict:
    """The settings the lab opens with: the default preset's (what the controls show is what Play runs)."""
    return {k: v for k, v in preset_values(DEFAULT_PRESET).items() if k != "optimal"}


@user_errors
def select_preset(name: str, arrows: bool = True) -> dict:
    """A preset chosen: its settings, its D* overlay and view switches, and a fresh lab on them with its first
    drawing."""
    values = preset_values(name)
    optimal = values.pop("optimal")
    views = {view: view in PRESET_VIEWS.get(name, ()) for view in VIEWS}
    lab = _lab(values)
    lab.measure_value = views["value"]
    return dict(
        settings=values,
        optimal=optimal,
        views=views,
        lab=lab,
        plane=plane_figure(lab, arrows, optimal, views=views),
        history=history_figure(lab, views=views),
        readout=readout(lab),
    )


def preset_values(name: str) -> dict:
    """The lab's settings for a preset (the others at their defaults), by name, plus ``optimal`` (the D* overlay)."""
    if name not in PRESETS:
        raise gr.Error(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    defaults = dataclasses.asdict(ToyLabConfig())
    values = {**defaults, **defaults.pop("model"), **{k: v for k, v in PRESETS[name].items() if k != "steps"}}
    return {k: values[k] for k in CONTROL_NAMES} | {"optimal": name == "optimal D"}


GIF_SIZE = 320


def lab_frame(lab: ToyLab, size: int = GIF_SIZE) -> Image.Image:
    """One animation frame drawn directly (no plotting library): D as a grey map, data blue, G(z) red."""
    d_map = np.nan_to_num(lab.discriminator_map(64), nan=0.0)  # (64, 64), rows = y from −EXTENT up
    low, high = (0.0, 1.0) if lab.shows_probability else (d_map.min(), d_map.max())
    grey = (np.clip((d_map - low) / max(high - low, 1e-12), 0, 1) * 255).astype(np.uint8)[::-1]
    picture = Image.fromarray(grey).resize((size, size), Image.NEAREST).convert("RGB")
    draw = ImageDraw.Draw(picture)

    def to_pixels(points: np.ndarray) -> np.ndarray:
        return (points + EXTENT) / (2 * EXTENT) * np.array([size, -size]) + np.array([0, size])

    for points, colour in ((lab.real.numpy(), (31, 119, 180)), (lab.fake_points(), (214, 39, 40))):
        for x, y in to_pixels(points):
            draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=colour)
    draw.text((6, 6), f"step {lab.step_count}", fill=(0, 0, 0))
    return picture


@user_errors
def record_animation(lab: ToyLab | None, steps_per_frame: int, frames: int, settings: dict) -> list[str]:
    """The next ``frames`` × ``steps_per_frame`` steps as a GIF (and an MP4 where ffmpeg is available), recorded
    on a copy (the lab is unchanged)."""
    if lab is not None and not isinstance(lab, ToyLab):
        raise ValueError("the lab state is not a GAN lab; press Reset")
    lab = copy.deepcopy(lab) if lab is not None else _lab(settings)
    steps_per_frame, frames = _whole(steps_per_frame, "steps per frame"), _whole(frames, "frames")
    if not 1 <= steps_per_frame <= MAX_STEPS_PER_FRAME:
        raise ValueError(f"steps per frame must be between 1 and {MAX_STEPS_PER_FRAME}")
    if not 1 <= frames <= 200:
        raise ValueError(f"a GIF has 1 to 200 frames, got {frames}")
    pictures = [lab_frame(lab)]
    for _ in range(frames):
        for _ in range(steps_per_frame):
            lab.step()
        pictures.append(lab_frame(lab))
    path = download_path(f"gan-lab-{lab.config.loss}-{lab.config.dataset}", ".gif")
    return images.save_animation(pictures, path, duration_ms=100, bounce=False)


def build(zoo=None, previews=None) -> TabParts:
    gr.Markdown(NOTE, elem_classes=["note"])
    defaults = initial_settings()  # the controls open on the default preset, and so does the lab
    lab0 = ToyLab(config_from(defaults))
    state = gr.State(None)
    timer = gr.Timer(0.15, active=False)
    with gr.Row():
        with gr.Column(scale=1):
            preset = gr.Dropdown(
                list(PRESETS), value=DEFAULT_PRESET, label="Preset (sets every control, resets)", elem_id="toy-preset"
            )
            apply_preset = gr.Button("Reset to the preset", elem_id="toy-apply-preset")
            with gr.Row():
                narrow = dict(min_width=60)  # three to a row, even in a narrow column at presentation size
                play = gr.Button("▶ Play", variant="primary", elem_id="toy-play", **narrow)
                pause = gr.Button("⏸ Pause", elem_id="toy-pause", **narrow)
                reset_button = gr.Button("⟲ Reset", elem_id="toy-reset", **narrow)
            info = gr.Textbox(readout(lab0), label="Readout", elem_id="toy-readout")  # in view beside Play
            with gr.Row():
                step_d = gr.Button("Step D", **narrow)
                step_g = gr.Button("Step G", **narrow)
                step_both = gr.Button("Step D+G", **narrow)
            speed = gr.Slider(1, MAX_STEPS_PER_FRAME, value=10, step=1, label="Steps per frame", elem_id="toy-speed")
            arrows = gr.Checkbox(True, label="Arrows: where G is pushed (−∇L_G)")
            optimal = gr.Checkbox(False, label="Overlay the optimal D* = p_d / (p_d + p_g)")
            view_boxes = dict(  # display switches by their VIEWS name: they never restart the run
                true_length=gr.Checkbox(
                    False,
                    label="Arrows at their true length",
                    info="unscaled −∇ₓL_G; minimax: ∂L_G/∂logit = −D(G(z)) → 0, the arrows vanish",
                    elem_id="toy-true-length",
                ),
                value=gr.Checkbox(
                    False,
                    label="V(G, D*) and 2·JSD − log 4 (panel)",
                    info="V(G, D*) = −log 4 + 2·JSD(p_d ‖ p_g) (Goodfellow 2014, Thm 1), on density grids",
                    elem_id="toy-value",
                ),
                z_grid=gr.Checkbox(
                    False,
                    label="z-grid: G of a grid of z",
                    info="x = G(z) on lines of constant z₁, z₂: p_g is p(z) pushed forward by G",
                    elem_id="toy-z-grid",
                ),
                lipschitz=gr.Checkbox(
                    False,
                    label="Lipschitz panel (clip, GP, SN)",
                    info="|w| ≤ c (WGAN); λ·E[(‖∇D(x̂)‖ − 1)²] (GP); W/σ(W) (SN)",
                    elem_id="toy-lipschitz",
                ),
                divergences=gr.Checkbox(
                    False,
                    label="f-divergences of p_d and p_g (table)",
                    info="D_f(P‖Q) = ∫ q f(p/q): KL, reverse KL, χ², H², JS, TV on the density grids",
                    elem_id="toy-divergences",
                ),
            )
            with gr.Row():
                clip = gr.Number(defaults["clip"], label="WGAN clip c", minimum=0, elem_id="toy-clip", **narrow)
                spectral_norm = gr.Checkbox(
                    defaults["spectral_norm"], label="Spectral normalisation on D (restarts)", elem_id="toy-sn"
                )
            divergence = gr.Dropdown(
                list(DIVERGENCES),
                value=defaults["divergence"],
                label="f-divergence (f-GAN objective; restarts)",
                info="none = the loss's own; else D maximises E_P[g_f(V)] − E_Q[f*(g_f(V))]",
                elem_id="toy-divergence",
            )
            with gr.Row():
                unroll = gr.Slider(
                    0,
                    MAX_UNROLL,
                    value=defaults["unroll"],
                    step=1,
                    label="Unroll k D steps in G's loss (restarts)",
                    elem_id="toy-unroll",
                )
                minibatch_std = gr.Checkbox(
                    defaults["minibatch_std"], label="Minibatch std as a feature of D (restarts)", elem_id="toy-mbstd"
                )
            perturb_button = gr.Button(f"Perturb G (move G(z) {PERTURBATION:g} up)", elem_id="toy-perturb")
        with gr.Column(scale=3):
            plane = gr.Plot(plane_figure(lab0), label="The plane", elem_id="toy-plane")
        with gr.Column(scale=2):
            history = gr.Plot(history_figure(lab0), label="Over the steps", elem_id="toy-history")
    with gr.Row(visible=False) as lipschitz_row:
        with gr.Column(scale=3):
            lipschitz_plot = gr.Plot(label="Lipschitz constraint on D", elem_id="toy-lipschitz-plot")
        with gr.Column(scale=2):
            sn_table = gr.Markdown(elem_id="toy-sn-table")
    with gr.Row(visible=False) as divergence_row:
        divergence_text = gr.Markdown(elem_id="toy-divergence-table")
    with gr.Accordion("What the views show (formulas and papers)", open=False):
        gr.Markdown(VIEWS_NOTE, elem_classes=["note"])
    with gr.Accordion("Data, networks and training (changing a setting restarts the run)", open=False):
        with gr.Row():
            dataset = gr.Dropdown(list(TOY_DATASETS), value=defaults["dataset"], label="Data")
            n_points = gr.Number(defaults["n_points"], label="Points", precision=0)
            noise = gr.Slider(0.0, 0.5, value=defaults["noise"], step=0.01, label="Noise (std)")
            latent_dim = gr.Radio([1, 2], value=defaults["latent_dim"], label="z dimension")
            prior = gr.Radio(["gaussian", "uniform"], value=defaults["prior"], label="Prior")
        with gr.Row():
            g_layers = gr.Slider(1, 8, value=defaults["g_layers"], step=1, label="G layers")
            g_width = gr.Slider(2, 512, value=defaults["g_width"], step=2, label="G width")
            d_layers = gr.Slider(1, 8, value=defaults["d_layers"], step=1, label="D layers")
            d_width = gr.Slider(2, 512, value=defaults["d_width"], step=2, label="D width")
        with gr.Row():
            loss = gr.Dropdown(list(LOSSES), value=defaults["loss"], label="Loss", elem_id="toy-loss")
            optimizer = gr.Dropdown(list(OPTIMIZERS), value=defaults["optimizer"], label="Optimiser")
            g_lr = gr.Number(defaults["g_lr"], label="G learning rate")
            d_lr = gr.Number(defaults["d_lr"], label="D learning rate")
            d_steps = gr.Slider(1, 20, value=defaults["d_steps"], step=1, label="D steps per G step")
            gp_lambda = gr.Number(defaults["gp_lambda"], label="WGAN-GP λ", minimum=0)
            batch_size = gr.Number(defaults["batch_size"], label="Batch size", precision=0)
            seed = gr.Number(defaults["seed"], label="Seed", precision=0, minimum=0)
            g_start = gr.Radio(
                list(G_STARTS),
                value=defaults["g_start"],
                label="G starts (data: fitted to the data, D ≡ ½)",
                elem_id="toy-g-start",
            )
    with gr.Row():
        gif_button = gr.Button(f"Record the next 40 frames ({images.animation_formats()}, on a copy)")
        gif_file = gr.File(label="Animation", file_count="multiple", elem_id="toy-gif")
    gr.Plot(loss_curves_figure(), label="The generator's two losses")

    controls = dict(  # every setting by its ToyLabConfig name: handlers receive them named, never by position
        dataset=dataset,
        n_points=n_points,
        noise=noise,
        latent_dim=latent_dim,
        prior=prior,
        g_layers=g_layers,
        g_width=g_width,
        d_layers=d_layers,
        d_width=d_width,
        loss=loss,
        optimizer=optimizer,
        g_lr=g_lr,
        d_lr=d_lr,
        d_steps=d_steps,
        clip=clip,
        gp_lambda=gp_lambda,
        spectral_norm=spectral_norm,
        divergence=divergence,
        unroll=unroll,
        minibatch_std=minibatch_std,
        g_start=g_start,
        batch_size=batch_size,
        seed=seed,
    )
    outputs = [state, plane, history, info, lipschitz_plot, sn_table, divergence_text]
    fast = dict(concurrency_limit=None, show_progress="hidden", api_visibility="undocumented")

    def settings(values: dict) -> dict:
        return named_values(controls, values)

    def views(values: dict) -> dict:
        return named_values(view_boxes, values)

    def with_lipschitz(drawn: tuple, values: dict) -> tuple:
        """The step's four outputs, the Lipschitz panel's two and the f-divergence table, each computed only while
        it is shown."""
        lipschitz = (
            lipschitz_panel(drawn[0], settings(values)) if values[view_boxes["lipschitz"]] else (gr.skip(), gr.skip())
        )
        table = divergence_panel(drawn[0], settings(values)) if values[view_boxes["divergences"]] else gr.skip()
        return (*drawn, *lipschitz, table)

    def stepper(mode: str, steps: int | None = None):
        def run(values: dict):
            speed_value = steps or values[speed]
            drawn = advance(
                values[state], mode, speed_value, values[arrows], values[optimal], settings(values), views(values)
            )
            return with_lipschitz(drawn, values)

        return run

    step_inputs = {state, speed, arrows, optimal, *controls.values(), *view_boxes.values()}
    timer.tick(stepper("both"), step_inputs, outputs, trigger_mode="always_last", **fast)
    play.click(lambda: gr.Timer(active=True), None, timer, api_visibility="undocumented")
    pause.click(lambda: gr.Timer(active=False), None, timer, api_visibility="undocumented")
    step_d.click(stepper("d", 1), step_inputs, outputs, **fast)
    step_g.click(stepper("g", 1), step_inputs, outputs, **fast)
    step_both.click(stepper("both", 1), step_inputs, outputs, api_name="toy_step", concurrency_limit=None)

    def on_reset(values: dict):
        drawn = reset(values[arrows], values[optimal], settings(values), views(values))
        return with_lipschitz(drawn, values)

    reset_inputs = {arrows, optimal, *controls.values(), *view_boxes.values()}
    reset_button.click(on_reset, reset_inputs, outputs, api_name="toy_reset")

    def on_view(values: dict):
        plane_fig, history_fig = redraw(values[state], values[arrows], values[optimal], views(values))
        shown = values[view_boxes["lipschitz"]]
        panel = lipschitz_panel(values[state], settings(values)) if shown else (gr.skip(), gr.skip())
        table_shown = values[view_boxes["divergences"]]
        table = divergence_panel(values[state], settings(values)) if table_shown else gr.skip()
        return (plane_fig, history_fig, gr.Row(visible=shown), *panel, gr.Row(visible=table_shown), table)

    redraw_inputs = {state, arrows, optimal, *controls.values(), *view_boxes.values()}
    redraw_outputs = [plane, history, lipschitz_row, lipschitz_plot, sn_table, divergence_row, divergence_text]
    gr.on(
        [arrows.input, optimal.input, *(box.input for box in view_boxes.values())],
        on_view,
        redraw_inputs,
        redraw_outputs,
        **fast,
    )

    def on_perturb(values: dict):
        drawn = perturb(values[state], values[arrows], values[optimal], settings(values), views(values))
        return with_lipschitz(drawn, values)

    perturb_button.click(on_perturb, reset_inputs | {state}, outputs, api_name="toy_perturb", **fast)

    def on_record(values: dict):
        return record_animation(values[state], values[speed], 40, settings(values))

    gif_button.click(on_record, {state, speed, *controls.values()}, gif_file, api_visibility="undocumented")

    def on_preset(name: str, arrows_value: bool) -> dict:
        chosen = select_preset(name, arrows_value)
        shown = {state: chosen["lab"], plane: chosen["plane"], history: chosen["history"], info: chosen["readout"]}
        lipschitz = chosen["views"]["lipschitz"]
        figure, table = lipschitz_panel(chosen["lab"], chosen["settings"]) if lipschitz else (None, "")
        panel = {lipschitz_row: gr.Row(visible=lipschitz), lipschitz_plot: figure, sn_table: table}
        table_shown = chosen["views"]["divergences"]
        divergences = {
            divergence_row: gr.Row(visible=table_shown),
            divergence_text: divergence_table(chosen["lab"]) if table_shown else "",
        }
        switches = {view_boxes[k]: v for k, v in chosen["views"].items()}
        values = {controls[k]: v for k, v in chosen["settings"].items()}
        return shown | panel | divergences | switches | {optimal: chosen["optimal"]} | values

    preset_outputs = [*controls.values(), optimal, *view_boxes.values(), lipschitz_row, divergence_row, *outputs]
    gr.on(  # choosing a preset applies it: the controls and the lab never disagree
        [preset.input, apply_preset.click],
        on_preset,
        [preset, arrows],
        preset_outputs,
        api_visibility="undocumented",
    )
    # a link (or a lecture path's step) opens a preset, paused: the lecturer presses Play
    return TabParts(share=Share("toylab", dict(preset=preset), [(on_preset, [preset, arrows], preset_outputs)]))
