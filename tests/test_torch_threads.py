"""The app's torch intra-op threads on a CPU: one a request by default (``Settings.torch_threads``), 0 = torch's."""

import pytest
import torch

import app
from explorer.settings import Settings
from explorer.zoo import Zoo


def test_the_setting_reads_its_variable_and_refuses_a_negative_count():
    assert Settings().torch_threads == 1
    assert Settings.from_env({}).torch_threads == 1
    assert Settings.from_env({"LATENT_EXPLORER_TORCH_THREADS": "0"}).torch_threads == 0
    assert Settings.from_env({"LATENT_EXPLORER_TORCH_THREADS": "3"}).torch_threads == 3
    with pytest.raises(ValueError, match="LATENT_EXPLORER_TORCH_THREADS must be 0 or more"):
        Settings.from_env({"LATENT_EXPLORER_TORCH_THREADS": "-1"})


@pytest.mark.parametrize(("setting", "expected"), [(1, 1), pytest.param(0, 2, marks=pytest.mark.slow)])  # ~2 s a build
def test_building_the_app_on_a_cpu_sets_torch_threads_unless_the_setting_is_0(tmp_path, setting, expected):
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # as torch starts on a 2-core machine
    try:
        settings = Settings(torch_threads=setting, runs=tmp_path / "runs", models=tmp_path / "models")
        app.build_app(Zoo(tmp_path / "none.json", device="cpu", settings=settings))  # an empty zoo: quick to build
        assert torch.get_num_threads() == expected
    finally:
        torch.set_num_threads(before)
