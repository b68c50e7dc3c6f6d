"""Training our StyleGAN3: the trainer's folder loads as the stylegan3 family, its EMA generator and running averages
are the trainer's, the CLI starts from the small 32² config, the lecture's drag moves what it trained."""

import json
import shutil
from dataclasses import asdict, replace

import pytest
import torch
import torch.nn.functional as F

from explorer import losses
from explorer.alias_free import drag
from explorer.data import ImageDataset
from explorer.models import family_of
from explorer.models.stylegan3 import StyleGAN3
from explorer.zoo import Zoo
from trainers import registry
from trainers.__main__ import main as cli
from trainers.__main__ import parser
from trainers.events import Finished, Step, Stopped
from trainers.loop import run, saved_step
from trainers.stylegan3 import StyleGAN3Task, StyleGAN3TrainConfig, small_config, train_stylegan3

TINY = replace(small_config(), z_dim=8, w_dim=8, img_resolution=16, channel_max=8, num_layers=3, num_critical=1)
SHORT = dict(batch_size=8, sample_every=2, save_every=100, r1_every=2, d_width=8, n_samples=4, fid_samples=0)


def tiny_config(steps: int = 4) -> StyleGAN3TrainConfig:
    return StyleGAN3TrainConfig(steps=steps, **SHORT, model=TINY)


@pytest.fixture(scope="module")
def fashion_16(fashion_small) -> ImageDataset:
    """The real images at 16² (a quarter of the pixels: fast steps)."""
    small = fashion_small
    return ImageDataset(small.name, F.avg_pool2d(small.images[:256], 2), small.labels[:256], small.class_names)


@pytest.fixture(scope="module")
def trained(fashion_16, tmp_path_factory):
    """(the task after 4 steps, its folder)."""
    out = tmp_path_factory.mktemp("sg3") / "sg3"
    task = StyleGAN3Task(tiny_config(), torch.device("cpu"), fashion_16)
    events = list(run(task, fashion_16, out, device=torch.device("cpu")))
    steps = [e for e in events if isinstance(e, Step)]
    assert len(steps) == 4 and all(torch.isfinite(torch.tensor(list(s.metrics.values()))).all() for s in steps)
    assert isinstance(events[-1], Finished)
    return task, out


def test_the_zoo_loads_the_trainers_ema_generator_as_stylegan3(trained, tmp_path):
    task, out = trained
    (tmp_path / "zoo.json").write_text(json.dumps({"models": []}))
    zoo = Zoo(tmp_path / "zoo.json", device="cpu")
    zoo.add_folder(out, name="sg3-trained")
    model = zoo.load("sg3-trained")
    assert isinstance(model, StyleGAN3) and family_of(model).name == "stylegan3" and saved_step(out) == 4
    z = model.sample_latent(4, 7)
    with torch.no_grad():
        torch.testing.assert_close(model.generate(z, 0.7), task.model.generate(z, 0.7), atol=0, rtol=0)
        assert not torch.equal(task.model.generate(z), task.generator.generate(z))  # the EMA, not G itself
    # the running averages G keeps while training moved, and the EMA generator carries them
    assert model.w_avg.abs().max() > 0
    magnitudes = torch.stack([b for name, b in model.named_buffers() if name.endswith("magnitude_ema")])
    assert (magnitudes != 1).all()
    assert "python -m trainers stylegan3" in (out / "README.md").read_text()


def test_dragging_the_trained_input_moves_the_picture(trained):
    model = trained[0].model
    ws = model.mapping(model.sample_latent(1, 0))
    with torch.no_grad():
        still = model.synthesis(ws).clamp(-1, 1)
    torch.testing.assert_close(drag(model, ws), still)
    moved = drag(model, ws, (1, 0))
    assert (moved - still).abs().max() > 1e-2  # the picture moved
    # a whole pixel right: the inside shifts with it (the borders see content that was off the screen)
    shifted = (moved[..., 4:12, 5:13] - still[..., 4:12, 4:12]).abs().max()
    assert shifted < 0.1 * (moved[..., 4:12, 5:13] - still[..., 4:12, 6:14]).abs().max()


def test_resume_continues_the_run(trained, fashion_16, tmp_path):
    folder = shutil.copytree(trained[1], tmp_path / "resumed")
    events = list(train_stylegan3(tiny_config(steps=5), folder, data=fashion_16, device="cpu", resume=True))
    assert events[0].step == 4 and isinstance(events[-1], Finished) and saved_step(folder) == 5


def test_a_nan_loss_stops_the_run_and_writes_nothing(fashion_16, tmp_path, monkeypatch):
    monkeypatch.setattr(losses, "discriminator_loss", lambda real, fake: real.mean() * float("nan"))
    events = list(train_stylegan3(tiny_config(), tmp_path / "nan", data=fashion_16, device="cpu"))
    assert isinstance(events[-1], Stopped) and "d_loss" in events[-1].reason
    assert not (tmp_path / "nan").exists()


def test_the_cli_starts_from_the_small_config_not_nvidias():
    trainer = registry.get("stylegan3")
    assert trainer.model_defaults() == asdict(small_config())
    args = parser().parse_args(["stylegan3", "--out", "x"])
    config = registry.config_from_arguments(trainer, args)
    assert config.model == small_config() and config.model.img_resolution == 32
    args = parser().parse_args(["stylegan3", "--out", "x", "--img-channels", "3", "--channel-max", "16"])
    model = registry.config_from_arguments(trainer, args).model
    assert (model.img_channels, model.channel_max, model.num_layers) == (3, 16, small_config().num_layers)
    assert registry.get("mlp-gan").model_defaults() == {}  # the adversarial trainer's model is another family's


def test_the_cli_trains_a_stylegan3(tmp_path):
    out = tmp_path / "cli"
    flags = "--z-dim 8 --w-dim 8 --channel-max 8 --num-layers 3 --num-critical 1 --d-width 8"
    argv = f"stylegan3 --steps 1 --batch-size 4 --n-samples 4 --fid-samples 0 {flags} --out {out}"
    assert cli(argv.split()) == 0
    (tmp_path / "zoo.json").write_text(json.dumps({"models": []}))
    zoo = Zoo(tmp_path / "zoo.json", device="cpu")
    zoo.add_folder(out, name="cli")
    model = zoo.load("cli")
    assert family_of(model).name == "stylegan3" and model.config.channel_max == 8 and model.resolution == 32
