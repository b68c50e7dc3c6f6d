"""GAN theory tab: seven small demos, each a few controls and a plot that change together.

The computations live in ``explorer.theory``; here are the handlers (values in, plotly figures and a line of
text out, a ``gr.Error`` in the user's words for bad input) and ``build``, one sub-tab per demo.
"""

import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from explorer import cycle2d, latent, theory
from explorer.plots import FONT_SIZE, _layout
from explorer.ui import share, translation
from explorer.ui.common import user_errors
from explorer.ui.share import Share, TabParts
from trainers.toy2d import generator_loss_curves

P_COLOUR, Q_COLOUR, D_COLOUR, F_COLOUR, W_COLOUR = "#222222", "#2ca02c", "#1f77b4", "#ff7f0e", "#9467bd"
FIT_COLOURS = ("#d62728", "#1f77b4")
CLASS_COLOURS = ("#1f77b4", "#d62728")
LIVE = dict(trigger_mode="always_last", show_progress="hidden", concurrency_limit=None)


# --- input checks and small helpers -----------------------------------------------------------------------------
def _number(value, name: str, low: float, high: float, whole: bool = False) -> float:
    """``value`` as a float in [low, high] (a whole number if ``whole``), or a ``ValueError`` saying what is allowed."""
    wanted = f"{name} must be a {'whole number' if whole else 'number'} from {low:g} to {high:g}"
    if value is None or isinstance(value, bool):
        raise ValueError(f"{wanted}; it is empty" if value is None else f"{wanted}, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{wanted}, got {value!r}") from None
    if not (math.isfinite(number) and low <= number <= high) or (whole and not number.is_integer()):
        raise ValueError(f"{wanted}, got {value!r}")
    return number


def _whole(value, name: str, low: int, high: int) -> int:
    return int(_number(value, name, low, high, whole=True))


