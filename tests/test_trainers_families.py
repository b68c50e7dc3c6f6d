"""Every family trains through the shared event loop on real data and writes a loadable checkpoint."""

import pytest
import torch

from explorer import losses
from explorer.models import family_of
from explorer.models.biggan import BigGANConfig
from explorer.models.classifier import ClassifierConfig
from explorer.models.stylegan import StyleGANConfig
from explorer.models.vae import VAEConfig
from explorer.zoo import load_folder
from trainers.biggan import BigGANTrainConfig, train_biggan
from trainers.classifier import ClassifierTrainConfig, train_classifier
from trainers.events import Finished, Step, Stopped
from trainers.loop import saved_step
from trainers.stylegan import StyleGANTrainConfig, r1_penalty, train_stylegan
from trainers.vae import VAETrainConfig, train_vae

SHORT = dict(steps=6, batch_size=16, sample_every=3, save_every=100)


def stylegan_run(data, out, **kw):
    model = StyleGANConfig(latent_dim=8, w_dim=8, mapping_layers=2, width=8)
    config = StyleGANTrainConfig(**SHORT, r1_every=2, d_width=8, n_samples=4, fid_samples=0, model=model)
    return train_stylegan(config, out, data=data, device="cpu", **kw)


def biggan_run(data, out, **kw):
    config = BigGANTrainConfig(
        **SHORT, d_width=8, fid_samples=0, model=BigGANConfig(latent_dim=16, embed_dim=4, width=8)
    )
    return train_biggan(config, out, data=data, device="cpu", **kw)


def vae_run(data, out, test=None, **kw):
    config = VAETrainConfig(**SHORT, fid_samples=0, model=VAEConfig(width=8))
    return train_vae(config, out, data=data, test=test or data, device="cpu", **kw)


def classifier_run(data, out, test=None, **kw):
    config = ClassifierTrainConfig(**SHORT, model=ClassifierConfig(width=8, feature_dim=16))
    return train_classifier(config, out, data=data, test=test or data, device="cpu", **kw)


RUNS = {"stylegan": stylegan_run, "biggan": biggan_run, "vae": vae_run, "classifier": classifier_run}


@pytest.mark.parametrize("family", sorted(RUNS))
def test_family_trains_on_real_data_and_saves_a_loadable_folder(family, fashion_small, tmp_path):
    events = list(RUNS[family](fashion_small, tmp_path / family))
    steps = [e for e in events if isinstance(e, Step)]
    assert len(steps) == 6 and all(torch.isfinite(torch.tensor(list(s.metrics.values()))).all() for s in steps)
    assert isinstance(events[-1], Finished)
    model = load_folder(tmp_path / family, device="cpu")
    assert family_of(model).name == family
    assert saved_step(tmp_path / family) == 6
    assert f"python -m trainers {family}" in (tmp_path / family / "README.md").read_text()


def test_stylegan_resume_restores_generator_discriminator_and_ema(fashion_small, tmp_path):
    list(stylegan_run(fashion_small, tmp_path / "sg"))
    model = StyleGANConfig(latent_dim=8, w_dim=8, mapping_layers=2, width=8)
    config = StyleGANTrainConfig(
        steps=9,
        batch_size=16,
        sample_every=3,
        save_every=100,
        r1_every=2,
        d_width=8,
        n_samples=4,
        fid_samples=0,
        model=model,
    )
    events = list(train_stylegan(config, tmp_path / "sg", data=fashion_small, device="cpu", resume=True))
    assert events[0].step == 6 and saved_step(tmp_path / "sg") == 9


def test_biggan_nan_stops_the_run(fashion_small, tmp_path, monkeypatch):
    monkeypatch.setattr(losses, "discriminator_loss_hinge", lambda real, fake: real.mean() * float("nan"))
    events = list(biggan_run(fashion_small, tmp_path / "bg"))
    assert isinstance(events[-1], Stopped) and "d_loss" in events[-1].reason
    assert not (tmp_path / "bg").exists()  # nothing good to keep: nothing written


def test_r1_is_the_squared_input_gradient():
    class Quadratic(torch.nn.Module):
        def forward(self, x):
            return (x**2).sum(dim=(1, 2, 3))

    x = torch.randn(4, 1, 2, 2)
    # ∇_x Σ x² = 2x, so E‖∇‖² = 4 E‖x‖²
    assert torch.allclose(r1_penalty(Quadratic(), x), 4 * x.pow(2).sum(dim=(1, 2, 3)).mean())


def test_hinge_and_orthogonal_regularisation():
    assert losses.discriminator_loss_hinge(torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.0])) == pytest.approx(0.75)
    linear = torch.nn.Linear(3, 3, bias=False)
    with torch.no_grad():
        linear.weight.copy_(torch.eye(3) * 5)  # orthogonal rows of any norm: no penalty
    assert losses.orthogonal_regularization(linear).item() == pytest.approx(0.0)
    with torch.no_grad():
        linear.weight.fill_(1.0)
    assert losses.orthogonal_regularization(linear).item() == pytest.approx(6 * 9.0)
