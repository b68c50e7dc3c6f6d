"""ZeroGPU's contract (``explorer.gpu``): a GPU task runs in a forked worker, its arguments and result are pickled,
and what it changes there is lost. ``gpu.emulate_zero_gpu`` (the ``zero_gpu`` fixture) runs every task that way on
this CPU; ``LATENT_EXPLORER_EMULATE_ZERO_GPU=1`` does it for whole test modules, e.g. the handler tests:

    LATENT_EXPLORER_EMULATE_ZERO_GPU=1 pytest tests/test_ui_tabs.py tests/test_ui_interpolate.py -n 0
"""

import inspect
import pickle
import re
import threading

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from PIL import Image

from explorer import device, gpu
from explorer.ui import common
from explorer.ui.tabs import arithmetic, interpolation, metrics
from explorer.ui.tabs.directions import edits, inversion
from explorer.ui.tabs.manifold import plane, vqvae
from explorer.ui.tabs.stylemix import mixing, motion, noise
from explorer.ui.tabs.training import growing
from explorer.ui.tabs.truncation import curve, ortho, samples, sweep
from explorer.zoo import Zoo

BIGGAN, STYLEGAN, DCGAN, VAE = (
    "biggan-fashion-mnist",
    "stylegan-fashion-mnist",
    "dcgan-fashion-mnist",
    "vae2d-fashion-mnist",
)
SEFA = ("SeFa (closed form)", "Trouser", "none", "all rows", "", "")  # method, target, condition, rows, labels
NUM_WS = 8  # stylegan-fashion-mnist's rows of ws (the noise sliders)

# every task: the handler and example arguments after the zoo (what the tab sends); "slow": heavy, pickled only here
EXAMPLES = {
    "explorer.ui.tabs.interpolation.render_frame": (
        interpolation.render_frame,
        (DCGAN, 1, 2, 0.5, "linear (lerp)"),
        False,
    ),
    "explorer.ui.tabs.interpolation.render_path": (
        interpolation.render_path,
        (DCGAN, 3, 4, 6, "spherical (slerp)", 0.3),
        False,
    ),
    "explorer.ui.tabs.truncation.samples.render_samples": (
        samples.render_samples,
        (BIGGAN, "Trouser", "Bag", 0.5, 0.7, 1),
        False,
    ),
    "explorer.ui.tabs.truncation.sweep.render_sweep": (sweep.render_sweep, (BIGGAN, "Trouser", "Bag", 0.0, 3), False),
    "explorer.ui.tabs.truncation.curve.render_curve": (curve.render_curve, (BIGGAN,), True),
    "explorer.ui.tabs.truncation.ortho.render_pair_curves": (ortho.render_pair_curves, (), True),
    "explorer.ui.tabs.stylemix.mixing.style_mix": (
        mixing.style_mix,
        (STYLEGAN, "1, 2", "3", "coarse", 0, 7, 1.0, 0, "const", 0),
        False,
    ),
    "explorer.ui.tabs.stylemix.noise.noise_image": (
        noise.noise_image,
        (STYLEGAN, 6, "random", 0, 1.0, [1.0] * NUM_WS),
        False,
    ),
    "explorer.ui.tabs.stylemix.motion.motion": (motion.motion, (STYLEGAN, STYLEGAN, 1, 0.7, 1.5, 0.0, 10.0), False),
    "explorer.ui.tabs.stylemix.motion.sticking": (motion.sticking, (STYLEGAN, STYLEGAN, 1, 0.7, 4), False),
    "explorer.ui.tabs.metrics.scores.compute_scores": (metrics.scores.compute_scores, (DCGAN, 500, 0), True),
    "explorer.ui.tabs.metrics.fid.fid_sample_size": (metrics.fid.fid_sample_size, (DCGAN,), True),
    "explorer.ui.tabs.metrics.tradeoff.truncation_tradeoff": (metrics.tradeoff.truncation_tradeoff, (DCGAN,), True),
    "explorer.ui.tabs.metrics.swd.swd": (metrics.swd.swd, (DCGAN, 200), False),
    "explorer.ui.tabs.metrics.swd.path_length": (metrics.swd.path_length, (STYLEGAN, 20), False),
    "explorer.ui.tabs.arithmetic.seed_grid": (arithmetic.seed_grid, (DCGAN, 0), False),
    "explorer.ui.tabs.arithmetic.arithmetic": (
        arithmetic.arithmetic,
        (DCGAN, "1, 2", "3", "4", "z space", 0.25, 0),
        False,
    ),
    "explorer.ui.tabs.manifold.vqvae.prior_samples": (vqvae.prior_samples, ("vqvae-fashion-mnist", 3), False),
    "explorer.ui.tabs.manifold.plane.render_plane": (plane.render_plane, (VAE, 5, 3.0, "linear", True), False),
    "explorer.ui.tabs.manifold.plane.decode_at": (plane.decode_at, (VAE, 15, 3.0, "linear", 240, 240), False),
    "explorer.ui.tabs.training.growing.render": (
        growing.render,
        ("progan-fashion-mnist", "0, 1, 2", "16²", 0.25),
        False,
    ),
    # the Directions tab's handlers read the inverted image's latent here, then call these with the latent itself
    "explorer.ui.tabs.directions.edits._edit": (edits._edit, (DCGAN, *SEFA, "0 · SeFa 0", 2.0, 4, None), False),
    "explorer.ui.tabs.directions.edits._overview": (
        edits._overview,
        (DCGAN, *SEFA, 4, None, 0, gr.Progress()),
        False,
    ),
    "explorer.ui.tabs.directions.inversion._inversion": (
        inversion._inversion,
        (DCGAN, None, 7, 20, gr.Progress()),
        False,
    ),
}
FAST = [name for name, (_, _, slow) in EXAMPLES.items() if not slow]


