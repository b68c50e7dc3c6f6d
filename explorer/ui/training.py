"""Training tab: train a small GAN or VAE from the browser and watch it learn.

The tab starts the same trainers the CLI runs (``trainers.job`` consumes their event stream in a
background thread) and polls the run's history once a second: D and G losses, D's outputs (or the
critic's Wasserstein estimate), FID, the class histogram of the samples (mode collapse shows as one
tall bar) and a fixed-latent sample grid with a timeline slider. One run per app process.
"""

import dataclasses
import functools
import math
import time
from collections.abc import Callable, Sequence

import gradio as gr
from PIL import Image, ImageDraw

from explorer import images, plots
from explorer.data import DATASETS, IMAGE_FOLDER_PREFIX
from explorer.losses import OBJECTIVES
from explorer.settings import Settings
from explorer.space import hub_token, on_space, sign_in_hint
from explorer.ui import growing
from explorer.ui.common import ModelList, download_path, named_values, user_errors
from explorer.zoo import Zoo
from trainers import options as trick_options
from trainers import registry
from trainers.dcgan import layer_sigmas, saved_discriminator, sigma_table
from trainers.job import TRICK_DEFAULTS, Busy, History, RunSpec, TrainingJob
from trainers.loop import saved_step

NOTE = """**Train a small model and watch it learn.** Pick a family and a loss (each loss comes with its
paper's recipe, which you can change), press **Start**, and watch the curves. **Stop** ends the run
after the current step and keeps a checkpoint; **Save** copies it into the zoo under a name, and it
appears in every tab's model list. One run at a time per app; on 2 CPU cores a DCGAN learns
recognisable clothes in about 1 000 steps (≈ 3 minutes). **Tricks** switches the GAN hacks and DCGAN's rules
one at a time (soft or flipped labels, mixed real/fake batches, D's norm, activation and downsampling, spectral
norm on D, G's norm, activation and output, the size of z), with the share of dead units in G and D plotted; the
family **MLP GAN (2014)** is the original fully connected GAN. Run the same steps twice, one switch changed,
and compare the loss plots and grids."""
GRID_SCALE = 3
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 10.0  # ≪ the job's orphan timeout (120 s); only the owner's page's beats count


def dataset_choices(settings: Settings | None = None) -> list[str]:
    """The built-in datasets and the image folders under the settings' image root."""
    root = (settings or Settings()).images
    folders = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return list(DATASETS) + [IMAGE_FOLDER_PREFIX + name for name in folders]


def family_labels() -> dict[str, str]:
    """Display label → family, for the families the tab can train (``trainers.registry``)."""
    return {registry.get(name).label: name for name in registry.trainable(in_app=True)}


def _family(label: str) -> str:
    labels = family_labels()
    if label in labels:
        return labels[label]
    if label in labels.values():
        return label
    raise ValueError(f"unknown family {label!r}; choose one of {', '.join(labels)}")


def _number(value, name: str, kind=float):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{name} is empty: enter a number")
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a number, got {value!r}") from error
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if kind is int:
        if number != int(number):
            raise ValueError(f"{name} must be a whole number, got {value}")
        return int(number)
    return number


TRICK_CHOICES = {  # RunSpec field → (allowed values, what the message calls it): trainers.options, one place
    name: (trick.values, trick.label) for name, trick in trick_options.TRICKS.items() if trick.choices
}


def trick_control(name: str, kind=gr.Radio, **options):
    """The Training tab's control of a trick, from its one definition (``trainers.options``): label, choices,
    default; its elem_id ``train-<name with dashes>``."""
    trick = trick_options.TRICKS[name]
    if trick.choices:
        options["choices"] = list(trick.choices)
    options.setdefault("elem_id", "train-" + name.replace("_", "-"))
    return kind(value=trick.default, label=trick.label, **options)


def _choice(value, allowed: tuple[str, ...], name: str) -> str:
    value = "" if value is None else str(value)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}")
    return value


