"""The Training tab's handlers drive real runs on real Fashion-MNIST through the trainers' event stream."""

import dataclasses
import json
import math
import time

import gradio as gr
import pytest
import torch
from PIL import Image
from safetensors import safe_open

from explorer import losses
from explorer.settings import Settings
from explorer.ui import common
from explorer.ui.tabs import interpolation, training
from explorer.zoo import Zoo, load_folder
from trainers import job as job_module
from trainers import registry
from trainers.events import Samples
from trainers.job import History, RunSpec, TrainingJob
from trainers.loop import saved_step

GENERATOR_METRICS = {"g_loss", "ortho"}  # recorded from G's first update on (step n_critic), NaN before it


def finish(job: TrainingJob, seconds: float) -> History:
    """Wait up to ``seconds`` for the run to end; fail with where it stands if it has not."""
    job.wait(seconds)
    h = job.snapshot()
    assert not h.running, f"the run is still {h.status} at step {h.step} of {h.total_steps} after {seconds} s"
    return h


def reach_step(job: TrainingJob, step: int, seconds: float) -> None:
    """Wait until the run has finished ``step`` steps; fail if it ends first or takes over ``seconds``."""
    deadline = time.monotonic() + seconds
    while (h := job.snapshot()).step < step:
        assert h.running, f"the run ended ({h.status}: {h.message}) at step {h.step}, before step {step}"
        assert time.monotonic() < deadline, f"the run reached step {h.step}, not {step}, within {seconds} s"
        time.sleep(0.05)


@pytest.fixture
def job(tmp_path, fashion_small, monkeypatch):
    """A job on 2 048 real training images (the tab's data cache, pre-filled)."""
    monkeypatch.setattr(job_module, "_datasets", {("fashion-mnist", 1): fashion_small})
    j = TrainingJob(runs=tmp_path / "runs")
    yield j
    j.stop(wait=60)
    h = j.snapshot()
    assert not h.running, f"the run did not stop within 60 s of the test's end ({h.status} at step {h.step})"


def controls(family="DCGAN", loss="non-saturating", **overrides):
    """The tab's control values by name (``RunSpec`` fields): a short run with live FID."""
    recipe = RunSpec.recipe(training.run._family(family), loss)
    values = dict(
        family=family,
        data="fashion-mnist",
        loss=loss,
        **{k: recipe[k] for k in ("g_lr", "d_lr", "beta1", "beta2", "d_steps")},
        batch_size=16,
        label_smoothing=0.0,
        ema_beta=0.0,
        soft_labels=False,
        label_flip=0.0,
        d_batches="separate",
        d_norm="",
        d_activation="leaky-relu",
        d_down="strided",
        d_spectral_norm=False,
        g_norm="batch",
        g_activation="relu",
        g_output="tanh",
        latent_dim=0,
        ortho_beta=1e-4,
        seed=0,
        steps=12,
        sample_every=4,
        eval_every=6,
        eval_samples=200,
    )
    values.update(overrides)
    assert set(values) == set(training.run.CONTROLS)
    return values


RUNS = [("DCGAN", loss) for loss in registry.get("dcgan").objectives()] + [
    ("StyleGAN-small", "non-saturating + R1"),
    ("BigGAN-small", "hinge"),
    ("VAE", "ELBO"),
]


@pytest.mark.slow
@pytest.mark.parametrize("family, loss", RUNS)
def test_each_family_and_loss_streams_finite_losses_samples_and_fid(job, family, loss):
    training.run.start_run(job, controls(family, loss, steps=8 if family != "DCGAN" else 12))
    h = finish(job, 300)
    assert h.status == "finished", h.message
    assert h.step == h.total_steps and h.steps == list(range(1, h.total_steps + 1))
    main = "neg_elbo" if family == "VAE" else "d_loss"
    assert main in h.metrics and (family == "VAE" or "g_loss" in h.metrics), sorted(h.metrics)
    # every value is finite except the generator's before its first update: with n_critic = k D steps per
    # G step, G first steps at step k, so its metrics are NaN (not yet measured) at steps 1 … k − 1 only
    for name, values in h.metrics.items():
        unmeasured = h.spec.d_steps - 1 if name in GENERATOR_METRICS else 0
        assert len(values) == h.total_steps, name
        assert all(math.isnan(v) for v in values[:unmeasured]), (name, values)
        assert all(math.isfinite(v) for v in values[unmeasured:]), (name, values)
    if family == "DCGAN" and losses.OBJECTIVES[loss].critic:
        assert "wasserstein" in h.metrics
    assert len(h.grids) >= 2 and h.grids[-1][0] == h.total_steps
    assert [e.step for e in h.evaluations] == [6, h.total_steps]  # every eval_every = 6 steps, and the last
    assert all(math.isfinite(e.fid) and sum(e.histogram) == 200 for e in h.evaluations)
    figures = training.views.figures(h)
    assert all(len(fig.data) >= 1 for fig in figures)
    assert "Fashion-MNIST classifier features" in figures[2].layout.title.text


