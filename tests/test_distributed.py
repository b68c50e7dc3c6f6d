"""Training on several processes (torchrun + DistributedDataParallel) and the speed switches (AMP, channels_last,
torch.compile): the torchrun environment, rank 0 alone writing, 2 processes = 1 process, the flags on the CPU."""

import dataclasses
import functools
import json
import os
import socket
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open

from explorer import losses
from explorer.models.dcgan import DCGANConfig
from explorer.zoo import load_folder
from trainers.__main__ import consume, parser
from trainers.__main__ import main as cli
from trainers.acceleration import Acceleration
from trainers.dcgan import DCGANTask, DCGANTrainConfig
from trainers.distributed import Distributed
from trainers.events import Finished, Samples, Saved, Started, Step, Stopped
from trainers.loop import epoch_batches, run, saved_step

CPU = torch.device("cpu")


def tiny_train_config(**overrides) -> DCGANTrainConfig:
    """conftest's tiny DCGAN (not imported from there: spawned workers import this module without pytest)."""
    values = dict(steps=30, batch_size=32, sample_every=10, save_every=10, n_samples=16, fid_samples=0)
    model = DCGANConfig(latent_dim=16, g_width=8, d_width=8)
    return DCGANTrainConfig(**values | overrides, model=model)


class LoneRank(Distributed):
    """One rank of a world whose other processes are imagined: the collectives act on this process alone."""

    def check_ready(self) -> None:
        pass

    def wrap(self, network, device):
        return network

    def mean(self, metrics, device):
        return metrics

    def everywhere(self, flag, device):
        return flag

    def average_buffers(self, networks) -> None:
        pass


def test_the_torchrun_environment_is_detected():
    assert Distributed.from_env({}) == Distributed() and not Distributed().enabled and Distributed().is_main
    second = Distributed.from_env({"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1", "MASTER_PORT": "29500"})
    assert (second.rank, second.world_size, second.local_rank) == (1, 2, 1)
    assert second.enabled and not second.is_main
    assert second.device("cuda") == torch.device("cuda", 1) and second.device("cpu") == CPU  # one GPU per process
    assert Distributed().device("cuda") == torch.device("cuda")  # one process: the device as asked
    with pytest.raises(ValueError, match="only RANK"):
        Distributed.from_env({"RANK": "0"})
    with pytest.raises(ValueError, match="whole numbers"):
        Distributed.from_env({"RANK": "a", "WORLD_SIZE": "2", "LOCAL_RANK": "0"})
    with pytest.raises(ValueError, match="rank"):
        Distributed.from_env({"RANK": "2", "WORLD_SIZE": "2", "LOCAL_RANK": "0"})
    # --batch-size is the global batch: rows rank, rank + N, … of it
    assert second.share(32) == 16 and second.rows(torch.arange(8)).tolist() == [1, 3, 5, 7]
    assert Distributed().rows(torch.arange(3)).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="divide by the 2 processes"):
        second.share(33)
    with pytest.raises(RuntimeError, match="no process group"):
        second.check_ready()  # a world of 2 needs torchrun's process group


def test_only_rank_zero_writes_checkpoints_samples_and_events(fashion_small, tmp_path):
    config = tiny_train_config(steps=4, batch_size=32, sample_every=2, save_every=2)
    first_batch = fashion_small.images[epoch_batches(len(fashion_small), 32, config.seed, 0)[0]]
    events = {}
    for rank in (0, 1):
        task = DCGANTask(config, CPU)
        seen = []
        step_fn = task.train_step
        task.train_step = lambda images, labels, step, fn=step_fn, seen=seen: (
            seen.append(images) or fn(images, labels, step)
        )
        events[rank] = list(
            run(task, fashion_small, tmp_path / f"rank{rank}", device=CPU, distributed=LoneRank(rank, 2))
        )
        assert [len(images) for images in seen] == [16] * 4  # half the global batch each
        assert torch.equal(seen[0], first_batch[rank::2])  # this rank's rows of the global batch
    for run_events in events.values():
        started = run_events[0]
        assert isinstance(started, Started) and (started.processes, started.batch_size) == (2, 32)
        assert [e.step for e in run_events if isinstance(e, Step)] == [1, 2, 3, 4]
        assert isinstance(run_events[-1], Finished)
    kinds = {rank: {type(e) for e in run_events} for rank, run_events in events.items()}
    assert {Samples, Saved} <= kinds[0] and (tmp_path / "rank0" / "model.safetensors").is_file()
    assert not kinds[1] & {Samples, Saved} and events[1][-1].path is None and not (tmp_path / "rank1").exists()
    # the CLI's consumer: the events file (--jsonl) is rank 0's alone
    log0, log1 = tmp_path / "rank0.jsonl", tmp_path / "rank1.jsonl"
    assert consume(iter(events[1]), tmp_path, log1, show=False) == 0 and not log1.exists()
    assert consume(iter(events[0]), tmp_path, log0) == 0
    assert sum(json.loads(line)["event"] == "step" for line in log0.read_text().splitlines()) == 4


