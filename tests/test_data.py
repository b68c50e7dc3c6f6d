import gzip

import pytest
import torch

from explorer import data


def test_fashion_mnist_real_files(fashion_test):
    assert len(fashion_test) == 10_000
    assert fashion_test.images.shape == (10_000, 1, 32, 32)
    assert fashion_test.images.dtype == torch.float32
    assert fashion_test.images.min() == -1.0 and fashion_test.images.max() == 1.0
    assert set(fashion_test.labels.tolist()) == set(range(10))
    assert fashion_test.class_names[0] == "T-shirt/top" and fashion_test.class_names[9] == "Ankle boot"
    # 28×28 padded by 2 on each side with the background value
    border = torch.cat([fashion_test.images[:, :, :2].flatten(), fashion_test.images[:, :, :, -2:].flatten()])
    assert (border == -1.0).all()


def test_train_split_is_the_60k_images():
    train = data.load_dataset("fashion-mnist", "train")
    assert train.images.shape == (60_000, 1, 32, 32)
    assert torch.bincount(train.labels).tolist() == [6000] * 10


def test_idx_reader_rejects_truncated_files(tmp_path):
    path = tmp_path / "bad-images-idx3-ubyte.gz"
    header = bytes([0, 0, 8, 3]) + (10).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    with gzip.open(path, "wb") as f:
        f.write(header + bytes(100))
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(path)


def test_missing_data_names_both_ways_to_get_it(tmp_path, monkeypatch):
    import torchvision.datasets

    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", tmp_path / "nowhere")
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")

    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", offline)
    with pytest.raises(data.DatasetUnavailable) as error:
        data.load_fashion_mnist("test")
    assert "apt-get install dataset-fashion-mnist" in str(error.value)
    assert "torchvision" in str(error.value)


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(data.DatasetUnavailable, match="available: fashion-mnist"):
        data.load_dataset("imagenet")
