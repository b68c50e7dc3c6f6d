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
