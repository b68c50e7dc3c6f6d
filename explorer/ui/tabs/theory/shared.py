"""What the GAN theory tab's sections share: input checks in the user's words, the plots' layout and lines, and
the live wiring of a section's controls to its handler."""

import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from explorer import latent
from explorer.plots import FONT_SIZE, _layout

P_COLOUR, Q_COLOUR, D_COLOUR, F_COLOUR, W_COLOUR = "#222222", "#2ca02c", "#1f77b4", "#ff7f0e", "#9467bd"
FIT_COLOURS = ("#d62728", "#1f77b4")
LIVE = dict(trigger_mode="always_last", show_progress="hidden", concurrency_limit=None)


# --- input checks and small helpers -----------------------------------------------------------------------------
def check_number(value, name: str, low: float, high: float, whole: bool = False) -> float:
    """``value`` as a float in [low, high] (a whole number if ``whole``), or a ``ValueError`` saying what is allowed."""
    wanted = f"{name} must be a {'whole number' if whole else 'number'} from {low:g} to {high:g}"
    if value is None or isinstance(value, bool):
        raise ValueError(f"{wanted}; it is empty" if value is None else f"{wanted}, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{wanted}, got {value!r}") from None
    if not (math.isfinite(number) and low <= number <= high) or (whole and not number.is_integer()):
        raise ValueError(f"{wanted}, got {value!r}")
    return number


def check_whole(value, name: str, low: int, high: int) -> int:
    return int(check_number(value, name, low, high, whole=True))


def check_choice(value, name: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of: {', '.join(map(str, choices))}; got {value!r}")
    return value


def show_value(value: float, digits: int = 3) -> str:
    """A divergence for the screen: ∞ written as ∞, never as a huge number."""
    return "∞" if math.isinf(value) else f"{value:.{digits}f}"


def affine_text(a: float, b: float) -> str:
    """G's formula for the screen: 0.49·z + 1.00, or 1.20·z − 1.00 (a real minus sign)."""
    return f"{a:.2f}·z {'−' if b < 0 else '+'} {abs(b):.2f}"


def check_finite(*arrays) -> None:
    if not all(np.isfinite(np.asarray(a, dtype=float)).all() for a in arrays):
        raise ValueError("the training diverged for these settings; try another seed")


def new_figure(title: str, x_title: str, y_title: str, height: int = 520) -> go.Figure:
    """The app's layout (``explorer.plots``), the legend under the plot: long labels cannot cover the title."""
    fig = _layout(go.Figure(), title, x_title, y_title)
    fig.update_layout(
        height=height,
        margin=dict(t=60, b=150),
        legend=dict(yref="container", y=0, yanchor="bottom", x=0, font=dict(size=FONT_SIZE - 2)),
    )
    return fig


def add_line(fig: go.Figure, x, y, name: str, colour: str, dash: str = "solid", width: int = 4, **kwargs) -> None:
    trace = dict(x=x, y=y, name=name, mode="lines", line=dict(color=colour, width=width, dash=dash))
    fig.add_trace(go.Scatter(**(trace | kwargs)))


def segments_xy(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of one trace drawing the segments starts[i] → ends[i] (NaN-separated)."""
    gaps = np.full(len(starts), np.nan)
    return (
        np.column_stack([starts[:, 0], ends[:, 0], gaps]).ravel(),
        np.column_stack([starts[:, 1], ends[:, 1], gaps]).ravel(),
    )


def wire(handler, controls: list, outputs: list, api_name: str, drawn: list | None = None) -> None:
    """Re-render whenever a control moves: newest value wins, no spinner, no queue limit (the handlers are pure).
    ``drawn`` collects the render for the section's first view (drawn when the section is opened)."""
    gr.on([c.input for c in controls], handler, controls, outputs, api_name=api_name, **LIVE)
    if drawn is not None:
        drawn.append((handler, controls, outputs))


def seed_box(label: str = "Seed", value: int = 0) -> gr.Number:
    return gr.Number(value, label=label, precision=0, minimum=0, maximum=latent.MAX_SEED)


def section_tab(block: gr.blocks.Block) -> gr.Tab:
    """The section (the ``gr.Tab``) that ``block`` sits in: its ``select`` starts what a section trains when opened."""
    while not isinstance(block, gr.Tab):
        block = block.parent
    return block
