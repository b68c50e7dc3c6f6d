"""Shareable views: the current tab's settings in the page URL (and as a JSON file), restored on open.

A lecturer prepares "slides in the app": set up a tab, press **Share this view**, keep the link. Opening it selects
that tab, puts every setting back and renders the same images (the renders are deterministic in their settings:
seeds, not global randomness). The query is ``?tab=ID&key=value…`` with the keys a tab declares (``Share.fields``);
unknown keys and values that fail their control's checks are ignored, so an old or edited link still opens.
"""

import contextvars
import json
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from explorer.ui import path as lecture_path
from explorer.ui import path_bar
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


@dataclass
class SectionParts:
    """What a section's ``build`` gives its tab (a section is one sub-tab: a module of the tab's package with
    ``TITLE``, ``ID`` and ``build(...) -> SectionParts``): its model lists, the renders of its first view (drawn
    when the section is opened, ``draw_when_opened``) and the settings it puts in a link (keys unique in the tab)."""

    model_lists: list = field(default_factory=list)  # explorer.ui.common.ModelList
    opened: list[tuple[Callable, list, list]] = field(default_factory=list)
    fields: dict[str, gr.components.Component] = field(default_factory=dict)
    renders: list[tuple[Callable, list, list]] = field(default_factory=list)  # what a link's restore redraws


def build_sections(elem_id: str, sections: Sequence, build: Callable) -> tuple[gr.Tabs, dict[str, SectionParts]]:
    """One sub-tab per section module (``TITLE``, ``ID``), in order, each filled by ``build(module)`` (which calls
    the module's own ``build`` with what it needs) and drawn when first opened: ``(the Tabs, {ID: SectionParts})``.
    The tab then gives ``Share(..., sections=(tabs, tuple(parts)))`` so a link's ``section=ID`` opens one. A bar
    too long for the page wraps onto a second line: Gradio's default moves the tabs that do not fit into a "…" menu,
    out of a lecturer's sight (GAN theory's thirteen at 1280 px)."""
    parts: dict[str, SectionParts] = {}
    with gr.Tabs(elem_id=elem_id, overflow_behavior="wrap") as tabs:
        for module in sections:
            with gr.Tab(module.TITLE, id=module.ID) as tab:
                parts[module.ID] = build(module) or SectionParts()
            draw_when_opened(tab, parts[module.ID].opened)
    return tabs, parts


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
    that a shared link or an earlier visit drew already is left as it is.

    A tab opened by a link or a lecture path's step (the page selects it, which fires its select too) is drawn by
    that step's restore: the page (page.js: P.opened) then presses nothing, so a step stays one event."""
    if not renders:
        return
    tabs, block = [], tab
    while block is not None:  # the tab and the tabs it sits in: a link names the outermost
        if isinstance(block, gr.Tab) and block.id is not None:
            tabs.append(str(block.id))
        block = getattr(block, "parent", None)
    with tab:
        opener = gr.Button(visible="hidden", elem_id=f"draw-opened-{tab._id}")
    tab.select(None, js=f"() => {{ window.__latentPage.opened({json.dumps(tabs)}, {json.dumps(opener.elem_id)}); }}")
    for fn, inputs, outputs in renders:
        opener.click(if_empty(fn, len(outputs)), [outputs[0], *inputs], outputs, api_visibility="private")


def lazy_renders(renders: Sequence[tuple[Callable, list, list]]) -> list[tuple[Callable, list, list]]:
    """``renders`` for ``Share.renders`` that draw only what is still empty (a link opening a lazily drawn tab)."""
    lazy = []
    for fn, inputs, outputs in renders:
        draw = if_empty(fn, len(outputs))
        draw.draws = fn  # a restore draws it once, and again when it changes the tab's settings (_restorer)
        lazy.append((draw, [outputs[0], *inputs], outputs))
    return lazy


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
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


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


def settings(params: dict[str, str], share: Share) -> dict[gr.components.Component, object]:
    """The values a link sets on ``share``'s controls: each of its keys whose value passes that control's checks
    (others are ignored, so an old or edited link still opens)."""
    values = {}
    for key, component in share.fields.items():
        if key in params:
            try:
                values[component] = parse_value(component, params[key])
            except (ValueError, TypeError):
                pass
    return values


