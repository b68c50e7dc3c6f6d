"""BigGAN tab: the fidelity/variety trade-off of sampling z from a truncated normal.

Brock et al., arXiv:1809.11096, §3.1 and Fig. 2: draw z ~ N(0, I) but resample every value whose
magnitude exceeds a threshold. Lower thresholds give more typical, higher-fidelity samples with less
variety; the curve of FID against the threshold shows the trade-off (BigGAN's Fig. 17 plots IS vs
FID along it). Class vectors may be soft: (1 − α)·one-hot(A) + α·one-hot(B) interpolates classes.
"""

import functools

import gradio as gr
import torch
from PIL import Image

from explorer import images, latent, plots
from explorer.metrics.fid import CLASSIFIER_FEATURES, FID_STATS_NAME, FeatureStats, fid
from explorer.models import ClassConditional
from explorer.ui.common import ModelList, download_path, user_errors
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts
from explorer.zoo import Zoo

SWEEP = (2.0, 1.5, 1.0, 0.7, 0.5, 0.3, 0.1)  # one row per threshold in the sweep strip
CURVE = (None, 2.0, 1.0, 0.5, 0.25, 0.1)  # None = no truncation
CURVE_SAMPLES = 1000
NOTE = """**What you are seeing.** BigGAN's truncation trick (Brock et al. 2018): sample z from a normal
truncated at a threshold, **resampling** every value with |z_i| above it. Lower thresholds keep z near the
mode of the prior: samples become more typical and cleaner (fidelity ↑) but more alike (variety ↓). The
sweep shows the same seeds at decreasing thresholds; the curve measures the trade-off with FID (lower is
better) and the mean pairwise distance of classifier features (higher = more varied). The class vector is
(1 − α)·one-hot(A) + α·one-hot(B): the shared class embedding makes class interpolation a straight line."""


def model_names(zoo: Zoo) -> list[str]:
    """Every class-conditional model (ours, and the public ImageNet BigGAN-deep loaded from the Hub)."""
    return zoo.names(ClassConditional)


def _biggan(zoo: Zoo, name: str) -> torch.nn.Module:
    return zoo.require(name, ClassConditional, what="a class-conditional BigGAN")


def generate(model, z: torch.Tensor, classes, threshold: float | None) -> torch.Tensor:
    """Images of latents drawn by ``model.sample_latent(n, seed, truncation=threshold)`` (each model maps the
    threshold to its own sampling); the model gets the threshold too (BigGAN-deep picks its batch-norm
    statistics by it)."""
    return model.generate(z, classes, truncation=threshold)


@user_errors
def switch_model(zoo: Zoo, name: str, alpha: float, threshold: float, seed: int):
    """A newly picked model: its class lists (A, B = its first two classes), samples and sweep."""
    names = _biggan(zoo, name).class_names
    samples = render_samples(zoo, name, names[0], names[1], alpha, threshold, seed)
    sweep = render_sweep(zoo, name, names[0], names[1], alpha, seed)
    return gr.Dropdown(choices=names, value=names[0]), gr.Dropdown(choices=names, value=names[1]), *samples, *sweep


def class_vector(model: torch.nn.Module, class_a: str, class_b: str, alpha: float) -> torch.Tensor:
    """(1, num_classes): (1 − α)·one-hot(A) + α·one-hot(B)."""
    if not 0 <= float(alpha) <= 1:
        raise ValueError(f"the class mix α must be between 0 and 1, got {alpha}")
    vectors = model.class_vector([class_a, class_b])
    return (1 - float(alpha)) * vectors[:1] + float(alpha) * vectors[1:]


@user_errors
def render_samples(
    zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, threshold: float, seed: int, n: int = 16
) -> tuple[Image.Image, str]:
    """A grid of ``n`` samples (seeds seed … seed + n − 1) of the mixed class at the threshold, and a PNG."""
    model = _biggan(zoo, name)
    vector = class_vector(model, class_a, class_b, alpha)
    t = latent.truncation_threshold(threshold)
    z = model.sample_latent(int(n), latent.check_seed(seed, "seed"), truncation=t)
    with torch.inference_mode():
        samples = generate(model, z, vector.expand(int(n), -1), t)
    picture = images.grid_image(samples, ncols=4, scale=4)
    stem = f"{name}_{class_a}-{class_b}_a{float(alpha):g}_t{float(threshold):g}_seed{int(seed)}"
    return picture, str(images.save_png(picture, download_path(stem, ".png")))


