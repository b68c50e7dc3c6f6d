"""Training throughput: our trainer (CLI and UI event stream) against a bare PyTorch loop.

    python bench/train_throughput.py [--steps 60] [--repeats 2]

The 32² DCGAN on real Fashion-MNIST, batch 128, BCE, Adam 2e-4 / β1 0.5, three ways in one run:
a bare standard loop (no events, no checks), ``python -m trainers dcgan`` (its JSON-lines log
gives the loop's own images/s), and the Training tab's job consuming the same event stream.
Images/s are counted from the first step to the last, the same way for all three; the ways run
interleaved ``--repeats`` times and the best of each is reported. Goal: ours ≥ 0.95× the bare loop.

A fourth run measures what live FID costs at the tab's default settings (batch 64, a sample grid
every 50 steps, FID of 1 000 samples every 250 steps): its share of the run's wall time. Goal ≤ 10 %.

``--sweep`` measures the trainer's images/s instead under each speed setting (``trainers.acceleration``) on
``--device`` (default: the best available): fp32, then mixed precision (``--amp``, default auto = bf16 on a
CUDA GPU that has it, fp16 + gradient scaling on one that has not; on the CPU only when asked, e.g.
``--amp bf16``), channels_last with and without it, and with ``--compile`` the compiled step with and without
channels_last (a setting the compiler fails on is reported as failed, and the others are still measured). E.g. on a GPU:

    python bench/train_throughput.py --sweep --family stylegan --resolution 64 --batch-size 64 --compile

Each setting runs ``--warmup`` steps (allocator, cuDNN autotuning, compilation) before ``--steps`` timed ones.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import torch  # noqa: E402

from explorer.data import load_dataset  # noqa: E402
from explorer.device import default_device  # noqa: E402
from explorer.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator  # noqa: E402
from trainers import registry  # noqa: E402
from trainers.__main__ import main as cli  # noqa: E402
from trainers.acceleration import AMP_MODES, Acceleration  # noqa: E402
from trainers.events import Step  # noqa: E402
from trainers.job import RunSpec, TrainingJob  # noqa: E402
from trainers.loop import epoch_batches  # noqa: E402

BATCH = 128


def bare_loop(data, steps: int) -> float:
    """The textbook loop: what the trainer must not be slower than."""
    torch.manual_seed(0)
    config = DCGANConfig()
    g, d = DCGANGenerator(config), DCGANDiscriminator(config)
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = torch.nn.BCEWithLogitsLoss()
    batches = epoch_batches(len(data), BATCH, 0, 0)[:steps]
    clock = time.perf_counter()
    for index in batches:
        real = data.images[index]
        fake = g(torch.randn(BATCH, config.latent_dim))
        real_logits, fake_logits = d(real), d(fake.detach())
        d_loss = bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        out = d(fake)
        g_loss = bce(out, torch.ones_like(out))
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
    return steps * BATCH / (time.perf_counter() - clock)


def through_cli(steps: int, tmp: Path) -> float:
    log = tmp / f"cli-{time.monotonic_ns()}.jsonl"
    args = ["dcgan", "--steps", str(steps), "--batch-size", str(BATCH), "--sample-every", str(10 * steps)]
    args += ["--save-every", str(10 * steps), "--fid-samples", "0", "--out", str(tmp / "cli"), "--jsonl", str(log)]
    if cli(args) != 0:
        raise RuntimeError("the CLI run failed")
    records = [json.loads(line) for line in log.read_text().splitlines()]
    return [r for r in records if r["event"] == "step"][-1]["images_per_second"]


def through_ui(spec: RunSpec, tmp: Path) -> tuple[float, float, float]:
    """(images/s, live FID seconds, wall seconds) of a run driven by the Training tab's job."""
    job = TrainingJob(runs=tmp / "ui")
    clock = time.perf_counter()
    job.start(spec)
    job.wait()
    wall = time.perf_counter() - clock
    h = job.snapshot()
    if h.status != "finished":
        raise RuntimeError(h.message)
    return h.images_per_second, h.eval_seconds, wall


def trainer_images_per_second(args, data, device: torch.device, acceleration: Acceleration) -> float:
    """Images/s of the trainer's steps ``warmup`` … ``warmup + steps`` (timed at the Step events: each step ends with
    its metrics read back, so the device has finished it)."""
    trainer = registry.get(args.family)
    length = dict(steps=args.warmup + args.steps, batch_size=args.batch_size, sample_every=10**9, save_every=10**9)
    options = {"fid_samples": 0} if "fid_samples" in trainer.options() else {}
    config = trainer.make_config(length, "fashion-mnist", options, {"resolution": args.resolution})
    events = trainer.train(config, None, data=data, device=device, acceleration=acceleration)
    times = [time.perf_counter() for event in events if isinstance(event, Step)]
    return args.steps * args.batch_size / (times[-1] - times[args.warmup - 1])