def problems(params: dict[str, str], shares: Sequence[Share], tab_ids: Sequence[str]) -> list[str]:
    """What a link asks for that this app would ignore: an unknown tab, section or key, or a value its control
    refuses (a prepared lecture path should have none)."""
    tab = params.get("tab")
    share = next((s for s in shares if s.tab == tab), None)
    if share is None:
        extra = sorted(set(params) - {"tab"})
        return ([] if tab in tab_ids else [f"no tab {tab!r}"]) + [f"{tab} has no setting {k!r}" for k in extra]
    found = []
    sections = share.sections[1] if share.sections is not None else ()
    for key, text in params.items():
        if key == "tab":
            continue
        if key == "section":
            if text not in sections:
                found.append(f"{tab} has no section {text!r} (it has {', '.join(sections) or 'none'})")
        elif key not in share.fields:
            found.append(f"{tab} has no setting {key!r}")
        else:
            try:
                parse_value(share.fields[key], text)
            except (ValueError, TypeError) as error:
                found.append(f"{tab}: {key}={text!r}: {error}")
    return found


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
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:  # RecursionError: nested too deep
        raise ValueError(f"not a settings file: {str(error) or 'nested too deep'}") from error
    if not isinstance(data, dict) or "tab" not in data:
        raise ValueError("not a settings file: no 'tab'")
    return {str(k): _text(v) for k, v in data.items()}


def _unique(components) -> list:
    return list(dict.fromkeys(components))


def _by_output(result, outputs: list) -> dict:
    """A handler's return as {output: value}: a dict of components, one value, or one value per output."""
    if isinstance(result, dict) and result and all(isinstance(k, gr.blocks.Block) for k in result):
        return {k: v for k, v in result.items() if k in outputs}
    if len(outputs) == 1:
        return {outputs[0]: result}
    return dict(zip(outputs, result, strict=True))


def _value(update):
    """The value an output takes from ``update`` (what later renders read), or ``_KEEP`` for a change of look only."""
    if isinstance(update, gr.blocks.Block):
        return update.constructor_args.get("value", _KEEP)
    if isinstance(update, dict) and update.get("__type__") == "update":
        return update.get("value", _KEEP)
    return update


_KEEP = object()


def _opened(request: str, path) -> tuple[dict[str, str], int | None, int | None]:
    """What the page asks to open (explorer/ui/page.js): ``{"index": i}``, a step of ``path``, or
    ``{"link": "?tab=…"}``, a share link, each with the page's ``seq``; returns the link's settings, the step's
    index (None for a link) and the ask's number (None when absent: an API call)."""
    try:
        asked = json.loads(request or "{}")
    except (json.JSONDecodeError, RecursionError):
        asked = {}
    if not isinstance(asked, dict):
        asked = {}
    seq = asked.get("seq")
    seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
    if "index" in asked and path is not None and path.steps:
        try:
            index = min(max(int(asked["index"]), 0), len(path.steps) - 1)
        except (TypeError, ValueError):
            index = 0
        return path.steps[index].params(), index, seq
    link = str(asked.get("link", ""))[:4000]
    query_text = urllib.parse.urlsplit(link).query or link.lstrip("?")
    return {k: v[-1] for k, v in urllib.parse.parse_qs(query_text, keep_blank_values=True).items()}, None, seq


class PerPage:
    """A value per page (a session), bounded: the least recently set pages go first."""

    def __init__(self, pages: int = 4096):
        self.pages, self.values, self.lock = pages, OrderedDict(), threading.Lock()

    def set(self, page: str | None, value) -> None:
        self.update(page, lambda _: value)

    def update(self, page: str | None, new: Callable) -> None:
        """The page's value becomes ``new(its value or None)``, in one step (no other set comes between)."""
        if page is None:
            return
        with self.lock:
            self.values[page] = new(self.values.get(page))
            self.values.move_to_end(page)
            while len(self.values) > self.pages:
                self.values.popitem(last=False)

    def get(self, page: str | None, default=None):
        with self.lock:
            return self.values.get(page, default) if page is not None else default


class NewestAsks:
    """The newest restore each page asked for (page.js numbers its asks). Two steps on different tabs are two
    events; on a busy server the older one can start after the newer: it must not keep drawing a view nobody looks
    at. Bounded (``PerPage``): the least recent pages go first."""

    def __init__(self, pages: int = 4096):
        self.seen = PerPage(pages)

    def asked(self, page: str | None, seq: int | None) -> None:
        if seq is not None:
            self.seen.update(page, lambda newest: seq if newest is None else max(seq, newest))

    def newest(self, page: str | None, seq: int | None) -> bool:
        """Whether ask ``seq`` is still this page's newest (an ask without a number always is)."""
        return page is None or seq is None or self.seen.get(page, seq) <= seq


NEWEST = NewestAsks()
# (page, ask) of the restore whose render is running: a view that keeps state per page (the Training tab's shown run,
# which its poll reads instead of a value the page may not have applied yet) records it for the page that asked
ASKER: contextvars.ContextVar[tuple[str | None, int | None]] = contextvars.ContextVar("asker", default=(None, None))


