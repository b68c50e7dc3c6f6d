"""One place per family: a toy family registered once appears in the tabs of its capabilities, saves and loads
through ``save_pretrained``/``explorer.zoo.load``, and trains from the CLI and the Training tab, with no other
edit. Also: the layers import only downwards, and the zoo forgets what it cached for a replaced model."""

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from torch import nn

from explorer import derived, zoo
from explorer.models import DCGANConfig, DCGANGenerator, Family, registry
from explorer.models.base import Pretrained, Unconditional
from explorer.ui.previews import Previews
from explorer.ui.tabs import arithmetic, interpolation, stylemix, training
from explorer.ui.tabs.manifold import plane
from explorer.ui.tabs.stylemix import mixing
from explorer.ui.tabs.truncation import shared as truncation
from trainers import job as job_module
from trainers import registry as trainer_registry
from trainers.__main__ import main as cli

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class TinyConfig:
    latent_dim: int = 8
    channels: int = 1
    resolution: int = 32
    width: int = 8


class TinyGenerator(Unconditional, nn.Module, Pretrained):
    """z → a 32² image: one linear layer to 8×8, then two 2× upsamplings."""

    def __init__(self, config: TinyConfig):
        super().__init__()
        self.config = config
        self.fc = nn.Linear(config.latent_dim, config.width * 8 * 8)
        self.conv = nn.Conv2d(config.width, config.channels, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.fc(z).view(-1, self.config.width, 8, 8)
        return torch.tanh(self.conv(nn.functional.interpolate(x, scale_factor=4)))

    def generate(self, latent: torch.Tensor) -> torch.Tensor:
        return self(latent.to(self.fc.weight.device, torch.float32))


class TinyDiscriminator(nn.Module):
    def __init__(self, config: TinyConfig, norm: str = "batch"):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(config.channels, 4, 4, 4), nn.LeakyReLU(0.2), nn.Flatten())
        self.head = nn.Linear(4 * 8 * 8, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.net(images)).flatten()


@pytest.fixture
def tiny_family():
    with registry.registered(Family("tiny", TinyGenerator, TinyConfig, "Tiny GAN", TinyDiscriminator)) as family:
        yield family


@pytest.fixture
def tiny_zoo(tiny_family, tmp_path) -> zoo.Zoo:
    """The committed zoo plus one saved tiny model."""
    TinyGenerator(TinyConfig()).save_pretrained(tmp_path / "tiny-model")
    z = zoo.Zoo(device="cpu")
    z.add_folder(tmp_path / "tiny-model")
    return z


def test_save_pretrained_and_load_are_inverses(tmp_path):
    generator = DCGANGenerator(DCGANConfig(latent_dim=8, g_width=8)).eval()
    generator.save_pretrained(tmp_path / "dcgan")
    assert json.loads((tmp_path / "dcgan" / "config.json").read_text())["family"] == "dcgan"
    z = generator.sample_latent(2, 0)
    for loaded in (zoo.load_folder(tmp_path / "dcgan"), zoo.load(tmp_path / "dcgan", device="cpu")):
        assert type(loaded) is DCGANGenerator and torch.equal(loaded.generate(z), generator.generate(z))


def test_a_registered_family_saves_loads_and_shows_in_the_tabs_of_its_capabilities(tiny_zoo, tmp_path):
    loaded = zoo.load(tmp_path / "tiny-model", device="cpu")
    assert type(loaded) is TinyGenerator and loaded.config == TinyConfig()
    assert type(TinyGenerator.from_pretrained(tmp_path / "tiny-model")) is TinyGenerator
    with pytest.raises(ValueError, match="not a DCGANGenerator"):
        DCGANGenerator.from_pretrained(tmp_path / "tiny-model")
    # an unconditional GAN: interpolation and arithmetic list it; the style, class and VAE tabs do not
    assert "tiny-model" in interpolation.model_names(tiny_zoo) and "tiny-model" in arithmetic.model_names(tiny_zoo)
    for tab in (stylemix, truncation):
        assert "tiny-model" not in tab.model_names(tiny_zoo)
    assert "tiny-model" not in plane.vae_names(tiny_zoo)
    frame = interpolation.render_frame(tiny_zoo, "tiny-model", 1, 2, 0.5, "linear (lerp)")
    assert frame.size == (256, 256)
    row, grid, _ = arithmetic.arithmetic(tiny_zoo, "tiny-model", "1", "2", "3", "z space", 0.25, 0)
    assert row.width > grid.width // 3
    with pytest.raises(gr.Error, match="StyleGAN model"):
        mixing.style_mix(tiny_zoo, "tiny-model", "1", "2", "coarse", 0, 1, 1.0, 0, "const", 0)
    with gr.Blocks():
        parts = interpolation.build(tiny_zoo, Previews())
    assert "tiny-model" in [value for _, value in parts.model_lists[0].dropdown.choices]


