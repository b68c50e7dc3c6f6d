"""BigGAN tab: the fidelity/variety trade-off of sampling z from a truncated normal.

Brock et al., arXiv:1809.11096, §3.1 and Fig. 2: draw z ~ N(0, I) but resample every value whose
magnitude exceeds a threshold. Lower thresholds give more typical, higher-fidelity samples with less
variety; the curve of FID against the threshold shows the trade-off (BigGAN's Fig. 17 plots IS vs
FID along it). Class vectors may be soft: (1 − α)·one-hot(A) + α·one-hot(B) interpolates classes.

Inside BigGAN (our BigGAN-small only): the self-attention map of a clicked position (SAGAN, arXiv:1805.08318),
one z chunk redrawn at a time (the hierarchical latent), conditional BN's γ_y, β_y along the class mix, and the
projection discriminator's per-class scores ⟨embed(y), φ(x)⟩ (Miyato & Koyama, arXiv:1802.05637), read from the
discriminator kept in the checkpoint's training state.
"""

import functools
import json
import math
from pathlib import Path

import gradio as gr
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageOps
from plotly.subplots import make_subplots
from safetensors import safe_open
from safetensors.torch import load_file

from explorer import images, latent, plots
from explorer.data import DatasetUnavailable, load_dataset
from explorer.gpu import MAX_SECONDS
from explorer.metrics.fid import CLASSIFIER_FEATURES, FID_STATS_NAME, FeatureStats, fid
from explorer.models import ClassConditional
from explorer.models.acgan import ACGANDiscriminator, ACGANGenerator, confusion_matrix
from explorer.models.biggan import BigGANDiscriminator, BigGANGenerator
from explorer.ui import common, share
from explorer.ui.common import HEAVY, ModelList, download_path, on_gpu, user_errors
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts
from explorer.zoo import REFERENCE_CLASSIFIER, Zoo
from trainers.checkpoint import DISCRIMINATOR_NAME, STATE_NAME

SWEEP = (2.0, 1.5, 1.0, 0.7, 0.5, 0.3, 0.1)  # one row per threshold in the sweep strip
CURVE = (None, 2.0, 1.0, 0.5, 0.25, 0.1)  # None = no truncation
CURVE_SAMPLES = 1000
NOTE = """**What you are seeing.** BigGAN's truncation trick (Brock et al. 2018): sample z from a normal
truncated at a threshold, **resampling** every value with |z_i| above it. Lower thresholds keep z near the
mode of the prior: samples become more typical and cleaner (fidelity ↑) but more alike (variety ↓). The
sweep shows the same seeds at decreasing thresholds; the curve measures the trade-off with FID (lower is
better) and the mean pairwise distance of classifier features (higher = more varied). The class vector is
(1 − α)·one-hot(A) + α·one-hot(B): the shared class embedding makes class interpolation a straight line."""
INSIDE_NOTE = """**Inside BigGAN** (the sample chosen below: click one in the grid of 16, or set its number).
**Self-attention** (SAGAN, Zhang et al. 2018): at 16×16 each position j attends to the 8×8 max-pooled positions i
with weights β_{j,i} = softmax_i(θ(x_j)ᵀφ(x_i)) (each map sums to 1); the block adds γ·o to its input. **Click a
pixel** of the enlarged sample to see where that position looks. **Hierarchical z**: z is cut into chunks; chunk 0
feeds the 4×4 projection, each later chunk joins the class embedding to condition one block. Each row redraws one
chunk (the rest kept): the coarse chunks change the shape, the last one only details. **Conditional batch
norm**: every block normalises, then scales by γ_y = 1 + W_γ[embed(y); z_k] and shifts by β_y = W_β[embed(y);
z_k]; the class mix α moves γ_y and β_y along straight lines (the plot), the image follows non-linearly.
**Projection discriminator** (Miyato & Koyama 2018): D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩, scored for the sample
against every class."""
ORTHO_NOTE = """**Orthogonal regularisation** (BigGAN §3.1): R_β(W) = β‖WᵀW ⊙ (1 − I)‖²_F pushes each layer's
filters apart (cosine 0) and leaves their norms free, which keeps G smooth enough for the truncation trick.
Left: the cosine similarity of every pair of the chosen layer's filters as trained; right: the same filters after
k steps of gradient descent on R alone (what the penalty pulls towards). The readout compares both with random
filters of the same size. The colours stop at ±0.2 (the diagonal, 1, saturates)."""
INSIDE_SAMPLE_SCALE = 8  # the clickable sample: 32 × 8 = 256 px
CHUNK_REDRAWS = 7  # redraws per chunk in the hierarchical-z grid
GRID_COLUMNS, GRID_SCALE, GRID_PADDING = 4, 4, 2  # the 16-sample grid's layout (render_samples)


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
@on_gpu()
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
@on_gpu(20)  # 10 batches of 8 (BigGAN-deep: 128² or 256² each)
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
            per_class = []
            for c in range(model.num_classes):
                z = model.sample_latent(50, 70_000 + 50 * c, truncation=threshold)
                per_class.append(mean_pairwise_distance(classifier.features(model.generate(z, [c] * 50))))
        fids.append(result.value)
        varieties.append(sum(per_class) / len(per_class))
    return list(CURVE), fids, varieties


