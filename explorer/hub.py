"""Pretrained models from the Hugging Face Hub (or a local folder) in the public formats, as zoo models.

``load("user/repo")`` / ``load("user/repo@revision")`` downloads through ``huggingface_hub`` (its
cache; ``HF_HUB_OFFLINE=1`` is respected) and recognises:

* **our own format** (``config.json`` with ``"family"`` + ``model.safetensors``, what
  ``PyTorchModelHubMixin`` and our trainers write): loaded strictly;
* **BigGAN-deep** in the format of ``pytorch-pretrained-biggan`` (``config.json`` with ``layers`` and
  ``n_stats`` + ``pytorch_model.bin``): spectral norm folded, truncation-dependent BN statistics kept;
* **StyleGAN2 of rosinality's stylegan2-pytorch** (a ``.pt`` with ``g_ema`` and ``latent_avg``): into
  ``explorer.models.stylegan2`` with every key mapped and every shape checked;
* **huggan DCGAN** (``config.json`` with ``num_channels``/``latent_dim``/``hidden_size`` +
  ``pytorch_model.bin`` or ``model.safetensors``, e.g. ``huggan/dcgan-mnist``): keys renamed into our
  64² DCGAN (the missing output bias is zero);
* **the PyTorch DCGAN tutorial's generator** (a ``.pt``/``.pth``/``.tar`` state dict with ``main.N.*`` keys,
  optionally wrapped in ``netG_state_dict``, e.g. the ``gan-face-generate`` package's faces): the same renaming,
  sizes read from the shapes (32² or 64², any channels, latent and width);
* **NVIDIA's StyleGAN2-ADA and StyleGAN3 network pickles** (a ``.pkl`` from stylegan2-ada-pytorch or stylegan3: a
  file under ``models/``, or on the Hub ``user/repo[@revision]/path/to/network.pkl``, or a repo whose only weights are
  one ``.pkl``): read as data by ``explorer.stylegan_pickle`` (no code of the pickle runs; anything but networks'
  tensors and kwargs is refused), ``G_ema`` converted into ``explorer.models.stylegan2_ada`` or
  ``explorer.models.stylegan3`` (``stylegan_pickle.generator`` tells them apart).

A ``.pt``/``.pth``/``.tar`` file is told apart by its keys (``g_ema`` → rosinality, ``main.N`` → tutorial DCGAN),
after loading it once; rosinality's ``train.py`` checkpoints also hold ``args`` (an ``argparse.Namespace``), the one
class besides tensors that the loader allows. ``STATE_FORMATS`` maps each state-dict format to its builder
(``WEIGHTS_OF``: where its tensors are).

Foreign ``.bin``/``.pt`` files are read with ``torch.load(weights_only=True)``: tensors only, never code. Other
pickles are refused; from the Hub a ``.pkl`` is downloaded only when it is named or is the repo's only weights, and
then only read by the allow-listed reader. Converted models are written in our format to a cache folder, so the zoo
loads them like any other folder and the next start is instant.
"""

import argparse
import importlib
import json
import pickle
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import torch
from huggingface_hub.utils import filter_repo_objects
from safetensors import SafetensorError
from safetensors.torch import load_file

from explorer import stylegan_pickle
from explorer.device import default_device
from explorer.models.biggan_deep import config_from_pretrained_biggan, from_pretrained_biggan_state
from explorer.models.dcgan import DCGANConfig, DCGANGenerator
from explorer.models.folder import (
    CONFIG_NAME,
    REFUSED_SUFFIXES,
    WEIGHTS_NAME,
    ZooError,
    load_folder,
    load_strict,
    save_folder,
    write_folder_atomically,
)
from explorer.models.registry import family_of
from explorer.models.stylegan2 import from_rosinality
from explorer.settings import Settings
from explorer.space import hub_token, sign_in_hint

