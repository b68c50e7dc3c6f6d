"""The Hugging Face Space: the files ``hf upload`` sends, and the one command that sends them.

The Space needs the app, the library, the committed checkpoints (not their ``--resume`` state) and the
README with its front matter; not the tests, benchmarks, training runs, caches or virtual environments.
``upload_files`` lists exactly what ``hf upload … --exclude …`` uploads: the same walk over the folder and
the same filter (``huggingface_hub.utils.filter_repo_objects`` with these patterns plus the Hub's own
defaults), without the network.
"""

from pathlib import Path

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


def upload_command(repo_id: str = "<user>/latent-explorer") -> str:
    """The deploy command (huggingface_hub ≥ 1.0's ``hf`` CLI), run at the repository's root."""
    excludes = " ".join(f"--exclude '{pattern}'" for pattern in EXCLUDES)
    return f"hf upload {repo_id} . . --repo-type space {excludes}"


def upload_files(root: str | Path) -> list[str]:
    """The paths (relative, POSIX) that ``upload_command`` uploads from ``root``, sorted as ``hf upload`` walks."""
    root = Path(root).resolve()
    paths = [p.relative_to(root).as_posix() for p in sorted(root.glob("**/*")) if p.is_file()]
    return list(filter_repo_objects(paths, ignore_patterns=[*EXCLUDES, *DEFAULT_IGNORE_PATTERNS]))