def recipe_values(family_label: str, loss: str | None = None) -> dict:
    """The family's recipe (for an adversarial family, the loss's), by ``RunSpec`` field: the loss dropdown,
    G and D learning rates, β1, β2, batch size, D steps."""
    family = _family(family_label)
    losses = registry.get(family).objectives()
    loss = loss if loss in losses else "non-saturating" if "non-saturating" in losses else losses[0]
    return {"loss": gr.Dropdown(choices=losses, value=loss)} | RunSpec.recipe(family, loss)


CONTROLS = tuple(f.name for f in dataclasses.fields(RunSpec))  # the tab's controls, named as RunSpec's fields
TRICKS = {name: getattr(RunSpec(), name) for name in (*TRICK_DEFAULTS, "latent_dim")}  # optional controls, off


def make_spec(values: dict) -> RunSpec:
    """The run the controls describe (``values``: RunSpec field → control value); every value checked, named in
    the message."""
    missing = [name for name in CONTROLS if name not in values and name not in TRICKS]
    if missing:
        raise ValueError(f"missing settings: {', '.join(missing)}")
    v = {**TRICKS, **values}  # the tricks are optional: absent = off (the recipe)
    names = {"g_lr": "G learning rate", "d_lr": "D learning rate", "beta1": "Adam β1", "beta2": "Adam β2"}
    names |= {"label_smoothing": "label smoothing", "ema_beta": "EMA β", "label_flip": "label flip rate"}
    names |= {"ortho_beta": "orthogonal regularisation β"}
    numbers = {key: _number(v[key], label) for key, label in names.items()}
    whole = {"batch_size": "batch size", "d_steps": "D steps per G step", "seed": "seed", "steps": "steps"}
    whole |= {"sample_every": "samples every", "eval_every": "FID every", "eval_samples": "FID samples"}
    whole |= {"latent_dim": "size of z"}
    numbers |= {key: _number(v[key], label, int) for key, label in whole.items()}
    choices = {name: _choice(v[name], allowed, label) for name, (allowed, label) in TRICK_CHOICES.items()}
    spec = RunSpec(
        family=_family(v["family"]),
        data=str(v["data"]),
        loss=str(v["loss"]),
        soft_labels=bool(v["soft_labels"]),
        d_spectral_norm=bool(v["d_spectral_norm"]),
        **choices,
        **numbers,
    )
    if spec.sample_every < 1:
        raise ValueError(f"samples every must be ≥ 1 step, got {spec.sample_every}")
    if not 0 <= spec.seed < 2**31:
        raise ValueError(f"seed must be between 0 and 2³¹ − 1, got {spec.seed}")
    return spec


def start_run(job: TrainingJob, controls: dict, owner: str | None = None) -> str:
    """Start a run (``controls`` by RunSpec field); a busy app, bad values or missing data give a message and
    start nothing."""
    spec = make_spec(controls)
    try:
        job.start(spec, owner=owner)
    except Busy as error:
        raise gr.Error(busy_message(job, owner)) from error
    return status_html(job.snapshot())


def busy_message(job: TrainingJob, viewer: str | None = None) -> str:
    """What a Start in a busy app says: whose the run is (this browser session's or another's), how far it
    is, and when it ends (its ETA)."""
    h = job.snapshot()
    if h.spec is None or not h.running:
        return "busy: a run is starting or stopping; press Start again in a moment."
    mine = viewer is not None and viewer == job.owner
    who = "this browser session" if mine else "another browser session"
    started = f" {_duration(time.monotonic() - h.started_at)} ago" if h.started_at else ""
    eta = h.eta_seconds()
    ends = f"it ends in about {_duration(eta)}" if eta is not None else "its end is estimated after its first steps"
    then = "press ■ Stop to end it first" if mine else "press Start again once it has ended (its owner can stop it)"
    return (
        f"busy: {who} started a {registry.get(h.spec.family).label} run on {h.spec.data}{started}; it is at step "
        f"{h.step} of "
        f"{h.total_steps} and {ends}. One run at a time per app: {then}."
    )


