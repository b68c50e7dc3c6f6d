"""GAN lab tab: a tiny GAN on 2-D toy data, trained live, with the lecture's theory drawn over it.

The plane shows the real points, the generated points, the discriminator's output as a heat map
(its decision boundary) and arrows of −∇_x L_G on some fakes (where the generator is pushed).
Overlays: the optimal discriminator D*(x) = p_d(x) / (p_d(x) + p_g(x)) from density estimates
(Goodfellow et al. 2014, Prop. 1) and a mode-coverage counter that makes mode collapse a number.
Views (display only, computed only while shown): V(G, D*) against 2·JSD − log 4 on the grid (Thm 1),
arrows at their true length, the image of a z-grid under G, the Lipschitz panel (clipped weights,
‖∇ₓD‖ and WGAN-GP's x̂, spectral norms against svdvals) and the f-divergences of the grid densities.
Training options beyond the loss: an f-GAN objective (Nowozin et al. 2016), unrolled D steps in G's loss
(Metz et al. 2017), ProGAN's minibatch standard deviation in D, and G started on the data (then perturbed).

Modules: ``presets`` (presets, views, settings by name), ``figures`` (what is drawn), ``handlers`` (what the
events run; tests call them directly), ``layout`` (the components); the wiring is here.
"""

import time

import gradio as gr
import plotly.graph_objects as go

from explorer.ui.common import named_values
from explorer.ui.share import Share, TabParts
from explorer.ui.tabs.toylab.budget import FrameBudget
from explorer.ui.tabs.toylab.figures import divergence_table, frame_json
from explorer.ui.tabs.toylab.handlers import (
    advance,
    divergence_panel,
    lipschitz_panel,
    perturb,
    record_animation,
    redraw,
    reset,
    select_preset,
)
from explorer.ui.tabs.toylab.layout import LabTab, lay_out
from explorer.ui.tabs.toylab.presets import config_from, initial_settings
from trainers.toy2d import ToyLab

FAST = dict(concurrency_limit=None, show_progress="hidden", api_visibility="undocumented")


def build(zoo=None, previews=None) -> TabParts:
    """The tab (``zoo`` and ``previews`` unused: the lab trains its own GAN). It opens on the default preset, paused;
    a link (or a lecture path's step) opens a preset the same way, and the lecturer presses Play."""
    defaults = initial_settings()  # the controls open on the default preset, and so does the lab
    tab = lay_out(defaults, ToyLab(config_from(defaults)))
    _wire_steps(tab)
    _wire_play(tab)
    _wire_views(tab)
    _wire_perturb_and_record(tab)
    restore = _wire_presets(tab)
    return TabParts(share=Share("toylab", dict(preset=tab.preset), [restore]))


def _settings(tab: LabTab, values: dict) -> dict:
    return named_values(tab.settings, values)


def _views(tab: LabTab, values: dict) -> dict:
    return named_values(tab.views, values)


def _named(tab: LabTab, values: dict) -> tuple[dict, dict]:
    """The settings and the views by name: what the handlers take after the lab and the overlays."""
    return _settings(tab, values), _views(tab, values)


def _panels(tab: LabTab, lab: ToyLab | None, values: dict) -> tuple:
    """The Lipschitz panel's figure and table and the f-divergence table, each computed only while its view is shown
    (else ``gr.skip()``: the hidden panel keeps what it has)."""
    shown, settings = _views(tab, values), _settings(tab, values)
    figure, table = lipschitz_panel(lab, settings) if shown["lipschitz"] else (gr.skip(), gr.skip())
    return figure, table, divergence_panel(lab, settings) if shown["divergences"] else gr.skip()


def _step_inputs(tab: LabTab) -> set:
    return {tab.state, tab.speed, tab.arrows, tab.optimal, *tab.settings.values(), *tab.views.values()}


def _outputs(tab: LabTab) -> list:
    return [tab.state, tab.plane, tab.history, tab.info, tab.lipschitz_plot, tab.sn_table, tab.divergence_text]


def _wire_steps(tab: LabTab) -> None:
    """Step D, Step G, Step D+G (the API's ``toy_step``) and Reset (``toy_reset``): one event each, drawn whole."""

    def stepper(mode: str):
        def run(values: dict):
            lab, *drawn = advance(
                values[tab.state], mode, 1, values[tab.arrows], values[tab.optimal], *_named(tab, values)
            )
            return (lab, *drawn, *_panels(tab, lab, values))

        return run

    tab.step_d.click(stepper("d"), _step_inputs(tab), _outputs(tab), **FAST)
    tab.step_g.click(stepper("g"), _step_inputs(tab), _outputs(tab), **FAST)
    tab.step_both.click(stepper("both"), _step_inputs(tab), _outputs(tab), api_name="toy_step", concurrency_limit=None)

    def on_reset(values: dict):
        lab, *drawn = reset(values[tab.arrows], values[tab.optimal], *_named(tab, values))
        return (lab, *drawn, *_panels(tab, lab, values))

    tab.reset.click(on_reset, _step_inputs(tab) - {tab.state, tab.speed}, _outputs(tab), api_name="toy_reset")


