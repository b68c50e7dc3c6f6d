"""The alias-free lecture points: dragging the input (StyleGAN3's transform, StyleGAN2's constant) and the
texture-sticking average."""

import json
import threading
from pathlib import Path

import gradio as gr
import pytest
import torch
from safetensors.torch import load_file

from explorer.alias_free import drag, move_constant, moved_constant, sticking_average
from explorer.models.stylegan import StyleGANConfig, StyleGANGenerator
from explorer.models.stylegan2 import StyleGAN2, StyleGAN2Config
from explorer.models.stylegan3 import from_nvidia, input_transform
from explorer.ui.tabs.stylemix import motion
from explorer.zoo import Zoo

DATA = Path(__file__).parent / "data" / "stylegan3"
CHECKPOINTS = Path(__file__).parents[1] / "checkpoints"


@pytest.fixture(scope="module")
def sg3():
    return from_nvidia(json.loads((DATA / "t32.json").read_text()), load_file(DATA / "t32.safetensors"))


@pytest.fixture(scope="module")
def sg2():
    torch.manual_seed(0)
    return StyleGAN2(StyleGAN2Config(size=16, style_dim=16, n_mlp=2, widths=[16, 16, 16])).eval()


def test_stylegan3_drag_is_its_input_transform(sg3):
    ws = sg3.mapping(sg3.sample_latent(1, 0))
    with torch.no_grad():
        expected = sg3.synthesis(ws, transform=input_transform((1.5 / 32, -2 / 32), 30)).clamp(-1, 1)
        still = sg3.synthesis(ws).clamp(-1, 1)
    torch.testing.assert_close(drag(sg3, ws, (1.5, -2), 30), expected)
    moved = drag(sg3, ws, (1, 0))  # a whole pixel right: the image shifts by it, but for the border
    assert (moved[..., 4:28, 5:29] - still[..., 4:28, 4:28]).abs().max() < 1e-3


def test_moving_a_constant_by_one_of_its_pixels_shifts_it():
    x = torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(move_constant(x, (0, 0), 0, 16), x)
    torch.testing.assert_close(move_constant(x, (4, 0), 0, 16)[..., 1:], x[..., :-1])  # 16 / 4 = 4 px per cell
    torch.testing.assert_close(move_constant(x, (0, 4), 0, 16)[..., 1:, :], x[..., :-1, :])
    torch.testing.assert_close(move_constant(x, (0, 0), 90, 16), torch.rot90(x, 1, (2, 3)), atol=1e-6, rtol=0)


@pytest.mark.parametrize("family", ["stylegan2", "stylegan"])
def test_stylegan2_drag_moves_only_this_threads_constant(family, sg2):
    model = sg2 if family == "stylegan2" else StyleGANGenerator(StyleGANConfig(latent_dim=8, w_dim=8, width=8)).eval()
    ws = model.mapping(model.sample_latent(1, 0))
    with torch.no_grad():
        still = model.synthesis(ws, "const").clamp(-1, 1)
        torch.testing.assert_close(drag(model, ws), still, atol=1e-6, rtol=0)
        assert (drag(model, ws, (3, 1), 20) - still).abs().max() > 1e-3
        seen = {}
        with moved_constant(model, (3, 1), 20):
            other = threading.Thread(target=lambda: seen.update(image=model.synthesis(ws, "const").clamp(-1, 1)))
            other.start()
            other.join()
        assert torch.equal(seen["image"], still)  # another thread's pass saw the original constant
        assert torch.equal(model.synthesis(ws, "const").clamp(-1, 1), still)  # and the hook is gone


def test_sticking_average(sg2):
    with torch.no_grad():
        one = sg2.generate(sg2.latents_of([5]), 0.7)
    torch.testing.assert_close(sticking_average(sg2, 5, frames=3, radius=0.0), one)
    blurred = sticking_average(sg2, 5, frames=9, radius=0.5)
    assert blurred.shape == one.shape and (blurred - one).abs().max() > 1e-3
    with pytest.raises(ValueError, match="frames"):
        sticking_average(sg2, 5, frames=0)
    with pytest.raises(ValueError, match="no constant input"):
        drag(torch.nn.Identity(), torch.zeros(1, 1, 1))


def test_the_motion_section_drags_a_stylegan3_beside_a_stylegan(sg3, tmp_path):
    (tmp_path / "zoo.json").write_text(json.dumps({"models": []}))
    zoo = Zoo(tmp_path / "zoo.json", device="cpu")
    sg3.save_pretrained(tmp_path / "sg3")
    zoo.add_folder(CHECKPOINTS / "dcgan-fashion-mnist", name="dcgan")
    zoo.add_folder(tmp_path / "sg3", name="sg3-fixture")
    zoo.add_folder(CHECKPOINTS / "stylegan-fashion-mnist", name="stylegan-small")
    assert motion.movable_names(zoo) == ["sg3-fixture", "stylegan-small"]  # not the DCGAN
    still = motion.motion(zoo, "sg3-fixture", "stylegan-small", 1, 0.7, 0.0, 0.0, 0.0)
    moved = motion.motion(zoo, "sg3-fixture", "stylegan-small", 1, 0.7, 2.0, 0.0, 0.0)
    assert still.size == moved.size and still.tobytes() != moved.tobytes()
    averaged = motion.sticking(zoo, "sg3-fixture", "stylegan-small", 1, 0.7, 2)
    assert averaged.size == still.size
    with pytest.raises(gr.Error, match="shift must be between"):
        motion.motion(zoo, "sg3-fixture", "stylegan-small", 1, 0.7, 99.0, 0.0, 0.0)


def follows(model, seed: int, shift: int = 4, border: int = 4) -> float:
    """How far a drag of ``shift`` pixels to the right is from the still image moved by as much: the mean difference
    of the interiors, over the difference the drag made (0: the picture glides along; about 1: it stays)."""
    with torch.no_grad():
        ws = model.mapping(model.latents_of([seed]), 0.7)
        still, moved = drag(model, ws, (0.0, 0.0), 0.0), drag(model, ws, (float(shift), 0.0), 0.0)
    inside = (..., slice(border, -border))
    moved_inside = moved[inside][..., shift + border : -border]
    along = (moved_inside - still[inside][..., border : -border - shift]).abs().mean()
    return (along / (moved_inside - still[inside][..., shift + border : -border]).abs().mean()).item()


def test_on_the_committed_defaults_the_stylegan3_glides_beside_the_stylegan_that_does_not(default_zoo):
    """The section on the committed zoo (issue #30 item 5): the tab's StyleGAN with the StyleGAN3 trained here beside
    it; a 4-pixel drag moves the StyleGAN3's picture by 4 pixels (0.001 of the drag's change left, seeds 1–8) and
    leaves the StyleGAN's where it was (0.57–1.32 of it, mean 0.85), so the view shows the paper's contrast."""
    assert motion.beside(default_zoo, "stylegan-fashion-mnist") == "stylegan3-fashion-mnist"
    assert motion.beside(default_zoo, "stylegan3-fashion-mnist") != "stylegan3-fashion-mnist"
    sg3, ours = default_zoo.load("stylegan3-fashion-mnist"), default_zoo.load("stylegan-fashion-mnist")
    seeds = range(1, 9)
    assert max(follows(sg3, seed) for seed in seeds) < 0.05
    assert sum(follows(ours, seed) for seed in seeds) / len(seeds) > 0.4
