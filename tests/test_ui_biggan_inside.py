"""The BigGAN tab's inside view on the committed BigGAN-small: attention, z chunks, conditional BN, projection D."""

import shutil

import gradio as gr
import numpy as np
import pytest
import torch

from explorer.models.biggan import BigGANDiscriminator
from explorer.models.folder import DISCRIMINATOR_NAME, STATE_NAME, ZooError, load_discriminator, read_discriminator
from explorer.ui.tabs.truncation import attention, cbn, chunks, inside, ortho, projection, shared

BIGGAN = "biggan-fashion-mnist"
CHOSEN = dict(model=BIGGAN, a="Trouser", b="Bag", alpha=0.0, threshold=1.0, seed=3, index=2)  # the sample


def test_committed_checkpoint_gives_the_same_images_through_the_attention_hook(default_zoo):
    model = default_zoo.load(BIGGAN)
    z, vector = shared.chosen_sample(model, CHOSEN)
    assert torch.equal(z, model.sample_latent(16, 3, truncation=1.0)[2:3])
    with torch.inference_mode():
        images, weights = model.attention_maps(z, vector)
        assert torch.equal(images, model.generate(z, vector))
    heat = attention.attention_map(weights[0], 5, 20)
    assert heat.shape == (32, 32) and heat.sum() == pytest.approx(16.0, rel=1e-4)  # 64 keys, each a 4×4 block
    assert float(model.attention.gamma.detach()) != 0  # the trained block does change the image


def test_render_attention_follows_the_clicked_pixel(default_zoo):
    sample, left, caption = attention.render_attention(default_zoo, CHOSEN | dict(qx=2, qy=2))
    _, right, _ = attention.render_attention(default_zoo, CHOSEN | dict(qx=30, qy=30))
    assert sample.size == (256, 256) and left.size == (256, 256)
    assert "sum to 1.000" in caption and "16×16 block" in caption
    assert not np.array_equal(np.asarray(left), np.asarray(right))
    cyan = np.all(np.asarray(left)[:, :, :3] == (0, 229, 255), axis=2)
    ys, xs = np.nonzero(cyan)
    # pixel (2, 2) is position (1, 1) of the 16×16 block: display pixels 16–31 (×8), outlined
    assert xs.min() == ys.min() == 16 and xs.max() == ys.max() == 31
    with pytest.raises(gr.Error, match="pixel must be inside"):
        attention.render_attention(default_zoo, CHOSEN | dict(qx=40, qy=3))
    with pytest.raises(gr.Error, match="sample number must be between 0 and 15"):
        attention.render_attention(default_zoo, CHOSEN | dict(index=16, qx=2, qy=2))


def test_resampling_one_chunk_changes_the_image_and_keeps_the_other_chunks(default_zoo):
    model = default_zoo.load(BIGGAN)
    z, vector = shared.chosen_sample(model, CHOSEN)
    rows, changes = chunks.chunk_rows(model, z, vector, 1, 1.0)
    assert len(rows) == model.config.num_blocks + 1 and all(r.shape[0] == chunks.CHUNK_REDRAWS + 1 for r in rows)
    assert all(torch.equal(r[0], rows[0][0]) for r in rows)  # column 0: the sample itself
    assert min(changes) > 0
    assert changes[0] > changes[-1]  # the 4×4 chunk moves the image more than the 32×32 block's chunk


def test_conditional_bn_moves_linearly_along_alpha(default_zoo):
    model = default_zoo.load(BIGGAN)
    z, _ = shared.chosen_sample(model, CHOSEN)
    layer = list(cbn.cbn_layers(model))[0]
    alphas, top, gain, bias = cbn.cbn_along_alpha(model, z, "Trouser", "Bag", layer)
    assert len(top) == 6 and gain.shape == bias.shape == (len(alphas), 6)
    middle = len(alphas) // 2
    assert torch.allclose(gain[middle], (gain[0] + gain[-1]) / 2, atol=1e-5)  # γ_y linear in the class mix
    assert (gain[-1] - gain[0]).abs().min() > 0
    figure = cbn.render_cbn(default_zoo, CHOSEN | dict(layer=layer))
    assert len(figure.data) == 12
    with pytest.raises(gr.Error, match="unknown layer"):
        cbn.render_cbn(default_zoo, CHOSEN | dict(layer="block 9"))


def test_projection_discriminator_comes_from_the_training_state(default_zoo):
    discriminator = projection.projection_discriminator(default_zoo, BIGGAN)
    assert discriminator is not None
    model = default_zoo.load(BIGGAN)
    z, vector = shared.chosen_sample(model, CHOSEN)
    with torch.inference_mode():
        sample = model(z, vector)
        psi, per_class = discriminator.class_scores(sample)
        assert torch.allclose(discriminator(sample, vector), psi + per_class[:, 1], atol=1e-5)  # Trouser = 1
    figure = projection.render_projection(default_zoo, CHOSEN, reference=False)
    assert list(figure.data[0].x) == model.class_names and len(figure.data) == 1
    assert "asked for Trouser" in figure.layout.title.text


