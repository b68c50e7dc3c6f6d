"""DCGAN training: Goodfellow et al.'s Algorithm 1 with k = 1 D step per G step.

arXiv:1406.2661 (the game), arXiv:1511.06434 (DCGAN: Adam 2e-4, β1 = 0.5, batch 128). The shared
loop (``trainers.loop``) provides events, checkpoints, ``--resume`` and the NaN stop.
"""

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from explorer import losses
from explorer.data import ImageDataset
from explorer.models import registry
from explorer.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator, init_dcgan_weights
from explorer.models.folder import STATE_NAME, load_discriminator
from trainers.distributed import without_gradient_sync
from trainers.evaluation import generator_report
from trainers.events import Event
from trainers.loop import RunLength, Task, ema_update, inference_samples, launch
from trainers.options import D_ACTIVATIONS, D_BATCHES, D_DOWNS, D_NORMS


def replace_layers(
    module: nn.Module, kinds: tuple[type, ...], make, where: Callable[[nn.Module], bool] = lambda m: True
) -> int:
    """Replace every sub-module of one of ``kinds`` (for which ``where`` holds) by ``make(old)``, in place; returns
    how many were replaced."""
    count = 0
    for name, child in module.named_children():
        if isinstance(child, kinds) and where(child):
            setattr(module, name, make(child))
            count += 1
        else:
            count += replace_layers(child, kinds, make, where)
    return count


def pooled_downsampling(conv: nn.Conv2d, pool: str) -> nn.Sequential:
    """A 2× downsampling by pooling in place of a stride-2 conv: a 3×3 stride-1 conv (padding 1: same size), then
    2×2 average or max pooling, so H → H/2 as with the 4×4 stride-2 conv. DCGAN's rule 1 replaces pooling by
    strided convs (D learns its own downsampling); the GAN hacks allow average pooling but not max pooling, whose
    gradient reaches only the largest input of each 2×2 window (sparse gradients)."""
    same = nn.Conv2d(conv.in_channels, conv.out_channels, 3, 1, 1, bias=conv.bias is not None)
    init_dcgan_weights(same)
    return nn.Sequential(same, nn.AvgPool2d(2) if pool == "avg-pool" else nn.MaxPool2d(2))


def is_strided(module: nn.Module) -> bool:
    return isinstance(module, nn.Conv2d) and module.stride == (2, 2)


def discriminator_variant(discriminator: nn.Module, norm: str, activation: str, down: str = "strided") -> nn.Module:
    """A discriminator built with batch norm, its rules broken on request (GAN hacks; DCGAN's rules 1, 2 and 4):

    - ``norm`` "instance": each BatchNorm2d → InstanceNorm2d (normalise each sample by its own per-channel mean
      and std, learned gain and bias); "none": each batch norm → identity;
    - ``activation`` "relu": each LeakyReLU → ReLU (no gradient for negative inputs: sparse gradients);
    - ``down`` "avg-pool" / "max-pool": each stride-2 conv → 3×3 stride-1 conv + 2× pooling (``pooled_downsampling``);
      "strided" (DCGAN) leaves the layers, their weights and state-dict keys as they are."""
    if norm == "instance":
        n = replace_layers(discriminator, (nn.BatchNorm2d,), lambda bn: nn.InstanceNorm2d(bn.num_features, affine=True))
        if n == 0:
            raise ValueError("instance norm needs a convolutional discriminator; this one has no BatchNorm2d")
    elif norm == "none":
        replace_layers(discriminator, (nn.BatchNorm1d, nn.BatchNorm2d), lambda bn: nn.Identity())
    if activation == "relu":
        n = replace_layers(discriminator, (nn.LeakyReLU,), lambda act: nn.ReLU(inplace=act.inplace))
        if n == 0:
            raise ValueError("this discriminator has no LeakyReLU to replace")
    if down != "strided":
        n = replace_layers(discriminator, (nn.Conv2d,), lambda conv: pooled_downsampling(conv, down), is_strided)
        if n == 0:
            raise ValueError("pooling needs a convolutional discriminator; this one has no stride-2 Conv2d")
    return discriminator


def spectrally_normalised(discriminator: nn.Module) -> nn.Module:
    """Each Conv2d / Linear weight W of ``discriminator`` → W / σ̂(W), σ̂ the largest singular value of W reshaped to
    (out, in·k·k), estimated by one power-iteration step per forward in training mode (SNGAN: Miyato et al.,
    arXiv:1802.05957): every layer is (about) 1-Lipschitz, so D is, without a gradient penalty. In place."""
    for module in list(discriminator.modules()):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            spectral_norm(module, n_power_iterations=1)
    return discriminator


