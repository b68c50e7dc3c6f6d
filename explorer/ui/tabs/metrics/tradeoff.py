"""Fidelity against diversity: precision and recall of a class-conditional model over its truncation threshold."""

import functools

import gradio as gr

from explorer import plots
from explorer.metrics import evaluate
from explorer.ui.common import HEAVY, on_gpu, user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.metrics.choices import conditional_names, picker
from explorer.zoo import Zoo

TITLE = "Fidelity vs diversity"
ID = "tradeoff"


@user_errors
@on_gpu(60)
def truncation_tradeoff(zoo: Zoo, name: str, progress=gr.Progress(track_tqdm=False)):  # noqa: B008
    progress(0, desc="sampling at each threshold")
    rows = evaluate.precision_recall_by_truncation(zoo, name)
    labels = ["none" if t is None else f"{t:g}" for t, *_ in rows]
    return plots.lines_figure(
        labels,
        {"precision (fidelity)": [r[1] for r in rows], "recall (diversity)": [r[2] for r in rows]},
        f"Truncation trades diversity for fidelity ({name})",
        "truncation threshold",
        "precision / recall",
        y2={"FID (right)": [r[3] for r in rows]},
        y2_title="FID",
    )


def build(zoo: Zoo) -> SectionParts:
    gr.Markdown(
        "Precision measures fidelity, recall diversity. Lowering BigGAN's truncation threshold raises one "
        "and lowers the other; FID, one number, hides the trade."
    )
    with gr.Row():
        model = picker(zoo, conditional_names, "biggan-fashion-mnist", "Model")
        tradeoff = gr.Button("Precision and recall against the truncation threshold")
    plot = gr.Plot(label="precision, recall, FID")
    tradeoff.click(
        functools.partial(truncation_tradeoff, zoo), [model.dropdown], plot, api_name="metrics_truncation", **HEAVY
    )
    return SectionParts(model_lists=[model])
