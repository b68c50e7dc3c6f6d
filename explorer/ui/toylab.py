"""GAN lab tab: a tiny GAN on 2-D toy data, trained live, with the lecture's theory drawn over it.

The plane shows the real points, the generated points, the discriminator's output as a heat map
(its decision boundary) and arrows of −∇_x L_G on some fakes (where the generator is pushed).
Overlays: the optimal discriminator D*(x) = p_d(x) / (p_d(x) + p_g(x)) from density estimates
(Goodfellow et al. 2014, Prop. 1) and a mode-coverage counter that makes mode collapse a number.
"""

import copy
import dataclasses

import gradio as gr
import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw
from plotly.subplots import make_subplots

from explorer import images
from explorer.data import TOY_DATASETS
from explorer.models.toy2d import ToyGANConfig
from explorer.plots import FONT_SIZE, LERP_COLOUR, SLERP_COLOUR, _layout
from explorer.ui.common import download_path, named_values, user_errors
from explorer.ui.share import Share, TabParts
from trainers.toy2d import EXTENT, LOSSES, OPTIMIZERS, ToyLab, ToyLabConfig, generator_loss_curves

MAX_STEPS_PER_FRAME = 50
PRESETS: dict[str, dict] = {
    "mode collapse": dict(
        dataset="ring of 8 Gaussians",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-4,
        d_lr=1e-3,
        d_steps=3,
        steps=1500,
    ),
    "WGAN-GP fixes it": dict(
        dataset="ring of 8 Gaussians", loss="wgan-gp", optimizer="adam", g_lr=1e-3, d_lr=1e-3, d_steps=5, steps=500
    ),
    "vanishing gradients": dict(
        dataset="ring of 8 Gaussians", loss="minimax", optimizer="adam", g_lr=1e-4, d_lr=1e-3, d_steps=5, steps=300
    ),
    "optimal D": dict(
        dataset="two moons", loss="non-saturating", optimizer="adam", g_lr=1e-3, d_lr=1e-3, d_steps=1, steps=400
    ),
}
NOTE = """**What you are seeing.** The minimax game min_G max_D V = E_{p_d}[log D(x)] + E_z[log(1 − D(G(z)))]
(Goodfellow et al. 2014) on 2-D data. The heat map is D (σ(logit) for the GAN losses, the critic's score for
WGAN/hinge); dark points are data, orange points are G(z); arrows show −∇_x L_G, where G's loss pushes
each fake. For a fixed G the best D is **D\\*(x) = p_d(x) / (p_d(x) + p_g(x))** (overlay, from density
estimates); at D\\* the game measures 2·JSD(p_d ‖ p_g) − log 4, and at the optimum p_g = p_d, D\\* = ½ and
V = −log 4. *Mode collapse*: G puts its mass on a few modes (counter); *vanishing gradients*: with the
minimax loss log(1 − D(G(z))) and a confident D, ∂L_G/∂logit = −D(G(z)) → 0, while the non-saturating
−log D(G(z)) keeps a gradient −(1 − D(G(z))). WGAN-GP: critic loss E[D(G(z))] − E[D(x)] + λ E[(‖∇D(x̂)‖ − 1)²]."""


def config_from(values: dict) -> ToyLabConfig:
    model = ToyGANConfig(
        latent_dim=int(values["latent_dim"]),
        prior=values["prior"],
        g_layers=int(values["g_layers"]),
        g_width=int(values["g_width"]),
        d_layers=int(values["d_layers"]),
        d_width=int(values["d_width"]),
    )
    return ToyLabConfig(
        dataset=values["dataset"],
        n_points=int(values["n_points"]),
        noise=float(values["noise"]),
        loss=values["loss"],
        optimizer=values["optimizer"],
        g_lr=float(values["g_lr"]),
        d_lr=float(values["d_lr"]),
        d_steps=int(values["d_steps"]),
        batch_size=int(values["batch_size"]),
        seed=int(values["seed"]),
        model=model,
    )


