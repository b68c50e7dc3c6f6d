"""Every GAN objective the trainers offer, checked against its formula."""

import math

import pytest
import torch
import torch.nn.functional as F

from explorer import losses
from trainers.dcgan import DCGANTrainConfig


def test_gradient_penalty_matches_a_finite_difference_gradient():
    torch.manual_seed(0)
    critic = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    real, fake = torch.randn(4, 3, dtype=torch.double), torch.randn(4, 3, dtype=torch.double)
    eps = torch.rand((4, 1), generator=torch.Generator().manual_seed(1)).double()  # as the penalty draws it
    penalty = losses.gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(1))
    # the same penalty from central differences of the critic at x̂ = εx + (1 − ε)x̃
    mixed = eps * real + (1 - eps) * fake
    h, norms = 1e-6, []
    with torch.no_grad():
        for x in mixed:
            grad = [
                (critic(x + h * e).item() - critic(x - h * e).item()) / (2 * h)
                for e in torch.eye(3, dtype=torch.double)
            ]
            norms.append(math.sqrt(sum(g * g for g in grad)))
    expected = sum((n - 1) ** 2 for n in norms) / len(norms)
    assert penalty.item() == pytest.approx(expected, rel=1e-6)


def test_weight_clipping_keeps_every_critic_weight_in_range():
    critic = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Conv2d(4, 1, 3))
    torch.nn.init.normal_(critic[0].weight, std=5.0)
    losses.clip_weights(critic, 0.01)
    assert all(p.abs().max() <= 0.01 for p in critic.parameters())
    assert any(p.abs().max() == 0.01 for p in critic.parameters())  # clamped, not zeroed


def test_lsgan_and_label_smoothing_formulas():
    real, fake = torch.tensor([0.5, 2.0]), torch.tensor([-1.0, 0.25])
    assert losses.discriminator_loss_least_squares(real, fake).item() == pytest.approx(
        0.5 * ((0.5 - 1) ** 2 + (2 - 1) ** 2) / 2 + 0.5 * (1 + 0.0625) / 2
    )
    assert losses.generator_loss_least_squares(fake).item() == pytest.approx(0.5 * (4 + 0.5625) / 2)
    smoothed = losses.discriminator_loss(real, fake, label_smoothing=0.1)
    bce = F.binary_cross_entropy_with_logits(real, torch.full_like(real, 0.9)) + F.binary_cross_entropy_with_logits(
        fake, torch.zeros_like(fake)
    )
    assert smoothed.item() == pytest.approx(bce.item(), rel=1e-6)


def test_wasserstein_losses_and_recipes():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([-2.0, 0.0])
    assert losses.critic_loss_wasserstein(real, fake).item() == pytest.approx(-1.0 - 2.0)
    assert losses.generator_loss_wasserstein(fake).item() == pytest.approx(1.0)
    wgan, gp = losses.OBJECTIVES["wgan"], losses.OBJECTIVES["wgan-gp"]
    assert (wgan.optimizer, wgan.lr, wgan.clip, wgan.d_steps) == ("rmsprop", 5e-5, 0.01, 5)
    assert (gp.optimizer, gp.lr, gp.betas, gp.gp_lambda, gp.d_steps) == ("adam", 1e-4, (0.0, 0.9), 10.0, 5)
    config = DCGANTrainConfig(loss="wgan-gp", fid_samples=0)
    assert (config.lr, config.beta1, config.d_steps, config.gp_lambda, config.d_norm) == (1e-4, 0.0, 5, 10.0, "layer")


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(lr=0), "learning rates > 0"),
        (dict(lr=-1e-3), "learning rates > 0"),
        (dict(d_steps=0), "n_critic"),
        (dict(loss="wgan", label_smoothing=0.1), "label smoothing and soft labels apply to the BCE"),
        (dict(loss="hinge", soft_labels=True), "soft labels apply to the BCE"),
        (dict(soft_labels=True, label_smoothing=0.1), "not both"),
        (dict(label_flip=0.7), "flip rate must be between 0 and 0.5"),
        (dict(d_activation="tanh"), "d_activation must be 'leaky-relu' or 'relu'"),
        (dict(d_batches="half"), "d_batches must be 'separate' or 'mixed'"),
        (dict(d_norm="group"), "d_norm must be one of batch, layer, instance, none"),
        (dict(loss="nope"), "loss must be one of"),
    ],
)
def test_bad_recipes_are_refused_before_training(overrides, message):
    with pytest.raises(ValueError, match=message):
        DCGANTrainConfig(fid_samples=0, **overrides)


