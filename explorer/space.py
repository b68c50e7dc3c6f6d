"""The Hugging Face Space: whether the app runs on one, whose token a Hub request carries there, the files
``hf upload`` sends, and the one command that sends them.

On a Space, visitors act as themselves: Push and private or gated Hub loads carry the token of the visitor's
own "Sign in with Hugging Face" login (Gradio's OAuth, ``hf_oauth`` in the README's front matter), or no
token at all; the Space's own ``HF_TOKEN`` secret is never sent for a visitor. Run locally, the token of whoever
started the app (``HF_TOKEN``, or the one ``hf auth login`` saved) is used, as the command line would.

The Space needs the app, the library, the committed checkpoints (not their ``--resume`` state) and the
README with its front matter; not the tests, benchmarks, training runs, caches or virtual environments.
``upload_files`` lists exactly what ``hf upload … --exclude …`` uploads: the same walk over the folder and
the same filter (``huggingface_hub.utils.filter_repo_objects`` with these patterns plus the Hub's own
defaults), without the network.
"""

import os
from collections.abc import Mapping
from pathlib import Path

from huggingface_hub import get_token
from huggingface_hub.hf_api import DEFAULT_IGNORE_PATTERNS
from huggingface_hub.utils import filter_repo_objects

EXCLUDES = (
    "runs/*",  # the Training tab's runs and saved models
    "models/*",  # local folders for the Load box
    "data/*",  # image-folder datasets
    ".venv/*",
    "venv/*",
    "__pycache__/*",
    "*/__pycache__/*",
    "*.pyc",
    ".pytest_cache/*",
    ".ruff_cache/*",
    "*.egg-info/*",
    "build/*",
    "dist/*",
    "tests/*",
    "bench/*",
    ".ci/*",
    ".github/*",
    "docs/*.py",
    "*.log",
    "checkpoints/*/training_state.safetensors",  # what --resume needs, not the app
)
MAX_FILE_BYTES = 10 * 2**20  # every file stays under the Hub's 10 MB limit for files outside large-file storage


# The deploy's first command: what the students' pages fetch once (the models' ONNX files, the runtime's WebAssembly),
# written for the upload, so the Hub's CDN sends them and not the Space's container (``explorer.settings``,
# ``space_files_url``); ~21 MB more to upload, every file under MAX_FILE_BYTES
FILES_COMMAND = "python -m explorer.ui.inpage onnx-files"


def upload_command(repo_id: str = "<user>/latent-explorer") -> str:
    """The deploy command (huggingface_hub ≥ 1.0's ``hf`` CLI), run at the repository's root."""
    excludes = " ".join(f"--exclude '{pattern}'" for pattern in EXCLUDES)
    return f"hf upload {repo_id} . . --repo-type space {excludes}"


def upload_files(root: str | Path) -> list[str]:
    """The paths (relative, POSIX) that ``upload_command`` uploads from ``root``, sorted as ``hf upload`` walks."""
    root = Path(root).resolve()
    paths = [p.relative_to(root).as_posix() for p in sorted(root.glob("**/*")) if p.is_file()]
    return list(filter_repo_objects(paths, ignore_patterns=[*EXCLUDES, *DEFAULT_IGNORE_PATTERNS]))


def on_space(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the app runs on a Hugging Face Space: the Space runtime sets ``SYSTEM=spaces`` and ``SPACE_ID``.

    Gradio's own test (``gradio.utils.get_space``) wants both; either one is enough here, so that a half-set
    environment errs on the visitor's side (no owner's token)."""
    env = os.environ if environ is None else environ
    return env.get("SYSTEM") == "spaces" or bool(env.get("SPACE_ID"))


def hub_token(visitor: str | None = None, environ: Mapping[str, str] | None = None) -> str | bool | None:
    """The token a Hub request made for a visitor carries, as ``huggingface_hub``'s ``token=`` argument.

    - the visitor's own token (their Sign-in), wherever one is given;
    - on a Space without one: ``False``, which ``huggingface_hub`` reads as "send no token" (``None`` would make it
      fall back to the ``HF_TOKEN`` in the Space's environment, the owner's secret);
    - run locally without one: the token of whoever started the app (``huggingface_hub.get_token``: ``HF_TOKEN``,
      else the token ``hf auth login`` saved), or ``None`` when there is none.
    """
    if visitor:
        return visitor
    if on_space(environ):
        return False
    return get_token()


def sign_in_hint(environ: Mapping[str, str] | None = None) -> str:
    """How a user gets a token that can read or write a repo: the Sign-in button on a Space, HF_TOKEN locally."""
    if on_space(environ):
        return "sign in with the 'Sign in with Hugging Face' button as a user who can"
    return "set HF_TOKEN (or run `hf auth login`) to a token that can"