def plane_figure(lab: ToyLab, show_arrows: bool = True, show_optimal: bool = False, resolution: int = 64) -> go.Figure:
    """The plane: D heat map, real and fake points, G's push arrows, optional D* contours."""
    axis = np.linspace(-EXTENT, EXTENT, resolution)
    d_map = lab.discriminator_map(resolution)
    probability = lab.objective.probabilities
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=axis,
            y=axis,
            z=d_map,
            colorscale="RdBu",
            zmid=0.5 if probability else 0.0,
            zmin=0 if probability else None,
            zmax=1 if probability else None,
            opacity=0.75,
            colorbar=dict(title="D(x)" if probability else "critic"),
            name="D",
        )
    )
    if show_optimal:
        fig.add_trace(
            go.Contour(
                x=axis,
                y=axis,
                z=lab.optimal_d_map(resolution),
                showscale=False,
                name="D*",
                contours=dict(coloring="lines", start=0.1, end=0.9, size=0.2, showlabels=True),
                line=dict(color="black", width=2),
            )
        )
    real = lab.real.numpy()
    fake = lab.fake_points()
    fig.add_trace(
        go.Scatter(x=real[:, 0], y=real[:, 1], mode="markers", name="data", marker=dict(size=4, color="#222"))
    )
    finite = np.isfinite(fake).all(axis=1)
    fig.add_trace(
        go.Scatter(
            x=fake[finite, 0],
            y=fake[finite, 1],
            mode="markers",
            name="G(z)",
            marker=dict(size=5, color="#ff7f0e", line=dict(color="white", width=0.5)),
        )
    )
    if show_arrows and finite.all():
        points, push = lab.generator_push()
        norms = np.linalg.norm(push, axis=1, keepdims=True)
        scale = 0.3 / max(float(norms.max()), 1e-12)  # the longest arrow is 0.3 units; lengths stay comparable
        ends = points + push * scale
        xs = np.column_stack([points[:, 0], ends[:, 0], np.full(len(points), np.nan)]).ravel()
        ys = np.column_stack([points[:, 1], ends[:, 1], np.full(len(points), np.nan)]).ravel()
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", name="−∇L_G (G's push)", line=dict(color="#2ca02c", width=2))
        )
    fig.update_xaxes(range=[-EXTENT, EXTENT])
    fig.update_yaxes(range=[-EXTENT, EXTENT], scaleanchor="x", scaleratio=1)
    covered = lab.coverage()
    modes = "" if covered is None else f", modes covered {covered}/{len(lab.modes)}"
    state = "  — DIVERGED (NaN/inf): press Reset" if lab.diverged else ""
    fig = _layout(fig, f"step {lab.step_count}, {lab.config.loss}{modes}{state}", "x₁", "x₂")
    fig.update_layout(height=540, legend=dict(orientation="h", y=-0.12))
    return fig


