"""Command line: ``python -m trainers FAMILY --out FOLDER [options]``, e.g.

    python -m trainers dcgan --data fashion-mnist --epochs 5 --out checkpoints/dcgan-fashion-mnist

Consumes a trainer's events: a tqdm bar with the step's metrics, optional JSON lines for later plots.
Errors are one line on stderr and exit status 2; Ctrl-C saves the current state and exits 130.
"""

import argparse
import json
import shlex
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from explorer.data import DATASETS, DatasetUnavailable
from explorer.settings import Settings
from explorer.zoo import ZooError
from trainers import registry
from trainers.events import Evaluated, Finished, Samples, Saved, Started, Step, Stopped

SHORT_NAMES = {"d_loss": "D", "g_loss": "G", "d_real": "Dx", "d_fake": "DGz"}


def common(p: argparse.ArgumentParser, defaults: dict, settings: Settings) -> None:
    """The options every family shares: data, output, run length, device, logging."""
    where = f"images in {settings.images}/NAME"
    p.add_argument("--data", default="fashion-mnist", help=f"{', '.join(DATASETS)} or folder:NAME ({where})")
    p.add_argument("--out", required=True, type=Path, help="checkpoint folder to write (and to --resume from)")
    p.add_argument(
        "--epochs", type=float, default=defaults.get("epochs", 5), help="passes over the data (if --steps is 0)"
    )
    p.add_argument("--steps", type=int, default=0, help="total optimisation steps (overrides --epochs)")
    p.add_argument("--batch-size", type=int, default=defaults.get("batch_size", 128))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sample-every", type=int, default=defaults.get("sample_every", 200))
    p.add_argument("--save-every", type=int, default=defaults.get("save_every", 1000))
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out up to --steps/--epochs")
    p.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    p.add_argument("--jsonl", type=Path, default=None, help="also write every event as a JSON line here")
    p.add_argument("--eval-every", type=int, default=0, help="live FID + class histogram every N steps (0 = off)")
    p.add_argument("--eval-samples", type=int, default=1000, help="samples per live FID")


def parser(settings: Settings | None = None) -> argparse.ArgumentParser:
    """One subcommand per trainable family (``trainers.registry``), its options read from its configs."""
    settings = settings or Settings()
    root = argparse.ArgumentParser(prog="python -m trainers", description=__doc__.split("\n\n")[0])
    families = root.add_subparsers(dest="family", required=True, metavar="FAMILY")
    for name in registry.trainable():
        trainer = registry.get(name)
        p = families.add_parser(name, help=trainer.help)
        common(p, trainer.cli, settings)
        registry.add_arguments(p, trainer)
    return root


def event_record(event) -> dict:
    """A JSON-able dict of an event (sample images are summarised, not written)."""
    if isinstance(event, Samples):
        return {"event": "samples", "step": event.step, "shape": list(event.images.shape)}
    return {"event": type(event).__name__.lower(), **asdict(event)}


def consume(events: Iterator, out: Path, jsonl: Path | None) -> int:
    """Print the events with a tqdm bar (and log them); return the exit status."""
    if jsonl:
        jsonl.parent.mkdir(parents=True, exist_ok=True)
    log = jsonl.open("a") if jsonl else None
    bar = None
    status = 0
    try:
        for event in events:
            if log:
                log.write(json.dumps(event_record(event)) + "\n")
                log.flush()
            if isinstance(event, Started):
                bar = tqdm(total=event.total_steps, initial=event.step, unit="step", dynamic_ncols=True)
                bar.write(f"training on {event.device}, {event.steps_per_epoch} steps per epoch")
            elif isinstance(event, Step):
                bar.update(1)
                bar.set_postfix(
                    {SHORT_NAMES.get(k, k): f"{v:.3f}" for k, v in event.metrics.items()},
                    img_s=f"{event.images_per_second:.0f}",
                    epoch=event.epoch,
                )
            elif isinstance(event, Evaluated):
                bar.write(f"step {event.step}: FID {event.fid:.2f} ({event.n} samples, {event.feature_space})")
            elif isinstance(event, Saved):
                bar.write(f"step {event.step}: saved {event.path}")
            elif isinstance(event, Stopped):
                bar.write(f"stopped at step {event.step}: {event.reason}")
                status = 1
            elif isinstance(event, Finished):
                bar.write(f"finished at step {event.step}: {event.path}")
    except KeyboardInterrupt:
        events.close()  # saves the current state
        print(f"\ninterrupted; the current state was saved to {out}", file=sys.stderr)
        status = 130
    finally:
        if bar is not None:
            bar.close()
        if log:
            log.close()
    return status


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    settings = Settings.from_env()
    args = parser(settings).parse_args(argv)
    # the card's "reproduce" command: the recipe from scratch (a --resume run continues the same recipe)
    command = "python -m trainers " + shlex.join(a for a in argv if a != "--resume")
    try:
        events = registry.launch(registry.get(args.family), args, command, settings)
        return consume(events, args.out, args.jsonl)
    except (DatasetUnavailable, ZooError, ValueError, FileNotFoundError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