def test_discriminators_load_strictly_from_either_file(default_zoo, tmp_path):
    """``folder.load_discriminator``, the one reader of a kept D (the projection D, AC-GAN's, the Training tab's):
    discriminator.safetensors or the training state give the same weights; a D of the wrong size is refused."""
    source = default_zoo.entry(BIGGAN).folder
    config = default_zoo.load(BIGGAN).config
    loaded = {}

    def build(settings: dict) -> BigGANDiscriminator:
        return BigGANDiscriminator(config, width=settings["d_width"])

    for kept in (DISCRIMINATOR_NAME, STATE_NAME):
        folder = tmp_path / kept.split(".")[0]
        folder.mkdir()
        shutil.copy(source / kept, folder / kept)
        assert read_discriminator(folder, tensors=False)[1]["d_width"] == 64  # the trainer's settings, no tensors
        loaded[kept] = load_discriminator(folder, build)
    alone, in_state = (d.state_dict() for d in loaded.values())
    assert alone.keys() == in_state.keys() and all(torch.equal(alone[k], in_state[k]) for k in alone)
    assert not loaded[STATE_NAME].training
    with pytest.raises(ZooError, match="does not match the discriminator"):
        load_discriminator(folder, lambda settings: BigGANDiscriminator(config, width=32))
    assert load_discriminator(tmp_path, lambda settings: BigGANDiscriminator(config)) is None  # no file: none


def test_grid_clicks_pick_samples():
    cell = (32 + 2) * 4
    assert attention.grid_index(8, 8) == 0
    assert attention.grid_index(8 + 3 * cell + 5, 8 + 2 * cell + 5) == 11
    assert attention.grid_index(8 + 32 * 4 + 1, 8) is None  # the padding between samples


def test_inside_view_renders_every_part_and_refuses_other_models(default_zoo):
    layer = list(cbn.cbn_layers(default_zoo.load(BIGGAN)))[-1]
    values = CHOSEN | dict(qx=16, qy=16, redraw=1, layer=layer)
    assert set(values) == set(inside.NAMES)
    sample, attended, caption, grid, png, gains, scores = inside.render_inside(default_zoo, values, reference=False)
    assert sample.size == attended.size == (256, 256) and grid.width > 8 * 96 and grid.height > 4 * 96
    assert png.endswith(".png")
    assert "block 3, second BN" in gains.layout.title.text and scores.data
    with pytest.raises(gr.Error, match="not a class-conditional BigGAN"):
        inside.render_inside(default_zoo, values | dict(model="dcgan-fashion-mnist"), reference=False)


def test_filter_cosines_of_the_committed_model_and_descent_on_r_alone(default_zoo):
    model = default_zoo.load(BIGGAN)
    layers = ortho.filter_layers(model)
    assert all(
        int(label.split(": ")[1].split()[0]) <= np.prod([int(v) for v in label.split(" of ")[1].split("×")])
        for label in layers
    )
    weight = layers["blocks.1.conv1: 64 filters of 64×3×3"].weight.detach()
    cosines = ortho.filter_cosines(weight)
    assert cosines.shape == (64, 64) and torch.allclose(cosines, cosines.T, atol=1e-6)
    assert torch.allclose(torch.diagonal(cosines), torch.ones(64), atol=1e-5)
    off = lambda c: ortho.off_diagonal(c).pow(2).sum().item()  # noqa: E731  R on unit filters
    assert ortho.filter_cosines(ortho.orthogonal_descent(weight, 0)) == pytest.approx(cosines, abs=1e-6)
    after = [off(ortho.filter_cosines(ortho.orthogonal_descent(weight, k))) for k in (0, 10, 50)]
    assert after[0] > 5 * after[1] > 100 * after[2]  # R falls fast (8.4 → 1.6 → 0.002): the filters are pulled apart
    descended = ortho.orthogonal_descent(weight, 50)
    assert torch.allclose(descended.norm(dim=1), torch.ones(64), atol=1e-5)  # the norms are left alone


def test_render_ortho_shows_the_trained_beta_and_only_the_right_map_moves(default_zoo):
    layer = "blocks.1.conv1: 64 filters of 64×3×3"
    fig0, text0 = ortho.render_ortho(default_zoo, BIGGAN, layer, 0)
    fig50, text50 = ortho.render_ortho(default_zoo, BIGGAN, layer, 50)
    assert "trained with β = 0.0001" in text0 and "random filters of 576 weights: 0.033" in text0
    assert np.array_equal(np.asarray(fig0.data[0].z), np.asarray(fig50.data[0].z))  # as trained: unchanged
    assert not np.allclose(np.asarray(fig0.data[1].z), np.asarray(fig50.data[1].z))
    assert "after 50 steps on R: 0.001" in fig50.layout.annotations[1].text
    with pytest.raises(gr.Error, match="whole number from 0 to 200"):
        ortho.render_ortho(default_zoo, BIGGAN, layer, 2.5)
    with pytest.raises(gr.Error, match="unknown layer"):
        ortho.render_ortho(default_zoo, BIGGAN, "net.6", 3)
