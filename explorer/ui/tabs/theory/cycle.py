"""GAN theory, *CycleGAN*: unpaired translation on the plane (a ring X ↔ a square Y, ``explorer.cycle2d``) with and
without the cycle loss, then at image scale (``explorer.models.translation``): two Fashion-MNIST classes, unpaired,
test images x, G(x) and F(G(x)) with the cycle error per image and the classifier's verdict on G(x)."""

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image

from explorer import cycle2d, images, latent
from explorer.data import NO_TEST_IMAGES, DatasetUnavailable
from explorer.models.folder import read_config
from explorer.models.translation import CycleGAN, cycle_error
from explorer.ui import common
from explorer.ui.common import ModelList, user_errors
from explorer.ui.share import SectionParts
from explorer.ui.tabs.theory.shared import P_COLOUR, check_choice, check_finite, new_figure, section_tab, seed_box
from explorer.zoo import REFERENCE_CLASSIFIER, Zoo

TITLE = "CycleGAN"
ID = "cycle"

# --- on the plane ----------------------------------------------------------------------------------------------
CYCLE_NOTE = """**What you are seeing.** Unpaired translation (CycleGAN, Zhu et al. 2017): X is a ring, Y a square,
and no (x, y) pair is ever shown. G: X → Y and F: Y → X each train against a discriminator (D_Y, D_X; least
squares, as in the paper). Colour = the angle of x on the ring: **G(x)** (filled dots) carries each x's colour
onto the square, **F(G(x))** (crosses) brings it back. With **λ_cyc = 0** only the adversarial losses act: G(X)
lands on the square and F(Y) on the ring, but nothing ties them together, so F does not undo G and the crosses land
far from their colour on the ring. The cycle-consistency loss **λ (E‖F(G(x)) − x‖₁ + E‖G(F(y)) − y‖₁)** makes F ∘ G
the identity: the crosses fall back onto their own place and the colours go round the square once, in order.
Each setting trains G, F, D_X, D_Y for 600 steps (a few seconds; cached)."""


CYCLE_CHOICES = tuple(f"{v:g}" for v in cycle2d.LAMBDAS)


