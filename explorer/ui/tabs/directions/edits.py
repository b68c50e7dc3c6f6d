"""The Directions tab's computations: the directions of a method (memoised per model and settings), the current
sample (a seed, or an inverted image's latent kept here) moved along one, and the overview grid of the top ones."""

import functools
import hashlib
import threading
from collections import OrderedDict

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import directions as dirs
from explorer import images, latent, plots
from explorer.data import FASHION_MNIST_CLASSES
from explorer.models import HasEncoder, StyleGenerator, Unconditional
from explorer.ui.common import download_path, on_gpu, parse_seeds, user_errors
from explorer.zoo import WEIGHTS_NAME, Zoo

METHODS = {
    "SeFa (closed form)": "sefa",
    "GANSpace (PCA)": "ganspace",
    "Classifier (a Fashion-MNIST class)": "classifier",
    "My labels (click seeds)": "labels",
}
ROWS = ("all rows", "coarse", "middle", "fine")
NONE = "none"
TOP = 10  # directions found per method (SeFa, GANSpace)
SHOWN = 5  # rows of the overview grid
ALPHAS = (-3, -2, -1, 0, 1, 2, 3)
GANSPACE_SAMPLES = 10_000
CLASSIFIER_SAMPLES = 2_000
GRID_SIDE = 6
PREVIEW_SIZE = 256  # the edited sample is shown at 256×256 (8× a 32² sample, 4× a 64² face)
INVERTED_KEEP = 256  # inverted latents kept for the sliders (per app; the oldest are forgotten)


def supported(zoo: Zoo, name: str) -> bool:
    """Whether Directions can read the model: a capability of its family (``explorer.directions.DIRECTED``)."""
    return any(zoo.family(name).supports(capability) for capability in dirs.DIRECTED)


def model_names(zoo: Zoo) -> list[str]:
    """DCGAN and StyleGAN generators (the faces model first: the tab's classic demo)."""
    names = [n for n in zoo.names(Unconditional, excludes=(HasEncoder,)) if supported(zoo, n)]
    return sorted(names, key=lambda n: zoo.entry(n).dataset != "digiface-1m")


def _method(label: str) -> str:
    if label in METHODS:
        return METHODS[label]
    if label in METHODS.values():
        return label
    raise ValueError(f"unknown method {label!r}; choose one of {', '.join(METHODS)}")


def generator(zoo: Zoo, name: str) -> torch.nn.Module:
    model = zoo.require(name, Unconditional, what="a DCGAN or StyleGAN generator")
    dirs.check_supported(model)
    return model


def _rows(model: torch.nn.Module, rows: str) -> list[int] | None:
    if rows in (None, "", ROWS[0]) or not isinstance(model, StyleGenerator):
        return None
    if rows not in ROWS:
        raise ValueError(f"rows must be one of {', '.join(ROWS)}, got {rows!r}")
    return latent.style_bands(model.ws_resolutions)[rows]


def _class(text: str, what: str) -> int | None:
    if text in (None, "", NONE):
        return None
    if text not in FASHION_MNIST_CLASSES:
        raise ValueError(f"{what}: {text!r} is not a Fashion-MNIST class")
    return FASHION_MNIST_CLASSES.index(text)


def find(
    zoo: Zoo, name: str, method: str, target: str, condition: str, rows: str, with_seeds: str, without_seeds: str
) -> dirs.Directions:
    """The directions of ``method`` for the model (memoised per model and settings; GANSpace also on disk)."""
    model, method = generator(zoo, name), _method(method)
    chosen_rows = _rows(model, rows)
    if method == "sefa":
        key = ("sefa", tuple(chosen_rows or ()))
        compute = functools.partial(dirs.sefa, model, TOP, chosen_rows)
    elif method == "ganspace":
        key = ("ganspace",)

        def compute() -> dirs.Directions:
            def arrays() -> dict[str, np.ndarray]:
                return dirs.ganspace(model, GANSPACE_SAMPLES, TOP).arrays()

            stored = zoo.derived.get(f"ganspace-v1-{name}", zoo.entry(name).folder / WEIGHTS_NAME, arrays)
            k = len(stored["scores"])
            return dirs.Directions(
                "GANSpace",
                dirs.space_of(model),
                torch.from_numpy(stored["vectors"]),
                torch.from_numpy(stored["sigmas"]),
                torch.from_numpy(stored["scores"]),
                [f"PC {i}" for i in range(k)],
                "explained variance ratio",
            )
    elif method == "classifier":
        if not zoo.classifier_reads(name):
            raise ValueError(
                "the classifier knows Fashion-MNIST classes only; for this model use My labels (click seeds)"
            )
        wanted, condition_index = _class(target, "class"), _class(condition, "⟂ class")
        if wanted is None:
            raise ValueError("choose the class the direction should lead to")
        if condition_index == wanted:
            raise ValueError("the class to project out must differ from the target class")
        key = ("classifier", wanted, condition_index)
        compute = functools.partial(
            dirs.classifier_direction,
            model,
            zoo.reference_classifier(),
            wanted,
            CLASSIFIER_SAMPLES,
            0,
            condition_index,
        )
    else:
        how = "click seeds in the grid below (with the attribute, then without)"
        positive = parse_seeds(with_seeds, "with", 48, how)
        negative = parse_seeds(without_seeds, "without", 48, how)
        key = ("labels", tuple(positive), tuple(negative))
        compute = functools.partial(dirs.labelled_direction, model, positive, negative)
    return zoo.memo("directions", name, compute, key=key)