def _restorer(share: Share | None, shares: Sequence[Share], tab_ids: Sequence[str], current, bar, done: gr.State):
    """One event's handler, inputs and outputs that open a link on ``share``'s tab (or, for ``None``, a tab without
    settings): it sets the controls, then yields each render as it is drawn.

    The tab and its section are the page's to select (page.js: P.select, in the order the page asks), never an
    output of this event: Gradio applies an update of the app's Tabs asynchronously (it walks every block of the
    app first), so on a busy page an older step's selection was applied after a newer one's, and the lecture walk
    ended on the Training tab at the VAE's step. The renders are ``ASKER``'s, the page and ask they draw for.

    The controls' values arrive with the renders of the same event, and the tabs' renders listen to ``.input`` (a
    user's act), never to a ``.change`` that this programmatic update would fire: one event per step, no chain.
    A lazy render (``lazy_renders``) is drawn once per page (``done``, a State of the views drawn: not the views'
    own values, a theory step would upload its 17 plots), and again when the link changes the tab's settings."""
    renders = []
    for fn, inputs, outs in share.renders if share is not None else []:
        lazy = getattr(fn, "draws", None)
        renders.append((lazy, inputs[1:], outs, True) if lazy is not None else (fn, inputs, outs, False))
    shared = {s.tab for s in shares}
    fields = list(share.fields.values()) if share is not None else []
    head = [bar["index"], bar["notes"]] if bar is not None else []  # the title is the page's (page.js: P.go)
    read = _unique([*fields, *(c for _, inputs, _, _ in renders for c in inputs)])
    outputs = _unique([*head, current, *fields, *(c for _, _, outs, _ in renders for c in outs)])
    outputs.append(done)
    images = [fn for fn, _, outs, _ in renders if any(isinstance(o, gr.Image) for o in outs)]
    main = (images or [fn for fn, *_ in renders] or [None])[0]  # shown first: the tab's main image

    def restore(request: str, path, drawn, *values, page: str | None = None):
        params, index, seq = _opened(request, path)
        NEWEST.asked(page, seq)
        tab = params.get("tab", "")
        shown: dict = {}
        if not NEWEST.newest(page, seq):  # a newer step started first: it opens its own tab
            yield [gr.skip() for _ in outputs]
            return
        if index is not None and bar is not None:
            shown |= {bar["index"]: index, bar["notes"]: lecture_path.notes(path, index)}
        if share is None or tab != share.tab:
            if share is None and tab in tab_ids and tab not in shared:  # a tab without settings: the page selected it
                shown |= {current: tab}
            else:  # another tab's restore (the page's keys outran an event): that event opens it
                shown = {}
            yield [shown.get(c, gr.skip()) for c in outputs]
            return
        now = dict(zip(read, values, strict=True))
        restored = settings(params, share)
        changed = any(now.get(c) != v for c, v in restored.items())
        now |= restored
        shown |= {current: tab} | restored
        yield [shown.get(c, gr.skip()) for c in outputs]
        for opened in [current, *head]:  # the step once: a restore still drawing when the next step opens is no step
            shown.pop(opened, None)
        # the main view (the first render of an image) as soon as it is drawn, then everything. Each yield carries
        # all that is set so far: Gradio streams a generator's yields as diffs from the previous one, and a skip after
        # a value (image → skip) reached the page as a diff that sometimes left the old image shown
        drawn, pending = set(drawn or ()), False
        for fn, inputs, outs, lazy in renders:
            if not NEWEST.newest(page, seq):  # the page asked for another step meanwhile: its restore draws
                break
            if lazy and outs[0]._id in drawn and not changed:
                continue
            token = ASKER.set((page, seq))
            try:
                views = _by_output(fn(*[now[c] for c in inputs]), outs)
            except gr.Error as error:  # one view's message; the others still draw
                gr.Warning(str(error.message))
                continue
            finally:
                ASKER.reset(token)
            now |= {c: v for c, v in ((c, _value(u)) for c, u in views.items()) if c in now and v is not _KEEP}
            shown |= views
            if lazy:
                drawn.add(outs[0]._id)
                shown[done] = frozenset(drawn)
            if fn is main:
                yield [shown.get(c, gr.skip()) for c in outputs]
            else:
                pending = True
        if pending:
            yield [shown.get(c, gr.skip()) for c in outputs]

    return restore, read, outputs


