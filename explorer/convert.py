"""Convert a public checkpoint into a model folder of ours (config.json + model.safetensors + model card).

    python -m explorer.convert gan-face-generate --out checkpoints/dcgan-digiface-64
    python -m explorer.convert path/to/weights.pth --out models/my-dcgan [--fp16]
    python -m explorer.convert checkpoints/pix2pix-fashion-mnist --out checkpoints/pix2pix-fashion-mnist --fp16

``gan-face-generate`` takes the weights the installed package of that name ships
(``pip install --no-deps gan-face-generate``: the package's other dependencies are not needed for its weights):
a PyTorch DCGAN-tutorial generator, 64×64 RGB faces trained on DigiFace-1M. Any other source is what the
Load-a-model box takes (a Hub repo id, a folder or a .pt/.pth/.tar file in a recognised format, ``explorer.hub``), or
an NVIDIA StyleGAN2-ADA or StyleGAN3 ``.pkl`` (read as data by ``explorer.stylegan_pickle``; the folder's card
states NVIDIA's non-commercial license).
Weights are read with ``torch.load(weights_only=True)`` and written as safetensors; ``--fp16`` halves the file
(the app computes in fp32 either way). The folder is written atomically: a reader sees the old one or the new one.
A folder of ours converted onto itself with ``--fp16`` (``halve_folder``) keeps its card and samples and drops its
training state (a committed default that must stay small).
"""

import argparse
import importlib.metadata
import sys
from pathlib import Path

import torch

from explorer import hub, stylegan_pickle
from explorer.images import grid_image
from explorer.models.folder import (
    CONFIG_NAME,
    STATE_NAME,
    WEIGHTS_NAME,
    ZooError,
    load_folder,
    save_folder,
    write_folder_atomically,
)
from explorer.models.registry import family_of

FACE_PACKAGE = "gan-face-generate"
FACE_CARD = """---
license: other
license_name: mit-weights-digiface-1m-non-commercial-data
library_name: pytorch
pipeline_tag: unconditional-image-generation
tags: [dcgan, latent-explorer, faces, digiface-1m]
---

# dcgan-digiface-64

A DCGAN generator (Radford et al., arXiv:1511.06434; the PyTorch DCGAN tutorial's architecture), 64×64 RGB,
z ∈ R^{latent} ~ N(0, I), producing synthetic faces. **We did not train it**: it is the generator of the Python
package `{package}` {version} by {author}, converted to our format by one command:

```
pip install --no-deps {package}=={version}
python -m explorer.convert {package} --out checkpoints/dcgan-digiface-64
```

The conversion renames the tutorial's `main.N` keys to our DCGAN's `net.N`, gives the output convolution the
bias of zero it does not have, checks every key and shape, and stores the weights as fp16 safetensors
({size:.1f} MB); the app computes in fp32. `tests/test_faces.py` checks that our model's images equal the
package's own `Generator` with its original weights to fp16 precision.

![samples](samples.png)

## Licenses

- **The weights**: MIT, © 2023 {author_name}; the license text is in `LICENSE` beside this card.
- **The training data**: DigiFace-1M (Bae et al., "DigiFace-1M: 1 Million Digital Face Images for Face
  Recognition", WACV 2023; synthetic faces rendered from consented 3-D scans, Microsoft) is released for
  **non-commercial research use only**. A model trained on it may carry those terms: a commercial user of a fork
  of Latent Explorer should drop this folder and its entry in `checkpoints/zoo.json`.

## What it shows

The classic DCGAN-faces demos of the lecture (Radford et al. Fig. 4 interpolation, Fig. 7 "man with glasses −
man + woman") on faces rather than garments: glasses, hair, skin tone, pose and expression vary with z.
"""


def package_weights(package: str = FACE_PACKAGE) -> tuple[Path, dict]:
    """The ``weights.tar`` of the installed face package and its metadata (version, author, license text)."""
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError as error:
        raise ZooError(f"the package {package} is not installed: pip install --no-deps {package}") from error
    files = {str(f): f for f in dist.files or ()}
    weights = next((f for name, f in files.items() if name.endswith("weights.tar")), None)
    if weights is None:
        raise ZooError(f"{package} {dist.version} ships no weights.tar")
    license_file = next((f for name, f in files.items() if "licenses/" in name or name.endswith("LICENSE")), None)
    meta = {
        "version": dist.version,
        "author": dist.metadata.get("Author-email") or dist.metadata.get("Author") or "unknown",
        "license": license_file.read_text() if license_file else dist.metadata.get("License", ""),
    }
    return Path(dist.locate_file(weights)), meta