# --- the current sample: a seed, or an inverted image ---------------------------------------------------------

_inverted: OrderedDict[str, tuple[str, torch.Tensor]] = OrderedDict()
_inverted_lock = threading.Lock()


def keep_inverted(name: str, code: torch.Tensor) -> str:
    """Store an inverted latent; its key goes in the page (a hidden field), the latent stays here."""
    key = "inv-" + hashlib.sha1(name.encode() + code.numpy().tobytes()).hexdigest()[:12]
    with _inverted_lock:
        _inverted[key] = (name, code.clone())
        _inverted.move_to_end(key)
        while len(_inverted) > INVERTED_KEEP:
            _inverted.popitem(last=False)
    return key


def inverted_code(name: str, source: str) -> torch.Tensor | None:
    """The kept latent of the inverted image ``source`` (None: no inverted image, the seed's sample is shown).

    Read in the main process: a GPU worker's copy of the kept latents is as old as its fork."""
    if not source:
        return None
    with _inverted_lock:
        found = _inverted.get(str(source))
    if found is None or found[0] != name:
        raise ValueError("the inverted image is no longer kept (or was for another model): invert it again")
    return found[1]


def current_code(model: torch.nn.Module, seed: int, inverted: torch.Tensor | None) -> torch.Tensor:
    """(1, d) latent in the model's direction space, on its device: ``inverted`` if given, else the seed's."""
    code = inverted if inverted is not None else dirs.latents(model, 1, latent.check_seed(seed, "seed"))
    return code.to(next(model.parameters()).device)


def _alpha(alpha) -> float:
    if alpha is None or not -10 <= float(alpha) <= 10:
        raise ValueError(f"α must be between −10 and 10, got {alpha}")
    return float(alpha)


def _index(directions: dirs.Directions, index) -> int:
    if isinstance(index, str):
        index = index.split(" ")[0]
    try:
        index = int(float(index))
    except (TypeError, ValueError) as error:
        raise ValueError(f"choose a direction (0 to {len(directions) - 1})") from error
    if not 0 <= index < len(directions):
        raise ValueError(f"direction {index} does not exist; there are {len(directions)}")
    return index


def direction_choices(directions: dirs.Directions) -> list[str]:
    return [f"{i} · {label}" for i, label in enumerate(directions.labels)]


@user_errors
def render_edit(
    zoo: Zoo,
    name: str,
    method: str,
    target: str,
    condition: str,
    rows: str,
    with_seeds: str,
    without_seeds: str,
    index,
    alpha: float,
    seed: int,
    source: str,
) -> Image.Image:
    """The current sample moved by α·σ along the chosen direction (the α slider's render)."""
    inverted = inverted_code(name, source)
    return _edit(zoo, name, method, target, condition, rows, with_seeds, without_seeds, index, alpha, seed, inverted)


