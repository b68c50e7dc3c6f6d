"""The training tricks as switches (GAN hacks, DCGAN's rules, the 2014 MLP GAN): each changes what it should."""

import dataclasses
import json

import pytest
import torch
from safetensors import safe_open
from torch import nn

import trainers.loop as loop
from explorer import losses
from explorer.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from explorer.models.mlp_gan import MLPDiscriminator, MLPGANConfig, MLPGenerator
from explorer.zoo import load_folder
from trainers import registry
from trainers.__main__ import main as cli
from trainers.__main__ import parser
from trainers.dcgan import (
    DCGANTask,
    DCGANTrainConfig,
    DeadUnits,
    discriminator_variant,
    layer_sigmas,
    saved_discriminator,
    train_dcgan,
)
from trainers.events import Finished, Step
from trainers.job import RunSpec
from trainers.loop import saved_step

TINY = DCGANConfig(latent_dim=16, g_width=8, d_width=8)
TINY_MLP = MLPGANConfig(latent_dim=16, width=32)


def count(module: nn.Module, kind: type) -> int:
    return sum(isinstance(m, kind) for m in module.modules())


def test_discriminator_norm_and_activation_switches_replace_the_layers():
    batch = DCGANDiscriminator(TINY)
    assert count(batch, nn.BatchNorm2d) == 2 and count(batch, nn.LeakyReLU) == 3
    instance = discriminator_variant(DCGANDiscriminator(TINY), "instance", "leaky-relu")
    assert count(instance, nn.BatchNorm2d) == 0 and count(instance, nn.InstanceNorm2d) == 2
    bare = discriminator_variant(DCGANDiscriminator(TINY), "none", "relu")
    assert count(bare, nn.BatchNorm2d) == count(bare, nn.LeakyReLU) == 0 and count(bare, nn.ReLU) == 3
    images = torch.randn(4, 1, 32, 32)
    # instance norm: a sample's score does not depend on the rest of its batch; batch norm (training mode): it does
    assert torch.allclose(instance(images)[:1], instance(images[:1]), atol=1e-5)
    assert not torch.allclose(batch(images)[:1], batch(torch.cat([images[:1], -images[1:]]))[:1], atol=1e-3)
    with pytest.raises(ValueError, match="instance norm needs a convolutional discriminator"):
        discriminator_variant(MLPDiscriminator(TINY_MLP), "instance", "leaky-relu")


def tiny_task(**overrides) -> DCGANTask:
    config = DCGANTrainConfig(**{**dict(steps=5, batch_size=8, fid_samples=0, n_samples=4, model=TINY), **overrides})
    return DCGANTask(config, torch.device("cpu"))


def test_mixed_batches_show_d_one_batch_of_both_kinds(fashion_small):
    seen = {}
    for mode in ("separate", "mixed"):
        task = tiny_task(d_batches=mode)
        sizes = []
        task.discriminator.register_forward_pre_hook(lambda module, args, sizes=sizes: sizes.append(args[0].shape[0]))
        task.train_step(fashion_small.images[:8], fashion_small.labels[:8], 0)
        seen[mode] = sizes
    assert seen["separate"] == [8, 8, 8]  # reals, fakes, then G's fakes
    assert seen["mixed"] == [16, 16]  # reals + fakes in one batch, for D and for G


def test_label_switches_change_d_targets(fashion_small, monkeypatch):
    images, labels = fashion_small.images[:16], fashion_small.labels[:16]
    flips = [tiny_task(label_flip=0.5, batch_size=16).train_step(images, labels, s)["flipped"] for s in range(4)]
    assert 0 < sum(flips) / len(flips) < 1
    drawn = []
    original = losses.soft_targets
    monkeypatch.setattr(losses, "soft_targets", lambda *a, **k: drawn.append(original(*a, **k)) or drawn[-1])
    tiny_task(soft_labels=True).train_step(images[:8], labels[:8], 0)
    real, fake = drawn
    assert real.min() >= 0.7 and real.max() <= 1.2 and fake.min() >= 0 and fake.max() <= 0.3
    assert "flipped" not in tiny_task().train_step(images[:8], labels[:8], 0)