def build_discriminator(config: "DCGANTrainConfig") -> nn.Module:
    """The discriminator ``config`` trains: the family's, with the D switches (norm, activation, downsampling,
    spectral norm) applied."""
    built = "batch" if config.d_norm in ("instance", "none") else config.d_norm
    discriminator = registry.get(config.family).discriminator(config.model, norm=built)
    discriminator = discriminator_variant(discriminator, config.d_norm, config.d_activation, config.d_down)
    return spectrally_normalised(discriminator) if config.d_spectral_norm else discriminator


@torch.no_grad()
def layer_sigmas(discriminator: nn.Module) -> list[dict]:
    """For each Conv2d / Linear of ``discriminator``: its name, weight shape and σ = the largest singular value of
    the weight reshaped to (out, in·k·k) (``torch.linalg.svdvals``). For a spectrally normalised layer: ``raw``,
    σ of the trained weight W; ``normalised``, σ of W / σ̂ (≈ 1 once the power iteration has converged); and
    ``estimate``, σ̂ = uᵀ W v from its power-iteration vectors. (σ of the reshaped weight bounds the
    convolution's own Lipschitz constant only up to a factor; SNGAN normalises it all the same.)"""
    rows = []
    for name, module in discriminator.named_modules():
        if not isinstance(module, (nn.Conv2d, nn.Linear)):
            continue
        if parametrize.is_parametrized(module, "weight"):
            raw = module.parametrizations.weight.original
            sn = module.parametrizations.weight[0]
            matrix = raw.flatten(1)  # (out, in·k·k)
            was_training = sn.training
            sn.eval()  # reading W / σ̂ in training mode would run another power-iteration step
            try:
                normalised = module.weight
            finally:
                sn.train(was_training)
            estimate = torch.dot(sn._u, matrix @ sn._v).item()
            row = dict(normalised=torch.linalg.svdvals(normalised.flatten(1))[0].item(), estimate=estimate)
        else:
            raw, row = module.weight, {}
        rows.append(dict(layer=name, shape=tuple(raw.shape), raw=torch.linalg.svdvals(raw.flatten(1))[0].item()) | row)
    return rows


def sigma_table(rows: list[dict]) -> str:
    """``layer_sigmas`` as a markdown table."""
    spectral = any("normalised" in r for r in rows)
    head = "| layer | weight | σ(W) |" + (" σ(W/σ̂) | σ̂ (power iteration) |" if spectral else "")
    lines = [head, "|" + "---|" * (3 + 2 * spectral)]
    for r in rows:
        shape = "×".join(str(d) for d in r["shape"])
        extra = (
            f" {r['normalised']:.3f} | {r['estimate']:.3f} |" if "normalised" in r else (" – | – |" if spectral else "")
        )
        lines.append(f"| {r['layer']} | {shape} | {r['raw']:.3f} |{extra}")
    return "\n".join(lines)


def saved_discriminator(folder: str | Path) -> nn.Module:
    """The discriminator of an adversarial run's checkpoint folder, rebuilt from the run's settings with its switches
    (spectral norm included) and loaded strictly (``explorer.models.folder.load_discriminator``)."""

    def build(settings: dict) -> nn.Module:
        unknown = set(settings) - {f.name for f in fields(DCGANTrainConfig)}
        if unknown:  # settings missing a field are older runs': the field's default is what they trained with
            raise ValueError(f"{folder} is not a run of the adversarial trainer (trainers.dcgan: DCGAN, MLP GAN)")
        return build_discriminator(DCGANTrainConfig(**settings))

    discriminator = load_discriminator(folder, build)
    if discriminator is None:
        path = Path(folder) / STATE_NAME
        raise FileNotFoundError(f"{path} not found: no discriminator saved yet (wait for the run's first checkpoint)")
    return discriminator