CONVERTED = Settings().converted  # the default; the app passes its Settings' folder
REPO_PATTERN = re.compile(  # user/name[@revision][/path/to/network.pkl]; a revision before a file has no "/" (%2F)
    r"^(?P<repo>[A-Za-z0-9][\w.-]*/[\w.-]+)(?:@(?P<revision>[\w./%-]+?))?(?:/(?P<file>[\w./-]+\.(?:pkl|pickle)))?$"
)
DOWNLOAD_PATTERNS = ["config.json", "*.safetensors", "pytorch_model.bin", "*.pt", "*.pth", "*.tar", "README.md"]
KNOWN_FORMATS = (
    "our format (config.json with 'family' + model.safetensors)",
    "pytorch-pretrained-biggan BigGAN-deep (config.json + pytorch_model.bin)",
    "huggan DCGAN (config.json with hidden_size + weights)",
    "rosinality stylegan2-pytorch (a .pt with g_ema and latent_avg)",
    "PyTorch DCGAN tutorial generator (a .pt/.pth/.tar with main.N keys, optionally under netG_state_dict)",
    "NVIDIA StyleGAN2-ADA or StyleGAN3 network pickle (a .pkl read as data: user/name/file.pkl, a file under models/)",
)
PICKLE_FORMAT = "nvidia-pkl"  # what detect_format says of a .pkl; convert names its release (NVIDIA_FORMATS)
TORCH_SUFFIXES = (".pt", ".pth", ".tar")  # single-file torch checkpoints; told apart by their keys
SAFE_CLASSES = [argparse.Namespace]  # rosinality's train.py stores its ``args``; nothing else is unpickled
TUTORIAL_KEY = re.compile(r"^main\.\d+\.")


@dataclass(frozen=True)
class ModelInfo:
    """What the app shows before loading: enough to decide whether to wait for it."""

    name: str
    family: str
    format: str
    resolution: int
    classes: int
    license: str
    parameters: int
    size_bytes: int
    note: str = ""  # what the conversion had to decide (e.g. an estimated w̄)
    details: str = ""  # the architecture, where the format says more than the family (mapping depth, skips, …)

    def markdown(self) -> str:
        details = f" [{self.details}]" if self.details else ""
        text = (
            f"**{self.name}**: {self.family} ({self.format}){details}, {self.resolution}×{self.resolution}, "
            f"{self.classes or 'no'} classes, {self.parameters / 1e6:.1f} M parameters, "
            f"{self.size_bytes / 2**20:.1f} MiB, license: {self.license}"
        )
        return text + (f". Note: {self.note}" if self.note else "")


def is_repo_id(text: str) -> bool:
    return bool(REPO_PATTERN.match(text)) and not Path(text.split("@")[0]).exists()


@dataclass(frozen=True)
class HubSource:
    """What a Hub source names: a repo, optionally a revision, optionally one pickle file in it."""

    repo: str
    revision: str | None = None
    file: str | None = None  # a .pkl/.pickle path inside the repo: the one file to download


def parse_source(source: str) -> HubSource:
    """``user/name``, ``user/name@revision``, ``user/name/network.pkl`` or ``user/name@revision/dir/network.pkl``
    (as ``huggingface_hub``'s ``hf://`` paths: a revision followed by a file writes its "/" as ``%2F``)."""
    match = REPO_PATTERN.match(source.strip())
    if match is None:
        raise ZooError(f"{source!r} is not a Hub repo id like 'user/name', 'user/name@rev' or 'user/name/file.pkl'")
    revision = match["revision"]
    return HubSource(match["repo"], unquote(revision) if revision else None, match["file"])


def _is_pickle(name: str) -> bool:
    return name.endswith(REFUSED_SUFFIXES)


def files_to_fetch(repo: str, sizes: dict[str, int | None], max_bytes: float, file: str | None = None) -> list[str]:
    """The files of a Hub repo (name → size in bytes) that a load downloads, decided before any download.

    A named ``file`` (a network pickle): it and the repo's card. Otherwise the files ``DOWNLOAD_PATTERNS`` names, or,
    where those hold no weights, the repo's one pickle and its card (several pickles: the user names one). Refused: a
    repo with no weights the loader reads, and one whose files add up to more than ``max_bytes``.
    """
    wanted = list(filter_repo_objects(sorted(sizes), allow_patterns=DOWNLOAD_PATTERNS))
    weights = [name for name in wanted if name.endswith((".safetensors", ".bin", *TORCH_SUFFIXES))]
    pickles = sorted(name for name in sizes if _is_pickle(name))
    if file is not None and file not in sizes:
        listed = f"its pickles: {', '.join(pickles)}" if pickles else "it holds no pickle"
        raise ZooError(f"{repo} has no file {file} ({listed})")
    if file is None and not weights and len(pickles) > 1:
        raise ZooError(f"{repo} holds several network pickles ({', '.join(pickles)}); name one: {repo}/{pickles[0]}")
    if file is None and not weights and pickles:
        file = pickles[0]
    if file is not None:  # read as data by explorer.stylegan_pickle, never unpickled with code
        wanted = [file, *(["README.md"] if "README.md" in sizes else [])]
    elif not weights:
        raise ZooError(f"{repo} has no weights in a format the loader reads; recognised: {'; '.join(KNOWN_FORMATS)}")
    unknown = [name for name in wanted if sizes[name] is None]
    if unknown:
        raise ZooError(f"the Hub did not say how large {', '.join(unknown)} in {repo} is; not downloaded")
    total = sum(sizes[name] for name in wanted)
    if total > max_bytes:
        raise ZooError(
            f"{repo} is {total / 1e9:.2f} GB to download, over this app's limit of {max_bytes / 1e9:g} GB "
            "(LATENT_EXPLORER_HUB_MAX_GB); not downloaded"
        )
    return wanted