def owns(job: TrainingJob, viewer: str | None) -> bool:
    """Whether ``viewer``'s page keeps the run alive: the session that started it (any page when the run has no
    owner, e.g. one started outside the app). Other pages watching it do not, so a run whose owner closed its
    tab stops after the job's orphan timeout however many others watch."""
    return job.owner is None or viewer is None or viewer == job.owner


def stop_run(job: TrainingJob, owner: str | None = None) -> str:
    try:
        job.stop(owner)
    except PermissionError as error:
        raise gr.Error(str(error)) from error
    return status_html(job.snapshot())


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def status_html(h: History) -> str:
    """A progress bar with step, throughput, ETA and the share of time live FID took."""
    if h.spec is None:
        return "<p style='font-size:1.1em'>No run yet: choose the settings and press <b>Start</b>.</p>"
    done = h.step / h.total_steps if h.total_steps else 0.0
    parts = [f"step {h.step} / {h.total_steps} ({100 * done:.0f} %)", f"{h.images_per_second:.0f} img/s"]
    eta = h.eta_seconds()
    if eta is not None:
        parts.append(f"ETA {_duration(eta)}")
    if h.eval_seconds and h.started_at:
        elapsed = max(time.monotonic() - h.started_at, 1e-9)
        parts.append(f"live FID took {100 * h.eval_seconds / elapsed:.1f} % of the time")
    parts.append(f"on {h.device}")
    colour = {"diverged": "#d62728", "failed": "#d62728", "finished": "#2ca02c"}.get(h.status, "#1f77b4")
    message = f"<br><span style='color:{colour}'>{h.message}</span>" if h.message else ""
    return (
        f"<div style='font-size:1.1em'><b style='color:{colour}'>{h.status}</b>: {h.spec.family} on {h.spec.data}, "
        f"{h.spec.loss}<br><progress value='{h.step}' max='{max(h.total_steps, 1)}' style='width:100%;height:1.2em'>"
        f"</progress><br>{' · '.join(parts)}{message}</div>"
    )


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


def poll(job: TrainingJob, version: int, follow: bool, index, viewer: str | None = None):
    """Everything the tab shows, or ``gr.skip()`` for each output when nothing changed since ``version``
    (``viewer``: the polling session; only the run's owner keeps it alive)."""
    if owns(job, viewer):
        job.seen()
    h = job.snapshot()
    if h.version == version:
        return [version] + [gr.skip()] * 8
    n = len(h.grids)
    index = n - 1 if follow or index is None else timeline_position(index, max(n, 1))
    grid, caption = grid_at(h, index)
    slider = gr.Slider(minimum=0, maximum=max(n - 1, 1), value=max(index, 0), label=f"Timeline: {caption}")
    return [h.version, status_html(h), *figures(h), grid, slider, gr.Button(interactive=h.running)]


def scrub(job: TrainingJob, index) -> tuple[Image.Image | None, bool]:
    """Show an earlier grid; scrubbing stops following the newest one."""
    grid, _ = grid_at(job.snapshot(), index)
    return grid, False


def timeline_animation(job: TrainingJob) -> list[str]:
    """Every kept sample grid, animated (GIF, and MP4 where ffmpeg is available): the timeline of learning."""
    h = job.snapshot()
    if not h.grids:
        raise ValueError("no sample grids yet: start a run first")
    frames = [images.grid_image(grid, ncols=8, scale=2) for _, grid in h.grids]
    path = download_path(f"{h.spec.family}-timeline", ".gif")
    return images.save_animation(frames, path, duration_ms=200, bounce=False)