def test_stop_ends_the_run_within_a_step_and_keeps_a_checkpoint(job):
    training.run.start_run(job, controls(steps=100_000, eval_every=0))
    reach_step(job, 3, 120)
    clock = time.perf_counter()
    status = training.run.stop_run(job)
    assert time.perf_counter() - clock < 10
    h = job.snapshot()
    assert h.status == "stopped" and "stopped by the user" in h.message and "stopped" in status
    assert h.saved_step == h.step == saved_step(h.out)  # the checkpoint is of the last finished step
    assert all(torch.isfinite(p).all() for p in load_folder(h.out, "cpu").parameters())


def test_save_puts_the_run_in_the_zoo_and_the_interpolation_tab_renders_it(job):
    training.run.start_run(job, controls(steps=10, eval_every=0))
    assert finish(job, 120).status == "finished"
    zoo = Zoo(device="cpu")
    names = []
    lists = [common.ModelList(gr.Dropdown(), lambda: interpolation.model_names(zoo))]
    message, dropdown = training.run.save_run(job, zoo, "student-dcgan", lists)
    names = dropdown.choices
    assert "student-dcgan" in message and ("student-dcgan", "student-dcgan") in names
    frame = interpolation.render_frame(zoo, "student-dcgan", 1, 2, 0.5, "spherical (slerp)")
    assert frame.size == (32 * interpolation.PREVIEW_SCALE,) * 2
    with pytest.raises(ValueError, match="already"):
        job.save(zoo, "dcgan-fashion-mnist")  # never shadows a shipped model
    with pytest.raises(ValueError, match="letters, digits"):
        job.save(zoo, "../escape")


def test_a_second_start_is_told_the_app_is_busy(job):
    training.run.start_run(job, controls(steps=100_000, eval_every=0), owner="alice")
    with pytest.raises(gr.Error, match="busy"):
        training.run.start_run(job, controls(), owner="bob")
    with pytest.raises(gr.Error, match="another browser session"):
        training.run.stop_run(job, owner="bob")
    training.run.stop_run(job, owner="alice")
    assert job.snapshot().status == "stopped"


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(g_lr=0), "learning rates must be > 0"),
        (dict(d_lr=-1e-4), "learning rates must be > 0"),
        (dict(d_steps=0), "n_critic"),
        (dict(g_lr=None), "G learning rate is empty"),
        (dict(g_lr=float("nan")), "finite"),
        (dict(batch_size=4096), "exceeds the 2048 images"),
        (dict(family="VAE", loss="wgan"), "trains with ELBO"),
        (dict(data="folder:../../etc"), "must be inside"),
        (dict(loss="wgan", soft_labels=True), "soft labels apply to the BCE objectives"),
        (dict(family="MLP GAN (2014)", d_norm="instance"), "instance norm needs a convolutional discriminator"),
        (dict(ortho_beta=0.0), "DCGAN has no orthogonal-regularisation switch; the tricks apply to BigGAN-small"),
        (dict(family="BigGAN-small", loss="hinge", label_flip=0.1), "BigGAN-small has no label-flip switch"),
        (dict(d_norm="group"), "D's normalisation must be one of"),
        (dict(family="BigGAN-small", loss="hinge", latent_dim=30), "latent_dim must be a multiple of 4"),
    ],
)
def test_bad_settings_give_a_message_and_start_nothing(job, overrides, message):
    with pytest.raises(gr.Error, match=message):
        common.user_errors(training.run.start_run)(job, controls(**overrides))
    assert job.snapshot().status == "idle" and not any((job.runs).glob("*"))


def test_an_image_folder_without_images_is_refused(job, tmp_path, monkeypatch):
    root = tmp_path / "images"
    (root / "empty").mkdir(parents=True)
    (root / "empty" / "notes.txt").write_text("no pictures here")
    job.settings = dataclasses.replace(job.settings, images=root)
    with pytest.raises(gr.Error, match="no readable images"):
        common.user_errors(training.run.start_run)(job, controls(data="folder:empty"))


