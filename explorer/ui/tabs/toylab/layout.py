"""The GAN lab's page: its notes and its components, laid out (the wiring is the package's ``build``).

The controls sit beside the plane and the history, in view at a projector's 1280×720; the panels of the
Lipschitz and f-divergence views follow, then the data, networks and training settings in an accordion.
"""

from dataclasses import dataclass

import gradio as gr

from explorer import images
from explorer.data import TOY_DATASETS
from explorer.ui.tabs.toylab.figures import history_figure, loss_curves_figure, plane_figure, readout
from explorer.ui.tabs.toylab.handlers import MAX_STEPS_PER_FRAME
from explorer.ui.tabs.toylab.presets import DEFAULT_PRESET, PRESETS
from trainers.toy2d import DIVERGENCES, G_STARTS, LOSSES, MAX_UNROLL, OPTIMIZERS, PERTURBATION, ToyLab

NOTE = """**What you are seeing.** The minimax game min_G max_D V = E_{p_d}[log D(x)] + E_z[log(1 − D(G(z)))]
(Goodfellow et al. 2014) on 2-D data. The heat map is D (σ(logit) for the GAN losses, the critic's score for
WGAN/hinge); dark points are data, orange points are G(z); arrows show −∇_x L_G, where G's loss pushes
each fake. For a fixed G the best D is **D\\*(x) = p_d(x) / (p_d(x) + p_g(x))** (overlay, from density
estimates); at D\\* the game measures 2·JSD(p_d ‖ p_g) − log 4, and at the optimum p_g = p_d, D\\* = ½ and
V = −log 4. *Mode collapse*: G puts its mass on a few modes (counter); *vanishing gradients*: with the
minimax loss log(1 − D(G(z))) and a confident D, ∂L_G/∂logit = −D(G(z)) → 0, while the non-saturating
−log D(G(z)) keeps a gradient −(1 − D(G(z))). WGAN-GP: critic loss E[D(G(z))] − E[D(x)] + λ E[(‖∇D(x̂)‖ − 1)²].
The lower history panel's JSD is a 32² histogram plug-in estimate: above 0 even when p_g = p_d (sampling
noise), blind inside a bin; the V(G, D\\*) view computes it on the density grid instead. With the GAN (BCE) losses
the top panel also traces **V(D, G)** on D's batch and its two terms E log D(x) and E log(1 − D(G(z))): V is the
mirror image of D's loss (J_D = −V), and in the zero-sum game G's cost is that same V (J_G = −J_D)."""
VIEWS_NOTE = """**What the views show.**
- **True length**: −∇ₓL_G unscaled (1 unit of gradient = 1 unit of the plane); with the minimax loss and a
  confident D, ∂L_G/∂logit = −D(G(z)) → 0 and the arrows vanish; at p_g = p_d, D ≡ ½ gives no push at all.
- **‖∇ₓL_G‖ band** (always on): mean ± std over the batch; with a near-optimal D the non-saturating gradient
  −∇ log D(G(z)) has a large variance (Arjovsky & Bottou 2017, Thm 2.6).
- **V(G, D\\*)**: the value with D at its optimum, Σ_grid [p_d log D\\* + p_g log(1 − D\\*)]·ΔA from kernel density
  estimates, beside 2·JSD(p_d ‖ p_g) − log 4: they agree, and reach −log 4 ≈ −1.386 only at p_g = p_d
  (Goodfellow et al. 2014, Thm 1).
- **z-grid**: G applied to lines of constant z₁ and z₂ (1-D z: the curve G(z)); p_g = G pushes p(z) forward.
- **Lipschitz panel**: WGAN clips every weight to [−c, c] (most end at ±c: a crude bound on ‖D‖_L,
  Arjovsky et al. 2017); WGAN-GP adds λ·E[(‖∇D(x̂)‖ − 1)²] at x̂ = εx + (1 − ε)G(z) (green points), so
  ‖∇ₓD‖ ≈ 1 between the sets (Gulrajani et al. 2017); spectral normalisation divides each layer by its σ(W),
  estimated by one power iteration per step, σ ≈ uᵀWv, next to the exact svdvals (Miyato et al. 2018).
- **f-divergences**: every D_f(P‖Q) = ∫ q f(p/q) of the f-GAN table (Nowozin et al. 2016, Table 1) between the
  data P and G's points Q, from the same density grids: KL and Pearson χ² are ∞ while G misses a region of the data
  (q = 0 < p on the grid), reverse KL is ∞ while G puts points where there is no data, the others stay finite.
  With *f-divergence* set, D is trained on that D_f's variational bound F = E_P[g_f(V)] − E_Q[f*(g_f(V))] ≤ D_f
  (Table 2: output activation g_f, conjugate f*) and the heat map shows T = g_f(V), whose best value is f′(p/q).
- **Mode-collapse remedies** (training options, they restart the run): *unroll k* computes G's loss against D
  after k simulated, differentiable updates of D (D's own optimiser steps; D keeps its weights),
  f_K(θ_G, θ_D) = f(θ_G, θ_D^K(θ_G, θ_D)), so G sees how D would answer a collapse (Metz et al. 2017). Its preset
  makes G 10× faster than D (rates 10⁻² and 10⁻³), where G over-fits the current D: with k = 0 it hops from mode to
  mode (0–1 modes at step 400, seeds 0–2); with k = 5 it covers 6–7 (each step costs about 5 plain ones).
  *minibatch std* appends s, the standard deviation of each of D's last hidden features over the batch averaged
  over the features, to those features before D's output layer (Karras et al. 2018): a batch of alike fakes has a
  small s, so D can reject it as a whole, and G's gradient through s spreads its points. Its preset (G 10⁻³,
  D 10⁻², so that D learns the new feature's weight within the run) covers 4–7 modes at step 400 against 2–4 with
  the feature off. The *mode collapse* preset covers 1 at step 400. Read all three off the modes-covered counter.
- **G = data**: G starts fitted to the data (an optimal assignment of the fixed z to the data, then regression) and
  D ≡ ½; V(G, D\\*) sits at −log 4 and the true-length arrows are 0 (a stationary point). *Perturb G* moves every
  G(z) 0.4 up: V rises at once and, after about 20 D steps (▶ Play or Step D), the arrows come back (pointing down,
  to the data)."""


