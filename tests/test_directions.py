"""Latent directions (SeFa, GANSpace, supervised) and inversion, on the committed models."""

import numpy as np
import pytest
import torch
from PIL import Image

from explorer import directions as dirs
from explorer import inversion
from explorer.data import FASHION_MNIST_CLASSES
from explorer.ui.tabs import directions as tab
from explorer.ui.tabs.directions import edits
from explorer.ui.tabs.directions import inversion as tab_inversion


@pytest.mark.parametrize("name", ["dcgan-fashion-mnist", "stylegan-fashion-mnist"])
def test_sefa_directions_are_orthonormal_top_eigenvectors(default_zoo, name):
    model = default_zoo.load(name)
    found = dirs.sefa(model, k=6)
    v = found.vectors.double()
    assert torch.allclose(v @ v.T, torch.eye(6, dtype=torch.float64), atol=1e-5)  # orthonormal
    a = dirs.projection(model)
    values, vectors = torch.linalg.eigh(a.T @ a)
    top = vectors[:, values.argsort(descending=True)[:6]].T
    assert torch.allclose((v * top).sum(1).abs(), torch.ones(6, dtype=torch.float64), atol=1e-4)  # same axes (±)
    assert (found.scores[:-1] >= found.scores[1:]).all()  # largest first
    gain = (a @ v.T).norm(dim=0)  # how far y moves per unit step: the top direction moves it most
    random = torch.nn.functional.normalize(torch.randn(50, a.shape[1], dtype=torch.float64), dim=1)
    assert gain[0] > (a @ random.T).norm(dim=0).max()


def test_sefa_reads_the_dcgan_first_layer_exactly(default_zoo):
    model = default_zoo.load("dcgan-fashion-mnist")
    weight = model.net[0].weight.detach().double()  # (d, C, 4, 4): y = Wᵀ z for a 1×1 input
    assert torch.allclose(dirs.projection(model), weight.reshape(weight.shape[0], -1).T, atol=1e-5)


def test_style_layers_are_found_for_every_ws_row(default_zoo):
    model = default_zoo.load("stylegan-fashion-mnist")
    rows = sorted({row for row, _ in dirs.style_modules(model)})
    assert rows == list(range(model.num_ws))
    coarse = dirs.projection(model, rows=[0, 1])
    assert coarse.shape[0] < dirs.projection(model).shape[0]  # fewer style layers read rows 0–1


def test_ganspace_recovers_the_principal_axes_of_a_linear_first_layer():
    """Features y = M z with known singular vectors: PCA of y, carried back to z by regression, finds M's right
    singular vectors in order (GANSpace on a model whose first layer is linear)."""
    torch.manual_seed(0)
    d, f = 12, 40
    u, _ = torch.linalg.qr(torch.randn(f, d))
    v, _ = torch.linalg.qr(torch.randn(d, d))
    s = torch.tensor([10.0, 7, 5, 3.5, 2.5, 1.8, 1.2, 0.9, 0.6, 0.4, 0.2, 0.1])
    m = u @ torch.diag(s) @ v.T  # (f, d)

    class Linear(torch.nn.Module):
        latent_dim = d

    found = dirs.ganspace(Linear(), n=20_000, k=4, features=lambda z: z @ m.T)
    cosines = (found.vectors.double() * v[:, :4].T.double()).sum(1).abs()
    assert (cosines > 0.99).all(), cosines
    expected = s[:4] ** 2 / (s**2).sum()
    assert torch.allclose(found.scores.double(), expected.double(), rtol=0.1)


def test_ganspace_on_the_dcgan_gives_unit_directions_ranked_by_variance(default_zoo):
    found = dirs.ganspace(default_zoo.load("dcgan-fashion-mnist"), n=1000, k=5)
    assert torch.allclose(found.vectors.norm(dim=1), torch.ones(5), atol=1e-5)
    assert (found.scores[:-1] >= found.scores[1:]).all() and 0 < found.scores.sum() < 1


