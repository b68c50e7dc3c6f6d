"""Model cards: the README.md of every checkpoint folder."""

import json
from pathlib import Path


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
    extra: str = "",
) -> str:
    """Front matter for the Hub, what the model is, how to reproduce it, its last metrics and settings."""
    rows = "\n".join(f"| {name} | {value:.4g} |" for name, value in (metrics or {}).items()) or "| (none) | |"
    return f"""---
license: mit
library_name: pytorch
tags: [{family}, latent-explorer, {data}]
datasets: [{data}]
---

# {folder.name}

{summary}
Made with Latent Explorer's trainer; loads with `explorer.zoo.load("{folder.name}")` when listed in
`checkpoints/zoo.json`, or with `explorer.zoo.load("path/to/{folder.name}")`.

![samples](samples.png)

## Training

- steps: {step} (batch {batch_size}, ≈ {step * batch_size / train_size:.1f} epochs of {train_size} images)

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