def _choice(value, name: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of: {', '.join(map(str, choices))}; got {value!r}")
    return value


def _show(value: float, digits: int = 3) -> str:
    """A divergence for the screen: ∞ written as ∞, never as a huge number."""
    return "∞" if math.isinf(value) else f"{value:.{digits}f}"


def _affine(a: float, b: float) -> str:
    """G's formula for the screen: 0.49·z + 1.00, or 1.20·z − 1.00 (a real minus sign)."""
    return f"{a:.2f}·z {'−' if b < 0 else '+'} {abs(b):.2f}"


def _finite(*arrays) -> None:
    if not all(np.isfinite(np.asarray(a, dtype=float)).all() for a in arrays):
        raise ValueError("the training diverged for these settings; try another seed")


def _figure(title: str, x_title: str, y_title: str, height: int = 520) -> go.Figure:
    """The app's layout (``explorer.plots``), the legend under the plot: long labels cannot cover the title."""
    fig = _layout(go.Figure(), title, x_title, y_title)
    fig.update_layout(
        height=height,
        margin=dict(t=60, b=150),
        legend=dict(yref="container", y=0, yanchor="bottom", x=0, font=dict(size=FONT_SIZE - 2)),
    )
    return fig


def _line(fig: go.Figure, x, y, name: str, colour: str, dash: str = "solid", width: int = 4, **kwargs) -> None:
    trace = dict(x=x, y=y, name=name, mode="lines", line=dict(color=colour, width=width, dash=dash))
    fig.add_trace(go.Scatter(**(trace | kwargs)))


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of one trace drawing the segments starts[i] → ends[i] (NaN-separated)."""
    gaps = np.full(len(starts), np.nan)
    return (
        np.column_stack([starts[:, 0], ends[:, 0], gaps]).ravel(),
        np.column_stack([starts[:, 1], ends[:, 1], gaps]).ravel(),
    )


# --- 1. JS vs Earth-Mover on parallel lines ---------------------------------------------------------------------
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
    title += f", KL = {_show(here['KL'])}"
    fig = _figure(title, "θ", "distance")
    left, right = np.linspace(-1, 0, 101)[:-1], np.linspace(0, 1, 101)[1:]
    thetas = np.concatenate([left, [np.nan], right])
    values = {
        k: np.array([np.nan if np.isnan(t) else theory.parallel_lines_distances(t)[k] for t in thetas])
        for k in ("JS", "TV", "W1")
    }
    _line(fig, thetas, values["W1"], "W₁ (Earth-Mover) = |θ|", W_COLOUR)
    _line(fig, thetas, values["JS"], "JS = log 2 (θ ≠ 0)", "#d62728")
    _line(fig, thetas, values["TV"], "total variation δ = 1 (θ ≠ 0)", Q_COLOUR, dash="dash")
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
    fig = _figure(title, "x", "y")
    xs, ys = _segments(plan.p, plan.q)
    _line(fig, xs, ys, "moves (optimal plan)", "#999999", width=2)
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
    fig = _figure(title, "x (along y = ½)", "value")
    _line(fig, result.x, result.d, "D(x): sigmoid discriminator", D_COLOUR, dash="dash")
    _line(
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
    theta = _number(theta, "θ", -1, 1)
    plan = theory.parallel_lines_transport(theta, TRANSPORT_POINTS, latent.check_seed(seed))
    return divergences_figure(theta), transport_figure(plan, theta)


@user_errors
def lines_critic(theta: float, seed: int):
    """Demo 1, trained (≈ 0.5 s): (D and the critic along the plane, readout)."""
    theta = _number(theta, "θ", -1, 1)
    trained = theory.critic_and_discriminator(theta, latent.check_seed(seed))
    _finite(trained.d, trained.f, trained.d_gradient, trained.f_gradient, trained.w_estimate)
    here = theory.parallel_lines_distances(theta)
    readout = (
        f"θ = {theta:+.2f}: **JS = {_show(here['JS'])}**, **KL = {_show(here['KL'])}**, **δ = {here['TV']:.0f}**, "
        f"**W₁ = {here['W1']:.3f}**; the critic's estimate E_P f − E_Q f = {trained.w_estimate:.3f}. "
        f"Gradient G gets at Q: from D {trained.d_gradient:.3f}, from the critic {trained.f_gradient:.2f}."
    )
    return critic_figure(trained, theta), readout


# --- 2. KL, maximum likelihood and mode-seeking -----------------------------------------------------------------
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
    fig = _figure(f"One Gaussian fitted to p (modes s = {p.means[-1] - p.means[0]:.1f} apart)", "x", "density")
    x = _density_range(p, *fits.values())
    _line(fig, x, np.exp(p.log_prob(x)), "p (data)", P_COLOUR, fill="tozeroy", fillcolor="rgba(0,0,0,0.12)")
    for (name, q), colour, dash in zip(fits.items(), FIT_COLOURS, ("solid", "dash"), strict=True):
        forward, reverse = theory.kl_divergence(p, q), theory.kl_divergence(q, p)
        label = f"{name}: KL(p‖q) = {_show(forward, 2)}, KL(q‖p) = {_show(reverse, 2)}"
        _line(fig, x, np.exp(q.log_prob(x)), label, colour, dash=dash)
    return fig


def em_figure(p: theory.Mixture, samples: np.ndarray, q: theory.Mixture, log_likelihood: float) -> go.Figure:
    k = len(q.weights)
    fig = _figure(f"Maximum likelihood, k = {k}: mean log q(x) = {log_likelihood:.3f}", "x", "density")
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
    _line(fig, x, np.exp(p.log_prob(x)), "p", P_COLOUR, dash="dot", width=3)
    fitted = f"μ̂ = {q.means[0]:.2f}, σ̂ = {q.stds[0]:.2f}: " if k == 1 else ""
    _line(
        fig, x, np.exp(q.log_prob(x)), f"EM fit q: {fitted}KL(p‖q) = {theory.kl_divergence(p, q):.3f}", FIT_COLOURS[0]
    )
    for w, mean, std in zip(q.weights, q.means, q.stds, strict=True):
        _line(
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
    separation = _number(separation, "the separation s", 0, 6)
    k = _whole(k, "k", 1, 4)
    seed = latent.check_seed(seed)
    p = theory.bimodal(separation)
    fits = {"min KL(p‖q) = max likelihood": theory.fit_forward_kl(p), "min KL(q‖p)": theory.fit_reverse_kl(p)}
    samples = p.sample(EM_SAMPLES, seed)
    q, log_likelihood = theory.fit_mixture_em(samples, k)
    return kl_fit_figure(p, fits), em_figure(p, samples, q, log_likelihood)


@user_errors
def movable_kl(p_kind: str, q_kind: str, mu_q: float, sigma_q: float):
    """Demo 2, bottom: p fixed (mean 0, std 1), q moved by the sliders; (figure, readout)."""
    p = theory.Shape(_choice(p_kind, "p", SHAPE_KINDS), 0.0, 1.0)
    q = theory.Shape(_choice(q_kind, "q", SHAPE_KINDS), _number(mu_q, "μ_q", -5, 5), _number(sigma_q, "σ_q", 0.2, 3))
    forward, reverse, js = theory.kl_shapes(p, q), theory.kl_shapes(q, p), theory.js_shapes(p, q)
    saturated = " = log 2: the supports do not overlap" if js >= math.log(2) - 1e-9 else ""
    readout = (
        f"**KL(p‖q) = {_show(forward)}**, **KL(q‖p) = {_show(reverse)}**, "
        f"**JSD = {_show(js)}** (≤ log 2 = {math.log(2):.3f}){saturated}"
    )
    fig = _figure(f"KL(p‖q) = {_show(forward)},  KL(q‖p) = {_show(reverse)},  JSD = {_show(js)}", "x", "density")
    x = np.union1d(np.linspace(-10, 10, 801), [v for s in (p, q) for v in s.support if math.isfinite(v)])
    for shape, name, colour, fill in (
        (p, "p", P_COLOUR, "rgba(0,0,0,0.15)"),
        (q, "q", FIT_COLOURS[0], "rgba(214,39,40,0.15)"),
    ):
        _line(
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


# --- 3. The game itself -----------------------------------------------------------------------------------------
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
    lr = _number(lr, "the learning rate η", 0.01, 1)
    steps = _whole(steps, "steps", 1, 300)
    x0, y0 = _number(x0, "x₀", -2, 2), _number(y0, "y₀", -2, 2)
    rules = theory.RULES if _choice(rule, "the update rule", GAME_RULES) == "both" else (rule,)
    paths = {r: theory.bilinear_game(x0, y0, lr, steps, r) for r in rules}
    plane = _figure(f"Gradient play on V = x·y (η = {lr:g}, {steps} steps)", "x (minimises)", "y (maximises)", 520)
    norm = _figure("Distance to the equilibrium", "step", "‖(x, y)‖", 520)
    t = np.arange(steps + 1)
    lines = []
    for r, path in paths.items():
        colour, dash = RULE_STYLES[r]
        _line(plane, path[:, 0], path[:, 1], r, colour, dash=dash, width=3, mode="lines+markers", marker=dict(size=5))
        _line(norm, t, np.linalg.norm(path, axis=1), r, colour, dash=dash)
        lines.append(f"{r}: ‖(x, y)‖ {np.linalg.norm(path[0]):.2f} → {np.linalg.norm(path[-1]):.3g}")
    if "simultaneous" in paths:
        _line(norm, t, np.hypot(x0, y0) * (1 + lr**2) ** (t / 2), "√(1 + η²)ᵗ ‖(x₀, y₀)‖", "#222", dash="dot", width=3)
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


# --- 4. The 1-D picture -----------------------------------------------------------------------------------------
GAN_NOTE = f"""**What you are seeing.** Goodfellow et al. (2014), Figure 1, replayed from a real training run:
the data p_d = N({theory.DATA_MEAN:g}, {theory.DATA_STD:g}²) (black, dotted), the generator's distribution p_g (green)
and the discriminator D (blue, dashed). The lines below show the mapping x = G(z) = a·z + b from the z line (values
of z at equal steps of probability) up to the x line: where they bunch up, p_g is high. Each step, D ascends
E_{{x∼p_d}}[log D(x)] + E_{{z∼p_z}}[log(1 − D(G(z)))] and G descends −E_z[log D(G(z))] (the non-saturating loss the
paper recommends). For a fixed G the best discriminator is **D\\*(x) = p_d(x) / (p_d(x) + p_g(x))** (thin line,
Prop. 1); when p_g = p_d, D\\* = ½ everywhere: the *discriminator* can no longer tell, panel (d). Try z uniform: G(z)
is then uniform and cannot become Gaussian. Try 1 hidden unit: D is monotone, cannot see a spread, and sits at ½
while p_g is far from p_d: the theory assumes a D of unlimited capacity."""
GAN_WIDTHS = (1, 2, 4, 16)
GAN_SEED = 5
MAPPING_LINES = 15
Z_LINE = -0.45  # height of the z axis under the x axis


def gan_figure(snapshot: theory.GanSnapshot, prior: str) -> go.Figure:
    """Goodfellow et al. 2014, Fig. 1: p_d, p_g, D, D*, and the z → x mapping."""
    x = np.linspace(theory.GAN_X[0], theory.GAN_X[-1], 701)
    log_p_data = theory.normal_log_pdf(x, theory.DATA_MEAN, theory.DATA_STD)
    log_p_g = theory.generator_log_density(x, snapshot.a, snapshot.b, prior)
    fig = _figure(f"Step {snapshot.step}: G(z) = {_affine(snapshot.a, snapshot.b)}", "", "", 560)
    z = theory.prior_quantiles(MAPPING_LINES, prior)
    xs, ys = _segments(
        np.column_stack([z, np.full_like(z, Z_LINE)]), np.column_stack([snapshot.a * z + snapshot.b, np.zeros_like(z)])
    )
    _line(fig, xs, ys, "x = G(z)", "#7f7f7f", width=2)
    for height, label in ((0.0, "x"), (Z_LINE, "z")):
        fig.add_hline(
            y=height,
            line=dict(color="#222", width=2),
            annotation_text=label,
            annotation_position="top right",
            annotation_font_size=FONT_SIZE + 2,
        )
    _line(fig, x, np.exp(log_p_data), "p<sub>d</sub> (data)", P_COLOUR, dash="dot")
    _line(fig, x, np.exp(log_p_g), "p<sub>g</sub> (generator)", Q_COLOUR)
    _line(fig, theory.GAN_X, snapshot.d, "D(x)", D_COLOUR, dash="dash")
    _line(
        fig,
        x,
        theory.optimal_discriminator(log_p_data, log_p_g),
        "D*(x) = p<sub>d</sub>/(p<sub>d</sub> + p<sub>g</sub>)",
        W_COLOUR,
        width=2,
    )
    fig.add_hline(y=0.5, line=dict(color="#999", dash="dot", width=1))
    fig.update_yaxes(range=[Z_LINE - 0.1, 1.25], tickvals=[0.5, 1])
    fig.update_xaxes(range=[x[0], x[-1]])
    return fig


@user_errors
def gan_frame(index: int, prior: str, width: int, seed: int):
    """Demo 4: (figure, readout) at snapshot ``index`` of the run for these settings (trained once, then replayed)."""
    index = _whole(index, "the snapshot", 0, 40)
    prior = _choice(prior, "the prior of z", theory.PRIORS)
    width = int(_choice(_whole(width, "D's hidden units", 1, 16), "D's hidden units", GAN_WIDTHS))
    run = theory.one_d_gan(prior, width, latent.check_seed(seed))
    snapshot = run[index]
    _finite(snapshot.d, snapshot.a, snapshot.b)
    on_data = np.abs(theory.GAN_X - theory.DATA_MEAN) < 2 * theory.DATA_STD
    readout = (
        f"Step {snapshot.step} of {run[-1].step}: G(z) = {_affine(snapshot.a, snapshot.b)} "
        f"(the data: σ_d = {theory.DATA_STD:g}, μ_d = {theory.DATA_MEAN:g}); "
        f"max |D(x) − ½| over μ_d ± 2σ_d = {np.abs(snapshot.d[on_data] - 0.5).max():.3f}"
    )
    return gan_figure(snapshot, prior), readout


# --- 5. Discriminative vs generative ----------------------------------------------------------------------------
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
    separation = _number(separation, "the separation", 0, 5)
    n = _whole(n, "points per class", 5, 300)
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
    plane = _figure("Data, fitted class densities and both boundaries", "x₁", "x₂", 560)
    posterior_fig = _figure("Generative: p(y = 1 | x) by Bayes' rule", "x₁", "x₂", 560)
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
            _line(fig, *boundary, "logistic regression p = ½", "#9467bd", dash="dash", showlegend=fig is plane)
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
            _line(plane, xs, ys, "", colour, dash="dot", width=2, showlegend=False, hoverinfo="skip")
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


# --- 6. D as a density-ratio estimator --------------------------------------------------------------------------
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
    mu_g, sigma_g = _number(mu_g, "μ_g", -2, 2), _number(sigma_g, "σ_g", 0.3, 2)
    n = _whole(n, "samples", 10, 2000)
    classifier = _choice(classifier, "the classifier", theory.CLASSIFIERS)
    seed = latent.check_seed(seed)
    p_d, p_g = theory.gaussian(*DATA_DENSITY), theory.gaussian(mu_g, sigma_g)
    real, fake = p_d.sample(n, seed), p_g.sample(n, seed + 1)
    x = np.linspace(min(-3.0, mu_g - 3 * sigma_g), max(3.0, mu_g + 3 * sigma_g), 301)
    estimate = theory.estimated_log_ratio(real, fake, classifier, seed, x)
    _finite(estimate)
    truth = p_d.log_prob(x) - p_g.log_prob(x)

    title = f"p<sub>d</sub> = N(0, 1), p<sub>g</sub> = N({mu_g:g}, {sigma_g:g}²): {n} samples each"
    densities = _figure(title, "x", "density")
    for mixture, samples, name, colour, height in (
        (p_d, real, "p<sub>d</sub>", P_COLOUR, -0.03),
        (p_g, fake, "p<sub>g</sub>", Q_COLOUR, -0.07),
    ):
        _line(densities, x, np.exp(mixture.log_prob(x)), name, colour)
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
    ratio = _figure("log D/(1 − D) against log p<sub>d</sub>/p<sub>g</sub>", "x", "log ratio")
    _line(ratio, x, truth, "true log p<sub>d</sub>(x)/p<sub>g</sub>(x)", P_COLOUR)
    _line(ratio, x, estimate, f"log D/(1 − D), {classifier}", "#d62728", dash="dash")
    low, high = float(truth.min()), float(truth.max())
    margin = 0.1 * (high - low) + 0.5
    ratio.update_yaxes(range=[max(low - margin, -12), min(high + margin, 12)])
    for fig in (densities, ratio):
        fig.update_xaxes(range=[x[0], x[-1]])
    weight = np.exp(p_d.log_prob(x)) + np.exp(p_g.log_prob(x))
    error = float(np.sum(weight * np.abs(estimate - truth)) / np.sum(weight))
    readout = f"Mean |estimate − truth| weighted by p_d + p_g: **{error:.3f}** (a perfect D gives 0)"
    return densities, ratio, readout


# --- 7. Adversarial loss against L2 on a bimodal target ---------------------------------------------------------
BIMODAL_NOTE = """**What you are seeing.** Every x has two right answers, **y = +f(x) or y = −f(x)** (grey points,
f(x) = 0.5 + 0.5·x²). The same small network trained two ways: with the **L2 loss** E(y − ŷ(x))² (red) it learns
the conditional mean E[y | x] = 0, a curve *between* the branches where no data lies (a blurry average, in images);
as the generator of a **conditional GAN** (Mirza & Osindero 2014), y = G(x, z) with z ~ N(0, 1), trained against a
discriminator D(x, y) that scores whether (x, y) looks like the data (orange), it picks one branch or the other:
the adversarial loss is a *learned* distance, and the mean of two right answers is not one of them (Goodfellow 2016,
§3.2; Isola et al. 2017, §3). Both train on the same 512 points for 600 steps (a few seconds on the CPU).
**pix2pix** (Isola et al. 2017) trains G(x, z) with the cGAN loss **plus λ·E|y − G(x, z)|**, where D judges (x, y)
pairs: set λ_L1 > 0 and the samples stay sharp (L1's best answer for two equally likely branches is either one, not
their mean) but G settles on one branch for every z: it learns to ignore its noise, as the paper reports (§2.2)."""
BIMODAL_Z_PER_X = 12  # theory.bimodal_fits draws 12 z for each of 41 conditions
BIMODAL_COLOURS = dict(data="#999999", l2="#d62728", gan="#ff7f0e", branch="#222222")


def bimodal_figure(fits: theory.BimodalFits | None, x: np.ndarray, y: np.ndarray) -> go.Figure:
    """The data, the branches ±f(x), and (once trained) the L2 fit and the cGAN's samples."""
    fig = _figure("y = ±f(x): L2 regression against a conditional GAN", "x (the condition)", "y")
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name="data", marker=dict(size=4, color=BIMODAL_COLOURS["data"])))
    grid = np.linspace(-1, 1, 101)
    branch = theory.bimodal_branch(grid)
    _line(
        fig,
        np.concatenate([grid, [np.nan], grid]),
        np.concatenate([branch, [np.nan], -branch]),
        "±f(x), the two answers",
        BIMODAL_COLOURS["branch"],
        dash="dot",
        width=2,
    )
    if fits is not None:
        _line(fig, fits.grid, fits.l2, "L2 regression ŷ(x) ≈ E[y | x]", BIMODAL_COLOURS["l2"])
        fig.add_trace(
            go.Scatter(
                x=fits.sample_x,
                y=fits.sample_y,
                mode="markers",
                name="conditional GAN: G(x, z), 12 z per x",
                marker=dict(size=7, color=BIMODAL_COLOURS["gan"], symbol="diamond"),
            )
        )
    fig.update_yaxes(range=[-1.3, 1.3])
    fig.update_xaxes(range=[-1.05, 1.05])
    return fig


