"""The face StyleGAN (issue #32 item 3): its data, a run on it resumed, and the committed model's style bands.

The data are the committed faces DCGAN's images (``--data dcgan-digiface-64``, ``explorer.data.load_generated``); the
committed model ``stylegan-digiface-64`` was trained on them (its card says how), and its style mixing must show what
the lecture claims of it: the coarse rows (4²–8²) move the face's layout, the fine rows (64²) leave it and change
colour."""

import pytest
import torch

from explorer.data import GENERATED_DATASETS, load_dataset, load_generated
from explorer.models.stylegan import StyleGANConfig
from explorer.zoo import CHECKPOINTS, load_folder
from trainers.stylegan import StyleGANTrainConfig, train_stylegan

DATA = "dcgan-digiface-64"
FACES = "stylegan-digiface-64"


def test_the_data_are_the_dcgans_images_the_same_on_every_call():
    first, again = load_generated(DATA, "train", n=6), load_generated(DATA, "train", n=6)
    dcgan = load_folder(CHECKPOINTS / GENERATED_DATASETS[DATA][0], "cpu").float().eval()
    with torch.no_grad():
        direct = dcgan.generate(dcgan.sample_latent(6, 0)).clamp(-1, 1)
    assert first.images.shape == (6, 3, 64, 64) and first.name == DATA
    assert torch.equal(first.images, again.images) and torch.allclose(first.images, direct, atol=1e-6)
    assert torch.allclose(load_generated(DATA, "train", n=3).images, first.images[:3], atol=1e-5)  # image i: seed i
    held_out = load_generated(DATA, "test", n=6).images
    assert (held_out - first.images).abs().mean() > 0.05  # other latents: other faces
    assert not first.images.requires_grad and first.images.is_inference() is False  # R1 takes gradients through them


def test_a_model_of_the_wrong_shape_is_refused_by_name():
    with pytest.raises(ValueError, match="3×64²"):
        load_dataset(DATA, "train", resolution=32, channels=1)


@pytest.mark.slow
def test_a_run_on_the_faces_resumes_where_it_stopped(tmp_path):
    data = load_generated(DATA, "train", n=16)
    model = StyleGANConfig(channels=3, resolution=64, width=8)
    config = dict(batch_size=8, data=DATA, d_width=8, fid_samples=0, n_samples=4, save_every=2, model=model)
    events = list(train_stylegan(StyleGANTrainConfig(steps=2, **config), tmp_path, data=data, device="cpu"))
    assert type(events[-1]).__name__ == "Finished" and events[-1].step == 2
    card = (tmp_path / "README.md").read_text()
    assert "non-commercial research" in card and "license: other" in card and "16 images made by" in card
    resumed = list(
        train_stylegan(StyleGANTrainConfig(steps=3, **config), tmp_path, data=data, device="cpu", resume=True)
    )
    assert [e.step for e in resumed if type(e).__name__ == "Step"] == [3]  # one step more, from step 2