@on_gpu()
def _edit(zoo, name, method, target, condition, rows, with_seeds, without_seeds, index, alpha, seed, inverted):
    """``render_edit`` on the GPU, with the inverted image's latent itself."""
    model = generator(zoo, name)
    found = find(zoo, name, method, target, condition, rows, with_seeds, without_seeds)
    code = current_code(model, seed, inverted)
    picture = dirs.edit(model, code, found, _index(found, index), _alpha(alpha), _rows(model, rows))
    return images.image(picture.clamp(-1, 1), scale=max(1, PREVIEW_SIZE // model.resolution))


# --- the α slider rendered in the page (explorer/ui/inpage.py) ------------------------------------------------------
def page_inputs(zoo, name, method, target, condition, rows, with_seeds, without_seeds, index, alpha, seed, source):
    """What the page needs to draw ``render_edit``'s image at any α itself: z, the direction's unit vector v and σ."""
    model = generator(zoo, name)
    found = find(zoo, name, method, target, condition, rows, with_seeds, without_seeds)
    i = _index(found, index)
    z = current_code(model, seed, inverted_code(name, source))[0].cpu().tolist()
    scale = max(1, PREVIEW_SIZE // model.resolution)
    return dict(scale=scale, z=z, vector=found.vectors[i].cpu().tolist(), sigma=float(found.sigmas[i]))


@user_errors
def overview(
    zoo: Zoo,
    name: str,
    method: str,
    target: str,
    condition: str,
    rows: str,
    with_seeds: str,
    without_seeds: str,
    seed: int,
    source: str,
    index=0,
    progress=gr.Progress(),  # noqa: B008
):
    """(the scores plot, the grid of the top directions from −3σ to +3σ, the direction list, a summary)."""
    inverted = inverted_code(name, source)
    figure, grid, png, choices, keep, summary = _overview(
        zoo, name, method, target, condition, rows, with_seeds, without_seeds, seed, inverted, index, progress
    )
    return figure, grid, png, gr.Dropdown(choices=choices, value=keep), summary


@on_gpu(60)  # GANSpace: PCA over GANSPACE_SAMPLES samples the first time (then on disk); the grid
def _overview(zoo, name, method, target, condition, rows, with_seeds, without_seeds, seed, inverted, index, progress):
    """``overview`` on the GPU: (figure, grid, PNG path, direction choices, the one kept, summary)."""
    model = generator(zoo, name)
    if _method(method) == "ganspace":
        progress(0, desc=f"GANSpace: PCA over {GANSPACE_SAMPLES} samples (once per model; then cached)")
    found = find(zoo, name, method, target, condition, rows, with_seeds, without_seeds)
    code = current_code(model, seed, inverted)
    chosen_rows = _rows(model, rows)
    shown = min(SHOWN, len(found))
    tiles = torch.cat([dirs.edit(model, code, found, i, list(ALPHAS), chosen_rows) for i in range(shown)])
    grid = images.grid_image(tiles.clamp(-1, 1), ncols=len(ALPHAS), scale=images.fit_scale(model.resolution, 2))
    width = grid.width
    grid = images.label_rows(grid, found.labels[:shown])
    grid = images.label_columns(grid, [f"{a:+d}σ" if a else "α = 0" for a in ALPHAS], skip=grid.width - width)
    figure = plots.bars_figure(
        [f"{i}" for i in range(len(found))], found.scores.tolist(), f"{found.method}: {found.score_name}", ""
    )
    figure.update_layout(height=300, margin=dict(l=50, r=10, t=60, b=30), xaxis_title="direction")
    choices = direction_choices(found)
    try:
        keep = choices[_index(found, index)]
    except ValueError:
        keep = choices[0]
    png = images.save_png(grid, download_path(f"{name}_{found.method}_directions", ".png"))
    where = "w (ws rows: " + (rows or ROWS[0]) + ")" if found.space == "w" else "z"
    sigma = float(found.sigmas[0])
    summary = f"{len(found)} direction(s) in {where}; α is in units of σ along each (σ of direction 0: {sigma:.2f})."
    return figure, grid, str(png), choices, keep, summary


@user_errors
def seed_grid(zoo: Zoo, name: str, base_seed: int) -> list[tuple[Image.Image, str]]:
    """GRID_SIDE² samples from ``base_seed`` on, captioned with their seeds, to click into the label groups."""
    model = generator(zoo, name)
    base_seed = latent.check_seed(base_seed, "the first seed of the grid")
    with torch.no_grad():
        samples = dirs.render(model, dirs.latents(model, GRID_SIDE**2, base_seed).to(next(model.parameters()).device))
    return [
        (images.to_pil(tile, images.fit_scale(model.resolution, 3)), f"{base_seed + i}")
        for i, tile in enumerate(images.to_uint8(samples.clamp(-1, 1)))
    ]


def add_seed(with_seeds: str, without_seeds: str, mark: str, seed: int) -> tuple[str, str]:
    """Put ``seed`` in the group ``mark`` ("with …" or "without …") and out of the other one."""
    groups = {"with": str(with_seeds or ""), "without": str(without_seeds or "")}
    side = "without" if str(mark).startswith("without") else "with"
    for key in groups:
        seeds = [p for p in groups[key].replace(",", " ").split() if p and p != str(seed)]
        if key == side:
            seeds.append(str(seed))
        groups[key] = ", ".join(seeds)
    return groups["with"], groups["without"]
