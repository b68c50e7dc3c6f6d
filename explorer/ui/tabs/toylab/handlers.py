"""The GAN lab's handlers: settings and the lab in, the lab and its drawings out (tests call them directly).

The lab is server-side state (``gr.State``); a handler rebuilds it when the settings changed, and draws only the
views that are shown.
"""

import copy

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from explorer import images
from explorer.ui.common import download_path, user_errors
from explorer.ui.tabs.toylab.figures import (
    divergence_table,
    history_figure,
    lipschitz_figure,
    lipschitz_note,
    plane_figure,
    readout,
    spectral_table,
)
from explorer.ui.tabs.toylab.presets import (
    CONTROL_NAMES,
    PRESET_VIEWS,
    VIEWS,
    checked_views,
    config_from,
    preset_values,
    whole,
)
from trainers.toy2d import EXTENT, PERTURBATION, ToyLab, ToyLabConfig

MAX_STEPS_PER_FRAME = 50


def _config(settings: dict) -> ToyLabConfig:
    """The lab's config from its named settings (checked: a ``ValueError`` says which is wrong)."""
    if not isinstance(settings, dict):
        raise ValueError("the lab's settings must be named values (a dict)")
    missing = [name for name in CONTROL_NAMES if name not in settings]
    if missing:
        raise ValueError(f"missing lab settings: {', '.join(missing)}")
    return config_from(settings)


def _lab(settings: dict) -> ToyLab:
    return ToyLab(_config(settings))


def _current(lab: ToyLab | None, settings: dict) -> ToyLab:
    """``lab`` if it runs on these settings, else a fresh lab on them (built only then: "G = data" fits G)."""
    config = _config(settings)
    return lab if isinstance(lab, ToyLab) and lab.config == config else ToyLab(config)


@user_errors
def advance(
    lab: ToyLab | None, mode: str, steps: int, arrows: bool, optimal: bool, settings: dict, views: dict | None = None
):
    """Make ``steps`` updates (mode "both", "d" or "g"), rebuilding the lab when the settings changed; ``views``
    names the display switches that are on (``VIEWS``)."""
    views = checked_views(views)
    lab = _current(lab, settings)
    steps = whole(steps, "steps per frame")
    if not 0 <= steps <= MAX_STEPS_PER_FRAME:
        raise ValueError(f"steps per frame must be between 0 and {MAX_STEPS_PER_FRAME}, got {steps}")
    if not lab.diverged:
        for i in range(steps):
            lab.measure_value = views["value"] and i == steps - 1  # the KDEs (2–3 ms): once a frame, while shown
            lab.step(mode)
            if lab.diverged:
                break
    return lab, plane_figure(lab, arrows, optimal, views=views), history_figure(lab, views=views), readout(lab)


@user_errors
def reset(arrows: bool, optimal: bool, settings: dict, views: dict | None = None):
    views = checked_views(views)
    lab = _lab(settings)
    lab.measure_value = views["value"]
    return lab, plane_figure(lab, arrows, optimal, views=views), history_figure(lab, views=views), readout(lab)


@user_errors
def lipschitz_panel(lab: ToyLab | None, settings: dict) -> tuple[go.Figure, str]:
    """The Lipschitz view: its figure and the spectral-norm table, for the lab (a fresh one if there is none)."""
    lab = lab if isinstance(lab, ToyLab) else _lab(settings)
    return lipschitz_figure(lab), lipschitz_note(lab) + "\n\n" + spectral_table(lab)


@user_errors
def divergence_panel(lab: ToyLab | None, settings: dict) -> str:
    """The f-divergence view: its table for the lab (a fresh one if there is none)."""
    lab = lab if isinstance(lab, ToyLab) else _lab(settings)
    return divergence_table(lab)


