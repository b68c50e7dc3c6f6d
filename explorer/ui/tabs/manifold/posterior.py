"""The VAE tab's *Inside q(z|x)* section: for one image, the encoder's q against the true posterior, draws
z = μ + σ ⊙ ε decoded, the ELBO, IWAE and log p(x) with the gap, variational inference for this image (the E-step),
the variances of the score-function and reparameterised gradient estimators, and the KL term per dimension.

The computations are ``explorer.vae_theory``; here the handlers and the section's components.
"""

import functools

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import torch

from explorer import images, latent, vae_theory
from explorer.models import HasEncoder
from explorer.plots import LERP_COLOUR, SLERP_COLOUR, _layout
from explorer.ui import common
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.manifold import decoding
from explorer.ui.tabs.manifold.shared import SOURCES, chosen_image, has_test_images
from explorer.zoo import Zoo

TITLE, ID = "Inside q(z|x)", "posterior"
DRAWS = 8
NOTE = """**What you are seeing.** The encoder gives a *distribution*, q_φ(z|x) = N(μ, diag σ²) (its 1σ and 2σ
ellipses), not a point; z = μ + σ ⊙ ε with ε ~ N(0, I) (the reparameterisation) gives the draws decoded in the
row. With a 2-D z the true posterior p_θ(z|x) = p_θ(x|z) p(z) / p_θ(x) is computed on a grid (the heat map,
zoomed on q) and so is **log p_θ(x)**. **ELBO** = E_q[log p_θ(x|z)] − KL(q ‖ p(z)) = log p_θ(x) − KL(q ‖ p_θ(z|x)):
the *gap* is how far q is from the true posterior. **IWAE_K** = E log (1/K) Σ_k p_θ(x, z_k)/q(z_k|x) tightens the
bound as K grows (Burda et al. 2016). *Optimise q* runs gradient ascent on the ELBO for this image alone (the
E-step of variational EM): the gap shrinks, but not to 0 while q is Gaussian and the posterior is not — the
amortisation gap is what remains of the encoder's own. Closed-form KL per dimension: ½(μ² + σ² − log σ² − 1).
The decoder too gives a distribution p_θ(x|z): switch the decoded images from its mean to its draws to see why the
mean is blurry. *Estimate log p(x) by sampling* shows why log p_θ(x) = log E_{p(z)} p_θ(x|z) is not estimated by
sampling the prior."""


def posterior_figure(post: vae_theory.Posterior, q: dict, draws: np.ndarray) -> go.Figure:
    """The true posterior in its window, the ellipses of each q (name → (μ, σ, dash)), the draws."""
    fig = go.Figure(
        go.Heatmap(
            x=post.z1,
            y=post.z2,
            z=np.exp(post.log_density),
            colorscale="Greys",
            colorbar=dict(title="p(z|x)"),
            name="true posterior",
        )
    )
    for label, (mu, sigma, colour, dash) in q.items():
        for radius in (1, 2):
            xs, ys = vae_theory.ellipse(mu, sigma, radius)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=f"{label}: {radius}σ",
                    line=dict(color=colour, width=3, dash=dash),
                    showlegend=radius == 1,
                )
            )
    fig.add_trace(
        go.Scatter(
            x=draws[:, 0],
            y=draws[:, 1],
            mode="markers+text",
            text=[str(i + 1) for i in range(len(draws))],
            textposition="top center",
            name="z = μ + σ ⊙ ε",
            marker=dict(size=10, color="#2ca02c", line=dict(color="white", width=1)),
        )
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    fig = _layout(fig, "", "z₁", "z₂")
    fig.update_layout(height=460, legend=dict(y=-0.18, yanchor="top"), margin=dict(t=20, b=110))
    return fig


def bounds_figure(rows: list[tuple[str, float]], log_px: float) -> go.Figure:
    """log p(x), the IWAE bound and the ELBO(s) as bars, read against log p(x) (a dashed line)."""
    names, values = [r[0] for r in rows], [r[1] for r in rows]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=values,
            text=[f"{v:.2f}" for v in values],
            textposition="outside",
            marker_color=["#222", SLERP_COLOUR, LERP_COLOUR, "#9467bd"][: len(rows)],
        )
    )
    fig.add_hline(y=log_px, line=dict(color="#444", dash="dash", width=2))
    low, high = min(values), max(values)
    pad = max(high - low, 0.5)
    fig.update_yaxes(range=[low - pad, high + 0.6 * pad])
    fig = _layout(fig, "", "", "nats")
    fig.update_layout(height=360, margin=dict(t=20))
    return fig


