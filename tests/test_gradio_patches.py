"""The one package of changes to Gradio (explorer/ui/gradio_patches): each listed, installed by one call, and measured
on the Gradio the Space runs."""

import re
from pathlib import Path

from gradio import processing_utils, state_holder

from explorer.ui import gradio_patches
from explorer.ui.gradio_patches import cache_files, page_cache, sessions

ROOT = Path(__file__).resolve().parent.parent


def test_the_patches_were_measured_on_the_gradio_the_space_runs():
    sdk = re.search(r"^sdk_version: *(\S+)", (ROOT / "README.md").read_text(), re.M).group(1)
    assert gradio_patches.MEASURED_ON == sdk


def test_one_install_applies_every_patch_and_the_table_lists_each_module():
    gradio_patches.install()
    gradio_patches.install()  # idempotent
    assert gradio_patches.installed()
    assert processing_utils.save_pil_to_cache is cache_files.save_pil_to_cache
    assert state_holder.SessionState is sessions.LeanSession
    assert [layer.cls for layer in gradio_patches.middleware()] == [page_cache.PageCache]
    listed = re.findall(r"^``(\w+)``", gradio_patches.__doc__, re.M)
    modules = sorted(p.stem for p in Path(gradio_patches.__file__).parent.glob("*.py") if p.stem != "__init__")
    assert sorted(listed) == modules
