"""Shareable views: the current tab's settings in the page URL (and as a JSON file), restored on open.

A lecturer prepares "slides in the app": set up a tab, press **Share this view**, keep the link.
Opening it selects that tab, puts every setting back and renders the same images (the renders are
deterministic in their settings: seeds, not global randomness). The query is ``?tab=ID&key=value…``
with the keys a tab declares (``Share.fields``); unknown keys and values that fail their control's
checks are ignored, so an old or edited link still opens.
"""

import json
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from explorer.ui import path as lecture_path
from explorer.ui.common import download_path

URL_JS = """(query) => {
  if (!query) return "";
  window.history.replaceState(null, "", query);
  return window.location.origin + window.location.pathname + query;
}"""
MAX_SETTINGS_BYTES = 64 * 1024


@dataclass
class Share:
    """What a tab puts in a link: its settings by key, and the renders that redraw its images."""

    tab: str
    fields: dict[str, gr.components.Component]
    renders: list[tuple[Callable, list, list]] = field(default_factory=list)  # (fn, inputs, outputs)
    # the tab's own sub-tabs and their ids: a link's "section=ID" opens one (a lecture path's step does)
    sections: tuple[gr.Tabs, tuple[str, ...]] | None = None


@dataclass
class TabParts:
    """What a tab's ``build`` gives the app: its model lists (refreshed when the zoo grows) and its share spec."""

    model_lists: list = field(default_factory=list)  # explorer.ui.common.ModelList
    share: Share | None = None
    # renders (fn, inputs, outputs) that draw the tab's first view when it is opened while their first output is
    # empty, instead of at start-up (``draw_when_opened``)
    opened: list[tuple[Callable, list, list]] = field(default_factory=list)


def if_empty(fn: Callable, n_outputs: int) -> Callable:
    """``fn`` drawn only while its first output is still empty: called as ``(first output's value, *inputs)``."""

    def draw(current, *values):
        if current is not None:
            return gr.skip() if n_outputs == 1 else [gr.skip()] * n_outputs
        return fn(*values)

    return draw


def draw_when_opened(tab: gr.Tab, renders: Sequence[tuple[Callable, list, list]]) -> None:
    """Each render (fn, inputs, outputs) runs when a page opens ``tab`` while its first output is still empty, instead
    of at start-up: a first view costs start-up time for every user, though a lecture opens only some tabs. A view
    that a shared link or an earlier visit drew already is left as it is."""
    for fn, inputs, outputs in renders:
        tab.select(if_empty(fn, len(outputs)), [outputs[0], *inputs], outputs, api_visibility="private")


def lazy_renders(renders: Sequence[tuple[Callable, list, list]]) -> list[tuple[Callable, list, list]]:
    """``renders`` for ``Share.renders`` that draw only what is still empty (a link opening a lazily drawn tab)."""
    return [(if_empty(fn, len(outputs)), [outputs[0], *inputs], outputs) for fn, inputs, outputs in renders]


def parse_value(component: gr.components.Component, text: str):
    """A query-string value converted for its control; ``ValueError`` when it does not fit."""
    if isinstance(component, gr.Checkbox):
        return text.lower() in ("1", "true", "yes", "on")
    if isinstance(component, gr.Number | gr.Slider):
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"not a finite number: {text}")
        low, high = getattr(component, "minimum", None), getattr(component, "maximum", None)
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"{value} outside [{low}, {high}]")
        return int(value) if getattr(component, "precision", None) == 0 else value
    if isinstance(component, gr.Dropdown | gr.Radio):
        choices = [c[1] if isinstance(c, tuple) else c for c in (component.choices or [])]
        if text not in choices and not getattr(component, "allow_custom_value", False):
            raise ValueError(f"{text!r} is not one of the choices")
        return text
    if len(text) > 2000:
        raise ValueError("text too long")
    return text


def query(tab: str, shares: Sequence[Share], values: Sequence) -> str:
    """``?tab=…&key=…`` for ``tab`` from the values of every share's fields (in ``all_fields`` order)."""
    settings = settings_of(tab, shares, values)
    return "?" + urllib.parse.urlencode({"tab": tab, **{k: _text(v) for k, v in settings.items()}})


def _text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def settings_of(tab: str, shares: Sequence[Share], values: Sequence) -> dict:
    offset = 0
    for share in shares:
        n = len(share.fields)
        if share.tab == tab:
            return dict(zip(share.fields, values[offset : offset + n], strict=True))
        offset += n
    raise ValueError(f"the tab {tab!r} has no shareable settings")


def all_fields(shares: Sequence[Share]) -> list[gr.components.Component]:
    return [component for share in shares for component in share.fields.values()]


