"""AC-GAN (Odena et al. 2017): the model, its trainer, D's class head in the BigGAN tab, the committed checkpoint."""

import json
import shutil

import gradio as gr
import pytest
import torch
from safetensors.torch import load_file

from explorer.models.acgan import ACGANConfig, ACGANDiscriminator, ACGANGenerator, confusion_matrix
from explorer.models.folder import DISCRIMINATOR_NAME, STATE_NAME
from explorer.models.registry import family_of
from explorer.ui.tabs.truncation import acgan, shared
from explorer.zoo import Zoo, load_folder
from trainers.acgan import ACGANTrainConfig, train_acgan
from trainers.checkpoint import keep_discriminator_only

TINY = ACGANConfig(latent_dim=16, g_width=8, d_width=8)


def test_generator_takes_classes_by_name_index_or_soft_vector():
    torch.manual_seed(0)
    g = ACGANGenerator(TINY).eval()
    assert family_of(g).name == "acgan"
    z = g.sample_latent(3, seed=0)
    with torch.inference_mode():
        by_name = g.generate(z, ["Trouser", "Bag", "Dress"])
        by_index = g.generate(z, [1, 8, 3])
        soft = g.generate(z, g.class_vector([1, 8, 3]))
        other = g.generate(z, [2, 8, 3])
    assert by_name.shape == (3, 1, 32, 32) and by_name.abs().max() <= 1
    assert torch.equal(by_name, by_index) and torch.equal(by_name, soft)
    assert not torch.equal(by_name[0], other[0]) and torch.equal(by_name[1:], other[1:])  # the class decides
    with pytest.raises(ValueError, match="unknown class 'Hat'"):
        g.generate(z, ["Hat"] * 3)


def test_discriminator_has_a_source_and_a_class_head_and_the_confusion_matrix_counts():
    d = ACGANDiscriminator(TINY).eval()
    source, classes = d(torch.zeros(4, 1, 32, 32))
    assert source.shape == (4,) and classes.shape == (4, 10)
    probabilities = d.class_probabilities(torch.randn(7, 1, 32, 32), batch=3)
    assert probabilities.shape == (7, 10) and torch.allclose(probabilities.sum(1), torch.ones(7), atol=1e-5)
    matrix = confusion_matrix(torch.tensor([0, 0, 1, 2, 2, 2]), torch.tensor([0, 1, 1, 2, 0, 2]), 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]] and matrix.sum() == 6


@pytest.fixture(scope="module")
def tiny_acgan(tmp_path_factory, fashion_small):
    """An AC-GAN folder written by the real trainer after 20 steps on real Fashion-MNIST."""
    out = tmp_path_factory.mktemp("acgan") / "tiny-acgan"
    config = ACGANTrainConfig(steps=20, batch_size=32, sample_every=10, save_every=10, fid_samples=0, model=TINY)
    events = list(train_acgan(config, out, data=fashion_small, device="cpu"))
    assert type(events[-1]).__name__ == "Finished"
    return out, events


def test_the_trainer_writes_a_loadable_model_its_d_and_a_card_with_the_class_head(tiny_acgan):
    out, events = tiny_acgan
    steps = [e for e in events if type(e).__name__ == "Step"]
    assert steps and all(set(e.metrics) >= {"d_loss", "g_loss", "class_acc_real", "class_acc_fake"} for e in steps)
    assert all(torch.isfinite(torch.tensor([e.metrics["d_loss"], e.metrics["g_loss"]])).all() for e in steps)
    model = load_folder(out, device="cpu")
    assert isinstance(model, ACGANGenerator) and model.config.latent_dim == 16
    state = load_file(str(out / "training_state.safetensors"))
    assert any(k.startswith("discriminator.classes.") for k in state)  # the class head is kept
    card = (out / "README.md").read_text()
    assert "## D's class head" in card and "real test images" in card


def test_class_head_view_counts_every_fake_and_reads_d_from_either_file(tiny_acgan, tmp_path, default_zoo):
    out, _ = tiny_acgan
    manifest = tmp_path / "zoo.json"
    entry = {"name": "tiny-acgan", "family": "acgan", "path": str(out), "resolution": 32, "latent_dim": 16}
    manifest.write_text(json.dumps({"models": [entry]}))
    zoo = Zoo(manifest, device="cpu")
    assert "tiny-acgan" in shared.model_names(zoo)  # a class-conditional model: the BigGAN tab offers it
    fig, readout = acgan.render_class_head(zoo, "tiny-acgan", 20)
    matrix = torch.tensor(fig.data[0].z)
    assert matrix.shape == (10, 10) and int(matrix.sum()) == 200 and (matrix.sum(1) == 20).all()
    assert "of 200 fakes (20 per class)" in readout and "real test images" in readout
    # a committed folder keeps D alone, as discriminator.safetensors, instead of the training state
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    keep_discriminator_only(copy)
    assert not (copy / STATE_NAME).exists() and (copy / DISCRIMINATOR_NAME).is_file()
    assert sorted(p.name for p in copy.iterdir()) == sorted(
        [DISCRIMINATOR_NAME] + [p.name for p in out.iterdir() if p.name != STATE_NAME]
    )
    zoo.add_folder(copy, "copy")
    fig_copy, _ = acgan.render_class_head(zoo, "copy", 20)
    assert int(torch.tensor(fig_copy.data[0].z).sum()) == 200
    with pytest.raises(gr.Error, match="whole number from 10 to 200"):
        acgan.render_class_head(zoo, "tiny-acgan", 5)
    fig_biggan, message = acgan.render_class_head(default_zoo, "biggan-fashion-mnist", 20)
    assert fig_biggan is None and "no class head" in message


def test_the_committed_acgan_names_its_classes_as_its_card_says(default_zoo):
    """The committed default: D's class head reads ≥ 80 % of the real test images (issue #19), from the D kept
    as discriminator.safetensors, and G's fakes are recognised as the class they were asked for."""
    name = "acgan-fashion-mnist"
    assert (default_zoo.entry(name).folder / DISCRIMINATOR_NAME).is_file()
    accuracy = acgan.real_class_accuracy(default_zoo, name)
    assert accuracy >= 0.80
    card = (default_zoo.entry(name).folder / "README.md").read_text()
    assert f"Accuracy on the 10000 real test images: **{accuracy:.1%}**" in card  # the card's number, recomputed
    fig, readout = acgan.render_class_head(default_zoo, name, 20)
    matrix = torch.tensor(fig.data[0].z)
    assert int(matrix.sum()) == 200 and float(matrix.diagonal().sum()) / 200 >= 0.8
    assert f"**{accuracy:.1%}** on the 10 000 real test images" in readout
