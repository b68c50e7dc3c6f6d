"""A student's Gradio session without a copy of the whole app's config.

Gradio (6.x) creates a session's state on the session's first event (on this page: the tab events the page fires
as it opens) and, in it, the config of every block of the app (``SessionState.config_values``: ~900 blocks here,
~0.1 s of server CPU and ~1.5 MB a student, kept an hour after the tab closes). Gradio reads that copy only to save
a *Gradio* deep link (``gr.DeepLinkButton``, ``/gradio_api/deep_link``), which this app does not use: its share
links carry the settings in the URL (``explorer.ui.share``). Its events update single entries as they go.

``install()`` makes the sessions Gradio creates ``LeanSession``s: the same state, with a block's config built when
an event touches the block, and the rest built only if a deep link is ever saved (``components``), so that a deep
link still holds every block. Called by ``gradio_patches.install``; idempotent.
"""

from types import SimpleNamespace

from gradio import state_holder
from gradio.state_holder import SessionState


class LeanSession(SessionState):
    def __init__(self, blocks) -> None:
        super().__init__(SimpleNamespace(default_config=blocks.default_config, blocks={}))  # no block's config yet
        self.app_blocks = blocks.blocks

    @property
    def components(self):
        """Every block's config, as Gradio's own session has it from the start (read when a deep link is saved)."""
        for key, block in self.blocks_config.blocks.items():
            if key in self.app_blocks and key not in self.config_values:
                self.config_values[key] = self.blocks_config.config_for_block(key, [], block)
        return SessionState.components.fget(self)


def install() -> None:
    state_holder.SessionState = LeanSession


def installed() -> bool:
    return state_holder.SessionState is LeanSession