def restore(params: dict[str, str], shares: Sequence[Share], tab_ids: Sequence[str] = ()) -> list:
    """[selected tab, restored tab id, one value (or skip) per field of every share, then one sub-tab selection
    (or skip) per share with sections].

    A tab of ``tab_ids`` without shareable settings (the Training tab) is selected, and nothing else changes."""
    tab = params.get("tab", "")
    updates: list = []
    for share in shares:
        for key, component in share.fields.items():
            if share.tab == tab and key in params:
                try:
                    updates.append(parse_value(component, params[key]))
                    continue
                except (ValueError, TypeError):
                    pass
            updates.append(gr.skip())
    for share in shares:
        if share.sections is not None:
            section = params.get("section")
            opened = share.tab == tab and section in share.sections[1]
            updates.append(gr.Tabs(selected=section) if opened else gr.skip())
    if not any(share.tab == tab for share in shares):
        return ([gr.Tabs(selected=tab)] if tab in tab_ids else [gr.skip()]) + [""] + updates
    return [gr.Tabs(selected=tab), tab] + updates


def settings_file(tab: str, shares: Sequence[Share], values: Sequence) -> str:
    path = download_path(f"latent-explorer-{tab}", ".json")
    path.write_text(json.dumps({"tab": tab, **settings_of(tab, shares, values)}, indent=2))
    return str(path)


