"""The GAN lab's presets (one per lecture point), its display switches and its settings by name.

A preset sets every control and restarts the lab; the views it turns on are display switches only
(``VIEWS``: they never restart the run). The settings travel by name (``CONTROL_NAMES``: ToyLabConfig's fields
and its model's), never by position.
"""

import dataclasses

import gradio as gr
import numpy as np

from explorer.models.toy2d import ToyGANConfig
from trainers.toy2d import ToyLabConfig

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
    "gradient variance": dict(  # a near-optimal D: the non-saturating gradient's spread grows (row 29)
        dataset="ring of 8 Gaussians",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-4,
        d_lr=1e-3,
        d_steps=10,
        steps=300,
    ),
    "where z goes": dict(  # 1-D z: p_g is G's image of a line, a curve through the moons
        dataset="two moons",
        latent_dim=1,
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-3,
        d_lr=1e-3,
        d_steps=1,
        steps=500,
    ),
    "weight clipping": dict(  # WGAN as in the paper (c = 0.01, RMSProp, lr 5e-5): weights pile up at ±c, slow
        dataset="ring of 8 Gaussians",
        loss="wgan",
        optimizer="rmsprop",
        g_lr=5e-5,
        d_lr=5e-5,
        d_steps=5,
        clip=0.01,
        steps=500,
    ),
    "spectral norm": dict(  # SNGAN's D with the non-saturating loss (on the ring this tiny 1-Lipschitz D stalls)
        dataset="two moons",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-3,
        d_lr=1e-3,
        d_steps=1,
        spectral_norm=True,
        steps=1000,
    ),
    "unrolled GAN": dict(  # G 10× faster than D, G's loss read 5 D updates ahead (Metz et al. 2017).
        # With unroll=0 the same settings cover 0–1 modes at step 400 (seeds 0–2: G hops from mode to mode);
        # unrolled 6, 6, 7 (tests/test_toylab_remedies.py)
        dataset="ring of 8 Gaussians",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-2,
        d_lr=1e-3,
        d_steps=1,
        unroll=5,
        steps=400,
    ),
    "minibatch std": dict(  # the batch's std as a feature of D (ProGAN). D's rate 10⁻² lets it learn the feature's
        # weight within the run (at 10⁻³, as in *mode collapse*, it stays too small to matter in 400 steps); seeds
        # 0–2, step 400: 6, 4, 7 modes, the same settings without the feature 3, 2, 4 (tests/test_toylab_remedies.py)
        dataset="ring of 8 Gaussians",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-3,
        d_lr=1e-2,
        d_steps=1,
        minibatch_std=True,
        steps=400,
    ),
    "f-divergences": dict(  # the f-GAN's JS row (Nowozin et al. 2016): the GAN itself, step for step; every D_f live
        dataset="two moons",
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-3,
        d_lr=1e-3,
        d_steps=1,
        divergence="JS",
        steps=800,
    ),
    "G = data": dict(  # the optimum: G fitted to the data, D ≡ ½; V(G, D*) = −log 4, no push; then perturb G
        dataset="line",  # G (Gaussian z) fits a segment to V within 0.003 of −log 4 in 300 steps; the ring's 8 modes
        # need a discontinuous map, and get to −1.33 in 600
        loss="non-saturating",
        optimizer="adam",
        g_lr=1e-4,
        d_lr=1e-3,
        d_steps=1,
        g_start="data",
        steps=300,
    ),
}
VIEWS = ("true_length", "value", "z_grid", "lipschitz", "divergences")  # display switches: never restart the run
PRESET_VIEWS: dict[str, tuple[str, ...]] = {  # the views a preset turns on (the others off)
    "f-divergences": ("divergences",),
    "G = data": ("true_length", "value", "divergences"),
    "vanishing gradients": ("true_length",),
    "optimal D": ("value",),
    "WGAN-GP fixes it": ("lipschitz",),
    "where z goes": ("z_grid",),
    "weight clipping": ("lipschitz",),
    "spectral norm": ("lipschitz",),
}

DEFAULT_PRESET = "mode collapse"  # what the lab opens on: its controls show this preset and the lab runs it

CONTROL_NAMES = tuple(  # the lab's settings: ToyLabConfig's fields and its model's, by name
    [f.name for f in dataclasses.fields(ToyLabConfig) if f.name != "model"]
    + [f.name for f in dataclasses.fields(ToyGANConfig)]
)


def config_from(values: dict) -> ToyLabConfig:
    """The lab's config from its settings by name (``CONTROL_NAMES``), converted for the dataclasses."""
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
        clip=float(values["clip"]),
        gp_lambda=float(values["gp_lambda"]),
        spectral_norm=values["spectral_norm"],
        divergence=values["divergence"],
        unroll=whole(values["unroll"], "the unrolled D steps k"),
        minibatch_std=values["minibatch_std"],
        g_start=values["g_start"],
        batch_size=int(values["batch_size"]),
        seed=int(values["seed"]),
        model=model,
    )


def whole(value, name: str) -> int:
    """A control's whole number (a slider may send 3.0), or a ``ValueError`` naming the control."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def checked_views(views: dict | None) -> dict[str, bool]:
    """The display switches by name (missing = off); anything but a dict of booleans is a ``ValueError``."""
    if views is None:
        return dict.fromkeys(VIEWS, False)
    if not isinstance(views, dict) or not set(views) <= set(VIEWS):
        raise ValueError(f"views must be a dict with keys among {', '.join(VIEWS)}")
    if not all(isinstance(v, bool | np.bool_) for v in views.values()):
        raise ValueError("each view is on (True) or off (False)")
    return {name: bool(views.get(name, False)) for name in VIEWS}


def initial_settings() -> dict:
    """The settings the lab opens with: the default preset's (what the controls show is what Play runs)."""
    return {k: v for k, v in preset_values(DEFAULT_PRESET).items() if k != "optimal"}


def preset_values(name: str) -> dict:
    """The lab's settings for a preset (the others at their defaults), by name, plus ``optimal`` (the D* overlay)."""
    if name not in PRESETS:
        raise gr.Error(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    defaults = dataclasses.asdict(ToyLabConfig())
    values = {**defaults, **defaults.pop("model"), **{k: v for k, v in PRESETS[name].items() if k != "steps"}}
    return {k: values[k] for k in CONTROL_NAMES} | {"optimal": name == "optimal D"}
