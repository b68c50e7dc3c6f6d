"""The GAN lab's frame budget: how long a playing lab waits between frames, so that all the labs playing on one
server together use at most ``LAB_CORES`` of a CPU core, whatever the size of the room.

A playing lab asks for one frame at a time (explorer/ui/page.js, "the GAN lab's Play"). A frame costs the server c
seconds of CPU (its steps, its figures, its JSON), so a lab asking every ``interval`` seconds uses c / interval of a
core. With n labs playing, each gets an equal share LAB_CORES / n: its interval is n·c / LAB_CORES, never shorter than
the single-user pace ``FLOOR_S``. One lab plays at that pace while c ≤ FLOOR_S · LAB_CORES = 75 ms (10 steps a frame
measured about 85 ms on a core shared with other work, 5.5 frames/s; less on a quiet one). The server measures c per
lab (the frame handler's thread CPU time, smoothed; a second intra-op thread of torch's is not counted, which is
exact where the app runs torch on one thread, as bench/classroom.py's pinned server does) and counts a lab as
playing until a little after its next frame was due.

CPU time, not the frame's wall time: wall time would also make the labs yield to a busy room, but labs that play in
step (a class told to press Play) wait for each other's frames, each frame's wall time grows with n and the pace with
n²: in bench/classroom.py 2, 4 and 8 players got 2.5, 1.6 and 0.7 frames/s in all from an unsaturated core.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LAB_CORES = 0.5  # all playing labs together: at most half of one core (a free CPU Space has two)
FLOOR_S = 0.15  # one lab's fastest pace: a frame every 150 ms (6.7 frames/s), the page's pace before the budget
SMOOTHING = 0.3  # the newest frame's weight in a lab's CPU-time estimate
SLACK_S = 2.0  # a lab stops counting as playing this long after its next frame was due (Pause, a closed page)


def frame_interval(players: int, frame_cpu_s: float, cores: float = LAB_CORES, floor_s: float = FLOOR_S) -> float:
    """Seconds between a lab's frames: max(floor_s, n·c / cores) for ``players`` = n labs sharing ``cores`` of a core
    equally, this lab's frames costing ``frame_cpu_s`` = c of CPU each (then n · c / interval ≤ cores)."""
    if players < 1:
        raise ValueError(f"at least one lab plays (the one asking), got {players}")
    if not frame_cpu_s >= 0:
        raise ValueError(f"a frame's CPU time is ≥ 0 s, got {frame_cpu_s}")
    if not cores > 0 or not floor_s >= 0:
        raise ValueError(f"the labs' share of a core must be > 0 and the floor ≥ 0, got {cores} and {floor_s}")
    return max(floor_s, players * frame_cpu_s / cores)


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

    def __init__(self, cores: float = LAB_CORES, floor_s: float = FLOOR_S, clock: Callable[[], float] = time.monotonic):
        self.cores, self.floor_s, self.clock = cores, floor_s, clock
        self._labs: dict[str, tuple[float, float]] = {}  # session → (its frame CPU seconds, smoothed; next frame due)
        self._lock = threading.Lock()

    def pace(self, session: str, cpu_s: float) -> Pace:
        """A frame of ``session``'s lab took ``cpu_s`` of CPU: the pace of its next frame."""
        now = self.clock()
        with self._lock:
            self._labs = {s: lab for s, lab in self._labs.items() if lab[1] + SLACK_S >= now}  # Pause, closed pages
            known = self._labs.get(session)
            cost = cpu_s if known is None else (1 - SMOOTHING) * known[0] + SMOOTHING * cpu_s
            players = len(self._labs) + (known is None)
            interval = frame_interval(players, cost, self.cores, self.floor_s)
            self._labs[session] = (cost, now + interval)
        return Pace(interval, players, interval > self.floor_s)
