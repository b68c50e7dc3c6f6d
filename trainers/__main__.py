"""Command line: ``python -m trainers FAMILY --out FOLDER [options]``, e.g.

    python -m trainers dcgan --data fashion-mnist --epochs 5 --out checkpoints/dcgan-fashion-mnist

Consumes a trainer's events: a tqdm bar with the step's metrics, optional JSON lines for later plots.
Errors are one line on stderr and exit status 2; Ctrl-C saves the current state and exits 130.
On several GPUs the same command runs under torchrun (``trainers.distributed``; rank 0 prints and writes):

    torchrun --standalone --nproc_per_node 4 -m trainers stylegan --batch-size 256 --out runs/stylegan
"""

import argparse
import json
import shlex
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import torch
from tqdm import tqdm

from explorer.data import DATASETS, GENERATED_DATASETS, DatasetUnavailable
from explorer.settings import Settings
from explorer.zoo import ZooError
from trainers import record, registry
from trainers.acceleration import AMP_MODES, Acceleration
from trainers.distributed import Distributed
from trainers.events import Evaluated, Finished, Samples, Saved, Started, Step, Stopped
from trainers.job import History

SHORT_NAMES = {"d_loss": "D", "g_loss": "G", "d_real": "Dx", "d_fake": "DGz"}
SEVERAL_DEVICES = (
    "Several GPUs: torchrun --standalone --nproc_per_node N -m trainers FAMILY [options]; --batch-size is the global "
    "batch (each of the N processes trains on batch/N rows), rank 0 writes the checkpoint, samples and --jsonl."
)