def save_run(
    job: TrainingJob, zoo: Zoo, name: str, model_lists: Sequence[ModelList] = (), replace: bool = False
) -> list:
    """Copy the latest checkpoint into the zoo; every tab's model list is refreshed. An existing saved run of
    the same name is replaced only when ``replace`` is ticked."""
    if not isinstance(name, str | None):
        raise ValueError(f"the name must be text, got {name!r}")
    entry = job.save(zoo, name or "", replace=bool(replace))
    h = job.snapshot()
    message = (
        f"<p style='font-size:1.1em'>Saved <b>{entry.name}</b> ({entry.family}, checkpoint of step {h.saved_step}) "
        f"to <code>{entry.path}</code>. It is in the model lists of the explorer tabs now.</p>"
    )
    return [message] + [gr.Dropdown(choices=lst.names()) for lst in model_lists]


def push_run(job: TrainingJob, repo_id: str, token: str | None = None) -> str:
    """Upload the run's checkpoint folder to a Hub model repo as the visitor (``token``: their own, from the
    Sign-in on a Space; a local run may use the token of whoever started the app, ``explorer.space.hub_token``).
    An anonymous visitor on a Space is refused before any request."""
    token = hub_token(token)
    if not token:
        if on_space():
            raise ValueError("sign in with the 'Sign in with Hugging Face' button to push: the Space pushes as you")
        raise ValueError(
            "pushing to the Hub needs a token: set HF_TOKEN or run `hf auth login` before starting the app"
        )
    h = job.snapshot()
    if h.out is None or not h.out.is_dir():
        raise ValueError("nothing to push yet: train and stop a run first")
    if not isinstance(repo_id, str) or repo_id.count("/") != 1:
        raise ValueError(f"repo id must look like 'user/name', got {repo_id!r}")
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, exist_ok=True)
        commit = api.upload_folder(repo_id=repo_id, folder_path=str(h.out), commit_message=f"step {h.saved_step}")
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else "no answer"
        raise ValueError(f"the Hub refused the push to {repo_id} ({status}): {sign_in_hint()} write it") from error
    return f"pushed to https://huggingface.co/{repo_id} ({commit.oid[:8]})"


# --- compare runs -----------------------------------------------------------------------------------------
COMPARE_NOTE = """**Compare runs**: the app keeps its last six finished runs (in memory, until it restarts). Tick two or
more and *Compare*: G's loss (solid) and D's loss (dotted) of each on one plot, their FID curves on another, and each
run's last sample grid side by side: the lecture's "which loss survives which architecture" as two runs of the same
few hundred steps with one setting changed."""


def run_choices(job: TrainingJob) -> list[str]:
    return [label for label, _ in job.finished_runs()]


@user_errors
def compare_runs(job: TrainingJob, chosen: list[str] | None):
    """(losses of the chosen runs overlaid, their FID curves, their last sample grids side by side)."""
    runs = dict(job.finished_runs())
    chosen = [label for label in (chosen or []) if label in runs]
    if not chosen:
        raise ValueError("tick at least one finished run to compare (finish or stop a run first)")
    losses, fid = plots.go.Figure(), plots.go.Figure()
    pictures, names = [], []
    for i, label in enumerate(chosen):
        h, colour = runs[label], plots.METRIC_COLOURS[i % len(plots.METRIC_COLOURS)]
        number = label.split(".")[0]
        for key, dash in (("g_loss", "solid"), ("d_loss", "dot")):
            if key in h.metrics:
                losses.add_trace(
                    plots.go.Scatter(
                        x=h.steps,
                        y=h.metrics[key],
                        name=f"run {number}: {'G' if key == 'g_loss' else 'D'}",
                        mode="lines",
                        line=dict(color=colour, dash=dash, width=3),
                    )
                )
        if h.evaluations:
            fid.add_trace(
                plots.go.Scatter(
                    x=[e.step for e in h.evaluations],
                    y=[e.fid for e in h.evaluations],
                    name=f"run {number}",
                    mode="lines+markers",
                    line=dict(color=colour, width=3),
                )
            )
        if h.grids:
            step, grid = h.grids[-1]
            pictures.append(images.grid_image(grid[:36], ncols=6, scale=GRID_SCALE))
            names.append(f"run {number}, step {step}")
    plots._layout(losses, "D and G losses (G solid, D dotted)", "step", "loss")
    plots._layout(fid, "FID (lower is better)", "step", "FID")
    return losses, fid, side_by_side(pictures, names)


