"""The committed faces model (checkpoints/dcgan-digiface-64) against the package it was converted from.

`.ci/run` installs ``gan-face-generate`` with ``--no-deps`` (its weights and model code need only torch)."""

import torch

from explorer import convert, hub
from explorer.ui.tabs import arithmetic


def test_the_committed_faces_model_equals_the_packages_own_generator(default_zoo):
    from gan_face_generate.models import Generator

    weights, meta = convert.package_weights()
    reference = Generator(ngpu=0, nc=3, nz=100, ngf=64)
    reference.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True)["netG_state_dict"])
    reference.eval()
    ours = default_zoo.load("dcgan-digiface-64")
    z = ours.sample_latent(8, seed=11)
    with torch.no_grad():
        expected, got = reference(z.view(8, 100, 1, 1)), ours.generate(z)
    assert got.shape == (8, 3, 64, 64) and expected.std() > 0.2  # faces, not a flat image
    assert (got - expected).abs().max() < 0.02  # fp16-stored weights, fp32 compute; pixels in [-1, 1]
    card = (default_zoo.entry("dcgan-digiface-64").folder / "README.md").read_text()
    assert meta["version"] in card and "non-commercial" in card
    assert "non-commercial" in default_zoo.entry("dcgan-digiface-64").license


def test_converting_the_package_again_gives_the_committed_weights(tmp_path, default_zoo):
    """``python -m explorer.convert gan-face-generate`` is the one command the model card states."""
    assert convert.main(["gan-face-generate", "--out", str(tmp_path / "faces")]) == 0
    again, committed = hub.load(str(tmp_path / "faces"), "cpu"), default_zoo.load("dcgan-digiface-64")
    assert all(
        torch.equal(a, b) for a, b in zip(again.state_dict().values(), committed.state_dict().values(), strict=True)
    )
    assert (tmp_path / "faces" / "LICENSE").read_text().startswith("Copyright (c) 2023")


def test_the_arithmetic_tab_opens_the_faces_model_on_its_glasses_example(default_zoo):
    radio, a, b, c = arithmetic.switch_model(default_zoo, "dcgan-digiface-64")
    assert (a, b, c) == ("4, 31, 92", "5, 30, 57", "0, 45, 47")  # the manifest's groups, picked by eye
    row, grid, _ = arithmetic.arithmetic(default_zoo, "dcgan-digiface-64", a, b, c, "z space", 0.25, 0)
    assert row.mode == "RGB" and grid.size[0] >= 3 * 64


def test_pixel_arithmetic_beside_the_latent_result_is_a_ghostly_overlay(default_zoo):
    """DCGAN Fig. 7's bottom rows: the same A − B + C on the images themselves is a blend, not a new face."""
    import numpy as np

    row, _, _ = arithmetic.arithmetic(
        default_zoo, "dcgan-digiface-64", "4, 31, 92", "5, 30, 57", "0, 45, 47", "z space", 0.25, 0
    )
    tiles = np.asarray(row, float)
    pitch = (row.width - 4) // 5  # five tiles (mean A, mean B, mean C, the result, the pixel result), 4 px apart
    latent_result, pixel_result = tiles[:, 3 * pitch + 4 : 4 * pitch], tiles[:, 4 * pitch + 4 : 5 * pitch]
    assert row.width > 4 * row.height and latent_result.shape == pixel_result.shape
    assert np.abs(latent_result - pixel_result).mean() > 5  # not the same picture
