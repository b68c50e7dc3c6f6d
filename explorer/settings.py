"""The app's settings: paths and switches, read from the environment once and passed down.

``Settings.from_env()`` is called where a process starts (``app.build_app`` through ``Zoo``, the
trainers' CLI, ``python -m explorer.cache``); everything below receives the object, nothing reads
``LATENT_EXPLORER_*`` variables itself.

=============================  ==========================================  ==============================
variable                       meaning                                     default
=============================  ==========================================  ==============================
LATENT_EXPLORER_RUNS           Training tab runs (``ui/``), saved models   ``runs``
LATENT_EXPLORER_MODELS         folders the Load box may read               ``models``
LATENT_EXPLORER_CONVERTED      Hub models converted to our format          ``~/.cache/latent-explorer/converted``
LATENT_EXPLORER_CACHE          derived arrays of non-default models        ``~/.cache/latent-explorer/derived``
LATENT_EXPLORER_DATA           downloaded datasets                         ``~/.cache/latent-explorer/data``
LATENT_EXPLORER_SYSTEM_DATA    installed datasets (Debian's ``dataset-*``)  ``/usr/share/datasets``
LATENT_EXPLORER_IMAGES         image-folder datasets (``folder:NAME``)     ``data/images``
LATENT_EXPLORER_PREVIEW_ROUTE  ``0``: slider previews through Gradio only  on
LATENT_EXPLORER_DIRECT_PREVIEWS ``0``: preview renders on the queue        on (queue-free)
LATENT_EXPLORER_PREVIEW_BATCH  ``0``: each preview its own forward pass     on (concurrent ones stacked)
LATENT_EXPLORER_PREVIEW_CACHE_MB preview PNGs kept (MB; ``0``: none)         ``64``
LATENT_EXPLORER_HUB_MAX_GB     largest Hub download the Load box accepts   ``2`` (GB of weights)
LATENT_EXPLORER_MEMO_ENTRIES   values a zoo memoises (FID curves, …), LRU  ``256``
LATENT_EXPLORER_DOWNLOAD_MINUTES downloads (PNG, GIF, JSON) kept on disk    ``30`` (minutes)
LATENT_EXPLORER_TORCH_THREADS  the app's intra-op threads on a CPU         ``1`` (``0``: torch's, 1 a core)
LATENT_EXPLORER_FILES_URL      a static host mirroring the model files      on a Space its onnx-files/, else none; "off"
=============================  ==========================================  ==============================

``files_url``: the in-page previews' model files (``explorer/ui/inpage.py``) are the bulk of what a student's browser
fetches (DCGAN 4.3 MB, faces 7.2, VAE 2.8, the runtime's WebAssembly 3.8); a room arriving together asks one Python
core for gigabytes and its events queue behind the downloads (docs/benchmarks.md, *Lecture hall*). With this set, the
page fetches each model file from ``<files_url>/onnx/model/<model>/<graph>/<digest>.onnx`` and the runtime's
WebAssembly from ``<files_url>/onnx/runtime/<version>/ort-wasm-simd-threaded.wasm.gz`` first (a CDN, a Hub
repository's ``resolve/main`` URL, any host sending ``Access-Control-Allow-Origin``), and from the app where that
fails (a file the host lacks, a host down); and a setting's first moves wait for its model (up to 5 s) instead of
asking the app's preview route. ``python -m explorer.ui.inpage OUT`` writes those files in that layout, ready to
upload. **On a Space** this needs no host of its own: ``python -m explorer.ui.inpage onnx-files`` before ``hf upload``
puts them in the Space's repository, and the app (``SPACE_ID`` set, ``files`` holding the index) names the Hub's
``resolve/main/onnx-files`` URL of them, so the Hub's CDN, not the Space's container, sends them; the app serves the
uploaded files too (``OnnxModels``' seed), so its own copies are the mirror's byte for byte.

``torch_threads``: the app serves many requests at once (a room's events, previews and lab frames), each on its own
thread; with torch's default of one intra-op thread per core, every small forward pass splits across all cores and
its threads wait at barriers for each other and for the other requests' threads: under load a GAN lab frame cost
1.2 s of CPU on 2 threads against 0.1 s on one. One thread a request lets the requests fill the cores instead. A
single user running one heavy computation (an FID curve, a training run) on an idle many-core CPU gains from ``0``.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

USER_CACHE = Path.home() / ".cache" / "latent-explorer"
MIRROR_INDEX = "onnx/index.json"  # a mirror's list of its files, relative to its root (explorer.onnx_export)


@dataclass(frozen=True)
class Settings:
    runs: Path = Path("runs")
    models: Path = Path("models")
    converted: Path = field(default=USER_CACHE / "converted")
    derived_cache: Path = field(default=USER_CACHE / "derived")
    data_cache: Path = field(default=USER_CACHE / "data")
    system_data: Path = Path("/usr/share/datasets")  # Debian's dataset-fashion-mnist, dataset-mnist (packages.txt)
    images: Path = Path("data/images")
    preview_route: bool = True
    direct_previews: bool = True
    preview_batch: bool = True
    preview_cache_mb: float = 64.0
    hub_max_gb: float = 2.0  # BigGAN-deep-128 is 0.23 GB; a checked repo over this is refused before any download
    memo_entries: int = 256  # Zoo.memo's values (keyed by user-chosen seeds and counts): the least recent go first
    download_minutes: float = 30.0  # a download file's life on disk (Gradio serves its own copy, kept as long)
    torch_threads: int = 1  # the app's torch intra-op threads on a CPU device (0: torch's default, one per core)
    files_url: str = ""  # a static host mirroring the ONNX model files (see above); "": the app serves them
    files: Path = Path("onnx-files")  # the mirror's files uploaded with a Space (python -m explorer.ui.inpage)

    def __post_init__(self):
        if self.torch_threads < 0:
            raise ValueError(f"LATENT_EXPLORER_TORCH_THREADS must be 0 or more, got {self.torch_threads}")
        if self.files_url and not self.files_url.startswith(("http://", "https://")):
            raise ValueError(f"LATENT_EXPLORER_FILES_URL must be an http(s) URL, got {self.files_url!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        default = cls()

        def path(variable: str, value: Path) -> Path:
            return Path(env[variable]) if env.get(variable) else value

        def switch(variable: str, value: bool) -> bool:
            return env[variable] != "0" if variable in env else value

        def number(variable: str, value: float) -> float:
            return float(env[variable]) if env.get(variable) else value

        return cls(
            runs=path("LATENT_EXPLORER_RUNS", default.runs),
            models=path("LATENT_EXPLORER_MODELS", default.models),
            converted=path("LATENT_EXPLORER_CONVERTED", default.converted),
            derived_cache=path("LATENT_EXPLORER_CACHE", default.derived_cache),
            data_cache=path("LATENT_EXPLORER_DATA", default.data_cache),
            system_data=path("LATENT_EXPLORER_SYSTEM_DATA", default.system_data),
            images=path("LATENT_EXPLORER_IMAGES", default.images),
            preview_route=switch("LATENT_EXPLORER_PREVIEW_ROUTE", default.preview_route),
            direct_previews=switch("LATENT_EXPLORER_DIRECT_PREVIEWS", default.direct_previews),
            preview_batch=switch("LATENT_EXPLORER_PREVIEW_BATCH", default.preview_batch),
            preview_cache_mb=number("LATENT_EXPLORER_PREVIEW_CACHE_MB", default.preview_cache_mb),
            hub_max_gb=number("LATENT_EXPLORER_HUB_MAX_GB", default.hub_max_gb),
            memo_entries=int(number("LATENT_EXPLORER_MEMO_ENTRIES", default.memo_entries)),
            download_minutes=number("LATENT_EXPLORER_DOWNLOAD_MINUTES", default.download_minutes),
            torch_threads=int(number("LATENT_EXPLORER_TORCH_THREADS", default.torch_threads)),
            files_url=files_url(env, default.files),
        )

    @property
    def training_runs(self) -> Path:
        return self.runs / "ui"

    @property
    def saved_models(self) -> Path:
        return self.runs / "saved"


def files_url(env: Mapping[str, str], files: Path) -> str:
    """``LATENT_EXPLORER_FILES_URL``: a host's URL; "off" for none (the app serves every file, on a Space too);
    unset, the Space's own uploaded files (``space_files_url``) or none."""
    chosen = env.get("LATENT_EXPLORER_FILES_URL", "").strip()
    if chosen.lower() == "off":
        return ""
    return chosen or space_files_url(env, files)


def space_files_url(env: Mapping[str, str], files: Path) -> str:
    """On a Space whose upload holds the mirror's files (``files``, with their index), the Hub's URL of that folder in
    the Space's repository: its CDN serves them to the students' pages, the Space's container does not; "" elsewhere."""
    space = env.get("SPACE_ID", "").strip()
    if not space or files.is_absolute() or not (files / MIRROR_INDEX).is_file():
        return ""
    return f"https://huggingface.co/spaces/{space}/resolve/main/{files.as_posix()}"