@pytest.fixture
def zero_gpu():
    """Every GPU task runs as on ZeroGPU: forked, arguments and result pickled, the worker's changes lost."""
    gpu.emulate_zero_gpu(True)
    yield
    gpu.emulate_zero_gpu(False)


def same(direct, emulated) -> None:
    """The emulated result is the direct one: the same images (±1 of 255) and texts (numbers within 0.1 %: the worker
    computes on one thread, the order of sums changes), figures of the same traces, files (fresh per call) of the
    same kind."""
    if inspect.isgenerator(emulated):
        emulated = list(emulated)
    if isinstance(direct, (tuple, list)):
        assert len(direct) == len(emulated)
        for a, b in zip(direct, emulated, strict=True):
            same(a, b)
    elif isinstance(direct, Image.Image):
        assert isinstance(emulated, Image.Image) and direct.size == emulated.size
        difference = np.abs(np.asarray(direct, dtype=int) - np.asarray(emulated, dtype=int))
        assert difference.max() <= 1
    elif isinstance(direct, torch.Tensor):
        assert torch.allclose(direct, emulated, atol=1e-4)
    elif isinstance(direct, go.Figure):
        assert isinstance(emulated, go.Figure) and len(direct.data) == len(emulated.data)
        for a, b in zip(direct.data, emulated.data, strict=True):  # arrays as arrays, not pickling's base64 dicts
            assert type(a.y) is type(b.y) and np.shape(a.y) == np.shape(b.y)
    elif isinstance(direct, str) and direct.startswith("/"):
        assert emulated.startswith("/") and direct.rsplit(".", 1)[-1] == emulated.rsplit(".", 1)[-1]
    elif isinstance(direct, str):
        numbers = r"-?\d+\.?\d*"
        assert re.split(numbers, direct) == re.split(numbers, emulated)
        pairs = zip(re.findall(numbers, direct), re.findall(numbers, emulated), strict=True)
        assert all(float(a) == pytest.approx(float(b), rel=1e-3) for a, b in pairs)
    else:
        assert direct == emulated


def test_every_task_takes_plain_values_only(default_zoo):
    """The registry lists every task; none takes the zoo, a training job or a lab, and each one's example
    arguments survive pickling, as ZeroGPU sends them (the zoo itself would not: it holds a lock)."""
    from trainers.job import TrainingJob
    from trainers.toy2d import ToyLab

    assert set(gpu.TASKS) == set(EXAMPLES)
    stateful = (Zoo, TrainingJob, ToyLab, threading.Thread)
    for name, (handler, args, _) in EXAMPLES.items():
        task = gpu.TASKS[name]
        assert handler.task is task
        parameters = list(inspect.signature(task.function).parameters.values())
        assert parameters[0].annotation is common.ZooRef, name
        for parameter in parameters:
            annotation = str(parameter.annotation)
            assert not any(kind.__name__ in annotation.replace("ZooRef", "") for kind in stateful), (name, parameter)
        sent = (common.zoo_ref(default_zoo), *args)
        assert not any(isinstance(value, stateful) for value in sent)
        assert len(pickle.loads(pickle.dumps(sent))) == len(sent)
        seconds = task.duration(*sent) if callable(task.duration) else task.duration
        assert 1 <= seconds <= gpu.MAX_SECONDS, name
    with pytest.raises((TypeError, RuntimeError, pickle.PicklingError)):
        pickle.dumps(default_zoo)