def test_a_loss_that_diverges_on_another_process_stops_this_one(fashion_small, tmp_path):
    checks = []

    class PeerDiverges(LoneRank):
        def everywhere(self, flag, device):  # the other process's loss is NaN from the 7th check (step 4's D) on
            checks.append(flag)
            return flag and len(checks) < 7

    config = tiny_train_config(steps=6, save_every=2)
    events = list(
        run(DCGANTask(config, CPU), fashion_small, tmp_path / "run", device=CPU, distributed=PeerDiverges(0, 2))
    )
    stopped = events[-1]
    assert isinstance(stopped, Stopped) and stopped.step == 3 and "another process" in stopped.reason
    assert all(checks) and saved_step(tmp_path / "run") == 2  # this process's losses were finite; step 2 is kept


def test_the_speed_flags_parse_and_default_to_off_on_the_cpu():
    args = parser().parse_args(["stylegan", "--out", "x"])
    assert (args.amp, args.channels_last, args.compile) == ("auto", False, False)
    args = parser().parse_args(["dcgan", "--out", "x", "--amp", "fp16", "--channels-last", "--compile"])
    assert (args.amp, args.channels_last, args.compile) == ("fp16", True, True)
    with pytest.raises(SystemExit):
        parser().parse_args(["dcgan", "--out", "x", "--amp", "fp8"])
    assert Acceleration("auto").resolve(CPU) == Acceleration("off")  # all off on the CPU by default
    assert Acceleration("auto", channels_last=True).resolve(CPU).describe() == "fp32, channels_last"
    assert Acceleration("fp16", compile=True).describe() == "fp16 autocast + gradient scaling, compiled"
    with pytest.raises(ValueError, match="amp must be one of"):
        Acceleration("fp8")
    assert "torchrun --standalone --nproc_per_node N -m trainers" in " ".join(parser().format_help().split())


def test_bf16_autocast_and_channels_last_train_on_the_cpu(fashion_small, tmp_path):
    config = tiny_train_config(steps=3, save_every=100)
    plain = [e.metrics for e in run(DCGANTask(config, CPU), fashion_small, None, device=CPU) if isinstance(e, Step)]
    task = DCGANTask(config, CPU)
    events = list(run(task, fashion_small, tmp_path / "run", device=CPU, acceleration=Acceleration("bf16", True)))
    assert events[0].precision == "bf16 autocast, channels_last"
    fast = [e.metrics for e in events if isinstance(e, Step)]
    assert len(fast) == 3 and all(np.isfinite(list(m.values())).all() for m in fast)
    # bf16 rounds the forward (a different number) but computes the same loss (close to it)
    assert fast[0]["d_loss"] != plain[0]["d_loss"] and fast[0]["d_loss"] == pytest.approx(plain[0]["d_loss"], abs=0.05)
    weight = task.discriminator.state_dict()["net.0.weight"]
    assert weight.ndim == 4 and weight.is_contiguous(memory_format=torch.channels_last)
    with safe_open(str(tmp_path / "run" / "model.safetensors"), "pt") as f:  # saved fp32, in the usual layout
        assert {f.get_tensor(k).dtype for k in f.keys() if f.get_tensor(k).is_floating_point()} == {torch.float32}
    assert load_folder(tmp_path / "run", device="cpu").latent_dim == 16


