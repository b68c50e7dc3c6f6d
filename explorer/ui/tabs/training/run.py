"""A training run's settings and life: the controls' checks (``make_spec``), start, stop, status, save, push.

The Training tab starts the same trainers the CLI runs (``trainers.job`` consumes their event stream in a
background thread); one run per app process. These are its pure handlers: values in, a message or a run out.
"""

import dataclasses
import math
import time
from collections.abc import Sequence

import gradio as gr

from explorer.data import DATASETS, IMAGE_FOLDER_PREFIX
from explorer.settings import Settings
from explorer.space import hub_token, on_space, sign_in_hint
from explorer.ui.common import ModelList
from explorer.zoo import Zoo
from trainers import options as trick_options
from trainers import registry
from trainers.job import TRICK_DEFAULTS, Busy, History, RunSpec, TrainingJob


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
