"""Compare runs: finished runs side by side (losses overlaid, FID curves, last sample grids): the lecture's recorded
runs (``recorded``: opened at once from ``checkpoints/runs/``, a recorded comparison ticks its runs), the user's ended
runs on disk and this app's last runs in memory."""

import functools
from collections.abc import Callable

import gradio as gr
from PIL import Image, ImageDraw

from explorer import images, plots
from explorer.ui.common import user_errors
from explorer.ui.tabs.training import recorded
from explorer.ui.tabs.training.views import GRID_SCALE
from trainers.job import TrainingJob

COMPARE_NOTE = """**Compare runs**: the lecture's comparisons are recorded (*Recorded comparison*: the six losses on one
DCGAN, DCGAN's rules on and off, the tricks, ProGAN against DCGAN; each opens at once, no training), and every run
that ends is kept with its history (this app's and earlier ones). Tick two or more and *Compare*: G's loss (solid) and
D's loss (dotted) of each on one plot, their FID curves on another, and each run's last sample grid side by side: the
lecture's "which loss survives which architecture" as two runs of the same few hundred steps with one setting
changed."""


def run_choices(job: TrainingJob) -> list[tuple[str, str]]:
    return recorded.choices(job)


@user_errors
def compare_runs(job: TrainingJob, chosen: list[str] | None):
    """(losses of the chosen runs overlaid, their FID curves, their last sample grids side by side)."""
    runs = recorded.catalogue(job)
    chosen = [key for key in (chosen or []) if key in runs]
    if not chosen:
        raise ValueError("tick at least one finished run to compare (finish or stop a run first)")
    losses, fid = plots.go.Figure(), plots.go.Figure()
    pictures, names = [], []
    for i, key in enumerate(chosen):
        h, colour = runs[key].history, plots.METRIC_COLOURS[i % len(plots.METRIC_COLOURS)]
        short = runs[key].short
        for metric, dash in (("g_loss", "solid"), ("d_loss", "dot")):
            if metric in h.metrics:
                losses.add_trace(
                    plots.go.Scatter(
                        x=h.steps,
                        y=h.metrics[metric],
                        name=f"{short}: {'G' if metric == 'g_loss' else 'D'}",
                        mode="lines",
                        line=dict(color=colour, dash=dash, width=3),
                    )
                )
        if h.evaluations:
            fid.add_trace(
                plots.go.Scatter(
                    x=[e.step for e in h.evaluations],
                    y=[e.fid for e in h.evaluations],
                    name=short,
                    mode="lines+markers",
                    line=dict(color=colour, width=3),
                )
            )
        if h.grids:
            step, grid = h.grids[-1]
            pictures.append(images.grid_image(grid[:36], ncols=6, scale=GRID_SCALE))
            names.append(f"{short}, step {step}")
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


@user_errors
def open_comparison(job: TrainingJob, key: str | None):
    """A recorded comparison's runs ticked, and compared (what its link and the lecture path's step open)."""
    comparison = recorded.comparisons().get(str(key or ""))
    if comparison is None:
        raise ValueError(f"no recorded comparison {key!r}; choose one of the list")
    keys = [recorded.RECORDED_PREFIX + name for name in comparison["runs"]]
    return gr.CheckboxGroup(choices=run_choices(job), value=keys), *compare_runs(job, keys)


def build(job: TrainingJob, show: gr.Dropdown, show_choices: Callable[[], list]) -> dict:
    """The accordion (placed where it is called) and its wiring; its parts by name (``comparison``: the link's
    ``compare=KEY``; ``render``: what draws it). *Refresh the list* also refreshes ``show`` (the plots' list of
    runs, its choices from ``show_choices``)."""
    with gr.Accordion("Compare runs", open=False, elem_id="train-compare-section") as accordion:
        gr.Markdown(COMPARE_NOTE, elem_classes=["note"])
        comparison = gr.Dropdown(
            [("(none)", ""), *recorded.comparison_choices()],
            value="",
            label="Recorded comparison (opens at once)",
            elem_id="train-compare-recorded",
        )
        with gr.Row():
            pick = gr.CheckboxGroup(run_choices(job), label="Finished runs", elem_id="train-compare-runs", scale=3)
            with gr.Column(scale=1):
                refresh = gr.Button("Refresh the list", elem_id="train-compare-refresh")
                compare = gr.Button("Compare", variant="primary", elem_id="train-compare")
        with gr.Row():
            losses = gr.Plot(label="Losses of the chosen runs", elem_id="train-compare-losses")
            fid = gr.Plot(label="FID of the chosen runs", elem_id="train-compare-fid")
        grids = gr.Image(label="Last sample grids", format="png", interactive=False, elem_id="train-compare-grids")

    def refreshed(chosen: list[str] | None, showing: str | None):
        runs = run_choices(job)
        keys = {key for _, key in runs}
        return (
            gr.CheckboxGroup(choices=runs, value=[c for c in chosen or [] if c in keys]),
            gr.Dropdown(choices=show_choices(), value=showing if showing in keys else ""),
        )

    refresh.click(refreshed, [pick, show], [pick, show], api_visibility="undocumented")
    compare.click(
        functools.partial(compare_runs, job),
        pick,
        [losses, fid, grids],
        api_name="compare_runs",
        concurrency_limit=None,
    )
    outputs = [pick, losses, fid, grids]

    def opened(key: str | None) -> list:
        if not key:  # a link without compare=: nothing to open
            return [gr.skip()] * 5
        return [gr.Accordion(open=True), *open_comparison(job, key)]

    # .select: one event a choice (.input fires again on the blur after it)
    comparison.select(opened, comparison, [accordion, *outputs], api_name="compare_recorded", concurrency_limit=None)
    return dict(comparison=comparison, render=(opened, [comparison], [accordion, *outputs]))