@user_errors
@on_gpu(MAX_SECONDS)  # FID and variety at each threshold; a worker keeps it, the main process does not
def render_curve(zoo: Zoo, name: str, progress=gr.Progress()) -> "plots.go.Figure":  # noqa: B008
    zoo.reference_classifier("the curve")
    thresholds, fids, varieties = truncation_curve(zoo, name, progress=progress)
    return plots.truncation_curve_figure(thresholds, fids, varieties, f"{CLASSIFIER_FEATURES}, {CURVE_SAMPLES} samples")


# --- inside BigGAN: attention, hierarchical z, conditional BN, projection D ----------------------------------
def _small_biggan(zoo: Zoo, name: str) -> BigGANGenerator:
    model = _biggan(zoo, name)
    if not isinstance(model, BigGANGenerator):
        raise ValueError(
            f"the inside view needs our BigGAN-small (attention maps, z chunks, conditional BN); {name} is a "
            f"{zoo.entry(name).family} model"
        )
    return model


def chosen_sample(
    model: BigGANGenerator, class_a: str, class_b: str, alpha: float, threshold: float, seed: int, index: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(z, class vector) of sample ``index`` (0–15) of the grid of 16: seed + index, the mixed class, threshold."""
    index = int(index)
    if not 0 <= index < 16:
        raise ValueError(f"the sample number must be between 0 and 15, got {index}")
    z = model.sample_latent(16, latent.check_seed(seed, "seed"), truncation=latent.truncation_threshold(threshold))
    device = model.class_embedding.weight.device
    return z[index : index + 1].to(device), class_vector(model, class_a, class_b, alpha).to(device)


def grid_index(x: int, y: int) -> int | None:
    """The sample (0–15) under pixel (x, y) of the 16-sample grid, None on the padding."""
    cell = (32 + GRID_PADDING) * GRID_SCALE
    col, dx = divmod(int(x) - GRID_PADDING * GRID_SCALE, cell)
    row, dy = divmod(int(y) - GRID_PADDING * GRID_SCALE, cell)
    inside = 0 <= col < GRID_COLUMNS and 0 <= row < 16 // GRID_COLUMNS and dx < 32 * GRID_SCALE and dy < 32 * GRID_SCALE
    return row * GRID_COLUMNS + col if inside else None


def attention_map(weights: torch.Tensor, qx: int, qy: int, side: int = 32) -> torch.Tensor:
    """The attention of the query under image pixel (qx, qy) over the keys, upsampled to the image: (side, side).

    ``weights`` (hw, hw/4) of one sample, at the block's resolution r = √hw; keys on the 2×-pooled (r/2)² grid."""
    r = int(round(weights.shape[0] ** 0.5))
    if not (0 <= qx < side and 0 <= qy < side):
        raise ValueError(f"the pixel must be inside the {side}×{side} sample, got ({qx}, {qy})")
    query = (qy * r // side) * r + qx * r // side
    keys = weights[query].view(1, 1, r // 2, r // 2)
    return F.interpolate(keys, size=(side, side), mode="nearest")[0, 0]


def _overlay(sample: torch.Tensor, heat: torch.Tensor, qx: int, qy: int, r: int) -> Image.Image:
    """The sample (grey) under the attention map (transparent → red → yellow), the query's cell outlined in cyan."""
    scale = INSIDE_SAMPLE_SCALE
    grey = images.image(sample, scale).convert("RGB")
    normalised = heat / heat.max().clamp_min(1e-12)  # the strongest key = full colour
    heat_l = images.image((normalised * 2 - 1)[None, None], scale)  # [0, 1] → [-1, 1] → "L"
    coloured = ImageOps.colorize(heat_l, black="#000000", mid="#d62728", white="#ffdd00")
    picture = Image.composite(coloured, grey, heat_l.point(lambda v: int(v * 0.8)))
    cell = 32 // r * scale  # one query position of the block = this many display pixels
    x0, y0 = qx * r // 32 * cell, qy * r // 32 * cell
    ImageDraw.Draw(picture).rectangle([x0, y0, x0 + cell - 1, y0 + cell - 1], outline="#00e5ff", width=3)
    return picture


@user_errors
def render_attention(
    zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, threshold: float, seed: int, index: int, qx, qy
) -> tuple[Image.Image, Image.Image, str]:
    """(the enlarged sample, its attention map for the query pixel (qx, qy) of the 32×32 sample, a caption)."""
    model = _small_biggan(zoo, name)
    z, vector = chosen_sample(model, class_a, class_b, alpha, threshold, seed, index)
    qx, qy = int(qx), int(qy)
    with torch.inference_mode():
        sample, weights = model.attention_maps(z, vector)
    r = int(round(weights.shape[1] ** 0.5))
    heat = attention_map(weights[0], qx, qy)
    gamma = float(model.attention.gamma.detach())
    caption = (
        f"Query ({qx}, {qy}) = position ({qx * r // 32}, {qy * r // 32}) of the {r}×{r} block; its weights over the "
        f"{r // 2}×{r // 2} keys sum to {float(weights[0].sum(-1).mean()):.3f}, the largest is "
        f"{float(heat.max()):.3f} (uniform: {1 / (r // 2) ** 2:.3f}). γ = {gamma:.3f}."
    )
    return images.image(sample, INSIDE_SAMPLE_SCALE), _overlay(sample, heat, qx, qy, r), caption


def click_pixel(event: gr.SelectData) -> tuple[int, int]:
    """The 32×32 pixel under a click on the enlarged sample."""
    x, y = event.index
    return min(int(x) // INSIDE_SAMPLE_SCALE, 31), min(int(y) // INSIDE_SAMPLE_SCALE, 31)


def click_sample(current: int, event: gr.SelectData) -> int:
    """The sample number under a click on the grid of 16 (unchanged on the padding)."""
    index = grid_index(*event.index)
    return current if index is None else index


def chunk_rows(model: BigGANGenerator, z: torch.Tensor, vector: torch.Tensor, redraw_seed: int, threshold) -> list:
    """One batch per chunk k: the sample, then ``CHUNK_REDRAWS`` copies with chunk k redrawn (seeds redraw_seed …),
    every other chunk kept; and the mean |Δ pixel| each chunk's redraws cause."""
    t = latent.truncation_threshold(threshold)
    fresh = model.sample_latent(CHUNK_REDRAWS, latent.check_seed(redraw_seed, "redraw seed"), truncation=t).to(z.device)
    rows, changes = [], []
    chunk = model.config.chunk
    with torch.inference_mode():
        original = model(z, vector)
        for k in range(model.config.num_blocks + 1):
            redrawn = model.with_chunk(z.expand(CHUNK_REDRAWS, -1), k, fresh[:, k * chunk : (k + 1) * chunk])
            out = model(redrawn, vector.expand(CHUNK_REDRAWS, -1))
            rows.append(torch.cat([original, out]))
            changes.append(float((out - original).abs().mean()))
    return rows, changes


@user_errors
def render_chunks(
    zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, threshold: float, seed: int, index: int, redraw
) -> tuple[Image.Image, str]:
    """Rows = z chunks, columns = the sample then 7 redraws of that chunk alone; each row labelled with what the
    chunk feeds and the mean |Δ pixel| its redraws cause."""
    model = _small_biggan(zoo, name)
    z, vector = chosen_sample(model, class_a, class_b, alpha, threshold, seed, index)
    rows, changes = chunk_rows(model, z, vector, redraw, threshold)
    grid = images.grid_image(torch.cat(rows), ncols=CHUNK_REDRAWS + 1, scale=3)
    labels = [f"z{k}: {what}, Δ {c:.2f}" for k, (what, c) in enumerate(zip(model.chunk_names(), changes, strict=True))]
    picture = images.label_rows(grid, labels)
    margin = picture.width - grid.width
    picture = images.label_columns(picture, ["sample"] + [f"redraw {i + 1}" for i in range(CHUNK_REDRAWS)], skip=margin)
    stem = f"{name}_z-chunks_seed{int(seed)}_sample{int(index)}_redraw{int(redraw)}"
    return picture, str(images.save_png(picture, download_path(stem, ".png")))


def cbn_layers(model: BigGANGenerator) -> dict[str, torch.nn.Module]:
    """Label → conditional batch norm, in the order the image is built."""
    layers = {}
    side = 4
    for i, block in enumerate(model.blocks):
        layers[f"block {i + 1}, first BN ({side}×{side}, {block.bn0.bn.num_features} ch)"] = block.bn0
        layers[f"block {i + 1}, second BN ({2 * side}×{2 * side}, {block.bn1.bn.num_features} ch)"] = block.bn1
        side *= 2
    return layers


def cbn_along_alpha(
    model: BigGANGenerator, z: torch.Tensor, class_a: str, class_b: str, layer: str, steps: int = 21, channels: int = 6
) -> tuple[list[float], list[int], torch.Tensor, torch.Tensor]:
    """(α values, the ``channels`` channels whose γ_y moves most from A to B, γ_y and β_y (steps, channels)) of one
    conditional BN at the sample's z chunk."""
    layers = cbn_layers(model)
    if layer not in layers:
        raise ValueError(f"unknown layer {layer!r}; choose one of: {'; '.join(layers)}")
    block = next(i for i, b in enumerate(model.blocks) if layers[layer] in (b.bn0, b.bn1))
    alphas = [i / (steps - 1) for i in range(steps)]
    vectors = torch.cat([class_vector(model, class_a, class_b, a) for a in alphas]).to(z.device)
    with torch.inference_mode():
        cond = model.conditioning(z.expand(steps, -1), vectors)[block]
        gain, bias = layers[layer].gain_and_bias(cond)  # (steps, channels)
    top = (gain[-1] - gain[0]).abs().topk(min(channels, gain.shape[1])).indices.tolist()
    return alphas, top, gain[:, top].cpu(), bias[:, top].cpu()


@user_errors
def render_cbn(
    zoo: Zoo, name: str, class_a: str, class_b: str, alpha: float, threshold: float, seed: int, index: int, layer: str
):
    """γ_y and β_y of one conditional BN along the class mix α (the channels that move most), the current α marked."""
    model = _small_biggan(zoo, name)
    z, _ = chosen_sample(model, class_a, class_b, alpha, threshold, seed, index)
    alphas, top, gain, bias = cbn_along_alpha(model, z, class_a, class_b, layer)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("gain γ_y", "bias β_y"))
    for j, channel in enumerate(top):
        colour = plots.METRIC_COLOURS[j % len(plots.METRIC_COLOURS)]
        line = dict(width=3, color=colour, dash="solid" if j < len(plots.METRIC_COLOURS) else "dot")
        for col, values in ((1, gain), (2, bias)):
            fig.add_trace(go_scatter(alphas, values[:, j].tolist(), str(channel), line, show=col == 1), row=1, col=col)
    fig.add_vline(x=float(alpha), line=dict(color="#000", dash="dot", width=2))
    fig.update_xaxes(title_text="α", range=[0, 1])
    figure_layout(
        fig,
        f"{layer}: α = 0 is {class_a}, α = 1 is {class_b}",
        top=90,
        height=420,
        legend=dict(orientation="v", x=1.02, y=1, title_text="channel"),
    )
    return fig


# --- orthogonal regularisation: how alike a layer's filters are ------------------------------------------------
ORTHO_MAX_STEPS = 200
ORTHO_COLOUR_RANGE = 0.2
ORTHO_LR = 0.01  # on unit-norm filters: R falls ~100× in 50 steps for the 64-filter layers


def discriminator_file(folder: Path) -> tuple[Path, str] | None:
    """(file, key prefix) of a folder's discriminator: ``discriminator.safetensors`` (what the upload to a Space
    keeps), else the training state's ``discriminator.*`` tensors; None where the folder keeps neither. Both carry
    the trainer's settings in their metadata."""
    if (folder / DISCRIMINATOR_NAME).is_file():
        return folder / DISCRIMINATOR_NAME, ""
    if (folder / STATE_NAME).is_file():
        return folder / STATE_NAME, "discriminator."
    return None


def training_settings(zoo: Zoo, name: str) -> dict:
    """The trainer's settings stored with the model's discriminator ({} where the folder has none); once per model."""

    def read() -> dict:
        found = discriminator_file(zoo.entry(name).folder)
        if found is None:
            return {}
        with safe_open(str(found[0]), framework="pt") as f:
            return json.loads((f.metadata() or {}).get("metadata", "{}")).get("settings", {})

    return zoo.memo("training-settings", name, read)


def filter_layers(model: BigGANGenerator) -> dict[str, torch.nn.Module]:
    """Label → each convolution of G whose filters can all be orthogonal (no more filters than inputs · k²)."""
    layers = {}
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Conv2d):
            out, inputs, kh, kw = module.weight.shape
            if 1 < out <= inputs * kh * kw:
                layers[f"{name}: {out} filters of {inputs}×{kh}×{kw}"] = module
    return layers


def filter_cosines(weight: torch.Tensor) -> torch.Tensor:
    """(out, out) cosine similarities between the filters (rows of the flattened weight)."""
    unit = F.normalize(weight.detach().float().flatten(1), dim=1)
    return unit @ unit.T


def off_diagonal(matrix: torch.Tensor) -> torch.Tensor:
    return matrix[~torch.eye(matrix.shape[0], dtype=torch.bool, device=matrix.device)]


def orthogonal_descent(weight: torch.Tensor, steps: int, lr: float = ORTHO_LR) -> torch.Tensor:
    """The filters after ``steps`` gradient steps on R(W) = ‖WWᵀ ⊙ (1 − I)‖²_F alone (BigGAN §3.1), each filter kept at
    unit norm (R leaves the norms free): what the regulariser pushes towards, without the GAN loss."""
    w = F.normalize(weight.detach().float().flatten(1), dim=1)
    mask = 1 - torch.eye(w.shape[0])
    for _ in range(steps):
        with torch.enable_grad():
            w.requires_grad_(True)
            (grad,) = torch.autograd.grad(((w @ w.T) * mask).pow(2).sum(), w)
        w = F.normalize(w.detach() - lr * grad, dim=1)
    return w


@user_errors
def render_ortho(zoo: Zoo, name: str, layer: str, steps) -> tuple:
    """(heat maps of the layer's filter cosines as trained and after ``steps`` steps of descent on R alone, readout);
    for a model other than BigGAN-small, no figure and why."""
    if not isinstance(_biggan(zoo, name), BigGANGenerator):
        return None, f"The filter view needs our BigGAN-small; {name} is a {zoo.entry(name).family} model."
    layers = filter_layers(_small_biggan(zoo, name))
    if layer not in layers:
        raise ValueError(f"unknown layer {layer!r}; choose one of: {'; '.join(layers)}")
    steps = common.whole_number(steps, "the steps on R", 0, ORTHO_MAX_STEPS)
    weight = layers[layer].weight.detach()
    trained, descended = filter_cosines(weight), filter_cosines(orthogonal_descent(weight, steps))
    size = weight[0].numel()
    random_level = math.sqrt(2 / (math.pi * size))  # E|cos| of two random directions in `size` dimensions
    mean_trained, mean_after = (float(off_diagonal(c).abs().mean()) for c in (trained, descended))
    r_trained, r_after = (float(off_diagonal(c).pow(2).sum()) for c in (trained, descended))
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"as trained: mean |cos| {mean_trained:.3f}", f"after {steps} steps on R: {mean_after:.3f}"),
        horizontal_spacing=0.12,
    )
    for col, matrix in ((1, trained), (2, descended)):
        fig.add_trace(
            plots.go.Heatmap(
                z=matrix.cpu().numpy(),
                zmin=-ORTHO_COLOUR_RANGE,  # the diagonal (1) saturates: the pairs are what matter
                zmax=ORTHO_COLOUR_RANGE,
                colorscale="RdBu",
                reversescale=True,
                showscale=col == 2,
                colorbar=dict(title="cos"),
            ),
            row=1,
            col=col,
        )
        fig.update_yaxes(autorange="reversed", scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col)
        fig.update_xaxes(title_text="filter", row=1, col=col)
    figure_layout(fig, f"Cosine similarity between the filters of {layer.split(':')[0]}", top=110, height=460)
    fig.update_annotations(font_size=plots.FONT_SIZE - 2)
    beta = training_settings(zoo, name).get("ortho_beta")
    trained_with = "β unknown: no training state" if beta is None else f"trained with β = {beta:g}"
    readout = (
        f"{layer}. Off-diagonal mean |cos|: **{mean_trained:.3f}** as trained ({trained_with}), "
        f"**{mean_after:.3f}** after {steps} steps of descent on R alone; random filters of {size} weights: "
        f"{random_level:.3f}. R on unit filters: {r_trained:.3g} → {r_after:.3g}."
    )
    return fig, readout