def unreachable_errors() -> tuple[type[Exception], ...]:
    """What ``huggingface_hub`` raises when the Hub cannot be reached: offline mode, or a transport error of its HTTP
    client (``httpx``; ``httpx2`` from huggingface_hub 2.x)."""
    from huggingface_hub.errors import OfflineModeIsEnabled

    errors: list[type[Exception]] = [OfflineModeIsEnabled]
    for client in ("httpx", "httpx2"):
        try:
            errors.append(importlib.import_module(client).TransportError)
        except ImportError:
            pass
    return tuple(errors)


def download(source: str, token: str | None = None, max_gb: float | None = None) -> Path:
    """The snapshot folder of ``user/repo[@revision]`` (from the cache when offline), or the path of the network pickle
    it downloaded (``user/repo/file.pkl``, or a repo whose only weights are one pickle); clear errors.

    ``token`` is the visitor's own (``explorer.space.hub_token`` decides what is sent without one). Online, the
    revision's file list and sizes are checked (``files_to_fetch``) before exactly the files it allows are downloaded,
    and what arrived is measured again (a push between the two); when the Hub cannot be reached, only what the cache
    already holds is used.
    """
    from huggingface_hub import HfApi, constants, snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    named = parse_source(source)
    repo, revision = named.repo, named.revision
    token = hub_token(token)
    max_bytes = (Settings().hub_max_gb if max_gb is None else max_gb) * 1e9
    cache_only = bool(constants.HF_HUB_OFFLINE)
    wanted: list[str] | None = None  # unknown when only the cache is read
    try:
        if not cache_only:
            # 1. The revision's files and sizes: refuse before any download.
            try:
                info = HfApi(token=token).model_info(repo, revision=revision, files_metadata=True)
            except HfHubHTTPError as error:
                if error.response is None or error.response.status_code < 500:  # not found, no access: said below
                    raise
                cache_only = True  # the Hub is down
            except unreachable_errors():
                cache_only = True
            else:
                sizes = {sibling.rfilename: sibling.size for sibling in info.siblings or []}
                wanted = files_to_fetch(repo, sizes, max_bytes, named.file)
        # 2. Exactly those files (or the cache's copy of what an earlier, checked download kept).
        patterns = wanted or ([named.file] if named.file else DOWNLOAD_PATTERNS)
        folder = Path(
            snapshot_download(
                repo, revision=revision, allow_patterns=patterns, token=token, local_files_only=cache_only
            )
        )
    except GatedRepoError as error:
        raise ZooError(f"{repo} is gated: accept its terms on huggingface.co and {sign_in_hint()} read it") from error
    except RepositoryNotFoundError as error:
        raise ZooError(f"{repo} does not exist on the Hub, or it is private ({sign_in_hint()} read it)") from error
    except RevisionNotFoundError as error:
        raise ZooError(f"{repo} has no revision {revision!r}") from error
    except LocalEntryNotFoundError as error:
        reason = "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else "the Hub cannot be reached"
        raise ZooError(
            f"{source} is not in the local cache and {reason}: connect to the internet (and unset HF_HUB_OFFLINE) "
            "to download it once"
        ) from error
    except (HfHubHTTPError, OSError) as error:
        raise ZooError(f"downloading {source} failed: {error}") from error
    # 3. A push between the check and the download: what arrived is measured too (never loaded when over).
    files = [folder / name for name in wanted] if wanted else list(folder.rglob("*"))
    arrived = sum(p.stat().st_size for p in files if p.is_file())
    if arrived > max_bytes:
        raise ZooError(f"{repo} changed while it downloaded and is now over this app's limit of {max_bytes / 1e9:g} GB")
    pickle_file = named.file or next((name for name in wanted or [] if _is_pickle(name)), None)
    return folder / pickle_file if pickle_file else folder


