"""The lecture path: an ordered list of prepared views (share links) with a title and speaker notes each.

A lecturer walks it with ◀ / ▶ (in presentation mode also the ← / → keys, or a presenter's clicker: PageUp /
PageDown); each step opens its tab with its settings, exactly as opening its share link would, in one event
(``explorer.ui.share._restorer``; the page shows the step's title first, ``explorer/ui/page.js``), and its notes in
a strip under the bar, in presentation mode too (``notes``). The default path, ``docs/lecture-path.json``, follows
the lectures in order; a lecturer edits it in the app (add the current view as a step, remove a step) or in a text
editor, and saves and opens path files. The file::

    {"title": "...", "steps": [{"title": "...", "link": "?tab=toylab&preset=mode+collapse", "notes": "..."}]}
"""

import json
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

from explorer import resources

DEFAULT_PATH = resources.LECTURE_PATH  # the checkout's, or where an installed copy finds it (explorer/resources.py)
MAX_PATH_BYTES = 256 * 1024
MAX_STEPS = 200


@dataclass(frozen=True)
class Step:
    title: str
    link: str  # a share link's query: "?tab=ID&key=value…"
    notes: str = ""

    def params(self) -> dict[str, str]:
        """The link's settings, as a share link's page load reads them."""
        query = urllib.parse.urlsplit(self.link).query or self.link.lstrip("?")
        return {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}


@dataclass(frozen=True)
class LecturePath:
    title: str
    steps: tuple[Step, ...]

    def to_json(self) -> str:
        return json.dumps({"title": self.title, "steps": [asdict(s) for s in self.steps]}, indent=2, ensure_ascii=False)

    def with_step(self, step: Step, after: int) -> "LecturePath":
        at = min(max(after + 1, 0), len(self.steps))
        return LecturePath(self.title, self.steps[:at] + (step,) + self.steps[at:])

    def without(self, index: int) -> "LecturePath":
        return LecturePath(self.title, self.steps[:index] + self.steps[index + 1 :])


def parse(text: str, tab_ids: set[str] | None = None) -> LecturePath:
    """A path from its JSON text; ``ValueError`` saying what is wrong (a step's link must name a known tab)."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:  # RecursionError: nested too deep
        raise ValueError(f"not a lecture path file (JSON): {str(error) or 'nested too deep'}") from error
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise ValueError('not a lecture path file: expected {"title": ..., "steps": [...]}')
    if not 1 <= len(data["steps"]) <= MAX_STEPS:
        raise ValueError(f"a lecture path has 1 to {MAX_STEPS} steps, this one {len(data['steps'])}")
    steps = []
    for number, raw in enumerate(data["steps"], 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("link"), str) or not raw.get("title"):
            raise ValueError(f"step {number} needs a 'title' and a 'link' (a share link such as ?tab=interpolation)")
        step = Step(str(raw["title"]), raw["link"].strip(), str(raw.get("notes", "")))
        tab = step.params().get("tab")
        if tab_ids is not None and tab not in tab_ids:
            raise ValueError(f"step {number} ({step.title}): its link opens no tab of this app ({tab!r})")
        steps.append(step)
    return LecturePath(str(data.get("title", "Lecture path")), tuple(steps))


def read(path: str | Path, tab_ids: set[str] | None = None) -> LecturePath:
    file = Path(path)
    if file.stat().st_size > MAX_PATH_BYTES:
        raise ValueError("lecture path files are small JSON files; this one is too large")
    try:
        return parse(file.read_text(encoding="utf-8"), tab_ids)
    except UnicodeDecodeError as error:
        raise ValueError("not a lecture path file: it is not text") from error


def position(path: LecturePath, index: int) -> str:
    """The bar's line: "3 / 14 · Mode collapse"."""
    return f"**{index + 1} / {len(path.steps)}** · {path.steps[index].title}"


def notes(path: LecturePath, index: int) -> str:
    """The notes strip under the bar (Markdown): the step's speaker notes, what the lecturer does and says."""
    return path.steps[index].notes or "*(no notes for this step)*"
