import math

import pytest
import torch

from explorer import latent


def test_sampling_is_determined_by_the_seed_whatever_the_batch():
    a = latent.sample_normal(4, seed=7, shape=(100,))
    b = latent.sample_normal(1, seed=9, shape=(100,))
    assert torch.equal(a[2], b[0])  # row i of a batch from seed s is the single latent of seed s + i
    assert torch.equal(a, latent.sample_normal(4, seed=7, shape=(100,)))
    assert not torch.equal(a[0], a[1])


@pytest.mark.parametrize("seed", [-1, latent.MAX_SEED + 1, 2.5])
def test_bad_seeds_are_refused_with_the_range(seed):
    with pytest.raises(ValueError, match="Seed must be a whole number from 0 to 2147483647"):
        latent.sample_normal(1, seed=seed, shape=(4,))


def test_truncated_normal_resamples_inside_the_threshold():
    z = latent.truncated_normal(64, seed=0, shape=(128,), threshold=0.5)
    assert z.abs().max() <= 0.5
    # resampling (not clipping): no pile-up of values at the threshold
    assert (z.abs() > 0.499).float().mean() < 0.01
    # a truncated normal on [-a, a] is flatter than N(0,1) there: its std is well above a/3
    assert 0.25 < z.std() < 0.32  # analytic value ≈ 0.2837 for a = 0.5
    assert torch.equal(z, latent.truncated_normal(64, seed=0, shape=(128,), threshold=0.5))


def test_tiny_thresholds_still_give_a_truncated_normal():
    z = latent.truncated_normal(4, seed=0, shape=(256,), threshold=1e-3)
    assert z.abs().max() <= 1e-3
    assert z.std() > 4e-4  # spread over the interval (uniform-like: std ≈ a/√3), not collapsed to 0


def test_scaled_truncated_normal_is_truncation_times_tn2():
    z = latent.scaled_truncated_normal(8, seed=3, shape=(32,), truncation=0.4)
    assert z.abs().max() <= 0.8 + 1e-6
    assert torch.allclose(z, 0.4 * latent.truncated_normal(8, seed=3, shape=(32,), threshold=2.0))
    with pytest.raises(ValueError):
        latent.scaled_truncated_normal(1, 0, (4,), truncation=1.5)


@pytest.mark.parametrize("fn", [latent.lerp, latent.slerp])
def test_paths_start_at_a_and_end_at_b(fn):
    a, b = torch.randn(3, 50), torch.randn(3, 50)
    assert torch.allclose(fn(a, b, 0.0), a, atol=1e-5)
    assert torch.allclose(fn(a, b, 1.0), b, atol=1e-5)


def test_slerp_keeps_the_norm_of_equal_norm_endpoints():
    a, b = torch.randn(5, 100), torch.randn(5, 100)
    b = b / b.norm(dim=-1, keepdim=True) * a.norm(dim=-1, keepdim=True)
    for t in torch.linspace(0, 1, 11):
        assert torch.allclose(latent.slerp(a, b, float(t)).norm(dim=-1), a.norm(dim=-1), rtol=1e-4)


def test_lerp_dips_inside_the_shell_and_slerp_does_not():
    a, b = latent.sample_normal(2, seed=0, shape=(512,))
    mid_lerp, mid_slerp = latent.lerp(a, b, 0.5).norm(), latent.slerp(a, b, 0.5).norm()
    radius = latent.typical_radius(512)
    assert mid_lerp < 0.8 * radius  # ≈ √d / √2 for nearly orthogonal endpoints
    assert abs(mid_slerp - radius) < 0.1 * radius


def test_slerp_falls_back_to_lerp_for_parallel_vectors():
    a = torch.randn(10)
    for b in (a.clone(), 2 * a):
        out = latent.slerp(a, b, 0.3)
        assert torch.isfinite(out).all()
        assert torch.allclose(out, latent.lerp(a, b, 0.3), atol=1e-5)


def test_slerp_works_on_any_shape_and_broadcasts_t():
    a, b = torch.randn(2, 4, 8, 16), torch.randn(2, 4, 8, 16)
    assert latent.slerp(a, b, 0.5).shape == (2, 4, 8, 16)
    t = torch.linspace(0, 1, 7).view(7, 1, 1)
    path = latent.slerp(torch.randn(3, 16), torch.randn(3, 16), t)
    assert path.shape == (7, 3, 16)


def test_interpolation_path_shape_and_method_check():
    a, b = torch.randn(100), torch.randn(100)
    path = latent.interpolation_path(a, b, 9, "linear")
    assert path.shape == (9, 100)
    assert torch.allclose(path[4], (a + b) / 2, atol=1e-6)
    with pytest.raises(ValueError, match="unknown interpolation"):
        latent.interpolate(a, b, 0.5, "cubic")
    with pytest.raises(ValueError):
        latent.interpolation_path(a, b, 1)


def test_slerp_midpoint_angle_is_half():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    mid = latent.slerp(a, b, 0.5)
    assert torch.allclose(mid, torch.tensor([math.sqrt(0.5), math.sqrt(0.5)]), atol=1e-6)


def test_vector_arithmetic_averages_each_concept_group():
    a, b, c = torch.randn(3, 100), torch.randn(3, 100), torch.randn(3, 100)
    out = latent.vector_arithmetic(a, b, c)
    assert out.shape == (100,)
    assert torch.allclose(out, a.mean(0) - b.mean(0) + c.mean(0))
    same = torch.randn(1, 10)
    assert torch.allclose(latent.vector_arithmetic(same, same, same), same[0])