# --- AC-GAN: what D's class head says about the fakes ---------------------------------------------------------
ACGAN_NOTE = """**AC-GAN** (Odena et al. 2017; choose an AC-GAN as the *Model* above): its discriminator has two
heads on one trunk, **P(S | x)** (real or fake) and **P(C | x)** (which class). D maximises L_S + L_C, G maximises
L_C − L_S: G is rewarded when D recognises the class it was asked for. The matrix counts D's guesses on fakes (rows:
the class asked for, columns: D's guess); a strong diagonal means G's classes are recognisable. Unlike BigGAN's
projection D (above), which scores an (image, class) *pair*, this D is a classifier of any image, real or fake."""
ACGAN_FAKE_SEED = 20_000  # the fakes' latents: seeds 20 000 … (apart from the grid's)


def acgan_discriminator(zoo: Zoo, name: str) -> ACGANDiscriminator | None:
    """The AC-GAN's discriminator from ``discriminator.safetensors`` or the training state (None: neither)."""

    def read() -> ACGANDiscriminator | None:
        model = zoo.load(name)
        found = discriminator_file(zoo.entry(name).folder)
        if found is None:
            return None
        state, prefix = load_file(str(found[0])), found[1]
        weights = {k[len(prefix) :]: v.float() for k, v in state.items() if k.startswith(prefix)}
        discriminator = ACGANDiscriminator(model.config)
        discriminator.load_state_dict(weights, strict=True)
        return discriminator.to(next(model.parameters()).device).eval().requires_grad_(False)

    return zoo.memo("acgan-discriminator", name, read)


