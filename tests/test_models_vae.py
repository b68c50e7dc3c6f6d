import math

import pytest
import torch

from explorer.losses import negative_elbo
from explorer.models.vae import (
    VAE,
    Autoencoder,
    AutoencoderConfig,
    ConditionalVAE,
    ConditionalVAEConfig,
    VAEConfig,
    reconstruction_nll,
)
from explorer.zoo import load_folder, save_folder, write_folder_atomically
from trainers.vae import AETrainConfig, CVAETrainConfig, train_ae, train_cvae


def test_shapes_protocol_and_round_trip(tmp_path):
    torch.manual_seed(0)
    vae = VAE(VAEConfig(width=8)).eval()
    images = torch.rand(4, 1, 32, 32) * 2 - 1
    mu, logvar = vae.encode(images)
    assert mu.shape == (4, 2) and logvar.shape == (4, 2)
    decoded = vae.generate(vae.sample_latent(4, seed=1))
    assert decoded.shape == (4, 1, 32, 32) and decoded.min() >= -1 and decoded.max() <= 1
    folder = write_folder_atomically(tmp_path / "vae", lambda tmp: save_folder(tmp, vae))
    loaded = load_folder(folder, device="cpu")
    z = vae.sample_latent(3, seed=2)
    with torch.inference_mode():
        assert torch.equal(vae.generate(z), loaded.generate(z))


def test_kl_term_is_the_closed_form_with_the_half():
    mu, logvar = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.5, -0.3]])
    logits, images = torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2)
    _, reconstruction, kl = negative_elbo(logits, images, mu, logvar)
    expected = 0.5 * sum(m**2 + v.exp() - 1 - v for m, v in zip(mu[0], logvar[0], strict=True))
    assert torch.allclose(kl, expected)
    assert torch.allclose(reconstruction, torch.tensor(4 * torch.log(torch.tensor(2.0))))  # 4 pixels, p = ½


def test_reparameterisation_gradients_reach_mu_and_sigma():
    mu = torch.zeros(5, 2, requires_grad=True)
    logvar = torch.zeros(5, 2, requires_grad=True)
    VAE.reparameterize(mu, logvar).pow(2).sum().backward()
    assert mu.grad.abs().sum() > 0 and logvar.grad.abs().sum() > 0


def test_the_gaussian_likelihood_is_the_sum_of_squared_errors_plus_a_constant():
    logits = torch.randn(3, 1, 4, 4)
    images = torch.rand(3, 1, 4, 4) * 2 - 1
    nll = reconstruction_nll(logits, images, "gaussian")
    squared = (torch.sigmoid(logits) - (images + 1) / 2).pow(2).flatten(1).sum(1)
    assert torch.allclose(nll, squared + 8 * math.log(math.pi), atol=1e-5)  # σ² = ½: D/2 · log(2πσ²) = 8 log π
    target = (images + 1) / 2
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none").flatten(1).sum(1)
    assert torch.allclose(reconstruction_nll(logits, images), bce)
    with pytest.raises(ValueError, match="likelihood"):
        VAEConfig(likelihood="laplace")


def test_the_autoencoder_has_the_vaes_networks_without_sigma_and_round_trips(tmp_path):
    torch.manual_seed(0)
    ae = Autoencoder(AutoencoderConfig(width=8, hidden=32)).eval()
    vae = VAE(VAEConfig(width=8, hidden=32))
    ae_keys, vae_keys = set(ae.state_dict()), set(vae.state_dict())
    assert vae_keys - ae_keys == {"to_logvar.weight", "to_logvar.bias"} and ae_keys < vae_keys
    images = torch.rand(4, 1, 32, 32) * 2 - 1
    z = ae.encode(images)
    assert z.shape == (4, 2) and torch.equal(ae.encode(images), z)  # deterministic: a point, not a distribution
    assert not hasattr(ae, "sample_latent")  # no prior to sample from
    folder = write_folder_atomically(tmp_path / "ae", lambda tmp: save_folder(tmp, ae))
    loaded = load_folder(folder, device="cpu")
    assert isinstance(loaded, Autoencoder)
    with torch.inference_mode():
        assert torch.equal(ae.decode(z), loaded.decode(z))


def test_the_autoencoder_trainer_lowers_the_reconstruction_loss_without_a_kl(tmp_path, fashion_small):
    config = AETrainConfig(
        steps=30, batch_size=32, sample_every=30, save_every=30, model=AutoencoderConfig(width=8, hidden=32)
    )
    events = list(train_ae(config, tmp_path / "ae", data=fashion_small, test=fashion_small, device="cpu"))
    losses = [e.metrics["reconstruction"] for e in events if type(e).__name__ == "Step"]
    assert len(losses) == 30 and "kl" not in next(e.metrics for e in events if type(e).__name__ == "Step")
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5
    card = (tmp_path / "ae" / "README.md").read_text()
    assert "plain convolutional autoencoder" in card and "codes f(x): mean per dimension" in card
    assert isinstance(load_folder(tmp_path / "ae", device="cpu"), Autoencoder)


def test_the_conditional_vae_sees_the_class_on_both_sides_and_its_trainer_learns(tmp_path, fashion_small):
    torch.manual_seed(0)
    config = CVAETrainConfig(
        steps=20, batch_size=32, sample_every=20, save_every=20, model=ConditionalVAEConfig(width=8, hidden=32)
    )
    events = list(train_cvae(config, tmp_path / "cvae", data=fashion_small, test=fashion_small, device="cpu"))
    losses = [e.metrics["neg_elbo"] for e in events if type(e).__name__ == "Step"]
    assert len(losses) == 20 and sum(losses[-5:]) < sum(losses[:5])
    model = load_folder(tmp_path / "cvae", device="cpu")
    assert isinstance(model, ConditionalVAE) and "one row per class" in (tmp_path / "cvae" / "README.md").read_text()
    z = torch.zeros(2, 2)
    with torch.inference_mode():
        trouser, bag = model.decode(z, torch.tensor([1, 1])), model.decode(z, torch.tensor([8, 8]))
        mu, logvar = model.encode(fashion_small.images[:2], torch.tensor([1, 8]))
    assert (trouser - bag).abs().mean() > 0.01 and mu.shape == logvar.shape == (2, 2)  # y reaches the decoder
    with pytest.raises(ValueError, match="class indices"):
        model.decode(z, torch.tensor([10, 0]))