def gradients_figure(score: np.ndarray, reparameterised: np.ndarray, samples: int) -> go.Figure:
    fig = go.Figure()
    for values, label, colour in (
        (score, "score function (REINFORCE)", LERP_COLOUR),
        (reparameterised, "reparameterised", SLERP_COLOUR),
    ):
        fig.add_trace(
            go.Histogram(x=values, name=f"{label}: std {values.std():.3g}", marker_color=colour, opacity=0.7, nbinsx=60)
        )
    fig.update_layout(barmode="overlay")
    fig = _layout(fig, "", f"estimate of ∂ E_q[log p(x|z)] / ∂μ₁ ({samples} draws each)", "count")
    fig.update_layout(height=360, legend=dict(y=-0.3, yanchor="top"), margin=dict(t=20, b=120))
    return fig


def _image_and_q(zoo: Zoo, name: str, source: str, index: int):
    """(the model, the image x, its caption, q's μ and log σ²) for a 2-D VAE."""
    model = zoo.require(name, HasEncoder, what="a VAE")
    if model.latent_dim != 2:
        raise ValueError("the true posterior is computed on a grid: this needs a VAE with a 2-D latent")
    x, caption = chosen_image(zoo, name, source, index)
    x = x.to(zoo.device)
    with torch.no_grad():
        mu, logvar = (t[0] for t in model.encode(x))
    return model, x, caption, mu, logvar


@user_errors
def inside(
    zoo: Zoo,
    name: str,
    source: str,
    index: int,
    k: int,
    draw_seed: int,
    output: str = vae_theory.DECODER_OUTPUTS[0],
    optimise: bool = False,
):
    """(the posterior figure, the bounds figure, x | decode(μ) | the decoded draws, the readout, the gradients);
    ``output``: the strip's decoded images as the decoder's mean or as draws of p(x|z)."""
    k = int(k)
    if not 1 <= k <= 1000:
        raise ValueError(f"K (the IWAE samples) must be from 1 to 1000, got {k}")
    draw_seed = latent.check_seed(draw_seed, "the draw seed")
    if output not in vae_theory.DECODER_OUTPUTS:
        raise ValueError(f"the decoded draws show one of {', '.join(vae_theory.DECODER_OUTPUTS)}, got {output!r}")
    model, x, caption, mu, logvar = _image_and_q(zoo, name, source, index)
    sigma = (0.5 * logvar).exp()
    post = vae_theory.posterior_grid(model, x, mu.numpy(), max(6 * float(sigma.max()), 0.3))
    bound = vae_theory.bounds(model, x, mu, logvar, post.log_px, k, seed=draw_seed)
    rows = [("log p(x)", post.log_px), (f"IWAE, K = {k}", bound.iwae), ("ELBO (encoder's q)", bound.elbo)]
    ellipses = {"encoder's q": (mu.numpy(), sigma.numpy(), SLERP_COLOUR, "solid")}
    readout = [
        f"**{caption}**: μ = ({mu[0]:+.3f}, {mu[1]:+.3f}), σ = ({sigma[0]:.3f}, {sigma[1]:.3f}); "
        f"KL per dimension ½(μ² + σ² − log σ² − 1) = "
        + ", ".join(f"{v:.2f}" for v in vae_theory.kl_per_dimension(mu, logvar).tolist()),
        f"log p(x) = {post.log_px:.2f} (quadrature) · IWAE_{k} = {bound.iwae:.2f} · ELBO = {bound.elbo:.2f} "
        f"= E_q log p(x|z) {bound.reconstruction:.2f} − KL(q‖p(z)) {bound.kl_prior:.2f} · "
        f"**gap KL(q ‖ p(z|x)) = {bound.gap:.3f} nats**",
    ]
    if optimise:
        mu_star, logvar_star, trace = vae_theory.optimise_q(model, x, mu, logvar, seed=draw_seed)
        better = vae_theory.bounds(model, x, mu_star, logvar_star, post.log_px, k, seed=draw_seed)
        rows.append(("ELBO (optimised q)", better.elbo))
        sigma_star = (0.5 * logvar_star).exp()
        ellipses["optimised q (E-step)"] = (mu_star.numpy(), sigma_star.numpy(), "#9467bd", "dash")
        readout.append(
            f"After {len(trace)} steps of gradient ascent on this image's ELBO: gap {bound.gap:.3f} → "
            f"**{better.gap:.3f} nats** (what remains: q is Gaussian, the posterior need not be)."
        )
    if bound.iwae > post.log_px:
        readout.append(
            "IWAE is a lower bound *in expectation*; one estimate can land above log p(x) when q is narrower than "
            "the posterior (raise K, or change the draw seed)."
        )
    eps = torch.randn(DRAWS, 2, generator=torch.Generator().manual_seed(draw_seed))
    draws = mu + sigma * eps
    row = torch.cat([x, vae_theory.decoded(model, torch.cat([mu[None], draws]), output, draw_seed)])
    readout.append(decoding.blur_readout(model, mu, draw_seed)[0])
    strip = images.grid_image(row, ncols=len(row), scale=images.fit_scale(model.resolution, 3), padding=4)
    samples = 8
    score, reparameterised = vae_theory.gradient_estimates(model, x, mu, logvar, samples, 100, seed=draw_seed)
    ratio = score.var() / max(reparameterised.var(), 1e-12)
    readout.append(
        f"Gradient estimators, {samples} draws each: variance of the score-function estimate / the reparameterised "
        f"one = **{ratio:,.0f}×**."
    )
    return (
        posterior_figure(post, ellipses, draws.numpy()),
        bounds_figure(rows, post.log_px),
        strip,
        "\n\n".join(readout),
        gradients_figure(score, reparameterised, samples),
    )