def real_class_accuracy(zoo: Zoo, name: str) -> float | None:
    """D's class-head accuracy on the 10 000 real test images (None: the test data is not installed); once."""

    def compute() -> float | None:
        discriminator = acgan_discriminator(zoo, name)
        try:
            test = load_dataset("fashion-mnist", "test", 32, 1, zoo.settings)
        except DatasetUnavailable:
            return None
        device = next(discriminator.parameters()).device
        guesses = discriminator.class_probabilities(test.images.to(device)).argmax(1).cpu()
        return float((guesses == test.labels).float().mean())

    return zoo.memo("acgan-real-accuracy", name, compute)


@user_errors
def render_class_head(zoo: Zoo, name: str, per_class) -> tuple:
    """(confusion matrix of D's class guesses on ``per_class`` fakes of every class, readout)."""
    model = _biggan(zoo, name)
    if not isinstance(model, ACGANGenerator):
        return (
            None,
            f"Choose an AC-GAN as the model: {name} is a {zoo.entry(name).family} model, whose D has no class head.",
        )
    per_class = common.whole_number(per_class, "fakes per class", 10, 200)
    discriminator = acgan_discriminator(zoo, name)
    if discriminator is None:
        return None, f"{name} keeps no discriminator (no {DISCRIMINATOR_NAME} or {STATE_NAME} in its folder)."
    k, names = model.num_classes, model.class_names
    asked = torch.arange(k).repeat_interleave(per_class)
    with torch.inference_mode():
        fakes = model.generate(model.sample_latent(len(asked), ACGAN_FAKE_SEED), asked.tolist())
        guessed = discriminator.class_probabilities(fakes).argmax(1).cpu()
    matrix = confusion_matrix(asked, guessed, k)
    accuracy = float(matrix.diagonal().sum() / matrix.sum())
    fig = plots.go.Figure(
        plots.go.Heatmap(
            z=matrix.numpy(),
            x=names,
            y=names,
            colorscale="Blues",
            text=matrix.numpy(),
            texttemplate="%{text}",
            colorbar=dict(title="fakes"),
        )
    )
    fig.update_yaxes(autorange="reversed", title_text="class asked for")
    fig.update_xaxes(title_text="D's guess", tickangle=-40)
    figure_layout(fig, f"D's class head on {len(asked)} fakes: {accuracy:.0%} as asked", top=70, height=560)
    real = real_class_accuracy(zoo, name)
    on_real = "the test images are not installed" if real is None else f"**{real:.1%}** on the 10 000 real test images"
    worst = int(torch.argmin(matrix.diagonal()))
    hardest = (
        "every class is recognised in all its fakes"
        if int(matrix[worst, worst]) == per_class
        else f"hardest class to draw recognisably: {names[worst]} ({int(matrix[worst, worst])} of {per_class})"
    )
    readout = (
        f"D names the class asked for on **{accuracy:.1%}** of {len(asked)} fakes ({per_class} per class); "
        f"{on_real}; {hardest}."
    )
    if real is not None and accuracy > real:
        readout += (
            " The fakes are *easier* to classify than real garments: AC-GAN's known bias, G draws what D's class head"
            " recognises best, at some cost in variety within a class."
        )
    return fig, readout


