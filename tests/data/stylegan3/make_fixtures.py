"""Write the StyleGAN3 fixtures with NVIDIA's own code (NVlabs/stylegan3, the commit in README.md).

Run from a checkout of that repository (its ``training``, ``torch_utils`` and ``dnnlib`` must import):
``cd stylegan3 && PYTHONPATH=. python /path/to/make_fixtures.py /path/to/tests/data/stylegan3``.
Nothing of NVIDIA's is copied into this project: this script only drives their classes. For each config it
writes ``NAME.safetensors`` (G_ema's state dict), ``NAME.json`` (G_ema's constructor kwargs as the pickle
records them), ``NAME.pkl`` (``dict(G, D, G_ema, augment_pipe, training_set_kwargs)`` pickled as their
training loop does, with their ``persistence``) and ``NAME_expected.safetensors`` (z, ws and their images).
"""

import copy
import json
import math
import pickle
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from training import augment, networks_stylegan2, networks_stylegan3

BATCH = 32  # the magnitude EMA's decay as train.py sets it for this batch size
SMALL = dict(  # what both configs share: unconditional 32×32 RGB, the magnitude EMA of this batch size
    c_dim=0, img_resolution=32, img_channels=3, magnitude_ema_beta=0.5 ** (BATCH / (20 * 1e3))
)
CONFIGS = {
    # --cfg=stylegan3-t: 3×3 convolutions, separable Kaiser filters, conv_clamp 256, fp16 on the top resolutions
    "t32": dict(SMALL, z_dim=16, w_dim=32, channel_base=256, channel_max=32, mapping_kwargs=dict(num_layers=2)),
    # --cfg=stylegan3-r --fp32=True --map=3: 1×1 convolutions, radial down-sampling filters, no clamp, no fp16
    "r32": dict(
        SMALL,
        z_dim=24,
        w_dim=16,
        channel_base=512,
        channel_max=64,
        conv_kernel=1,
        use_radial_filters=True,
        num_fp16_res=0,
        conv_clamp=None,
        mapping_kwargs=dict(num_layers=3),
    ),
}
PSIS = (1.0, 0.7)
# gen_images.py's make_transform(translate, angle), inverted as gen_images.py does before copying it in
TRANSLATE, ANGLE = (0.1, -0.05), 10.0


def make_transform(translate, angle):
    m = np.eye(3)
    s, c = math.sin(angle / 360.0 * math.pi * 2), math.cos(angle / 360.0 * math.pi * 2)
    m[0][0], m[0][1], m[0][2] = c, s, translate[0]
    m[1][0], m[1][1], m[1][2] = -s, c, translate[1]
    return m


@torch.no_grad()
def randomise(G, generator):
    """Untrained weights make a dull test (zero biases, identity input affine, unit magnitudes): perturb them all."""
    for name, p in G.named_parameters():
        noise = torch.randn(p.shape, generator=generator)
        if name.endswith("input.affine.weight"):
            p.copy_(noise * 0.3)  # weight_init=0 upstream: the learned rotation/translation would be the identity
        elif name.endswith("bias"):
            p.add_(noise * 0.2)
        else:
            p.mul_(1 + 0.1 * noise)
    for name, b in G.named_buffers():
        if name.endswith("magnitude_ema"):
            b.copy_(torch.rand([], generator=generator) * 1.5 + 0.5)
        elif name.endswith("w_avg"):
            b.copy_(torch.randn(b.shape, generator=generator) * 0.5)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for index, (name, kwargs) in enumerate(CONFIGS.items()):
        torch.manual_seed(index)
        generator = torch.Generator().manual_seed(100 + index)
        G = networks_stylegan3.Generator(**copy.deepcopy(kwargs)).eval().requires_grad_(False)
        randomise(G, generator)
        G_ema = copy.deepcopy(G)
        with torch.no_grad():  # the raw G drifts from the EMA as in training: a reader must pick G_ema
            for p in G.parameters():
                p.add_(torch.randn(p.shape, generator=generator) * 0.01)
        D = (
            networks_stylegan2.Discriminator(
                c_dim=0,
                img_resolution=32,
                img_channels=3,
                channel_base=256,
                channel_max=32,
                block_kwargs={},
                mapping_kwargs={},
                epilogue_kwargs=dict(mbstd_group_size=4),
            )
            .eval()
            .requires_grad_(False)
        )
        augment_pipe = (
            augment.AugmentPipe(
                xflip=1,
                rotate90=1,
                xint=1,
                scale=1,
                rotate=1,
                aniso=1,
                xfrac=1,
                brightness=1,
                contrast=1,
                lumaflip=1,
                hue=1,
                saturation=1,
            )
            .eval()
            .requires_grad_(False)
        )
        augment_pipe.p.copy_(torch.as_tensor(0.125))
        training_set_kwargs = dict(
            class_name="training.dataset.ImageFolderDataset",
            path="~/datasets/fixture-32x32.zip",
            use_labels=False,
            max_size=1000,
            xflip=False,
            resolution=32,
            random_seed=0,
        )
        snapshot = dict(G=G, D=D, G_ema=G_ema, augment_pipe=augment_pipe, training_set_kwargs=training_set_kwargs)
        with open(out / f"{name}.pkl", "wb") as f:
            pickle.dump(snapshot, f)

        state = {k: v.detach().clone().contiguous() for k, v in G_ema.state_dict().items()}
        save_file(state, out / f"{name}.safetensors", metadata={"class_name": "training.networks_stylegan3.Generator"})
        (out / f"{name}.json").write_text(json.dumps(dict(G_ema.init_kwargs), indent=1, sort_keys=True) + "\n")

        z = torch.randn(4, kwargs["z_dim"], generator=torch.Generator().manual_seed(0))
        expected = {"z": z}
        with torch.no_grad():
            for psi in PSIS:
                expected[f"ws_psi{psi}"] = G_ema.mapping(z, None, truncation_psi=psi)
                expected[f"img_psi{psi}"] = G_ema(z, None, truncation_psi=psi, noise_mode="const")
            m = torch.from_numpy(np.linalg.inv(make_transform(TRANSLATE, ANGLE))).float()
            G_ema.synthesis.input.transform.copy_(m)
            expected["transform"] = m
            expected["img_transformed"] = G_ema(z, None, noise_mode="const")
        save_file({k: v.contiguous() for k, v in expected.items()}, out / f"{name}_expected.safetensors")
        print(
            name, {k: tuple(v.shape) for k, v in expected.items()}, "abs max", float(expected["img_psi1.0"].abs().max())
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
