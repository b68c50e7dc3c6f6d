"""Our StyleGAN3 against NVIDIA's own: fixtures written by their code (tests/data/stylegan3/README.md)."""

import json
import pickletools
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from explorer import directions, preview_size
from explorer.models import StyleGAN3, StyleGenerator, family_of
from explorer.models.stylegan3 import (
    NVIDIA_KWARGS,
    NVIDIA_MAPPING_KWARGS,
    TRAINING_ONLY,
    StyleGAN3Config,
    config_from_nvidia,
    from_nvidia,
    input_transform,
)

DATA = Path(__file__).parent / "data" / "stylegan3"
NAMES = ("t32", "r32")  # --cfg=stylegan3-t and --cfg=stylegan3-r (fp32, no clamp, 3 mapping layers)

# Every constructor kwarg of NVIDIA's StyleGAN3 networks that a user can set (training/networks_stylegan3.py at
# the README's commit): Generator's own, MappingNetwork's (in mapping_kwargs), SynthesisNetwork's and
# SynthesisLayer's (flattened into the Generator's kwargs).
NVIDIA_GENERATOR = {"z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs"}
NVIDIA_MAPPING = {"num_layers", "lr_multiplier", "w_avg_beta"}
NVIDIA_SYNTHESIS = {
    "channel_base", "channel_max", "num_layers", "num_critical", "first_cutoff", "first_stopband",
    "last_stopband_rel", "margin_size", "output_scale", "num_fp16_res",
    "conv_kernel", "filter_size", "lrelu_upsampling", "use_radial_filters", "conv_clamp", "magnitude_ema_beta",
}  # fmt: skip


