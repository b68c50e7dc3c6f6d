"""The GAN lab's frame budget: how long a playing lab waits between frames, so that the labs playing on one server
together keep it busy at most ``LAB_SHARE`` of the time, and yield to the rest of the room when it is busy.

A playing lab asks for one frame at a time (explorer/ui/page.js, "the GAN lab's Play"). A frame keeps the server busy
for w seconds (the frame handler's wall time: its steps, figures and JSON), so a lab asking every ``interval`` seconds
has a frame under way w / interval of the time. With n labs playing, each gets an equal share LAB_SHARE / n: its
interval is n·w / LAB_SHARE, never shorter than the single-user pace ``FLOOR_S``; by Little's law the labs then have
at most LAB_SHARE frames under way on average. On an idle core w is the frame's CPU time c (10 steps a frame: 40-60 ms),
and one lab keeps the single-user pace while w ≤ FLOOR_S · LAB_SHARE = 75 ms. When the room loads the server, a frame
waits for the CPU and w grows to about c / (1 − ρ), ρ the server's busy share: the labs slow down and use about
LAB_SHARE · (1 − ρ_room) / (1 + LAB_SHARE) of a core, a third of an idle one and nothing of a saturated one, so the
previews and events of the students who are not playing keep their CPU. The server measures w per lab (smoothed) and
counts a lab as playing until a little after its next frame was due.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LAB_SHARE = 0.5  # all playing labs together: a frame under way at most half of the time, on average
FLOOR_S = 0.15  # one lab's fastest pace: a frame every 150 ms (6.7 frames/s), the page's pace before the budget
SMOOTHING = 0.3  # the newest frame's weight in a lab's frame-time estimate
SLACK_S = 2.0  # a lab stops counting as playing this long after its next frame was due (Pause, a closed page)


def frame_interval(players: int, frame_s: float, share: float = LAB_SHARE, floor_s: float = FLOOR_S) -> float:
    """Seconds between a lab's frames: max(floor_s, n·w / share) for ``players`` = n labs sharing ``share`` of the
    server's time equally, this lab's frames keeping it busy ``frame_s`` = w each (then n · w / interval ≤ share)."""
    if players < 1:
        raise ValueError(f"at least one lab plays (the one asking), got {players}")
    if not frame_s >= 0:
        raise ValueError(f"a frame takes ≥ 0 s, got {frame_s}")
    if not share > 0 or not floor_s >= 0:
        raise ValueError(f"the labs' share of the server must be > 0 and the floor ≥ 0, got {share} and {floor_s}")
    return max(floor_s, players * frame_s / share)


@dataclass(frozen=True)
class Pace:
    """What the page is told with a frame: wait ``interval_s`` after asking for it before asking for the next;
    ``players`` labs play on the server now (this one included); ``slowed``: the budget, not the floor, set the pace
    (the page then says how many labs share the server)."""

    interval_s: float
    players: int
    slowed: bool

    def as_json(self) -> dict:
        return {"interval_ms": round(1000 * self.interval_s), "players": self.players, "slowed": self.slowed}


class FrameBudget:
    """The labs playing on this server (one per page session) and what their frames cost; thread-safe (frames of
    different sessions run at once)."""

    def __init__(self, share: float = LAB_SHARE, floor_s: float = FLOOR_S, clock: Callable[[], float] = time.monotonic):
        self.share, self.floor_s, self.clock = share, floor_s, clock
        self._labs: dict[str, tuple[float, float]] = {}  # session → (its frames' seconds, smoothed; next frame due)
        self._lock = threading.Lock()

    def pace(self, session: str, frame_s: float) -> Pace:
        """A frame of ``session``'s lab took ``frame_s`` (the handler's wall time): the pace of its next frame."""
        now = self.clock()
        with self._lock:
            self._labs = {s: lab for s, lab in self._labs.items() if lab[1] + SLACK_S >= now}  # Pause, closed pages
            known = self._labs.get(session)
            cost = frame_s if known is None else (1 - SMOOTHING) * known[0] + SMOOTHING * frame_s
            players = len(self._labs) + (known is None)
            interval = frame_interval(players, cost, self.share, self.floor_s)
            self._labs[session] = (cost, now + interval)
        return Pace(interval, players, interval > self.floor_s)
