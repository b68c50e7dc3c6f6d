"""Train on synthetic, test on real (Esteban et al. 2017): what a classifier learns from a model's samples."""

import functools

import gradio as gr

from explorer.metrics import evaluate
from explorer.ui.common import HEAVY, user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.metrics.choices import conditional_names, picker
from explorer.zoo import Zoo

TITLE = "TSTR"
ID = "tstr"


@user_errors
def tstr(zoo: Zoo, name: str, progress=gr.Progress()):  # noqa: B008
    progress(0, desc="training two small classifiers (real, generated)")
    result = evaluate.train_test_table(zoo, name)
    return (
        "| trained on ↓ / tested on → | real test images | generated images |\n|---|---|---|\n"
        f"| real training images | TRTR **{100 * result['TRTR']:.1f} %** | TRTS {100 * result['TRTS']:.1f} % |\n"
        f"| generated images ({name}) | TSTR **{100 * result['TSTR']:.1f} %** | |\n\n"
        "Same small CNN, same steps, 5 000 images each. TSTR close to TRTR: the samples carry what a classifier "
        "needs about every class. TRTS high but TSTR low: samples look like their class but miss its variety."
    )


def build(zoo: Zoo) -> SectionParts:
    gr.Markdown(
        "**Train on synthetic, test on real**: a classifier trained on a class-conditional model's labelled "
        "samples, tested on real images, beside the same classifier trained on real images (TRTR)."
    )
    with gr.Row():
        model = picker(zoo, conditional_names, "biggan-fashion-mnist", "Model")
        button = gr.Button("Train and test (≈ 20 s)")
    table = gr.Markdown(elem_id="metrics-tstr")
    button.click(functools.partial(tstr, zoo), [model.dropdown], table, api_name="metrics_tstr", **HEAVY)
    return SectionParts(model_lists=[model])
