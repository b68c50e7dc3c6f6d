"""Compare runs: the app's last finished runs side by side (losses overlaid, FID curves, last sample grids)."""

import functools

import gradio as gr
from PIL import Image, ImageDraw

from explorer import images, plots
from explorer.ui.common import user_errors
from explorer.ui.tabs.training.views import GRID_SCALE
from trainers.job import TrainingJob

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


def build(job: TrainingJob) -> None:
    """The accordion (placed where it is called) and its wiring."""
    with gr.Accordion("Compare runs", open=False, elem_id="train-compare-section"):
        gr.Markdown(COMPARE_NOTE, elem_classes=["note"])
        with gr.Row():
            pick = gr.CheckboxGroup(run_choices(job), label="Finished runs", elem_id="train-compare-runs", scale=3)
            with gr.Column(scale=1):
                refresh = gr.Button("Refresh the list", elem_id="train-compare-refresh")
                compare = gr.Button("Compare", variant="primary", elem_id="train-compare")
        with gr.Row():
            losses = gr.Plot(label="Losses of the chosen runs", elem_id="train-compare-losses")
            fid = gr.Plot(label="FID of the chosen runs", elem_id="train-compare-fid")
        grids = gr.Image(label="Last sample grids", format="png", interactive=False, elem_id="train-compare-grids")
    refresh.click(
        lambda chosen: gr.CheckboxGroup(
            choices=run_choices(job), value=[c for c in chosen or [] if c in run_choices(job)]
        ),
        pick,
        pick,
        api_visibility="undocumented",
    )
    compare.click(functools.partial(compare_runs, job), pick, [losses, fid, grids], api_name="compare_runs")
