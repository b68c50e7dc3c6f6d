"""VQ-VAE (van den Oord et al. 2017): quantisation, the straight-through gradient, the trainer, the VAE tab's
section."""

import re

import pytest
import torch

from explorer.models.registry import family_of
from explorer.models.vqvae import VQVAE, VQVAEConfig, perplexity, usage
from explorer.ui.tabs.manifold import vqvae as view
from explorer.zoo import Zoo, load_folder
from trainers.vqvae import VQVAETrainConfig, train_vqvae

TINY = VQVAEConfig(width=8, code_dim=4, codebook_size=16)


def test_each_cell_takes_its_nearest_entry_and_the_decoder_sees_only_entries():
    torch.manual_seed(0)
    model = VQVAE(TINY)
    assert family_of(model).name == "vqvae"
    images = torch.rand(3, 1, 32, 32) * 2 - 1
    z_e = model.encode(images)
    assert z_e.shape == (3, 4, 8, 8) and torch.allclose(z_e.norm(dim=1), torch.ones(3, 8, 8), atol=1e-5)
    codes = model.nearest(z_e)
    distances = ((z_e.permute(0, 2, 3, 1)[..., None, :] - model.entries()) ** 2).sum(-1)  # (3, 8, 8, K)
    assert torch.equal(codes, distances.argmin(-1))
    z_q, same_codes, codebook_loss, commitment_loss = model.quantize(z_e)
    assert torch.equal(same_codes, codes) and torch.allclose(z_q, model.lookup(codes), atol=1e-6)
    assert torch.allclose(codebook_loss, commitment_loss)  # the same distance, two stop-gradients


def test_the_straight_through_gradient_reaches_the_encoder_and_the_entries_learn_from_the_codebook_loss():
    torch.manual_seed(0)
    model = VQVAE(TINY)
    images = torch.rand(4, 1, 32, 32) * 2 - 1
    logits, codes, codebook_loss, commitment_loss = model(images)
    model.reconstruction_nll(logits, images).mean().backward(retain_graph=True)
    encoder_grad = model.encoder[0].weight.grad
    assert encoder_grad is not None and encoder_grad.abs().sum() > 0  # through argmin, by the straight-through copy
    assert model.codebook.weight.grad is None or model.codebook.weight.grad.abs().sum() == 0  # sg(e − z_e)
    model.zero_grad()
    codebook_loss.backward()
    used = codes.unique()
    grad = model.codebook.weight.grad
    assert grad[used].abs().sum() > 0 and all(grad[k].abs().sum() == 0 for k in range(16) if k not in used)