@pytest.mark.slow  # 150 steps, past the first checkpoint at 100: ~15 s
def test_a_diverging_run_stops_marks_the_step_and_offers_the_last_good_checkpoint(job, monkeypatch):
    calls = {"n": 0}
    recipe = losses.OBJECTIVES["non-saturating"]

    def poisoned(real, fake):
        calls["n"] += 1
        loss = recipe.d_loss(real, fake)
        return loss * float("nan") if calls["n"] == 150 else loss

    monkeypatch.setitem(losses.OBJECTIVES, "non-saturating", dataclasses.replace(recipe, d_loss=poisoned))
    training.run.start_run(job, controls(steps=300, eval_every=0))
    h = finish(job, 300)
    assert h.status == "diverged" and h.diverged_at == 149 and "NaN" in h.message
    assert h.saved_step == 100 == saved_step(h.out)  # save_every = 100 for tab runs
    losses_figure = training.views.figures(h)[0]
    assert any(shape.x0 == 149 for shape in losses_figure.layout.shapes)  # the plot shows where
    assert "diverged" in training.run.status_html(h)


def test_a_run_nobody_watches_stops_itself_and_saves(tmp_path, fashion_small, monkeypatch):
    monkeypatch.setattr(job_module, "_datasets", {("fashion-mnist", 1): fashion_small})
    job = TrainingJob(runs=tmp_path / "runs", orphan_seconds=1.0)
    training.run.start_run(job, controls(steps=100_000, eval_every=0))
    h = finish(job, 60)
    assert h.status == "stopped" and "no browser" in h.message
    assert h.saved_step == h.step > 0


def test_poll_sends_nothing_when_nothing_changed_and_the_timeline_scrubs(job):
    training.run.start_run(job, controls(steps=12, eval_every=0))
    assert finish(job, 120).status == "finished"
    first = training.views.poll(job, -1, True, None)
    version = first[0]
    assert version == job.snapshot().version and isinstance(first[6], Image.Image)
    again = training.views.poll(job, version, True, None)
    assert all(isinstance(x, type(gr.skip())) for x in again[1:])
    early, follow = training.views.scrub(job, 0)
    late, _ = training.views.scrub(job, 99)
    assert follow is False and early.size == late.size and early.tobytes() != late.tobytes()
    gif, mp4 = training.views.timeline_animation(job)
    assert gif.endswith(".gif") and mp4.endswith(".mp4")
    with Image.open(gif) as animation:
        assert animation.n_frames == len(job.snapshot().grids)


def test_family_choice_sets_its_losses_and_paper_recipe():
    values = training.run.recipe_values("BigGAN-small")
    recipe = tuple(values[k] for k in ("g_lr", "d_lr", "beta1", "d_steps"))
    assert values["loss"].choices == [("hinge", "hinge")] and recipe == (1e-4, 4e-4, 0.0, 2)
    values = training.run.recipe_values("DCGAN", "wgan")
    assert values["loss"].value == "wgan" and values["g_lr"] == 5e-5 and values["d_steps"] == 5


def test_history_keeps_a_bounded_timeline():
    h = History()
    for step in range(1, 400):
        h.record(Samples(step, torch.zeros(1, 1, 2, 2)))
    assert len(h.grids) <= job_module.MAX_GRIDS and h.grids[0][0] == 1 and h.grids[-1][0] == 399


def test_push_to_the_hub_without_a_token_says_how(job, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(ValueError, match="HF_TOKEN"):
        training.run.push_run(job, "someone/model")


def test_cifar10_binary_batches_train_an_rgb_dcgan(tmp_path, monkeypatch):
    """CIFAR-10 cannot be downloaded here: the reader runs on batches in the binary release's layout."""
    import numpy as np

    from explorer import data

    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        records = rng.integers(0, 256, size=(40, 3073), dtype=np.uint8)
        records[:, 0] = rng.integers(0, 10, size=40)
        records.tofile(folder / name)
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path)  # load_dataset's default (no settings given)
    monkeypatch.setattr(job_module, "_datasets", {})
    train = data.load_dataset("cifar10")
    assert train.images.shape == (200, 3, 32, 32) and train.class_names[0] == "airplane"
    assert train.images.min() >= -1 and train.images.max() <= 1
    (folder / "test_batch.bin").write_bytes(b"\0" * 100)
    with pytest.raises(ValueError, match="not a CIFAR-10 binary batch"):
        data.load_dataset("cifar10", "test")
    j = TrainingJob(runs=tmp_path / "runs", settings=dataclasses.replace(Settings(), data_cache=tmp_path))
    training.run.start_run(j, controls(data="cifar10", steps=4, eval_every=0, batch_size=16))
    h = finish(j, 120)
    assert h.status == "finished" and h.grids[-1][1].shape[1] == 3  # RGB samples


