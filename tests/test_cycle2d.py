"""CycleGAN on the plane (GAN theory → CycleGAN): without the cycle loss F does not undo G; with it, it does."""

import math

import gradio as gr
import numpy as np
import pytest

from explorer import cycle2d
from explorer.ui.tabs.theory import cycle


def test_distance_to_the_square_and_the_winding_number():
    cx, cy = cycle2d.SQUARE_CENTRE
    on = np.array([[cx + 1, cy + 0.3], [cx - 0.2, cy - 1], [cx + 1, cy + 1]])
    assert cycle2d.distance_to_square(on) == pytest.approx([0, 0, 0], abs=1e-12)
    assert cycle2d.distance_to_square(np.array([[cx, cy], [cx + 2, cy + 2]])) == pytest.approx([1, math.sqrt(2)])
    t = np.linspace(0, 2 * math.pi, 100, endpoint=False)
    circle = np.stack([np.cos(t), np.sin(t)], 1)
    assert cycle2d.winding_number(circle, (0, 0)) == 1
    assert cycle2d.winding_number(circle[::-1], (0, 0)) == -1
    assert cycle2d.winding_number(np.stack([np.cos(2 * t), np.sin(2 * t)], 1), (0, 0)) == 2
    assert cycle2d.winding_number(circle + 5, (0, 0)) == 0  # does not go round a point outside it


@pytest.mark.slow  # two trainings of four small networks: 8–20 s on 2 cores
def test_without_the_cycle_loss_f_does_not_undo_g_and_with_it_it_does():
    plain, cyclic = cycle2d.train(0.0, 0), cycle2d.train(3.0, 0)
    for result in (plain, cyclic):  # the adversarial losses are met either way: G(X) on the square
        assert result.off_square < 0.2
    assert plain.cycle_error > 0.5  # F ∘ G sends x somewhere else on (or off) the ring: a permutation
    assert cyclic.cycle_error < 0.15  # F ∘ G ≈ identity
    assert abs(cyclic.winding) == 1  # one-to-one: once round the square
    again = cycle2d.train(3.0, 0)
    assert again is cyclic  # cached: a pure function of (λ, seed)
    fig, readout = cycle.cycle("3", 0)
    assert "F undoes G" in readout and "lies 0.0" in readout
    markers = [trace for trace in fig.data if trace.name == "F(G(x))"]
    assert np.allclose(np.stack([markers[0].x, markers[0].y], 1), cyclic.fgx)
    assert "F does not undo G" in cycle.cycle(0, 0)[1]


def test_bad_cycle_input_is_one_clear_message():
    with pytest.raises(gr.Error, match="λ_cyc must be one of: 0, 1, 3, 10"):
        cycle.cycle("5", 0)
    with pytest.raises(gr.Error, match="Seed must be a whole number"):
        cycle.cycle("3", -1)
    fig, text = cycle.cycle_untrained()
    assert len(fig.data) == 2 and "Train" in text