class DeadUnits:
    """The fraction of a network's hidden units that never fire on a batch: over every ReLU / LeakyReLU output
    (each channel at each position is a unit), the share with output ≤ 0 for every sample of the batch. A dead
    ReLU unit passes no gradient at all, so nothing upstream of it learns from this batch through it; a LeakyReLU
    unit at x ≤ 0 still outputs 0.2·x and passes 0.2 of the gradient, which is the point of the GAN hacks' "avoid
    sparse gradients" rule (and why LeakyReLU units counted "dead" here are not really dead).

    Read from forward hooks on the activations during the passes the step already makes (no extra forward):
    ``with units.recording(): …`` ORs together which units fired across the passes inside it."""

    def __init__(self, network: nn.Module):
        self.fired: dict[int, torch.Tensor] = {}  # id(activation) → (C·H·W,) bool: fired for some sample
        self.on = False
        self.handles = [
            m.register_forward_hook(self.hook) for m in network.modules() if isinstance(m, (nn.ReLU, nn.LeakyReLU))
        ]

    def hook(self, module: nn.Module, args, output: torch.Tensor) -> None:
        if self.on:
            fired = output.detach().flatten(1).amax(0) > 0  # (C·H·W,): max over the batch > 0
            key = id(module)
            self.fired[key] = fired | self.fired[key] if key in self.fired else fired

    @contextmanager
    def recording(self):
        self.fired.clear()
        self.on = True
        try:
            yield self
        finally:
            self.on = False

    def fraction(self) -> float:
        """Dead units / all units, over the activations seen while recording (NaN if none)."""
        total = sum(f.numel() for f in self.fired.values())
        dead = sum((~f).sum().item() for f in self.fired.values())
        return dead / total if total else float("nan")

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles = []


