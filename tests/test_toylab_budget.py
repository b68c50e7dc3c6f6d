"""The GAN lab's frame budget (issue #31 item 4): the labs playing on one server share LAB_CORES of a core, and one lab
on an idle server keeps the single-user pace."""

import json

import gradio as gr
import pytest

from explorer.ui.tabs import toylab
from explorer.ui.tabs.toylab.budget import FLOOR_S, LAB_CORES, SLACK_S, FrameBudget, frame_interval


def test_one_lab_on_an_idle_server_keeps_the_single_user_pace():
    assert frame_interval(1, 0.05) == FLOOR_S  # 50 ms a frame (10 steps on an idle core): 6.7 frames/s, within budget
    assert frame_interval(1, FLOOR_S * LAB_CORES) == pytest.approx(FLOOR_S)  # the costliest frame that still does


@pytest.mark.parametrize("costs", [[0.05] * 10, [0.1] * 40, [0.02, 0.3, 0.1], [0.2] * 200])
def test_the_labs_together_use_at_most_their_share_of_a_core(costs):
    intervals = [frame_interval(len(costs), cost) for cost in costs]
    used = sum(cost / interval for cost, interval in zip(costs, intervals, strict=True))  # cores used by all labs
    assert used <= LAB_CORES + 1e-9
    if all(interval > FLOOR_S for interval in intervals):
        assert used == pytest.approx(LAB_CORES)  # the budget is spent, not wasted


def test_a_costlier_lab_waits_longer_for_the_same_share():
    assert frame_interval(4, 0.2) == pytest.approx(4 * frame_interval(4, 0.05))  # 50 steps a frame against ~12


@pytest.mark.parametrize("players, cost, cores", [(0, 0.1, 0.5), (2, -0.1, 0.5), (2, 0.1, 0.0), (2, float("nan"), 1)])
def test_impossible_loads_are_refused(players, cost, cores):
    with pytest.raises(ValueError):
        frame_interval(players, cost, cores)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_budget_counts_the_labs_playing_and_forgets_those_paused():
    clock = Clock()
    budget = FrameBudget(clock=clock)
    alone = budget.pace("a", 0.05)
    assert (alone.players, alone.interval_s, alone.slowed) == (1, FLOOR_S, False)
    for session in "bcdefghij":  # ten labs playing, 50 ms a frame: a frame a second each (10 × 0.05 / 0.5)
        budget.pace(session, 0.05)
    crowded = budget.pace("a", 0.05)
    assert (crowded.players, crowded.slowed) == (10, True)
    assert crowded.interval_s == pytest.approx(10 * 0.05 / LAB_CORES)
    assert crowded.as_json() == {"interval_ms": 1000, "players": 10, "slowed": True}
    clock.now += crowded.interval_s  # "a" keeps playing; the others paused after their frames
    assert budget.pace("a", 0.05).players == 10  # not yet forgotten: their next frames could still come
    clock.now += SLACK_S + 1.01
    back = budget.pace("a", 0.05)
    assert (back.players, back.interval_s, back.slowed) == (1, FLOOR_S, False)


def test_a_lab_cost_is_smoothed_over_its_frames():
    budget = FrameBudget(clock=Clock())
    for session in "abcd":
        budget.pace(session, 0.1)
    spike = budget.pace("a", 1.0)  # one slow frame (a rebuild, a busy moment) does not stall the lab for 8 s
    assert 4 * 0.1 / LAB_CORES < spike.interval_s < 4 * 1.0 / LAB_CORES / 2


def _frame_fn(demo: gr.Blocks):
    """The event the page's Play presses (#toy-next-frame), and its inputs."""
    button = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "toy-next-frame")
    fn = next(f for f in demo.fns.values() if any(t[0] == button._id for t in f.targets))
    return fn.fn, fn.inputs


@pytest.mark.slow  # the tab's build and three frames: 6 s on 2 busy cores
def test_a_frame_tells_the_page_its_pace():
    with gr.Blocks() as demo:
        toylab.build(None, None)
    assert any(getattr(b, "elem_id", None) == "toy-rate" for b in demo.blocks.values())  # where the page shows it
    frame, inputs = _frame_fn(demo)
    values = {component: getattr(component, "value", None) for component in inputs}
    speed = next(c for c in inputs if getattr(c, "elem_id", None) == "toy-speed")
    values[speed] = 1
    paces = []
    for session in ("first", "second", "first"):
        lab, text = frame(values, gr.Request(session_hash=session))
        paces.append(json.loads(text)["pace"])
        assert json.loads(text)["figures"]  # still a whole frame
    assert [p["players"] for p in paces] == [1, 2, 2]
    assert all(p["interval_ms"] >= 1000 * FLOOR_S for p in paces)