def cycle_figure(result) -> go.Figure:
    """The ring X, the square Y, G(x) and F(G(x)) coloured by x's angle."""
    fig = new_figure(f"λ_cyc = {result.lam:g}: x → G(x) → F(G(x))", "", "")
    hue = np.degrees(np.arctan2(result.x[:, 1], result.x[:, 0]))
    colour = dict(color=hue, colorscale="HSV", cmin=-180, cmax=180)
    fig.add_trace(
        go.Scatter(
            x=result.y[:, 0],
            y=result.y[:, 1],
            mode="markers",
            name="y (data of Y)",
            marker=dict(size=4, color="#cccccc"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=result.x[:, 0],
            y=result.x[:, 1],
            mode="markers",
            name="x (data of X), coloured by angle",
            marker=dict(size=7, symbol="circle-open", line=dict(width=2), **colour),
        )
    )
    fig.add_trace(
        go.Scatter(x=result.gx[:, 0], y=result.gx[:, 1], mode="markers", name="G(x)", marker=dict(size=7, **colour))
    )
    fig.add_trace(
        go.Scatter(
            x=result.fgx[:, 0],
            y=result.fgx[:, 1],
            mode="markers",
            name="F(G(x))",
            marker=dict(size=7, symbol="x", **colour),
        )
    )
    fig.update_xaxes(range=[-1.8, 4.8], showticklabels=False)
    fig.update_yaxes(range=[-1.8, 1.8], scaleanchor="x", showticklabels=False)
    return fig


def cycle_untrained():
    """The section before training: the two domains and what the button does."""
    generator = torch.Generator().manual_seed(0)
    x, y = cycle2d.ring(cycle2d.TEST_POINTS, generator).numpy(), cycle2d.square(cycle2d.TEST_POINTS, generator).numpy()
    fig = new_figure("X: a ring, Y: a square (no pairs)", "", "")
    fig.add_trace(go.Scatter(x=x[:, 0], y=x[:, 1], mode="markers", name="x", marker=dict(size=5, color=P_COLOUR)))
    fig.add_trace(go.Scatter(x=y[:, 0], y=y[:, 1], mode="markers", name="y", marker=dict(size=5, color="#999999")))
    fig.update_xaxes(range=[-1.8, 4.8], showticklabels=False)
    fig.update_yaxes(range=[-1.8, 1.8], scaleanchor="x", showticklabels=False)
    return fig, "*Press **Train** to train G, F, D_X and D_Y with the chosen λ_cyc.*"


@user_errors
def cycle(lam, seed: int):
    """(figure, readout) after training the four networks for (λ_cyc, seed) (cached)."""
    if isinstance(lam, int | float) and not isinstance(lam, bool):
        lam = f"{lam:g}"
    lam = float(check_choice(lam, "λ_cyc", CYCLE_CHOICES))
    result = cycle2d.train(lam, latent.check_seed(seed))
    check_finite(result.gx, result.fgx, result.fy)
    kept = {1: "once, in order", -1: "once, mirrored (a reflection is a bijection too)"}.get(
        result.winding, f"{result.winding} times: no one-to-one map"
    )
    readout = (
        f"**F(G(x)) lies {result.cycle_error:.2f} from x** on average (the ring's radius is 1): "
        f"{'F undoes G' if result.cycle_error < 0.2 else 'F does not undo G'}. G(x) lies {result.off_square:.2f} from "
        f"the square and F(y) {result.off_ring:.2f} from the ring; the colours go round the square {kept}."
    )
    return cycle_figure(result), readout


# --- at image scale --------------------------------------------------------------------------------------------
CYCLEGAN_NOTE = """**At image scale: CycleGAN** (Zhu et al. 2017). Two Fashion-MNIST classes and no pairs: G maps A
to B, F maps B back, each judged by its own D, and the cycle loss λ‖F(G(x)) − x‖₁ (λ = 10) asks that a round trip
bring an image back. Below: eight test images x of one class, their translations G(x) and the round trip F(G(x)); the
readout gives the cycle error and how often the classifier takes G(x) for the other class."""
ROW = 8  # test images per view


def cyclegan_names(zoo: Zoo) -> list[str]:
    return zoo.names(CycleGAN)


def _cyclegan(zoo: Zoo, name: str) -> CycleGAN:
    return zoo.require(name, CycleGAN, what="a CycleGAN")


def directions(config) -> list[tuple[str, str]]:
    """The direction radio's (label, value) pairs for a ``CycleGANConfig`` (or its fields as a dict)."""
    a, b = (config["domain_a"], config["domain_b"]) if isinstance(config, dict) else (config.domain_a, config.domain_b)
    return [(f"{a} → {b}", "a2b"), (f"{b} → {a}", "b2a")]


def _domains(zoo: Zoo, name: str) -> list[tuple[str, str]]:
    """The directions of the CycleGAN ``name``, read from its folder's config (no model loaded)."""
    return directions(read_config(zoo.entry(name).folder)[1])


@user_errors
def round_trip(zoo: Zoo, name: str, direction: str, start) -> tuple[Image.Image, str]:
    """(x, G(x), F(G(x)) for ``ROW`` test images of the source class from its ``start``-th on, a readout)."""
    model = _cyclegan(zoo, name)
    c = model.config
    if direction not in ("a2b", "b2a"):
        raise ValueError(f"pick a direction: {c.domain_a} → {c.domain_b} or back")
    source, target = (c.domain_a, c.domain_b) if direction == "a2b" else (c.domain_b, c.domain_a)
    try:
        test = common.test_set(zoo)
    except DatasetUnavailable:
        return None, f"{NO_TEST_IMAGES}: no test {source} to translate."
    names = list(test.class_names)
    pool = test.images[test.labels == names.index(source)]
    first = common.whole_number(start, f"the first test {source}", 0, len(pool) - ROW)
    x = pool[first : first + ROW]
    translated, back = model.translate(x, direction)
    translated, back = translated.cpu(), back.cpu()
    errors = cycle_error(x, back)
    grid = images.grid_image(torch.cat([x, translated, back]), ncols=ROW, scale=4)
    there, home = ("G", "F") if direction == "a2b" else ("F", "G")
    picture = images.label_rows(grid, [f"x: test {source}", f"{there}(x)", f"{home}({there}(x))"])
    text = (
        f"**Cycle error** mean |x − {home}({there}(x))| = **{errors.mean():.3f}** (per image "
        f"{', '.join(f'{e:.2f}' for e in errors.tolist())}; pixels in [-1, 1], two different test {source}s differ "
        f"by {cycle_error(x, x.roll(1, dims=0)).mean():.2f})."
    )
    if REFERENCE_CLASSIFIER in zoo.entries and names == list(zoo.reference_classifier().class_names):
        classifier = zoo.reference_classifier()
        with torch.inference_mode():
            device = next(classifier.parameters()).device
            guesses = classifier(translated.to(device)).argmax(1).cpu()
        hits = int((guesses == names.index(target)).sum())
        text += f" The classifier calls **{hits} of {ROW}** of the {there}(x) *{target}*."
    return picture, text


def _build_cyclegan(zoo: Zoo) -> tuple[list, tuple | None]:
    """The CycleGAN part (inside the *CycleGAN* section): (model lists, its first render or None)."""
    gr.Markdown(CYCLEGAN_NOTE, elem_classes=["note"])
    names = cyclegan_names(zoo)
    if not names:
        gr.Markdown("No CycleGAN in the zoo: train one with `python -m trainers cyclegan --out …`.")
        return [], None
    with gr.Row():
        model = gr.Dropdown(names, value=names[0], label="CycleGAN", elem_id="cyc-model")
        direction = gr.Radio(_domains(zoo, names[0]), value="a2b", label="Direction", elem_id="cyc-direction")
        start = gr.Number(0, label="First test image of the class (0–992)", precision=0, minimum=0, elem_id="cyc-start")
    view = gr.Image(type="pil", format="png", interactive=False, show_label=False, elem_id="cyc-view")
    readout = gr.Markdown(elem_id="cyc-text")

    def draw(name, way, first_index):
        return round_trip(zoo, name, way, first_index)

    gr.on(
        [direction.input, start.submit, start.blur],
        draw,
        [model, direction, start],
        [view, readout],
        api_name="cyclegan",
        show_progress="hidden",
        trigger_mode="always_last",
    )

    @user_errors
    def model_changed(name):
        way = gr.Radio(choices=directions(_cyclegan(zoo, name)), value="a2b")
        return way, *round_trip(zoo, name, "a2b", 0)

    model.change(
        model_changed, model, [direction, view, readout], api_visibility="undocumented", show_progress="hidden"
    )
    return [ModelList(model, lambda: cyclegan_names(zoo))], (draw, [model, direction, start], [view, readout])


def build(zoo: Zoo | None = None) -> SectionParts:
    """The toy (trained when the section opens, again by *Train* or a new λ or seed), then the image-scale CycleGAN
    from ``zoo`` (none without a zoo), drawn when first opened."""
    gr.Markdown(CYCLE_NOTE, elem_classes=["note"])
    untrained, untrained_text = cycle_untrained()
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            lam = gr.Radio(
                list(CYCLE_CHOICES),
                value="3",
                label="λ_cyc (0 = no cycle loss)",
                elem_id="theory-cycle-lambda",
            )
            seed = seed_box()
            train = gr.Button("Train", variant="primary", elem_id="theory-cycle-train")
            readout = gr.Markdown(untrained_text, elem_id="theory-cycle-text")
        with gr.Column(scale=3):
            plot = gr.Plot(untrained, label="x → G(x) → F(G(x))", elem_id="theory-cycle")
    lists, first = _build_cyclegan(zoo) if zoo is not None else ([], None)
    gr.on(
        [train.click, lam.input, seed.input, section_tab(plot).select],
        cycle,
        [lam, seed],
        [plot, readout],
        api_name="theory_cycle",
        trigger_mode="always_last",
        concurrency_limit=None,
    )
    return SectionParts(model_lists=lists, opened=[first] if first is not None else [])
