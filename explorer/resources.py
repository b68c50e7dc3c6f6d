"""Where the files that live beside the packages are found: the committed checkpoints and the lecture path.

A checkout (``python app.py``, ``pip install -e .``, a Space's upload) holds them at its root, beside ``explorer/``:
``checkpoints/zoo.json`` and ``docs/lecture-path.json``. A wheel (``pip install .``) carries the packages and their
page scripts and style (``explorer/ui/*.js``, ``*.css``: package data, listed in ``MANIFEST.in``) but not these
35 MB, so an installed copy looks for them, in this order, in

1. ``$LATENT_EXPLORER_HOME``: a checkout, or any folder holding ``checkpoints/zoo.json``;
2. the checkout the package was imported from (every case but an installed wheel);
3. the current directory, when it holds ``checkpoints/zoo.json`` (an installed copy run in a clone).

The first that holds ``checkpoints/zoo.json`` is ``HOME``, fixed when the process starts (like ``PYTHONPATH``, the
variable says where the program's own files are, not how it behaves: ``explorer.settings`` keeps those). Where none
does, ``HOME`` is the package's parent, the zoo opens empty, and ``python -m explorer.resources`` prints where it
looked.
"""

import os
from collections.abc import Mapping
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the checkout, for every install but a wheel
MANIFEST_NAME = Path("checkpoints") / "zoo.json"
HOME_VARIABLE = "LATENT_EXPLORER_HOME"


def candidates(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> list[Path]:
    """The folders looked in, in order."""
    env = os.environ if environ is None else environ
    first = [Path(env[HOME_VARIABLE]).expanduser()] if env.get(HOME_VARIABLE) else []
    return [*first, PACKAGE_ROOT, Path.cwd() if cwd is None else cwd]


def home(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The first of ``candidates`` that holds ``checkpoints/zoo.json``; the package's parent where none does."""
    return next((folder for folder in candidates(environ, cwd) if (folder / MANIFEST_NAME).is_file()), PACKAGE_ROOT)


HOME = home()
CHECKPOINTS = HOME / "checkpoints"
LECTURE_PATH = HOME / "docs" / "lecture-path.json"


if __name__ == "__main__":  # python -m explorer.resources: where this install finds its files
    for folder in candidates():
        print(f"{'found' if (folder / MANIFEST_NAME).is_file() else 'no   '} {folder / MANIFEST_NAME}")
    print(f"checkpoints:  {CHECKPOINTS}\nlecture path: {LECTURE_PATH}")