def test_a_classifier_direction_raises_its_class_probability_along_alpha(default_zoo):
    model, classifier = default_zoo.load("dcgan-fashion-mnist"), default_zoo.load("classifier-fashion-mnist")
    trouser = FASHION_MNIST_CLASSES.index("Trouser")
    found = dirs.classifier_direction(model, classifier, trouser, n=600)
    alphas = [-2, -1, 0, 1, 2, 3]
    rising = 0
    for seed in range(500, 510):
        pictures = dirs.edit(model, dirs.latents(model, 1, seed), found, 0, alphas)
        with torch.no_grad():
            p = torch.softmax(classifier(pictures), 1)[:, trouser]
        rising += bool((p.diff() >= -0.02).all() and p[-1] > p[0])
    assert rising >= 8  # monotone for most seeds


def test_projecting_out_makes_the_direction_orthogonal():
    a, b = torch.tensor([1.0, 1.0, 0.0]), torch.tensor([1.0, 0.0, 0.0])
    c = dirs.project_out(a, b)
    assert abs(float(c @ b)) < 1e-6 and abs(float(c.norm()) - 1) < 1e-6


def test_an_edit_moves_only_the_rows_asked_for(default_zoo):
    model = default_zoo.load("stylegan-fashion-mnist")
    found = dirs.sefa(model, k=3)
    code = dirs.latents(model, 1, 3)
    same = dirs.edit(model, code, found, 0, [0.0])
    with torch.no_grad():
        assert torch.allclose(
            same, model.synthesis(model.mapping(model.latents_of([3])), noise_mode="const"), atol=1e-5
        )
    fine = dirs.edit(model, code, found, 0, [3.0], rows=[model.num_ws - 1])
    everywhere = dirs.edit(model, code, found, 0, [3.0])
    assert 0 < (fine - same).abs().mean() < (everywhere - same).abs().mean()


def test_labelled_seeds_give_a_direction_and_bad_labels_a_clear_error(default_zoo):
    model = default_zoo.load("dcgan-digiface-64")
    found = dirs.labelled_direction(model, [4, 31, 35, 53], [0, 5, 30, 45])
    assert found.scores[0] == 1.0 and abs(float(found.vectors[0].norm()) - 1) < 1e-5
    with pytest.raises(ValueError, match="both"):
        dirs.labelled_direction(model, [1, 2], [2, 3])
    with pytest.raises(ValueError, match="at least 2"):
        dirs.labelled_direction(model, [1], [2, 3])


def test_inverting_a_generated_image_recovers_it_better_than_any_of_100_seeds(default_zoo):
    model = default_zoo.load("dcgan-fashion-mnist")
    with torch.no_grad():
        target = model.generate(dirs.latents(model, 1, 123_456))
        candidates = model.generate(dirs.latents(model, 100, 0))
    best_seed_rmse = float((candidates - target).square().flatten(1).mean(1).sqrt().min())
    steps = list(inversion.invert(model, target, steps=60, every=20))
    assert [p.step for p in steps] == [0, 20, 40, 60]
    final = steps[-1]
    assert final.rmse < 0.6 * best_seed_rmse and final.rmse < 0.25, (final.rmse, best_seed_rmse)
    assert not inversion.far_from_domain(final.rmse)


def test_an_uploaded_picture_is_cropped_resized_and_coloured_for_the_model(default_zoo):
    faces = default_zoo.load("dcgan-digiface-64")
    picture = Image.fromarray(np.full((90, 120, 3), 200, np.uint8))
    target = inversion.target_tensor(picture, faces)
    assert target.shape == (1, 3, 64, 64) and abs(float(target.mean()) - (200 / 127.5 - 1)) < 1e-3
    grey = inversion.target_tensor(picture, default_zoo.load("dcgan-fashion-mnist"))
    assert grey.shape == (1, 1, 32, 32)
    with pytest.raises(ValueError, match="at least 8"):
        inversion.target_tensor(Image.new("RGB", (4, 4)), faces)


def test_the_tab_renders_edits_and_says_what_is_wrong(default_zoo):
    import gradio as gr

    args = ["dcgan-digiface-64", "SeFa (closed form)", "Trouser", "none", "all rows", "", ""]
    figure, grid, png, dropdown, summary = edits.overview(default_zoo, *args, 4, "", 0)
    assert grid.width > 7 * 64 and "direction" in summary and len(dropdown.choices) == edits.TOP
    still = edits.render_edit(default_zoo, *args, "0 · SeFa 0", 0.0, 4, "")
    moved = edits.render_edit(default_zoo, *args, "0 · SeFa 0", 3.0, 4, "")
    assert still.size == (256, 256) and np.abs(np.asarray(still, float) - np.asarray(moved, float)).mean() > 5
    with pytest.raises(gr.Error, match="Fashion-MNIST classes only"):
        edits.overview(default_zoo, "dcgan-digiface-64", "Classifier (a Fashion-MNIST class)", *args[2:], 4, "", 0)
    with pytest.raises(gr.Error, match="α"):
        edits.render_edit(default_zoo, *args, "0 · SeFa 0", 99, 4, "")
    with pytest.raises(gr.Error, match="invert it again"):
        edits.render_edit(default_zoo, *args, "0 · SeFa 0", 1.0, 4, "inv-unknown")


