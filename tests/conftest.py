import json
import os
import tempfile

# training runs the tests start from the app go to a scratch folder, never into the checkout
os.environ.setdefault("LATENT_EXPLORER_RUNS", tempfile.mkdtemp(prefix="latent-explorer-runs-"))
from pathlib import Path

import pytest
import torch

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
