"""The Load box driven as a user does, for the loader's browser tests: a fixture file under the served app's
``models/`` folder, inspected, then loaded into the zoo."""

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

from explorer.ui import loader


@contextlib.contextmanager
def in_models_folder(zoo, tmp_path: Path, fixture: Path) -> Iterator[Path]:
    """``fixture`` copied into a models folder of the served app's own (its zoo's settings, restored after); the
    zoo without the loaded model afterwards."""
    saved = zoo.settings
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / fixture.name
    path.write_bytes(fixture.read_bytes())
    zoo.settings = dataclasses.replace(saved, models=tmp_path / "models", converted=tmp_path / "converted")
    try:
        yield path
    finally:
        zoo.settings = saved
        name = loader.zoo_name(str(path))
        zoo.entries.pop(name, None)
        zoo.forget(name)


def inspect_and_load(page, path: Path, format_word: str) -> tuple[str, str]:
    """Open the Load box, inspect ``path`` until the info names ``format_word``, then load it into the zoo until the
    box says so; (what the inspection said, the model's zoo name)."""
    page.get_by_text("Load a pretrained model (Hugging Face Hub or a local folder)").click()
    box = page.locator("#loader-accordion")
    box.get_by_label("Repo id or folder").fill(str(path))
    box.get_by_role("button", name="Inspect", exact=True).click()
    info = page.locator("#load-info")
    page.wait_for_function(
        "(word) => document.querySelector('#load-info').innerText.includes(word)", arg=format_word, timeout=60_000
    )
    inspected = info.inner_text()
    box.get_by_role("button", name="Load into the zoo", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('#load-info').innerText.includes('Loaded as')", timeout=120_000
    )
    name = loader.zoo_name(str(path))
    assert f"Loaded as {name}" in info.inner_text(), info.inner_text()
    return inspected, name