@dataclass
class DCGANTrainConfig(RunLength):
    """The adversarial trainer of every image GAN family that has a discriminator (DCGAN by default)."""

    data: str = "fashion-mnist"  # dataset name (explorer.data.DATASETS)
    loss: str = "non-saturating"  # GAN objective: a key of explorer.losses.OBJECTIVES
    # None below = the objective's paper recipe (losses.OBJECTIVES), resolved when the config is made
    lr: float | None = None  # learning rate of G, and of D unless d_lr is given (DCGAN: Adam 2e-4)
    d_lr: float | None = None  # D's learning rate (None = lr; TTUR, Heusel et al. 2017, uses a larger one)
    beta1: float | None = None  # Adam β1 (DCGAN: 0.5 instead of 0.9, for stability)
    beta2: float | None = None
    d_steps: int | None = None  # D updates (batches) per G update: n_critic (WGAN: 5)
    clip: float | None = None  # critic weight clipping c (WGAN: 0.01; 0 = none)
    gp_lambda: float | None = None  # gradient-penalty weight λ (WGAN-GP: 10; 0 = none)
    d_norm: str | None = None  # D's normalisation: "batch" (DCGAN), "layer" (default with a gradient penalty),
    # "instance" (per sample and channel, the GAN hacks' fallback) or "none"
    d_activation: str = "leaky-relu"  # D's activation: "leaky-relu" (DCGAN, slope 0.2) or "relu" (sparse gradients)
    d_batches: str = "separate"  # "separate": D sees an all-real and an all-fake batch; "mixed": one batch of both
    d_down: str = "strided"  # D's 2× downsampling: "strided" (DCGAN, 4×4 stride-2 convs), "avg-pool" or "max-pool"
    # (a 3×3 stride-1 conv, then 2× pooling)
    d_spectral_norm: bool = False  # each of D's conv/linear weights W → W/σ(W) (SNGAN); D's norm then defaults to none
    label_smoothing: float = 0.0  # one-sided: real targets 1 − s for BCE objectives (0 = off)
    soft_labels: bool = False  # random soft targets for BCE objectives: real ~ U(0.7, 1.2), fake ~ U(0, 0.3)
    label_flip: float = 0.0  # probability that a (real, fake) pair's labels are swapped when D trains (0 = off)
    ema_beta: float = 0.0  # EMA of G's weights for samples and the saved model (0 = off, 0.999 typical)
    n_samples: int = 64  # images in the fixed-z sample grid
    fid_samples: int = 10_000  # samples for the model card's FID (0 = no FID)
    model: DCGANConfig = field(default_factory=DCGANConfig)  # the family's config
    family: str = "dcgan"  # the model family (explorer.models): its generator(config), discriminator(config, norm)

    def __post_init__(self) -> None:
        family = registry.get(self.family)
        if family.discriminator is None:
            raise ValueError(f"the {self.family} family has no discriminator to train it adversarially")
        if isinstance(self.model, dict):
            self.model = family.config(**self.model)
        self.check()
        if self.loss not in losses.OBJECTIVES:
            raise ValueError(f"loss must be one of {', '.join(losses.OBJECTIVES)}, got {self.loss!r}")
        recipe = losses.OBJECTIVES[self.loss]
        for name, value in (("lr", recipe.lr), ("beta1", recipe.betas[0]), ("beta2", recipe.betas[1])):
            setattr(self, name, value if getattr(self, name) is None else float(getattr(self, name)))
        for name, value in (("d_steps", recipe.d_steps), ("clip", recipe.clip), ("gp_lambda", recipe.gp_lambda)):
            setattr(self, name, value if getattr(self, name) is None else getattr(self, name))
        self.d_lr = self.lr if self.d_lr is None else float(self.d_lr)
        # D's normalisation when none is chosen: layer with a gradient penalty (per-sample gradients), none with
        # spectral norm (SNGAN's D has no batch norm: SN alone bounds its Lipschitz constant), else batch (DCGAN)
        self.d_norm = self.d_norm or ("layer" if self.gp_lambda > 0 else "none" if self.d_spectral_norm else "batch")
        if not (self.lr > 0 and self.d_lr > 0 and 0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError(
                f"need learning rates > 0 and betas in [0, 1), got lr={self.lr}, d_lr={self.d_lr}, "
                f"betas=({self.beta1}, {self.beta2})"
            )
        if int(self.d_steps) != self.d_steps or self.d_steps < 1:
            raise ValueError(f"D steps per G step (n_critic) must be a whole number ≥ 1, got {self.d_steps}")
        self.d_steps = int(self.d_steps)
        if self.clip < 0 or self.gp_lambda < 0:
            raise ValueError(f"clip and gp_lambda must be ≥ 0, got {self.clip} and {self.gp_lambda}")
        if not 0 <= self.label_smoothing < 0.5:
            raise ValueError(f"label smoothing must be in [0, 0.5), got {self.label_smoothing}")
        if (self.label_smoothing or self.soft_labels) and recipe.d_loss is not losses.discriminator_loss:
            raise ValueError(f"label smoothing and soft labels apply to the BCE objectives, not {self.loss!r}")
        if self.label_smoothing and self.soft_labels:
            raise ValueError("choose one-sided label smoothing or random soft labels, not both")
        if not 0 <= self.label_flip <= 0.5:
            raise ValueError(f"the label flip rate must be between 0 and 0.5, got {self.label_flip}")
        if self.d_activation not in D_ACTIVATIONS:
            raise ValueError(f"d_activation must be 'leaky-relu' or 'relu', got {self.d_activation!r}")
        if self.d_batches not in D_BATCHES:
            raise ValueError(f"d_batches must be 'separate' or 'mixed', got {self.d_batches!r}")
        if self.d_down not in D_DOWNS:
            raise ValueError(f"d_down must be one of {', '.join(D_DOWNS)}, got {self.d_down!r}")
        if not 0 <= self.ema_beta < 1:
            raise ValueError(f"ema_beta must be in [0, 1), got {self.ema_beta}")
        if self.d_norm not in D_NORMS:
            raise ValueError(f"d_norm must be one of {', '.join(D_NORMS)}, got {self.d_norm!r}")
        if self.fid_samples < 0:
            raise ValueError(f"fid_samples must be ≥ 0, got {self.fid_samples}")
        if self.n_samples < 1:
            raise ValueError(f"n_samples must be ≥ 1, got {self.n_samples}")


@contextmanager
def recording(units: DeadUnits | None):
    """``units.recording()``, or nothing for a network without a dead-unit readout."""
    if units is None:
        yield None
    else:
        with units.recording():
            yield units


class DCGANTask(Task):
    """DCGAN with any objective of ``losses.OBJECTIVES``: one D update per step, a G update every ``d_steps``."""

    def __init__(self, config: DCGANTrainConfig, device: torch.device):
        self.config = self.length = config
        self.objective = losses.OBJECTIVES[config.loss]
        torch.manual_seed(config.seed)
        family = registry.get(config.family)
        self.generator = family.model(config.model).to(device)
        self.discriminator = build_discriminator(config).to(device)
        self.modules = {"discriminator": self.discriminator}
        # dead-unit readouts (DCGAN's networks only): which hidden units fire during the step's own passes
        self.g_dead = DeadUnits(self.generator) if isinstance(self.generator, DCGANGenerator) else None
        self.d_dead = DeadUnits(self.discriminator) if isinstance(self.discriminator, DCGANDiscriminator) else None
        if config.ema_beta > 0:  # the zoo model is the EMA copy; the trained generator is kept for --resume
            self.model = copy.deepcopy(self.generator).requires_grad_(False)
            self.modules["generator"] = self.generator
        else:
            self.model = self.generator
        if self.objective.optimizer == "rmsprop":
            self.g_optim = torch.optim.RMSprop(self.generator.parameters(), lr=config.lr)
            self.d_optim = torch.optim.RMSprop(self.discriminator.parameters(), lr=config.d_lr)
        else:
            betas = (config.beta1, config.beta2)
            self.g_optim = torch.optim.Adam(self.generator.parameters(), lr=config.lr, betas=betas)
            self.d_optim = torch.optim.Adam(self.discriminator.parameters(), lr=config.d_lr, betas=betas)
        self.optimizers = {"g_optim": self.g_optim, "d_optim": self.d_optim}
        self.fixed_z = self.model.sample_latent(config.n_samples, config.seed).to(device)
        self.last_g: dict[str, float] = {}  # G updates every d_steps steps; its latest loss is reported
        # what train_step runs forward through: the networks, or their DDP / compiled wrappers (``parallel``)
        self.parallel_generator, self.parallel_discriminator = self.generator, self.discriminator

    def parallel(self, wrap) -> None:
        self.parallel_generator, self.parallel_discriminator = wrap(self.generator), wrap(self.discriminator)

    def scores(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """D's scores on reals and fakes: two all-real / all-fake batches (batch-norm statistics per kind, the GAN
        hacks' advice), or one mixed batch (``d_batches="mixed"``: the statistics mix both)."""
        if self.config.d_batches == "mixed":
            scores = self.parallel_discriminator(torch.cat([real, fake]))
            return scores[: real.shape[0]], scores[real.shape[0] :]
        return self.parallel_discriminator(real), self.parallel_discriminator(fake)

    def d_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """D's loss with the label tricks: flipped pairs (any objective), then soft or smoothed targets (BCE)."""
        c = self.config
        metrics: dict[str, float] = {}
        n, device = real_scores.shape[0], real_scores.device
        if c.label_flip:
            uniform = self.per_sample(n, lambda m: torch.rand(m))
            real_scores, fake_scores, flipped = losses.flip_pairs(
                real_scores, fake_scores, c.label_flip, uniform=uniform
            )
            metrics["flipped"] = flipped.float().mean().item()
        if c.soft_labels:
            real_t = self.per_sample(n, lambda m: losses.soft_targets(m, True, device=device))
            fake_t = self.per_sample(n, lambda m: losses.soft_targets(m, False, device=device))
            return losses.discriminator_loss_targets(real_scores, fake_scores, real_t, fake_t), metrics
        if c.label_smoothing:
            return losses.discriminator_loss(real_scores, fake_scores, c.label_smoothing), metrics
        return self.objective.d_loss(real_scores, fake_scores), metrics

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        c = self.config
        n, device = images.shape[0], images.device
        # 1. Discriminator / critic, with G frozen: lower D's loss on reals and the current fakes.
        z = self.randn(n, c.model.latent_dim, device=device)
        with self.precision.autocast(), torch.set_grad_enabled(c.d_steps == 1), recording(self.g_dead):
            fake = self.parallel_generator(z)  # G's step reuses these fakes
        with self.precision.autocast(), recording(self.d_dead):  # D's units over the reals and the fakes
            real_scores, fake_scores = self.scores(images, fake.detach())
        with self.precision.autocast():
            d_loss, metrics = self.d_loss(real_scores, fake_scores)
        dead = {name: units.fraction() for name, units in (("g_dead", self.g_dead), ("d_dead", self.d_dead)) if units}
        total = d_loss
        if c.gp_lambda > 0:
            eps = self.per_sample(n, lambda m: torch.rand(m, *[1] * (images.ndim - 1)))  # ε ~ U(0, 1) per sample
            with self.precision.penalty():
                penalty = losses.gradient_penalty(self.parallel_discriminator, images, fake.detach(), eps=eps)
            total = d_loss + c.gp_lambda * penalty
            metrics["gp"] = penalty.item()
        self.check_finite(d_loss=total)
        self.optimize(self.d_optim, total)
        if c.clip > 0:
            losses.clip_weights(self.discriminator, c.clip)
        # 2. Generator, every d_steps D updates (n_critic): only G's optimiser steps; D is looked through (its
        # gradients are discarded, so not averaged across processes).
        if (step + 1) % c.d_steps == 0:
            with self.precision.autocast(), without_gradient_sync(self.parallel_discriminator):
                if c.d_steps > 1:  # D moved several times since these fakes were drawn: draw fresh ones
                    fake = self.parallel_generator(self.randn(n, c.model.latent_dim, device=device))
                mixed = c.d_batches == "mixed"  # G is judged in the same kind of batch D trains on
                g_loss = self.objective.g_loss(
                    self.scores(images, fake)[1] if mixed else self.parallel_discriminator(fake)
                )
            self.check_finite(g_loss=g_loss)
            self.optimize(self.g_optim, g_loss)
            if c.ema_beta > 0:
                ema_update(self.model, self.generator, c.ema_beta)
            self.last_g = {"g_loss": g_loss.item()}
        real, fake_mean = real_scores.detach(), fake_scores.detach()
        if self.objective.probabilities:  # mean D(x) and D(G(z)) (before G's update), as probabilities
            real, fake_mean = torch.sigmoid(real), torch.sigmoid(fake_mean)
        metrics |= {
            "d_loss": d_loss.item(),
            **self.last_g,
            "d_real": real.mean().item(),
            "d_fake": fake_mean.mean().item(),
            **dead,
        }
        if self.objective.critic:  # the critic's estimate of W(p_data, p_g), up to the Lipschitz constant
            metrics["wasserstein"] = metrics["d_real"] - metrics["d_fake"]
        return metrics

    def samples(self) -> torch.Tensor:
        return inference_samples(self.model, lambda: self.model(self.fixed_z))

    def summary(self) -> str:
        c = self.config
        o = self.objective
        label = registry.get(c.family).label or c.family
        optimizer = "RMSProp" if o.optimizer == "rmsprop" else f"Adam, β = ({c.beta1}, {c.beta2})"
        extras = [f"{c.d_steps} D step(s) per G step"]
        extras += [f"critic weights clipped to ±{c.clip}"] if c.clip else []
        extras += [f"gradient penalty λ = {c.gp_lambda}, {c.d_norm} norm in D"] if c.gp_lambda else []
        extras += [f"one-sided label smoothing {c.label_smoothing}"] if c.label_smoothing else []
        extras += ["soft labels (real ~ U(0.7, 1.2), fake ~ U(0, 0.3))"] if c.soft_labels else []
        extras += [f"{c.label_flip:.0%} of D's label pairs flipped"] if c.label_flip else []
        extras += [f"{c.d_norm} norm in D"] if c.d_norm != "batch" and not c.gp_lambda else []
        extras += ["ReLU in D"] if c.d_activation == "relu" else []
        extras += ["mixed real/fake batches for D"] if c.d_batches == "mixed" else []
        extras += [f"{c.d_down} downsampling in D (3×3 conv + 2× pooling)"] if c.d_down != "strided" else []
        extras += ["spectral normalisation on every layer of D (SNGAN)"] if c.d_spectral_norm else []
        extras += ["no batch norm in G"] if getattr(c.model, "g_norm", "batch") == "none" else []
        extras += ["LeakyReLU in G"] if getattr(c.model, "g_activation", "relu") == "leaky-relu" else []
        sigmoid = getattr(c.model, "g_output", "tanh") == "sigmoid"
        extras += ["a sigmoid output in G (data in [-1, 1])"] if sigmoid else []
        extras += [f"EMA β = {c.ema_beta} (the weights are the EMA generator's)"] if c.ema_beta else []
        return (
            f"A {label} generator (Radford et al., arXiv:1511.06434) trained on {c.data} at "
            f"{c.model.resolution}×{c.model.resolution}, {c.model.channels} channel(s), z ∈ R^{c.model.latent_dim} "
            f"~ N(0, I). Objective: {c.loss} ({o.paper}); {optimizer}, lr {c.lr} (G), {c.d_lr} (D); "
            f"{', '.join(extras)}."
        )

    def card_extra(self) -> str:
        return generator_report(self.model, self.config.seed, self.config.fid_samples)[0]


def train_dcgan(config: DCGANTrainConfig, out: str | Path | None, **options) -> Iterator[Event]:
    """Train a DCGAN and yield events; write the checkpoint folder ``out`` (None = write nothing).

    ``options``: ``data`` (default: the config's dataset), ``resume``, ``device``, ``command``.
    """

    def make_task(config: DCGANTrainConfig, device: torch.device, data: ImageDataset) -> DCGANTask:
        if data.channels != config.model.channels or data.resolution != config.model.resolution:
            raise ValueError(
                f"data is {data.channels}×{data.resolution}², the model expects "
                f"{config.model.channels}×{config.model.resolution}²"
            )
        return DCGANTask(config, device)

    return launch(make_task, config, out, **options)
