"""Ready before class: what each view needs that may not be on this machine, whether it is here, and the fetch.

    python -m explorer.ready            # a table; exit 1 when something a view needs is missing
    python -m explorer.ready --fetch    # first fetch what can be fetched (Fashion-MNIST, the Hub models)

Every view runs on the CPU from the committed checkpoints; three things can be missing on a lecture machine or a
Space: the Fashion-MNIST files (Debian's ``dataset-fashion-mnist``, or torchvision's download into the cache), the
Hub models a lecture may load by name (network, or Hugging Face's cache; optional: no step of the shipped lecture
path needs one), and a GPU (only speed: none is required). The exit status counts the required ones only. The
app's lecture-path accordion shows the same table (``report_markdown``).
"""

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

import torch

from explorer.data import DatasetUnavailable, _find_idx, load_fashion_mnist
from explorer.settings import Settings
from explorer.zoo import CHECKPOINTS, Zoo

# the views (tab · section) that read real Fashion-MNIST images: their numbers, scatters and image pickers
FASHION_MNIST_VIEWS = (
    "Interpolation · a test image as endpoint (encode / invert)",
    "Directions · invert a test image",
    "BigGAN · inside views: the discriminator's and the AC-GAN's accuracy on real images",
    "VAE · latent plane scatter, Inside q(z|x), Autoencoder vs VAE, β and the likelihood, Conditional VAE, "
    "Edit real images, VQ-VAE",
    "GAN theory · pix2pix (L2 vs adversarial) and CycleGAN at image scale",
    "Metrics · every score against the real test images (IS, FID, precision/recall, TSTR, the quiz)",
    "Training · every run on Fashion-MNIST",
)
HUB_MODELS = ("osanseviero/BigGAN-deep-128",)  # what the README and the loader's example name


@dataclass(frozen=True)
class Need:
    """Something views need: what, which views, a check (here?, detail) and, where it can be fetched, the fetch."""

    name: str
    views: tuple[str, ...]
    check: Callable[[], tuple[bool, str]]
    fetch: Callable[[], None] | None = None
    required: bool = True  # False: its absence costs speed only (the GPU)


def fashion_mnist_here(settings: Settings) -> tuple[bool, str]:
    """Whether both splits' IDX files are in Debian's folder or the download cache (nothing is downloaded)."""
    folders = [settings.system_data / "fashion-mnist", settings.data_cache / "FashionMNIST" / "raw"]
    for folder in folders:
        stems = [f"{p}-{kind}-idx{d}-ubyte" for p in ("train", "t10k") for kind, d in (("images", 3), ("labels", 1))]
        if all(_find_idx(folder, stem) for stem in stems):
            return True, f"in {folder}"
    return False, (
        "not installed: `apt-get install dataset-fashion-mnist` (a Space: packages.txt), "
        f"or `python -m explorer.ready --fetch` (downloads into {settings.data_cache})"
    )


def fetch_fashion_mnist(settings: Settings) -> None:
    for split in ("train", "test"):
        load_fashion_mnist(split, settings=settings)


def hub_model_here(repo_id: str) -> tuple[bool, str]:
    """Whether the model's config is in Hugging Face's local cache (nothing is downloaded)."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, "config.json")
    if isinstance(found, str):
        return True, "in the Hugging Face cache"
    return (
        False,
        f"not cached: `python -m explorer.ready --fetch` (or the loader box, with network) downloads {repo_id}",
    )


def fetch_hub_model(repo_id: str) -> None:
    from huggingface_hub import snapshot_download

    snapshot_download(repo_id)


def checkpoints_here(zoo: Zoo) -> tuple[bool, str]:
    missing = [e.name for e in zoo.entries.values() if not (e.folder / "config.json").is_file()]
    if missing:
        return False, f"missing: {', '.join(missing)} (a clone without the committed files, or Git LFS pointers?)"
    return True, f"{len(zoo.entries)} models in {CHECKPOINTS}"


def gpu_here() -> tuple[bool, str]:
    if torch.cuda.is_available():
        return True, torch.cuda.get_device_name(0)
    return False, "none: every view runs on the CPU; training and the heavy metrics are slower"


def needs(settings: Settings | None = None, zoo: Zoo | None = None) -> list[Need]:
    settings = settings or Settings.from_env()
    zoo = zoo or Zoo(settings=settings, device="cpu")
    return [
        Need("the committed checkpoints", ("every tab",), lambda: checkpoints_here(zoo)),
        Need(
            "Fashion-MNIST files",
            FASHION_MNIST_VIEWS,
            lambda: fashion_mnist_here(settings),
            lambda: fetch_fashion_mnist(settings),
        ),
        *(
            Need(
                f"Hub model {repo}",
                ("BigGAN · Load from the Hub (the lecture's BigGAN-deep)",),
                lambda repo=repo: hub_model_here(repo),
                lambda repo=repo: fetch_hub_model(repo),
                required=False,  # no lecture-path step loads it: an extra for a lecture with network
            )
            for repo in HUB_MODELS
        ),
        Need("a GPU", ("Training", "Metrics"), gpu_here, required=False),
    ]


def report(items: list[Need]) -> tuple[list[tuple[Need, bool, str]], bool]:
    """Each need with (here, detail), and whether every required one is here."""
    rows = [(need, *need.check()) for need in items]
    return rows, all(here for need, here, _ in rows if need.required)


def report_markdown(rows: list[tuple[Need, bool, str]]) -> str:
    lines = ["| needed | here | views that use it |", "|---|---|---|"]
    for need, here, detail in rows:
        mark = "✅" if here else ("❌" if need.required else "➖")
        lines.append(f"| {need.name} | {mark} {detail} | {'; '.join(need.views)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.ready", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fetch", action="store_true", help="fetch what can be fetched first (needs network)")
    args = parser.parse_args(argv)
    items = needs()
    if args.fetch:
        for need in items:
            if need.fetch is not None and not need.check()[0]:
                print(f"fetching {need.name} …", flush=True)
                try:
                    need.fetch()
                except (DatasetUnavailable, OSError, ValueError) as error:
                    print(f"  could not: {' '.join(str(error).split())}")
    rows, ready = report(items)
    width = max(len(need.name) for need, _, _ in rows)
    for need, here, detail in rows:
        mark = "ok  " if here else ("MISS" if need.required else "--  ")  # --: optional, not here
        print(f"{mark} {need.name:<{width}}  {detail}")
        if not here and need.required:
            for view in need.views:
                print(f"       needed by: {view}")
    print("ready for class" if ready else "not ready: install or fetch what is marked MISS (views above)")
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
