import json
import os
import shutil
import tempfile

# training runs the tests start from the app go to a scratch folder, never into the checkout
os.environ.setdefault("LATENT_EXPLORER_RUNS", tempfile.mkdtemp(prefix="latent-explorer-runs-"))
# derived arrays (default seed groups, encoded test set) are computed afresh, not read from a user's cache
os.environ.setdefault("LATENT_EXPLORER_CACHE", tempfile.mkdtemp(prefix="latent-explorer-cache-"))
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from pytorch_pretrained_biggan import BigGAN as ReferenceBigGAN
from pytorch_pretrained_biggan import BigGANConfig as ReferenceConfig

from explorer.data import ImageDataset, load_fashion_mnist
from explorer.models.dcgan import DCGANConfig
from explorer.zoo import Zoo
from trainers.dcgan import DCGANTrainConfig, train_dcgan

TINY_MODEL = DCGANConfig(latent_dim=16, g_width=8, d_width=8)


@pytest.fixture(scope="session")
def fashion_test() -> ImageDataset:
    """The real Fashion-MNIST test split (10 000 images)."""
    return load_fashion_mnist("test")


@pytest.fixture(scope="session")
def fashion_small(fashion_test) -> ImageDataset:
    """2 048 real images: enough for a few dozen training steps."""
    return ImageDataset(
        "fashion-mnist", fashion_test.images[:2048], fashion_test.labels[:2048], fashion_test.class_names
    )


def tiny_train_config(**overrides) -> DCGANTrainConfig:
    values = dict(
        steps=30, batch_size=32, sample_every=10, save_every=10, n_samples=16, fid_samples=0, model=TINY_MODEL
    )
    values.update(overrides)
    return DCGANTrainConfig(**values)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, fashion_small) -> Path:
    """A DCGAN folder written by the real trainer after 30 steps on real data."""
    out = tmp_path_factory.mktemp("ckpt") / "tiny-dcgan"
    events = list(train_dcgan(tiny_train_config(), out, data=fashion_small, device="cpu"))
    assert type(events[-1]).__name__ == "Finished"
    return out


@pytest.fixture(scope="session")
def tiny_zoo(tmp_path_factory, tiny_checkpoint) -> Zoo:
    manifest = tmp_path_factory.mktemp("zoo") / "zoo.json"
    entry = {"name": "tiny", "family": "dcgan", "path": str(tiny_checkpoint), "resolution": 32, "latent_dim": 16}
    manifest.write_text(json.dumps({"models": [entry]}))
    return Zoo(manifest, device="cpu")


@pytest.fixture(scope="session")
def default_zoo() -> Zoo:
    """The zoo the app ships with: the committed checkpoints."""
    return Zoo(device="cpu")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


if os.environ.get("PYTEST_XDIST_WORKER"):  # pytest -n: each worker one intra-op thread, so two never share a core
    torch.set_num_threads(1)


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: ``LATENT_EXPLORER_TEST_WORKERS`` where set, else one worker per CPU this process may use."""
    return int(os.environ.get("LATENT_EXPLORER_TEST_WORKERS") or len(os.sched_getaffinity(0)))


SERVED_GROUPS = 1  # two (each worker its own app and Chromium) took 18:47 against 15:09; three workers, 16:40, and
# three with the two non-served ones at nice 10 (the chain keeping its priority) 14:35 against 13:53 (2026-12-07);
# two groups again that day: each half-chain 350 s under load, the whole past 15 min (the suite is CPU-bound)
BROWSER_WEIGHT, HTTP_WEIGHT = 1.0, 0.3  # a browser test's share of a served group against an HTTP-only test's


def served_weight(tests: list) -> float:
    """What a served module adds to its group's time: its browser tests (tests/e2e) each about 3× an HTTP test."""
    return sum(BROWSER_WEIGHT if ".e2e." in item.module.__name__ else HTTP_WEIGHT for item in tests)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the group markers into the node ids