def test_mlp_gan_builds_an_mlp_trains_and_reloads(fashion_small, tmp_path):
    generator = MLPGenerator(TINY_MLP)
    assert count(generator, nn.Conv2d) == count(generator, nn.ConvTranspose2d) == 0 and count(generator, nn.Linear) == 4
    assert generator(torch.randn(2, 16)).shape == (2, 1, 32, 32)
    config = DCGANTrainConfig(
        family="mlp-gan", steps=10, batch_size=16, sample_every=5, save_every=100, fid_samples=0, model=TINY_MLP
    )
    events = list(train_dcgan(config, tmp_path / "mlp", data=fashion_small, device="cpu"))
    steps = [e for e in events if isinstance(e, Step)]
    assert len(steps) == 10 and isinstance(events[-1], Finished)
    assert all(torch.isfinite(torch.tensor([s.metrics["d_loss"], s.metrics["g_loss"]])).all() for s in steps)
    model = load_folder(tmp_path / "mlp", device="cpu")
    assert isinstance(model, MLPGenerator) and model.latent_dim == 16
    assert "mlp-gan" in registry.trainable(in_app=True)


def test_cli_offers_the_switches_and_writes_them_to_the_checkpoint(fashion_small, tmp_path, monkeypatch, capsys):
    with pytest.raises(SystemExit):
        parser().parse_args(["dcgan", "--help"])
    flags = capsys.readouterr().out
    for flag in ("--soft-labels", "--label-flip", "--d-batches", "--d-norm", "--d-activation", "--latent-dim"):
        assert flag in flags
    monkeypatch.setattr(loop, "load_dataset", lambda *a, **k: fashion_small)
    out = tmp_path / "cli"
    argv = "dcgan --steps 2 --batch-size 8 --g-width 8 --d-width 8 --fid-samples 0 --soft-labels --label-flip 0.2"
    argv += " --d-norm instance --d-activation relu --d-batches mixed --latent-dim 12"
    assert cli([*argv.split(), "--out", str(out)]) == 0
    with safe_open(str(out / "training_state.safetensors"), framework="pt") as f:
        settings = json.loads(f.metadata()["metadata"])["settings"]
    assert (settings["soft_labels"], settings["label_flip"], settings["d_norm"]) == (True, 0.2, "instance")
    assert (settings["d_activation"], settings["d_batches"], settings["model"]["latent_dim"]) == ("relu", "mixed", 12)


def test_generator_rules_switch_its_norm_activation_and_output_and_reload(fashion_small, tmp_path):
    paper = DCGANGenerator(TINY)
    assert count(paper, nn.BatchNorm2d) == 3 and count(paper, nn.ReLU) == 3 and count(paper, nn.Tanh) == 1
    bare = DCGANGenerator(DCGANConfig(latent_dim=16, g_width=8, g_norm="none", g_activation="leaky-relu"))
    assert count(bare, nn.BatchNorm2d) == 0 and count(bare, nn.LeakyReLU) == 3 and count(bare, nn.ReLU) == 0
    assert all(m.bias is not None for m in bare.modules() if isinstance(m, nn.ConvTranspose2d))  # no BN to absorb it
    with pytest.raises(ValueError, match="g_output must be one of tanh, sigmoid"):
        DCGANConfig(g_output="relu")
    # the Training tab's switch reaches the model config; a sigmoid G only ever makes [0, 1] of the data's [-1, 1]
    spec = RunSpec(family="dcgan", g_output="sigmoid", g_norm="none", steps=3, batch_size=8, eval_every=0)
    spec.check()
    config = registry.get("dcgan").run_config(spec, fashion_small)
    assert (config.model.g_output, config.model.g_norm, config.model.g_activation) == ("sigmoid", "none", "relu")
    events = list(
        train_dcgan(
            dataclasses.replace(config, fid_samples=0, n_samples=4), tmp_path / "g", data=fashion_small, device="cpu"
        )
    )
    assert isinstance(events[-1], Finished)
    model = load_folder(tmp_path / "g", device="cpu")
    assert count(model, nn.Sigmoid) == 1 and count(model, nn.BatchNorm2d) == 0
    with torch.inference_mode():
        out = model.generate(model.sample_latent(16, 0))
    assert out.min() >= 0 and out.max() <= 1
    with pytest.raises(ValueError, match="StyleGAN-small has no G-output switch; the tricks apply to DCGAN"):
        RunSpec(family="stylegan", loss="non-saturating + R1", g_output="sigmoid").check()


