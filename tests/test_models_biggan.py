import threading

import pytest
import torch

from explorer.models.biggan import BigGANConfig, BigGANDiscriminator, BigGANGenerator
from explorer.zoo import load_folder, save_folder, write_folder_atomically

CONFIG = BigGANConfig(latent_dim=16, embed_dim=8, width=8)


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)
    g = BigGANGenerator(CONFIG)
    with torch.no_grad():  # settle batch-norm statistics and spectral-norm vectors
        for _ in range(3):
            g(torch.randn(16, 16), g.class_vector(list(range(10)) + list(range(6))))
    return g.eval()


def test_shapes_and_classes(generator):
    z = generator.sample_latent(4, seed=0)
    images = generator.generate(z, ["Trouser", "Bag", 3, 9])
    assert images.shape == (4, 1, 32, 32) and images.abs().max() <= 1
    assert BigGANDiscriminator(CONFIG, width=8)(images, generator.class_vector([1, 8, 3, 9])).shape == (4,)
    assert generator.class_index("Ankle boot") == 9


def test_class_decides_the_image_and_soft_vectors_interpolate(generator):
    z = generator.sample_latent(1, seed=2)
    with torch.inference_mode():
        trouser, bag = generator.generate(z, ["Trouser"]), generator.generate(z, ["Bag"])
        soft = torch.zeros(1, 10)
        soft[0, 1] = 1.0
        assert torch.equal(generator.generate(z, soft), trouser)
        soft[0, 1], soft[0, 8] = 0.5, 0.5
        middle = generator.generate(z, soft)
    assert not torch.equal(trouser, bag)
    assert not torch.equal(middle, trouser) and not torch.equal(middle, bag)


def test_bad_classes_name_what_is_expected(generator):
    with pytest.raises(ValueError, match="unknown class 'Hat'; classes: T-shirt/top"):
        generator.generate(generator.sample_latent(1, 0), ["Hat"])
    with pytest.raises(ValueError, match="shape \\(n, 10\\)"):
        generator.class_vector(torch.ones(1, 3))
    with pytest.raises(ValueError, match="truncation threshold must be > 0"):
        generator.sample_latent(1, 0, truncation=0.0)


def test_truncation_resamples_and_near_zero_gives_near_identical_samples(generator):
    z = generator.sample_latent(8, seed=0, truncation=0.5)
    assert z.abs().max() <= 0.5
    tiny = generator.sample_latent(8, seed=0, truncation=1e-3)
    with torch.inference_mode():
        images = generator.generate(tiny, ["Dress"] * 8)
    assert (images - images[:1]).abs().max() < 0.05


def test_save_load_round_trip_is_bit_equal(generator, tmp_path):
    folder = write_folder_atomically(tmp_path / "bg", lambda tmp: save_folder(tmp, generator))
    loaded = load_folder(folder, device="cpu")
    z = generator.sample_latent(3, seed=5)
    with torch.inference_mode():
        assert torch.equal(generator.generate(z, [0, 1, 2]), loaded.generate(z, [0, 1, 2]))


def test_attention_weights_sum_to_one_and_leave_the_images_unchanged(generator):
    z = generator.sample_latent(3, seed=1)
    vectors = generator.class_vector([0, 4, 9])
    with torch.inference_mode():
        images, weights = generator.attention_maps(z, vectors)
        assert torch.equal(images, generator(z, vectors))
    assert weights.shape == (3, 16 * 16, 8 * 8)  # queries at 16², keys on the 2×-pooled 8² grid
    assert torch.allclose(weights.sum(-1), torch.ones(3, 256), atol=1e-5) and weights.min() >= 0
    assert not torch.allclose(weights[0, 0], weights[0, 255])  # positions attend differently


def test_attention_maps_ignore_another_threads_concurrent_pass(generator):
    """The app renders the sample grid and the attention map from one model at once: a pass of another thread
    that reaches the attention block first must not be taken for ours (it showed the wrong sample's map)."""
    z, vectors = generator.sample_latent(2, seed=1), generator.class_vector([0, 4])
    with torch.inference_mode():
        _, expected = generator.attention_maps(z[:1], vectors[:1])

    def other_pass_first(module, args):  # on the first block, i.e. before our pass reaches the attention block
        if threading.current_thread() is threading.main_thread():
            thread = threading.Thread(target=lambda: generator(z[1:], vectors[1:]))
            with torch.inference_mode():
                thread.start()
                thread.join()

    handle = generator.blocks[0].register_forward_pre_hook(other_pass_first)
    try:
        with torch.inference_mode():
            _, weights = generator.attention_maps(z[:1], vectors[:1])
    finally:
        handle.remove()
    assert torch.equal(weights, expected)


def test_with_chunk_redraws_one_chunk_only(generator):
    z = generator.sample_latent(2, seed=3)
    chunk = CONFIG.chunk
    new = torch.full((2, chunk), 7.0)
    for k in range(CONFIG.num_blocks + 1):
        out = generator.with_chunk(z, k, new)
        changed = (out != z).any(dim=0)
        assert changed.nonzero().flatten().tolist() == list(range(k * chunk, (k + 1) * chunk))
    assert len(generator.chunk_names()) == CONFIG.num_blocks + 1
    with pytest.raises(ValueError, match="chunk must be between 0 and 3"):
        generator.with_chunk(z, 4, new)


def test_conditional_bn_gain_and_bias_are_what_the_block_applies(generator):
    z = generator.sample_latent(2, seed=4)
    cond = generator.conditioning(z, generator.class_vector([1, 2]))
    bn = generator.blocks[0].bn0
    gain, bias = bn.gain_and_bias(cond[0])
    x = torch.randn(2, bn.bn.num_features, 4, 4)
    with torch.inference_mode():
        expected = bn.bn(x) * gain[:, :, None, None] + bias[:, :, None, None]
        assert torch.allclose(bn(x, cond[0]), expected)


def test_projection_class_scores_add_up_to_the_logit():
    torch.manual_seed(1)
    discriminator = BigGANDiscriminator(CONFIG, width=8).eval()
    images = torch.rand(3, 1, 32, 32) * 2 - 1
    with torch.inference_mode():
        psi, projection = discriminator.class_scores(images)
        for y in (0, 5, 9):
            vectors = torch.nn.functional.one_hot(torch.full((3,), y), 10).float()
            assert torch.allclose(discriminator(images, vectors), psi + projection[:, y], atol=1e-5)
