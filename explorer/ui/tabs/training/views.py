"""What the Training tab shows of a run: its curves (losses, D's outputs or the critic's Wasserstein estimate,
FID, the class histogram: mode collapse shows as one tall bar), the fixed-latent sample grid and its timeline, D's
per-layer σ; ``poll`` hands the page all of it once a second, or nothing when the run has not moved; ``show_run``
draws a recorded or ended run (``recorded``) the same way, at once."""

import math
import threading
from collections import OrderedDict

import gradio as gr
from PIL import Image

from explorer import images, plots
from explorer.losses import OBJECTIVES
from explorer.ui import share
from explorer.ui.common import download_path, user_errors
from explorer.ui.tabs.training import recorded
from explorer.ui.tabs.training.run import owns, status_html
from trainers import registry
from trainers.dcgan import layer_sigmas, saved_discriminator, sigma_table
from trainers.job import History, TrainingJob
from trainers.loop import saved_step

GRID_SCALE = 3
# the run each page's plots show ("" the live one), as its last Show or its last step's run= set it: the poll reads
# this, not its own copy of the Show list, which a tick may have read before the step's value reached the page (a
# late poll then drew the live run over the step's recorded one)
SHOWN = share.PerPage()


def figures(h: History) -> tuple:
    """(losses, D outputs, FID, class histogram) figures of a history."""
    m, steps = h.metrics, h.steps
    marker = dict(marker_step=h.diverged_at, marker_text="NaN/inf: stopped") if h.diverged_at else {}
    if "neg_elbo" in m:  # the VAE: −ELBO = reconstruction + KL
        losses = plots.curves_figure(
            steps, {"−ELBO": m["neg_elbo"], "reconstruction": m["reconstruction"]}, "VAE loss (nats)", "nats", **marker
        )
        outputs = plots.curves_figure(steps, {"KL(q(z|x) ‖ p(z))": m["kl"]}, "KL term", "nats", **marker)
    else:
        series = {"D loss": m.get("d_loss", []), "G loss": m.get("g_loss", [])}
        if "ortho" in m:  # BigGAN: how far G's filters are from orthogonal, at BigGAN's β whatever the run's
            series["10⁻⁴ · R_ortho (G's filter overlap)"] = [1e-4 * v for v in m["ortho"]]
        losses = plots.curves_figure(steps, series, "D and G losses", "loss", **marker)
        critic = h.spec is not None and h.spec.loss in OBJECTIVES and OBJECTIVES[h.spec.loss].critic
        critic = critic or "wasserstein" in m  # a family's own critic loss (ProGAN's WGAN-GP + drift)
        probabilities = h.spec is not None and (
            h.spec.loss not in OBJECTIVES or OBJECTIVES[h.spec.loss].probabilities  # StyleGAN: non-saturating
        )
        if critic:
            series = {"E[D(x)]": m.get("d_real", []), "E[D(G(z))]": m.get("d_fake", [])}
            series["Wasserstein estimate"] = m.get("wasserstein", [])
            title = "Critic values and the Wasserstein estimate"
        else:
            series = {"D(x)": m.get("d_real", []), "D(G(z))": m.get("d_fake", [])}
            title = "D(x) and D(G(z))" + ("" if probabilities else " (raw scores)")
        outputs = plots.curves_figure(steps, series, title, "D output", **marker)
        if "g_dead" in m or "d_dead" in m:
            dead_units(outputs, steps, m)
    if "resolution" in m:  # a growing GAN (ProGAN): each resolution's phases marked on both plots
        phases = growth_phases(steps, m["resolution"], m.get("alpha", []))
        for figure in (losses, outputs):
            plots.mark_phases(figure, phases, steps[-1] if steps else 0)
    evaluations = h.evaluations
    fid = plots.fid_figure(
        [e.step for e in evaluations],
        [e.fid for e in evaluations],
        evaluations[-1].feature_space if evaluations else "Fashion-MNIST classifier features",
        evaluations[-1].n if evaluations else 0,
    )
    last = evaluations[-1] if evaluations else None
    histogram = plots.class_histogram_figure(
        last.class_names if last else (), last.histogram if last else [], last.step if last else None
    )
    return losses, outputs, fid, histogram


