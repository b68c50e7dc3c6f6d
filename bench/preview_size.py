"""A large StyleGAN's slider preview against its full render: what ``explorer.preview_size`` buys a 1024² model.

    python bench/preview_size.py [--resolutions 1024] [--architectures skip resnet] [--repeats 3] [--side 256]

A randomly initialised StyleGAN2-ADA generator, built from the kwargs an NVIDIA pickle of that size carries (the
``paper1024`` configuration of ``stylegan2-ada-pytorch``: z, w ∈ R^512, 8 mapping layers, ``channel_base`` 32768,
``channel_max`` 512, ``conv_clamp`` 256; nothing is downloaded or committed: random weights cost as much as trained
ones). For each resolution and architecture, one latent per move, what the server spends:

- ``full``: the image at the model's resolution → PNG (the sync event's render on release);
- ``preview``: the same inside ``preview_size.at_most(side)`` → PNG (the preview route's render while dragging:
  ``explorer.ui.previews.PREVIEW_SIDE`` is 256): the skip generator stops at that block, the others downsample;

each the median over ``--repeats`` moves after one warm-up, with the PNG's size. It imports no Gradio.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import torch  # noqa: E402

from explorer import images, preview_size  # noqa: E402
from explorer.models.stylegan2_ada import StyleGAN2ADA, config_from_kwargs  # noqa: E402


def nvidia_kwargs(resolution: int, architecture: str) -> dict:
    """A ``Generator``'s init_kwargs as stylegan2-ada-pytorch's ``train.py --cfg=paper<res>`` pickles them."""
    return dict(
        z_dim=512,
        c_dim=0,
        w_dim=512,
        img_resolution=resolution,
        img_channels=3,
        mapping_kwargs=dict(num_layers=8),
        synthesis_kwargs=dict(
            channel_base=32768, channel_max=512, num_fp16_res=4, conv_clamp=256, architecture=architecture
        ),
    )


def render_png(model: StyleGAN2ADA, seed: int) -> tuple[bytes, int]:
    """One move: the latent of ``seed`` → image → PNG bytes (as ``explorer.ui.previews.png_bytes``), and its side."""
    with torch.inference_mode():
        picture = images.image(model.generate(model.sample_latent(1, seed)))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue(), picture.size[0]


def timed(model: StyleGAN2ADA, side: int | None, repeats: int) -> tuple[float, int, int]:
    """(median ms, PNG bytes, image side) of ``repeats`` moves inside ``at_most(side)``, after one warm-up."""
    with preview_size.at_most(side):
        render_png(model, 0)
        times, body, shown = [], b"", 0
        for seed in range(1, repeats + 1):
            start = time.perf_counter()
            body, shown = render_png(model, seed)
            times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times), len(body), shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolutions", type=int, nargs="+", default=[1024])
    parser.add_argument("--architectures", nargs="+", default=["skip"], choices=["skip", "resnet", "orig"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--side", type=int, default=256, help="the preview's largest side (previews.PREVIEW_SIDE)")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
    print(f"{'model':>22} {'render':>8} {'side':>5} {'ms (p50)':>9} {'PNG kB':>8}")
    for resolution in args.resolutions:
        for architecture in args.architectures:
            torch.manual_seed(0)
            model = StyleGAN2ADA(config_from_kwargs(nvidia_kwargs(resolution, architecture))).eval()
            label = f"{resolution}² {architecture}"
            for render, side in (("full", None), ("preview", args.side)):
                ms, size, shown = timed(model, side, args.repeats)
                print(f"{label:>22} {render:>8} {shown:>5} {ms:>9.0f} {size / 1000:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