def test_soft_targets_lie_in_the_gan_hacks_ranges_and_hard_targets_give_bce():
    generator = torch.Generator().manual_seed(0)
    real, fake = losses.soft_targets(10_000, True, generator), losses.soft_targets(10_000, False, generator)
    assert 0.7 <= real.min() and real.max() <= 1.2 and abs(real.mean() - 0.95) < 0.01
    assert 0.0 <= fake.min() and fake.max() <= 0.3 and abs(fake.mean() - 0.15) < 0.01
    l_real, l_fake = torch.randn(8), torch.randn(8)
    ones, zeros = torch.ones(8), torch.zeros(8)
    hard = losses.discriminator_loss_targets(l_real, l_fake, ones, zeros)
    assert torch.allclose(hard, losses.discriminator_loss(l_real, l_fake))
    smoothed = losses.discriminator_loss_targets(l_real, l_fake, 0.9 * ones, zeros)
    assert torch.allclose(smoothed, losses.discriminator_loss(l_real, l_fake, 0.1))
    # a soft target moves D's optimum off the saturated ends: the gradient at a confident real logit is no longer ~0
    confident = torch.tensor([8.0], requires_grad=True)
    losses.discriminator_loss_targets(confident, torch.zeros(1), torch.tensor([0.8]), torch.zeros(1)).backward()
    assert confident.grad.item() > 0.19  # σ(8) − 0.8 ≈ 0.2: pushed back down


def test_flipping_swaps_a_fraction_of_the_pairs():
    real, fake = torch.arange(10_000.0), -torch.arange(10_000.0) - 1
    same_real, same_fake, none = losses.flip_pairs(real, fake, 0.0)
    assert torch.equal(same_real, real) and torch.equal(same_fake, fake) and not none.any()
    swapped_real, swapped_fake, every = losses.flip_pairs(real, fake, 1.0)
    assert torch.equal(swapped_real, fake) and torch.equal(swapped_fake, real) and every.all()
    called_real, called_fake, flipped = losses.flip_pairs(real, fake, 0.3, torch.Generator().manual_seed(0))
    assert abs(flipped.float().mean().item() - 0.3) < 0.02
    assert torch.equal(called_real[flipped], fake[flipped]) and torch.equal(called_real[~flipped], real[~flipped])
    assert torch.equal(called_fake[flipped], real[flipped])
    with pytest.raises(ValueError, match="flip rate must be between 0 and 1"):
        losses.flip_pairs(real, fake, 1.5)


def test_orthogonal_regularisation_is_zero_for_orthogonal_filters_whatever_their_norms():
    layer = torch.nn.Linear(16, 8, bias=False)
    torch.nn.init.orthogonal_(layer.weight)  # 8 orthonormal rows of length 16
    assert losses.orthogonal_regularization(layer).item() < 1e-9
    with torch.no_grad():
        layer.weight.mul_(torch.linspace(0.5, 3.0, 8)[:, None])  # the relaxed form leaves the norms free
    assert losses.orthogonal_regularization(layer).item() < 1e-9
    with torch.no_grad():
        layer.weight[1] = layer.weight[0]  # two equal filters: ⟨w₀, w₁⟩² counted twice
    expected = 2 * layer.weight[0].dot(layer.weight[0]).item() ** 2
    assert losses.orthogonal_regularization(layer).item() == pytest.approx(expected, rel=1e-5)