def test_fp16_skipped_steps_are_not_divergence_but_a_nan_loss_still_is(fashion_small, tmp_path, monkeypatch):
    # a loss scale of 2^40 overflows fp16 gradients: the scaler skips those steps and halves the scale
    monkeypatch.setattr(torch.amp, "GradScaler", functools.partial(torch.amp.GradScaler, init_scale=2.0**40))
    config = tiny_train_config(steps=4, save_every=2)
    events = list(
        run(DCGANTask(config, CPU), fashion_small, tmp_path / "run", device=CPU, acceleration=Acceleration("fp16"))
    )
    steps = [e for e in events if isinstance(e, Step)]
    assert isinstance(events[-1], Finished) and len(steps) == 4 and steps[-1].metrics["fp16_skipped"] >= 1
    # a non-finite loss under fp16 is divergence: stopped before the update, the last checkpoint kept
    calls = {"n": 0}
    real_loss = losses.discriminator_loss

    def poisoned(real_logits, fake_logits):
        calls["n"] += 1
        loss = real_loss(real_logits, fake_logits)
        return loss * float("nan") if calls["n"] == 3 else loss

    recipe = losses.OBJECTIVES["non-saturating"]
    monkeypatch.setitem(losses.OBJECTIVES, "non-saturating", dataclasses.replace(recipe, d_loss=poisoned))
    events = list(
        run(DCGANTask(config, CPU), fashion_small, tmp_path / "nan", device=CPU, acceleration=Acceleration("fp16"))
    )
    assert isinstance(events[-1], Stopped) and events[-1].step == 2 and saved_step(tmp_path / "nan") == 2


@pytest.mark.slow
def test_compile_trains_with_a_gradient_penalty_through_the_compiled_critic(fashion_small, tmp_path, monkeypatch):
    # inductor needs minutes on these CPUs: the same torch.compile path with the aot_eager backend (AOTAutograd,
    # which has no double backward: the penalty must run eagerly)
    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend="aot_eager"))
    task = DCGANTask(tiny_train_config(steps=2, loss="wgan-gp", d_steps=1, save_every=100), CPU)
    events = list(run(task, fashion_small, tmp_path / "run", device=CPU, acceleration=Acceleration(compile=True)))
    assert events[0].precision == "fp32, compiled" and isinstance(events[-1], Finished)
    assert isinstance(task.parallel_discriminator, torch._dynamo.eval_frame.OptimizedModule)
    assert all(e.metrics["gp"] > 0 for e in events if isinstance(e, Step))  # the penalty, eagerly
    with safe_open(str(tmp_path / "run" / "training_state.safetensors"), "pt") as f:
        assert not [k for k in f.keys() if "_orig_mod" in k or "module." in k]  # the networks, not their wrappers


def tensor_formats(path: Path) -> dict[str, tuple]:
    with safe_open(str(path), "pt") as f:
        return {k: (tuple(f.get_slice(k).get_shape()), f.get_slice(k).get_dtype()) for k in f.keys()}