def test_tricks_from_the_tab_reach_the_run_and_show_in_its_plots(job):
    training.run.start_run(
        job,
        controls(
            "MLP GAN (2014)", steps=6, eval_every=0, soft_labels=True, label_flip=0.2, d_activation="relu", latent_dim=8
        ),
    )
    h = finish(job, 120)
    assert h.status == "finished", h.message
    assert "flipped" in h.metrics and all(0 <= v <= 1 for v in h.metrics["flipped"])
    model = load_folder(h.out, device="cpu")
    assert type(model).__name__ == "MLPGenerator" and model.latent_dim == 8
    card = (h.out / "README.md").read_text()
    assert "soft labels" in card and "20% of D's label pairs flipped" in card and "ReLU in D" in card


@pytest.mark.slow  # a full-size BigGAN-small: ~10–20 s on 2 shared cores
def test_biggan_orthogonal_regularisation_is_measured_even_when_off(job):
    training.run.start_run(job, controls("BigGAN-small", "hinge", steps=2, d_steps=1, eval_every=0, ortho_beta=0.0))
    h = finish(job, 120)
    assert h.status == "finished", h.message
    assert "orthogonal regularisation β = 0.0" in (h.out / "README.md").read_text()
    assert all(v > 0 for v in h.metrics["ortho"])  # R is measured without being penalised, so runs compare
    losses_figure = training.views.figures(h)[0]
    series = next(trace for trace in losses_figure.data if "R_ortho" in trace.name)
    assert max(series.y) == pytest.approx(1e-4 * max(h.metrics["ortho"]), rel=1e-6)


def live_runs(job: TrainingJob) -> list[str]:
    """The runs of Compare runs that this app holds in memory (their key is their label); the recorded ones and
    those on disk are tests/test_recorded_runs.py's."""
    prefixes = (training.recorded.RECORDED_PREFIX, training.recorded.SAVED_PREFIX)
    return [key for label, key in training.compare.run_choices(job) if not key.startswith(prefixes)]


def test_two_finished_runs_compare_side_by_side_and_a_sigmoid_g_shows_in_its_card(job):
    assert live_runs(job) == []
    with pytest.raises(gr.Error, match="tick at least one finished run"):
        training.compare.compare_runs(job, [])
    training.run.start_run(job, controls("DCGAN", "non-saturating", steps=6, eval_every=3))
    assert finish(job, 120).status == "finished"
    training.run.start_run(job, controls("DCGAN", "non-saturating", steps=6, eval_every=3, g_output="sigmoid"))
    h = finish(job, 120)
    assert h.status == "finished", h.message
    assert "a sigmoid output in G" in (h.out / "README.md").read_text()
    labels = live_runs(job)
    assert len(labels) == 2 and labels[0].startswith("1. DCGAN · non-saturating") and "G-output sigmoid" in labels[1]
    assert "G-output" not in labels[0]  # a label names only what differs from the recipe
    losses_fig, fid_fig, grids = training.compare.compare_runs(job, labels)
    assert [t.name for t in losses_fig.data] == ["run 1: G", "run 1: D", "run 2: G", "run 2: D"]
    assert [t.name for t in fid_fig.data] == ["run 1", "run 2"] and all(len(t.y) == 2 for t in fid_fig.data)
    one = training.compare.compare_runs(job, labels[:1])[2]
    assert grids.width > 2 * one.width - 20 and grids.height == one.height  # two grids in one row


def test_pooling_and_spectral_norm_from_the_tab_reach_d_and_dead_units_and_sigmas_show(job):
    with pytest.raises(gr.Error, match="no run yet"):
        common.user_errors(training.views.sigma_readout)(job)
    training.run.start_run(job, controls(steps=2, batch_size=8, eval_every=0, d_down="max-pool", d_spectral_norm=True))
    h = finish(job, 120)
    assert h.status == "finished", h.message
    settings = json.loads(safe_open(str(h.out / "training_state.safetensors"), framework="pt").metadata()["metadata"])
    settings = settings["settings"]
    assert (settings["d_down"], settings["d_spectral_norm"], settings["d_norm"]) == ("max-pool", True, "none")
    card = (h.out / "README.md").read_text()
    assert "max-pool downsampling in D" in card and "spectral normalisation on every layer of D" in card
    assert all(0 <= v <= 1 for key in ("g_dead", "d_dead") for v in h.metrics[key])
    outputs = training.views.figures(h)[1]
    names = [trace.name for trace in outputs.data]
    assert "G dead units (fraction)" in names and "D dead units (fraction)" in names
    assert "dead" not in " ".join(t.name for t in training.views.figures(History())[1].data)  # only when measured
    table = training.views.sigma_readout(job)
    assert "σ(W/σ̂)" in table and "step 2" in table and table.count("| net.") == 4
    assert "spectral-norm True" in job_module.describe(h) and "D-downsampling max-pool" in job_module.describe(h)