def test_a_registered_family_trains_from_the_cli(tiny_family, tmp_path):
    assert "tiny" in trainer_registry.trainable()
    out = tmp_path / "cli-run"
    args = ["tiny", "--steps", "3", "--batch-size", "16", "--sample-every", "3", "--fid-samples", "0"]
    assert cli([*args, "--latent-dim", "4", "--out", str(out)]) == 0
    model = zoo.load_folder(out)
    assert type(model) is TinyGenerator and model.config.latent_dim == 4


def test_a_registered_family_trains_from_the_training_tab(tiny_family, tiny_zoo, tmp_path, fashion_small, monkeypatch):
    monkeypatch.setattr(job_module, "_datasets", {("fashion-mnist", 1): fashion_small})
    assert "Tiny GAN" in training.run.family_labels()
    assert training.run.recipe_values("Tiny GAN", "wgan")["d_steps"] == 5  # the objective's paper recipe
    job = job_module.TrainingJob(runs=tmp_path / "runs")
    values = dict(family="Tiny GAN", data="fashion-mnist", loss="non-saturating", g_lr=2e-4, d_lr=2e-4)
    values |= dict(beta1=0.5, beta2=0.999, batch_size=16, d_steps=1, label_smoothing=0.0, ema_beta=0.0, seed=0)
    values |= dict(steps=4, sample_every=2, eval_every=0, eval_samples=200)
    training.run.start_run(job, values)
    job.wait(120)
    h = job.snapshot()
    assert h.status == "finished", h.message
    entry = job.save(tiny_zoo, "tiny-trained", saved=tmp_path / "saved")
    assert entry.family == "tiny" and "tiny-trained" in interpolation.model_names(tiny_zoo)


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


UI_MODULE_LINES, BUILD_LINES = 500, 80  # issue #28: a section is read in one sitting


def test_the_ui_stays_in_rooms_of_a_readable_size():
    """No module of explorer/ui over ~500 lines and no ``build()`` over ~80 (its layout and wiring): a tab or a
    section that grows past them splits into sections or helpers (docs/architecture.md)."""
    modules = list((ROOT / "explorer" / "ui").rglob("*.py"))
    assert len(modules) > 40
    long = {str(p.relative_to(ROOT)): n for p in modules if (n := len(p.read_text().splitlines())) > UI_MODULE_LINES}
    assert long == {}, long
    builds = {
        f"{p.relative_to(ROOT)}:{node.lineno}": node.end_lineno - node.lineno + 1
        for p in modules
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name == "build"
    }
    assert len(builds) > 40 and {k: n for k, n in builds.items() if n > BUILD_LINES} == {}


def test_layers_import_only_downwards():
    library = [p for p in (ROOT / "explorer").rglob("*.py") if "ui" not in p.relative_to(ROOT / "explorer").parts]
    assert library, "no library modules found"
    for path in library:
        imported = _imports(path)
        assert not any(m == "trainers" or m.startswith("trainers.") for m in imported), f"{path} imports trainers"
        assert not any(m.startswith("explorer.ui") for m in imported), f"{path} imports the UI"
    code = (
        "import sys, explorer.hub; print(sorted(m for m in sys.modules if m.startswith(('trainers', 'explorer.ui'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


def test_the_zoo_forgets_what_it_cached_for_a_replaced_model(tmp_path, fashion_small):
    """Saving a model under an existing name (the Training tab's Save) shows the new model's values."""
    from explorer.models import VAE, VAEConfig

    z = zoo.Zoo(device="cpu")
    means = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        VAE(VAEConfig(width=8, hidden=16)).save_pretrained(tmp_path / f"vae-{seed}")
        z.add_folder(tmp_path / f"vae-{seed}", "my-vae")
        assert "my-vae" in plane.vae_names(z)
        mu, labels, _ = derived.test_set_means(z, "my-vae")
        assert mu.shape == (10_000, 2) and labels.shape == (10_000,)
        means.append(mu)
    assert not np.allclose(means[0], means[1])  # the second model's scatter, not the first one's, cached
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert z.memo("curve", "my-vae", compute) == 1
    assert z.memo("curve", "my-vae", compute) == 1  # cached
    z.add_folder(tmp_path / "vae-0", "my-vae")
    assert z.memo("curve", "my-vae", compute) == 2  # recomputed after a replace
