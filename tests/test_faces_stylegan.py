"""The face StyleGAN (issue #32 item 3): its data, a run on it resumed, and the committed model's style bands.

The data are the committed faces DCGAN's images (``--data dcgan-digiface-64``, ``explorer.data.load_generated``); the
committed model ``stylegan-digiface-64`` was trained on them (its card says how), and its style mixing must show what
the lecture claims of it: the coarse rows (4²–8²) move the face's layout, the fine rows (64²) leave it and change
colour."""

import pytest
import torch
import torch.nn.functional as F

from explorer import latent
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


def band_changes(model, n: int = 8) -> dict[str, dict[str, float]]:
    """For each band: destinations (seeds 0…) with that band's ws rows from sources (seeds 1000…), and what changed:
    ``layout`` the mean |change| of the 4×4 block means (where the face, hair and background are), ``chroma`` the share
    of the change that is colour (the change minus its grey part)."""
    with torch.inference_mode():
        destinations, sources = model.mapping(model.sample_latent(n, 0)), model.mapping(model.sample_latent(n, 1000))
        before = model.synthesis(destinations, noise_mode="const").clamp(-1, 1)
        changes = {}
        for name, rows in latent.style_bands(model.ws_resolutions).items():
            mixed = destinations.clone()
            mixed[:, rows] = sources[:, rows]  # destination i with source i's rows of the band
            change = model.synthesis(mixed, noise_mode="const").clamp(-1, 1) - before
            grey = change.mean(dim=1, keepdim=True)
            changes[name] = {
                "layout": F.avg_pool2d(change, 16).abs().mean().item(),
                "chroma": ((change - grey).abs().mean() / change.abs().mean()).item(),
            }
    return changes


def noise_reach(model, rows: list[int], draws: int = 8) -> float:
    """The share of what the noise of ``rows`` alone changes (over ``draws`` noise draws) that survives 8×8 block
    means: near 1 for noise that moves large regions, near 0 for pixel-scale detail."""
    strengths = [1.0 if i in rows else 0.0 for i in range(model.num_ws)]
    with torch.inference_mode():
        ws = model.mapping(model.sample_latent(4, 0))
        images = torch.stack([model.synthesis(ws, "random", strengths, seed).clamp(-1, 1) for seed in range(draws)])
    spread = (images - images.mean(dim=0)).flatten(0, 1)
    return (F.avg_pool2d(spread, 8).abs().mean() / spread.abs().mean()).item()


@pytest.mark.slow  # ~3 s on an idle core, 16 s on the shared one
def test_the_committed_face_stylegan_has_the_papers_bands():
    """Fig. 3 and 5 on the committed model: coarse styles (4²–8²) move the layout (4×4 block means) several times
    more than fine ones (64²), whose change is more colour; fine noise acts at pixel scale, coarse noise on regions."""
    model = load_folder(CHECKPOINTS / FACES, "cpu").eval()
    assert model.resolution == 64 and model.ws_resolutions == [4, 8, 8, 16, 16, 32, 32, 64, 64]
    bands = latent.style_bands(model.ws_resolutions)
    assert bands == {"coarse": [0, 1, 2], "middle": [3, 4, 5, 6], "fine": [7, 8]}  # the paper's own, not mapped
    changes = band_changes(model)
    assert changes["coarse"]["layout"] > 2.5 * changes["fine"]["layout"]  # measured 4.4× (step 4500)
    assert changes["fine"]["chroma"] > 1.5 * changes["coarse"]["chroma"]  # measured 0.52 against 0.20
    assert noise_reach(model, bands["fine"]) < 0.5 * noise_reach(model, bands["coarse"])  # measured 0.12, 0.85