NARROW = dict(min_width=60)  # three to a row, even in a narrow column at presentation size


@dataclass
class LabTab:
    """The lab's components by role: ``settings`` by ToyLabConfig name (changing one restarts the run), ``views`` by
    ``VIEWS`` name (display switches), ``frame`` and ``next_frame`` Play's hidden frame text and request button."""

    state: gr.State
    preset: gr.Dropdown
    apply_preset: gr.Button
    play: gr.Button
    pause: gr.Button
    reset: gr.Button
    info: gr.Textbox
    step_d: gr.Button
    step_g: gr.Button
    step_both: gr.Button
    speed: gr.Slider
    arrows: gr.Checkbox
    optimal: gr.Checkbox
    views: dict[str, gr.Checkbox]
    settings: dict[str, gr.components.Component]
    perturb: gr.Button
    plane: gr.Plot
    history: gr.Plot
    lipschitz_row: gr.Row
    lipschitz_plot: gr.Plot
    sn_table: gr.Markdown
    divergence_row: gr.Row
    divergence_text: gr.Markdown
    gif_button: gr.Button
    gif_file: gr.File
    frame: gr.Textbox
    next_frame: gr.Button


def lay_out(defaults: dict, lab: ToyLab) -> LabTab:
    """Every component of the tab, in page order; the controls show ``defaults`` and the plots ``lab``."""
    gr.Markdown(NOTE, elem_classes=["note"])
    with gr.Row():
        with gr.Column(scale=1):
            play = _play_controls(lab)
            views = _view_switches()
            remedies = _remedies(defaults)
            perturb = gr.Button(f"Perturb G (move G(z) {PERTURBATION:g} up)", elem_id="toy-perturb")
        with gr.Column(scale=3):
            plane = gr.Plot(plane_figure(lab), label="The plane", elem_id="toy-plane")
        with gr.Column(scale=2):
            history = gr.Plot(history_figure(lab), label="Over the steps", elem_id="toy-history")
    with gr.Row(visible=False) as lipschitz_row:
        with gr.Column(scale=3):
            lipschitz_plot = gr.Plot(label="Lipschitz constraint on D", elem_id="toy-lipschitz-plot")
        with gr.Column(scale=2):
            sn_table = gr.Markdown(elem_id="toy-sn-table")
    with gr.Row(visible=False) as divergence_row:
        divergence_text = gr.Markdown(elem_id="toy-divergence-table")
    with gr.Accordion("What the views show (formulas and papers)", open=False):
        gr.Markdown(VIEWS_NOTE, elem_classes=["note"])
    settings = _training_settings(defaults) | remedies
    with gr.Row():
        gif_button = gr.Button(f"Record the next 40 frames ({images.animation_formats()}, on a copy)")
        gif_file = gr.File(label="Animation", file_count="multiple", elem_id="toy-gif")
    gr.Plot(loss_curves_figure(), label="The generator's two losses")
    # Play's frames (explorer/ui/page.js, "the GAN lab's Play"): the page presses next_frame, the frame's figures
    # come back as one JSON text and are drawn into the plots already shown
    frame = gr.Textbox(visible=False)
    next_frame = gr.Button(visible="hidden", elem_id="toy-next-frame")
    return LabTab(
        **play,
        views=views,
        settings=settings,
        perturb=perturb,
        plane=plane,
        history=history,
        lipschitz_row=lipschitz_row,
        lipschitz_plot=lipschitz_plot,
        sn_table=sn_table,
        divergence_row=divergence_row,
        divergence_text=divergence_text,
        gif_button=gif_button,
        gif_file=gif_file,
        frame=frame,
        next_frame=next_frame,
    )


