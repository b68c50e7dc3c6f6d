import torch

from explorer.models.vae import VAE, VAEConfig
from explorer.zoo import load_folder, save_folder, write_folder_atomically
from trainers.losses import negative_elbo


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
