"""FID's two blind spots made visible: its bias at few samples, and how steeply it sees lost modes."""

import functools

import gradio as gr

from explorer import plots
from explorer.gpu import MAX_SECONDS
from explorer.metrics import evaluate
from explorer.ui.common import HEAVY, on_gpu, user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.metrics.choices import generator_names, picker
from explorer.zoo import Zoo

TITLE = "FID: samples and modes"
ID = "fid"


@user_errors
@on_gpu(MAX_SECONDS)  # FID at 100 … 10 000 samples, of the model and of real images
def fid_sample_size(zoo: Zoo, source: str, progress=gr.Progress()):  # noqa: B008
    """FID against the number of samples, for a model and for real training images."""
    curves = {}
    for i, name in enumerate((source, evaluate.REAL_TRAIN)):
        progress((i, 2), desc=f"FID of {name} at 100 … 10 000 samples")
        rows = evaluate.fid_by_sample_count(zoo, name)
        curves[name] = [v for _, v in rows]
    counts = [n for n, _ in rows]
    return plots.lines_figure(counts, curves, "FID falls with the number of samples", "samples n", "FID", log_x=True)


@user_errors
def dropped_classes(zoo: Zoo):
    """FID and IS of real test images with 0 … 9 classes dropped."""
    rows = evaluate.drop_classes(zoo)
    k = [r[0] for r in rows]
    return plots.lines_figure(
        k,
        {"FID (left)": [r[1] for r in rows]},
        "Dropping classes: FID rises steeply; IS falls only as p(y) loses classes",
        "classes dropped from the real test images",
        "FID",
        y2={"Inception Score (right)": [r[2] for r in rows]},
        y2_title="Inception Score",
    )


def build(zoo: Zoo) -> SectionParts:
    gr.Markdown(
        "FID needs many samples: with few, the covariance estimate inflates it (even real images score high). "
        "**Drop classes** from the real images: FID rises steeply with every lost mode. IS falls too, but only "
        "because p(y) covers fewer classes: it cannot see lost variety *within* a class (see *One perfect "
        "image per class*: no variety at all, and IS is at its maximum)."
    )
    with gr.Row():
        source = picker(zoo, generator_names, "dcgan-fashion-mnist", "Model")
        by_n = gr.Button("FID against the number of samples")
        drop = gr.Button("Drop classes", elem_id="metrics-drop-classes")
    with gr.Row():
        by_n_plot = gr.Plot(label="FID vs n")
        drop_plot = gr.Plot(label="FID and IS vs classes dropped", elem_id="metrics-drop-plot")
    by_n.click(
        functools.partial(fid_sample_size, zoo), [source.dropdown], by_n_plot, api_name="metrics_fid_by_n", **HEAVY
    )
    drop.click(functools.partial(dropped_classes, zoo), None, drop_plot, api_name="metrics_drop_classes", **HEAVY)
    return SectionParts(model_lists=[source])