def test_d_downsampling_switch_keeps_the_shapes_swaps_the_layers_and_trains(fashion_small):
    images, labels = fashion_small.images[:8], fashion_small.labels[:8]
    for down, pool in (("strided", None), ("avg-pool", nn.AvgPool2d), ("max-pool", nn.MaxPool2d)):
        d = discriminator_variant(DCGANDiscriminator(TINY), "batch", "leaky-relu", down)
        strided = sum(isinstance(m, nn.Conv2d) and m.stride == (2, 2) for m in d.modules())
        assert d(torch.randn(4, 1, 32, 32)).shape == (4,)
        assert (strided, count(d, nn.AvgPool2d) + count(d, nn.MaxPool2d)) == ((3, 0) if pool is None else (0, 3))
        assert pool is None or count(d, pool) == 3
        task = tiny_task(d_down=down)
        for step in range(3):
            metrics = task.train_step(images, labels, step)
            assert all(torch.isfinite(torch.tensor(metrics[k])) for k in ("d_loss", "g_loss")), (down, metrics)
    assert "avg-pool downsampling in D" in tiny_task(d_down="avg-pool").summary()
    with pytest.raises(ValueError, match="pooling needs a convolutional discriminator"):
        discriminator_variant(MLPDiscriminator(TINY_MLP), "batch", "leaky-relu", "max-pool")
    with pytest.raises(ValueError, match="d_down must be one of strided, avg-pool, max-pool"):
        tiny_task(d_down="stride")
    # the default keeps the layers, so the committed DCGAN's discriminator still loads, every key and shape
    assert isinstance(saved_discriminator("checkpoints/dcgan-fashion-mnist"), DCGANDiscriminator)


def test_dead_unit_readout_counts_units_that_never_fire(fashion_small):
    images, labels = fashion_small.images[:16], fashion_small.labels[:16]
    fresh = tiny_task(batch_size=16).train_step(images, labels, 0)
    assert 0 <= fresh["g_dead"] < 0.5 and 0 <= fresh["d_dead"] < 0.5
    task = tiny_task(d_activation="relu", batch_size=16)
    with torch.no_grad():  # every pre-activation of D pushed far below 0: no ReLU of D fires for any sample
        for module in task.discriminator.modules():
            if getattr(module, "bias", None) is not None:
                module.bias.fill_(-100.0)
    assert task.train_step(images, labels, 0)["d_dead"] == pytest.approx(1.0)
    units = DeadUnits(nn.Sequential(nn.Linear(2, 4), nn.ReLU()))
    units.handles[0].remove()  # the hook, called by hand: units 0 and 2 fire for one sample each, 1 and 3 never
    with units.recording():
        units.hook(None, (), torch.tensor([[1.0, 0.0, -1.0, -2.0], [-1.0, -3.0, 0.5, 0.0]]))
    assert units.fraction() == 0.5
    mlp = DCGANTask(
        DCGANTrainConfig(family="mlp-gan", steps=5, batch_size=8, fid_samples=0, n_samples=4, model=TINY_MLP), "cpu"
    )
    assert not {"g_dead", "d_dead"} & set(mlp.train_step(images[:8], labels[:8], 0))  # DCGAN's networks only


def test_spectral_norm_on_d_bounds_each_layer_and_resumes_from_the_cli(fashion_small, tmp_path, monkeypatch):
    sn = dict(steps=5, batch_size=8, fid_samples=0, model=TINY, d_spectral_norm=True)
    assert DCGANTrainConfig(**sn).d_norm == "none"  # SNGAN's D: no batch norm by default
    assert DCGANTrainConfig(**sn, d_norm="batch").d_norm == "batch"  # unless chosen
    monkeypatch.setattr(loop, "load_dataset", lambda *a, **k: fashion_small)
    out = tmp_path / "sn"
    argv = "dcgan --batch-size 8 --g-width 8 --d-width 8 --latent-dim 16 --fid-samples 0 --d-spectral-norm"
    argv += " --d-down avg-pool --save-every 100 --out " + str(out)
    assert cli([*argv.split(), "--steps", "4"]) == 0
    assert "spectral normalisation on every layer of D" in (out / "README.md").read_text()
    trained = saved_discriminator(out)
    assert count(trained, nn.BatchNorm2d) == 0 and count(trained, nn.AvgPool2d) == 3
    rows = layer_sigmas(trained)
    assert len(rows) == 4
    for row in rows:  # after 4 steps (3 power-iteration steps each), W/σ̂ has σ ≈ 1; W itself does not
        assert abs(row["normalised"] - 1) < 0.1 and abs(row["estimate"] - row["raw"]) < 0.1 * row["raw"], row
        assert abs(row["raw"] - 1) > 0.1, row
    before = trained.state_dict()
    assert any("parametrizations.weight.original" in k for k in before)  # the keys --resume must load
    assert cli([*argv.split(), "--steps", "6", "--resume"]) == 0
    assert saved_step(out) == 6
    after = saved_discriminator(out)
    assert all(abs(r["normalised"] - 1) < 0.1 for r in layer_sigmas(after))
    key = "net.8.parametrizations.weight.original"
    assert not torch.equal(before[key], after.state_dict()[key])  # D went on training from its saved weights