@user_errors
def marginal(zoo: Zoo, name: str, source: str, index: int, draw_seed: int) -> tuple[go.Figure, str]:
    """(log p(x) estimated from N draws of the prior and of q against N, the readout): why the naive estimate of
    the marginal likelihood fails and importance sampling does not (``vae_theory.marginal_estimates``)."""
    draw_seed = latent.check_seed(draw_seed, "the draw seed")
    model, x, _, mu, logvar = _image_and_q(zoo, name, source, index)
    sigma = (0.5 * logvar).exp()
    post = vae_theory.posterior_grid(model, x, mu.numpy(), max(6 * float(sigma.max()), 0.3))
    estimates = vae_theory.marginal_estimates(model, x, mu, logvar, seed=draw_seed)
    return decoding.marginal_figure(estimates, post.log_px), decoding.marginal_readout(estimates, post.log_px)


KL_NOTE = """**The KL term, one dimension at a time.** For q = N(μ, diag σ²) and the prior N(0, I) the KL splits over
the dimensions, each in closed form: **KL_j = ½(μ_j² + σ_j² − log σ_j² − 1)** (Kingma & Welling 2014, Appendix B;
the ELBO's −KL = ½ Σ_j (1 + log σ_j² − μ_j² − σ_j²)). It is 0 only at μ = 0, σ = 1 (q = the prior), grows as μ²/2
when the code moves away from 0, and as −log σ when q gets sharp: a narrow q is what an informative code costs.
Move μ and σ of z₁ and z₂ (the markers on the map follow), or take them *from the image* above; beside the closed
form, a Monte-Carlo estimate E_q[log q(z) − log p(z)] from 10 000 draws z = μ + σε."""
KL_MU = 4.0  # the μ sliders span [−KL_MU, KL_MU]
KL_SIGMA = (0.01, 3.0)  # the σ sliders' range (a trained VAE's σ is ≈ 0.05: the map's σ axis is logarithmic)
KL_SAMPLES = 10_000
KL_START = (1.0, 0.5, 0.0, 1.0)  # μ₁, σ₁, μ₂, σ₂ before an image is taken: one dimension informative, one the prior


def _kl_inputs(mu1, sigma1, mu2, sigma2) -> tuple[torch.Tensor, torch.Tensor]:
    values = []
    for value, name, low, high in (
        (mu1, "μ₁", -KL_MU, KL_MU),
        (sigma1, "σ₁", *KL_SIGMA),
        (mu2, "μ₂", -KL_MU, KL_MU),
        (sigma2, "σ₂", *KL_SIGMA),
    ):
        if value is None or not np.isfinite(float(value)) or not low <= float(value) <= high:
            raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {value}")
        values.append(float(value))
    return torch.tensor(values[0::2], dtype=torch.float64), torch.tensor(values[1::2], dtype=torch.float64)


