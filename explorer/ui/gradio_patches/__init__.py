"""Every place the app changes Gradio's own behaviour, in one package: what is patched, why, and on which Gradio.

Each was written against Gradio's internals and measured on Gradio ``MEASURED_ON`` (the Space's ``sdk_version`` in
README.md; ``tests/test_gradio_patches.py`` keeps the two equal). On another Gradio, re-run the test each names, and
``bench/pageopen.py`` for the last two, before trusting it: a renamed internal fails the test, not the page.

=================  ==========================================  ===============================================
module             what of Gradio it changes                   why (measured)
=================  ==========================================  ===============================================
``cache_files``    ``processing_utils.save_pil_to_cache`` and  Gradio rewrites a cached picture in place each
                   ``save_bytes_to_cache``, replaced by        time it is returned again, so a browser fetching
                   writers that write once, atomically         it gets a truncated file and a broken image for
                                                               good (``tests/test_cache_files.py``)
``sessions``       ``state_holder.SessionState``, replaced by  a new session copied every block's config
                   ``LeanSession`` (a block's config built     (~900 blocks: ~0.1 s of CPU and ~1.5 MB a student)
                   when an event touches it)                   for deep links the app does not use
                                                               (``tests/test_sessions.py``)
``page_cache``     Gradio's ASGI app, wrapped by the           the page (1.7 MB, built per request) and ~110
                   ``PageCache`` middleware (not a patch: an   scripts (Brotli per request) cost ~0.4 s of CPU a
                   ASGI layer ``app.launch`` adds)             student; kept and compressed once. A ``HEAD``
                                                               of the page is answered without building it:
                                                               ``launch``'s own ``HEAD /`` (3 s timeout) built
                                                               the page and the app exited under load
                                                               (``tests/test_page_cache.py``)
=================  ==========================================  ===============================================

``install()`` applies the two patches (``app.build_app`` calls it; idempotent); ``middleware()`` is the page cache
for ``launch``'s ``app_kwargs``.
"""

import logging

import gradio
from starlette.middleware import Middleware

from explorer.ui.gradio_patches import cache_files, sessions
from explorer.ui.gradio_patches.page_cache import PageCache

MEASURED_ON = "6.31.0"

log = logging.getLogger(__name__)


def install() -> None:
    """Gradio's cache writers and session state replaced by ours (see the module's table); idempotent."""
    if gradio.__version__ != MEASURED_ON:
        log.warning(
            "Gradio %s: explorer/ui/gradio_patches was measured on %s; run its tests", gradio.__version__, MEASURED_ON
        )
    cache_files.install()
    sessions.install()


def installed() -> bool:
    return cache_files.installed() and sessions.installed()


def middleware() -> list[Middleware]:
    """The ASGI layers ``app.launch`` adds around Gradio's app: the page cache."""
    return [Middleware(PageCache)]