@user_errors
def perturb(lab: ToyLab | None, arrows: bool, optimal: bool, settings: dict, views: dict | None = None):
    """Nudge G off its place (``ToyLab.perturb_generator``: every G(z) moved 0.4 up), no step; the readout says
    how V(G, D*) moved. Arrows come from D, which has not yet seen the new G: step D to see them return."""
    views = checked_views(views)
    lab = _current(lab, settings)
    if lab.diverged:
        raise ValueError("the run diverged (NaN/inf): press Reset before perturbing G")
    before, _ = lab.optimal_value()
    lab.perturb_generator()
    after, _ = lab.optimal_value()
    text = (
        f"{readout(lab)} · G perturbed (G(z) moved {PERTURBATION:g} up): V(G, D*) {before:.3f} → {after:.3f} "
        "(−log 4 = −1.386); "
        "press ▶ Play (or Step D ~20 times): D learns the change and the arrows return"
    )
    return lab, plane_figure(lab, arrows, optimal, views=views), history_figure(lab, views=views), text


@user_errors
def redraw(lab: ToyLab | None, arrows: bool, optimal: bool, views: dict | None = None):
    """A display switch changed: the plane and the history again, with no step."""
    views = checked_views(views)
    lab = lab if isinstance(lab, ToyLab) else ToyLab(ToyLabConfig())
    return plane_figure(lab, arrows, optimal, views=views), history_figure(lab, views=views)


@user_errors
def select_preset(name: str, arrows: bool = True) -> dict:
    """A preset chosen: its settings, its D* overlay and view switches, and a fresh lab on them with its first
    drawing."""
    values = preset_values(name)
    optimal = values.pop("optimal")
    views = {view: view in PRESET_VIEWS.get(name, ()) for view in VIEWS}
    lab = _lab(values)
    lab.measure_value = views["value"]
    return dict(
        settings=values,
        optimal=optimal,
        views=views,
        lab=lab,
        plane=plane_figure(lab, arrows, optimal, views=views),
        history=history_figure(lab, views=views),
        readout=readout(lab),
    )


GIF_SIZE = 320


def lab_frame(lab: ToyLab, size: int = GIF_SIZE) -> Image.Image:
    """One animation frame drawn directly (no plotting library): D as a grey map, data blue, G(z) red."""
    d_map = np.nan_to_num(lab.discriminator_map(64), nan=0.0)  # (64, 64), rows = y from −EXTENT up
    low, high = (0.0, 1.0) if lab.shows_probability else (d_map.min(), d_map.max())
    grey = (np.clip((d_map - low) / max(high - low, 1e-12), 0, 1) * 255).astype(np.uint8)[::-1]
    picture = Image.fromarray(grey).resize((size, size), Image.NEAREST).convert("RGB")
    draw = ImageDraw.Draw(picture)

    def to_pixels(points: np.ndarray) -> np.ndarray:
        return (points + EXTENT) / (2 * EXTENT) * np.array([size, -size]) + np.array([0, size])

    for points, colour in ((lab.real.numpy(), (31, 119, 180)), (lab.fake_points(), (214, 39, 40))):
        for x, y in to_pixels(points):
            draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=colour)
    draw.text((6, 6), f"step {lab.step_count}", fill=(0, 0, 0))
    return picture


@user_errors
def record_animation(lab: ToyLab | None, steps_per_frame: int, frames: int, settings: dict) -> list[str]:
    """The next ``frames`` × ``steps_per_frame`` steps as a GIF (and an MP4 where ffmpeg is available), recorded
    on a copy (the lab is unchanged)."""
    if lab is not None and not isinstance(lab, ToyLab):
        raise ValueError("the lab state is not a GAN lab; press Reset")
    lab = copy.deepcopy(lab) if lab is not None else _lab(settings)
    steps_per_frame, frames = whole(steps_per_frame, "steps per frame"), whole(frames, "frames")
    if not 1 <= steps_per_frame <= MAX_STEPS_PER_FRAME:
        raise ValueError(f"steps per frame must be between 1 and {MAX_STEPS_PER_FRAME}")
    if not 1 <= frames <= 200:
        raise ValueError(f"a GIF has 1 to 200 frames, got {frames}")
    pictures = [lab_frame(lab)]
    for _ in range(frames):
        for _ in range(steps_per_frame):
            lab.step()
        pictures.append(lab_frame(lab))
    path = download_path(f"gan-lab-{lab.config.loss}-{lab.config.dataset}", ".gif")
    return images.save_animation(pictures, path, duration_ms=100, bounce=False)