def train_as_rank(rank: int, argv: list[str], port: int) -> None:
    """What torchrun does for each of its workers: the worker's place in the environment, then the command."""
    os.environ.update(
        RANK=str(rank), WORLD_SIZE="2", LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port)
    )
    torch.set_num_threads(1)
    sys.exit(cli(argv))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_with_half_the_batch_each_train_like_one(fashion_test, tmp_path, monkeypatch):
    """``python -m trainers`` as torchrun's 2 workers (spawned processes with torchrun's variables; gloo, CPU)
    against the same command in one process. StyleGAN: no batch norm; its minibatch-std groups survive the
    strided split; z, mixing and noise are drawn for the global batch. The two runs see the same numbers and differ
    by float rounding only (sums in another order): ~1e-7 at first, ≲ 1e-5 after 20 steps with lr 2e-4 (at 2e-3 this
    tiny GAN's dynamics amplify the rounding to ~1e-3). Batches split any other way differ by ~1e-2 at step 1."""
    images = tmp_path / "images" / "fashion"
    images.mkdir(parents=True)
    for i, image in enumerate(fashion_test.images[:256]):
        Image.fromarray(((image[0].numpy() + 1) * 127.5).round().astype(np.uint8)).save(images / f"{i:03d}.png")
    monkeypatch.setenv("LATENT_EXPLORER_IMAGES", str(tmp_path / "images"))
    options = "stylegan --data folder:fashion --steps 20 --batch-size 32 --seed 3 --lr 2e-4 --r1-every 4 --latent-dim 8"
    options += " --w-dim 8 --mapping-layers 2 --width 8 --d-width 8 --n-samples 4 --fid-samples 0 --save-every 10"
    options = options.split()
    two = options + ["--out", str(tmp_path / "two"), "--jsonl", str(tmp_path / "two.jsonl")]
    torch.multiprocessing.start_processes(train_as_rank, args=(two, free_port()), nprocs=2, start_method="spawn")
    assert cli(options + ["--out", str(tmp_path / "one"), "--jsonl", str(tmp_path / "one.jsonl")]) == 0

    records = {
        n: [json.loads(line) for line in (tmp_path / f"{n}.jsonl").read_text().splitlines()] for n in ("one", "two")
    }
    started = records["two"][0]
    assert (started["event"], started["processes"], started["batch_size"]) == ("started", 2, 32)
    steps = {n: [r["metrics"] for r in rs if r["event"] == "step"] for n, rs in records.items()}
    assert len(steps["two"]) == len(steps["one"]) == 20  # rank 0 alone wrote the events
    for one, two in zip(steps["one"], steps["two"], strict=True):
        assert one.keys() == two.keys() and all(abs(one[k] - two[k]) < 1e-4 for k in one), (one, two)

    # the checkpoint: the same files, keys, shapes and dtypes (no "module." prefix), the same weights
    folders = tmp_path / "one", tmp_path / "two"
    assert sorted(p.name for p in folders[0].iterdir()) == sorted(p.name for p in folders[1].iterdir())
    assert (folders[0] / "config.json").read_text() == (folders[1] / "config.json").read_text()
    for name in ("model.safetensors", "training_state.safetensors"):
        assert tensor_formats(folders[0] / name) == tensor_formats(folders[1] / name)
    one, two = (load_folder(folder, device="cpu").state_dict() for folder in folders)
    assert all(torch.allclose(one[k], two[k], atol=1e-4) for k in one)  # w_avg too: buffers are averaged

    # resumed on another number of processes: the 2-process checkpoint continues in one process
    assert cli([*options[:4], "24", *options[5:], "--out", str(folders[1]), "--resume"]) == 0
    assert saved_step(folders[1]) == 24


def test_the_image_folder_recipe_trains_rgb_64_and_saves_without_a_fashion_fid(tmp_path, monkeypatch):
    """The README's "Training bigger" recipe in small: StyleGAN at 64², RGB, from an image folder, bf16 autocast and
    channels_last (as on a GPU). The card's FID is Fashion-MNIST's (a 1×32² classifier): for other images there is
    none, instead of a crash at the first save."""
    folder = tmp_path / "images" / "squares"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(16):
        Image.fromarray(rng.integers(0, 256, (80, 80, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    monkeypatch.setenv("LATENT_EXPLORER_IMAGES", str(tmp_path / "images"))
    options = "stylegan --data folder:squares --resolution 64 --channels 3 --width 8 --d-width 8 --latent-dim 8"
    options += " --w-dim 8 --mapping-layers 2 --n-samples 4 --steps 2 --batch-size 8 --amp bf16 --channels-last"
    assert cli([*options.split(), "--out", str(tmp_path / "run")]) == 0  # --fid-samples left at its 10 000
    model = load_folder(tmp_path / "run", device="cpu")
    assert (model.resolution, model.config.channels) == (64, 3)
    assert "FID" not in (tmp_path / "run" / "README.md").read_text()
