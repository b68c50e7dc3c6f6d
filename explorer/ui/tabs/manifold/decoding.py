"""What *Inside q(z|x)* adds about the decoder and the marginal likelihood: p_θ(x|z) as a distribution (its mean
against its draws, and why the mean is blurry), and why log p_θ(x) needs importance sampling (the prior's draws
against q's as N grows, read against the quadrature). The computations are ``explorer.vae_theory``."""

import numpy as np
import plotly.graph_objects as go
import torch

from explorer import vae_theory
from explorer.plots import LERP_COLOUR, SLERP_COLOUR, _layout

AVERAGED = 256  # draws of p(x|μ) averaged in the readout: their mean converges to the decoder's mean


def blur_readout(model, mu: torch.Tensor, seed: int) -> tuple[str, dict]:
    """The readout that says why the decoder's mean is blurry, and its numbers: the sharpness (mean gradient
    magnitude, ``vae_theory.sharpness``) of the mean E[x|μ] and of one draw x ~ p(x|μ), and the RMS distance of
    the average of ``AVERAGED`` draws from the mean (→ 0: the mean *is* the average of the draws)."""
    with torch.inference_mode():
        logits = model.decode_logits(mu[None].expand(AVERAGED, -1))
    mean = 2 * torch.sigmoid(logits[:1]) - 1
    draws = vae_theory.decoder_sample(model, logits, seed)
    numbers = dict(
        mean=vae_theory.sharpness(mean),
        draw=vae_theory.sharpness(draws[:1]),
        rms=float((draws.mean(0, keepdim=True) - mean).pow(2).mean().sqrt()),
    )
    kind = getattr(model.config, "likelihood", "bernoulli")
    what = (
        "each pixel black or white, white with probability σ(logit)"
        if kind == "bernoulli"
        else f"each pixel the mean plus N(0, {vae_theory.GAUSSIAN_VARIANCE:g}) noise (the model's fixed σ²), clipped"
    )
    text = (
        f"**p(x|z) is a distribution** ({kind}: {what}; pixels independent given z). Sharpness (mean gradient "
        f"magnitude) of one draw at μ: **{numbers['draw']:.3f}**, of the mean E[x|μ] the tabs show: "
        f"**{numbers['mean']:.3f}**. The average of {AVERAGED} draws is {numbers['rms']:.3f} (RMS) from the mean: "
        "the mean averages everything the decoder is unsure of, hence the blur; a draw adds independent pixel "
        "noise, not detail."
    )
    return text, numbers


def marginal_figure(estimates: vae_theory.Estimates, log_px: float) -> go.Figure:
    """Each repeat's estimate of log p(x) against N (log axis), for the prior's and q's draws, read against the
    quadrature (a dashed line)."""
    fig = go.Figure()
    for values, label, colour in (
        (estimates.prior, "z ~ p(z) (naive)", LERP_COLOUR),
        (estimates.importance, "z ~ q(z|x) (importance sampling)", SLERP_COLOUR),
    ):
        for r, row in enumerate(values):
            fig.add_trace(
                go.Scatter(
                    x=estimates.n,
                    y=row,
                    mode="lines+markers",
                    name=label,
                    legendgroup=label,
                    showlegend=r == 0,
                    line=dict(color=colour, width=2),
                    marker=dict(size=6),
                    opacity=0.8,
                )
            )
    fig.add_hline(y=log_px, line=dict(color="#222", dash="dash", width=2))
    fig.add_annotation(
        x=1, xref="paper", y=log_px, text=f"quadrature {log_px:.1f}", showarrow=False, xanchor="right", yshift=12
    )
    low = max(float(np.min(estimates.prior)), log_px - 400)
    fig.update_yaxes(range=[low - 10, log_px + 20])
    fig.update_xaxes(type="log")
    fig = _layout(fig, "", "N (samples per estimate)", "estimate of log p(x) (nats)")
    fig.update_layout(height=400, margin=dict(t=60))
    return fig


def marginal_readout(estimates: vae_theory.Estimates, log_px: float) -> str:
    """The mean error of each estimator at a few N, against the quadrature."""
    columns = [i for i, n in enumerate(estimates.n) if n in (1, 10, 100, 1000) or i == len(estimates.n) - 1]
    rows = []
    for values, label in ((estimates.prior, "z ~ p(z)"), (estimates.importance, "z ~ q(z|x)")):
        errors = values.mean(0) - log_px
        rows.append(
            f"{label}: " + " · ".join(f"N = {estimates.n[i]:,}: {errors[i]:+.1f}" for i in dict.fromkeys(columns))
        )
    return (
        f"**log p(x) = {log_px:.2f} by quadrature** (possible only because z is 2-D). Error of the mean of "
        f"{len(estimates.prior)} estimates, in nats:\n\n" + "\n\n".join(rows) + "\n\n"
        "p(x) = E_{p(z)}[p(x|z)], but p(x|z) is large only where the posterior is (a spot ~0.05 wide): the prior's "
        "draws almost never land there, so the naive average is dominated by the one lucky draw and sits far low; "
        "q(z|x) puts its draws there and reweights them by p(z)/q(z|x). Here, in 2-D, the prior's estimate catches "
        "up by N ≈ 10³; the N it needs grows exponentially with the latent's dimension."
    )