def sweep_rows(zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, seed: int) -> list[torch.Tensor]:
    """The same 8 seeds of the mixed class at each threshold of ``SWEEP`` (2.0 … 0.1): one batch per threshold."""
    model = _biggan(zoo, name)
    vector = class_vector(model, class_a, class_b, alpha).expand(8, -1)
    seed = latent.check_seed(seed)
    with torch.inference_mode():
        return [generate(model, model.sample_latent(8, seed, truncation=t), vector, t) for t in SWEEP]


@user_errors
def render_sweep(zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, seed: int) -> tuple[Image.Image, str]:
    """One row per threshold in ``SWEEP`` (top: 2.0, bottom: 0.1), labelled, the same 8 seeds in every row."""
    rows = sweep_rows(zoo, name, class_a, class_b, alpha, seed)
    grid = images.grid_image(torch.cat(rows), ncols=8, scale=3)
    picture = images.label_rows(grid, [f"|z| ≤ {t:g}" for t in SWEEP], margin=80)
    return picture, str(images.save_png(picture, download_path(f"{name}_truncation-sweep_seed{int(seed)}", ".png")))


@user_errors
def sweep_animation(zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, seed: int) -> list[str]:
    """The sweep animated (GIF, and MP4 where ffmpeg is available): the same 8 seeds, one frame per threshold
    (2.0 → 0.1 and back)."""
    rows = sweep_rows(zoo, name, class_a, class_b, alpha, seed)
    scale = images.fit_scale(rows[0].shape[-1], 3)
    frames = [images.grid_image(row, ncols=8, scale=scale) for row in rows]
    path = download_path(f"{name}_truncation-sweep_seed{int(seed)}", ".gif")
    return images.save_animation(frames, path, duration_ms=500, bounce=True)


def mean_pairwise_distance(features: torch.Tensor) -> float:
    """Mean Euclidean distance between distinct pairs of feature vectors (a variety measure)."""
    distances = torch.cdist(features, features)
    n = features.shape[0]
    return float(distances.sum() / (n * (n - 1)))


def truncation_curve(zoo: Zoo, name: str, n: int = CURVE_SAMPLES, progress=None) -> tuple[list, list, list]:
    """(thresholds, FID, variety) over ``CURVE``; kept by the zoo per model and n (until the model is replaced).

    FID on ``n`` samples with balanced classes; variety = mean pairwise feature distance between 50
    samples of the same class, averaged over the classes.
    """
    return zoo.memo("truncation-curve", name, lambda: _measure_curve(zoo, name, n, progress), key=n)


def _measure_curve(zoo: Zoo, name: str, n: int, progress) -> tuple[list, list, list]:
    model = _biggan(zoo, name)
    if model.num_classes != 10 or model.resolution != 32 or getattr(model.config, "channels", 3) != 1:
        raise ValueError(
            f"the curve measures FID with the Fashion-MNIST classifier's features; {name} is not a Fashion-MNIST "
            "model (ImageNet models would need Inception features)"
        )
    classifier = zoo.load("classifier-fashion-mnist")
    real = FeatureStats.load(zoo.entry("classifier-fashion-mnist").folder / FID_STATS_NAME)
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
            per_class = []
            for c in range(model.num_classes):
                z = model.sample_latent(50, 70_000 + 50 * c, truncation=threshold)
                per_class.append(mean_pairwise_distance(classifier.features(model.generate(z, [c] * 50))))
        fids.append(result.value)
        varieties.append(sum(per_class) / len(per_class))
    return list(CURVE), fids, varieties


