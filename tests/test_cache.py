import numpy as np

from explorer import cache, derived

# the VAE tab's comparison models (issue #18): each ships its encoded test set like the default VAE
VAE_VARIANTS = [f"vae2d-{v}-fashion-mnist" for v in ("small", "b05", "b4", "mse")]


def test_derived_arrays_are_computed_once_per_weights_file(tmp_path):
    store = cache.DerivedStore(tmp_path / "cache")
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"v1")
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3)}

    first = store.get("thing", weights, compute)
    again = store.get("thing", weights, compute)
    assert len(calls) == 1 and np.array_equal(first["x"], again["x"])
    weights.write_bytes(b"version 2")  # new weights: recomputed
    store.get("thing", weights, compute)
    assert len(calls) == 2
    for f in (tmp_path / "cache").iterdir():
        f.write_bytes(b"garbage")  # a broken cache file is recomputed, not an error
    assert np.array_equal(store.get("thing", weights, compute)["x"], np.arange(3))
    assert len(calls) == 3


def test_arrays_shipped_with_a_checkpoint_are_used_only_for_the_weights_they_came_from(tmp_path):
    weights = tmp_path / "model" / "model.safetensors"
    weights.parent.mkdir()
    weights.write_bytes(b"v1")
    shipping = cache.DerivedStore(tmp_path / "cache", ship=True)
    shipping.get("thing", weights, lambda: {"x": np.arange(4)})
    assert shipping.shipped == [weights.parent / "derived" / "thing.safetensors"]

    def must_not_run():
        raise AssertionError("recomputed although the checkpoint ships the arrays")

    store = cache.DerivedStore(tmp_path / "cache")
    assert np.array_equal(store.get("thing", weights, must_not_run)["x"], np.arange(4))
    assert not (tmp_path / "cache").exists()  # nothing copied into the user cache
    weights.write_bytes(b"retrained")  # the shipped file now describes other weights: ignored
    assert np.array_equal(store.get("thing", weights, lambda: {"x": np.zeros(2)})["x"], np.zeros(2))


def test_the_committed_checkpoints_ship_their_derived_arrays():
    """After retraining a default checkpoint, ``python -m explorer.derived`` refreshes these."""
    from explorer.zoo import WEIGHTS_NAME, Zoo

    default_zoo = Zoo(device="cpu")  # the committed manifest only (other tests add models to the shared fixture)

    shipped = {
        "dcgan-fashion-mnist": "arithmetic-groups-v2-dcgan-fashion-mnist",
        "stylegan-fashion-mnist": "arithmetic-groups-v2-stylegan-fashion-mnist",
        "stylegan3-fashion-mnist": "arithmetic-groups-v2-stylegan3-fashion-mnist",
        "progan-fashion-mnist": "arithmetic-groups-v2-progan-fashion-mnist",
        "vae2d-fashion-mnist": "vae-test-means-vae2d-fashion-mnist",
        **{name: f"vae-test-means-{name}" for name in VAE_VARIANTS},
    }
    assert set(derived.classifier_models(default_zoo) + derived.plane_models(default_zoo)) == set(shipped)
    for model, name in shipped.items():
        weights = default_zoo.entry(model).folder / WEIGHTS_NAME
        arrays = cache.read_shipped(name, weights)
        assert arrays is not None, f"{model}: run python -m explorer.derived"
    assert arrays["mu"].shape == (10_000, 2) and arrays["labels"].shape == (10_000,)