def half(model: torch.nn.Module) -> torch.nn.Module:
    """The model with its floating-point parameters and buffers stored as fp16 (integer buffers kept)."""
    for tensor in list(model.parameters()) + list(model.buffers()):
        if tensor.is_floating_point():
            tensor.data = tensor.data.half()
    return model


def write(model: torch.nn.Module, out: Path, fp16: bool, card: str = "", license_text: str = "") -> Path:
    """The model folder ``out``: config, weights, 16 samples (seeds 0–15) and, if given, a card and LICENSE."""
    with torch.no_grad():
        samples = model.generate(model.sample_latent(16, seed=0)).float()

    def fill(tmp: Path) -> None:
        save_folder(tmp, half(model) if fp16 else model)
        grid_image(samples, ncols=8, scale=2).save(tmp / "samples.png")
        size = (tmp / "model.safetensors").stat().st_size / 1e6
        if card:
            (tmp / "README.md").write_text(card.replace("{size:.1f}", f"{size:.1f}"))
        if license_text:
            (tmp / "LICENSE").write_text(license_text)

    return write_folder_atomically(out, fill)


FP16_NOTE = (
    "\n\nWeights stored in fp16 (`python -m explorer.convert FOLDER --out FOLDER --fp16`, half the size; the app "
    "computes in fp32; the numbers below were measured before, in fp32). The folder keeps no training state (it "
    "belonged to the fp32 weights): `--resume` cannot continue it, the command above trains it again.\n"
)


def halve_folder(folder: Path) -> Path:
    """Our model folder with its weights rewritten in fp16, in place: its other top-level files kept (card, samples),
    the training state and ``derived/`` arrays dropped (both belong to the fp32 weights), the card told so once."""
    folder = Path(folder)
    model = half(load_folder(folder, "cpu"))

    def fill(tmp: Path) -> None:
        for path in folder.iterdir():
            if path.is_file() and path.name not in (WEIGHTS_NAME, STATE_NAME, CONFIG_NAME):
                (tmp / path.name).write_bytes(path.read_bytes())
        save_folder(tmp, model)
        card = tmp / "README.md"
        if card.is_file() and "Weights stored in fp16" not in card.read_text():
            text = card.read_text().replace("Reproduce (`--resume` continues from this folder):", "Reproduce:")
            cut = text.find("\n## ", text.find("```\n", text.find("Reproduce")) + 4)
            card.write_text(text[:cut].rstrip("\n") + FP16_NOTE + text[cut:] if cut > 0 else text + FP16_NOTE)

    return write_folder_atomically(folder, fill)


def convert_faces(out: Path) -> Path:
    """``checkpoints/dcgan-digiface-64`` from the installed ``gan-face-generate``'s weights (fp16)."""
    weights, meta = package_weights()
    model, _, fmt = hub.convert(weights)
    if fmt != "dcgan-tutorial":
        raise ZooError(f"{weights} is a {fmt} checkpoint, expected the DCGAN tutorial's generator")
    author_name = meta["author"].split("<")[0].strip()
    card = (
        FACE_CARD.replace("{package}", FACE_PACKAGE)
        .replace("{version}", meta["version"])
        .replace("{author}", meta["author"])
        .replace("{author_name}", author_name)
        .replace("{latent}", str(model.latent_dim))
    )
    return write(model, out, fp16=True, card=card, license_text=meta["license"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.convert", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help=f"'{FACE_PACKAGE}', a Hub repo id, a folder, a .pt/.pth/.tar or a .pkl file")
    parser.add_argument("--out", required=True, type=Path, help="model folder to write")
    parser.add_argument("--fp16", action="store_true", help="store the weights as fp16 (half the size)")
    args = parser.parse_args(argv)
    try:
        if args.source == FACE_PACKAGE:
            folder = convert_faces(args.out)
        elif args.fp16 and Path(args.source).resolve() == args.out.resolve() and (args.out / CONFIG_NAME).is_file():
            folder = halve_folder(args.out)
            print(f"wrote {folder}: weights in fp16, training state dropped")
            return 0
        else:
            model, family, fmt = hub.convert(hub.resolve(args.source))
            card = stylegan_pickle.card(args.source, model) if fmt in stylegan_pickle.NVIDIA_FORMATS else ""
            folder = write(model, args.out, fp16=args.fp16, card=card)
            print(f"{args.source}: {family} ({fmt})")
    except ZooError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    model = hub.load(str(folder), device="cpu")
    print(f"wrote {folder}: {family_of(model).name}, {model.resolution}², z ∈ R^{model.latent_dim}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