def side_by_side(
    pictures: list[Image.Image], names: list[str], gap: int = 12, font_size: int = 18
) -> Image.Image | None:
    """The pictures in one row on white, each under its name (large enough for a projector)."""
    if not pictures:
        return None
    font, top = images.label_font(font_size), font_size + 12
    width = sum(p.width for p in pictures) + gap * (len(pictures) - 1)
    row = Image.new("RGB", (width, top + max(p.height for p in pictures)), "white")
    draw, x = ImageDraw.Draw(row), 0
    for picture, name in zip(pictures, names, strict=True):
        row.paste(picture.convert("RGB"), (x, top))
        draw.text((x + picture.width / 2, top / 2), images.label_text(name, font), fill="black", font=font, anchor="mm")
        x += picture.width + gap
    return row


def build(
    zoo: Zoo,
    model_lists: Sequence[ModelList] = (),
    job: TrainingJob | None = None,
    tabs: dict | None = None,
    zoo_changed: Callable | None = None,
) -> TrainingJob:
    """The tab; returns its job (one per app). ``tabs`` (id → gr.Tab, with "training") lets the plots
    poll only while this tab is shown; otherwise they poll all the time."""
    job = job or TrainingJob(settings=zoo.settings)
    gr.Markdown(NOTE, elem_classes=["note"])
    spec = RunSpec()
    empty = figures(History())
    labels = family_labels()
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            first = registry.get(spec.family)
            family = gr.Dropdown(list(labels), value=first.label, label="Family", elem_id="train-family")
            choices = dataset_choices(zoo.settings)
            data = gr.Dropdown(choices, value=spec.data, label="Data", allow_custom_value=True)
            loss = gr.Dropdown(first.objectives(), value=spec.loss, label="Loss", elem_id="train-loss")
            with gr.Row():  # Start and the run's status near the top: in view on a projector with the plots
                start = gr.Button("▶ Start", variant="primary", elem_id="train-start", min_width=80)
                stop = gr.Button("■ Stop", variant="stop", interactive=False, elem_id="train-stop", min_width=80)
            status = gr.HTML(status_html(job.snapshot()), elem_id="train-status")
            with gr.Row():
                g_lr = gr.Number(spec.g_lr, label="G learning rate")
                d_lr = gr.Number(spec.d_lr, label="D learning rate")
            with gr.Row():
                beta1 = gr.Number(spec.beta1, label="Adam β1")
                beta2 = gr.Number(spec.beta2, label="Adam β2")
            with gr.Row():
                batch_size = gr.Number(spec.batch_size, label="Batch size", precision=0)
                d_steps = gr.Number(spec.d_steps, label="D steps per G step", precision=0)
            with gr.Row():
                steps = gr.Number(spec.steps, label="Steps", precision=0, elem_id="train-steps")
                seed = gr.Number(spec.seed, label="Seed", precision=0)
            with gr.Accordion("Tricks: labels, batches, normalisation, activation, output, z", open=False):
                soft = trick_control("soft_labels", gr.Checkbox, elem_id="train-soft")
                flip = trick_control("label_flip", gr.Slider, minimum=0, maximum=0.5, step=0.05, elem_id="train-flip")
                d_batches = trick_control("d_batches")
                d_norm = trick_control("d_norm", gr.Dropdown)
                d_activation = trick_control("d_activation")
                d_down = trick_control("d_down")
                d_sn = trick_control("d_spectral_norm", gr.Checkbox)
                with gr.Row():  # G's side of DCGAN's rules (the DCGAN family's model)
                    g_norm = trick_control("g_norm")
                    g_activation = trick_control("g_activation")
                g_output = trick_control("g_output")
                latent_dim = gr.Number(0, label="Size of z (0 = the family's: DCGAN 100)", precision=0)
                ortho = trick_control("ortho_beta", gr.Number, elem_id="train-ortho")
            with gr.Accordion("More: smoothing, EMA, sampling, FID", open=False):
                smoothing = gr.Slider(0, 0.3, value=0, step=0.05, label="One-sided label smoothing (BCE losses)")
                ema = gr.Number(0.0, label="EMA β of G (0 = off; StyleGAN/BigGAN default when 0)")
                sample_every = gr.Number(spec.sample_every, label="Sample grid every K steps", precision=0)
                eval_every = gr.Number(spec.eval_every, label="FID every K steps (0 = off)", precision=0)
                eval_samples = gr.Number(spec.eval_samples, label="FID samples", precision=0)
            with gr.Row():
                name = gr.Textbox("my-model", label="Save as (zoo name)", scale=2)
                save = gr.Button("Save to zoo", elem_id="train-save", scale=1)
            replace = gr.Checkbox(False, label="Replace a saved run of the same name", elem_id="train-replace")
            needs = "as yourself: sign in" if on_space() else "needs HF_TOKEN or `hf auth login`"
            with gr.Accordion(f"Push to the Hugging Face Hub (optional, {needs})", open=False):
                if on_space():  # a visitor pushes with their own login, never with the Space owner's token
                    gr.LoginButton(elem_id="push-login")
                repo = gr.Textbox(label="Repo id (user/name)")
                push = gr.Button("Push checkpoint")
        with gr.Column(scale=2):
            with gr.Row():  # the losses and the samples first: what a room watches while a model trains
                loss_plot = gr.Plot(empty[0], label="Losses", elem_id="train-losses")
                with gr.Column():
                    grid = gr.Image(label="Samples (fixed latents)", elem_id="train-grid", format="png")
                    timeline = gr.Slider(0, 1, value=0, step=1, label="Timeline", elem_id="train-timeline")
                    follow = gr.Checkbox(True, label="Follow the newest grid")
            with gr.Row():
                fid_plot = gr.Plot(empty[2], label="FID", elem_id="train-fid")
                histogram_plot = gr.Plot(empty[3], label="Class histogram")
            with gr.Row():
                output_plot = gr.Plot(empty[1], label="D outputs")
                with gr.Column():
                    gif_button = gr.Button(f"Timeline as an animation ({images.animation_formats()})")
                    gif_file = gr.File(label="Download", file_count="multiple")
                    sigma_button = gr.Button("D's per-layer σ (latest checkpoint)", elem_id="train-sigma")
            sigma_text = gr.Markdown(elem_id="train-sigma-table")
    with gr.Accordion("Compare runs", open=False, elem_id="train-compare-section"):
        gr.Markdown(COMPARE_NOTE, elem_classes=["note"])
        with gr.Row():
            compare_pick = gr.CheckboxGroup(
                run_choices(job), label="Finished runs", elem_id="train-compare-runs", scale=3
            )
            with gr.Column(scale=1):
                refresh_runs = gr.Button("Refresh the list", elem_id="train-compare-refresh")
                compare = gr.Button("Compare", variant="primary", elem_id="train-compare")
        with gr.Row():
            compare_losses = gr.Plot(label="Losses of the chosen runs", elem_id="train-compare-losses")
            compare_fid = gr.Plot(label="FID of the chosen runs", elem_id="train-compare-fid")
        compare_grids = gr.Image(
            label="Last sample grids", format="png", interactive=False, elem_id="train-compare-grids"
        )

    controls = dict(  # every control by its RunSpec field: handlers receive them named, never by position
        family=family,
        data=data,
        loss=loss,
        g_lr=g_lr,
        d_lr=d_lr,
        beta1=beta1,
        beta2=beta2,
        batch_size=batch_size,
        d_steps=d_steps,
        label_smoothing=smoothing,
        ema_beta=ema,
        soft_labels=soft,
        label_flip=flip,
        d_batches=d_batches,
        d_norm=d_norm,
        d_activation=d_activation,
        d_down=d_down,
        d_spectral_norm=d_sn,
        g_norm=g_norm,
        g_activation=g_activation,
        g_output=g_output,
        latent_dim=latent_dim,
        ortho_beta=ortho,
        seed=seed,
        steps=steps,
        sample_every=sample_every,
        eval_every=eval_every,
        eval_samples=eval_samples,
    )
    refresh_runs.click(
        lambda chosen: gr.CheckboxGroup(
            choices=run_choices(job), value=[c for c in chosen or [] if c in run_choices(job)]
        ),
        compare_pick,
        compare_pick,
        api_visibility="undocumented",
    )
    compare.click(
        functools.partial(compare_runs, job),
        compare_pick,
        [compare_losses, compare_fid, compare_grids],
        api_name="compare_runs",
    )
    version = gr.State(-1)
    timer = gr.Timer(POLL_SECONDS, active=tabs is None)  # the plots: only while the tab is shown
    heartbeat = gr.Timer(HEARTBEAT_SECONDS)  # an open page keeps its run alive, whichever tab it shows

    def alive(request: gr.Request) -> None:  # the owner's page, whichever tab it shows, keeps its run alive
        if owns(job, getattr(request, "session_hash", None)):
            job.seen()

    heartbeat.tick(alive, None, None, queue=False, show_progress="hidden", api_visibility="undocumented")
    for tab_id, item in (tabs or {}).items():
        shown = tab_id == "training"
        item.select(lambda shown=shown: gr.Timer(active=shown), None, timer, queue=False, api_visibility="undocumented")
    poll_outputs = [version, status, loss_plot, output_plot, fid_plot, histogram_plot, grid, timeline, stop]
    quiet = dict(show_progress="hidden", api_visibility="undocumented")

    def on_start(values: dict, request: gr.Request):
        # inputs given as a set: Gradio passes {component: value}; ``request`` is injected by its annotation
        named = named_values(controls, values)
        return user_errors(start_run)(job, named, owner=getattr(request, "session_hash", None))

    def on_stop(request: gr.Request):
        return stop_run(job, getattr(request, "session_hash", None))

    recipe_names = ("loss", "g_lr", "d_lr", "beta1", "beta2", "batch_size", "d_steps")
    recipe_outputs = [controls[name] for name in recipe_names]

    @user_errors
    def on_recipe(family_label: str, loss_name: str | None = None) -> dict:
        return {controls[name]: value for name, value in recipe_values(family_label, loss_name).items()}

    family.input(on_recipe, [family], recipe_outputs, **quiet)
    loss.input(on_recipe, [family, loss], recipe_outputs, **quiet)
    start.click(on_start, set(controls.values()), status, api_name="train_start", concurrency_limit=None).then(
        lambda: gr.Button(interactive=True), None, stop, **quiet
    )
    stop.click(on_stop, None, status, api_name="train_stop", concurrency_limit=None)

    def on_poll(v, f, i, request: gr.Request):
        return poll(job, v, f, i, getattr(request, "session_hash", None))

    timer.tick(on_poll, [version, follow, timeline], poll_outputs, **quiet)
    timeline.input(lambda i: scrub(job, i), timeline, [grid, follow], **quiet)
    gif_button.click(user_errors(lambda: timeline_animation(job)), None, gif_file, api_visibility="undocumented")
    sigma_button.click(user_errors(lambda: sigma_readout(job)), None, sigma_text, api_visibility="undocumented")
    growing_list = growing.build(zoo)  # ProGAN's stages (a section below Compare runs)
    lists = list(model_lists) + ([growing_list] if growing_list else [])
    saved = save.click(
        user_errors(lambda n, r: save_run(job, zoo, n, lists, r)),
        [name, replace],
        [status, *[lst.dropdown for lst in lists]],
        api_name="train_save",
    )
    if zoo_changed is not None:  # the app's header counts the models
        zoo_changed(saved)

    @user_errors
    def on_push(repo_id: str, oauth_token: gr.OAuthToken | None = None) -> str:
        return push_run(job, repo_id, oauth_token.token if oauth_token is not None else None)

    push.click(on_push, repo, status, api_visibility="undocumented")
    return job