def test_the_tab_inverts_a_test_image_and_then_edits_it(default_zoo):
    updates = list(tab_inversion.invert(default_zoo, "dcgan-fashion-mnist", None, 7, 20))
    pair, status, key = updates[-1]
    assert key.startswith("inv-") and "RMSE" in status
    assert isinstance(updates[0][0], Image.Image)  # progress is shown while it runs
    args = ["dcgan-fashion-mnist", "SeFa (closed form)", "Trouser", "none", "all rows", "", ""]
    edited = edits.render_edit(default_zoo, *args, "1 · SeFa 1", 2.0, 4, key)
    from_seed = edits.render_edit(default_zoo, *args, "1 · SeFa 1", 2.0, 4, "")
    assert np.abs(np.asarray(edited, float) - np.asarray(from_seed, float)).mean() > 1


def test_any_generator_with_an_affine_latent_input_gets_sefa_and_ganspace():
    """Directions asks a capability, not a class: a new generator whose z enters through a linear layer declares
    AffineLatentInput and gets SeFa (its A is that layer's weight) and GANSpace (its first block)."""
    from types import SimpleNamespace

    from torch import nn

    from explorer import directions as found
    from explorer.models import AffineLatentInput

    class LinearIn(AffineLatentInput, nn.Module):
        def __init__(self):
            super().__init__()
            self.config = SimpleNamespace(latent_dim=6, resolution=4)
            self.first = nn.Linear(6, 12)

        def latent_layer(self):
            return self.first

        def first_block(self):
            return lambda z: torch.relu(self.first(z))

        def generate(self, latent):
            return torch.tanh(self.first(latent)).view(-1, 1, 3, 4)

    torch.manual_seed(0)
    model = LinearIn()
    a = found.projection(model).float()
    assert torch.allclose(a, model.first.weight.detach(), atol=1e-5)  # A of an affine map is its linear part
    expected = torch.linalg.eigh(a.T @ a).eigenvectors[:, -1]
    top = found.sefa(model, k=2).vectors[0]
    assert abs(float(top @ expected)) == pytest.approx(1.0, abs=1e-4)  # the top eigenvector of AᵀA
    assert found.ganspace(model, n=200, k=3).vectors.shape == (3, 6)
    with pytest.raises(ValueError, match="neither"):
        found.check_supported(nn.Linear(2, 2))


def test_an_upload_that_is_not_a_picture_is_said_at_once_and_cleared(default_zoo, tmp_path):
    """Issue #33: a text file named fake.png showed a broken image, and Invert did nothing, with no message."""
    import gradio as gr

    from explorer.ui.previews import Previews

    fake = tmp_path / "fake.png"
    fake.write_text("not a picture")
    with pytest.raises(gr.Error) as error:
        tab_inversion.check_upload({"path": str(fake), "orig_name": "fake.png", "meta": {"_type": "gradio.FileData"}})
    assert error.value.message == "fake.png is not an image: upload a PNG, JPEG or WebP picture"  # one line
    real = tmp_path / "real.png"
    Image.new("RGB", (32, 32), (200, 10, 10)).save(real)
    assert tab_inversion.check_upload({"path": str(real)}) is None and tab_inversion.check_upload(None) is None

    with gr.Blocks() as demo:
        tab.build(default_zoo, Previews())
    [upload] = [i for i, b in demo.blocks.items() if getattr(b, "elem_id", None) == "dir-upload"]
    [check] = [f for f in demo.fns.values() if (upload, "upload") in f.targets]
    assert getattr(check.fn, "__name__", "") == "check_upload" and check.preprocess is False  # the raw file: PIL says
    [clear] = [f for f in demo.fns.values() if f.trigger_after == check._id]
    assert clear.trigger_only_on_failure and [o._id for o in clear.outputs] == [upload] and clear.fn() is None