def torch_weights(path: Path) -> dict[str, torch.Tensor]:
    """Tensors of a foreign ``.bin``/``.pt`` file, never code: ``torch.load(weights_only=True)``."""
    if path.suffix in REFUSED_SUFFIXES:
        raise ZooError(f"{path.name}: pickle files are refused because loading them runs code stored in the file")
    try:
        with torch.serialization.safe_globals(SAFE_CLASSES):
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise ZooError(
            f"{path.name} needs code to be unpickled (it is not a plain tensor checkpoint); refused. "
            "Convert it to safetensors with the code that made it."
        ) from error
    except (RuntimeError, EOFError, OSError, ValueError) as error:
        raise ZooError(f"{path.name} is corrupted or truncated ({error}); download it again") from error
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise ZooError(f"{path.name} is not a state dict of named tensors")
    return state


def _weights_file(folder: Path) -> Path | None:
    for name in (WEIGHTS_NAME, "pytorch_model.bin"):
        if (folder / name).is_file():
            return folder / name
    return None


def _torch_file(folder: Path) -> Path | None:
    """The one ``.pt``/``.pth``/``.tar`` checkpoint of a folder (or the file itself), if there is exactly one."""
    if folder.is_file():
        return folder if folder.suffix in TORCH_SUFFIXES else None
    files = sorted(p for p in folder.iterdir() if p.suffix in TORCH_SUFFIXES) if folder.is_dir() else []
    if len(files) > 1:
        raise ZooError(f"{folder} holds several checkpoints ({', '.join(p.name for p in files)}); give one file")
    return files[0] if files else None


def _pickle_file(folder: Path) -> Path | None:
    """The one network pickle of a folder (or the file itself), if there is exactly one."""
    if folder.is_file():
        return folder if folder.suffix in REFUSED_SUFFIXES else None
    files = sorted(p for p in folder.iterdir() if p.suffix in REFUSED_SUFFIXES) if folder.is_dir() else []
    if len(files) > 1:
        raise ZooError(f"{folder} holds several pickles ({', '.join(p.name for p in files)}); give one file")
    return files[0] if files else None