def read_settings(path: str | None) -> dict[str, str]:
    if not path:
        raise ValueError("choose a settings file (.json) made with Share this view")
    file = Path(path)
    if file.stat().st_size > MAX_SETTINGS_BYTES:
        raise ValueError("settings files are small JSON files; this one is too large")
    try:
        data = json.loads(file.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not a settings file: {error}") from error
    if not isinstance(data, dict) or "tab" not in data:
        raise ValueError("not a settings file: no 'tab'")
    return {str(k): _text(v) for k, v in data.items()}


def path_bar() -> dict:
    """The lecture path's bar (placed where it is called, above the tabs): ◀, where we are, ▶, speaker notes,
    and the path's editing; ``build`` wires it. Returns its components by name."""
    default = lecture_path.read(lecture_path.DEFAULT_PATH)
    parts = {"path": gr.State(default), "index": gr.State(-1)}
    with gr.Row(elem_id="path-bar", equal_height=True):
        parts["prev"] = gr.Button("◀ Previous", size="sm", scale=0, min_width=130, elem_id="path-prev")
        parts["where"] = gr.Markdown(
            f"**Lecture path** ({len(default.steps)} steps): Next ▶ or the → key", elem_id="path-where"
        )
        parts["next"] = gr.Button("Next ▶", size="sm", scale=0, min_width=130, elem_id="path-next")
        parts["present"] = gr.Button("Presentation mode", size="sm", scale=0, min_width=240, elem_id="present-toggle")
    with gr.Accordion("Speaker notes and editing the path", open=False, elem_id="path-accordion"):
        parts["notes"] = gr.Markdown(elem_id="path-notes")
        with gr.Row():
            parts["step_title"] = gr.Textbox(label="New step's title", scale=2, elem_id="path-step-title")
            parts["step_notes"] = gr.Textbox(label="Its speaker notes", scale=3, elem_id="path-step-notes")
            parts["add"] = gr.Button("Add this view after the current step", scale=1, elem_id="path-add")
            parts["remove"] = gr.Button("Remove the current step", scale=1, elem_id="path-remove")
        with gr.Row():
            parts["save"] = gr.Button("Save the path (JSON)", scale=1, elem_id="path-save")
            parts["file"] = gr.File(label="Lecture path (JSON)", scale=2, elem_id="path-file")
            parts["open"] = gr.UploadButton("Open a path file", file_types=[".json"], scale=1, elem_id="path-open")
    return parts


def build(
    tabs: gr.Tabs,
    tab_items: dict[str, gr.Tab],
    shares: Sequence[Share],
    demo: gr.Blocks,
    bar: dict | None = None,
) -> None:
    """The share row, the tab tracking, the restore on page load, and the lecture path's ``bar`` (``path_bar``)."""
    shares = [s for s in shares if s is not None]
    fields = all_fields(shares)
    tab_ids = list(tab_items)
    current = gr.State(shares[0].tab if shares else "")
    restored = gr.State("")
    with gr.Accordion("Share this view (link or settings file)", open=False, elem_id="share-accordion"):
        with gr.Row():
            button = gr.Button("🔗 Share this view", elem_id="share-button", scale=1)
            link = gr.Textbox(label="Link to this tab with these settings", elem_id="share-link", scale=4)
        with gr.Row():
            download = gr.File(label="Settings (JSON)", elem_id="share-file")
            upload = gr.UploadButton("Open a settings file", file_types=[".json"], elem_id="share-upload")
    for tab_id, item in tab_items.items():
        item.select(lambda t=tab_id: t, None, current, api_visibility="undocumented", queue=False)
    query_text = gr.Textbox(visible=False)

    def make(tab: str, *values):
        if not any(s.tab == tab for s in shares):  # clear the previous tab's link rather than leave it standing
            gr.Warning("this tab has no shareable settings; open an explorer tab to share its view")
            return "", None
        return query(tab, shares, values), settings_file(tab, shares, values)

    button.click(make, [current, *fields], [query_text, download], api_name="share").then(
        None, query_text, link, js=URL_JS, api_visibility="undocumented"
    )

    def on_load(request: gr.Request):
        params = dict(request.query_params) if request is not None else {}
        return restore(params, shares, tab_ids)

    def on_upload(path):
        try:
            return restore(read_settings(path), shares, tab_ids)
        except (ValueError, OSError) as error:
            raise gr.Error(str(error)) from error

    sections = [share.sections[0] for share in shares if share.sections is not None]
    outputs = [tabs, restored, *fields, *sections]
    events = [
        demo.load(on_load, None, outputs, api_visibility="undocumented"),
        upload.upload(on_upload, upload, outputs, api_visibility="undocumented"),
    ]
    if bar is not None:
        events += _wire_path(bar, shares, tab_ids, outputs, current, fields)
    for event in events:  # what was opened is the current tab (for Share this view and Add this view)
        event.then(lambda r, c: r or c, [restored, current], current, api_visibility="undocumented", queue=False)
    for share in shares:
        for fn, inputs, render_outputs in share.renders:
            skipped = gr.skip() if len(render_outputs) == 1 else [gr.skip()] * len(render_outputs)

            def guarded(tab, *values, fn=fn, share_tab=share.tab, skipped=skipped):
                return fn(*values) if tab == share_tab else skipped

            for event in events:
                event.then(guarded, [restored, *inputs], render_outputs, api_visibility="undocumented")


def _wire_path(bar: dict, shares: Sequence[Share], tab_ids: list[str], outputs: list, current, fields) -> list:
    """The lecture path's events; returns those that open a step (the caller chains the renders on them)."""
    quiet = dict(api_visibility="undocumented")
    shown = [bar["index"], bar["where"], bar["notes"], *outputs]

    def goto(path: lecture_path.LecturePath, index: int) -> list:
        index = min(max(int(index), 0), len(path.steps) - 1)
        step = path.steps[index]
        notes = step.notes or "*(no notes for this step)*"
        return [index, lecture_path.position(path, index), notes] + restore(step.params(), shares, tab_ids)

    def opened(path_file) -> list:
        try:
            path = lecture_path.read(path_file, set(tab_ids))
        except (ValueError, OSError) as error:
            raise gr.Error(str(error)) from error
        return [path, *goto(path, 0)]

    def add(path: lecture_path.LecturePath, index: int, tab: str, title: str, notes: str, *values) -> list:
        if not (title or "").strip():
            raise gr.Error("give the new step a title (the box left of the button)")
        link = query(tab, shares, values) if any(s.tab == tab for s in shares) else f"?tab={tab}"
        path = path.with_step(lecture_path.Step(title.strip(), link, notes or ""), int(index))
        index = min(int(index) + 1, len(path.steps) - 1)
        return [path, index, lecture_path.position(path, index), f"Added: `{link}`"]

    def remove(path: lecture_path.LecturePath, index: int) -> list:
        if index < 0:
            raise gr.Error("no step is open: press ▶ Next first")
        if len(path.steps) == 1:
            raise gr.Error("a path keeps at least one step")
        path = path.without(int(index))
        index = min(int(index), len(path.steps) - 1)
        return [path, index, lecture_path.position(path, index), "Removed."]

    def save(path: lecture_path.LecturePath) -> str:
        file = download_path("lecture-path", ".json")
        file.write_text(path.to_json(), encoding="utf-8")
        return str(file)

    edited = [bar["path"], bar["index"], bar["where"], bar["notes"]]
    bar["add"].click(
        add, [bar["path"], bar["index"], current, bar["step_title"], bar["step_notes"], *fields], edited, **quiet
    )
    bar["remove"].click(remove, [bar["path"], bar["index"]], edited, **quiet)
    bar["save"].click(save, bar["path"], bar["file"], **quiet)
    return [
        bar["prev"].click(lambda p, i: goto(p, i - 1), [bar["path"], bar["index"]], shown, **quiet),
        bar["next"].click(lambda p, i: goto(p, i + 1), [bar["path"], bar["index"]], shown, **quiet),
        bar["open"].upload(opened, bar["open"], [bar["path"], *shown], **quiet),
    ]
