"""How each model family trains: one record per family, read by the CLI and by the Training tab's job.

A ``Trainer`` names the family (``explorer.models.registry``), its train config (a ``RunLength``
dataclass with the recipe's fields and a ``model`` config) and its train function. Everything else is
read from those classes, by field name, so it is written once:

- the CLI's options: one ``--field-name`` per scalar field of the train config and of the model
  config (``add_arguments``), defaults from the dataclasses;
- the Training tab's run: the tab's controls (``RunSpec``) go to the train-config fields of the same
  meaning (``SPEC_FIELDS``: G's learning rate is ``lr`` or ``g_lr``, D steps is ``d_steps`` or ``n_dis``);
- the recipe the tab shows: the train config's own defaults (for the adversarial trainer, the chosen
  objective's paper recipe, ``explorer.losses.OBJECTIVES``).

Any image family registered with a discriminator and no trainer of its own trains with the
adversarial trainer (``trainers.dcgan``, every objective), from the CLI and from the tab.
"""

import argparse
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path

from explorer.data import ImageDataset
from explorer.losses import OBJECTIVES
from explorer.models import registry as models
from trainers.acgan import ACGANTrainConfig, train_acgan
from trainers.biggan import BigGANTrainConfig, train_biggan
from trainers.classifier import ClassifierTrainConfig, train_classifier
from trainers.dcgan import DCGANTrainConfig, train_dcgan
from trainers.events import Event
from trainers.loop import RunLength
from trainers.options import MODEL_TRICKS, TRICKS
from trainers.progan import ProGANTrainConfig, train_progan
from trainers.stylegan import StyleGANTrainConfig, train_stylegan
from trainers.stylegan3 import StyleGAN3TrainConfig, train_stylegan3
from trainers.translation import CycleGANTrainConfig, Pix2PixTrainConfig, train_cyclegan, train_pix2pix
from trainers.vae import AETrainConfig, CVAETrainConfig, VAETrainConfig, train_ae, train_cvae, train_vae
from trainers.vqvae import VQVAETrainConfig, train_vqvae

# train-config field → the Training tab's control (``RunSpec`` field) that sets it
SPEC_FIELDS = {
    "loss": "loss",
    "lr": "g_lr",
    "g_lr": "g_lr",
    "d_lr": "d_lr",
    "beta1": "beta1",
    "beta2": "beta2",
    "d_steps": "d_steps",
    "n_dis": "d_steps",
    "label_smoothing": "label_smoothing",
    "ema_beta": "ema_beta",  # 0 in the tab = the family's default
} | {name: name for name, trick in TRICKS.items() if not trick.model}  # the tricks, where a family's trainer has them
MODEL_SPEC_FIELDS = MODEL_TRICKS  # RunSpec fields that go to the model config (same name)
NOT_OPTIONS = {f.name for f in fields(RunLength)} | {"data", "model", "family"}  # common, or not a flag
HELP = {
    "loss": "GAN objective",
    "lr": "learning rate (of G, and of D unless --d-lr)",
    "g_lr": "generator learning rate",
    "d_lr": "discriminator learning rate",
    "beta1": "Adam β1",
    "beta2": "Adam β2",
    "d_steps": "D updates per G update, n_critic",
    "n_dis": "D steps per G step",
    "clip": "critic weight clipping c",
    "gp_lambda": "gradient-penalty weight λ",
    "label_smoothing": "one-sided: real targets 1 − s (BCE losses)",
    "ema_beta": "EMA of G's weights (0 = off)",
    "class_weight": "AC-GAN: weight of the class term L_C",
    "r1_gamma": "R1 penalty weight γ",
    "r1_every": "lazy R1: every N steps",
    "mixing_prob": "style-mixing regularisation probability",
    "beta": "KL weight (1 = VAE, > 1 = β-VAE)",
    "fid_samples": "samples for the model card's FID (0 = none)",
    "n_samples": "images in the fixed-latent sample grid",
    "d_width": "discriminator feature maps",
    "width": "feature maps",
    "latent_dim": "size of z",
    "z_dim": "size of z",
    "w_dim": "size of w",
    "img_resolution": "image side in pixels",
    "img_channels": "image channels (1 = grey, 3 = RGB)",
    "channel_base": "StyleGAN3: feature maps = min(channel_base / 2 / cutoff, channel_max)",
    "channel_max": "StyleGAN3: the most feature maps of a layer",
    "num_layers": "StyleGAN3: synthesis layers",
    "num_critical": "StyleGAN3: critically sampled layers at the end",
    "margin_size": "StyleGAN3: pixels computed beyond the image on each side",
    "conv_kernel": "StyleGAN3: 3 = the T config, 1 = the R config (with --use-radial-filters)",
    "phase_images": "ProGAN: images per fade-in and per stabilisation phase",
    "drift": "ProGAN: drift term ε·E[D(x)²] of the critic",
    "l1_lambda": "pix2pix: weight λ of the L1 term",
    "gan_weight": "pix2pix: weight of the cGAN term (0 = the L1-only baseline, no D)",
    "cycle_lambda": "CycleGAN: weight λ_cyc of the cycle-consistency L1",
    "identity_lambda": "CycleGAN: weight of the identity L1 (0 = off)",
    "edge_threshold": "pix2pix: Sobel magnitude above which a pixel is an edge",
    "domain_a": "CycleGAN: the class of domain A",
    "domain_b": "CycleGAN: the class of domain B",
} | {name: trick.help for name, trick in TRICKS.items()}