def kl_figure(mu: np.ndarray, sigma: np.ndarray) -> go.Figure:
    """The closed-form KL(N(μ, σ²) ‖ N(0, 1)) over (μ, σ) as contours (σ on a log axis), the point of each
    dimension (μ_j, σ_j) marked with its KL, and the minimum KL = 0 at (0, 1)."""
    mus = np.linspace(-KL_MU, KL_MU, 161)
    sigmas = np.geomspace(*KL_SIGMA, 121)
    grid_mu, grid_sigma = np.meshgrid(mus, sigmas)
    kl = 0.5 * (grid_mu**2 + grid_sigma**2 - np.log(grid_sigma**2) - 1)  # (σ, μ)
    fig = go.Figure(
        go.Contour(
            x=mus,
            y=sigmas,
            z=np.minimum(kl, 8.0),
            contours=dict(start=0, end=8, size=0.5, showlabels=True),
            colorscale="Blues",
            colorbar=dict(title="KL (nats)"),
            name="½(μ² + σ² − log σ² − 1)",
            hovertemplate="μ %{x:.2f}, σ %{y:.3f}: KL %{z:.2f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[0.0], y=[1.0], mode="markers", name="KL = 0: q = N(0, 1)", marker=dict(symbol="x", size=12, color="#222")
        )
    )
    values = 0.5 * (mu**2 + sigma**2 - np.log(sigma**2) - 1)
    for j, colour in enumerate((LERP_COLOUR, SLERP_COLOUR)):
        fig.add_trace(
            go.Scatter(
                x=[float(mu[j])],
                y=[float(sigma[j])],
                mode="markers+text",
                text=[f"z{'₁₂'[j]}: {values[j]:.2f}"],
                textposition="top center",
                textfont=dict(size=16, color=colour),
                name=f"z{'₁₂'[j]}",
                marker=dict(size=16, color=colour, line=dict(color="white", width=2)),
            )
        )
    fig = _layout(fig, "", "μ", "σ (log scale)")
    fig.update_yaxes(type="log")
    fig.update_layout(height=420, margin=dict(t=50))
    return fig


@user_errors
def kl_view(mu1: float, sigma1: float, mu2: float, sigma2: float, seed: int = 0) -> tuple[go.Figure, str]:
    """(the KL map with (μ_j, σ_j) marked, the readout: each dimension's closed form against Monte Carlo)."""
    mu, sigma = _kl_inputs(mu1, sigma1, mu2, sigma2)
    closed = vae_theory.kl_per_dimension(mu, torch.log(sigma**2))
    estimate, error = vae_theory.kl_monte_carlo(mu, sigma, KL_SAMPLES, latent.check_seed(seed, "the draws' seed"))
    rows = [
        f"z{'₁₂'[j]}: μ = {mu[j]:+.3f}, σ = {sigma[j]:.3f} → ½(μ² + σ² − log σ² − 1) = **{closed[j]:.4f}**; "
        f"Monte Carlo {estimate[j]:.4f} ± {error[j]:.4f}"
        for j in range(2)
    ]
    rows.append(
        f"KL(q ‖ p(z)) = {closed[0]:.4f} + {closed[1]:.4f} = **{float(closed.sum()):.4f} nats** "
        f"(Monte Carlo, {KL_SAMPLES:,} draws: {float(estimate.sum()):.4f})"
    )
    return kl_figure(mu.numpy(), sigma.numpy()), "\n\n".join(rows)


@user_errors
def kl_from_image(zoo: Zoo, name: str, source: str, index: int) -> tuple:
    """The image's encoder μ, σ as the four sliders' values (clipped to their ranges), with the KL view."""
    model = zoo.require(name, HasEncoder, what="a VAE")
    if model.latent_dim != 2:
        raise ValueError("the sliders are for a VAE with a 2-D latent")
    x, _ = chosen_image(zoo, name, source, index)
    with torch.no_grad():
        mu, logvar = (t[0].double() for t in model.encode(x.to(zoo.device)))
    mu = mu.clamp(-KL_MU, KL_MU).cpu()
    sigma = (0.5 * logvar).exp().clamp(*KL_SIGMA).cpu()
    values = [
        v for m, s in zip(mu, sigma, strict=True) for v in (round(float(m), 2), round(float(s), 3))
    ]  # sliders' steps
    return (*values, *kl_view(*values))