def bimodal_data_only(seed: int = 0):
    """The section before training: the data and the branches, and what the button does."""
    seed = latent.check_seed(seed)
    x, y = theory.bimodal_data(512, seed)
    return bimodal_figure(None, x, y), "*Press **Train both** to fit the L2 regressor and the conditional GAN.*"


L1_CHOICES = ("0", "1", "10", "100")  # pix2pix's λ (the paper uses 100 on images)


@user_errors
def bimodal(seed: int, l1="0"):
    """Demo 7: (figure, readout) after training both models for this seed and pix2pix weight λ_L1 (cached)."""
    seed = latent.check_seed(seed)
    if isinstance(l1, int | float) and not isinstance(l1, bool):
        l1 = f"{l1:g}"
    lam = float(_choice(l1, "λ_L1", L1_CHOICES))
    fits = theory.bimodal_fits(seed, l1=lam)
    _finite(fits.l2, fits.sample_y)
    l2_share, _ = theory.on_a_branch(fits.grid, fits.l2)
    gan_share, upper = theory.on_a_branch(fits.sample_x, fits.sample_y)
    spread = float(fits.sample_y.reshape(-1, BIMODAL_Z_PER_X).std(axis=1).mean())
    readout = (
        f"Within 0.15 of a branch: L2 fit **{l2_share:.0%}** of x (largest |ŷ| {np.abs(fits.l2).max():.2f}, "
        f"the branches are ≥ 0.5 from 0); conditional GAN{f' + {lam:g}·L1' if lam else ''} **{gan_share:.0%}** of "
        f"its samples, {upper:.0%} of them on the upper branch and {1 - upper:.0%} on the lower; spread over z at one "
        f"x: **{spread:.2f}**"
    )
    if lam and spread < 0.1:
        readout += " — one answer for every z: G has learned to ignore its noise (Isola et al. 2017, §2.2)."
    return bimodal_figure(fits, fits.x, fits.y), readout