@dataclass(frozen=True)
class Trainer:
    """How one family trains."""

    family: str  # its name in explorer.models.registry
    config: type  # the train config: a RunLength dataclass with a ``model`` field
    train: Callable[..., Iterator[Event]]  # train(config, out, data=, resume=, device=, command=, settings=)
    help: str = ""
    losses: tuple[str, ...] = ()  # what the tab offers; empty = the config's ``loss`` choices (OBJECTIVES)
    cli: dict = field(default_factory=dict)  # run-length defaults of the CLI: epochs, batch_size, …
    app_batch_size: int = 64  # the Training tab's batch size (small runs on a CPU)
    app_model: dict = field(default_factory=dict)  # model-config values for runs from the tab (small, fast)
    app_options: dict = field(default_factory=dict)  # train-config values for runs from the tab
    fixed: dict = field(default_factory=dict)  # train-config values always set (the generic trainer's family)
    in_app: bool = True  # offered by the Training tab

    @property
    def label(self) -> str:
        return models.get(self.family).label or self.family

    @property
    def model_config(self) -> type:
        return models.get(self.family).config

    def options(self) -> list[str]:
        """The train-config fields that are options (CLI flags, tab-settable values)."""
        return [f.name for f in fields(self.config) if f.name not in NOT_OPTIONS]

    def switches(self) -> list[str]:
        """What a run of this family can set: its train-config options and the model-config fields the Training
        tab maps (``MODEL_SPEC_FIELDS``: G's architecture rules)."""
        model_fields = {f.name for f in fields(self.model_config)}
        return self.options() + [name for name in MODEL_SPEC_FIELDS if name in model_fields]

    def objectives(self) -> list[str]:
        return list(self.losses) if self.losses else list(OBJECTIVES)

    def model_defaults(self) -> dict:
        """The model-config values a run starts from: the train config's default model where it is this family's
        config (StyleGAN3's trainer starts from a small 32² one, not from the config's defaults, NVIDIA's 256²
        releases'), else none beyond the model config's own defaults."""
        model = next(f for f in fields(self.config) if f.name == "model")
        default = model.default_factory() if model.default_factory is not MISSING else None
        return asdict(default) if type(default) is self.model_config else {}

    def make_config(self, length: dict, data: str, options: dict, model: dict):
        """The train config; ``None`` values of ``options`` and ``model`` keep the defaults (``model_defaults``)."""
        known = {f.name for f in fields(self.model_config)}
        chosen_model = {k: v for k, v in model.items() if v is not None and k in known}
        model_config = self.model_config(**{**self.model_defaults(), **chosen_model})
        chosen = {k: v for k, v in options.items() if v is not None and k in self.options()}
        return self.config(**length, data=data, **chosen, **self.fixed, model=model_config)

    def recipe(self, loss: str | None = None) -> dict:
        """The tab's defaults for ``loss``: G and D learning rates, Adam βs, D steps, batch size."""
        config = self.config(**({"loss": loss} if "loss" in self.options() and loss else {}), **self.fixed)
        g_lr = getattr(config, "lr", None) or getattr(config, "g_lr", 1e-3)
        d_steps = getattr(config, "d_steps", None) or getattr(config, "n_dis", 1)
        return dict(
            g_lr=g_lr,
            d_lr=getattr(config, "d_lr", None) or g_lr,
            beta1=getattr(config, "beta1", 0.9),
            beta2=getattr(config, "beta2", 0.999),
            d_steps=d_steps,
            batch_size=self.app_batch_size,
        )

    def run_config(self, spec, data: ImageDataset):
        """The train config of a Training-tab run (``spec``: a ``trainers.job.RunSpec``) on ``data``."""
        length = dict(
            steps=spec.steps,
            batch_size=spec.batch_size,
            seed=spec.seed,
            sample_every=spec.sample_every,
            save_every=max(spec.eval_every, spec.sample_every, 100),
            eval_every=spec.eval_every,
            eval_samples=spec.eval_samples,
        )
        options = {name: getattr(spec, SPEC_FIELDS[name]) for name in self.options() if name in SPEC_FIELDS}
        if not options.get("ema_beta"):
            options.pop("ema_beta", None)  # 0 = the family's default EMA
        if not options.get("d_norm"):
            options.pop("d_norm", None)  # "" = the recipe's normalisation
        if "fid_samples" in self.options():  # the card's FID, as many samples as the live one
            options["fid_samples"] = spec.eval_samples if spec.eval_every else 0
        model = {"channels": data.channels, "class_names": list(data.class_names)}
        if getattr(spec, "latent_dim", 0):  # 0 = the family's size of z
            model["latent_dim"] = spec.latent_dim
        model.update({name: getattr(spec, name) for name in MODEL_SPEC_FIELDS if hasattr(spec, name)})
        return self.make_config(length, spec.data, {**options, **self.app_options}, {**model, **self.app_model})


