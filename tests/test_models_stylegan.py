import pytest
import torch

from explorer.models.stylegan import StyleGANConfig, StyleGANDiscriminator, StyleGANGenerator
from explorer.zoo import load_folder, save_folder, write_folder_atomically

CONFIG = StyleGANConfig(latent_dim=16, w_dim=16, mapping_layers=2, width=16)


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)
    g = StyleGANGenerator(CONFIG).eval()
    with torch.no_grad():  # give the learned noise strengths and w_avg non-trivial values
        for layer in g.synthesis_network.layers:
            layer.noise_strength.normal_(0, 0.5)
        g.mapping_network.w_avg.normal_()
    return g


def test_shapes_ws_and_resolutions(generator):
    assert generator.num_ws == 7
    assert generator.ws_resolutions == [4, 8, 8, 16, 16, 32, 32]
    z = generator.sample_latent(3, seed=0)
    ws = generator.mapping(z)
    assert ws.shape == (3, 7, 16)
    images = generator.generate(z)
    assert images.shape == (3, 1, 32, 32) and images.min() >= -1 and images.max() <= 1
    assert StyleGANDiscriminator(CONFIG, width=8)(images).shape == (3,)


def test_seed_decides_the_image(generator):
    with torch.inference_mode():
        a, b = generator.generate(generator.sample_latent(2, 4)), generator.generate(generator.sample_latent(2, 4))
        c = generator.generate(generator.sample_latent(2, 5))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_style_mixing_with_all_layers_from_b_is_b(generator):
    with torch.inference_mode():
        ws_a, ws_b = generator.mapping(generator.sample_latent(1, 1)), generator.mapping(generator.sample_latent(1, 2))
        mixed = ws_a.clone()
        mixed[:, 0:] = ws_b[:, 0:]
        assert torch.equal(generator.synthesis(mixed), generator.synthesis(ws_b))
        mixed_fine = ws_a.clone()
        mixed_fine[:, 5:] = ws_b[:, 5:]
        assert not torch.equal(generator.synthesis(mixed_fine), generator.synthesis(ws_a))


def test_noise_modes(generator):
    ws = generator.mapping(generator.sample_latent(1, 3))
    with torch.inference_mode():
        none_a, none_b = generator.synthesis(ws, "none"), generator.synthesis(ws, "none")
        const_a, const_b = generator.synthesis(ws, "const"), generator.synthesis(ws, "const")
        random_a, random_b = (
            generator.synthesis(ws, "random", noise_seed=1),
            generator.synthesis(ws, "random", noise_seed=2),
        )
        random_again = generator.synthesis(ws, "random", noise_seed=1)
        zero_strength = generator.synthesis(ws, "random", noise_strength=0.0, noise_seed=1)
    assert torch.equal(none_a, none_b) and torch.equal(const_a, const_b)
    assert not torch.equal(random_a, random_b)  # a different noise draw changes the image
    assert torch.equal(random_a, random_again)  # the noise seed makes it reproducible
    assert torch.allclose(zero_strength, none_a, atol=1e-6)
    with pytest.raises(ValueError, match="one value per layer \\(7\\)"):
        generator.synthesis(ws, "const", noise_strength=[1.0, 1.0])
    with pytest.raises(ValueError, match="noise_mode"):
        generator.synthesis(ws, "loud")


def test_truncation_pulls_towards_w_avg(generator):
    z = generator.sample_latent(8, seed=0)
    ws = generator.mapping(z, truncation_psi=1e-6)
    assert torch.allclose(ws, generator.w_avg.expand_as(ws), atol=1e-4)
    with torch.inference_mode():
        images = generator.generate(z, truncation_psi=1e-6)
    assert (images - images[:1]).abs().max() < 1e-3  # near-identical samples
    cut = generator.mapping(z, truncation_psi=0.0, truncation_cutoff=2)
    assert torch.allclose(cut[:, :2], generator.w_avg.expand(8, 2, -1)) and not torch.allclose(cut[:, 2:], cut[:1, 2:])


def test_save_load_round_trip_is_bit_equal(generator, tmp_path):
    folder = write_folder_atomically(tmp_path / "sg", lambda tmp: save_folder(tmp, generator))
    loaded = load_folder(folder, device="cpu")
    z = generator.sample_latent(2, seed=9)
    with torch.inference_mode():
        assert torch.equal(generator.generate(z), loaded.generate(z))
        assert torch.equal(
            generator.generate(z, noise_mode="random", noise_seed=3),
            loaded.generate(z, noise_mode="random", noise_seed=3),
        )
