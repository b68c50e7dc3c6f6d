"""Inside BigGAN (our BigGAN-small only): the chosen sample's self-attention, hierarchical z, conditional BN and
projection discriminator views, drawn together, and orthogonal regularisation beside them.

Each view is a module of this package with ``TITLE``, ``ID`` and ``build(zoo, controls) -> SectionParts`` (its first
render: ``(fn, inputs, outputs)``); this section builds the controls they share, by name, and one event that draws
them all (``render_inside``)."""

import functools

import gradio as gr

from explorer import latent
from explorer.models.biggan import BigGANGenerator
from explorer.ui import share
from explorer.ui.common import by_values, user_errors
from explorer.ui.tabs.truncation import attention, cbn, chunks, ortho, projection
from explorer.ui.tabs.truncation.shared import GRID_SIZE, biggan
from explorer.zoo import Zoo

TITLE, ID = "Inside BigGAN", "inside"
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
NAMES = (*attention.NAMES, "redraw", "layer")  # render_inside's settings: every view's
VIEWS = (attention, chunks, cbn, projection)  # drawn by render_inside, in its outputs' order


@user_errors
def render_inside(zoo: Zoo, values: dict, reference: bool = True) -> tuple:
    """Every view of the section for the chosen sample (``values`` by the names of ``NAMES``): (sample, attention
    map, caption, z-chunk grid, its PNG, conditional-BN figure, projection-D figure); for a model other than
    BigGAN-small, empty views and why."""
    name = values["model"]
    if not isinstance(biggan(zoo, name), BigGANGenerator):
        reason = f"The inside view needs our BigGAN-small; {name} is a {zoo.entry(name).family} model."
        return None, None, reason, None, None, None, None
    return (
        *attention.render_attention(zoo, values),
        *chunks.render_chunks(zoo, values),
        cbn.render_cbn(zoo, values),
        projection.render_projection(zoo, values, reference=reference),
    )


def build(zoo: Zoo, controls: dict) -> share.SectionParts:
    """The section's controls (the sample's number, the redraw seed, the conditional-BN layer), its views, and their
    wiring: they follow the tab's classes, α, threshold and seed, the sample's number and a click on the grid
    (``controls["grid"]``). Its renders: every view at once, then orthogonal regularisation."""
    model = zoo.load(controls["model"].value)
    layers = list(cbn.cbn_layers(model)) if isinstance(model, BigGANGenerator) else []
    c = dict(controls)
    with gr.Accordion("Inside BigGAN: self-attention, hierarchical z, conditional BN, projection D", open=True):
        gr.Markdown(INSIDE_NOTE, elem_classes=["note"])
        with gr.Row():
            with gr.Column(scale=1):
                label = f"Sample (0–{GRID_SIZE - 1}; or click one in the grid)"
                c["index"] = gr.Slider(0, GRID_SIZE - 1, value=0, step=1, label=label, elem_id="trunc-inside-index")
                c["redraw"] = gr.Number(
                    1, label="Redraw seed (the new z chunks)", precision=0, minimum=0, maximum=latent.MAX_SEED
                )
                c["layer"] = gr.Dropdown(
                    layers, value=layers[0] if layers else None, label="Conditional BN layer", elem_id="trunc-cbn-layer"
                )
                c["qx"], c["qy"] = gr.State(16), gr.State(16)  # the query pixel (a click on the sample)
            with gr.Column(scale=2):
                drawn = {attention.ID: attention.build(zoo, c)}
        drawn[chunks.ID] = chunks.build(zoo, c)
        with gr.Row():
            for view in (cbn, projection):
                with gr.Column():
                    drawn[view.ID] = view.build(zoo, c)
        filters = ortho.build(zoo, c)
    outputs = [output for view in VIEWS for output in drawn[view.ID].renders[0][2]]
    named = {k: c[k] for k in NAMES}
    render = (*by_values(functools.partial(render_inside, zoo), named), outputs)
    settled = dict(concurrency_limit=None, trigger_mode="always_last", show_progress="hidden")
    events = [c["a"].input, c["b"].input, c["alpha"].release, c["threshold"].release, c["seed"].submit, c["seed"].blur]
    gr.on([*events, c["index"].input], *render, api_name="biggan_inside", **settled)
    quiet = dict(api_visibility="undocumented", **settled)
    c["grid"].select(attention.click_sample, c["index"], c["index"], **quiet).then(*render, **quiet)
    # on opening: without the real-image comparison (~9 s; drawn on the first interaction)
    first = (*by_values(functools.partial(render_inside, zoo, reference=False), named), outputs)
    return share.SectionParts(opened=[first, *filters.opened], renders=[render, *filters.renders])