TRAINERS: dict[str, Trainer] = {}


def register(trainer: Trainer) -> Trainer:
    TRAINERS[trainer.family] = trainer
    return trainer


def get(family: str) -> Trainer:
    """The trainer of ``family``: its own, or the adversarial trainer for a GAN family with a discriminator."""
    if family in TRAINERS:
        return TRAINERS[family]
    record = models.FAMILIES.get(family)
    if record is None or record.discriminator is None:
        raise ValueError(f"no trainer for family {family!r}; trainable: {', '.join(trainable())}")
    return adversarial(family)


def adversarial(family: str) -> Trainer:
    """Any image GAN family trained by the adversarial trainer (every objective of OBJECTIVES)."""
    return Trainer(
        family,
        DCGANTrainConfig,
        train_dcgan,
        help=f"{models.get(family).label or family}, trained adversarially (any GAN objective)",
        cli=dict(epochs=5, batch_size=128, save_every=1000, sample_every=200),
        fixed={"family": family},
    )


def trainable(in_app: bool = False) -> list[str]:
    """Families that can be trained (``in_app``: those the Training tab offers), ours first."""
    extra = [n for n, f in models.FAMILIES.items() if f.discriminator is not None and n not in TRAINERS]
    names = list(TRAINERS) + extra
    return [n for n in names if get(n).in_app] if in_app else names


