"""Every score of one set of images: IS, FID, KID, precision/recall, density/coverage, and its class marginal."""

import functools

import gradio as gr

from explorer import latent, plots
from explorer.gpu import seconds_per
from explorer.metrics import evaluate
from explorer.ui.common import HEAVY, on_gpu, user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.metrics.choices import picker
from explorer.zoo import Zoo

TITLE = "Scores"
ID = "scores"
DEFAULT_SAMPLES = 2000


def _seed(seed) -> int:
    return latent.check_seed(seed if seed is not None else 0)


@user_errors
@on_gpu(seconds_per("n", 30, 200))  # n samples and the classifier's features of each
def compute_scores(zoo: Zoo, source: str, n: int, seed: int, progress=gr.Progress()):  # noqa: B008
    """The table of every score for ``n`` images of ``source`` and its class marginal p(y)."""
    result = evaluate.scores(zoo, source, n, _seed(seed), progress=lambda f, text: progress(f, desc=text))
    s = result
    table = f"""| score | value | what it says |
|---|---|---|
| **Inception Score** | **{s.inception[0]:.2f}** ± {s.inception[1]:.2f} | exp E_x KL(p(y∣x) ‖ p(y)); max 10 here |
| **FID** | **{s.fid:.2f}** | ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2(Σ_r Σ_g)^½) of feature Gaussians (lower is better) |
| KID | {s.kid[0]:.3f} ± {s.kid[1]:.3f} | unbiased MMD², cubic kernel (≈ 0 for real images; lower is better) |
| precision | {s.precision:.3f} | share of samples inside the real data's k-NN balls (fidelity) |
| recall | {s.recall:.3f} | share of real images inside the samples' k-NN balls (diversity) |
| density | {s.density:.3f} | how many real balls hold a sample, on average (fidelity, robust to outliers) |
| coverage | {s.coverage:.3f} | share of real neighbourhoods that hold a sample (diversity) |
| fidelity | {s.fidelity:.3f} | mean top-class confidence E_x max_y p(y∣x) |
| diversity | {s.diversity:.3f} | entropy of p(y) ÷ log 10 (1 = every class equally often) |

*{s.n} images of {s.source}, seed {_seed(seed)}; against the real test images; classifier features.*"""
    names = zoo.reference_classifier("the metrics").class_names
    figure = plots.bars_figure(names, list(s.marginal), f"p(y): the classes of {s.source}", "p(y)", 0.1)
    return table, figure


def build(zoo: Zoo) -> SectionParts:
    with gr.Row():
        with gr.Column(scale=1):
            source = picker(zoo, evaluate.source_names, "dcgan-fashion-mnist", "Images", elem_id="metrics-source")
            count = gr.Slider(100, evaluate.MAX_SAMPLES, value=DEFAULT_SAMPLES, step=100, label="Samples n")
            seed = gr.Number(0, label="Seed", precision=0, minimum=0, maximum=latent.MAX_SEED)
            compute = gr.Button("Compute IS, FID, KID, precision/recall", variant="primary", elem_id="metrics-compute")
        with gr.Column(scale=2):
            table = gr.Markdown(  # a placeholder with height: the progress bar shows over it
                "*Pick the images and press **Compute**: features of n images, then every score "
                "(≈ 15 s for 2 000 images of a model; up to 2 min for 10 000 the first time).*",
                elem_id="metrics-table",
                min_height=200,
            )
    marginal = gr.Plot(label="p(y)")
    compute.click(
        functools.partial(compute_scores, zoo),
        [source.dropdown, count, seed],
        [table, marginal],
        api_name="metrics_scores",
        **HEAVY,
    )
    return SectionParts(model_lists=[source])