def test_each_trick_is_defined_once_and_the_cli_the_spec_and_the_tab_read_it(default_zoo):
    """trainers.options.TRICKS: RunSpec's default, the CLI's flag (its default, choices and help) and the Training
    tab's control (its label, choices and value) all come from the one record of each trick."""
    import gradio as gr

    from explorer.ui.tabs import training
    from trainers.options import TRICKS

    dcgan = next(a for a in parser()._subparsers._group_actions[0].choices["dcgan"]._actions if a.dest == "d_down")
    assert dcgan.choices == ("strided", "avg-pool", "max-pool") and "one of: strided, avg-pool, max-pool" in dcgan.help
    flags = {a.dest.removeprefix("model."): a for a in parser()._subparsers._group_actions[0].choices["dcgan"]._actions}
    with gr.Blocks() as demo:
        training.build(default_zoo, [])
    controls = {b.elem_id: b for b in demo.blocks.values() if getattr(b, "elem_id", None)}
    for name, trick in TRICKS.items():
        assert getattr(RunSpec(), name) == trick.default, name
        control = next(c for key, c in controls.items() if key.startswith("train-") and c.label == trick.label)
        assert control.value == trick.default, name
        if trick.choices:
            assert [tuple(c) for c in control.choices] == list(trick.choices), name
            assert training.run.TRICK_CHOICES[name] == (trick.values, trick.label)
        if name in flags:  # DCGAN's trainer has every trick but BigGAN's orthogonal regularisation
            assert trick.help in flags[name].help, name
            assert (flags[name].choices or ()) == tuple(v for v in trick.values if v), name
    assert set(TRICKS) - set(flags) == {"ortho_beta"}


def test_a_saved_discriminator_is_read_through_the_strict_folder_loader(tmp_path):
    """``saved_discriminator`` reads through ``explorer.models.folder.load_discriminator``: a D whose weights do not
    match the settings stored beside them is refused (every key and shape), as is another trainer's run."""
    from safetensors.torch import save_file

    from explorer.models.folder import DISCRIMINATOR_NAME, ZooError

    with pytest.raises(FileNotFoundError, match="no discriminator saved yet"):
        saved_discriminator(tmp_path)
    settings = dataclasses.asdict(DCGANTrainConfig(model=dataclasses.replace(TINY, d_width=16)))
    state = DCGANDiscriminator(TINY).state_dict()  # trained at d_width 8, stored as if at 16
    metadata = {"metadata": json.dumps({"settings": settings})}
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp_path / DISCRIMINATOR_NAME), metadata=metadata)
    with pytest.raises(ZooError, match="does not match the discriminator it trained"):
        saved_discriminator(tmp_path)
    settings["model"]["d_width"] = 8
    metadata["metadata"] = json.dumps({"settings": settings})
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp_path / DISCRIMINATOR_NAME), metadata=metadata)
    loaded = saved_discriminator(tmp_path)
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in state.items()) and not loaded.training
    with pytest.raises(ValueError, match="not a run of the adversarial trainer"):
        saved_discriminator("checkpoints/biggan-fashion-mnist")


def test_the_model_card_says_each_trick_the_cli_offers():
    """Every trick of the DCGAN trainer's ``--help`` (``trainers.options.TRICKS``) changes the card's summary when set
    away from its default, each in words of its own: the CLI, the tab and the card list the same options."""
    from trainers.options import TRICKS

    flags = {a.dest.removeprefix("model.") for a in parser()._subparsers._group_actions[0].choices["dcgan"]._actions}
    summaries = {"default": tiny_task().summary()}
    for name, trick in TRICKS.items():
        if name not in flags:
            continue
        value = True if trick.default is False else 0.25 if trick.default == 0.0 else trick.values[-1]
        assert value != trick.default, name
        if trick.model:
            summaries[name] = tiny_task(model=dataclasses.replace(TINY, **{name: value})).summary()
        else:
            summaries[name] = tiny_task(**{name: value}).summary()
    assert set(summaries) == {"default", *TRICKS} - {"ortho_beta"}  # BigGAN's: its card states β whatever it is
    assert len(set(summaries.values())) == len(summaries), summaries