def _play_controls(lab: ToyLab) -> dict:
    """The preset, Play / Pause / Reset and Play's rate, the readout in view beside them, single steps, speed and the
    overlays."""
    preset = gr.Dropdown(
        list(PRESETS), value=DEFAULT_PRESET, label="Preset (sets every control, resets)", elem_id="toy-preset"
    )
    apply_preset = gr.Button("Reset to the preset", elem_id="toy-apply-preset")
    with gr.Row():
        play = gr.Button("▶ Play", variant="primary", elem_id="toy-play", **NARROW)
        pause = gr.Button("⏸ Pause", elem_id="toy-pause", **NARROW)
        reset = gr.Button("⟲ Reset", elem_id="toy-reset", **NARROW)
    # Play's rate, written by the page as frames land (page.js): the frames/s this student gets, and how many labs
    # share the server's budget when it slows them (budget.py)
    gr.HTML('<span class="lab-rate">paused</span>', js_on_load=None, elem_id="toy-rate")
    info = gr.Textbox(readout(lab), label="Readout", elem_id="toy-readout")
    with gr.Row():
        step_d = gr.Button("Step D", **NARROW)
        step_g = gr.Button("Step G", **NARROW)
        step_both = gr.Button("Step D+G", **NARROW)
    return dict(
        state=gr.State(None),
        preset=preset,
        apply_preset=apply_preset,
        play=play,
        pause=pause,
        reset=reset,
        info=info,
        step_d=step_d,
        step_g=step_g,
        step_both=step_both,
        speed=gr.Slider(1, MAX_STEPS_PER_FRAME, value=10, step=1, label="Steps per frame", elem_id="toy-speed"),
        arrows=gr.Checkbox(True, label="Arrows: where G is pushed (−∇L_G)"),
        optimal=gr.Checkbox(False, label="Overlay the optimal D* = p_d / (p_d + p_g)"),
    )


def _view_switches() -> dict[str, gr.Checkbox]:
    """The display switches by their ``VIEWS`` name: they never restart the run."""
    return dict(
        true_length=gr.Checkbox(
            False,
            label="Arrows at their true length",
            info="unscaled −∇ₓL_G; minimax: ∂L_G/∂logit = −D(G(z)) → 0, the arrows vanish",
            elem_id="toy-true-length",
        ),
        value=gr.Checkbox(
            False,
            label="V(G, D*) and 2·JSD − log 4 (panel)",
            info="V(G, D*) = −log 4 + 2·JSD(p_d ‖ p_g) (Goodfellow 2014, Thm 1), on density grids",
            elem_id="toy-value",
        ),
        z_grid=gr.Checkbox(
            False,
            label="z-grid: G of a grid of z",
            info="x = G(z) on lines of constant z₁, z₂: p_g is p(z) pushed forward by G",
            elem_id="toy-z-grid",
        ),
        lipschitz=gr.Checkbox(
            False,
            label="Lipschitz panel (clip, GP, SN)",
            info="|w| ≤ c (WGAN); λ·E[(‖∇D(x̂)‖ − 1)²] (GP); W/σ(W) (SN)",
            elem_id="toy-lipschitz",
        ),
        divergences=gr.Checkbox(
            False,
            label="f-divergences of p_d and p_g (table)",
            info="D_f(P‖Q) = ∫ q f(p/q): KL, reverse KL, χ², H², JS, TV on the density grids",
            elem_id="toy-divergences",
        ),
    )


