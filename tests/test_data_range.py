"""Row 37: data in [0, 1] with a sigmoid G against data in [−1, 1] with a tanh G, one recipe
(``trainers/data_range.py``, the GAN theory tab's *Data range*)."""

import gradio as gr
import pytest
import torch

from explorer.ui import common
from explorer.ui.tabs.theory import datarange
from trainers import data_range


@pytest.fixture(scope="module")
def halves(default_zoo):
    test = common.test_set(default_zoo)
    return test.images[5000:], test.images[:5000]


def test_both_ranges_start_from_the_same_g_and_differ_only_in_the_output_activation(halves):
    train, test = halves
    reference = data_range._statistics(data_range.pooled(test))
    sigmoid, tanh = (data_range.train(data_range.pooled(train[:500]), r, 3, 0, reference) for r in data_range.RANGES)
    pre_activation = torch.logit(sigmoid.samples.double())  # σ(a) → a
    assert torch.allclose(tanh.samples.double(), torch.sigmoid(2 * pre_activation), atol=1e-5)  # (tanh a + 1)/2
    with pytest.raises(ValueError, match="data range"):
        data_range.train(data_range.pooled(train), "[0, 255]", 0, 1, reference)


def test_the_frechet_distance_is_near_zero_for_the_data_and_large_for_a_blank_generator(halves):
    train, test = halves
    reference = data_range._statistics(data_range.pooled(test))
    same = data_range.frechet_distance(*data_range._statistics(data_range.pooled(train)), *reference)
    blank = data_range.frechet_distance(*data_range._statistics(torch.rand(2000, 64) * 0.01), *reference)
    assert same < 0.05 and blank > 5  # the scale the readout's numbers (1.7–5.2) sit on


@pytest.mark.slow  # two 600-step runs (10–20 s on a busy 2-core machine)
def test_the_tanh_run_ends_closer_to_the_data_and_the_section_reads_it_out(default_zoo):
    data, sigmoid, tanh, figure, readout = datarange.compare_ranges(default_zoo, 0)
    runs = default_zoo.memo("data-range", "", lambda: None, 0)  # the section's cached runs
    fd = {name: run.fd[-1] for name, run in runs.items()}
    assert fd[data_range.RANGES[1]] < 0.7 * fd[data_range.RANGES[0]]  # seeds 0–3: 1.7–2.3 against 3.0–5.2
    assert f"**[−1, 1] + tanh {fd[data_range.RANGES[1]]:.2f}**" in readout and "tanh" in readout.split("(")[1]
    assert [t.x[-1] for t in figure.data] == [600, 600] and data.size == sigmoid.size == tanh.size
    with pytest.raises(gr.Error, match="Seed"):
        datarange.compare_ranges(default_zoo, -1)
