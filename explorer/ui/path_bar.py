"""The lecture path's bar above the tabs: ◀, where we are, ▶, the keys' and the notes' switches, presentation mode,
the current step's notes and the path's editing (the path itself: ``explorer.ui.path``; opening a step is a share
link's restore: ``explorer.ui.share``)."""

import html
import json
from collections.abc import Callable, Sequence

import gradio as gr

from explorer.ui import path as lecture_path
from explorer.ui.common import download_path


def steps_html(path: lecture_path.LecturePath, index: int) -> str:
    """The path as the page holds it (explorer/ui/page.js shows a step's title and selects its tab and section the
    moment ▶ is pressed, then asks for its view): a hidden element with the steps' titles, tabs and sections, and the
    step the server last opened."""
    params = [step.params() for step in path.steps]
    steps = [
        {"title": step.title, "tab": p.get("tab", ""), "section": p.get("section", "")}
        for step, p in zip(path.steps, params, strict=True)
    ]
    data = html.escape(json.dumps(steps, ensure_ascii=False), quote=True)
    return f'<div id="path-steps" hidden data-steps="{data}" data-index="{int(index)}"></div>'


def build() -> dict:
    """The lecture path's bar (placed where it is called, above the tabs): ◀, where we are, ▶, the keys' and the
    notes' switches, presentation mode; under it the current step's speaker notes (a strip of bounded height, so
    the tab stays in view at 1280×720, in presentation mode too: the lecturer reads them there, N hides them), then
    the path's editing; ``wire`` wires it (``share.build`` calls it). Returns its components by name."""
    default = lecture_path.read(lecture_path.DEFAULT_PATH)
    parts = {"path": gr.State(default), "index": gr.State(-1)}
    with gr.Row(elem_id="path-bar", equal_height=True):
        parts["prev"] = gr.Button("◀ Previous", size="sm", scale=0, min_width=130, elem_id="path-prev")
        parts["where"] = gr.Markdown(
            f"**Lecture path** ({len(default.steps)} steps): Next ▶ (→ in presentation mode)", elem_id="path-where"
        )
        parts["next"] = gr.Button("Next ▶", size="sm", scale=0, min_width=130, elem_id="path-next")
        parts["keys"] = gr.Button("Keys: on", size="sm", scale=0, min_width=110, elem_id="path-keys")
        parts["notes_switch"] = gr.Button("Notes: on", size="sm", scale=0, min_width=110, elem_id="path-notes-switch")
        parts["present"] = gr.Button("Presentation mode", size="sm", scale=0, min_width=240, elem_id="present-toggle")
    parts["notes"] = gr.Markdown(elem_id="path-notes")  # the step's notes (the restore's), empty until a step opens
    parts["steps"] = gr.HTML(steps_html(default, -1), visible="hidden", elem_id="path-data")
    with gr.Accordion("Edit the lecture path", open=False, elem_id="path-accordion"):
        with gr.Row():
            parts["step_title"] = gr.Textbox(label="New step's title", scale=2, elem_id="path-step-title")
            parts["step_notes"] = gr.Textbox(label="Its speaker notes", scale=3, elem_id="path-step-notes")
            parts["add"] = gr.Button("Add this view after the current step", scale=1, elem_id="path-add")
            parts["remove"] = gr.Button("Remove the current step", scale=1, elem_id="path-remove")
        with gr.Row():
            parts["save"] = gr.Button("Save the path (JSON)", scale=1, elem_id="path-save")
            parts["file"] = gr.File(label="Lecture path (JSON)", scale=2, elem_id="path-file")
            parts["open"] = gr.UploadButton("Open a path file", file_types=[".json"], scale=1, elem_id="path-open")
        parts["status"] = gr.Markdown(elem_id="path-status")  # what the last edit did
    return parts


# The tab the page shows (page.js P.shown) as an event's first input, for Share and "Add this view": not the server's
# ``current``, since Gradio sends a click's events one after another and a busy server could take the button's event
# before the tab's select (a Share right after a tab's click linked the tab before)
SHOWN_TAB_JS = "(shown, ...rest) => [window.__latentPage?.shown?.() ?? '', ...rest]"


def shown_tab(page_tab: str, tab: str, tab_ids) -> str:
    """The tab an event is about: the page's (SHOWN_TAB_JS) where it names one of ``tab_ids``, else the server's."""
    return page_tab if page_tab in tab_ids else tab


def wire(bar: dict, tab_ids: list[str], current, fields: list, link: Callable[[str, Sequence], str]) -> None:
    """The lecture path's bar: ◀ ▶ and the keys are the page's (page.js: a click on #path-prev, #path-next or
    #path-keys; P.go asks for the step's restore), the path's editing is the server's. ``current`` is the open tab's
    id, ``fields`` every tab's shared settings, ``link(tab, values)`` the view's share link (a new step's)."""
    quiet = dict(api_visibility="undocumented")

    def shown(path: lecture_path.LecturePath, index: int) -> list:  # the bar after an edit: where, notes, steps
        return [lecture_path.position(path, index), lecture_path.notes(path, index), steps_html(path, index)]

    def opened(path_file) -> list:
        try:
            path = lecture_path.read(path_file, set(tab_ids))
        except (ValueError, OSError) as error:
            raise gr.Error(str(error)) from error
        return [path, -1, steps_html(path, -1)]

    def add(page_tab: str, path: lecture_path.LecturePath, index: int, tab: str, title: str, notes: str, *values):
        if not (title or "").strip():
            raise gr.Error("give the new step a title (the box left of the button)")
        view = link(shown_tab(page_tab, tab, tab_ids), values)  # the tab the page shows, as Share does
        path = path.with_step(lecture_path.Step(title.strip(), view, notes or ""), int(index))
        index = min(int(index) + 1, len(path.steps) - 1)
        return [path, index, *shown(path, index), f"Added: `{view}`"]

    def remove(path: lecture_path.LecturePath, index: int) -> list:
        if index < 0:
            raise gr.Error("no step is open: press ▶ Next first")
        if len(path.steps) == 1:
            raise gr.Error("a path keeps at least one step")
        path = path.without(int(index))
        index = min(int(index), len(path.steps) - 1)
        return [path, index, *shown(path, index), "Removed."]

    def save(path: lecture_path.LecturePath) -> str:
        file = download_path("lecture-path", ".json")
        file.write_text(path.to_json(), encoding="utf-8")
        return str(file)

    edited = [bar["path"], bar["index"], bar["where"], bar["notes"], bar["steps"], bar["status"]]
    page_tab = gr.Textbox(visible=False)  # SHOWN_TAB_JS fills it: the tab's select may not have reached the server
    inputs = [page_tab, bar["path"], bar["index"], current, bar["step_title"], bar["step_notes"], *fields]
    bar["add"].click(add, inputs, edited, js=SHOWN_TAB_JS, **quiet)
    bar["remove"].click(remove, [bar["path"], bar["index"]], edited, **quiet)
    bar["save"].click(save, bar["path"], bar["file"], **quiet)
    bar["open"].upload(opened, bar["open"], [bar["path"], bar["index"], bar["steps"]], **quiet).success(
        None, js="() => { window.__latentPage.go(0, true); }"
    )
