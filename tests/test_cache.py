import numpy as np

from explorer import cache


def test_derived_arrays_are_computed_once_per_weights_file(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path / "cache")
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"v1")
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3)}

    first = cache.derived("thing", weights, compute)
    again = cache.derived("thing", weights, compute)
    assert len(calls) == 1 and np.array_equal(first["x"], again["x"])
    weights.write_bytes(b"version 2")  # new weights: recomputed
    cache.derived("thing", weights, compute)
    assert len(calls) == 2
    for f in (tmp_path / "cache").iterdir():
        f.write_bytes(b"garbage")  # a broken cache file is recomputed, not an error
    assert np.array_equal(cache.derived("thing", weights, compute)["x"], np.arange(3)) and len(calls) == 3


def test_arrays_shipped_with_a_checkpoint_are_used_only_for_the_weights_they_came_from(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path / "cache")
    weights = tmp_path / "model" / "model.safetensors"
    weights.parent.mkdir()
    weights.write_bytes(b"v1")
    monkeypatch.setattr(cache, "_shipping", [])
    cache.derived("thing", weights, lambda: {"x": np.arange(4)})
    assert cache._shipping == [weights.parent / "derived" / "thing.safetensors"]
    monkeypatch.setattr(cache, "_shipping", None)

    def must_not_run():
        raise AssertionError("recomputed although the checkpoint ships the arrays")

    assert np.array_equal(cache.derived("thing", weights, must_not_run)["x"], np.arange(4))
    assert not (tmp_path / "cache").exists()  # nothing copied into the user cache
    weights.write_bytes(b"retrained")  # the shipped file now describes other weights: ignored
    assert np.array_equal(cache.derived("thing", weights, lambda: {"x": np.zeros(2)})["x"], np.zeros(2))


def test_the_committed_checkpoints_ship_their_derived_arrays():
    """After retraining a default checkpoint, ``python -m explorer.cache`` refreshes these."""
    from explorer.zoo import WEIGHTS_NAME, Zoo

    zoo = Zoo()
    shipped = {
        "dcgan-fashion-mnist": "arithmetic-groups-dcgan-fashion-mnist",
        "stylegan-fashion-mnist": "arithmetic-groups-stylegan-fashion-mnist",
        "vae2d-fashion-mnist": "vae-test-means-vae2d-fashion-mnist",
    }
    for model, name in shipped.items():
        weights = zoo.entry(model).folder / WEIGHTS_NAME
        arrays = cache._read_shipped(name, weights)
        assert arrays is not None, f"{model}: run python -m explorer.cache"
    assert arrays["mu"].shape == (10_000, 2) and arrays["labels"].shape == (10_000,)