SHARE_JS = path_bar.SHOWN_TAB_JS  # Share links the tab the page shows (path_bar.SHOWN_TAB_JS says why)
RESTORE_JS = "(request, ...rest) => [window.__latentPage.asked ?? request, ...rest]"
OPEN_LINK_JS = "(query) => { window.__latentPage.openLink(query); }"
READY_JS = "() => { window.__latentPage.ready(window.location.search); }"


def _share_row(shares: Sequence[Share], tab_ids: Sequence[str], current: gr.State, fields: list) -> None:
    """The Share row: the shown tab's link and settings file, and a settings file opened (as a link, by the page)."""
    with gr.Accordion("Share this view (link or settings file)", open=False, elem_id="share-accordion"):
        with gr.Row():
            button = gr.Button("🔗 Share this view", elem_id="share-button", scale=1)
            link = gr.Textbox(label="Link to this tab with these settings", elem_id="share-link", scale=4)
        with gr.Row():
            download = gr.File(label="Settings (JSON)", elem_id="share-file")
            upload = gr.UploadButton("Open a settings file", file_types=[".json"], elem_id="share-upload")
    query_text = gr.Textbox(visible=False)

    def make(tab: str, *values):
        if not any(s.tab == tab for s in shares):  # clear the previous tab's link rather than leave it standing
            gr.Warning("this tab has no shareable settings; open an explorer tab to share its view")
            return "", None
        return query(tab, shares, values), settings_file(tab, shares, values)

    shown = gr.Textbox(visible=False)  # the tab the page shows (SHARE_JS; a State's value would be the server's)
    button.click(
        lambda page_tab, tab, *values: make(path_bar.shown_tab(page_tab, tab, tab_ids), *values),
        [shown, current, *fields],
        [query_text, download],
        api_name="share",
        js=SHARE_JS,
    ).then(None, query_text, link, js=URL_JS, api_visibility="undocumented")

    def on_upload(path):
        try:
            params = read_settings(path)
        except (ValueError, OSError) as error:
            raise gr.Error(str(error)) from error
        return "?" + urllib.parse.urlencode(params)

    upload.upload(on_upload, upload, query_text, api_visibility="undocumented").success(
        None, query_text, js=OPEN_LINK_JS
    )


def build(
    tabs: gr.Tabs,
    tab_items: dict[str, gr.Tab],
    shares: Sequence[Share],
    demo: gr.Blocks,
    bar: dict | None = None,
) -> None:
    """The share row, the tab tracking, the restore (a share link on page load, a settings file, a lecture path's
    step: one event each) and the lecture path's ``bar`` (``path_bar.build``). ``tabs``, the app's tabs, are
    ``#app-tabs`` unless named: where the page finds a step's tab (page.js: P.select)."""
    tabs.elem_id = tabs.elem_id or "app-tabs"
    shares = [s for s in shares if s is not None]
    fields = all_fields(shares)
    tab_ids = list(tab_items)
    demo.shares, demo.tab_ids = shares, tab_ids  # what a link may set (tests check the shipped path against them)
    current = gr.State(shares[0].tab if shares else "")
    for tab_id, item in tab_items.items():
        item.select(lambda t=tab_id: t, None, current, api_visibility="undocumented", queue=False)
    request = gr.Textbox(visible=False)  # what the page asks to open (RESTORE_JS fills it in)
    _share_row(shares, tab_ids, current, fields)
    # one hidden button per tab with settings (and one for the others), pressed by the page (page.js: openLink, go)
    done = gr.State(frozenset())  # the lazy views this page's restores drew (_restorer)
    for share in [*shares, None]:
        restore, read, outputs = _restorer(share, shares, tab_ids, current, bar, done)

        def on_restore(session: gr.Request, request: str, path, drawn, *values, restore=restore):
            yield from restore(request, path, drawn, *values, page=getattr(session, "session_hash", None))

        trigger = gr.Button(visible="hidden", elem_id=f"restore-{share.tab if share else 'tab'}")
        trigger.click(
            on_restore,
            [request, bar["path"] if bar is not None else request, done, *read],
            outputs,
            js=RESTORE_JS,
            api_visibility="undocumented",
            concurrency_limit=None,
            show_progress="hidden",
            trigger_mode="always_last",  # ▶ ▶ ▶ while a step draws: the newest step's restore runs after it
        )
    demo.load(None, js=READY_JS)  # a share link: its tab, settings and renders, in one event
    if bar is not None:

        def link(tab: str, values: Sequence) -> str:  # a new step's link: the view's, or the tab alone
            return query(tab, shares, values) if any(s.tab == tab for s in shares) else f"?tab={tab}"

        path_bar.wire(bar, tab_ids, current, fields, link)
