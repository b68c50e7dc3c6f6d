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


def front_matter(family: str, data: str) -> str:
    """The card's YAML front matter: license, library, the Hub's task, tags and the dataset's Hub id."""
    dataset = f"\ndatasets: [{HUB_DATASETS[data]}]" if data in HUB_DATASETS else ""
    tag = data.removeprefix("folder:")
    return f"""license: mit
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
{extra}
## Last logged step

| metric | value |
|---|---|
{rows}

## Settings

```json
{json.dumps(settings, indent=2)}
```
"""
