"""Write the StyleGAN2-ADA fixture pickles and their expected images with NVIDIA's own code (see README.md).

Run from a checkout of NVlabs/stylegan2-ada-pytorch (its ``dnnlib``, ``torch_utils`` and ``training`` importable):

    cd /tmp/stylegan2-ada-pytorch && python /path/to/make_fixtures.py /path/to/tests/data/stylegan2-ada

Nothing of NVIDIA's code is written into the fixtures: ``torch_utils.persistence`` embeds each network's module
source in the pickle, and this script replaces that text by a one-line placeholder before pickling (our reader
never runs or reads it). The networks are random (seeded), with every parameter and buffer drawn away from its
initial value so that a wrong mapping of any tensor changes the images.
"""

import copy
import pickle
import sys
from pathlib import Path

import dnnlib
import torch
from safetensors.torch import save_file
from torch_utils import persistence
from training import augment, networks

PLACEHOLDER = "# training/networks.py of NVlabs/stylegan2-ada-pytorch, removed from this fixture\n"
FIXTURES = {
    # name: (architecture, conv_clamp, num_fp16_res, resample_filter, img_channels, layer_features, protocol)
    "skip": ("skip", 256, 2, [1, 3, 3, 1], 3, None, 3),  # protocol 3: what Python 3.7 (the releases) wrote
    "resnet": ("resnet", 0.5, 0, [1, 3, 3, 1], 3, 20, pickle.DEFAULT_PROTOCOL),  # a clamp that bites
    "orig": ("orig", None, 0, [1, 2, 1], 1, None, pickle.DEFAULT_PROTOCOL),
}
CASES = [(1.0, None, "const"), (0.5, None, "const"), (0.7, 3, "none"), (1.0, None, "none")]  # (psi, cutoff, noise)


@torch.no_grad()
def randomise(module: torch.nn.Module, generator: torch.Generator) -> None:
    for name, tensor in list(module.named_parameters()) + list(module.named_buffers()):
        if name.endswith("resample_filter"):
            continue  # a function of the kwargs, kept as the code computed it
        noise = torch.randn(tensor.shape, generator=generator)
        if name.endswith("affine.bias"):
            tensor.copy_(1 + 0.2 * noise)
        elif name.endswith(("bias", "noise_strength", "w_avg")):
            tensor.copy_(0.5 * noise)
        else:
            tensor.add_(0.3 * noise)


def dump_without_source(snapshot: dict, protocol: int) -> bytes:
    """``pickle.dumps`` with every persistent class's module source replaced by ``PLACEHOLDER`` (then restored:
    ``copy.deepcopy`` goes through the same pickling and needs the real source)."""
    sources = {cls: cls._orig_module_src for cls in persistence._decorators}
    try:
        for cls in sources:
            cls._orig_module_src = PLACEHOLDER
        return pickle.dumps(snapshot, protocol=protocol)
    finally:
        for cls, source in sources.items():
            cls._orig_module_src = source


def main(out: Path) -> None:
    torch.manual_seed(0)  # the constructors' own initialisation
    generator = torch.Generator().manual_seed(0)
    z = torch.randn([4, 16], generator=generator)
    expected = {"z": z}
    for name, (arch, clamp, fp16, taps, channels, features, protocol) in FIXTURES.items():
        G = networks.Generator(
            z_dim=16,
            c_dim=0,
            w_dim=24,
            img_resolution=32,
            img_channels=channels,
            mapping_kwargs=dnnlib.EasyDict(num_layers=2 if arch != "resnet" else 3, layer_features=features),
            synthesis_kwargs=dnnlib.EasyDict(
                channel_base=256,
                channel_max=32,
                num_fp16_res=fp16,
                conv_clamp=clamp,
                architecture=arch,
                resample_filter=taps,
            ),
        )
        D = networks.Discriminator(
            c_dim=0, img_resolution=32, img_channels=channels, channel_base=256, channel_max=32, conv_clamp=clamp
        )
        randomise(G, generator)
        randomise(D, generator)
        G_ema = copy.deepcopy(G)
        randomise(G_ema, generator)  # G_ema differs from G: the reader must pick G_ema
        augment_pipe = augment.AugmentPipe(xflip=1, rotate90=1, xint=1, scale=1, rotate=1, brightness=1, contrast=1)
        snapshot = dict(training_set_kwargs=dict(dnnlib.EasyDict(class_name="training.dataset.ImageFolderDataset")))
        for key, module in [("G", G), ("D", D), ("G_ema", G_ema), ("augment_pipe", augment_pipe)]:
            snapshot[key] = copy.deepcopy(module).eval().requires_grad_(False).cpu()  # as training_loop.py saves
        (out / f"{name}.pkl").write_bytes(dump_without_source(snapshot, protocol))
        G_ema = snapshot["G_ema"]
        c = torch.zeros([len(z), 0])
        expected[f"{name}.ws"] = G_ema.mapping(z, c)
        for psi, cutoff, noise in CASES:
            images = G_ema(z, c, truncation_psi=psi, truncation_cutoff=cutoff, noise_mode=noise, force_fp32=True)
            expected[f"{name}.psi{psi}.cutoff{cutoff}.{noise}"] = images.contiguous()
    save_file(expected, str(out / "expected.safetensors"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