def fixture(name: str) -> tuple[dict, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    kwargs = json.loads((DATA / f"{name}.json").read_text())
    return kwargs, load_file(DATA / f"{name}.safetensors"), load_file(DATA / f"{name}_expected.safetensors")


@pytest.fixture(scope="module", params=NAMES)
def case(request):
    kwargs, state, expected = fixture(request.param)
    return from_nvidia(kwargs, state), kwargs, state, expected


def test_images_equal_nvidias(case):
    model, _, _, expected = case
    with torch.no_grad():
        for psi in (1.0, 0.7):
            ws = model.mapping(expected["z"], psi)
            torch.testing.assert_close(ws, expected[f"ws_psi{psi}"], atol=1e-5, rtol=0)
            torch.testing.assert_close(model.synthesis(ws), expected[f"img_psi{psi}"], atol=1e-4, rtol=0)
        moved = model.synthesis(model.mapping(expected["z"]), transform=expected["transform"])
    torch.testing.assert_close(moved, expected["img_transformed"], atol=1e-4, rtol=0)
    assert (moved - expected["img_psi1.0"]).abs().max() > 0.01  # the transform moved the image


def test_a_preview_is_the_full_image_averaged_down(case):
    """Its layers are not images before the ToRGB: a slider's preview (``explorer.preview_size``) renders in full
    and averages down to the preview's side."""
    model, _, _, expected = case
    with torch.no_grad():
        with preview_size.at_most(16):
            preview = model.synthesis(model.mapping(expected["z"]))
    full = torch.nn.functional.avg_pool2d(expected["img_psi1.0"], 2)
    torch.testing.assert_close(preview, full, atol=1e-4, rtol=0)


def test_every_tensor_is_loaded_and_the_filters_are_designed_as_nvidias(case):
    model, kwargs, state, _ = case
    assert set(model.state_dict()) == set(state)  # load_strict took every tensor and found no key missing
    fresh = StyleGAN3(config_from_nvidia(kwargs)).state_dict()
    filters = [k for k in state if k.endswith("_filter")]
    assert any(state[k].ndim == 2 for k in filters) == kwargs.get("use_radial_filters", False)
    for key in filters:  # designed from the kwargs alone, they equal the ones NVIDIA stored
        torch.testing.assert_close(fresh[key], state[key], atol=1e-6, rtol=0)
    for key in ("synthesis.input.transform", "mapping.w_avg"):
        assert fresh[key].shape == state[key].shape


def test_input_transform_is_gen_images_make_transform(case):
    torch.testing.assert_close(input_transform((0.1, -0.05), 10.0), case[3]["transform"], atol=1e-6, rtol=0)


def test_every_nvidia_kwarg_is_read_or_refused():
    understood = set(NVIDIA_KWARGS) | TRAINING_ONLY | {"c_dim", "mapping_kwargs"}
    assert NVIDIA_GENERATOR | NVIDIA_SYNTHESIS <= understood
    assert set(NVIDIA_MAPPING_KWARGS) | TRAINING_ONLY >= NVIDIA_MAPPING
    base = dict(z_dim=8, w_dim=8, img_resolution=16, img_channels=3)
    for key, value in [("channel_base", 128), ("num_layers", 6), ("num_critical", 1), ("first_cutoff", 3.0),
                       ("margin_size", 4), ("output_scale", 0.5), ("conv_kernel", 1), ("filter_size", 4),
                       ("lrelu_upsampling", 4), ("use_radial_filters", True), ("conv_clamp", None)]:  # fmt: skip
        assert getattr(config_from_nvidia({**base, key: value}), NVIDIA_KWARGS[key]) == value
    assert config_from_nvidia({**base, "mapping_kwargs": {"num_layers": 5, "lr_multiplier": 0.1}}).mapping_layers == 5
    assert config_from_nvidia({**base, "magnitude_ema_beta": 0.9, "mapping_kwargs": {"w_avg_beta": 0.9}}) == (
        StyleGAN3Config(z_dim=8, w_dim=8, img_resolution=16)
    )
    with pytest.raises(ValueError, match="'fused_modconv_default'"):  # a StyleGAN2 kwarg
        config_from_nvidia({**base, "fused_modconv_default": "inference_only"})
    with pytest.raises(ValueError, match="mapping_kwargs: 'embed_features'"):
        config_from_nvidia({**base, "mapping_kwargs": {"embed_features": 4}})
    with pytest.raises(ValueError, match="conditional"):
        config_from_nvidia({**base, "c_dim": 10})
    with pytest.raises(ValueError, match="lack w_dim"):
        config_from_nvidia({"z_dim": 8, "img_resolution": 16, "img_channels": 3})


def test_a_state_of_other_kwargs_is_refused():
    kwargs, state, _ = fixture("t32")
    with pytest.raises(ValueError, match="does not match"):
        from_nvidia({**kwargs, "channel_max": 16}, state)
    with pytest.raises(ValueError, match="does not match"):
        from_nvidia(kwargs, {k: v for k, v in state.items() if k != "synthesis.L3_36_32.down_filter"})


def test_the_pickles_are_nvidias_persistence_pickles():
    """The reader's fixtures: read as opcodes only (nothing is unpickled here)."""
    for name in NAMES:
        strings = [arg for _, arg, _ in pickletools.genops((DATA / f"{name}.pkl").read_bytes()) if isinstance(arg, str)]
        assert "_reconstruct_persistent_obj" in strings and "torch_utils.persistence" in strings
        assert {"G", "D", "G_ema", "augment_pipe", "training_set_kwargs"} <= set(strings)
        assert any("class SynthesisInput" in s for s in strings)  # the module source NVIDIA's loader would exec


def test_style_generator_api_and_save_load(case, tmp_path):
    model = case[0]
    assert isinstance(model, StyleGenerator) and family_of(model).name == "stylegan3"
    assert len(model.ws_resolutions) == model.num_ws == model.config.num_layers + 2
    assert model.ws_resolutions[0] == 16 and model.ws_resolutions[-1] == 32
    with torch.no_grad():
        z = model.sample_latent(2, seed=3)
        images = model.generate(z, truncation_psi=0.5, noise_mode="random", noise_seed=4)
        assert torch.equal(images, model.generate(z, truncation_psi=0.5))  # no noise inputs: modes change nothing
        model.save_pretrained(tmp_path / "m")
        assert torch.equal(StyleGAN3.from_pretrained(tmp_path / "m").generate(z, truncation_psi=0.5), images)
    assert images.shape == (2, 3, 32, 32) and images.abs().max() <= 1


def test_sefa_finds_every_style_row(case):
    model = case[0]
    rows = sorted(row for row, _ in directions.style_modules(model))
    assert rows == list(range(model.num_ws))
    found = directions.sefa(model, k=3)
    assert found.vectors.shape == (3, model.config.w_dim)


def test_translating_by_one_pixel_moves_the_image_by_one_pixel(case):
    """Translation equivariance (paper Sec. 3): a whole-pixel move of the input's transform shifts the image
    by that pixel, exactly but for the borders, which see new content."""
    model, _, _, expected = case
    with torch.no_grad():
        ws = model.mapping(expected["z"][:2])
        still = model.synthesis(ws, transform=input_transform())
        right = model.synthesis(ws, transform=input_transform((1 / 32, 0)))
        down = model.synthesis(ws, transform=input_transform((0, 1 / 32)))
    inner = slice(4, 28)
    scale = float(still.abs().mean())
    assert (right[..., inner, 5:29] - still[..., inner, inner]).abs().mean() < 1e-3 * scale
    assert (down[..., 5:29, inner] - still[..., inner, inner]).abs().mean() < 1e-3 * scale
    assert (right[..., inner, 3:27] - still[..., inner, inner]).abs().mean() > 1e-3  # the wrong way is wrong


def test_the_r_config_rotates_by_a_right_angle_exactly():
    """Rotation equivariance is what the R config adds (1×1 convolutions, radial filters): 90° = rot90."""
    kwargs, state, expected = fixture("r32")
    model = from_nvidia(kwargs, state)
    with torch.no_grad():
        ws = model.mapping(expected["z"][:2])
        still, turned = model.synthesis(ws), model.synthesis(ws, transform=input_transform(angle=90))
    torch.testing.assert_close(turned, torch.rot90(still, 1, (2, 3)), atol=1e-5, rtol=0)