@user_errors
def render_curve(zoo: Zoo, name: str, progress=gr.Progress()) -> "plots.go.Figure":  # noqa: B008
    if "classifier-fashion-mnist" not in zoo.entries:
        raise ValueError(
            "the curve needs the classifier-fashion-mnist model (train it with `python -m trainers classifier`)"
        )
    thresholds, fids, varieties = truncation_curve(zoo, name, progress=progress)
    return plots.truncation_curve_figure(thresholds, fids, varieties, f"{CLASSIFIER_FEATURES}, {CURVE_SAMPLES} samples")


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    names = model_names(zoo)
    gr.Markdown(NOTE, elem_classes=["note"])
    if not names:
        gr.Markdown("No BigGAN in the zoo: train one with `python -m trainers biggan --out …`.")
        return
    classes = zoo.load(names[0]).class_names
    samples0, png0 = render_samples(zoo, names[0], classes[0], classes[1], 0.0, 1.0, 0)
    sweep0, sweep_png0 = render_sweep(zoo, names[0], classes[0], classes[1], 0.0, 0)
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=names[0], label="Model", elem_id="trunc-model")
            threshold = gr.Slider(  # the tab's main control, first under the model
                0.04, 4.0, value=1.0, step=0.02, label="Truncation threshold (4 = none)", elem_id="trunc-threshold"
            )
            class_a = gr.Dropdown(classes, value=classes[0], label="Class A", elem_id="trunc-class-a")
            class_b = gr.Dropdown(classes, value=classes[1], label="Class B", elem_id="trunc-class-b")
            alpha = gr.Slider(0, 1, value=0, step=0.05, label="Class mix α (0 = A, 1 = B)", elem_id="trunc-alpha")
            seed = gr.Number(0, label="Seed", precision=0, minimum=0, maximum=latent.MAX_SEED, elem_id="trunc-seed")
        with gr.Column(scale=2):
            samples = gr.Image(
                samples0,
                label="16 samples (seeds seed … seed + 15)",
                type="pil",
                format="png",
                interactive=False,
                elem_id="trunc-samples",
            )
            samples_file = gr.File(png0, label="Samples (PNG)")
        with gr.Column(scale=2):
            sweep = gr.Image(
                sweep0,
                label=f"Sweep: rows = thresholds {', '.join(map(str, SWEEP))}",
                type="pil",
                format="png",
                interactive=False,
                elem_id="trunc-sweep",
            )
            sweep_file = gr.File(sweep_png0, label="Sweep (PNG)")
            gif_button = gr.Button(f"Sweep as an animation ({images.animation_formats()})")
            gif_file = gr.File(label="Sweep (animation)", file_count="multiple", elem_id="trunc-gif")
    with gr.Row():
        curve_button = gr.Button(
            f"Compute the fidelity/variety curve ({len(CURVE)} thresholds × {CURVE_SAMPLES} samples)"
        )
    curve = gr.Plot(label="FID and variety against the threshold", elem_id="trunc-curve")

    sample_inputs = [model, class_a, class_b, alpha, threshold, seed]
    fast = dict(trigger_mode="always_last", concurrency_limit=None, show_progress="hidden")
    gr.on(
        [threshold.input, alpha.input],
        functools.partial(render_samples, zoo),
        sample_inputs,
        [samples, samples_file],
        api_name="truncation_samples",
        **fast,
    )
    gr.on(
        [class_a.change, class_b.change, seed.submit, seed.blur],
        functools.partial(render_samples, zoo),
        sample_inputs,
        [samples, samples_file],
        api_visibility="undocumented",
        **fast,
    )
    gr.on(
        [class_a.change, class_b.change, alpha.release, seed.submit, seed.blur],
        functools.partial(render_sweep, zoo),
        [model, class_a, class_b, alpha, seed],
        [sweep, sweep_file],
        api_name="truncation_sweep",
        concurrency_limit=None,
        trigger_mode="always_last",
    )
    curve_button.click(functools.partial(render_curve, zoo), [model], curve, api_name="truncation_curve")
    gif_button.click(
        functools.partial(sweep_animation, zoo),
        [model, class_a, class_b, alpha, seed],
        gif_file,
        api_name="truncation_animation",
    )
    model.input(
        functools.partial(switch_model, zoo),
        [model, alpha, threshold, seed],
        [class_a, class_b, samples, samples_file, sweep, sweep_file],
        api_visibility="undocumented",
    )
    fields = dict(model=model, a=class_a, b=class_b, alpha=alpha, threshold=threshold, seed=seed)
    renders = [(functools.partial(render_samples, zoo), sample_inputs, [samples, samples_file])]
    renders.append((functools.partial(render_sweep, zoo), [model, class_a, class_b, alpha, seed], [sweep, sweep_file]))
    return TabParts([ModelList(model, lambda: model_names(zoo))], Share("truncation", fields, renders))
