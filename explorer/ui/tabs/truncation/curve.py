"""The BigGAN tab's fidelity/variety curve: FID and the variety within a class against the truncation threshold
(BigGAN's Fig. 17 plots IS against FID along it)."""

import functools

import gradio as gr
import torch

from explorer import plots
from explorer.gpu import MAX_SECONDS
from explorer.metrics.fid import CLASSIFIER_FEATURES, FID_STATS_NAME, FeatureStats, fid
from explorer.ui import share
from explorer.ui.common import HEAVY, on_gpu, user_errors
from explorer.ui.tabs.truncation.shared import biggan
from explorer.zoo import REFERENCE_CLASSIFIER, Zoo

TITLE, ID = "Fidelity and variety", "curve"
CURVE = (None, 2.0, 1.0, 0.5, 0.25, 0.1)  # None = no truncation
CURVE_SAMPLES = 1000
VARIETY_SAMPLES = 50  # per class, for the variety


def mean_pairwise_distance(features: torch.Tensor) -> float:
    """Mean Euclidean distance between distinct pairs of feature vectors (a variety measure)."""
    distances = torch.cdist(features, features)
    n = features.shape[0]
    return float(distances.sum() / (n * (n - 1)))


def truncation_curve(
    zoo: Zoo, name: str, n: int = CURVE_SAMPLES, per_class: int = VARIETY_SAMPLES, progress=None
) -> tuple[list, list, list]:
    """(thresholds, FID, variety) over ``CURVE``; kept by the zoo per model, n and per_class (until the model is
    replaced).

    FID on ``n`` samples with balanced classes; variety = mean pairwise feature distance between ``per_class``
    samples of the same class, averaged over the classes.
    """
    return zoo.memo(
        "truncation-curve", name, lambda: _measure_curve(zoo, name, n, per_class, progress), key=(n, per_class)
    )


def _measure_curve(zoo: Zoo, name: str, n: int, per_class: int, progress) -> tuple[list, list, list]:
    model = biggan(zoo, name)
    if model.num_classes != 10 or model.resolution != 32 or getattr(model.config, "channels", 3) != 1:
        raise ValueError(
            f"the curve measures FID with the Fashion-MNIST classifier's features; {name} is not a Fashion-MNIST "
            "model (ImageNet models would need Inception features)"
        )
    classifier = zoo.reference_classifier("the curve")
    real = FeatureStats.load(zoo.entry(REFERENCE_CLASSIFIER).folder / FID_STATS_NAME)
    fids, varieties = [], []
    for i, threshold in enumerate(CURVE):
        if progress is not None:
            progress((i, len(CURVE)), desc=f"threshold {threshold or 'none'}")

        def sample(start: int, count: int, threshold=threshold) -> torch.Tensor:
            return model.generate(
                model.sample_latent(count, 50_000 + start, truncation=threshold),
                [(start + j) % model.num_classes for j in range(count)],
            )

        with torch.inference_mode():
            result, _ = fid(sample, classifier, real, n=n)
            # variety within a class (the class vector fixed, as the truncation trick assumes)
            within = []
            for c in range(model.num_classes):
                z = model.sample_latent(per_class, 70_000 + per_class * c, truncation=threshold)
                within.append(mean_pairwise_distance(classifier.features(model.generate(z, [c] * per_class))))
        fids.append(result.value)
        varieties.append(sum(within) / len(within))
    return list(CURVE), fids, varieties


@user_errors
@on_gpu(MAX_SECONDS)  # FID and variety at each threshold; a worker keeps it, the main process does not
def render_curve(zoo: Zoo, name: str, progress=gr.Progress()) -> "plots.go.Figure":  # noqa: B008
    zoo.reference_classifier("the curve")
    thresholds, fids, varieties = truncation_curve(zoo, name, progress=progress)
    return plots.truncation_curve_figure(thresholds, fids, varieties, f"{CLASSIFIER_FEATURES}, {CURVE_SAMPLES} samples")


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The curve's button and plot (computed on request: seconds to minutes)."""
    with gr.Row():
        button = gr.Button(f"Compute the fidelity/variety curve ({len(CURVE)} thresholds × {CURVE_SAMPLES} samples)")
    curve = gr.Plot(label="FID and variety against the threshold", elem_id="trunc-curve")
    button.click(functools.partial(render_curve, zoo), [controls["model"]], curve, api_name="truncation_curve", **HEAVY)
    return share.SectionParts()