def _inside_view(zoo: Zoo) -> tuple[dict, list]:
    """The image's controls by name, and the view's outputs (the posterior, the bounds, the strip, the readout,
    the gradients)."""
    source0 = SOURCES[0] if has_test_images(zoo) else SOURCES[1]  # a Space has no dataset: a VAE sample
    with gr.Row():
        with gr.Column(scale=1, min_width=260):
            controls = dict(
                source=gr.Radio(list(SOURCES), value=source0, label="Image", elem_id="vae-q-source"),
                index=gr.Number(0, label="Image number / sample seed", precision=0, minimum=0, elem_id="vae-q-index"),
                k=gr.Slider(1, 1000, value=64, step=1, label="K: IWAE samples", elem_id="vae-q-k"),
                draw_seed=gr.Number(0, label="Seed of the ε draws", precision=0, minimum=0, elem_id="vae-q-seed"),
                output=gr.Radio(
                    list(vae_theory.DECODER_OUTPUTS),
                    value=vae_theory.DECODER_OUTPUTS[0],
                    label="Decoded images show p(x|z)'s",
                    elem_id="vae-q-output",
                ),
                optimise=gr.Button("Optimise q for this image (E-step)", elem_id="vae-q-optimise"),
            )
        with gr.Column(scale=2):
            posterior = gr.Plot(label="True posterior p(z|x) and q(z|x)", elem_id="vae-q-post")
        with gr.Column(scale=2):
            bars = gr.Plot(label="log p(x), IWAE, ELBO", elem_id="vae-q-bounds")
    strip = common.drawn_image(
        "vae-q-strip", f"x · decode(μ) · {DRAWS} draws z = μ + σ ⊙ ε, decoded (mean or sample of p(x|z))"
    )
    readout = gr.Markdown(elem_id="vae-q-readout")
    gradients = gr.Plot(label="Why the reparameterisation trick", elem_id="vae-q-gradients")
    return controls, [posterior, bars, strip, readout, gradients]


def _marginal_view() -> tuple[gr.Button, list]:
    """*Estimate log p(x) by sampling* and its outputs (the estimates against N, the readout)."""
    button = gr.Button(
        "Estimate log p(x) by sampling: the prior's draws against q's, N = 1 … 1000 (about 10 s)", elem_id="vae-q-mc"
    )
    figure = gr.Plot(label="log p(x) from N samples: naive (prior) vs importance (q)", elem_id="vae-q-mc-plot")
    readout = gr.Markdown(elem_id="vae-q-mc-readout")
    return button, [figure, readout]


def _kl_view() -> tuple[list, gr.Button, list]:
    """The four μ, σ sliders (μ₁, σ₁, μ₂, σ₂), *From the image*, and the view's outputs (the map, the readout)."""
    gr.Markdown(KL_NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=260):
            sliders = []
            for j, (name, (low, high), step) in enumerate(
                [
                    ("μ₁", (-KL_MU, KL_MU), 0.01),
                    ("σ₁", KL_SIGMA, 0.001),
                    ("μ₂", (-KL_MU, KL_MU), 0.01),
                    ("σ₂", KL_SIGMA, 0.001),
                ]
            ):
                kind = "mu" if name[0] == "μ" else "sigma"
                sliders.append(
                    gr.Slider(low, high, value=KL_START[j], step=step, label=name, elem_id=f"vae-kl-{kind}{j // 2 + 1}")
                )
            from_image = gr.Button("From the image (its encoder's μ, σ)", elem_id="vae-kl-from-image")
        with gr.Column(scale=2):
            kl_plot = gr.Plot(label="KL per dimension ½(μ² + σ² − log σ² − 1)", elem_id="vae-kl-plot")
            kl_readout = gr.Markdown(elem_id="vae-kl-readout")
    return sliders, from_image, [kl_plot, kl_readout]


def build(zoo: Zoo, model: gr.Dropdown) -> SectionParts:
    """The section's components and wiring (inside the VAE tab's ``gr.Tab``); ``model`` is the tab's VAE (the
    plane's). Its views are drawn when the section is first opened, not at start."""
    gr.Markdown(NOTE, elem_classes=["note"])
    controls, outputs = _inside_view(zoo)
    estimate, marginal_outputs = _marginal_view()
    sliders, from_image, kl_outputs = _kl_view()
    source, index, k, draw_seed = (controls[name] for name in ("source", "index", "k", "draw_seed"))
    inputs = [model, source, index, k, draw_seed, controls["output"]]
    show = functools.partial(inside, zoo)
    gr.on(
        [s.input for s in sliders],
        kl_view,
        sliders,
        kl_outputs,
        api_name="vae_kl",
        trigger_mode="always_last",
        show_progress="hidden",
        concurrency_limit=None,
    )
    from_image.click(
        functools.partial(kl_from_image, zoo),
        [model, source, index],
        [*sliders, *kl_outputs],
        api_name="vae_kl_from_image",
    )
    gr.on(
        [
            source.input,
            index.submit,
            index.blur,
            k.release,
            draw_seed.submit,
            draw_seed.blur,
            controls["output"].input,
        ],
        show,
        inputs,
        outputs,
        api_name="vae_inside",
        trigger_mode="always_last",
    )
    controls["optimise"].click(lambda *v: show(*v, optimise=True), inputs, outputs, api_visibility="undocumented")
    estimate.click(
        functools.partial(marginal, zoo), [model, source, index, draw_seed], marginal_outputs, api_name="vae_marginal"
    )
    return SectionParts(opened=[(show, inputs, outputs), (kl_view, sliders, kl_outputs)])