def test_codes_decode_and_bad_grids_are_refused():
    model = VQVAE(TINY).eval()
    codes = torch.randint(16, (2, 8, 8))
    assert model.decode_codes(codes).shape == (2, 1, 32, 32)
    with pytest.raises(ValueError, match="codes must be"):
        model.decode_codes(torch.zeros(2, 4, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"\[0, 16\)"):
        model.decode_codes(torch.full((1, 8, 8), 16))


def test_prior_samples_follow_each_cell_s_frequencies_and_the_seed():
    model = VQVAE(TINY)
    with torch.no_grad():
        model.prior_logits.fill_(-30.0)
        model.prior_logits[..., 3] = 0.0  # every cell: code 3
        model.prior_logits[0, 0] = 0.0  # cell (0, 0): uniform
    drawn = model.sample_codes(200, seed=5)
    assert drawn.shape == (200, 8, 8) and (drawn[:, 1:, :] == 3).all() and (drawn[:, 0, 1:] == 3).all()
    assert len(drawn[:, 0, 0].unique()) > 10  # the uniform cell
    assert torch.equal(drawn, model.sample_codes(200, seed=5)) and not torch.equal(drawn, model.sample_codes(200, 6))
    counts = usage(torch.tensor([[0, 0], [1, 2]]), 4)
    assert counts.tolist() == [2, 1, 1, 0] and perplexity(torch.tensor([5, 5, 5, 5])) == pytest.approx(4.0)


@pytest.fixture(scope="module")
def tiny_vqvae(tmp_path_factory, fashion_small, fashion_test):
    out = tmp_path_factory.mktemp("vqvae") / "tiny-vqvae"
    config = VQVAETrainConfig(steps=40, batch_size=32, sample_every=20, save_every=20, restart_every=10, model=TINY)
    events = list(train_vqvae(config, out, data=fashion_small, test=fashion_test, device="cpu"))
    assert type(events[-1]).__name__ == "Finished"
    return out, events


def test_the_trainer_keeps_the_codebook_in_use_and_writes_a_card_that_says_how_much(tiny_vqvae):
    out, events = tiny_vqvae
    steps = [e.metrics for e in events if type(e).__name__ == "Step"]
    assert all(torch.isfinite(torch.tensor(m["loss"])) for m in steps)
    assert steps[-1]["reconstruction"] < steps[0]["reconstruction"]  # it learns
    assert sum(m["restarted"] for m in steps) > 0  # dead entries were moved onto encoder outputs
    model = load_folder(out, device="cpu")
    assert isinstance(model, VQVAE) and model.prior_logits.std() > 0  # the prior was kept with the weights
    card = (out / "README.md").read_text()
    used = int(re.search(r"codebook entries used \| (\d+) of 16", card).group(1))
    assert used > 8  # > 50 % of the entries on the test set


def test_the_vae_tab_section_encodes_writes_a_clicked_cell_and_draws_usage_and_samples(tiny_vqvae):
    out, _ = tiny_vqvae
    zoo = Zoo(device="cpu")
    zoo.add_folder(out, "tiny-vqvae")
    assert "tiny-vqvae" in view.model_names(zoo)
    grid, picture, cells, text = view.encode(zoo, "tiny-vqvae", 7)
    assert len(grid) == 8 and all(len(row) == 8 for row in grid) and "Test image 7" in text
    assert cells.size == (8 * view.CELL, 8 * view.CELL) and picture.width > 3 * 32 * view.SCALE
    new_code = (grid[2][5] + 1) % 16
    edited, changed, cells_after, readout = view.write(zoo, "tiny-vqvae", 7, grid, new_code, 2, 5)
    assert (
        edited[2][5] == new_code
        and sum(a != b for r, s in zip(edited, grid, strict=True) for a, b in zip(r, s, strict=True)) == 1
    )
    assert f"code {grid[2][5]} → {new_code}" in readout and "1 of 64 cells differ" in readout
    assert changed.tobytes() != picture.tobytes()  # the decoded image changed
    figure, usage_text = view.codebook_usage(zoo, "tiny-vqvae")
    assert sum(figure.data[0].y) == pytest.approx(1.0) and "of 16 entries used" in usage_text
    assert view.prior_samples(zoo, "tiny-vqvae", 3).size[0] > 8 * 32
    with pytest.raises(Exception, match="whole number from 0 to 15"):
        view.write(zoo, "tiny-vqvae", 7, grid, 16, 0, 0)
    with pytest.raises(Exception, match="encode an image first"):
        view.write(zoo, "tiny-vqvae", 7, [], 1, 0, 0)
    with pytest.raises(Exception, match="from 0 to 9 999"):
        view.encode(zoo, "tiny-vqvae", 10_000)


def test_the_committed_vqvae_uses_most_of_its_codebook_as_its_card_says(default_zoo, fashion_test):
    model = default_zoo.load("vqvae-fashion-mnist")
    card = (default_zoo.entry("vqvae-fashion-mnist").folder / "README.md").read_text()
    used = int(re.search(r"codebook entries used \| (\d+) of 128", card).group(1))
    assert used > 64  # issue #18: > 50 %
    with torch.inference_mode():
        codes = model.codes(fashion_test.images[:1000])
        reconstruction = model.decode_codes(codes)
    assert (usage(codes, 128) > 0).sum() > 64  # on a tenth of the test set already
    assert (reconstruction - fashion_test.images[:1000]).pow(2).mean() < 0.05  # the card: 0.0229 on all 10 000


# The autoregressive prior (row 107): a PixelCNN over the 8×8 code grid (trainers/code_prior.py).


def test_the_pixelcnn_sees_only_the_cells_before_each_cell():
    from trainers.code_prior import PixelCNN, PixelCNNConfig

    torch.manual_seed(0)
    prior = PixelCNN(PixelCNNConfig(codebook_size=16, width=8, embedding=4, layers=2))
    codes = torch.randint(16, (1, 8, 8))
    changed = codes.clone()
    changed[0, 3, 4] = (changed[0, 3, 4] + 1) % 16
    moved = (prior(changed) - prior(codes)).abs().amax(1)[0] > 0  # (8, 8): which cells' distributions moved
    position = torch.arange(64).view(8, 8)
    assert not moved[position <= 3 * 8 + 4].any()  # the cell itself and every earlier one: untouched
    assert moved[3, 5]  # the next cell sees it
    grids = prior.sample(2, seed=1)
    assert grids.shape == (2, 8, 8) and torch.equal(grids, prior.sample(2, seed=1))


def test_the_committed_pixelcnn_prior_models_test_grids_better_than_independent_cells(default_zoo, fashion_test):
    from trainers import code_prior

    model = default_zoo.load("vqvae-fashion-mnist")
    folder = default_zoo.entry("vqvae-fashion-mnist").folder
    prior = code_prior.load(folder)
    assert (folder / code_prior.PRIOR_FILE).stat().st_size < 2_000_000  # the checkpoint budget: fp16, < 2 MB
    with torch.inference_mode():
        codes = model.codes(fashion_test.images[:500])
        pixelcnn, independent = prior.nll(codes).mean(), code_prior.independent_nll(model.prior_logits, codes).mean()
    assert pixelcnn < independent - 20  # nats per grid, on test images it never saw
    run = code_prior.record(folder)
    assert run["test_nll"] < run["independent_test_nll"] and abs(run["test_nll"] - float(pixelcnn)) < 15
    picture, text = view.autoregressive_samples(default_zoo, "vqvae-fashion-mnist", 0)
    assert picture.size == view.prior_samples(default_zoo, "vqvae-fashion-mnist", 0).size
    assert f"PixelCNN {run['test_nll']:.1f} nats per grid" in text