def common(p: argparse.ArgumentParser, defaults: dict, settings: Settings) -> None:
    """The options every family shares: data, output, run length, device, logging."""
    where = f"images in {settings.images}/NAME"
    p.add_argument(
        "--data",
        default="fashion-mnist",
        help=f"{', '.join([*DATASETS, *GENERATED_DATASETS])} or folder:NAME ({where})",
    )
    p.add_argument("--out", required=True, type=Path, help="checkpoint folder to write (and to --resume from)")
    p.add_argument(
        "--epochs", type=float, default=defaults.get("epochs", 5), help="passes over the data (if --steps is 0)"
    )
    p.add_argument("--steps", type=int, default=0, help="total optimisation steps (overrides --epochs)")
    p.add_argument(
        "--batch-size",
        type=int,
        default=defaults.get("batch_size", 128),
        help="the global batch: under torchrun each of the N processes takes batch/N rows",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sample-every", type=int, default=defaults.get("sample_every", 200))
    p.add_argument("--save-every", type=int, default=defaults.get("save_every", 1000))
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out up to --steps/--epochs")
    p.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads torch may use (0 = its default: one per core)")
    p.add_argument("--jsonl", type=Path, default=None, help="also write every event as a JSON line here")
    p.add_argument(
        "--record",
        type=Path,
        default=None,
        metavar="FOLDER",
        help="also write the run's history (curves, FID, class histograms, a few sample grids) to FOLDER when it "
        "ends: a run the Training tab opens as it would a live one (trainers.record)",
    )
    p.add_argument("--title", default="", help="what the Training tab calls a --record run (default: its settings)")
    p.add_argument(
        "--record-grids",
        type=int,
        default=record.RECORD_GRIDS,
        help="sample grids a --record keeps: the first, the last, evenly spaced ones between",
    )
    p.add_argument(
        "--record-images", type=int, default=record.RECORD_IMAGES, help="images of each grid a --record keeps"
    )
    p.add_argument("--eval-every", type=int, default=0, help="live FID + class histogram every N steps (0 = off)")
    p.add_argument("--eval-samples", type=int, default=1000, help="samples per live FID")
    p.add_argument(
        "--amp",
        choices=AMP_MODES,
        default="auto",
        help="mixed precision: auto = bf16 on a CUDA GPU with bf16 (fp16 + gradient scaling on older ones), "
        "off on the CPU and MPS",
    )
    p.add_argument("--channels-last", action="store_true", help="NHWC weights and images (faster convolutions on GPUs)")
    p.add_argument("--compile", action="store_true", help="torch.compile the training forwards (slow first steps)")


def parser(settings: Settings | None = None) -> argparse.ArgumentParser:
    """One subcommand per trainable family (``trainers.registry``), its options read from its configs."""
    settings = settings or Settings()
    root = argparse.ArgumentParser(
        prog="python -m trainers", description=__doc__.split("\n\n")[0], epilog=SEVERAL_DEVICES
    )
    families = root.add_subparsers(dest="family", required=True, metavar="FAMILY")
    for name in registry.trainable():
        trainer = registry.get(name)
        p = families.add_parser(name, help=trainer.help, epilog=SEVERAL_DEVICES)
        common(p, trainer.cli, settings)
        registry.add_arguments(p, trainer)
    return root


def event_record(event) -> dict:
    """A JSON-able dict of an event (sample images are summarised, not written)."""
    if isinstance(event, Samples):
        return {"event": "samples", "step": event.step, "shape": list(event.images.shape)}
    return {"event": type(event).__name__.lower(), **asdict(event)}


def started_line(event: Started) -> str:
    """What the run is about to do: device(s), batch (global, and per process), precision, epoch length."""
    if event.processes > 1:
        share = event.batch_size // event.processes
        where = f"{event.processes} processes (rank 0 on {event.device}), global batch {event.batch_size} = "
        where += f"{event.processes} × {share} per process"
    else:
        where = f"{event.device}, batch {event.batch_size}"
    return f"training on {where}, {event.precision}, {event.steps_per_epoch} steps per epoch"


def consume(events: Iterator, out: Path, jsonl: Path | None, show: bool = True, history: History | None = None) -> int:
    """Print the events with a tqdm bar (and log them, and keep them in ``history``); return the exit status.
    ``show=False``: neither print nor log (a torchrun process other than rank 0)."""
    if jsonl and show:
        jsonl.parent.mkdir(parents=True, exist_ok=True)
    log = jsonl.open("a") if jsonl and show else None
    bar = None
    status = 0
    try:
        for event in events:
            if log:
                log.write(json.dumps(event_record(event)) + "\n")
                log.flush()
            if history is not None and show:
                history.record(event)
            if isinstance(event, Stopped):
                status = 1
            if not show:
                continue
            if isinstance(event, Started):
                bar = tqdm(total=event.total_steps, initial=event.step, unit="step", dynamic_ncols=True)
                bar.write(started_line(event))
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
            elif isinstance(event, Finished):
                bar.write(f"finished at step {event.step}: {event.path}")
    except KeyboardInterrupt:
        events.close()  # saves the current state (rank 0)
        if show:
            print(f"\ninterrupted; the current state was saved to {out}", file=sys.stderr)
        status = 130
    finally:
        if bar is not None:
            bar.close()
        if log:
            log.close()
    return status


def recorded(events: Iterator, args: argparse.Namespace, command: str, show: bool) -> int:
    """``consume`` the run, keeping its history, and write it to ``args.record`` (rank 0) however it ended."""
    if args.record_grids < 2 or args.record_images < 1:
        raise ValueError(
            f"--record-grids must be ≥ 2 and --record-images ≥ 1, got {args.record_grids}, {args.record_images}"
        )
    trainer = registry.get(args.family)
    config = registry.config_from_arguments(trainer, args)
    history = History(status="running", out=args.out)
    clock = record.Clock()
    status = consume(events, args.out, args.jsonl, show, history)
    if show:
        history.spec = record.spec_of(args.family, config, vars(args), history.total_steps)
        record.finish(history, status)
        cpu, wall = clock.seconds()
        folder = record.save_history(
            history,
            args.record,
            title=args.title,
            command=command,
            cpu_seconds=cpu,
            wall_seconds=wall,
            grids=args.record_grids,
            images=args.record_images,
        )
        print(f"recorded the run's history in {folder} ({cpu:.0f} s of CPU, {wall:.0f} s)")
    return status


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    settings = Settings.from_env()
    args = parser(settings).parse_args(argv)
    if args.threads > 0:  # a run beside others on a shared CPU: more threads than its share only add barriers
        torch.set_num_threads(args.threads)
    # the card's "reproduce" command: the recipe from scratch (a --resume run continues the same recipe)
    command = "python -m trainers " + shlex.join(a for a in argv if a != "--resume")
    distributed = None
    try:
        distributed = Distributed.from_env()  # torchrun's RANK, WORLD_SIZE, LOCAL_RANK; one process without
        device = distributed.device(args.device)
        acceleration = Acceleration(args.amp, args.channels_last, args.compile)
        with distributed.process_group(device):
            events = registry.launch(
                registry.get(args.family),
                args,
                command,
                settings,
                device=device,
                distributed=distributed,
                acceleration=acceleration,
            )
            if args.record is None:
                return consume(events, args.out, args.jsonl, show=distributed.is_main)
            return recorded(events, args, command, distributed.is_main)
    except (DatasetUnavailable, ZooError, ValueError, FileNotFoundError, OSError) as error:
        rank = f"rank {distributed.rank}: " if distributed is not None and distributed.enabled else ""
        print(f"error: {rank}{error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
