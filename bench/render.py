"""The server-side part of a preview's latency: the render alone, on the CPU and on a GPU when there is one.

    python bench/render.py [--repeats 50] [--devices cpu cuda]

``bench/latency.py`` measures slider → painted image in a real browser; what the server itself spends per move
is this: the committed model's forward pass for one latent, the picture scaled to the preview size the tabs use,
and its PNG bytes (what the preview route answers). For each default generator, on each device:

- ``preview``: one latent → PNG bytes, p50 / p95 over ``--repeats`` moves (a new latent each move);
- ``forward``: the forward pass alone (synchronised on a GPU), p50;
- ``grid 64``: the sample grid's 64 latents → one PNG, p50;
- ``stacked 32``: 32 latents in one forward pass, per image (what ``explorer.batching`` buys a lecture hall).

It imports no Gradio (the GPU machine has none): it measures the library calls the tabs' handlers make.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import torch  # noqa: E402

from explorer import images  # noqa: E402
from explorer.models.base import LatentGenerator  # noqa: E402
from explorer.zoo import Zoo  # noqa: E402

PREVIEW_SCALE = 8  # a 32² model's preview is 256² (the interpolation tab's ``PREVIEW_SCALE``)


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def png(picture) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def timings(fn, repeats: int, device: torch.device) -> list[float]:
    for i in range(3):  # warm-up: allocator, cuDNN's algorithm choice
        fn(i)
    synchronise(device)
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(3 + i)
        synchronise(device)
        times.append(1000 * (time.perf_counter() - start))
    return times


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def measure(model, device: torch.device, repeats: int) -> dict[str, float]:
    scale = images.fit_scale(model.resolution, PREVIEW_SCALE)

    def latent(seed: int, n: int = 1) -> torch.Tensor:
        return model.sample_latent(n, seed).to(device)

    @torch.inference_mode()
    def preview(seed: int) -> bytes:
        return png(images.image(model.generate(latent(seed)).clamp(-1, 1), scale=scale))

    @torch.inference_mode()
    def forward(seed: int) -> torch.Tensor:
        return model.generate(latent(seed))

    @torch.inference_mode()
    def grid(seed: int) -> bytes:
        return png(images.grid_image(model.generate(latent(seed, 64)).clamp(-1, 1)))

    @torch.inference_mode()
    def stacked(seed: int) -> torch.Tensor:
        return model.generate(latent(seed, 32))

    shown = timings(preview, repeats, device)
    return {
        "preview p50": statistics.median(shown),
        "preview p95": p(shown, 95),
        "forward p50": statistics.median(timings(forward, repeats, device)),
        "grid 64 p50": statistics.median(timings(grid, max(5, repeats // 5), device)),
        "stacked 32 /image": statistics.median(timings(stacked, max(5, repeats // 5), device)) / 32,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--devices", nargs="+", default=["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
    parser.add_argument("--models", nargs="*", help="zoo names (default: every committed generator)")
    args = parser.parse_args()
    for name in args.devices:
        device = torch.device(name)
        zoo = Zoo(device=device)
        label = (
            torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
        )
        print(f"\n{label}, torch {torch.__version__}: milliseconds")
        columns = ["preview p50", "preview p95", "forward p50", "grid 64 p50", "stacked 32 /image"]
        print(f"{'model':<28}" + "".join(f"{c:>19}" for c in columns))
        for model_name in args.models or zoo.names(LatentGenerator):
            model = zoo.load(model_name)
            row = measure(model, device, args.repeats)
            print(f"{model_name:<28}" + "".join(f"{row[c]:>19.2f}" for c in columns), flush=True)


if __name__ == "__main__":
    main()
