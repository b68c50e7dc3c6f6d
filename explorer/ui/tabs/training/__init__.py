"""Training tab: train a small GAN or VAE from the browser and watch it learn, and see a grown ProGAN's stages.

Two sections (a module each, ``?tab=training&section=ID`` opens one): *Train one live* (``live``: the run's
settings, its curves and samples, Compare runs) and *ProGAN: growing* (``growing``). The pure handlers are in
``run`` (settings, start, stop, save, push), ``views`` (what a run shows) and ``compare``; ``recorded`` lists the
runs besides the live one (the lecture's, in ``checkpoints/runs/``, and the user's ended ones). A link's
``run=recorded/NAME`` opens a recorded run in the plots and ``compare=KEY`` a recorded comparison.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gradio as gr

from explorer.ui import share
from explorer.ui.common import ModelList
from explorer.ui.share import Share, TabParts
from explorer.ui.tabs.training import growing, live
from explorer.ui.tabs.training.run import owns
from explorer.zoo import Zoo
from trainers.job import TrainingJob

SECTIONS = (live, growing)
HEARTBEAT_SECONDS = 10.0  # ≪ the job's orphan timeout (120 s); only the owner's page's beats count


@dataclass
class TrainingParts(TabParts):
    """The tab's parts, and its job: the app's one training run (``demo.training_job``)."""

    job: TrainingJob | None = None


def _heartbeat(job: TrainingJob) -> None:
    """An open page keeps its run alive, whichever tab it shows; only the owner's page's beats count."""

    def alive(request: gr.Request) -> None:
        if owns(job, getattr(request, "session_hash", None)):
            job.seen()

    gr.Timer(HEARTBEAT_SECONDS).tick(
        alive, None, None, queue=False, show_progress="hidden", api_visibility="undocumented"
    )


def build(
    zoo: Zoo,
    model_lists: Sequence[ModelList] = (),
    job: TrainingJob | None = None,
    tabs: dict | None = None,
    zoo_changed: Callable | None = None,
) -> TrainingParts:
    """The tab, on ``job`` (default: a new one; one per app). ``model_lists`` are the other tabs' (Save refreshes
    them); ``tabs`` (id → gr.Tab, with "training") lets the plots poll only while this tab is shown; ``zoo_changed``
    is handed the Save event (the app's header counts the models)."""
    job = job or TrainingJob(settings=zoo.settings)
    saves = []  # the Save event: the sections after Train one live refresh their lists when it has run

    def section(module):
        if module is live:
            return live.build(zoo, job, model_lists, tabs, saves.append)
        return module.build(zoo)

    sections, parts = share.build_sections("training-sections", SECTIONS, section)
    _heartbeat(job)
    later = [model_list for part in parts.values() for model_list in part.model_lists]
    for saved in saves:
        if later:
            saved.then(
                lambda: {lst.dropdown: gr.Dropdown(choices=lst.names()) for lst in later},  # a dict: one output too
                None,
                [lst.dropdown for lst in later],
                api_visibility="undocumented",
            )
        if zoo_changed is not None:
            zoo_changed(saved)
    fields = {key: c for part in parts.values() for key, c in part.fields.items()}  # run=, compare=: recorded runs
    renders = [render for part in parts.values() for render in part.renders]
    return TrainingParts(later, Share("training", fields, renders, sections=(sections, tuple(parts))), job=job)