def figure_layout(fig, title: str, top: int, height: int, **more) -> None:
    """The section's plot style: a projector-sized title and text, the given top margin and height."""
    fig.update_layout(
        title=dict(text=title, font=dict(size=plots.FONT_SIZE)),
        font=dict(size=plots.FONT_SIZE - 2),
        margin=dict(l=60, r=20, t=top, b=60),
        height=height,
        **more,
    )


def go_scatter(x: list, y: list, name: str, line: dict, show: bool):
    return plots.go.Scatter(x=x, y=y, name=name, mode="lines", line=line, legendgroup=name, showlegend=show)


def projection_discriminator(zoo: Zoo, name: str) -> BigGANDiscriminator | None:
    """The projection discriminator kept beside the model (``discriminator_file``), or None where the folder has
    none; loaded once per model."""
    return zoo.memo("projection-discriminator", name, lambda: _load_discriminator(zoo, name))


def _load_discriminator(zoo: Zoo, name: str) -> BigGANDiscriminator | None:
    model = _small_biggan(zoo, name)
    found = discriminator_file(zoo.entry(name).folder)
    if found is None:
        return None
    path, prefix = found
    with safe_open(str(path), framework="pt") as f:
        keys = [k for k in f.keys() if k.startswith(prefix)]
        if not keys:
            return None
        settings = json.loads((f.metadata() or {}).get("metadata", "{}")).get("settings", {})
        state = {k[len(prefix) :]: f.get_tensor(k).float() for k in keys}
    discriminator = BigGANDiscriminator(model.config, width=int(settings.get("d_width", 64)))
    discriminator.load_state_dict(state, strict=True)
    return discriminator.to(model.class_embedding.weight.device).eval().requires_grad_(False)


