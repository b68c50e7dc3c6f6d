"""A lecture hall on one app: heavy work queues in one group, previews never queue, the one training run says
whose it is and when it ends.

The served checks (a real server, many clients) are in ``tests/test_classroom_served.py``.
"""

import pytest

import app
from explorer.ui.tabs import training
from trainers import job as job_module
from trainers.job import TrainingJob

from .test_training_tab import controls, reach_step

HEAVY_APIS = (  # work of seconds: a FID curve, GANSpace or a classifier fit, an inversion, the Metrics tab
    "truncation_curve",
    "directions",
    "invert",
    "metrics_scores",
    "metrics_one_per_class",
    "metrics_game",
    "metrics_fid_by_n",
    "metrics_drop_classes",
    "metrics_truncation",
    "metrics_tstr",
    "metrics_swd",
    "metrics_ppl",
)
PREVIEW_APIS = ("interpolate_frame", "noise_image")


@pytest.fixture(scope="module")
def demo(default_zoo):
    return app.build_app(default_zoo)


def test_heavy_work_is_one_at_a_time_in_one_queue_group_and_previews_skip_the_queue(demo):
    fns = {fn.api_name: fn for fn in demo.fns.values()}
    for name in HEAVY_APIS:
        assert fns[name].concurrency_id == "heavy" and fns[name].concurrency_limit == 1, name
        assert fns[name].queue is not False, name
    for name in PREVIEW_APIS:
        assert fns[name].queue is False and fns[name].concurrency_limit is None, name
    assert demo.previews.cache is not None and demo.previews.queue is not None
    assert {"interpolate_frame", "direction_edit", "vae_decode"} <= set(demo.previews.handlers)


@pytest.fixture
def job(tmp_path, fashion_small, monkeypatch):
    monkeypatch.setattr(job_module, "_datasets", {("fashion-mnist", 1): fashion_small})
    j = TrainingJob(runs=tmp_path / "runs")
    yield j
    j.stop(wait=60)
    assert not j.snapshot().running


def test_a_second_start_says_whose_run_it_is_and_when_it_ends(job):
    training.run.start_run(job, controls(steps=100_000, eval_every=0, sample_every=1000), owner="lecturer")
    with pytest.raises(Exception, match="another browser session started a DCGAN run") as early:
        training.run.start_run(job, controls(), owner="student")
    assert "step" in str(early.value) and "One run at a time" in str(early.value)
    reach_step(job, 3, 120)
    with pytest.raises(Exception, match=r"it ends in about \d+ (min|s)") as later:
        training.run.start_run(job, controls(), owner="student")
    assert "its owner can stop it" in str(later.value)
    with pytest.raises(Exception, match="this browser session started") as own:
        training.run.start_run(job, controls(), owner="lecturer")
    assert "■ Stop" in str(own.value)


def test_only_the_owners_page_keeps_its_run_alive(job):
    training.run.start_run(job, controls(steps=100_000, eval_every=0, sample_every=1000), owner="lecturer")
    job.last_seen = 0.0
    training.views.poll(job, -1, True, None, viewer="student")
    assert job.last_seen == 0.0  # a student watching the plots does not keep the lecturer's run alive
    training.views.poll(job, -1, True, None, viewer="lecturer")
    assert job.last_seen > 0.0
    assert training.run.owns(job, "lecturer") and not training.run.owns(job, "student")