# --- Where z lives: ‖z‖ in d dimensions ---------------------------------------------------------------------
Z_NOTE = """**What you are seeing.** GANs draw **z ~ N(0, I_d)**: in d dimensions almost every draw has
**‖z‖ ≈ √d** (a thin shell; its relative spread is about 1/√(2d)), not near 0 where the density is highest. A uniform
z ~ U[−1, 1]^d behaves differently: its norms sit near √(d/3), inside a cube whose corners stick out. The midpoint
of a straight line between two Gaussian z has ‖z‖ ≈ √(d/2): inside the shell, where the generator never saw a z
in training. That is why the Interpolation tab offers slerp (DCGAN; White 2016, arXiv:1609.04468). Move d from 1
to 512 and watch the shells separate."""
Z_COLOURS = {"gaussian": "#1f77b4", "uniform": "#2ca02c", "lerp midpoint": "#d62728"}
Z_SAMPLES = 4000


def _z_radius(kind: str, d: int) -> float:
    return math.sqrt(d) if kind == "gaussian" else math.sqrt(d / 3) if kind == "uniform" else math.sqrt(d / 2)


@user_errors
def latent_shells(d: int, seed: int):
    """(histograms of ‖z‖ for Gaussian, uniform and lerp-midpoint z in d dimensions, readout)."""
    d = _whole(d, "d", 1, 1024)
    norms = theory.latent_norms(d, Z_SAMPLES, latent.check_seed(seed))
    fig = _figure(f"‖z‖ of {Z_SAMPLES} draws in d = {d} dimensions", "‖z‖", "density")
    radii = {"gaussian": "√d", "uniform": "√(d/3)", "lerp midpoint": "√(d/2)"}
    rows = []
    for kind, values in norms.items():
        colour, radius = Z_COLOURS[kind], _z_radius(kind, d)
        fig.add_trace(
            go.Histogram(
                x=values,
                histnorm="probability density",
                name=f"{kind}: mean {values.mean():.2f} (≈ {radii[kind]} = {radius:.2f})",
                marker=dict(color=colour, opacity=0.45),
                nbinsx=60,
            )
        )
        fig.add_vline(x=radius, line=dict(color=colour, width=3, dash="dash"))
        rows.append(f"| {kind} | {values.mean():.2f} | {radii[kind]} = {radius:.2f} |")
    fig.update_layout(barmode="overlay")
    gaussian = norms["gaussian"]
    near = float(np.mean(np.abs(gaussian - math.sqrt(d)) < 0.1 * math.sqrt(d)))
    readout = "\n".join(
        [
            "| z | mean ‖z‖ | shell |",
            "|---|---|---|",
            *rows,
            "",
            f"**{near:.0%}** of the Gaussian draws lie within 10 % of √d; "
            f"the smallest of {Z_SAMPLES} is {gaussian.min():.2f}, though the density is highest at 0.",
        ]
    )
    return fig, readout


