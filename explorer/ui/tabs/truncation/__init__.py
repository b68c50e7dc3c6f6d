"""BigGAN tab: the fidelity/variety trade-off of sampling z from a truncated normal.

Brock et al., arXiv:1809.11096, §3.1 and Fig. 2: draw z ~ N(0, I) but resample every value whose magnitude exceeds
a threshold. Lower thresholds give more typical, higher-fidelity samples with less variety; the curve of FID
against the threshold shows the trade-off. Class vectors may be soft: (1 − α)·one-hot(A) + α·one-hot(B)
interpolates classes. Below: inside our BigGAN-small (``inside``) and an AC-GAN's class head (``acgan``).

One module per view, each with ``TITLE``, ``ID`` and ``build(zoo, controls) -> SectionParts``: ``controls`` are
the tab's settings by name (``shared.CHOSEN`` but the sample's index, which ``inside`` adds).
"""

import functools

import gradio as gr

from explorer import latent
from explorer.ui.common import ModelList
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts, lazy_renders
from explorer.ui.tabs.truncation import acgan, curve, inside, samples, sweep
from explorer.ui.tabs.truncation.shared import model_names
from explorer.zoo import Zoo

NOTE = """**What you are seeing.** BigGAN's truncation trick (Brock et al. 2018): sample z from a normal
truncated at a threshold, **resampling** every value with |z_i| above it. Lower thresholds keep z near the
mode of the prior: samples become more typical and cleaner (fidelity ↑) but more alike (variety ↓). The
sweep shows the same seeds at decreasing thresholds; the curve measures the trade-off with FID (lower is
better) and the mean pairwise distance of classifier features (higher = more varied). The class vector is
(1 − α)·one-hot(A) + α·one-hot(B): the shared class embedding makes class interpolation a straight line."""


def _controls(names: list[str], classes: list[str]) -> dict:
    """The tab's settings by name, in the order of its links' keys; laid out with the threshold (the main control)
    first under the model."""
    model = gr.Dropdown(names, value=names[0], label="Model", elem_id="trunc-model")
    label = "Truncation threshold (4 = none)"
    threshold = gr.Slider(0.04, 4.0, value=1.0, step=0.02, label=label, elem_id="trunc-threshold")
    a = gr.Dropdown(classes, value=classes[0], label="Class A", elem_id="trunc-class-a")
    b = gr.Dropdown(classes, value=classes[1], label="Class B", elem_id="trunc-class-b")
    alpha = gr.Slider(0, 1, value=0, step=0.05, label="Class mix α (0 = A, 1 = B)", elem_id="trunc-alpha")
    seed = gr.Number(0, label="Seed", precision=0, minimum=0, maximum=latent.MAX_SEED, elem_id="trunc-seed")
    return dict(model=model, a=a, b=b, alpha=alpha, threshold=threshold, seed=seed)


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    names = model_names(zoo)
    gr.Markdown(NOTE, elem_classes=["note"])
    if not names:
        gr.Markdown("No BigGAN in the zoo: train one with `python -m trainers biggan --out …`.")
        return None
    with gr.Row():
        with gr.Column(scale=1):
            controls = _controls(names, zoo.load(names[0]).class_names)
        with gr.Column(scale=2):
            views = {samples.ID: samples.build(zoo, controls)}
        with gr.Column(scale=2):
            views[sweep.ID] = sweep.build(zoo, controls)
    curve.build(zoo, controls)
    grid, grid_file = views[samples.ID].renders[0][2]  # the samples' render's outputs
    views[inside.ID] = inside.build(zoo, controls | {"grid": grid})
    views[acgan.ID] = acgan.build(zoo, controls)

    c = controls
    switched = c["model"].input(
        functools.partial(samples.switch_model, zoo),
        [c["model"], c["alpha"], c["threshold"], c["seed"]],
        [c["a"], c["b"], grid, grid_file, *views[sweep.ID].renders[0][2]],
        api_visibility="undocumented",
    )
    # every render here listens to a user's act (.input, .release, .submit), never to .change, which a programmatic
    # update fires too: a link's restore sets the controls and draws in one event (share._restorer), and no output
    # of a handler can start another handler (a step to the AC-GAN redrew its views in a loop)
    fast = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
    switched.then(*views[inside.ID].renders[0], api_visibility="undocumented", **fast)
    renders = [*views[samples.ID].renders, *views[sweep.ID].renders]
    renders += lazy_renders([*views[inside.ID].renders, *views[acgan.ID].renders])  # a link opening the tab draws all
    return TabParts(
        [ModelList(c["model"], lambda: model_names(zoo))],
        Share("truncation", controls, renders),
        opened=[view_render for view in views.values() for view_render in view.opened],
    )