def test_durations_fit_the_work():
    """A render asks for a few seconds, not a minute; heavy work asks for more as its count grows, up to the cap."""
    assert gpu.TASKS["explorer.ui.tabs.interpolation.render_frame"].duration == gpu.RENDER_SECONDS <= 10
    scores = gpu.TASKS["explorer.ui.tabs.metrics.scores.compute_scores"].duration
    ref = common.ZooRef("zoo", (), 0)
    assert scores(ref, DCGAN, 500, 0) < scores(ref, DCGAN, 5000, 0) < scores(ref, DCGAN, 10**6, 0) == gpu.MAX_SECONDS
    assert scores(ref, DCGAN, "many", 0) == gpu.MAX_SECONDS  # the task then says what is wrong
    assert scores(ref, DCGAN, 500, 0, 1, 2, 3) == gpu.MAX_SECONDS  # a call that cannot bind


@pytest.mark.parametrize("name", FAST)
def test_task_under_zero_gpu_gives_the_direct_result(name, default_zoo, zero_gpu):
    handler, args, _ = EXAMPLES[name]
    gpu.emulate_zero_gpu(False)
    direct = handler(default_zoo, *args)
    direct = list(direct) if inspect.isgenerator(direct) else direct
    gpu.emulate_zero_gpu(True)
    same(direct, handler(default_zoo, *args))


def test_errors_reach_the_user_as_one_line(default_zoo, zero_gpu):
    """A handler's ``ValueError`` becomes its ``gr.Error`` in the worker (ZeroGPU passes only those on); another
    task's becomes ZeroGPU's "worker error"; an argument that cannot be pickled fails before any fork."""
    with pytest.raises(gr.Error, match="unknown model 'nope'"):
        interpolation.render_frame(default_zoo, "nope", 1, 2, 0.5, "linear (lerp)")

    @gpu.task()
    def fails(x: int) -> int:
        raise ValueError("not shown")

    @gpu.task()
    def takes_a_zoo(zoo) -> int:
        return len(zoo.entries)

    try:
        with pytest.raises(gr.Error, match="ZeroGPU worker error: ValueError"):
            fails(1)
        with pytest.raises(pickle.PicklingError, match="plain values"):
            takes_a_zoo(default_zoo)
    finally:
        for task in (fails, takes_a_zoo):
            del gpu.TASKS[f"{task.__module__}.{task.__qualname__}"]


def test_what_a_task_changes_stays_in_the_worker(default_zoo, zero_gpu):
    """The worker's zoo and modules are copies: a memo filled or a model forgotten there is not seen here."""
    kept = []

    @common.on_gpu()
    def changes(zoo: Zoo, name: str) -> int:
        kept.append(name)
        zoo.memo("test-zerogpu", name, lambda: 1)
        zoo.forget(DCGAN)
        return zoo.generation

    generation = default_zoo.generation
    try:
        assert changes(default_zoo, DCGAN) == generation + 1  # forgotten in the worker
        assert kept == [] and default_zoo.generation == generation
        assert default_zoo.memo("test-zerogpu", DCGAN, lambda: 2) == 2
    finally:
        default_zoo.forget(DCGAN)
        del gpu.TASKS[f"{changes.__module__}.{changes.__qualname__}"]


def test_a_reused_worker_catches_up_with_the_main_process(monkeypatch):
    """A worker forked before the main process added a model gets its manifest and generation with the call; the
    main process itself never goes back to a ref's older state."""
    import os

    zoo = Zoo()
    ref = common.zoo_ref(zoo)
    entry = zoo.entries[DCGAN]
    renamed = type(entry)(**{**entry.__dict__, "name": "added-later"})
    later = common.ZooRef(ref.key, (*ref.entries, renamed), ref.generation + 3)
    assert common.worker_zoo(later) is zoo and "added-later" not in zoo.entries  # here: not a worker
    monkeypatch.setattr(gpu, "_worker_pid", os.getpid())  # as in a worker
    caught_up = common.worker_zoo(later)
    assert caught_up is zoo and "added-later" in zoo.entries and zoo.generation == ref.generation + 3
    assert common.worker_zoo(later).entries == zoo.entries  # up to date: nothing to do


def test_zero_gpu_main_process_keeps_models_on_the_cpu(monkeypatch):
    """On ZeroGPU ``import spaces`` makes ``torch.cuda.is_available()`` true in the main process, which has no GPU:
    the zoo stays on the CPU there; a GPU worker picks CUDA (and moves what it inherited)."""
    from spaces.config import Config

    monkeypatch.setattr(Config, "zero_gpu", True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(device, "_gpu_worker", False)
    assert device.on_zero_gpu() and device.default_device() == torch.device("cpu")
    assert Zoo().device == torch.device("cpu") and gpu.training_device() == torch.device("cpu")
    monkeypatch.setattr(device, "_gpu_worker", True)
    assert device.default_device() == torch.device("cuda")
