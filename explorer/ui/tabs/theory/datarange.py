"""GAN theory, *Data range*: data in [0, 1] with a sigmoid G against data in [−1, 1] with a tanh G, the same small
GAN trained by the same recipe on 8×8 Fashion-MNIST (``trainers.data_range``)."""

import functools

import gradio as gr
import plotly.graph_objects as go
import torch
from PIL import Image

from explorer import images, latent
from explorer.data import NO_TEST_IMAGES, DatasetUnavailable
from explorer.ui import common
from explorer.ui.common import user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import FIT_COLOURS, LIVE, add_line, new_figure, seed_box
from explorer.zoo import Zoo
from trainers import data_range

TITLE = "Data range"
ID = "datarange"

NOTE = """**What you are seeing.** The DCGAN guideline: scale the images to **[−1, 1] and end G with tanh**. Here the
same small MLP GAN (8×8 Fashion-MNIST, 600 steps, the same initial weights, z and minibatches) is trained twice:
once on the data in [0, 1] with a sigmoid at G's output, once on the data in [−1, 1] with a tanh; only the range
differs. Each run's samples are scored against 5 000 test images by the Fréchet distance on raw pixels (both mapped
to [0, 1]; lower is closer) every 100 steps. The sigmoid run can lead for the first ~200 steps; from about 300 steps
on, the centred data (mean pixel −0.56 instead of 0.22) and tanh are closer to the data on every seed we tried
(seeds 0–3 at 600 steps: 1.7–2.3 against 3.0–5.2)."""
STEPS = 600
SCALE = 12  # display pixels per 8×8 image pixel


def _grid(pixels01: torch.Tensor) -> Image.Image:
    return images.grid_image(pixels01 * 2 - 1, ncols=4, scale=SCALE, padding=1)


def curves(runs: dict) -> go.Figure:
    """Each run's Fréchet distance to the test images against its training steps."""
    fig = new_figure("Fréchet distance to the test images (lower is closer)", "training steps", "FD (8×8 pixels)")
    for (name, run), colour in zip(runs.items(), FIT_COLOURS, strict=True):
        add_line(fig, run.steps, run.fd, name, colour, mode="lines+markers")
    fig.update_layout(height=420)
    return fig


@user_errors
def compare_ranges(zoo: Zoo, seed: int) -> tuple:
    """(16 test images, the [0, 1] + sigmoid run's samples, the [−1, 1] + tanh run's, the FD curves, the readout);
    without the Fashion-MNIST files, no pictures and a line that says so."""
    seed = latent.check_seed(seed)
    try:
        test = common.test_set(zoo)
    except DatasetUnavailable:
        return None, None, None, None, f"{NO_TEST_IMAGES}: this comparison trains on Fashion-MNIST's test images."
    runs = zoo.memo(
        "data-range", "", lambda: data_range.compare(test.images[5000:], test.images[:5000], seed, STEPS), seed
    )
    sigmoid, tanh = (runs[name] for name in data_range.RANGES)
    data = data_range.pooled(test.images[:16])
    low, high = sorted((sigmoid.fd[-1], tanh.fd[-1]))
    readout = (
        f"Fréchet distance to the test images (8×8 pixels on [0, 1], lower is closer) after {STEPS} steps, seed "
        f"{seed}: **[0, 1] + sigmoid {sigmoid.fd[-1]:.2f}** · **[−1, 1] + tanh {tanh.fd[-1]:.2f}** "
        f"({'tanh' if tanh.fd[-1] < sigmoid.fd[-1] else 'sigmoid'} {high / low:.1f}× closer). Mean pixel on [0, 1]: "
        f"data {float(data_range.pooled(test.images[:5000]).mean()):.3f}, sigmoid run {sigmoid.mean:.3f}, tanh run "
        f"{tanh.mean:.3f}."
    )
    return _grid(data.view(16, 1, 8, 8)), _grid(sigmoid.samples), _grid(tanh.samples), curves(runs), readout


def build(zoo: Zoo) -> SectionParts:
    """A seed and *Train both* (and the section's first view when opened: seconds, cached per seed)."""
    gr.Markdown(NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            seed = seed_box()
            run = gr.Button(f"Train both ({STEPS} steps each, about 10 s)", elem_id="theory-datarange-run")
            readout = gr.Markdown("", elem_id="theory-datarange-text")
        shown = [
            gr.Image(label=label, type="pil", format="png", interactive=False, elem_id=f"theory-datarange-{key}")
            for key, label in (
                ("data", "test images (8×8)"),
                ("sigmoid", "data in [0, 1], G ends with sigmoid"),
                ("tanh", "data in [−1, 1], G ends with tanh"),
            )
        ]
    plot = gr.Plot(None, label="FD against steps", elem_id="theory-datarange-fd")
    outputs = [*shown, plot, readout]
    handler = functools.partial(compare_ranges, zoo)
    run.click(handler, [seed], outputs, api_name="theory_datarange", **LIVE)
    return SectionParts(opened=[(handler, [seed], outputs)])