DEAD_SERIES = {"g_dead": ("G dead units (fraction)", "#8c564b"), "d_dead": ("D dead units (fraction)", "#17becf")}


def dead_units(fig: plots.go.Figure, steps: list[int], m: dict[str, list[float]]) -> plots.go.Figure:
    """The share of G's and D's hidden units that fired for no sample of the step's batch (``trainers.dcgan.
    DeadUnits``), dashed, on a right-hand axis from 0 to 1 beside D's outputs."""
    for key, (label, colour) in DEAD_SERIES.items():
        if key in m:
            x, y = plots.binned(steps, m[key])
            fig.add_trace(
                plots.go.Scatter(
                    x=x, y=y, name=label, mode="lines", yaxis="y2", line=dict(width=3, color=colour, dash="dash")
                )
            )
    fig.update_layout(
        yaxis2=dict(title="dead units (fraction)", overlaying="y", side="right", range=[0, 1], showgrid=False),
        margin=dict(r=70),
    )
    return fig


def sigma_readout(job: TrainingJob) -> str:
    """D's per-layer σ (``trainers.dcgan.layer_sigmas``) from the current run's latest checkpoint, as markdown."""
    h = job.snapshot()
    if h.spec is None or h.out is None:
        raise ValueError("no run yet: train a DCGAN (Tricks → spectral normalisation on D to compare), then ask again")
    if "d_spectral_norm" not in registry.get(h.spec.family).switches():
        raise ValueError(f"{registry.get(h.spec.family).label} has no discriminator readout; train DCGAN or MLP GAN")
    discriminator = saved_discriminator(h.out)
    rows = layer_sigmas(discriminator)
    spectral = any("normalised" in r for r in rows)
    note = (
        "SN divides each W by σ̂, its power-iteration estimate, so σ(W/σ̂) ≈ 1 while σ(W) drifts freely"
        if spectral
        else "no spectral norm: each σ(W) is whatever training made it (tick *Spectral normalisation on D* to bound it)"
    )
    return (
        f"**D's per-layer σ** (largest singular value of each weight reshaped to (out, in·k·k), "
        f"checkpoint of step {saved_step(h.out)}): {note}.\n\n{sigma_table(rows)}"
    )


def growth_phases(steps: list[int], resolution: list[float], alpha: list[float]) -> list[tuple[int, str, bool]]:
    """(first step, label, fading) of each phase of a growing GAN's run: "4²", "8² fade-in", "8²", …"""
    phases, current = [], None
    for step, side, a in zip(steps, resolution, alpha or [1.0] * len(steps), strict=False):
        key = (int(side), a < 1.0)
        if key != current:
            current = key
            phases.append((step, f"{key[0]}² fade-in" if key[1] else f"{key[0]}²", key[1]))
    return phases


def stage_caption(h: History, step: int) -> str:
    """ " (16², fade-in α = 0.40)" for a growing GAN's grid at ``step``; "" for any other run."""
    if "resolution" not in h.metrics or step not in h.steps:
        return ""
    i = h.steps.index(step)
    side, alpha = int(h.metrics["resolution"][i]), h.metrics.get("alpha", [1.0] * len(h.steps))[i]
    return f" ({side}², fade-in α = {alpha:.2f})" if alpha < 1.0 else f" ({side}²)"


def timeline_position(index, n: int) -> int:
    """Timeline position ``index`` clamped to the ``n`` kept grids; the newest for one that is not a number."""
    try:
        position = float(index)
    except (TypeError, ValueError):
        return n - 1
    return n - 1 if math.isnan(position) else int(min(max(position, 0), n - 1))


def grid_at(h: History, index: int | float | None) -> tuple[Image.Image | None, str]:
    """The sample grid at timeline position ``index`` (clamped) and its caption."""
    if not h.grids:
        return None, "no samples yet"
    i = timeline_position(index, len(h.grids))
    step, grid = h.grids[i]
    return images.grid_image(
        grid, ncols=8, scale=GRID_SCALE
    ), f"fixed-latent samples at step {step}{stage_caption(h, step)}"


