"""Training pix2pix and CycleGAN (``explorer.models.translation``) on Fashion-MNIST, through the shared loop.

pix2pix (Isola et al. 2017): pairs (edge map, garment) made on the fly from every batch with ``edge_map``;
D (PatchGAN) learns real pairs from (x, G(x)), G minimises the non-saturating cGAN loss + λ_L1·|y − G(x)|₁;
Adam 2·10⁻⁴, β = (0.5, 0.999), λ_L1 = 100, as in the paper. ``gan_weight`` 0 trains the L1-only baseline (no D).

CycleGAN (Zhu et al. 2017): the loop's batches are drawn from the images of two classes only (A and B) and
split by label, so G and F never see a pair; least-squares GAN losses for D_B, D_A and for G, F, + λ_cyc
(|F(G(a)) − a|₁ + |G(F(b)) − b|₁) with λ_cyc = 10, optional identity loss; Adam 2·10⁻⁴, β = (0.5, 0.999).
The paper's pool of 50 earlier fakes for D is left out (a smoothing of D's updates; runs here are short).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from explorer.data import ImageDataset, load_dataset
from explorer.models.translation import (
    CycleGAN,
    CycleGANConfig,
    CycleGANDiscriminator,
    Pix2PixConfig,
    Pix2PixDiscriminator,
    Pix2PixGenerator,
    cycle_error,
)
from trainers.evaluation import Evaluation, cached_reference
from trainers.events import Event
from trainers.loop import RunLength, Task, inference_samples, launch

GRID = 16  # test images per row group of the sample grids


def _adam(module: torch.nn.Module, lr: float, beta1: float, beta2: float) -> torch.optim.Adam:
    return torch.optim.Adam(module.parameters(), lr=lr, betas=(beta1, beta2))


@torch.inference_mode()
def translated_fid(translate: Callable[[torch.Tensor], torch.Tensor], inputs: torch.Tensor, n: int):
    """(FID of ``translate(inputs[:n])`` against the Fashion-MNIST test statistics, class histogram, floor FID,
    seconds) with the classifier's features, or None without the classifier. The inputs are test images' edge maps,
    so the outputs should look like the test set: FID measures how real they look, L1 only how close to the truth."""
    import time

    from explorer.metrics.fid import fid

    device = inputs.device
    reference = cached_reference(device)
    if reference is None:
        return None
    classifier, stats, floor = reference
    clock = time.perf_counter()
    n = min(n, len(inputs))
    result, histogram = fid(lambda start, count: translate(inputs[start : start + count]), classifier, stats, n=n)
    return result, histogram, floor, time.perf_counter() - clock


def classifier_reads(data: ImageDataset) -> bool:
    """Whether the Fashion-MNIST classifier (FID features, class verdicts) can judge images of ``data``."""
    return data.name == "fashion-mnist" and data.resolution == 32 and data.channels == 1


@dataclass
class Pix2PixTrainConfig(RunLength):
    data: str = "fashion-mnist"
    lr: float = 2e-4  # Adam, G and D (the paper's)
    beta1: float = 0.5
    beta2: float = 0.999
    l1_lambda: float = 100.0  # λ of the L1 term
    gan_weight: float = 1.0  # weight of the cGAN term; 0 = the L1-only baseline (no D)
    d_width: int = 32
    fid_samples: int = 10_000  # translated test images for the card's FID (0 = none)
    model: Pix2PixConfig = field(default_factory=Pix2PixConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = Pix2PixConfig(**self.model)
        self.check()
        if self.lr <= 0 or self.l1_lambda < 0 or self.gan_weight < 0 or self.d_width < 1:
            raise ValueError("need lr > 0, l1_lambda ≥ 0, gan_weight ≥ 0 and d_width ≥ 1")
        if self.l1_lambda == 0 and self.gan_weight == 0:
            raise ValueError("l1_lambda and gan_weight are both 0: G would have nothing to learn")


@torch.inference_mode()
def pix2pix_report(model: Pix2PixGenerator, test: ImageDataset, n: int) -> dict[str, float]:
    """Test L1 (mean |y − G(x)| on pixels in [-1, 1]) over every test image, and FID of ``n`` translations."""
    device = next(model.parameters()).device
    images = test.images.to(device)
    edges = model.edges(images)
    l1 = sum(
        (model.translate(e) - y).abs().mean(dim=(1, 2, 3)).sum().item()
        for e, y in zip(edges.split(1000), images.split(1000), strict=True)
    ) / len(images)
    report = {"l1": l1}
    measured = translated_fid(model.translate, edges, n) if n > 1 and classifier_reads(test) else None
    if measured is not None:
        result, _, floor, _ = measured
        report |= {"fid": result.value, "fid_n": result.n, "floor": floor}
    return report


class Pix2PixTask(Task):
    def __init__(self, config: Pix2PixTrainConfig, test: ImageDataset, device: torch.device):
        self.config = self.length = config
        self.test = test
        torch.manual_seed(config.seed)
        self.model = Pix2PixGenerator(config.model).to(device)
        self.adversarial = config.gan_weight > 0
        self.optimizers = {"g": _adam(self.model, config.lr, config.beta1, config.beta2)}
        self.modules = {}
        if self.adversarial:
            self.discriminator = Pix2PixDiscriminator(config.model, config.d_width).to(device)
            self.modules["discriminator"] = self.discriminator
            self.optimizers["d"] = _adam(self.discriminator, config.lr, config.beta1, config.beta2)
        self.fixed = test.images[:GRID].to(device)  # the grid: edge maps, G's garments, the real ones

    def check_resume(self, saved: dict, folder: Path) -> None:
        was = float(saved.get("gan_weight", 1.0))
        if (was > 0) != self.adversarial:
            kind = "an L1-only run (no D)" if was == 0 else f"a cGAN run (gan_weight {was:g}, with its D)"
            raise ValueError(f"cannot resume: {folder} is {kind}; resume it with --gan-weight {was:g}")

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        c, g = self.config, self.model
        g.train()
        edges = g.edges(images)
        with self.precision.autocast():
            fake = g(edges)
        metrics = {}
        if self.adversarial:
            d = self.discriminator
            with self.precision.autocast():
                real_logits, fake_logits = d(edges, images), d(edges, fake.detach())
            d_loss = 0.5 * (
                F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
            )
            self.check_finite(d_loss=d_loss)
            self.optimize(self.optimizers["d"], d_loss)
            with self.precision.autocast():
                logits = d(edges, fake)
            g_adv = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
            metrics |= {
                "d_loss": d_loss.item(),
                "g_loss": g_adv.item(),
                "d_real": torch.sigmoid(real_logits).mean().item(),
                "d_fake": torch.sigmoid(fake_logits).mean().item(),
            }
        else:
            g_adv = torch.zeros((), device=images.device)
        l1 = (fake.float() - images).abs().mean()
        loss = c.gan_weight * g_adv + c.l1_lambda * l1
        self.check_finite(g_loss=loss)
        self.optimize(self.optimizers["g"], loss)
        return metrics | {"l1": l1.item()}

    def evaluate(self, n: int) -> Evaluation | None:
        if not classifier_reads(self.test):
            return None
        edges = self.model.edges(self.test.images[:n].to(next(self.model.parameters()).device))
        measured = translated_fid(self.model.translate, edges, n)
        if measured is None:
            return None
        result, histogram, _, seconds = measured
        names = cached_reference(edges.device)[0].class_names
        return Evaluation(result.value, result.feature_space, histogram.tolist(), names, result.n, seconds)

    def samples(self) -> torch.Tensor:
        edges = self.model.edges(self.fixed)
        shown = edges.expand(-1, self.fixed.shape[1], -1, -1)  # drawn in every channel beside RGB garments
        return inference_samples(self.model, lambda: torch.cat([shown, self.model(edges), self.fixed]))

    def summary(self) -> str:
        c, m = self.config, self.config.model
        objective = (
            f"non-saturating cGAN loss + {c.l1_lambda:g}·L1, a PatchGAN D (width {c.d_width}) judging "
            "(edge map, garment) pairs"
            if self.adversarial
            else f"L1 alone (λ_L1 = {c.l1_lambda:g}, no discriminator): the regression baseline"
        )
        return (
            f"A pix2pix generator (Isola et al., arXiv:1611.07004) trained on {c.data} at "
            f"{m.resolution}×{m.resolution}: "
            f"a U-Net (width {m.width}, {m.norm} norm, dropout {m.dropout:g}) maps a Sobel edge map (threshold "
            f"{m.edge_threshold:g}) to the garment; {objective}; Adam lr {c.lr:g}, β = ({c.beta1:g}, {c.beta2:g}). "
            "The sample grid: 16 test edge maps (rows 1–2), G's garments (rows 3–4), the real garments (rows 5–6)."
        )

    def card_extra(self) -> str:
        r = pix2pix_report(self.model, self.test, self.config.fid_samples)
        self.model.train()
        what = f"L1 to the real garment (mean abs. error, pixels in [-1, 1]), {len(self.test)} test edge maps"
        rows = [f"| {what} | {r['l1']:.4f} |"]
        if "fid" in r:
            what = f"FID of G's garments for {r['fid_n']} test edge maps (classifier features, vs the test set)"
            rows.append(f"| {what} | {r['fid']:.2f} |")
            rows.append(f"| floor: 10 000 real training images | {r['floor']:.2f} |")
        table = "\n".join(rows)
        return f"""