def _state(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as error:
            raise ZooError(f"{path.name} is corrupted or truncated ({error}); download it again") from error
    return torch_weights(path)


def detect_format(folder: Path) -> str:
    """ "ours", "biggan-deep", "huggan-dcgan", "torch-file" (rosinality or tutorial DCGAN, told apart by the
    file's keys in ``convert``) or ``PICKLE_FORMAT`` (a network pickle); a clear error for anything else."""
    if folder.is_file():
        if _torch_file(folder):
            return "torch-file"
        if folder.suffix in REFUSED_SUFFIXES:
            return PICKLE_FORMAT
        raise ZooError(f"{folder.name}: give a model folder, a .pt/.pth/.tar checkpoint or an NVIDIA StyleGAN .pkl")
    config_path = folder / CONFIG_NAME
    if not config_path.is_file() and _torch_file(folder):
        return "torch-file"
    if not config_path.is_file():
        if _pickle_file(folder):
            return PICKLE_FORMAT
        raise ZooError(f"{folder} has no {CONFIG_NAME}; recognised formats: {'; '.join(KNOWN_FORMATS)}")
    try:
        fields = json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise ZooError(f"{config_path} is not valid JSON ({error})") from error
    if "family" in fields:
        return "ours"
    if {"layers", "n_stats", "z_dim"} <= set(fields) and (folder / "pytorch_model.bin").is_file():
        return "biggan-deep"
    if {"num_channels", "latent_dim", "hidden_size"} <= set(fields) and _weights_file(folder):
        return "huggan-dcgan"
    raise ZooError(f"{folder.name}: unknown checkpoint format; recognised: {'; '.join(KNOWN_FORMATS)}")


def convert(folder: Path) -> tuple[torch.nn.Module, str, str]:
    """(model, family, format) of a folder in one of the public formats (strict, every key checked)."""
    fmt = detect_format(folder)
    if fmt == "ours":
        model = load_folder(folder, "cpu")
    elif fmt == PICKLE_FORMAT:
        model, fmt = stylegan_pickle.generator(_pickle_file(folder))
    else:  # a state dict: its file, its tensors (a ZooError of its own says what is wrong: not wrapped again)
        path = WEIGHTS_OF[fmt](folder)
        state = _state(path)
        fields = {} if fmt == "torch-file" else json.loads((folder / CONFIG_NAME).read_text())
        fmt = torch_file_format(path, state) if fmt == "torch-file" else fmt
        try:
            model = STATE_FORMATS[fmt](fields, state)
        except ZooError:
            raise
        except (ValueError, TypeError, KeyError) as error:
            raise ZooError(f"{folder.name} ({fmt}): {error}") from error
    return model, family_of(model).name, fmt


def torch_file_format(path: Path, state: dict) -> str:
    """A ``.pt``/``.pth``/``.tar`` state dict's format, told by its keys: rosinality's ``g_ema`` or the DCGAN
    tutorial's ``main.N``."""
    if "g_ema" in state:
        return "rosinality"
    if is_dcgan_tutorial(state):
        return "dcgan-tutorial"
    keys = ", ".join(sorted(state)[:6])
    raise ZooError(f"{path.name}: unknown checkpoint format (keys: {keys}…); recognised: {'; '.join(KNOWN_FORMATS)}")


def huggan_dcgan(fields: dict, state: dict[str, torch.Tensor]) -> torch.nn.Module:
    """A huggan ``Generator`` (nn.Sequential ``model``, 64², no output bias) as our 64² DCGAN generator."""
    config = DCGANConfig(
        latent_dim=int(fields["latent_dim"]),
        channels=int(fields["num_channels"]),
        resolution=64,
        g_width=int(fields["hidden_size"]),
    )
    model = DCGANGenerator(config)
    renamed = {("net." + k[len("model.") :] if k.startswith("model.") else k): v for k, v in state.items()}
    output = [k for k in model.state_dict() if k.endswith(".bias") and k not in renamed and "net.12" in k]
    for key in output:  # huggan's last ConvTranspose2d has no bias: ours is zero
        renamed[key] = torch.zeros_like(model.state_dict()[key])
    load_strict(model, renamed, "not a huggan DCGAN state dict")
    return model.eval()


def is_dcgan_tutorial(state: dict) -> bool:
    """Whether a loaded state dict is the PyTorch DCGAN tutorial's generator (bare or under ``netG_state_dict``)."""
    state = state.get("netG_state_dict", state)
    return isinstance(state, dict) and any(TUTORIAL_KEY.match(str(k)) for k in state)


def dcgan_tutorial(state: dict) -> torch.nn.Module:
    """The PyTorch DCGAN tutorial's ``Generator`` (``main``: ConvTranspose2d/BatchNorm2d/ReLU blocks, a bias-free
    output ConvTranspose2d, tanh) as our DCGAN generator; sizes read from the weights' shapes, keys checked strictly.
    """
    state = state.get("netG_state_dict", state)
    convs = sorted(
        (
            int(k.split(".")[1])
            for k, v in state.items()
            if TUTORIAL_KEY.match(k) and k.endswith(".weight") and v.ndim == 4
        )
    )
    if len(convs) not in (4, 5):
        raise ZooError(f"a DCGAN-tutorial generator has 4 (32²) or 5 (64²) transposed convolutions, found {len(convs)}")
    first, last = state[f"main.{convs[0]}.weight"], state[f"main.{convs[-1]}.weight"]
    config = DCGANConfig(
        latent_dim=int(first.shape[0]),
        channels=int(last.shape[1]),
        resolution=4 * 2 ** (len(convs) - 1),
        g_width=int(last.shape[0]),
    )
    model = DCGANGenerator(config)
    renamed = {"net." + k[len("main.") :]: v for k, v in state.items()}
    output_bias = f"net.{convs[-1]}.bias"
    if output_bias not in renamed and output_bias in model.state_dict():  # the tutorial's output has no bias
        renamed[output_bias] = torch.zeros_like(model.state_dict()[output_bias])
    load_strict(model, renamed, "not a DCGAN-tutorial generator")
    return model.eval()


WEIGHTS_OF: dict[str, Callable[[Path], Path]] = {  # detect_format's state-dict formats → their weights file
    "torch-file": _torch_file,
    "biggan-deep": lambda folder: folder / "pytorch_model.bin",
    "huggan-dcgan": _weights_file,
}
STATE_FORMATS: dict[str, Callable[[dict, dict], torch.nn.Module]] = {  # format → (config.json fields, state) → ours
    "biggan-deep": lambda fields, state: from_pretrained_biggan_state(state, config_from_pretrained_biggan(fields)),
    "huggan-dcgan": huggan_dcgan,
    "rosinality": lambda fields, state: from_rosinality(state),
    "dcgan-tutorial": lambda fields, state: dcgan_tutorial(state),
}


def _license(folder: Path) -> str:
    """The ``license:`` of the card beside the weights (its ``license_name:`` where it is ``other``)."""
    if folder.is_file():
        folder = folder.parent
    readme = folder / "README.md"
    if readme.is_file():
        head = readme.read_text(errors="replace")[:4000]
        match = re.search(r"^license:\s*(\S+)", head, re.MULTILINE)
        named = re.search(r"^license_name:\s*(\S+)", head, re.MULTILINE)
        if match:
            return named.group(1) if match.group(1) == "other" and named else match.group(1)
    return "unknown"


def inspect(folder: Path, name: str) -> ModelInfo:
    """Name, family, resolution, classes, license, parameters and size of a downloaded model."""
    return describe(folder, name, *convert(folder))


def describe(folder: Path, name: str, model: torch.nn.Module, family: str, fmt: str) -> ModelInfo:
    """The ``ModelInfo`` of a model already converted from ``folder``."""
    files = [folder] if folder.is_file() else [p for p in folder.iterdir() if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    license = card = _license(folder)
    if fmt in stylegan_pickle.NVIDIA_FORMATS:  # NVIDIA's code and releases; a card beside it may add its own terms
        license = stylegan_pickle.NVIDIA_LICENSE + ("" if card == "unknown" else f"; its card: {card}")
    return ModelInfo(
        name=name,
        family=family,
        format=fmt,
        resolution=int(getattr(model, "resolution", 0)),
        classes=int(getattr(model, "num_classes", 0)),
        license=license,
        parameters=sum(p.numel() for p in model.parameters()),
        size_bytes=size,
        note=getattr(model, "w_avg_note", ""),
        details=stylegan_pickle.describe(model),
    )


def converted_folder(source: str, folder: Path, root: Path = CONVERTED) -> tuple[Path, ModelInfo]:
    """Convert a downloaded (or local) model into our format under ``root``; reused when already there."""
    key = re.sub(r"[^A-Za-z0-9._-]+", "--", source.strip("/"))
    key = re.sub(r"\.(pkl|pickle)$", r"-\1", key)  # a folder named *.pkl would be refused as a pickle
    model, family, fmt = convert(folder)  # once: a public release can be hundreds of MB
    info = describe(folder, source, model, family, fmt)
    target = root / key
    if info.format == "ours":
        return folder, info
    if not (target / WEIGHTS_NAME).is_file():

        def write(tmp: Path) -> None:
            save_folder(tmp, model)
            readme = (folder.parent if folder.is_file() else folder) / "README.md"
            if fmt in stylegan_pickle.NVIDIA_FORMATS:
                (tmp / "README.md").write_text(stylegan_pickle.card(source, model))
            elif readme.is_file():
                shutil.copy(readme, tmp / "README.md")

        write_folder_atomically(target, write)
    return target, info


def seconds_per_image(model: torch.nn.Module, repeats: int = 2) -> float:
    """Measured time to generate one image at the model's resolution on its device."""
    with torch.inference_mode():
        z = model.sample_latent(1, 0)
        model.generate(z)  # warm-up
        clock = time.perf_counter()
        for _ in range(repeats):
            model.generate(z)
    return (time.perf_counter() - clock) / repeats


def resolve(source: str, token: str | None = None, max_gb: float | None = None) -> Path:
    """The local folder (or checkpoint file) of ``source``: a Hub repo id, optionally naming a pickle in it
    (downloaded, ``token`` the visitor's, at most ``max_gb``), or an existing folder or file."""
    source = source.strip()
    if not source:
        raise ZooError("enter a Hub repo id (user/name, user/name@revision, user/name/file.pkl) or a model folder")
    path = Path(source)
    if path.exists():
        return path if path.is_dir() or path.suffix in (*TORCH_SUFFIXES, *REFUSED_SUFFIXES) else path.parent
    if is_repo_id(source):
        return download(source, token, max_gb)
    raise ZooError(f"{source!r} is neither an existing folder nor a Hub repo id like 'user/name' or 'user/name@rev'")


def load(source: str, device: torch.device | str | None = None, token: str | None = None) -> torch.nn.Module:
    """A model from a Hub repo id (``user/name[@revision][/file.pkl]``) or a folder, in any recognised format."""
    model, _, _ = convert(resolve(source, token))
    return model.to(device or default_device()).eval()