register(
    Trainer(
        "dcgan",
        DCGANTrainConfig,
        train_dcgan,
        help="DCGAN (Radford et al. 2015)",
        cli=dict(epochs=5, batch_size=128, save_every=1000, sample_every=200),
    )
)
register(
    Trainer(
        "stylegan",
        StyleGANTrainConfig,
        train_stylegan,
        help="small StyleGAN2-style GAN (Karras et al. 2019)",
        losses=("non-saturating + R1",),
        cli=dict(epochs=6, batch_size=32, save_every=2000, sample_every=500),
        app_batch_size=32,
        app_model=dict(width=32),
        app_options=dict(d_width=32),
    )
)
register(
    Trainer(
        "stylegan3",
        StyleGAN3TrainConfig,
        train_stylegan3,
        help="small StyleGAN3 (alias-free, T config; Karras et al. 2021), StyleGAN2's recipe",
        losses=("non-saturating + R1",),
        cli=dict(epochs=1, batch_size=32, save_every=500, sample_every=250),
        in_app=False,  # not in the tab yet: its runs set `channels`, `latent_dim`; NVIDIA's config: img_channels, z_dim
    )
)
register(
    Trainer(
        "biggan",
        BigGANTrainConfig,
        train_biggan,
        help="small class-conditional BigGAN (Brock et al. 2018)",
        losses=("hinge",),
        cli=dict(epochs=6, batch_size=64, save_every=2000, sample_every=500),
    )
)
register(
    Trainer(
        "acgan",
        ACGANTrainConfig,
        train_acgan,
        help="AC-GAN: class-conditional DCGAN whose D also classifies (Odena et al. 2017)",
        losses=("BCE + class CE",),
        cli=dict(epochs=5, batch_size=128, save_every=1000, sample_every=200),
        app_model=dict(g_width=32, d_width=32),
    )
)
register(
    Trainer(
        "progan",
        ProGANTrainConfig,
        train_progan,
        help="ProGAN: G and D grow 4² → 8² → 16² → 32², each level faded in (Karras et al. 2018)",
        losses=("WGAN-GP + drift",),
        cli=dict(epochs=8, batch_size=64, save_every=2000, sample_every=500),
        app_model=dict(width=32),
        app_options=dict(phase_images=6400),  # 100 steps of 64 per phase: the tab's 1 000-step run reaches 32² at 500
    )
)
register(
    Trainer(
        "pix2pix",
        Pix2PixTrainConfig,
        train_pix2pix,
        help="pix2pix: U-Net G + PatchGAN D on (Sobel edge map, garment) pairs, cGAN + λ·L1 (Isola et al. 2017)",
        losses=("cGAN + λ·L1",),
        cli=dict(epochs=5, batch_size=64, save_every=2000, sample_every=500),
        app_options=dict(fid_samples=0),
    )
)
register(
    Trainer(
        "cyclegan",
        CycleGANTrainConfig,
        train_cyclegan,
        help="CycleGAN between two classes (default Sneaker ↔ Ankle boot), LSGAN + λ_cyc·cycle L1 (Zhu et al. 2017)",
        losses=("LSGAN + λ·cycle",),
        cli=dict(epochs=10, batch_size=64, save_every=2000, sample_every=500),
    )
)
register(
    Trainer(
        "vae",
        VAETrainConfig,
        train_vae,
        help="VAE with a 2-D latent (Kingma & Welling 2013)",
        losses=("ELBO",),
        cli=dict(epochs=10, batch_size=128, save_every=2000, sample_every=500),
        app_batch_size=128,
    )
)
register(
    Trainer(
        "ae",
        AETrainConfig,
        train_ae,
        help="plain autoencoder with a 2-D code, the VAE's networks without σ and KL (VAE tab)",
        losses=("reconstruction",),
        cli=dict(epochs=10, batch_size=128, save_every=2000, sample_every=500),
        in_app=False,
    )
)
register(
    Trainer(
        "cvae",
        CVAETrainConfig,
        train_cvae,
        help="class-conditional VAE with a 2-D latent (VAE tab)",
        losses=("ELBO",),
        cli=dict(epochs=10, batch_size=128, save_every=2000, sample_every=500),
        in_app=False,
    )
)
register(
    Trainer(
        "vqvae",
        VQVAETrainConfig,
        train_vqvae,
        help="VQ-VAE: an 8×8 grid of codebook entries, straight-through (van den Oord et al. 2017; VAE tab)",
        losses=("reconstruction + codebook + commitment",),
        cli=dict(epochs=5, batch_size=128, save_every=2000, sample_every=500),
        in_app=False,
    )
)
register(
    Trainer(
        "classifier",
        ClassifierTrainConfig,
        train_classifier,
        help="Fashion-MNIST CNN classifier + FID reference statistics",
        losses=("cross-entropy",),
        cli=dict(epochs=5, batch_size=128, save_every=100_000, sample_every=1000),
        in_app=False,
    )
)