def sweep(args) -> None:
    """The trainer's images/s under each speed setting, on one device."""
    device = torch.device(args.device) if args.device else default_device()
    data = load_dataset("fashion-mnist", "train", args.resolution)
    amp = Acceleration(args.amp).resolve(device).amp
    settings = {"fp32": Acceleration(), "fp32 + channels_last": Acceleration(channels_last=True)}
    if amp != "off":
        settings[f"{amp}"] = Acceleration(amp)
        settings[f"{amp} + channels_last"] = Acceleration(amp, channels_last=True)
    if args.compile:
        fast = amp if amp != "off" else "fp32"
        settings[f"{fast} + compile"] = Acceleration(amp, False, True)
        settings[f"{fast} + channels_last + compile"] = Acceleration(amp, True, True)
    name = (
        torch.cuda.get_device_name(device) if device.type == "cuda" else f"{device} ({torch.get_num_threads()} threads)"
    )
    results = {}
    failed = {}
    for label, acceleration in settings.items():
        try:
            results[label] = trainer_images_per_second(args, data, device, acceleration)
        except Exception as error:  # a compiler that fails on this model/PyTorch: report it, measure the rest
            failed[label] = f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
            print(f"  {label}: failed ({failed[label]})", flush=True)
            continue
        print(f"  {label}: {results[label]:.0f} images/s", flush=True)
    print(
        f"\n{args.family} {args.resolution}², batch {args.batch_size}, {args.steps} timed steps after {args.warmup}, "
        f"on {name}, torch {torch.__version__}"
    )
    if amp == "off":
        print("(no mixed precision here: --amp auto is off on the CPU; ask for it with --amp bf16)")
    print(f"{'setting':<36}{'images/s':>10}{'× fp32':>9}")
    for label, value in results.items():
        print(f"{label:<36}{value:>10.0f}{value / results['fp32']:>9.2f}")
    for label, reason in failed.items():
        print(f"{label:<36}{'failed':>10}  {reason}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--fid-steps", type=int, default=500, help="length of the live-FID cost run (0 = skip)")
    parser.add_argument("--sweep", action="store_true", help="images/s of the trainer under each speed setting")
    parser.add_argument("--family", default="dcgan", help="sweep: the family trained (default dcgan)")
    parser.add_argument("--resolution", type=int, default=32, help="sweep: image side (DCGAN 32 or 64)")
    parser.add_argument("--batch-size", type=int, default=BATCH, help="sweep: batch size")
    parser.add_argument("--device", default=None, help="sweep: cuda, mps or cpu (default: the best available)")
    parser.add_argument("--amp", choices=AMP_MODES, default="auto", help="sweep: the mixed-precision rows' setting")
    parser.add_argument("--compile", action="store_true", help="sweep: add a torch.compile row")
    parser.add_argument("--warmup", type=int, default=10, help="sweep: untimed steps before each timed run")
    args = parser.parse_args()
    if args.sweep:
        sweep(args)
        return
    data = load_dataset("fashion-mnist", "train")
    ui_spec = RunSpec(steps=args.steps, batch_size=BATCH, sample_every=10 * args.steps, eval_every=0)
    best = {"bare loop": 0.0, "trainer via CLI": 0.0, "trainer via UI events": 0.0}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        bare_loop(data, 5)  # warm-up (allocator, kernels)
        for _ in range(args.repeats):
            best["bare loop"] = max(best["bare loop"], bare_loop(data, args.steps))
            best["trainer via CLI"] = max(best["trainer via CLI"], through_cli(args.steps, tmp))
            best["trainer via UI events"] = max(best["trainer via UI events"], through_ui(ui_spec, tmp)[0])
        print(
            f"\nDCGAN 32², batch {BATCH}, {args.steps} steps, best of {args.repeats}, {torch.get_num_threads()} threads"
        )
        print(f"{'way':<24}{'images/s':>10}{'× bare':>9}")
        for name, value in best.items():
            print(f"{name:<24}{value:>10.1f}{value / best['bare loop']:>9.3f}")
        if args.fid_steps:
            spec = RunSpec(steps=args.fid_steps)  # the tab's defaults: batch 64, grid every 50, FID every 250
            _, fid_seconds, wall = through_ui(spec, tmp)
            print(
                f"\nlive FID at the tab's defaults ({spec.eval_samples} samples every {spec.eval_every} steps, "
                f"{args.fid_steps} steps): {fid_seconds:.1f} s of {wall:.1f} s = {100 * fid_seconds / wall:.1f} % "
                "of the run"
            )


if __name__ == "__main__":
    main()
