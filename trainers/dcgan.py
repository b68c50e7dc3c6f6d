"""DCGAN training loop, written as an iterator of events.

Goodfellow et al.'s Algorithm 1 (arXiv:1406.2661) with k = 1 discriminator step per generator
step, Adam(2e-4, β1 = 0.5) as in DCGAN (arXiv:1511.06434). The loop yields ``Started``, ``Step``,
``Samples``, ``Saved`` and finally ``Finished`` or ``Stopped``; closing the iterator (Ctrl-C, the
Stop button) saves the current state when it is finite. A NaN/inf loss stops the run before the
bad update is applied and leaves the last good checkpoint on disk untouched.
"""

import math
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from explorer.data import ImageDataset, load_dataset
from explorer.images import grid_image
from explorer.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from explorer.zoo import default_device, read_config
from trainers import losses
from trainers.checkpoint import load_training_state, save_model, save_training_state, write_folder_atomically
from trainers.events import Event, Finished, Samples, Saved, Started, Step, Stopped


@dataclass
class DCGANTrainConfig:
    data: str = "fashion-mnist"  # dataset name (explorer.data.DATASETS)
    epochs: float = 5.0  # run length in passes over the data, used when steps = 0
    steps: int = 0  # run length in optimisation steps; 0 = derive from epochs
    batch_size: int = 128
    loss: str = "non-saturating"  # generator loss: "minimax" | "non-saturating"
    lr: float = 2e-4  # Adam learning rate for both networks (DCGAN paper)
    beta1: float = 0.5  # Adam β1 (DCGAN paper: 0.5 instead of 0.9 for stability)
    beta2: float = 0.999
    seed: int = 0  # initialisation, data order and the fixed sample latents
    sample_every: int = 200  # yield a fixed-z sample grid every this many steps
    save_every: int = 1000  # write the checkpoint every this many steps (and at the end)
    n_samples: int = 64  # images in the fixed-z sample grid
    model: DCGANConfig = field(default_factory=DCGANConfig)

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = DCGANConfig(**self.model)
        if self.loss not in losses.GENERATOR_LOSSES:
            raise ValueError(f"loss must be one of {sorted(losses.GENERATOR_LOSSES)}, got {self.loss!r}")
        if self.batch_size < 2:
            raise ValueError(f"batch_size must be ≥ 2 (batch norm), got {self.batch_size}")
        if self.steps < 0 or (self.steps == 0 and self.epochs <= 0):
            raise ValueError("give a positive number of steps or epochs")
        if not (self.lr > 0 and 0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError(f"need lr > 0 and betas in [0, 1), got lr={self.lr}, betas=({self.beta1}, {self.beta2})")
        for name in ("sample_every", "save_every", "n_samples"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be ≥ 1, got {getattr(self, name)}")


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[torch.Tensor]:
    """Index batches of one epoch: a permutation seeded by (seed, epoch), the last partial batch dropped."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(n, generator=generator)
    return list(order[: n - n % batch_size].split(batch_size))


def model_card(folder: Path, config: DCGANTrainConfig, step: int, last: Step | None, command: str | None) -> str:
    """The README.md of a checkpoint folder: what it is, how it was trained, how to reproduce it."""
    metrics = (
        f"| D loss | {last.d_loss:.3f} |\n| G loss | {last.g_loss:.3f} |\n"
        f"| mean D(x) | {last.d_real:.3f} |\n| mean D(G(z)) | {last.d_fake:.3f} |\n"
        if last
        else "| (no step logged) | |\n"
    )
    size = f"{config.model.resolution}×{config.model.resolution}"
    command = command or f"python -m trainers dcgan --data {config.data} --steps {step} --out {folder}"
    return f"""---
license: mit
library_name: pytorch
tags: [gan, dcgan, latent-explorer, {config.data}]
datasets: [{config.data}]
---

# {folder.name}

A DCGAN generator (Radford et al., arXiv:1511.06434) trained on {config.data} at {size},
{config.model.channels} channel(s), z ∈ R^{config.model.latent_dim} ~ N(0, I).
Made with Latent Explorer's trainer; loads with `explorer.zoo.load("{folder}")`.

![samples](samples.png)

## Training

- steps: {step} (batch {config.batch_size}, ≈ {step * config.batch_size / 60000:.1f} epochs of 60 000 images)
- generator loss: {config.loss}; discriminator: binary cross-entropy on logits
- Adam lr {config.lr}, β = ({config.beta1}, {config.beta2}); seed {config.seed}

Reproduce (`--resume` continues from this folder):

```
{command}
```

## Last logged step

| metric | value |
|---|---|
{metrics}
## Settings

```json
{_json(asdict(config))}
```
"""


def _json(value: dict) -> str:
    import json

    return json.dumps(value, indent=2)


def train_dcgan(
    config: DCGANTrainConfig,
    out: str | Path | None,
    *,
    data: ImageDataset | None = None,
    resume: bool = False,
    device: torch.device | str | None = None,
    command: str | None = None,
) -> Iterator[Event]:
    """Train a DCGAN and yield events; write the checkpoint folder ``out`` (None = write nothing)."""
    device = torch.device(device) if device is not None else default_device()
    out = Path(out) if out is not None else None

    # Data.
    data = data if data is not None else load_dataset(config.data, "train", config.model.resolution)
    if data.channels != config.model.channels or data.resolution != config.model.resolution:
        raise ValueError(
            f"data is {data.channels}×{data.resolution}², the model expects "
            f"{config.model.channels}×{config.model.resolution}²"
        )
    steps_per_epoch = len(data) // config.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"batch size {config.batch_size} exceeds the {len(data)} images of {data.name}")
    total_steps = config.steps or math.ceil(config.epochs * steps_per_epoch)

    # Networks.
    torch.manual_seed(config.seed)
    generator = DCGANGenerator(config.model).to(device)
    discriminator = DCGANDiscriminator(config.model).to(device)
    betas = (config.beta1, config.beta2)
    g_optim = torch.optim.Adam(generator.parameters(), lr=config.lr, betas=betas)
    d_optim = torch.optim.Adam(discriminator.parameters(), lr=config.lr, betas=betas)
    generator_loss = losses.GENERATOR_LOSSES[config.loss]
    fixed_z = generator.sample_latent(config.n_samples, config.seed).to(device)
    step = 0
    if resume:
        if out is None or not out.is_dir():
            raise FileNotFoundError(f"cannot resume: {out} is not a checkpoint folder")
        family, model_fields = read_config(out)
        if family != "dcgan" or DCGANConfig(**model_fields) != config.model:
            raise ValueError(f"cannot resume: {out} holds a different model ({family}, {model_fields})")
        from safetensors.torch import load_file

        generator.load_state_dict(load_file(str(out / "model.safetensors"), device=str(device)), strict=True)
        metadata = load_training_state(out, {"discriminator": discriminator}, {"g_optim": g_optim, "d_optim": d_optim})
        step = int(metadata["step"])
        if step >= total_steps:
            raise ValueError(f"{out} is already at step {step}; ask for more than {step} steps to continue")

    def save(step_now: int, last: Step | None) -> Path | None:
        if out is None:
            return None

        def write(tmp: Path) -> None:
            save_model(tmp, generator, "dcgan")
            save_training_state(
                tmp,
                {"discriminator": discriminator},
                {"g_optim": g_optim, "d_optim": d_optim},
                {"step": step_now, "train_config": asdict(config), "last": asdict(last) if last else None},
            )
            generator.eval()
            with torch.inference_mode():
                grid_image(generator(fixed_z), ncols=8, scale=2).save(tmp / "samples.png")
            generator.train()
            (tmp / "README.md").write_text(model_card(out, config, step_now, last, command))

        return write_folder_atomically(out, write)

    # Train.
    yield Started(step, total_steps, steps_per_epoch, str(device))
    last: Step | None = None
    saved_step = step if resume else -1
    healthy = True
    clock, images_seen = time.perf_counter(), 0
    try:
        while step < total_steps:
            epoch, offset = divmod(step, steps_per_epoch)
            for index in epoch_batches(len(data), config.batch_size, config.seed, epoch)[offset:]:
                if step >= total_steps:
                    break
                real = data.images[index].to(device, non_blocking=True)
                n = real.shape[0]
                # 1. Discriminator: maximise log D(x) + log(1 − D(G(z))) with G frozen.
                z = torch.randn(n, config.model.latent_dim, device=device)
                fake = generator(z)
                real_logits = discriminator(real)
                fake_logits = discriminator(fake.detach())
                d_loss = losses.discriminator_loss(real_logits, fake_logits)
                if not torch.isfinite(d_loss):
                    healthy = False
                    break
                d_optim.zero_grad(set_to_none=True)
                d_loss.backward()
                d_optim.step()
                # 2. Generator: minimise its loss on the same fakes, D frozen (only G's optimiser steps).
                g_loss = generator_loss(discriminator(fake))
                if not torch.isfinite(g_loss):
                    healthy = False
                    break
                g_optim.zero_grad(set_to_none=True)
                g_loss.backward()
                g_optim.step()

                step += 1
                images_seen += n
                elapsed = time.perf_counter() - clock
                last = Step(
                    step=step,
                    epoch=epoch,
                    d_loss=d_loss.item(),
                    g_loss=g_loss.item(),
                    d_real=torch.sigmoid(real_logits).mean().item(),
                    d_fake=torch.sigmoid(fake_logits).mean().item(),
                    images_per_second=images_seen / elapsed if elapsed > 0 else 0.0,
                )
                yield last
                if step % config.sample_every == 0 or step == total_steps:
                    generator.eval()
                    with torch.inference_mode():
                        samples = generator(fixed_z).cpu()
                    generator.train()
                    yield Samples(step, samples)
                if step % config.save_every == 0 and step < total_steps:
                    yield Saved(step, str(save(step, last)))
                    saved_step = step
            if not healthy:
                break
        if not healthy:
            kept = f"the checkpoint of step {saved_step} is kept" if saved_step >= 0 else "nothing was saved"
            yield Stopped(step, f"loss became NaN/inf at step {step + 1}; training stopped, {kept}")
            return
        path = save(step, last)
        saved_step = step
        if path is not None:
            yield Saved(step, str(path))
        yield Finished(step, str(path) if path else None)
    finally:
        # Closed early (Stop, Ctrl-C, a dropped browser): keep what was learned if it is finite.
        if healthy and step > saved_step and step > 0 and out is not None:
            try:
                save(step, last)
            except Exception as error:  # never mask the reason the run ended
                print(f"warning: could not save the final checkpoint: {error}", file=sys.stderr)
