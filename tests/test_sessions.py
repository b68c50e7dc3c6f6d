"""Lean sessions (explorer/ui/gradio_patches/sessions.py): a new session builds no config, its events work as in
Gradio's own, and a Gradio deep link still gets every block."""

import asyncio
import concurrent.futures

import gradio as gr
from gradio.state_holder import StateHolder

from explorer.ui.gradio_patches import sessions


def small_app() -> gr.Blocks:
    with gr.Blocks() as demo:
        box = gr.Textbox(value="hello", elem_id="box")
        count = gr.State(0)
        gr.Markdown("text")
        gr.Button("go").click(lambda s, n: (s.upper(), n + 1), [box, count], [box, count])
    return demo


def test_a_new_session_copies_no_config_and_a_deep_link_still_gets_every_block():
    demo = small_app()
    demo.config = demo.get_config_file()
    own = sessions.SessionState(demo)  # Gradio's
    lean = sessions.LeanSession(demo)
    assert len(own.config_values) == len(demo.blocks) and lean.config_values == {}
    assert sorted(c["id"] for c in lean.components) == sorted(c["id"] for c in own.components)
    assert {c["id"]: c for c in lean.components} == {c["id"]: c for c in own.components}


def test_installed_sessions_run_events_and_keep_their_state():
    sessions.install()
    sessions.install()
    assert sessions.installed()
    demo = small_app()
    holder = StateHolder()
    holder.set_blocks(demo)
    state = holder["student"]
    assert isinstance(state, sessions.LeanSession)
    fn = next(iter(demo.fns.values()))
    box, count = fn.inputs
    for expected in (1, 2):
        call = demo.process_api(fn, ["hi", None], state=state)  # a State's value comes from the session
        # a loop of its own in a thread: a browser test's Playwright may be running one in this worker's main thread
        result = concurrent.futures.ThreadPoolExecutor(1).submit(asyncio.run, call).result()
        assert result["data"][0] == "HI"
        assert state[count._id] == expected  # the gr.State value lives on in the session
    assert box._id in state.config_values and len(state.config_values) < len(demo.blocks)
