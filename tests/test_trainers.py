import dataclasses
import json
import subprocess
import sys

import pytest
import torch

from explorer import losses
from explorer.zoo import load_folder
from trainers.__main__ import main as cli
from trainers.checkpoint import write_folder_atomically
from trainers.dcgan import train_dcgan
from trainers.events import Finished, Samples, Started, Step, Stopped
from trainers.loop import saved_step

from .conftest import tiny_train_config


def test_discriminator_loss_is_binary_cross_entropy():
    real, fake = torch.randn(64), torch.randn(64)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    expected = bce(real, torch.ones(64)) + bce(fake, torch.zeros(64))
    assert torch.allclose(losses.discriminator_loss(real, fake), expected, atol=1e-6)


def test_minimax_generator_gradient_vanishes_where_non_saturating_is_strong():
    # D confidently rejects the fakes: D(G(z)) = σ(−8) ≈ 3e-4
    logits = torch.full((1,), -8.0, requires_grad=True)
    losses.generator_loss_minimax(logits).backward()
    minimax_grad = logits.grad.abs().item()
    logits.grad = None
    losses.generator_loss_non_saturating(logits).backward()
    non_saturating_grad = logits.grad.abs().item()
    assert minimax_grad == pytest.approx(torch.sigmoid(torch.tensor(-8.0)).item(), rel=1e-4)  # −D(G(z))
    assert non_saturating_grad == pytest.approx(1 - torch.sigmoid(torch.tensor(-8.0)).item(), rel=1e-4)
    assert non_saturating_grad > 1000 * minimax_grad


def test_short_run_on_real_data_writes_a_loadable_checkpoint(tiny_checkpoint):
    model = load_folder(tiny_checkpoint, device="cpu")
    assert model.latent_dim == 16
    assert saved_step(tiny_checkpoint) == 30
    card = (tiny_checkpoint / "README.md").read_text()
    assert "steps: 30" in card and "python -m trainers dcgan" in card
    assert (tiny_checkpoint / "samples.png").stat().st_size > 0
    with torch.inference_mode():
        assert torch.isfinite(model.generate(model.sample_latent(4, 0))).all()


def test_events_and_reproducibility(fashion_small):
    events = list(train_dcgan(tiny_train_config(steps=12), None, data=fashion_small, device="cpu"))
    assert isinstance(events[0], Started) and events[0].total_steps == 12
    steps = [e for e in events if isinstance(e, Step)]
    assert [s.step for s in steps] == list(range(1, 13))
    assert all(torch.isfinite(torch.tensor([s.metrics["d_loss"], s.metrics["g_loss"]])).all() for s in steps)
    assert all(0 <= s.metrics["d_real"] <= 1 and 0 <= s.metrics["d_fake"] <= 1 for s in steps)
    samples = [e for e in events if isinstance(e, Samples)]
    assert [s.step for s in samples] == [10, 12] and samples[0].images.shape == (16, 1, 32, 32)
    assert isinstance(events[-1], Finished) and events[-1].path is None
    again = [
        e
        for e in train_dcgan(tiny_train_config(steps=12), None, data=fashion_small, device="cpu")
        if isinstance(e, Step)
    ]
    assert [s.metrics for s in again] == [s.metrics for s in steps]


def test_nan_stops_the_run_and_keeps_the_last_good_checkpoint(fashion_small, tmp_path, monkeypatch):
    calls = {"n": 0}
    real_loss = losses.discriminator_loss

    def poisoned(real_logits, fake_logits):
        calls["n"] += 1
        loss = real_loss(real_logits, fake_logits)
        return loss * float("nan") if calls["n"] == 25 else loss

    recipe = losses.OBJECTIVES["non-saturating"]
    monkeypatch.setitem(losses.OBJECTIVES, "non-saturating", dataclasses.replace(recipe, d_loss=poisoned))
    out = tmp_path / "run"
    events = list(train_dcgan(tiny_train_config(steps=40), out, data=fashion_small, device="cpu"))
    assert isinstance(events[-1], Stopped)
    assert "NaN" in events[-1].reason and "d_loss" in events[-1].reason and "step 20 is kept" in events[-1].reason
    assert max(e.step for e in events if isinstance(e, Step)) == 24
    assert saved_step(out) == 20  # the file on disk is the last good one
    model = load_folder(out, device="cpu")
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_closing_the_run_saves_the_current_state(fashion_small, tmp_path):
    out = tmp_path / "stopped"
    events = train_dcgan(tiny_train_config(steps=100, save_every=1000), out, data=fashion_small, device="cpu")
    for event in events:
        if isinstance(event, Step) and event.step == 7:
            break
    events.close()  # what the Stop button and Ctrl-C do
    assert saved_step(out) == 7
    load_folder(out, device="cpu")


def test_resume_continues_from_the_saved_step(fashion_small, tmp_path):
    out = tmp_path / "resumable"
    list(train_dcgan(tiny_train_config(steps=20), out, data=fashion_small, device="cpu"))
    events = list(train_dcgan(tiny_train_config(steps=30), out, data=fashion_small, device="cpu", resume=True))
    assert isinstance(events[0], Started) and events[0].step == 20
    assert [e.step for e in events if isinstance(e, Step)] == list(range(21, 31))
    assert saved_step(out) == 30
    with pytest.raises(ValueError, match="already at step 30"):
        list(train_dcgan(tiny_train_config(steps=30), out, data=fashion_small, device="cpu", resume=True))


def test_a_failed_write_leaves_the_previous_folder_intact(tmp_path):
    folder = tmp_path / "model"
    write_folder_atomically(folder, lambda tmp: (tmp / "a.txt").write_text("old"))

    def broken(tmp):
        (tmp / "a.txt").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_folder_atomically(folder, broken)
    assert (folder / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temp folders left behind


def test_cli_trains_and_the_zoo_loads_the_result(tmp_path):
    out = tmp_path / "cli"
    argv = "dcgan --data fashion-mnist --steps 3 --batch-size 16 --g-width 8 --d-width 8 --fid-samples 200"
    status = cli([*argv.split(), "--out", str(out), "--jsonl", str(tmp_path / "events.jsonl")])
    assert status == 0
    assert load_folder(out, device="cpu").latent_dim == 100
    records = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert [r["event"] for r in records if r["event"] == "step"] == ["step"] * 3
    card = (out / "README.md").read_text()
    command = next(line for line in card.splitlines() if line.startswith("python -m trainers dcgan"))
    assert "--resume" not in command and "--steps 3" in command
    assert "## FID (Fashion-MNIST classifier features, 200 samples" in card and "ceiling" in card


@pytest.mark.slow
def test_cli_errors_are_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "trainers", "dcgan", "--steps", "5", "--resume", "--out", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot resume") and "Traceback" not in result.stderr
    assert cli(["dcgan", "--steps", "5", "--batch-size", "1", "--out", str(tmp_path / "x")]) == 2
