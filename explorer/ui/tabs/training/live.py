"""Train one live: the run's settings on the left, the room's view of it on the right (losses and samples first),
polled once a second while the Training tab is shown. Handlers take the settings by name (``run.make_spec``)."""

from collections.abc import Callable, Sequence

import gradio as gr

from explorer import images
from explorer.space import on_space
from explorer.ui.common import ModelList, named_values, user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.training import compare, recorded, views
from explorer.ui.tabs.training.run import (
    CONTROLS,
    dataset_choices,
    family_labels,
    push_run,
    recipe_values,
    save_run,
    start_run,
    status_html,
    stop_run,
    trick_control,
)
from explorer.zoo import Zoo
from trainers import registry
from trainers.job import History, RunSpec, TrainingJob

TITLE = "Train one live"
ID = "live"

NOTE = """**Train a small model and watch it learn.** Pick a family and a loss (each loss comes with its
paper's recipe, which you can change), press **Start**, and watch the curves. **Stop** ends the run
after the current step and keeps a checkpoint; **Save** copies it into the zoo under a name, and it
appears in every tab's model list. One run at a time per app; on 2 CPU cores a DCGAN learns
recognisable clothes in about 1 000 steps (≈ 3 minutes). **Tricks** switches the GAN hacks and DCGAN's rules
one at a time (soft or flipped labels, mixed real/fake batches, D's norm, activation and downsampling, spectral
norm on D, G's norm, activation and output, the size of z), with the share of dead units in G and D plotted; the
family **MLP GAN (2014)** is the original fully connected GAN. Run the same steps twice, one switch changed,
and compare the loss plots and grids."""
POLL_SECONDS = 1.0
LIVE = ("the live run (Start one on the left)", "")
RECIPE = ("loss", "g_lr", "d_lr", "beta1", "beta2", "batch_size", "d_steps")  # what a family or loss sets


def show_choices(job: TrainingJob) -> list[tuple[str, str]]:
    """What the plots can show: the live run, then every recorded and ended run (``recorded``)."""
    return [LIVE, *recorded.choices(job)]


def _run_settings(zoo: Zoo, job: TrainingJob) -> dict:
    """The left column's top: family, loss, ▶ ■ and the status (in view on a projector with the plots), then the
    data, the optimiser and the run's length."""
    spec, first = RunSpec(), registry.get(RunSpec().family)
    ui = dict(
        family=gr.Dropdown(list(family_labels()), value=first.label, label="Family", elem_id="train-family"),
        loss=gr.Dropdown(first.objectives(), value=spec.loss, label="Loss", elem_id="train-loss"),
    )
    with gr.Row():  # ▶ and the status before the data: in a 1280×720 view under the section bar
        ui["start"] = gr.Button("▶ Start", variant="primary", elem_id="train-start", min_width=80)
        ui["stop"] = gr.Button("■ Stop", variant="stop", interactive=False, elem_id="train-stop", min_width=80)
    ui["status"] = gr.HTML(status_html(job.snapshot()), elem_id="train-status")
    ui["data"] = gr.Dropdown(dataset_choices(zoo.settings), value=spec.data, label="Data", allow_custom_value=True)
    with gr.Row():
        ui["g_lr"] = gr.Number(spec.g_lr, label="G learning rate")
        ui["d_lr"] = gr.Number(spec.d_lr, label="D learning rate")
    with gr.Row():
        ui["beta1"] = gr.Number(spec.beta1, label="Adam β1")
        ui["beta2"] = gr.Number(spec.beta2, label="Adam β2")
    with gr.Row():
        ui["batch_size"] = gr.Number(spec.batch_size, label="Batch size", precision=0)
        ui["d_steps"] = gr.Number(spec.d_steps, label="D steps per G step", precision=0)
    with gr.Row():
        ui["steps"] = gr.Number(spec.steps, label="Steps", precision=0, elem_id="train-steps")
        ui["seed"] = gr.Number(spec.seed, label="Seed", precision=0)
    return ui