def class_scores(zoo: Zoo, name: str, images_: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(ψ(φ(x)), ⟨embed(y), φ(x)⟩ per class) of the model's discriminator, or None when the folder has none."""
    discriminator = projection_discriminator(zoo, name)
    if discriminator is None:
        return None
    with torch.inference_mode():
        return discriminator.class_scores(images_)


def real_class_scores(zoo: Zoo, name: str, per_class: int = 100) -> torch.Tensor | None:
    """(num_classes, num_classes): row c = the mean ⟨embed(y), φ(x)⟩ over ``per_class`` real test images of class c
    (None: no discriminator, or the test data is not installed); once per model."""

    def compute() -> torch.Tensor | None:
        discriminator = projection_discriminator(zoo, name)
        if discriminator is None:
            return None
        model = _small_biggan(zoo, name)
        try:
            data = load_dataset("fashion-mnist", "test", 32, 1, zoo.settings)
        except DatasetUnavailable:
            return None
        if list(data.class_names) != model.class_names:
            return None
        rows = []
        device = model.class_embedding.weight.device
        with torch.inference_mode():
            for c in range(model.num_classes):
                x = data.images[data.labels == c][:per_class].to(device)
                rows.append(discriminator.class_scores(x)[1].mean(0).cpu())
        return torch.stack(rows)

    return zoo.memo("projection-real-scores", name, compute, key=per_class)


@user_errors
def render_projection(
    zoo: Zoo,
    name: str,
    class_a: str,
    class_b: str,
    alpha: float,
    threshold: float,
    seed: int,
    index: int,
    reference: bool = True,
):
    """The projection discriminator's ⟨embed(y), φ(x)⟩ for the sample against every class y, beside (``reference``)
    the mean over real test images of the requested class; a message figure when the folder keeps no discriminator."""
    model = _small_biggan(zoo, name)
    z, vector = chosen_sample(model, class_a, class_b, alpha, threshold, seed, index)
    with torch.inference_mode():
        sample = model(z, vector)
    scores = class_scores(zoo, name, sample)
    if scores is None:
        return plots.bars_figure(
            [], [], f"{name} keeps no discriminator (its folder has no {DISCRIMINATOR_NAME} or {STATE_NAME})", ""
        )
    psi, projection = scores
    names = model.class_names
    requested = class_a if float(alpha) < 0.5 else class_b
    fig = plots.go.Figure()
    fig.add_trace(plots.go.Bar(x=names, y=projection[0].tolist(), name="this sample", marker_color="#1f77b4"))
    real = real_class_scores(zoo, name) if reference else None
    if real is not None:
        row = real[model.class_index(requested)].tolist()
        fig.add_trace(plots.go.Bar(x=names, y=row, name=f"real {requested} (mean of 100)", marker_color="#2ca02c"))
    title = (
        f"D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩, ψ = {float(psi[0]):.2f}<br>"
        f"asked for {requested}; highest: {names[int(projection[0].argmax())]}"
    )
    fig.update_layout(
        title=dict(text=title, font=dict(size=plots.FONT_SIZE)),
        font=dict(size=plots.FONT_SIZE - 2),
        barmode="group",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        margin=dict(l=60, r=20, t=110, b=90),
        height=420,
        yaxis_title="⟨embed(y), φ(x)⟩",
    )
    return fig


@user_errors
def render_inside(
    zoo: Zoo,
    name: str,
    class_a: str,
    class_b: str,
    alpha: float,
    threshold: float,
    seed: int,
    index: int,
    qx: int,
    qy: int,
    redraw: int,
    layer: str,
    reference: bool = True,
) -> tuple:
    """Every view of the inside section for the chosen sample: (sample, attention map, caption, z-chunk grid, its
    PNG, conditional-BN figure, projection-D figure); for a model other than BigGAN-small, empty views and why."""
    if not isinstance(_biggan(zoo, name), BigGANGenerator):
        reason = f"The inside view needs our BigGAN-small; {name} is a {zoo.entry(name).family} model."
        return None, None, reason, None, None, None, None
    args = (zoo, name, class_a, class_b, alpha, threshold, seed, index)
    return (
        *render_attention(*args, qx, qy),
        *render_chunks(*args, redraw),
        render_cbn(*args, layer),
        render_projection(*args, reference=reference),
    )


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    names = model_names(zoo)
    gr.Markdown(NOTE, elem_classes=["note"])
    if not names:
        gr.Markdown("No BigGAN in the zoo: train one with `python -m trainers biggan --out …`.")
        return
    classes = zoo.load(names[0]).class_names
    samples0, png0 = render_samples(zoo, names[0], classes[0], classes[1], 0.0, 1.0, 0)
    sweep0 = sweep_png0 = None  # the sweep (7 thresholds × 16 samples) is drawn when the tab is opened
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
    inside = _build_inside(zoo, names[0], classes)
    with gr.Accordion("AC-GAN: D's class head on the fakes", open=True):
        gr.Markdown(ACGAN_NOTE, elem_classes=["note"])
        with gr.Row():
            with gr.Column(scale=1):
                per_class = gr.Slider(10, 200, value=50, step=10, label="Fakes per class", elem_id="trunc-acgan-n")
                class_text = gr.Markdown("", elem_id="trunc-acgan-text")
            with gr.Column(scale=2):
                class_plot = gr.Plot(None, label="Confusion: class asked for × D's guess", elem_id="trunc-acgan")

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
        [class_a.input, class_b.input, seed.submit, seed.blur],
        functools.partial(render_samples, zoo),
        sample_inputs,
        [samples, samples_file],
        api_visibility="undocumented",
        **fast,
    )
    gr.on(
        [class_a.input, class_b.input, alpha.release, seed.submit, seed.blur],
        functools.partial(render_sweep, zoo),
        [model, class_a, class_b, alpha, seed],
        [sweep, sweep_file],
        api_name="truncation_sweep",
        concurrency_limit=None,
        trigger_mode="always_last",
    )
    curve_button.click(functools.partial(render_curve, zoo), [model], curve, api_name="truncation_curve", **HEAVY)
    gif_button.click(
        functools.partial(sweep_animation, zoo),
        [model, class_a, class_b, alpha, seed],
        gif_file,
        api_name="truncation_animation",
    )
    switched = model.input(
        functools.partial(switch_model, zoo),
        [model, alpha, threshold, seed],
        [class_a, class_b, samples, samples_file, sweep, sweep_file],
        api_visibility="undocumented",
    )
    inside_render, ortho_render = _wire_inside(zoo, inside, model, class_a, class_b, alpha, threshold, seed, samples)
    # every render here listens to a user's act (.input, .release, .submit), never to .change, which a programmatic
    # update fires too: a link's restore sets the controls and draws in one event (share._restorer), and no output
    # of a handler can start another handler (a step to the AC-GAN redrew its views in a loop)
    switched.then(*inside_render, api_visibility="undocumented", **fast)
    class_render = (functools.partial(render_class_head, zoo), [model, per_class], [class_plot, class_text])
    gr.on([model.input, per_class.release], *class_render, api_name="acgan_class_head", **fast)
    fields = dict(model=model, a=class_a, b=class_b, alpha=alpha, threshold=threshold, seed=seed)
    renders = [(functools.partial(render_samples, zoo), sample_inputs, [samples, samples_file])]
    renders.append((functools.partial(render_sweep, zoo), [model, class_a, class_b, alpha, seed], [sweep, sweep_file]))
    renders += share.lazy_renders([inside_render, ortho_render, class_render])  # a link opening the tab draws all
    return TabParts(
        [ModelList(model, lambda: model_names(zoo))],
        Share("truncation", fields, renders),
        # on opening: the inside views without the real-image comparison (~9 s; drawn on the first interaction)
        opened=[
            renders[1],
            (functools.partial(render_inside, zoo, reference=False), *inside_render[1:]),
            ortho_render,
            class_render,
        ],
    )


