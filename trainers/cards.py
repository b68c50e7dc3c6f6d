"""Model cards: the README.md of every checkpoint folder."""

import json
import platform
from pathlib import Path

import torch

HUB_DATASETS = {  # our dataset names → their Hub ids (an image folder has none)
    "fashion-mnist": "zalando-datasets/fashion_mnist",
    "mnist": "ylecun/mnist",
    "cifar10": "uoft-cs/cifar10",
}
PIPELINE_TAGS = {  # the Hub's task of each family; every other family generates images from noise
    "classifier": "image-classification",
    "pix2pix": "image-to-image",
    "cyclegan": "image-to-image",
}


# Data whose terms a model trained on it carries: our dataset name → (front-matter license lines, the card's note).
DATA_TERMS = {
    "dcgan-digiface-64": (
        "license: other\nlicense_name: mit-code-digiface-1m-non-commercial-data",
        """
## License

The code that trained it is MIT. Its training images were made by `dcgan-digiface-64` (MIT weights by Chien Liu),
which was trained on **DigiFace-1M** (Bae et al., WACV 2023; Microsoft), released for **non-commercial research
use only**; a model trained on its images may carry those terms. A commercial user of a fork of Latent Explorer
should drop this folder and its entry in `checkpoints/zoo.json`.
""",
    ),
}


def front_matter(family: str, data: str) -> str:
    """The card's YAML front matter: license, library, the Hub's task, tags and the dataset's Hub id."""
    dataset = f"\ndatasets: [{HUB_DATASETS[data]}]" if data in HUB_DATASETS else ""
    tag = data.removeprefix("folder:")
    license_lines = DATA_TERMS[data][0] if data in DATA_TERMS else "license: mit"
    return f"""{license_lines}
library_name: pytorch
pipeline_tag: {PIPELINE_TAGS.get(family, "unconditional-image-generation")}
tags: [{family}, latent-explorer, {tag}]{dataset}"""


def hardware() -> str:
    """The device the run used, in words."""
    if torch.cuda.is_available():
        return f"1× {torch.cuda.get_device_name()}"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"CPU ({cpu}), {torch.get_num_threads()} threads"


def model_card(
    *,
    folder: Path,
    family: str,
    summary: str,
    data: str,
    step: int,
    batch_size: int,
    train_size: int,
    settings: dict,
    metrics: dict[str, float] | None,
    command: str,
    wall_seconds: float = 0.0,
    extra: str = "",
) -> str:
    """Front matter for the Hub, what the model is, how to reproduce it, its last metrics and settings."""
    rows = "\n".join(f"| {name} | {value:.4g} |" for name, value in (metrics or {}).items()) or "| (none) | |"
    return f"""---
{front_matter(family, data)}
---

# {folder.name}

{summary}
Made with Latent Explorer's trainer; loads with `explorer.zoo.load("{folder.name}")` when listed in
`checkpoints/zoo.json`, or with `explorer.zoo.load("path/to/{folder.name}")`.

![samples](samples.png)

## Training

- steps: {step} (batch {batch_size}, ≈ {step * batch_size / train_size:.1f} epochs of {train_size} images)
- wall time: {wall_seconds / 60:.1f} min on {hardware()}

Reproduce (`--resume` continues from this folder):

```
{command}
```
{extra}{DATA_TERMS[data][1] if data in DATA_TERMS else ""}
## Last logged step

| metric | value |
|---|---|
{rows}

## Settings

```json
{json.dumps(settings, indent=2)}
```
"""