def history_figure(lab: ToyLab, max_points: int = 400) -> go.Figure:
    """D and G losses (top), the JS divergence estimate and G's gradient norm (bottom) over the steps.

    Two stacked axes set by hand (plotly's make_subplots costs more than the rest of a frame); at most
    ``max_points`` points per curve, evenly spread over the run.
    """
    h = lab.history[:: max(1, len(lab.history) // max_points)]
    steps = [r.step for r in h]

    def values(name: str) -> list[float]:
        return [float("nan") if getattr(r, name) is None else getattr(r, name) for r in h]

    traces = [
        go.Scatter(x=steps, y=values("d_loss"), name="D loss", line=dict(color=SLERP_COLOUR, width=3)),
        go.Scatter(x=steps, y=values("g_loss"), name="G loss", line=dict(color=LERP_COLOUR, width=3)),
        go.Scatter(x=steps, y=values("js"), name="JSD (≤ log 2)", yaxis="y2", line=dict(color="#333", width=3)),
        go.Scatter(
            x=steps,
            y=values("g_grad_norm"),
            name="‖∇_x L_G‖",
            yaxis="y2",
            line=dict(color="#2ca02c", width=2, dash="dot"),
        ),
    ]
    layout = dict(
        height=540,
        font=dict(size=FONT_SIZE),
        margin=dict(l=70, r=20, t=40, b=60),
        xaxis=dict(title="step", anchor="y2"),
        yaxis=dict(domain=[0.56, 1.0], title="losses"),
        yaxis2=dict(domain=[0.0, 0.44], title="JSD, ‖∇L_G‖"),
        legend=dict(orientation="h", y=1.08),
        shapes=[
            dict(
                type="line",
                xref="paper",
                x0=0,
                x1=1,
                yref="y2",
                y0=float(np.log(2)),
                y1=float(np.log(2)),
                line=dict(dash="dash", color="#999"),
            )
        ],
    )
    return go.Figure(data=traces, layout=layout)


def loss_curves_figure() -> go.Figure:
    """G's two losses and the magnitude of their gradient w.r.t. D's logit, against D(G(z))."""
    c = generator_loss_curves()
    fig = make_subplots(rows=1, cols=2, subplot_titles=("G's loss", "|∂ loss / ∂ logit|"))
    fig.add_trace(
        go.Scatter(
            x=c["D(G(z))"], y=c["minimax log(1 − D)"], name="minimax log(1 − D)", line=dict(color=LERP_COLOUR, width=4)
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=c["D(G(z))"],
            y=c["non-saturating −log D"],
            name="non-saturating −log D",
            line=dict(color=SLERP_COLOUR, width=4),
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=c["D(G(z))"],
            y=c["|∂/∂logit| minimax"],
            name="minimax: D (→ 0 early)",
            line=dict(color=LERP_COLOUR, width=4, dash="dot"),
        ),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=c["D(G(z))"],
            y=c["|∂/∂logit| non-saturating"],
            name="non-saturating: 1 − D",
            line=dict(color=SLERP_COLOUR, width=4, dash="dot"),
        ),
        row=1,
        col=2,
    )
    fig = _layout(fig, "Why the minimax generator stalls early (D(G(z)) ≈ 0)", "D(G(z))", "")
    fig.update_xaxes(title_text="D(G(z))", row=1, col=2)
    fig.update_layout(font=dict(size=FONT_SIZE - 2))
    return fig


def readout(lab: ToyLab) -> str:
    last = lab.history[-1] if lab.history else None
    if last is None:
        return f"step 0 — {lab.config.loss}, {lab.config.dataset}"
    parts = [f"step {last.step}", f"JSD {last.js:.3f}"]
    if last.modes_covered is not None:
        parts.append(f"modes covered {last.modes_covered}/{len(lab.modes)}")
    if last.g_grad_norm is not None:
        parts.append(f"‖∇_x L_G‖ {last.g_grad_norm:.4f}")
    if lab.diverged:
        parts.append("DIVERGED: press Reset")
    return " · ".join(parts)


CONTROL_NAMES = tuple(  # the lab's settings: ToyLabConfig's fields and its model's, by name
    [f.name for f in dataclasses.fields(ToyLabConfig) if f.name not in ("model", "clip", "gp_lambda")]
    + [f.name for f in dataclasses.fields(ToyGANConfig)]
)


def _lab(settings: dict) -> ToyLab:
    if not isinstance(settings, dict):
        raise ValueError("the lab's settings must be named values (a dict)")
    missing = [name for name in CONTROL_NAMES if name not in settings]
    if missing:
        raise ValueError(f"missing lab settings: {', '.join(missing)}")
    return ToyLab(config_from(settings))


@user_errors
def advance(lab: ToyLab | None, mode: str, steps: int, arrows: bool, optimal: bool, settings: dict):
    """Make ``steps`` updates (mode "both", "d" or "g"), rebuilding the lab when the settings changed."""
    fresh = _lab(settings)
    if not isinstance(lab, ToyLab) or lab.config != fresh.config:
        lab = fresh
    steps = int(steps)
    if not 0 <= steps <= MAX_STEPS_PER_FRAME:
        raise ValueError(f"steps per frame must be between 0 and {MAX_STEPS_PER_FRAME}, got {steps}")
    if not lab.diverged:
        for _ in range(steps):
            lab.step(mode)
            if lab.diverged:
                break
    return lab, plane_figure(lab, arrows, optimal), history_figure(lab), readout(lab)


@user_errors
def reset(arrows: bool, optimal: bool, settings: dict):
    lab = _lab(settings)
    return lab, plane_figure(lab, arrows, optimal), history_figure(lab), readout(lab)


DEFAULT_PRESET = "mode collapse"  # what the lab opens on: its controls show this preset and the lab runs it


def initial_settings() -> dict:
    """The settings the lab opens with: the default preset's (what the controls show is what Play runs)."""
    return {k: v for k, v in preset_values(DEFAULT_PRESET).items() if k != "optimal"}


@user_errors
def select_preset(name: str, arrows: bool = True) -> dict:
    """A preset chosen: its settings, its D* overlay switch, and a fresh lab on them with its first drawing."""
    values = preset_values(name)
    optimal = values.pop("optimal")
    lab = _lab(values)
    return dict(
        settings=values,
        optimal=optimal,
        lab=lab,
        plane=plane_figure(lab, arrows, optimal),
        history=history_figure(lab),
        readout=readout(lab),
    )


def preset_values(name: str) -> dict:
    """The lab's settings for a preset (the others at their defaults), by name, plus ``optimal`` (the D* overlay)."""
    if name not in PRESETS:
        raise gr.Error(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    defaults = dataclasses.asdict(ToyLabConfig())
    values = {**defaults, **defaults.pop("model"), **{k: v for k, v in PRESETS[name].items() if k != "steps"}}
    return {k: values[k] for k in CONTROL_NAMES} | {"optimal": name == "optimal D"}


GIF_SIZE = 320


def lab_frame(lab: ToyLab, size: int = GIF_SIZE) -> Image.Image:
    """One animation frame drawn directly (no plotting library): D as a grey map, data blue, G(z) red."""
    d_map = np.nan_to_num(lab.discriminator_map(64), nan=0.0)  # (64, 64), rows = y from −EXTENT up
    low, high = (0.0, 1.0) if lab.objective.probabilities else (d_map.min(), d_map.max())
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
    steps_per_frame, frames = int(steps_per_frame), int(frames)
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


def build(zoo=None, previews=None) -> TabParts:
    gr.Markdown(NOTE, elem_classes=["note"])
    defaults = initial_settings()  # the controls open on the default preset, and so does the lab
    lab0 = ToyLab(config_from(defaults))
    state = gr.State(None)
    timer = gr.Timer(0.15, active=False)
    with gr.Row():
        with gr.Column(scale=1):
            preset = gr.Dropdown(
                list(PRESETS), value=DEFAULT_PRESET, label="Preset (sets every control, resets)", elem_id="toy-preset"
            )
            apply_preset = gr.Button("Reset to the preset", elem_id="toy-apply-preset")
            with gr.Row():
                narrow = dict(min_width=60)  # three to a row, even in a narrow column at presentation size
                play = gr.Button("▶ Play", variant="primary", elem_id="toy-play", **narrow)
                pause = gr.Button("⏸ Pause", elem_id="toy-pause", **narrow)
                reset_button = gr.Button("⟲ Reset", elem_id="toy-reset", **narrow)
            with gr.Row():
                step_d = gr.Button("Step D", **narrow)
                step_g = gr.Button("Step G", **narrow)
                step_both = gr.Button("Step D+G", **narrow)
            speed = gr.Slider(1, MAX_STEPS_PER_FRAME, value=10, step=1, label="Steps per frame", elem_id="toy-speed")
            arrows = gr.Checkbox(True, label="Arrows: where G is pushed (−∇L_G)")
            optimal = gr.Checkbox(False, label="Overlay the optimal D* = p_d / (p_d + p_g)")
            info = gr.Textbox(readout(lab0), label="Readout", elem_id="toy-readout")
        with gr.Column(scale=3):
            plane = gr.Plot(plane_figure(lab0), label="The plane", elem_id="toy-plane")
        with gr.Column(scale=2):
            history = gr.Plot(history_figure(lab0), label="Over the steps", elem_id="toy-history")
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
            batch_size = gr.Number(defaults["batch_size"], label="Batch size", precision=0)
            seed = gr.Number(defaults["seed"], label="Seed", precision=0, minimum=0)
    with gr.Row():
        gif_button = gr.Button(f"Record the next 40 frames ({images.animation_formats()}, on a copy)")
        gif_file = gr.File(label="Animation", file_count="multiple", elem_id="toy-gif")
    gr.Plot(loss_curves_figure(), label="The generator's two losses")

    controls = dict(  # every setting by its ToyLabConfig name: handlers receive them named, never by position
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
        batch_size=batch_size,
        seed=seed,
    )
    outputs = [state, plane, history, info]
    fast = dict(concurrency_limit=None, show_progress="hidden", api_visibility="undocumented")

    def settings(values: dict) -> dict:
        return named_values(controls, values)

    def stepper(mode: str, steps: int | None = None):
        def run(values: dict):
            speed_value = steps or values[speed]
            return advance(values[state], mode, speed_value, values[arrows], values[optimal], settings(values))

        return run

    step_inputs = {state, speed, arrows, optimal, *controls.values()}
    timer.tick(stepper("both"), step_inputs, outputs, trigger_mode="always_last", **fast)
    play.click(lambda: gr.Timer(active=True), None, timer, api_visibility="undocumented")
    pause.click(lambda: gr.Timer(active=False), None, timer, api_visibility="undocumented")
    step_d.click(stepper("d", 1), step_inputs, outputs, **fast)
    step_g.click(stepper("g", 1), step_inputs, outputs, **fast)
    step_both.click(stepper("both", 1), step_inputs, outputs, api_name="toy_step", concurrency_limit=None)

    def on_reset(values: dict):
        return reset(values[arrows], values[optimal], settings(values))

    reset_inputs = {arrows, optimal, *controls.values()}
    reset_button.click(on_reset, reset_inputs, outputs, api_name="toy_reset")
    gr.on([arrows.input, optimal.input], _redraw, [state, arrows, optimal], [plane], **fast)

    def on_record(values: dict):
        return record_animation(values[state], values[speed], 40, settings(values))

    gif_button.click(on_record, {state, speed, *controls.values()}, gif_file, api_visibility="undocumented")

    def on_preset(name: str, arrows_value: bool) -> dict:
        chosen = select_preset(name, arrows_value)
        shown = {state: chosen["lab"], plane: chosen["plane"], history: chosen["history"], info: chosen["readout"]}
        return shown | {optimal: chosen["optimal"]} | {controls[k]: v for k, v in chosen["settings"].items()}

    preset_outputs = [*controls.values(), optimal, *outputs]
    gr.on(  # choosing a preset applies it: the controls and the lab never disagree
        [preset.input, apply_preset.click],
        on_preset,
        [preset, arrows],
        preset_outputs,
        api_visibility="undocumented",
    )
    # a link (or a lecture path's step) opens a preset, paused: the lecturer presses Play
    return TabParts(share=Share("toylab", dict(preset=preset), [(on_preset, [preset, arrows], preset_outputs)]))


def _redraw(lab: ToyLab | None, arrows: bool, optimal: bool):
    return plane_figure(lab or ToyLab(ToyLabConfig()), arrows, optimal)