def _build_inside(zoo: Zoo, name: str, classes: list[str]) -> dict:
    """The inside-BigGAN section's components (by name), rendered for sample 0 of the default view."""
    small = isinstance(zoo.load(name), BigGANGenerator)
    layers = list(cbn_layers(zoo.load(name))) if small else []
    first = [None, None, "", None, None, None, None]  # drawn when the tab is opened (TabParts.opened): ~2 s
    parts: dict = {}
    with gr.Accordion("Inside BigGAN: self-attention, hierarchical z, conditional BN, projection D", open=True):
        gr.Markdown(INSIDE_NOTE, elem_classes=["note"])
        with gr.Row():
            with gr.Column(scale=1):
                parts["index"] = gr.Slider(
                    0,
                    15,
                    value=0,
                    step=1,
                    label="Sample (0–15; or click one in the grid)",
                    elem_id="trunc-inside-index",
                )
                parts["redraw"] = gr.Number(
                    1, label="Redraw seed (the new z chunks)", precision=0, minimum=0, maximum=latent.MAX_SEED
                )
                parts["layer"] = gr.Dropdown(
                    layers, value=layers[0] if layers else None, label="Conditional BN layer", elem_id="trunc-cbn-layer"
                )
                parts["caption"] = gr.Markdown(first[2], elem_id="trunc-attention-caption")
            with gr.Column(scale=1):
                parts["sample"] = gr.Image(
                    first[0],
                    label="The sample: click a pixel",
                    type="pil",
                    format="png",
                    interactive=False,
                    elem_id="trunc-inside-sample",
                )
            with gr.Column(scale=1):
                parts["attention"] = gr.Image(
                    first[1],
                    label="Where that position attends (cyan: the query)",
                    type="pil",
                    format="png",
                    interactive=False,
                    elem_id="trunc-attention",
                )
        with gr.Row():
            with gr.Column(scale=3):
                parts["chunks"] = gr.Image(
                    first[3],
                    label="Hierarchical z: each row redraws one chunk, the rest kept",
                    type="pil",
                    format="png",
                    interactive=False,
                    elem_id="trunc-chunks",
                )
            with gr.Column(scale=1):
                parts["chunks_file"] = gr.File(first[4], label="z chunks (PNG)")
        with gr.Row():
            parts["cbn"] = gr.Plot(first[5], label="Conditional BN: γ_y and β_y along α", elem_id="trunc-cbn")
            parts["projection"] = gr.Plot(first[6], label="Projection discriminator", elem_id="trunc-projection")
        filters = list(filter_layers(zoo.load(name))) if small else []
        with gr.Row():
            with gr.Column(scale=1):
                gr.Markdown(ORTHO_NOTE, elem_classes=["note"])
                parts["ortho_layer"] = gr.Dropdown(
                    filters,
                    value=next((f for f in filters if f.startswith("blocks.1.conv1")), filters[0] if filters else None),
                    label="G's layer",
                    elem_id="trunc-ortho-layer",
                )
                parts["ortho_steps"] = gr.Slider(
                    0,
                    ORTHO_MAX_STEPS,
                    value=50,
                    step=1,
                    label="Steps of descent on R alone",
                    elem_id="trunc-ortho-steps",
                )
                parts["ortho_text"] = gr.Markdown("", elem_id="trunc-ortho-text")
            with gr.Column(scale=2):
                parts["ortho"] = gr.Plot(None, label="Orthogonal regularisation: filter cosines", elem_id="trunc-ortho")
    parts["qx"], parts["qy"] = gr.State(16), gr.State(16)
    return parts