def _remedies(defaults: dict) -> dict:
    """The Lipschitz constraints, the f-GAN objective and the mode-collapse remedies (each restarts the run)."""
    with gr.Row():
        clip = gr.Number(defaults["clip"], label="WGAN clip c", minimum=0, elem_id="toy-clip", **NARROW)
        spectral_norm = gr.Checkbox(
            defaults["spectral_norm"], label="Spectral normalisation on D (restarts)", elem_id="toy-sn"
        )
    divergence = gr.Dropdown(
        list(DIVERGENCES),
        value=defaults["divergence"],
        label="f-divergence (f-GAN objective; restarts)",
        info="none = the loss's own; else D maximises E_P[g_f(V)] − E_Q[f*(g_f(V))]",
        elem_id="toy-divergence",
    )
    with gr.Row():
        unroll = gr.Slider(
            0,
            MAX_UNROLL,
            value=defaults["unroll"],
            step=1,
            label="Unroll k D steps in G's loss (restarts)",
            elem_id="toy-unroll",
        )
        minibatch_std = gr.Checkbox(
            defaults["minibatch_std"], label="Minibatch std as a feature of D (restarts)", elem_id="toy-mbstd"
        )
    return dict(
        clip=clip, spectral_norm=spectral_norm, divergence=divergence, unroll=unroll, minibatch_std=minibatch_std
    )


def _training_settings(defaults: dict) -> dict:
    """The data, the networks and the training, in an accordion: changing one restarts the run."""
    with gr.Accordion("Data, networks and training (changing a setting restarts the run)", open=False):
        with gr.Row():
            dataset = gr.Dropdown(list(TOY_DATASETS), value=defaults["dataset"], label="Data")
            n_points = gr.Number(defaults["n_points"], label="Points", precision=0)
            noise = gr.Slider(0.0, 0.5, value=defaults["noise"], step=0.01, label="Noise (std)")
            latent_dim = gr.Radio([1, 2], value=defaults["latent_dim"], label="z dimension")
            prior = gr.Radio(["gaussian", "uniform"], value=defaults["prior"], label="Prior")
        with gr.Row():
            g_layers = gr.Slider(1, 8, value=defaults["g_layers"], step=1, label="G layers")
            g_width = gr.Slider(2, 512, value=defaults["g_width"], step=2, label="G width")
            d_layers = gr.Slider(1, 8, value=defaults["d_layers"], step=1, label="D layers")
            d_width = gr.Slider(2, 512, value=defaults["d_width"], step=2, label="D width")
        with gr.Row():
            loss = gr.Dropdown(list(LOSSES), value=defaults["loss"], label="Loss", elem_id="toy-loss")
            optimizer = gr.Dropdown(list(OPTIMIZERS), value=defaults["optimizer"], label="Optimiser")
            g_lr = gr.Number(defaults["g_lr"], label="G learning rate")
            d_lr = gr.Number(defaults["d_lr"], label="D learning rate")
            d_steps = gr.Slider(1, 20, value=defaults["d_steps"], step=1, label="D steps per G step")
            gp_lambda = gr.Number(defaults["gp_lambda"], label="WGAN-GP λ", minimum=0)
            batch_size = gr.Number(defaults["batch_size"], label="Batch size", precision=0)
            seed = gr.Number(defaults["seed"], label="Seed", precision=0, minimum=0)
            g_start = gr.Radio(
                list(G_STARTS),
                value=defaults["g_start"],
                label="G starts (data: fitted to the data, D ≡ ½)",
                elem_id="toy-g-start",
            )
    return dict(
        dataset=dataset,
        n_points=n_points,
        noise=noise,
        latent_dim=latent_dim,
        prior=prior,
        g_layers=g_layers,
        g_width=g_width,
        d_layers=d_layers,
        d_width=d_width,
        loss=loss,
        optimizer=optimizer,
        g_lr=g_lr,
        d_lr=d_lr,
        d_steps=d_steps,
        gp_lambda=gp_lambda,
        g_start=g_start,
        batch_size=batch_size,
        seed=seed,
    )