# --- G's two costs against D(G(z)) ----------------------------------------------------------------------------
COSTS_NOTE = """**What you are seeing.** The generator's cost as a function of what D says about its samples,
D(G(z)). The minimax cost **log(1 − D(G(z)))** (G minimises it) is flat where D rejects the fakes (D(G(z)) → 0, early
in training): its gradient with respect to D's logit is −D(G(z)), which vanishes. The non-saturating cost
**−log D(G(z))** has the same fixed point but a gradient of −(1 − D(G(z))): strong exactly when G is losing
(Goodfellow et al. 2014, §3). Move the slider to where D stands; the readout compares the two gradients."""


@user_errors
def generator_costs(d_fake: float):
    """(the two costs and their gradient magnitudes with D(G(z)) = ``d_fake`` marked, readout)."""
    d = _number(d_fake, "D(G(z))", 0.001, 0.999)
    curves = generator_loss_curves()
    fig = make_subplots(rows=1, cols=2, subplot_titles=("G's cost", "|∂ cost / ∂ D's logit|"))
    _layout(fig, f"G's two costs; D(G(z)) = {d:.3f} marked", "D(G(z))", "")
    fig.update_layout(
        height=520,
        margin=dict(t=90, b=150),
        legend=dict(yref="container", y=0, yanchor="bottom", x=0, font=dict(size=FONT_SIZE - 2)),
    )
    fig.update_annotations(font_size=FONT_SIZE)
    series = (
        ("minimax log(1 − D)", "|∂/∂logit| minimax", FIT_COLOURS[0], math.log(1 - d), d),
        ("non-saturating −log D", "|∂/∂logit| non-saturating", FIT_COLOURS[1], -math.log(d), 1 - d),
    )
    for cost, gradient, colour, value, slope in series:
        for col, key, y in ((1, cost, value), (2, gradient, slope)):
            fig.add_trace(
                go.Scatter(
                    x=curves["D(G(z))"],
                    y=curves[key],
                    name=cost,
                    line=dict(color=colour, width=4),
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
            fig.add_trace(
                go.Scatter(
                    x=[d], y=[y], mode="markers", marker=dict(color=colour, size=16), showlegend=False, hoverinfo="skip"
                ),
                row=1,
                col=col,
            )
    for col in (1, 2):
        fig.add_vline(x=d, line=dict(color="#555555", width=2, dash="dot"), row=1, col=col)
        fig.update_xaxes(title_text="D(G(z))", row=1, col=col)
    ratio = (1 - d) / d
    stronger = "non-saturating" if ratio >= 1 else "minimax"
    readout = (
        f"At **D(G(z)) = {d:.3f}**: minimax cost {math.log(1 - d):.3f}, gradient {d:.3f}; non-saturating cost "
        f"{-math.log(d):.3f}, gradient {1 - d:.3f}. The **{stronger}** gradient is "
        f"**{max(ratio, 1 / ratio):.1f}×** the other."
    )
    return fig, readout


# --- CycleGAN on the plane ------------------------------------------------------------------------------------
CYCLE_NOTE = """**What you are seeing.** Unpaired translation (CycleGAN, Zhu et al. 2017): X is a ring, Y a square,
and no (x, y) pair is ever shown. G: X → Y and F: Y → X each train against a discriminator (D_Y, D_X; least
squares, as in the paper). Colour = the angle of x on the ring: **G(x)** (filled dots) carries each x's colour
onto the square, **F(G(x))** (crosses) brings it back. With **λ_cyc = 0** only the adversarial losses act: G(X)
lands on the square and F(Y) on the ring, but nothing ties them together, so F does not undo G and the crosses land
far from their colour on the ring. The cycle-consistency loss **λ (E‖F(G(x)) − x‖₁ + E‖G(F(y)) − y‖₁)** makes F ∘ G
the identity: the crosses fall back onto their own place and the colours go round the square once, in order.
Each setting trains G, F, D_X, D_Y for 600 steps (a few seconds; cached)."""


CYCLE_CHOICES = tuple(f"{v:g}" for v in cycle2d.LAMBDAS)


def cycle_figure(result) -> go.Figure:
    """The ring X, the square Y, G(x) and F(G(x)) coloured by x's angle."""
    fig = _figure(f"λ_cyc = {result.lam:g}: x → G(x) → F(G(x))", "", "")
    hue = np.degrees(np.arctan2(result.x[:, 1], result.x[:, 0]))
    colour = dict(color=hue, colorscale="HSV", cmin=-180, cmax=180)
    fig.add_trace(
        go.Scatter(
            x=result.y[:, 0],
            y=result.y[:, 1],
            mode="markers",
            name="y (data of Y)",
            marker=dict(size=4, color="#cccccc"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=result.x[:, 0],
            y=result.x[:, 1],
            mode="markers",
            name="x (data of X), coloured by angle",
            marker=dict(size=7, symbol="circle-open", line=dict(width=2), **colour),
        )
    )
    fig.add_trace(
        go.Scatter(x=result.gx[:, 0], y=result.gx[:, 1], mode="markers", name="G(x)", marker=dict(size=7, **colour))
    )
    fig.add_trace(
        go.Scatter(
            x=result.fgx[:, 0],
            y=result.fgx[:, 1],
            mode="markers",
            name="F(G(x))",
            marker=dict(size=7, symbol="x", **colour),
        )
    )
    fig.update_xaxes(range=[-1.8, 4.8], showticklabels=False)
    fig.update_yaxes(range=[-1.8, 1.8], scaleanchor="x", showticklabels=False)
    return fig


def cycle_untrained():
    """The section before training: the two domains and what the button does."""
    generator = torch.Generator().manual_seed(0)
    x, y = cycle2d.ring(cycle2d.TEST_POINTS, generator).numpy(), cycle2d.square(cycle2d.TEST_POINTS, generator).numpy()
    fig = _figure("X: a ring, Y: a square (no pairs)", "", "")
    fig.add_trace(go.Scatter(x=x[:, 0], y=x[:, 1], mode="markers", name="x", marker=dict(size=5, color=P_COLOUR)))
    fig.add_trace(go.Scatter(x=y[:, 0], y=y[:, 1], mode="markers", name="y", marker=dict(size=5, color="#999999")))
    fig.update_xaxes(range=[-1.8, 4.8], showticklabels=False)
    fig.update_yaxes(range=[-1.8, 1.8], scaleanchor="x", showticklabels=False)
    return fig, "*Press **Train** to train G, F, D_X and D_Y with the chosen λ_cyc.*"


@user_errors
def cycle(lam, seed: int):
    """(figure, readout) after training the four networks for (λ_cyc, seed) (cached)."""
    if isinstance(lam, int | float) and not isinstance(lam, bool):
        lam = f"{lam:g}"
    lam = float(_choice(lam, "λ_cyc", CYCLE_CHOICES))
    result = cycle2d.train(lam, latent.check_seed(seed))
    _finite(result.gx, result.fgx, result.fy)
    kept = {1: "once, in order", -1: "once, mirrored (a reflection is a bijection too)"}.get(
        result.winding, f"{result.winding} times: no one-to-one map"
    )
    readout = (
        f"**F(G(x)) lies {result.cycle_error:.2f} from x** on average (the ring's radius is 1): "
        f"{'F undoes G' if result.cycle_error < 0.2 else 'F does not undo G'}. G(x) lies {result.off_square:.2f} from "
        f"the square and F(y) {result.off_ring:.2f} from the ring; the colours go round the square {kept}."
    )
    return cycle_figure(result), readout


def _wire(handler, controls: list, outputs: list, api_name: str, drawn: list | None = None) -> None:
    """Re-render whenever a control moves: newest value wins, no spinner, no queue limit (the handlers are pure).
    ``drawn`` collects the render for the section's first view (drawn when the section is opened)."""
    gr.on([c.input for c in controls], handler, controls, outputs, api_name=api_name, **LIVE)
    if drawn is not None:
        drawn.append((handler, controls, outputs))


def _seed(label: str = "Seed", value: int = 0) -> gr.Number:
    return gr.Number(value, label=label, precision=0, minimum=0, maximum=latent.MAX_SEED)


def build(zoo=None, previews=None) -> TabParts:
    """The tab's contents: exact toys, plus pix2pix and CycleGAN at image scale from ``zoo`` (none without a zoo)."""
    gr.Markdown(
        "Exact, small demos of the theory behind GANs: move a control and every plot follows.", elem_classes=["note"]
    )
    section_tabs: dict[str, gr.Tab] = {}
    drawn: dict[str, list] = {}  # each section's renders of its first view, run when the section is first opened
    with gr.Tabs(elem_id="theory-sections") as sections:
        with gr.Tab("JS vs EM", id="lines") as section_tabs["lines"]:
            section = drawn.setdefault("lines", [])
            gr.Markdown(LINES_NOTE, elem_classes=["note"])
            first, critic_first = (None, None), (None, "")  # drawn when opened (share.draw_when_opened)
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    theta = gr.Slider(-1, 1, value=0.5, step=0.01, label="θ (where Q_θ is)", elem_id="theory-theta")
                    lines_seed = _seed()
                    lines_text = gr.Markdown(critic_first[1], elem_id="theory-lines-text")
                with gr.Column(scale=3):
                    divergences = gr.Plot(first[0], label="distances against θ", elem_id="theory-divergences")
            with gr.Row():
                transport = gr.Plot(first[1], label="optimal transport", elem_id="theory-transport")
                critic = gr.Plot(critic_first[0], label="discriminator and critic", elem_id="theory-critic")
            _wire(parallel_lines, [theta, lines_seed], [divergences, transport], "theory_lines", section)
            _wire(lines_critic, [theta, lines_seed], [critic, lines_text], "theory_lines_critic", section)

        with gr.Tab("KL & likelihood", id="kl") as section_tabs["kl"]:
            section = drawn.setdefault("kl", [])
            gr.Markdown(KL_NOTE, elem_classes=["note"])
            fits_figure, em_fig = None, None
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    separation = gr.Slider(
                        0, 6, value=3, step=0.1, label="separation s of p's modes", elem_id="theory-separation"
                    )
                    k = gr.Slider(1, 4, value=2, step=1, label="k: mixture components (EM)", elem_id="theory-k")
                    kl_seed = _seed()
                with gr.Column(scale=2):
                    fits_plot = gr.Plot(fits_figure, label="forward vs reverse KL", elem_id="theory-kl-fits")
                with gr.Column(scale=2):
                    em_plot = gr.Plot(em_fig, label="maximum likelihood by EM", elem_id="theory-em")
            _wire(kl_fits, [separation, k, kl_seed], [fits_plot, em_plot], "theory_kl_fits", section)
            moved, moved_text = None, ""
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    p_kind = gr.Radio(list(SHAPE_KINDS), value="uniform", label="p (mean 0, std 1)")
                    q_kind = gr.Radio(list(SHAPE_KINDS), value="gaussian", label="q")
                    mu_q = gr.Slider(-5, 5, value=0, step=0.05, label="μ_q", elem_id="theory-mu-q")
                    sigma_q = gr.Slider(0.2, 3, value=1, step=0.05, label="σ_q", elem_id="theory-sigma-q")
                    kl_text = gr.Markdown(moved_text, elem_id="theory-kl-text")
                with gr.Column(scale=4):
                    moved_plot = gr.Plot(moved, label="movable q", elem_id="theory-kl-movable")
            _wire(movable_kl, [p_kind, q_kind, mu_q, sigma_q], [moved_plot, kl_text], "theory_kl_movable", section)

        with gr.Tab("Game x·y", id="game") as section_tabs["game"]:
            section = drawn.setdefault("game", [])
            gr.Markdown(GAME_NOTE, elem_classes=["note"])
            plane, norms, game_text = None, None, ""
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    lr = gr.Slider(0.01, 1, value=0.2, step=0.01, label="learning rate η", elem_id="theory-lr")
                    steps = gr.Slider(1, 300, value=100, step=1, label="steps")
                    x0 = gr.Slider(-2, 2, value=1, step=0.1, label="x₀")
                    y0 = gr.Slider(-2, 2, value=0, step=0.1, label="y₀")
                    rule = gr.Radio(list(GAME_RULES), value="both", label="update rule")
                    game_readout = gr.Markdown(game_text, elem_id="theory-game-text")
                with gr.Column(scale=2):
                    plane_plot = gr.Plot(plane, label="path", elem_id="theory-game-path")
                with gr.Column(scale=2):
                    norm_plot = gr.Plot(norms, label="distance to the equilibrium", elem_id="theory-game-norm")
            _wire(bilinear, [lr, steps, x0, y0, rule], [plane_plot, norm_plot, game_readout], "theory_game", section)

        with gr.Tab("1-D GAN", id="gan1d") as section_tabs["gan1d"]:
            section = drawn.setdefault("gan1d", [])
            gr.Markdown(GAN_NOTE, elem_classes=["note"])
            gan_fig, gan_text = None, ""
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    snapshot = gr.Slider(
                        0,
                        40,
                        value=40,
                        step=1,
                        label="training progress (snapshot, 12 steps each)",
                        elem_id="theory-gan-step",
                    )
                    prior = gr.Radio(list(theory.PRIORS), value="gaussian", label="prior of z")
                    width = gr.Radio(list(GAN_WIDTHS), value=16, label="D's hidden units")
                    gan_seed = _seed(value=GAN_SEED)
                    gan_readout = gr.Markdown(gan_text, elem_id="theory-gan-text")
                with gr.Column(scale=3):
                    gan_plot = gr.Plot(gan_fig, label="p_d, p_g, D and the map z → x", elem_id="theory-gan")
            _wire(gan_frame, [snapshot, prior, width, gan_seed], [gan_plot, gan_readout], "theory_gan", section)

        with gr.Tab("Discr. vs gen.", id="classes") as section_tabs["classes"]:
            section = drawn.setdefault("classes", [])
            gr.Markdown(CLASSES_NOTE, elem_classes=["note"])
            plane_fig, posterior_fig, classes_text = None, None, ""
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    blob_separation = gr.Slider(0, 5, value=2.5, step=0.1, label="separation of the classes")
                    n = gr.Slider(5, 300, value=60, step=1, label="points per class")
                    classes_seed = _seed()
                    classes_readout = gr.Markdown(classes_text, elem_id="theory-classes-text")
                with gr.Column(scale=2):
                    classes_plot = gr.Plot(plane_fig, label="both models", elem_id="theory-classes")
                with gr.Column(scale=2):
                    posterior_plot = gr.Plot(posterior_fig, label="Bayes posterior", elem_id="theory-posterior")
            _wire(
                discriminative_generative,
                [blob_separation, n, classes_seed],
                [classes_plot, posterior_plot, classes_readout],
                "theory_classes",
                section,
            )

        with gr.Tab("Density ratio", id="ratio") as section_tabs["ratio"]:
            section = drawn.setdefault("ratio", [])
            gr.Markdown(RATIO_NOTE, elem_classes=["note"])
            densities_fig, ratio_fig, ratio_text = None, None, ""
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    mu_g = gr.Slider(-2, 2, value=1, step=0.1, label="μ_g")
                    sigma_g = gr.Slider(0.3, 2, value=0.6, step=0.05, label="σ_g")
                    samples = gr.Slider(10, 2000, value=200, step=10, label="samples of each")
                    classifier = gr.Radio(list(theory.CLASSIFIERS), value=theory.CLASSIFIERS[0], label="D")
                    ratio_seed = _seed()
                    ratio_readout = gr.Markdown(ratio_text, elem_id="theory-ratio-text")
                with gr.Column(scale=2):
                    densities_plot = gr.Plot(densities_fig, label="the two densities", elem_id="theory-densities")
                with gr.Column(scale=2):
                    ratio_plot = gr.Plot(ratio_fig, label="log ratio", elem_id="theory-ratio")
            _wire(
                density_ratio,
                [mu_g, sigma_g, samples, classifier, ratio_seed],
                [densities_plot, ratio_plot, ratio_readout],
                "theory_ratio",
                section,
            )

        with gr.Tab("Where z lives", id="z") as section_tabs["z"]:
            section = drawn.setdefault("z", [])
            gr.Markdown(Z_NOTE, elem_classes=["note"])
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    dims = gr.Slider(1, 512, value=100, step=1, label="d: dimensions of z", elem_id="theory-z-d")
                    z_seed = _seed()
                    z_readout = gr.Markdown("", elem_id="theory-z-text")
                with gr.Column(scale=3):
                    z_plot = gr.Plot(None, label="‖z‖ of Gaussian, uniform and lerp-midpoint z", elem_id="theory-z")
            _wire(latent_shells, [dims, z_seed], [z_plot, z_readout], "theory_z", section)

        with gr.Tab("G's costs", id="costs") as section_tabs["costs"]:
            section = drawn.setdefault("costs", [])
            gr.Markdown(COSTS_NOTE, elem_classes=["note"])
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    d_fake = gr.Slider(
                        0.001,
                        0.999,
                        value=0.05,
                        step=0.001,
                        label="D(G(z)): D's verdict on the fakes",
                        elem_id="theory-costs-d",
                    )
                    costs_readout = gr.Markdown("", elem_id="theory-costs-text")
                with gr.Column(scale=3):
                    costs_plot = gr.Plot(None, label="the two costs and their gradients", elem_id="theory-costs")
            _wire(generator_costs, [d_fake], [costs_plot, costs_readout], "theory_costs", section)

        with gr.Tab("CycleGAN", id="cycle") as cycle_tab:
            gr.Markdown(CYCLE_NOTE, elem_classes=["note"])
            untrained_cycle, untrained_cycle_text = cycle_untrained()
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    lam_cyc = gr.Radio(
                        list(CYCLE_CHOICES),
                        value="3",
                        label="λ_cyc (0 = no cycle loss)",
                        elem_id="theory-cycle-lambda",
                    )
                    cycle_seed = _seed()
                    cycle_train = gr.Button("Train", variant="primary", elem_id="theory-cycle-train")
                    cycle_readout = gr.Markdown(untrained_cycle_text, elem_id="theory-cycle-text")
                with gr.Column(scale=3):
                    cycle_plot = gr.Plot(untrained_cycle, label="x → G(x) → F(G(x))", elem_id="theory-cycle")
            cycle_lists, cycle_images = translation.build_cyclegan(zoo) if zoo is not None else ([], None)
            gr.on(
                [cycle_train.click, lam_cyc.input, cycle_seed.input, cycle_tab.select],
                cycle,
                [lam_cyc, cycle_seed],
                [cycle_plot, cycle_readout],
                api_name="theory_cycle",
                trigger_mode="always_last",
                concurrency_limit=None,
            )

        with gr.Tab("L2 vs adversarial", id="bimodal") as bimodal_tab:
            gr.Markdown(BIMODAL_NOTE, elem_classes=["note"])
            untrained, untrained_text = bimodal_data_only(0)  # training takes a second or two: not at start-up
            with gr.Row():
                with gr.Column(scale=1, min_width=240):
                    bimodal_seed = _seed()
                    l1_weight = gr.Radio(
                        list(L1_CHOICES),
                        value="0",
                        label="λ_L1: pix2pix's cGAN + λ·L1 (0 = cGAN alone)",
                        elem_id="theory-bimodal-l1",
                    )
                    train = gr.Button("Train both", variant="primary", elem_id="theory-bimodal-train")
                    bimodal_readout = gr.Markdown(untrained_text, elem_id="theory-bimodal-text")
                with gr.Column(scale=3):
                    bimodal_plot = gr.Plot(untrained, label="L2 fit and cGAN samples", elem_id="theory-bimodal")
            pix2pix_lists, pix2pix_images = translation.build_pix2pix(zoo) if zoo is not None else ([], None)
            gr.on(
                [train.click, bimodal_seed.input, l1_weight.input, bimodal_tab.select],
                bimodal,
                [bimodal_seed, l1_weight],
                [bimodal_plot, bimodal_readout],
                api_name="theory_bimodal",
                trigger_mode="always_last",
                concurrency_limit=None,
            )
    # no settings to share, but a link (a lecture path's step) opens a demo: ?tab=theory&section=game
    sections_ids = ("lines", "kl", "game", "gan1d", "classes", "ratio", "z", "costs", "cycle", "bimodal")
    image_parts = {"cycle": (cycle_tab, cycle_images), "bimodal": (bimodal_tab, pix2pix_images)}  # at image scale
    for ident, (tab, render) in image_parts.items():
        if render is not None:
            drawn[ident] = [render]
            section_tabs[ident] = tab
    for ident, renders in drawn.items():
        share.draw_when_opened(section_tabs[ident], renders)
    every = [render for renders in drawn.values() for render in renders]
    # the first section is drawn when the tab opens; a link to a section draws whatever is still empty
    return TabParts(
        model_lists=cycle_lists + pix2pix_lists,
        share=Share("theory", {}, share.lazy_renders(every), sections=(sections, sections_ids)),
        opened=drawn["lines"],
    )