# --- the CLI's options, from the dataclasses ----------------------------------------------------
def _scalar_type(annotation) -> type | None:
    """int, float, str or bool for an annotation like ``float`` or ``float | None``; None for anything else."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else None
    return annotation if annotation in (int, float, str, bool) else None


def _default(f):
    return f.default if f.default is not MISSING else None


def add_arguments(parser: argparse.ArgumentParser, trainer: Trainer) -> None:
    """One ``--name`` per scalar option of the train config, then of the model config (``model.NAME``)."""
    names, model_defaults = set(), trainer.model_defaults()
    for f in fields(trainer.config):
        kind = _scalar_type(f.type)
        if f.name in NOT_OPTIONS or kind is None:
            continue
        names.add(f.name)
        _add(parser, f.name, f.name, kind, _default(f), trainer.objectives() if f.name == "loss" else choices(f.name))
    for f in fields(trainer.model_config):
        kind = _scalar_type(f.type)
        if f.name in names or kind is None:
            continue
        default = model_defaults.get(f.name, _default(f))
        _add(parser, f.name, f"model.{f.name}", kind, default, choices(f.name), prefix="model: ")


def choices(name: str) -> tuple[str, ...] | None:
    """The values a trick's flag takes (``trainers.options``; the tab's "" for the recipe is the CLI's default)."""
    values = tuple(v for v in TRICKS[name].values if v) if name in TRICKS else ()
    return values or None


def _add(parser, name: str, dest: str, kind: type, default, choices, prefix: str = "") -> None:
    flag = "--" + name.replace("_", "-")
    shown = "the recipe's" if default is None else repr(default)
    listed = f"; one of: {', '.join(choices)}" if choices else ""
    help_text = f"{prefix}{HELP.get(name, name.replace('_', ' '))} (default: {shown}{listed})"
    if kind is bool:
        parser.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction, default=default, help=help_text)
    else:
        metavar = name.upper()
        parser.add_argument(
            flag, dest=dest, type=kind, default=default, choices=choices, metavar=metavar, help=help_text
        )


def config_from_arguments(trainer: Trainer, args: argparse.Namespace):
    """The train config the CLI's parsed ``args`` describe."""
    values = vars(args)
    length = {name: values[name] for name in ("epochs", "steps", "batch_size", "seed", "sample_every", "save_every")}
    length |= {"eval_every": values["eval_every"], "eval_samples": values["eval_samples"]}
    options = {name: values[name] for name in trainer.options() if name in values}
    model = {k[len("model.") :]: v for k, v in values.items() if k.startswith("model.")}
    return trainer.make_config(length, args.data, options, model)


def launch(trainer: Trainer, args: argparse.Namespace, command: str, settings=None, **options) -> Iterator[Event]:
    """Start the run the CLI's ``args`` describe (``settings``: where data lives; ``options``: ``device``,
    ``distributed``, ``acceleration`` for ``trainers.loop.launch``, the device defaulting to ``args.device``)."""
    config = config_from_arguments(trainer, args)
    out = Path(args.out)
    options.setdefault("device", args.device)
    return trainer.train(config, out, resume=args.resume, command=command, settings=settings, **options)
