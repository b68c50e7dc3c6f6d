import pytest
import torch
from torch import nn

from explorer.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from explorer.zoo import load_folder, save_folder, write_folder_atomically


@pytest.mark.parametrize("resolution", [32, 64])
def test_shapes_and_range(resolution):
    config = DCGANConfig(resolution=resolution, channels=3, g_width=8, d_width=8)
    generator, discriminator = DCGANGenerator(config).eval(), DCGANDiscriminator(config)
    z = generator.sample_latent(5, seed=1)
    assert z.shape == (5, 100)
    images = generator.generate(z)
    assert images.shape == (5, 3, resolution, resolution)
    assert images.min() >= -1 and images.max() <= 1
    assert discriminator(images).shape == (5,)


def test_architecture_follows_the_dcgan_rules():
    config = DCGANConfig()
    g_layers, d_layers = list(DCGANGenerator(config).net), list(DCGANDiscriminator(config).net)
    assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.Linear)) for m in g_layers + d_layers)
    assert isinstance(g_layers[-1], nn.Tanh) and isinstance(g_layers[-2], nn.ConvTranspose2d)  # no BN at G output
    assert isinstance(d_layers[1], nn.LeakyReLU) and d_layers[1].negative_slope == 0.2  # no BN at D input
    assert all(isinstance(m, nn.ReLU) for m in g_layers if isinstance(m, (nn.ReLU, nn.LeakyReLU)))
    weights = torch.cat([m.weight.flatten() for m in g_layers if isinstance(m, nn.ConvTranspose2d)])
    assert abs(weights.std().item() - 0.02) < 0.002


def test_invalid_config_names_the_allowed_values():
    with pytest.raises(ValueError, match="32 or 64"):
        DCGANConfig(resolution=48)


def test_same_seed_same_image():
    generator = DCGANGenerator(DCGANConfig(g_width=8)).eval()
    with torch.inference_mode():
        a = generator.generate(generator.sample_latent(2, seed=5))
        b = generator.generate(generator.sample_latent(2, seed=5))
        c = generator.generate(generator.sample_latent(2, seed=6))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_save_load_round_trip_is_bit_equal(tmp_path):
    config = DCGANConfig(latent_dim=20, g_width=8)
    generator = DCGANGenerator(config)
    generator(torch.randn(16, 20))  # move the batch-norm running statistics off their defaults
    generator.eval()
    folder = write_folder_atomically(tmp_path / "m", lambda tmp: save_folder(tmp, generator))
    loaded = load_folder(folder, device="cpu")
    assert loaded.config == config
    z = generator.sample_latent(4, seed=0)
    with torch.inference_mode():
        assert torch.equal(generator(z), loaded(z))


def test_hub_mixin_round_trip(tmp_path):
    generator = DCGANGenerator(DCGANConfig(latent_dim=8, g_width=8)).eval()
    generator.save_pretrained(tmp_path / "hub")
    loaded = DCGANGenerator.from_pretrained(tmp_path / "hub", strict=True).eval()
    assert loaded.config == generator.config
    z = torch.randn(2, 8)
    with torch.inference_mode():
        assert torch.equal(generator(z), loaded(z))
