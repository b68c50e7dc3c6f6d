"""The BigGAN tab's inside view on the committed BigGAN-small: attention, z chunks, conditional BN, projection D."""

import json
import re
import shutil

import gradio as gr
import numpy as np
import pytest
import torch

from explorer.models.biggan import BigGANDiscriminator
from explorer.models.folder import DISCRIMINATOR_NAME, STATE_NAME, ZooError, load_discriminator, read_discriminator
from explorer.ui.tabs.truncation import attention, cbn, chunks, curve, inside, ortho, projection, shared
from explorer.zoo import CHECKPOINTS, MANIFEST, Zoo

BIGGAN = "biggan-fashion-mnist"
ORTHO_PAIR, ORTHO_BETA = ("biggan-ortho-fashion-mnist", "biggan-noortho-fashion-mnist"), 1.0  # with R, its β = 0 twin
ORTHO_LAYER = "blocks.1.conv1: 64 filters of 64×3×3"
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


def test_filter_cosines_of_the_committed_model(default_zoo):
    model = default_zoo.load(BIGGAN)
    layers = ortho.filter_layers(model)
    assert all(
        int(label.split(": ")[1].split()[0]) <= np.prod([int(v) for v in label.split(" of ")[1].split("×")])
        for label in layers
    )
    weight = layers[ORTHO_LAYER].weight.detach()
    cosines = ortho.filter_cosines(weight)
    assert cosines.shape == (64, 64) and torch.allclose(cosines, cosines.T, atol=1e-6)
    assert torch.allclose(torch.diagonal(cosines), torch.ones(64), atol=1e-5)
    assert ortho.mean_abs_cosine(weight) == pytest.approx(float(ortho.off_diagonal(cosines).abs().mean()))
    assert ortho.mean_abs_cosine(torch.eye(64).repeat(1, 9)) == 0  # orthogonal filters


def test_the_twin_without_r_has_more_alike_filters_than_the_regularised_model(default_zoo):
    """The numbers the view reads out: mean |cos| with R below the twin's, in the layer shown first and over G."""
    assert ortho.ortho_pair(default_zoo) == ORTHO_PAIR
    assert [ortho.trained_beta(default_zoo, n) for n in (*ORTHO_PAIR, BIGGAN)] == [ORTHO_BETA, 0.0, 1e-4]
    fig, text = ortho.render_ortho(default_zoo, ORTHO_LAYER)
    with_r, without, overall_with_r, overall_without = (float(v) for v in re.findall(r"\*\*([0-9.]+)\*\*", text))
    assert without > 1.2 * with_r and overall_without > 1.2 * overall_with_r, text
    assert "random filters of 576 weights: 0.033" in text and f"{BIGGAN} (β = 0.0001): " in text
    assert f"(β = {ORTHO_BETA:g}): mean |cos| {with_r:.3f}" in fig.layout.annotations[0].text
    assert f"(β = 0): mean |cos| {without:.3f}" in fig.layout.annotations[1].text
    assert not np.allclose(np.asarray(fig.data[0].z), np.asarray(fig.data[1].z))
    with pytest.raises(gr.Error, match="unknown layer"):
        ortho.render_ortho(default_zoo, "net.6")


def test_the_pair_view_says_when_the_zoo_has_no_twin(tmp_path):
    entries = [e | {"path": str(CHECKPOINTS / e["path"])} for e in json.loads(MANIFEST.read_text())["models"]]
    manifest = tmp_path / "zoo.json"
    manifest.write_text(json.dumps({"models": [e for e in entries if e["name"] == BIGGAN]}))
    with pytest.raises(gr.Error, match="no BigGAN with a twin"):
        ortho.render_ortho(Zoo(manifest, device="cpu"), ORTHO_LAYER)


@pytest.mark.slow  # 2 models × 6 thresholds × 300 samples: ~20 s a model on a shared core
def test_the_regularised_model_loses_less_fidelity_under_truncation_than_its_twin(default_zoo):
    """BigGAN's claim, measured on the pair (small samples: the full view's 1000 give ×1.63 against ×3.13)."""
    curves = ortho.pair_curves(default_zoo, n=200, per_class=10)
    assert list(curves) == list(ORTHO_PAIR)
    ratios = {}
    for name, (thresholds, fids, varieties) in curves.items():
        assert thresholds == list(curve.CURVE) and all(0 < f < 1000 for f in fids)
        assert varieties[-1] < 0.2 * varieties[0]  # truncation at 0.1 takes most of the variety, with R or without
        ratios[name] = fids[thresholds.index(0.5)] / fids[0]
    regularised, twin = ORTHO_PAIR
    assert ratios[regularised] < 0.75 * ratios[twin], ratios
    assert curves[twin][1][0] < curves[regularised][1][0]  # untruncated, β = 1 costs fidelity
    fig = ortho.pair_curve_figure(default_zoo, curves)
    assert [trace.name for trace in fig.data[::2]] == [f"{regularised} (β = 1)", f"{twin} (β = 0)"]
    text = ortho.curve_readout(default_zoo, curves)
    assert f"**×{ratios[regularised]:.2f}**" in text and f"**×{ratios[twin]:.2f}**" in text