def _wire_play(tab: LabTab) -> None:
    """Play and Pause are the page's (explorer/ui/page.js, "the GAN lab's Play"): while playing it presses the hidden
    ``next_frame`` for one frame at a time, shows it and asks for the next. A frame is ``speed`` steps of D and G;
    it travels as one JSON text (``frame_json``) that the page draws into the plots already shown (``Plotly.react``),
    never as new ``gr.Plot`` values, which Gradio draws as new plots (1-2 s of the page's time a frame on a busy
    2-core machine, issue #33). The page shows no frame that lands after Pause, which also cancels the one under
    way (so the lab stays the one shown, unless that frame was done already: the next step then shows it).
    Each frame also says when to ask for the next: the server's ``FrameBudget`` shares ``LAB_CORES`` of a core among
    the labs playing (issue #31), from the CPU time each lab's frames take on the handler's thread."""
    budget = FrameBudget()

    def frame(values: dict, request: gr.Request):
        clock = time.thread_time()
        lab, plane, history, text = advance(
            values[tab.state], "both", values[tab.speed], values[tab.arrows], values[tab.optimal], *_named(tab, values)
        )
        figure, *tables = _panels(tab, lab, values)
        figures = {tab.plane.elem_id: plane, tab.history.elem_id: history}
        if isinstance(figure, go.Figure):
            figures[tab.lipschitz_plot.elem_id] = figure
        texts = [text, *(table if isinstance(table, str) else None for table in tables)]  # None: hidden, kept
        pace = budget.pace(str(request.session_hash), time.thread_time() - clock)
        return lab, frame_json(figures, texts, pace.as_json())

    drawn = tab.next_frame.click(frame, _step_inputs(tab), [tab.state, tab.frame], **FAST)
    texts = [tab.info, tab.sn_table, tab.divergence_text]
    show = "(frame, ...shown) => window.__latentPage.labFrame(frame, shown)"
    drawn.success(None, [tab.frame, *texts], texts, js=show, show_progress="hidden")
    drawn.failure(None, None, None, js="() => window.__latentPage.labFailed()", show_progress="hidden")
    gr.on([tab.pause.click, tab.reset.click], None, None, None, cancels=[drawn], api_visibility="undocumented")


def _wire_views(tab: LabTab) -> None:
    """A display switch (arrows, D*, the views) redraws the plane and the history and shows or hides its panel."""

    def on_view(values: dict):
        plane, history = redraw(values[tab.state], values[tab.arrows], values[tab.optimal], _views(tab, values))
        shown = _views(tab, values)
        figure, table, divergences = _panels(tab, values[tab.state], values)
        rows = gr.Row(visible=shown["lipschitz"]), gr.Row(visible=shown["divergences"])
        return plane, history, rows[0], figure, table, rows[1], divergences

    outputs = [tab.plane, tab.history, tab.lipschitz_row, tab.lipschitz_plot, tab.sn_table]
    outputs += [tab.divergence_row, tab.divergence_text]
    switches = [tab.arrows, tab.optimal, *tab.views.values()]
    gr.on([box.input for box in switches], on_view, _step_inputs(tab) - {tab.speed}, outputs, **FAST)


def _wire_perturb_and_record(tab: LabTab) -> None:
    """Perturb G (``toy_perturb``) and the animation, recorded on a copy of the lab."""

    def on_perturb(values: dict):
        lab, *drawn = perturb(values[tab.state], values[tab.arrows], values[tab.optimal], *_named(tab, values))
        return (lab, *drawn, *_panels(tab, lab, values))

    inputs = _step_inputs(tab) - {tab.speed}
    tab.perturb.click(on_perturb, inputs, _outputs(tab), api_name="toy_perturb", **FAST)

    def on_record(values: dict):
        return record_animation(values[tab.state], values[tab.speed], 40, _settings(tab, values))

    inputs = {tab.state, tab.speed, *tab.settings.values()}
    tab.gif_button.click(on_record, inputs, tab.gif_file, api_visibility="undocumented")


def _wire_presets(tab: LabTab) -> tuple:
    """Choosing a preset (or Reset to the preset) applies it: its settings, views and a fresh lab, so the controls
    and the lab never disagree. Returns the render a link's restore runs."""

    def on_preset(name: str, arrows_value: bool) -> dict:
        chosen = select_preset(name, arrows_value)
        lab, shown = chosen["lab"], chosen["views"]
        drawn = {
            tab.state: lab,
            tab.plane: chosen["plane"],
            tab.history: chosen["history"],
            tab.info: chosen["readout"],
        }
        figure, table = lipschitz_panel(lab, chosen["settings"]) if shown["lipschitz"] else (None, "")
        panels = {
            tab.lipschitz_row: gr.Row(visible=shown["lipschitz"]),
            tab.lipschitz_plot: figure,
            tab.sn_table: table,
        }
        panels[tab.divergence_row] = gr.Row(visible=shown["divergences"])
        panels[tab.divergence_text] = divergence_table(lab) if shown["divergences"] else ""
        switches = {tab.views[k]: v for k, v in shown.items()} | {tab.optimal: chosen["optimal"]}
        return drawn | panels | switches | {tab.settings[k]: v for k, v in chosen["settings"].items()}

    outputs = [*tab.settings.values(), tab.optimal, *tab.views.values(), tab.lipschitz_row, tab.divergence_row]
    outputs += _outputs(tab)
    inputs = [tab.preset, tab.arrows]
    gr.on([tab.preset.input, tab.apply_preset.click], on_preset, inputs, outputs, api_visibility="undocumented")
    return on_preset, inputs, outputs
