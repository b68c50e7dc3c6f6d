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