def shown(job: TrainingJob, key: str | None) -> History:
    """The history the plots show: the live run's (``key`` empty) or a recorded or ended run's (``recorded``)."""
    return recorded.find(job, key).history if key else job.snapshot()


def draw(h: History, follow: bool, index) -> list:
    """The status, the four figures, the grid at the timeline's ``index`` (the newest when following), the timeline
    and the Stop button of ``h``: what the plots show of any run, live or recorded."""
    n = len(h.grids)
    index = n - 1 if follow or index is None else timeline_position(index, max(n, 1))
    grid, caption = grid_at(h, index)
    slider = gr.Slider(minimum=0, maximum=max(n - 1, 1), value=max(index, 0), label=f"Timeline: {caption}")
    return [status_html(h), *figures(h), grid, slider, gr.Button(interactive=h.running)]


def poll(job: TrainingJob, version: int, follow: bool, index, viewer: str | None = None, key: str | None = ""):
    """Everything the tab shows, or ``gr.skip()`` for each output when nothing changed since ``version`` or a
    recorded run is shown (``key``, or what ``show_run`` last showed on the page) (``viewer``: the polling session;
    only the run's owner keeps it alive)."""
    if owns(job, viewer):
        job.seen()
    h = job.snapshot()
    if h.version == version or key or SHOWN.get(viewer, ""):
        return [version] + [gr.skip()] * 8
    return [h.version, *draw(h, follow, index)]


class Drawn:
    """What ``draw`` gives for each run that no longer changes (a recorded or ended run), kept for the next page that
    opens it (a room opening the lecture's runs: its figures cost ~50 ms of CPU each time). Bounded; an entry is
    used only for the very History it was drawn from (a record read again after its file changed is drawn anew)."""

    def __init__(self, runs: int = 32):
        self.runs, self.kept, self.lock = runs, OrderedDict(), threading.Lock()

    def __call__(self, key: str, h: History) -> list:
        with self.lock:
            kept = self.kept.get(key)
            if kept is not None and kept[0] is h:
                self.kept.move_to_end(key)
                return kept[1]
        views = draw(h, True, None)
        with self.lock:
            self.kept[key] = (h, views)
            while len(self.kept) > self.runs:
                self.kept.popitem(last=False)
        return views


DRAWN = Drawn()


@user_errors
def show_run(job: TrainingJob, key: str | None, page: str | None = None) -> list:
    """Open a run in the plots at once: the live one (``key`` empty; the poll then follows it) or a recorded or
    ended one, drawn by the same figures, its timeline at the newest grid. The version returned is the live run's,
    or −1 so that going back to the live run redraws it. ``page`` (a session; by default the restore's that draws
    it, ``share.ASKER``) keeps showing it: its poll draws the live run again only once it is shown (``SHOWN``)."""
    h = shown(job, key)
    SHOWN.set(page if page is not None else share.ASKER.get()[0], key or "")
    views = DRAWN(key, h) if key else draw(h, True, None)
    return [-1 if key else h.version, *views[:-1], gr.Button(interactive=job.snapshot().running)]


@user_errors
def scrub(job: TrainingJob, index, key: str | None = "") -> tuple[Image.Image | None, bool]:
    """Show an earlier grid of the shown run; scrubbing stops following the newest one."""
    grid, _ = grid_at(shown(job, key), index)
    return grid, False


@user_errors
def timeline_animation(job: TrainingJob, key: str | None = "") -> list[str]:
    """Every kept sample grid of the shown run, animated (GIF, and MP4 where ffmpeg is available)."""
    h = shown(job, key)
    if not h.grids:
        raise ValueError("no sample grids yet: start a run first")
    frames = [images.grid_image(grid, ncols=8, scale=2) for _, grid in h.grids]
    path = download_path(f"{h.spec.family if h.spec else 'run'}-timeline", ".gif")
    return images.save_animation(frames, path, duration_ms=200, bounce=False)