def pytest_collection_modifyitems(items):
    """The served app (and the Chromium driving it) is built once per worker, so its tests run in groups, each on
    one worker: ``SERVED_GROUPS`` of them, each module to the lightest group so far (heaviest first, by
    ``served_weight``: measured, the two groups' times then agree within 10 %). Each started Space
    (tests/test_space_run.py: with data, without) is a group of its own. xdist hands out the largest group first,
    then the other tests in collection order: under xdist the slow-marked ones come first (the groups' tests keep
    their order), so the last tests a worker takes are short ones and the two workers finish near the same time (a
    60 s test taken last would leave the other worker idle for it). Without xdist the order stays the files' own."""
    served: dict[str, list] = {}
    for item in items:
        if "app_url" in getattr(item, "fixturenames", ()):
            served.setdefault(item.module.__name__, []).append(item)
        elif "space" in getattr(getattr(item, "callspec", None), "params", {}) and item.module.__name__.endswith(
            "test_space_run"
        ):
            item.add_marker(pytest.mark.xdist_group(f"space-run-{item.callspec.id}"))
    loads = [0.0] * SERVED_GROUPS
    for tests in sorted(served.values(), key=lambda tests: (-served_weight(tests), tests[0].module.__name__)):
        group = loads.index(min(loads))
        loads[group] += served_weight(tests)
        for item in tests:
            item.add_marker(pytest.mark.xdist_group(f"served-{group}"))
    if os.environ.get("PYTEST_XDIST_WORKER"):  # every worker sorts alike: xdist checks the collections are equal
        items.sort(key=lambda item: not (item.get_closest_marker("slow") or item.get_closest_marker("xdist_group")))


# The browser: $CHROMIUM, else the first Chromium on PATH (Debian's /usr/bin/chromium here). Where none is found the
# browser tests are skipped with that reason, except under LATENT_EXPLORER_REQUIRE_BROWSER=1 (.ci/run), where a
# missing browser fails them: CI installs Chromium and must not go green without having driven it.
CHROMIUM = os.environ.get("CHROMIUM") or next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome", "chrome"))), None
)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """One Chromium per worker, for the served app's browser tests and the Space run alike: Playwright's sync API
    runs one event loop in the thread, so a second ``sync_playwright()`` beside a live one fails."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM or not os.access(CHROMIUM, os.X_OK):
        reason = f"no Chromium found (set CHROMIUM to its path; looked for {CHROMIUM or 'chromium on PATH'})"
        if os.environ.get("LATENT_EXPLORER_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app_url(default_zoo):
    """One served app for every test that talks to it over HTTP or drives it in Chromium (building it costs
    seconds); state a test leaves behind (a zoo model, a training run) is each test's to clean up."""
    import app

    demo = app.build_app(default_zoo)
    _, url, _ = app.launch(demo, server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


TINY_DEEP = dict(
    output_dim=32,
    z_dim=8,
    class_embed_dim=8,
    channel_width=4,
    num_classes=5,
    layers=[[False, 16, 8], [True, 8, 4], [True, 4, 2], [True, 2, 1]],
    attention_layer_position=2,
    eps=1e-4,
    n_stats=51,
)


@pytest.fixture(scope="module")
def reference_biggan(tmp_path_factory):
    """The reference package's BigGAN-deep with a tiny config and random weights, saved as the release is."""
    torch.manual_seed(0)
    model = ReferenceBigGAN(ReferenceConfig(**TINY_DEEP))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * (0.15 if p.ndim > 1 else 0.3))
        for name, b in model.named_buffers():
            if name.endswith("running_vars"):
                b.copy_(torch.rand_like(b) + 0.5)
            elif name.endswith("running_means"):
                b.copy_(torch.randn_like(b) * 0.1)
        # warm-up: train-mode passes run spectral norm's power iteration, so (u, v) approach the top
        # singular vectors as in a trained release; eval mode then computes W / σ from the stored (u, v)
        model.train()
        for _ in range(20):
            model(torch.zeros(1, 8), F.one_hot(torch.tensor([0]), 5).float(), 1.0)
    model.eval()
    folder = tmp_path_factory.mktemp("biggan-deep")
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    (folder / "config.json").write_text(json.dumps(TINY_DEEP))
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n# tiny BigGAN-deep\n")
    return model, folder