## Test set

| | |
|---|---|
{table}

An L1-only generator wins L1 (it predicts the per-pixel median of the garments that share an edge map: a blurry
average), pix2pix wins FID (its garments are sharp samples the classifier's features take for real ones). The two
committed models (`pix2pix-fashion-mnist`, `pix2pix-l1-fashion-mnist`) show both; `tests/test_translation.py` checks it.
"""


def train_pix2pix(
    config: Pix2PixTrainConfig, out: str | Path | None, *, test: ImageDataset | None = None, settings=None, **options
) -> Iterator[Event]:
    """Train pix2pix (or, with ``gan_weight`` 0, the L1-only baseline) and yield events."""
    m = config.model

    def make_task(config: Pix2PixTrainConfig, device: torch.device, data: ImageDataset) -> Pix2PixTask:
        held_out = test if test is not None else load_dataset(config.data, "test", m.resolution, m.channels, settings)
        return Pix2PixTask(config, held_out, device)

    return launch(make_task, config, out, settings=settings, **options)


@dataclass
class CycleGANTrainConfig(RunLength):
    data: str = "fashion-mnist"
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    cycle_lambda: float = 10.0  # λ_cyc
    identity_lambda: float = 0.0  # λ_id·(|G(b) − b| + |F(a) − a|); the paper uses 0.5·λ_cyc for paintings ↔ photos
    d_width: int = 32
    model: CycleGANConfig = field(default_factory=CycleGANConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = CycleGANConfig(**self.model)
        self.check()
        if self.lr <= 0 or self.cycle_lambda < 0 or self.identity_lambda < 0 or self.d_width < 1:
            raise ValueError("need lr > 0, cycle_lambda ≥ 0, identity_lambda ≥ 0 and d_width ≥ 1")


def domains(data: ImageDataset, config: CycleGANConfig) -> tuple[int, int]:
    """The class indices of domains A and B in ``data``; ``ValueError`` naming the classes when one is missing."""
    names = list(data.class_names)
    for domain in (config.domain_a, config.domain_b):
        if domain not in names:
            raise ValueError(f"{data.name} has no class {domain!r}; its classes: {', '.join(names)}")
    return names.index(config.domain_a), names.index(config.domain_b)


def two_domains(data: ImageDataset, config: CycleGANConfig) -> ImageDataset:
    """``data`` restricted to the images of domains A and B (the loop's batches then mix the two, unpaired)."""
    a, b = domains(data, config)
    keep = (data.labels == a) | (data.labels == b)
    return ImageDataset(data.name, data.images[keep], data.labels[keep], data.class_names)


@torch.inference_mode()
def cyclegan_report(model: CycleGAN, test: ImageDataset) -> dict[str, float]:
    """Test-set cycle errors |x − F(G(x))| (A) and |y − G(F(y))| (B), the same scale's baseline (two different
    test images of one domain), and how often the classifier takes a translation for the target class."""
    a, b = domains(test, model.config)
    device = next(model.parameters()).device
    report: dict[str, float] = {}
    reference = cached_reference(device)
    for name, source, target, direction in (("a", a, b, "a2b"), ("b", b, a, "b2a")):
        images = test.images[test.labels == source].to(device)
        translated, back = model.translate(images, direction)
        report[f"cycle_{name}"] = cycle_error(images, back).mean().item()
        report[f"pairs_{name}"] = cycle_error(images, images.roll(1, dims=0)).mean().item()
        report[f"n_{name}"] = len(images)
        if reference is not None and classifier_reads(test):
            classifier = reference[0].eval()
            report[f"hit_{name}"] = (classifier(translated).argmax(1) == target).float().mean().item()
            report[f"source_{name}"] = (classifier(images).argmax(1) == source).float().mean().item()
    return report


class CycleGANTask(Task):
    def __init__(self, config: CycleGANTrainConfig, data: ImageDataset, test: ImageDataset, device: torch.device):
        self.config = self.length = config
        self.test = test
        self.a, self.b = domains(data, config.model)
        self.train_size = len(data)  # the two classes' training images (12 000 for Fashion-MNIST)
        torch.manual_seed(config.seed)
        self.model = CycleGAN(config.model).to(device)
        self.discriminators = CycleGANDiscriminator(config.model, config.d_width).to(device)
        self.modules = {"discriminators": self.discriminators}
        self.optimizers = {
            "g": _adam(self.model, config.lr, config.beta1, config.beta2),
            "d": _adam(self.discriminators, config.lr, config.beta1, config.beta2),
        }
        ta, tb = domains(test, config.model)
        self.last: dict[str, torch.Tensor] = {}  # each domain's last training images (a batch may lack one)
        self.fixed_a = test.images[test.labels == ta][: GRID // 2].to(device)
        self.fixed_b = test.images[test.labels == tb][: GRID // 2].to(device)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> dict[str, float]:
        c, g, f = self.config, self.model.g, self.model.f
        real_a, real_b = images[labels == self.a], images[labels == self.b]
        # a batch without one of the classes (small batches, now and then): that side takes its last images
        real_a = real_a if len(real_a) else self.last.get("a", images[:0])
        real_b = real_b if len(real_b) else self.last.get("b", images[:0])
        if len(real_a) == 0 or len(real_b) == 0:
            missing = self.config.model.domain_a if len(real_a) == 0 else self.config.model.domain_b
            raise ValueError(f"the first batch holds no {missing}: use a larger batch")
        self.last = {"a": real_a, "b": real_b}
        self.model.train()
        with self.precision.autocast():
            fake_b, fake_a = g(real_a), f(real_b)
        d_b, d_a = self.discriminators.d_b, self.discriminators.d_a

        def least_squares(logits: torch.Tensor, target: float) -> torch.Tensor:
            return (logits - target).pow(2).mean()

        with self.precision.autocast():
            real_b_score, fake_b_score = d_b(real_b), d_b(fake_b.detach())
            real_a_score, fake_a_score = d_a(real_a), d_a(fake_a.detach())
        d_loss = 0.5 * (
            least_squares(real_b_score.float(), 1)
            + least_squares(fake_b_score.float(), 0)
            + least_squares(real_a_score.float(), 1)
            + least_squares(fake_a_score.float(), 0)
        )
        self.check_finite(d_loss=d_loss)
        self.optimize(self.optimizers["d"], d_loss)

        with self.precision.autocast():
            g_adv = least_squares(d_b(fake_b).float(), 1) + least_squares(d_a(fake_a).float(), 1)
            back_a, back_b = f(fake_b), g(fake_a)
            same_b, same_a = (g(real_b), f(real_a)) if c.identity_lambda else (real_b, real_a)
        cycle = (back_a.float() - real_a).abs().mean() + (back_b.float() - real_b).abs().mean()
        identity = (same_b.float() - real_b).abs().mean() + (same_a.float() - real_a).abs().mean()
        loss = g_adv + c.cycle_lambda * cycle + c.identity_lambda * identity
        self.check_finite(g_loss=loss)
        self.optimize(self.optimizers["g"], loss)
        return {"d_loss": d_loss.item(), "g_loss": g_adv.item(), "cycle": cycle.item(), "identity": identity.item()}

    def evaluate(self, n: int):
        return None  # no FID: the translations of one class are not the test set's distribution

    def samples(self) -> torch.Tensor:
        def rows() -> torch.Tensor:
            fake_b, back_a = self.model.translate(self.fixed_a, "a2b")
            fake_a, back_b = self.model.translate(self.fixed_b, "b2a")
            return torch.cat([self.fixed_a, fake_b, back_a, self.fixed_b, fake_a, back_b])

        return inference_samples(self.model, rows)

    def summary(self) -> str:
        c, m = self.config, self.config.model
        return (
            f"A CycleGAN (Zhu et al., arXiv:1703.10593) between two {c.data} classes at {m.resolution}×{m.resolution}: "
            f"A = {m.domain_a}, B = {m.domain_b}, never paired. G: A → B and F: B → A are U-Nets (width {m.width}, "
            f"{m.norm} norm), D_B and D_A least-squares PatchGANs (width {c.d_width}); loss = LSGAN + "
            f"{c.cycle_lambda:g}·cycle L1"
            + (f" + {c.identity_lambda:g}·identity L1" if c.identity_lambda else "")
            + f"; Adam lr {c.lr:g}, β = ({c.beta1:g}, {c.beta2:g}). The sample grid, 8 per row: test {m.domain_a}s a, "
            f"G(a), F(G(a)); test {m.domain_b}s b, F(b), G(F(b))."
        )

    def card_extra(self) -> str:
        r = cyclegan_report(self.model, self.test)
        self.model.train()
        m = self.config.model
        lines = [
            f"| cycle error mean abs(a − F(G(a))), {r['n_a']:.0f} test {m.domain_a}s | {r['cycle_a']:.4f} |",
            f"| cycle error mean abs(b − G(F(b))), {r['n_b']:.0f} test {m.domain_b}s | {r['cycle_b']:.4f} |",
            f"| scale: mean abs difference of two test {m.domain_a}s / {m.domain_b}s "
            f"| {r['pairs_a']:.4f} / {r['pairs_b']:.4f} |",
        ]
        if "hit_a" in r:
            lines += [
                f"| G(a) classified as {m.domain_b} (the classifier; real {m.domain_a}s as {m.domain_a}: "
                f"{r['source_a']:.1%}) | {r['hit_a']:.1%} |",
                f"| F(b) classified as {m.domain_a} (real {m.domain_b}s as {m.domain_b}: {r['source_b']:.1%}) "
                f"| {r['hit_b']:.1%} |",
            ]
        table = "\n".join(lines)
        return f"""
## Test set (pixels in [-1, 1])

| | |
|---|---|
{table}
"""


def train_cyclegan(
    config: CycleGANTrainConfig,
    out: str | Path | None,
    *,
    data: ImageDataset | None = None,
    test: ImageDataset | None = None,
    settings=None,
    **options,
) -> Iterator[Event]:
    """Train a CycleGAN on the two classes ``config.model.domain_a``/``domain_b`` of the data and yield events."""
    m = config.model
    if data is None:
        data = load_dataset(config.data, "train", m.resolution, m.channels, settings)
    data = two_domains(data, m)

    def make_task(config: CycleGANTrainConfig, device: torch.device, data: ImageDataset) -> CycleGANTask:
        held_out = test if test is not None else load_dataset(config.data, "test", m.resolution, m.channels, settings)
        return CycleGANTask(config, data, held_out, device)

    return launch(make_task, config, out, data=data, settings=settings, **options)