def _tricks_and_more() -> dict:
    """The two accordions: the GAN hacks and DCGAN's rules (``trainers.options``); smoothing, EMA, sampling, FID."""
    spec, ui = RunSpec(), {}
    with gr.Accordion("Tricks: labels, batches, normalisation, activation, output, z", open=False):
        ui["soft_labels"] = trick_control("soft_labels", gr.Checkbox, elem_id="train-soft")
        ui["label_flip"] = trick_control(
            "label_flip", gr.Slider, minimum=0, maximum=0.5, step=0.05, elem_id="train-flip"
        )
        for name in ("d_batches", "d_norm", "d_activation", "d_down", "d_spectral_norm"):
            kind = {"d_norm": gr.Dropdown, "d_spectral_norm": gr.Checkbox}.get(name, gr.Radio)
            ui[name] = trick_control(name, kind)
        with gr.Row():  # G's side of DCGAN's rules (the DCGAN family's model)
            ui["g_norm"] = trick_control("g_norm")
            ui["g_activation"] = trick_control("g_activation")
        ui["g_output"] = trick_control("g_output")
        ui["latent_dim"] = gr.Number(0, label="Size of z (0 = the family's: DCGAN 100)", precision=0)
        ui["ortho_beta"] = trick_control("ortho_beta", gr.Number, elem_id="train-ortho")
    with gr.Accordion("More: smoothing, EMA, sampling, FID", open=False):
        ui["label_smoothing"] = gr.Slider(0, 0.3, value=0, step=0.05, label="One-sided label smoothing (BCE losses)")
        ui["ema_beta"] = gr.Number(0.0, label="EMA β of G (0 = off; StyleGAN/BigGAN default when 0)")
        ui["sample_every"] = gr.Number(spec.sample_every, label="Sample grid every K steps", precision=0)
        ui["eval_every"] = gr.Number(spec.eval_every, label="FID every K steps (0 = off)", precision=0)
        ui["eval_samples"] = gr.Number(spec.eval_samples, label="FID samples", precision=0)
    return ui


def _keeping() -> dict:
    """Save into the zoo, and push to the Hub (a visitor on a Space signs in and pushes as themself)."""
    ui = {}
    with gr.Row():
        ui["name"] = gr.Textbox("my-model", label="Save as (zoo name)", scale=2)
        ui["save"] = gr.Button("Save to zoo", elem_id="train-save", scale=1)
    ui["replace"] = gr.Checkbox(False, label="Replace a saved run of the same name", elem_id="train-replace")
    needs = "as yourself: sign in" if on_space() else "needs HF_TOKEN or `hf auth login`"
    with gr.Accordion(f"Push to the Hugging Face Hub (optional, {needs})", open=False):
        if on_space():  # a visitor pushes with their own login, never with the Space owner's token
            gr.LoginButton(elem_id="push-login")
        ui["repo"] = gr.Textbox(label="Repo id (user/name)")
        ui["push"] = gr.Button("Push checkpoint")
    return ui


def _watching(job: TrainingJob) -> dict:
    """The right column: what a room watches while a model trains, the losses and the samples first; above them,
    which run they show (the live one, or a recorded or ended one: ``recorded``)."""
    empty, ui = views.figures(History()), {}
    ui["show"] = gr.Dropdown(
        show_choices(job),
        value="",
        label="Show (a recorded run opens at once)",
        elem_id="train-show",
    )
    with gr.Row():
        ui["losses"] = gr.Plot(empty[0], label="Losses", elem_id="train-losses")
        with gr.Column():
            ui["grid"] = gr.Image(label="Samples (fixed latents)", elem_id="train-grid", format="png")
            ui["timeline"] = gr.Slider(0, 1, value=0, step=1, label="Timeline", elem_id="train-timeline")
            ui["follow"] = gr.Checkbox(True, label="Follow the newest grid")
    with gr.Row():
        ui["fid"] = gr.Plot(empty[2], label="FID", elem_id="train-fid")
        ui["histogram"] = gr.Plot(empty[3], label="Class histogram")
    with gr.Row():
        ui["outputs"] = gr.Plot(empty[1], label="D outputs", elem_id="train-outputs")
        with gr.Column():
            ui["gif"] = gr.Button(f"Timeline as an animation ({images.animation_formats()})")
            ui["gif_file"] = gr.File(label="Download", file_count="multiple")
            ui["sigma"] = gr.Button("D's per-layer σ (latest checkpoint)", elem_id="train-sigma")
    ui["sigma_text"] = gr.Markdown(elem_id="train-sigma-table")
    return ui