def _wire_inside(zoo: Zoo, parts: dict, model, class_a, class_b, alpha, threshold, seed, samples) -> tuple:
    """The inside section follows the tab's model, classes, α, threshold and seed, and its own controls; returns its
    render (fn, inputs, outputs), run when the tab is first opened."""
    p = parts
    chosen = [model, class_a, class_b, alpha, threshold, seed, p["index"]]
    outputs = [p["sample"], p["attention"], p["caption"], p["chunks"], p["chunks_file"], p["cbn"], p["projection"]]
    settled = dict(concurrency_limit=None, trigger_mode="always_last", show_progress="hidden")
    inside = (functools.partial(render_inside, zoo), [*chosen, p["qx"], p["qy"], p["redraw"], p["layer"]], outputs)
    gr.on(
        [class_a.input, class_b.input, alpha.release, threshold.release, seed.submit, seed.blur, p["index"].input],
        *inside,
        api_name="biggan_inside",
        **settled,
    )
    samples.select(click_sample, p["index"], p["index"], api_visibility="undocumented", **settled).then(
        *inside, api_visibility="undocumented", **settled
    )
    p["sample"].select(click_pixel, None, [p["qx"], p["qy"]], api_visibility="undocumented", **settled).then(
        functools.partial(render_attention, zoo),
        [*chosen, p["qx"], p["qy"]],
        [p["sample"], p["attention"], p["caption"]],
        api_visibility="undocumented",
        **settled,
    )
    gr.on(
        [p["redraw"].submit, p["redraw"].blur],
        functools.partial(render_chunks, zoo),
        [*chosen, p["redraw"]],
        [p["chunks"], p["chunks_file"]],
        api_visibility="undocumented",
        **settled,
    )
    p["layer"].input(
        functools.partial(render_cbn, zoo), [*chosen, p["layer"]], p["cbn"], api_visibility="undocumented", **settled
    )
    ortho = (
        functools.partial(render_ortho, zoo),
        [model, p["ortho_layer"], p["ortho_steps"]],
        [p["ortho"], p["ortho_text"]],
    )
    gr.on([p["ortho_layer"].input, p["ortho_steps"].release], *ortho, api_name="biggan_ortho", **settled)
    return inside, ortho