def _wire_run(job: TrainingJob, ui: dict, tabs: dict | None) -> None:
    """The recipe a family or loss brings, ▶ and ■, and the poll (a timer, on only while the tab is shown)."""
    controls = {name: ui[name] for name in CONTROLS}  # handlers receive them named, never by position
    quiet = dict(show_progress="hidden", api_visibility="undocumented")

    @user_errors
    def on_recipe(family_label: str, loss_name: str | None = None) -> dict:
        return {controls[name]: value for name, value in recipe_values(family_label, loss_name).items()}

    def on_start(values: dict, request: gr.Request):
        # inputs given as a set: Gradio passes {component: value}; ``request`` is injected by its annotation
        named = named_values(controls, values)
        return user_errors(start_run)(job, named, owner=getattr(request, "session_hash", None))

    def on_stop(request: gr.Request):
        return stop_run(job, getattr(request, "session_hash", None))

    def on_poll(v, f, i, key, request: gr.Request):
        return views.poll(job, v, f, i, getattr(request, "session_hash", None), key)

    recipe = [controls[name] for name in RECIPE]
    ui["family"].input(on_recipe, [ui["family"]], recipe, **quiet)
    ui["loss"].input(on_recipe, [ui["family"], ui["loss"]], recipe, **quiet)

    def on_started(request: gr.Request):  # the plots follow the new run
        views.SHOWN.set(getattr(request, "session_hash", None), "")
        return gr.Button(interactive=True), ""

    ui["start"].click(
        on_start, set(controls.values()), ui["status"], api_name="train_start", concurrency_limit=None
    ).then(on_started, None, [ui["stop"], ui["show"]], **quiet)
    ui["stop"].click(on_stop, None, ui["status"], api_name="train_stop", concurrency_limit=None)
    version = ui["version"]
    timer = gr.Timer(POLL_SECONDS, active=tabs is None)  # the plots: only while the tab is shown
    for tab_id, item in (tabs or {}).items():
        shown = tab_id == "training"
        item.select(lambda shown=shown: gr.Timer(active=shown), None, timer, queue=False, api_visibility="undocumented")
    timer.tick(on_poll, [version, ui["follow"], ui["timeline"], ui["show"]], _drawn(ui), **quiet)

    # reading a record is cached and drawing it changes nothing: a room of students may open runs at once
    def on_show(key: str | None, request: gr.Request):
        return views.show_run(job, key, getattr(request, "session_hash", None))

    # .select: a choice is one event (a Dropdown's .input fires on the choice and again on the blur that follows it:
    # two draws of the same run, measured in Chromium)
    ui["show"].select(on_show, ui["show"], _drawn(ui), api_name="train_show", concurrency_limit=None)


def _drawn(ui: dict) -> list:
    """What ``views.poll`` and ``views.show_run`` draw, in their order."""
    names = ("version", "status", "losses", "outputs", "fid", "histogram", "grid", "timeline", "stop")
    return [ui[name] for name in names]


def _wire_views(job: TrainingJob, ui: dict) -> None:
    """The timeline's scrub, its animation, and D's per-layer σ."""
    quiet = dict(show_progress="hidden", api_visibility="undocumented")
    ui["timeline"].input(
        lambda i, key: views.scrub(job, i, key),
        [ui["timeline"], ui["show"]],
        [ui["grid"], ui["follow"]],
        **quiet,
    )
    ui["gif"].click(
        lambda key: views.timeline_animation(job, key),
        ui["show"],
        ui["gif_file"],
        api_visibility="undocumented",
    )
    ui["sigma"].click(
        user_errors(lambda: views.sigma_readout(job)), None, ui["sigma_text"], api_visibility="undocumented"
    )


def _wire_keeping(job: TrainingJob, zoo: Zoo, ui: dict, model_lists: Sequence[ModelList]):
    """Save (every model list refreshed: the new model is in every tab's dropdown at once) and push; the Save event."""
    saved = ui["save"].click(
        user_errors(lambda n, r: save_run(job, zoo, n, model_lists, r)),
        [ui["name"], ui["replace"]],
        [ui["status"], *[lst.dropdown for lst in model_lists]],
        api_name="train_save",
    )

    @user_errors
    def on_push(repo_id: str, oauth_token: gr.OAuthToken | None = None) -> str:
        return push_run(job, repo_id, oauth_token.token if oauth_token is not None else None)

    ui["push"].click(on_push, ui["repo"], ui["status"], api_visibility="undocumented")
    return saved


def build(
    zoo: Zoo,
    job: TrainingJob,
    model_lists: Sequence[ModelList] = (),
    tabs: dict | None = None,
    on_saved: Callable | None = None,
) -> SectionParts:
    """The section. ``tabs`` (id → gr.Tab, with "training") lets the plots poll only while the tab is shown (else
    always); ``on_saved(event)`` is handed the Save event, for what else follows a new model."""
    model_lists = list(model_lists)  # as they are now: the Save event's outputs
    gr.Markdown(NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            ui = _run_settings(zoo, job) | _tricks_and_more() | _keeping()
        with gr.Column(scale=2):
            ui |= _watching(job)
    ui["version"] = gr.State(-1)
    comparing = compare.build(job, ui["show"], lambda: show_choices(job))
    _wire_run(job, ui, tabs)
    _wire_views(job, ui)
    saved = _wire_keeping(job, zoo, ui, model_lists)
    if on_saved is not None:
        on_saved(saved)
    shown = (lambda key: views.show_run(job, key), [ui["show"]], _drawn(ui))
    return SectionParts(
        fields=dict(run=ui["show"], compare=comparing["comparison"]), renders=[shown, comparing["render"]]
    )
