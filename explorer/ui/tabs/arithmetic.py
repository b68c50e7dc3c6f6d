"""Arithmetic tab: concept algebra on averaged latents (DCGAN paper, Fig. 7).

Radford et al., arXiv:1511.06434, §6.3: a single sample's z is noisy, but the average z of a few
samples showing a concept is stable. With groups A, B, C of samples, decode
    mean(A) − mean(B) + mean(C)
and, as in the figure, variants with noise added to the result. For StyleGAN the arithmetic can be
done in z or in the intermediate w space, which is usually more linear.
"""

import functools

import gradio as gr
import torch
from PIL import Image

from explorer import derived, images, latent
from explorer.models import HasEncoder, StyleGenerator, Unconditional
from explorer.ui.common import ModelList, by_name, download_path, on_gpu, parse_seeds, user_errors
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts
from explorer.zoo import Zoo

GRID_SIDE = 6  # the seed grid is GRID_SIDE × GRID_SIDE samples
MAX_GROUP = 16
NOTE = """**What you are seeing.** DCGAN's latent arithmetic (Radford et al. 2015, Fig. 7): average the z of
a few samples per concept (3 by default, as in the figure), then decode **mean(A) − mean(B) + mean(C)**.
The grid below it adds noise of scale σ to the result, showing that the region around it decodes
consistently. Click samples in the seed grid to add them to the group chosen on the left, or type seeds.
For StyleGAN, *w space* does the arithmetic on w = mapping(z), which is more disentangled than z."""


def model_names(zoo: Zoo) -> list[str]:
    """The unconditional GANs (the VAE has its own tab)."""
    return derived.arithmetic_models(zoo)


def _generator(zoo: Zoo, name: str) -> torch.nn.Module:
    return zoo.require(name, Unconditional, excludes=(HasEncoder,), what="an unconditional GAN")


@user_errors
@on_gpu()
def seed_grid(zoo: Zoo, name: str, base_seed: int) -> list[tuple[Image.Image, str]]:
    """GRID_SIDE² samples of seeds base_seed, base_seed + 1, … captioned with their seeds (numbers only: the
    tiles are a sixth of a column wide)."""
    model = _generator(zoo, name)
    base_seed = latent.check_seed(base_seed, "the first seed of the grid")
    with torch.inference_mode():
        samples = model.generate(model.sample_latent(GRID_SIDE**2, base_seed))
    tiles = images.to_uint8(samples)
    return [(images.to_pil(tile, 3), f"{base_seed + i}") for i, tile in enumerate(tiles)]


def _latents(model: torch.nn.Module, seeds: list[int], space: str) -> torch.Tensor:
    z = model.latents_of(seeds).to(next(model.parameters()).device)
    return model.mapping(z) if space == "w" else z  # (n, d) or (n, num_ws, w_dim)


def w_spread(zoo: Zoo, name: str) -> float:
    """The typical std of one coordinate of w = mapping(z), over 256 seeds (once per model and weights)."""
    model = zoo.load(name)

    def measure() -> float:
        with torch.inference_mode():
            return latent.coordinate_spread(_latents(model, list(range(256)), "w")[:, 0])

    return zoo.memo("w-spread", name, measure)


def _decode(model: torch.nn.Module, vectors: torch.Tensor, space: str) -> torch.Tensor:
    return model.synthesis(vectors).clamp(-1, 1) if space == "w" else model.generate(vectors)


@user_errors
@on_gpu()
def arithmetic(
    zoo: Zoo, name: str, seeds_a: str, seeds_b: str, seeds_c: str, space: str, sigma: float, noise_seed: int
) -> tuple[Image.Image, Image.Image, str]:
    """(row: mean A, mean B, mean C, A − B + C, and A − B + C on the images' pixels; 3×3 grid: the result and 8
    noisy variants; PNG path)."""
    model = _generator(zoo, name)
    space = "w" if str(space).startswith("w") else "z"
    if space == "w" and not isinstance(model, StyleGenerator):
        raise ValueError("w space exists only for StyleGAN models; choose z space")
    if not 0 <= float(sigma) <= 2:
        raise ValueError(f"noise σ must be between 0 and 2, got {sigma}")
    how = "click samples in the seed grid or type seeds like 3, 17, 42"
    groups = [parse_seeds(text, g, MAX_GROUP, how) for text, g in ((seeds_a, "A"), (seeds_b, "B"), (seeds_c, "C"))]
    with torch.inference_mode():
        a, b, c = (_latents(model, seeds, space) for seeds in groups)
        result = latent.vector_arithmetic(a, b, c)[None]  # (1, …)
        means = torch.cat([a.mean(0, keepdim=True), b.mean(0, keepdim=True), c.mean(0, keepdim=True), result])
        row = _decode(model, means, space)
        # the same arithmetic on the images (DCGAN Fig. 7, bottom rows): ghostly overlays, not a new concept
        pictures = [_decode(model, group, space).mean(0) for group in (a, b, c)]
        row = torch.cat([row, (pictures[0] - pictures[1] + pictures[2]).clamp(-1, 1)[None]])
        # noise scaled by the typical spread of one coordinate of the space (1 for z)
        scale = 1.0 if space == "z" else w_spread(zoo, name)
        noise = latent.sample_normal(8, latent.check_seed(noise_seed, "noise seed"), (result.shape[-1],)).to(
            result.device
        )
        noise = noise[:, None, :] if space == "w" else noise  # one w for every row of ws
        variants = torch.cat([result, result + float(sigma) * scale * noise])
        variants = variants[[1, 2, 3, 4, 0, 5, 6, 7, 8]]  # the exact result in the centre, as in Fig. 7
        grid = _decode(model, variants, space)
    row_image = images.grid_image(row, ncols=5, scale=images.fit_scale(row.shape[-1], 4), padding=4)
    grid_image = images.grid_image(grid, ncols=3, scale=images.fit_scale(grid.shape[-1], 3))
    size = (max(row_image.width, grid_image.width), row_image.height + grid_image.height + 8)
    canvas = Image.new(row_image.mode, size, 255)
    canvas.paste(row_image, (0, 0))
    canvas.paste(grid_image, (0, row_image.height + 8))
    stem = f"{name}_arithmetic_{space}_A{'-'.join(map(str, groups[0]))}_B{'-'.join(map(str, groups[1]))}"
    png = images.save_png(canvas, download_path(stem, ".png"))
    return row_image, grid_image, str(png)


@user_errors
def add_seed(groups: tuple[str, str, str], target: str, seed: int) -> tuple[str, str, str]:
    """Append ``seed`` to group ``target`` ("A", "B" or "C") unless it is already there."""
    updated = list(groups)
    if target not in ("A", "B", "C"):
        raise ValueError(f"a click adds the seed to group A, B or C, got {target!r}")
    index = "ABC".index(target)
    seed = latent.check_seed(seed, "the clicked seed")
    seeds = [p for p in str(updated[index] or "").replace(",", " ").split() if p]
    if str(seed) not in seeds:
        seeds.append(str(seed))
    updated[index] = ", ".join(seeds)
    return tuple(updated)


SPACES = ("z space", "w space (StyleGAN)")


def space_choices(zoo: Zoo, name: str) -> list[str]:
    """The spaces a model offers: w only where there is a mapping network."""
    return list(SPACES) if isinstance(_generator(zoo, name), StyleGenerator) else [SPACES[0]]


@user_errors
def switch_model(zoo: Zoo, name: str):
    """A newly picked model: its own default groups, z space selected (w offered only for StyleGAN models)."""
    groups = default_groups(zoo, name)
    return gr.Radio(choices=space_choices(zoo, name), value=SPACES[0]), *groups


def default_groups(zoo: Zoo, name: str) -> tuple[str, str, str]:
    """*pullover − T-shirt + dress*: three seeds of each, picked by the classifier (``explorer.derived``)."""
    return derived.arithmetic_groups(zoo, name)


ROW_CAPTION = "mean(A) · mean(B) · mean(C) = A − B + C  |  the same on pixels"
ROW_HEIGHT = 150  # px: each of the row's five tiles ≥ 100 px tall at 1280×720, and the grid below still in view


def _controls(zoo: Zoo, names: list[str], groups0: tuple[str, str, str]) -> dict:
    """The model, the space, the three groups and the noise (left), by the handler's parameter names."""
    c = {"name": gr.Dropdown(names, value=names[0], label="Model", elem_id="arith-model")}
    c["space"] = gr.Radio(space_choices(zoo, names[0]), value=SPACES[0], label="Arithmetic in", elem_id="arith-space")
    c["target"] = gr.Radio(["A", "B", "C"], value="A", label="A click in the grid adds the seed to group")
    c["seeds_a"] = gr.Textbox(groups0[0], label="A (seeds)", elem_id="arith-a")
    c["seeds_b"] = gr.Textbox(groups0[1], label="− B (seeds)", elem_id="arith-b")
    c["seeds_c"] = gr.Textbox(groups0[2], label="+ C (seeds)", elem_id="arith-c")
    c["sigma"] = gr.Slider(0.0, 1.0, value=0.25, step=0.05, label="Noise σ on the result", elem_id="arith-sigma")
    c["noise_seed"] = gr.Number(0, label="Noise seed", precision=0, minimum=0, maximum=latent.MAX_SEED)
    c["compute"] = gr.Button("Compute A − B + C", variant="primary")
    return c


def _results(zoo: Zoo, name: str, first: tuple) -> dict:
    """The result row across the results' full width (its caption above it, not laid over it: a label covered the
    short strip), then the noisy grid and its PNG beside the seed grid to click."""
    row0, grid0, png0 = first
    c = {"caption": gr.Markdown(f"**{ROW_CAPTION}**", elem_id="arith-row-caption")}
    c["row"] = gr.Image(
        row0,
        label=ROW_CAPTION,
        show_label=False,
        height=ROW_HEIGHT,
        type="pil",
        format="png",
        interactive=False,
        elem_id="arith-row",
    )
    with gr.Row():
        with gr.Column(scale=1):
            c["grid"] = gr.Image(
                grid0,
                label="A − B + C (centre) and 8 noisy variants",
                type="pil",
                format="png",
                interactive=False,
                elem_id="arith-grid",
            )
            c["download"] = gr.File(png0, label="Result (PNG)")
        with gr.Column(scale=1):
            c["base_seed"] = gr.Number(0, label="Seed grid starts at", precision=0, minimum=0, maximum=latent.MAX_SEED)
            c["gallery"] = gr.Gallery(
                seed_grid(zoo, name, 0),
                label="Seed grid (captions: seeds): click to add to a group",
                columns=GRID_SIDE,
                height="auto",
                allow_preview=False,
                elem_id="arith-gallery",
            )
    return c


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    names = model_names(zoo)
    gr.Markdown(NOTE, elem_classes=["note"])
    if not names:
        gr.Markdown("No unconditional GAN in the zoo.")
        return None
    groups0 = default_groups(zoo, names[0])
    with gr.Row():
        with gr.Column(scale=1):
            c = _controls(zoo, names, groups0)
        with gr.Column(scale=4):
            c |= _results(zoo, names[0], arithmetic(zoo, names[0], *groups0, "z", 0.25, 0))
    run = _wire(zoo, c)
    fields = dict(model=c["name"], space=c["space"], a=c["seeds_a"], b=c["seeds_b"], c=c["seeds_c"])
    fields |= dict(sigma=c["sigma"], noise=c["noise_seed"], grid=c["base_seed"])
    grid_event = (functools.partial(seed_grid, zoo), [c["name"], c["base_seed"]], [c["gallery"]])
    share = Share("arithmetic", fields, [run, grid_event])
    return TabParts([ModelList(c["name"], lambda: model_names(zoo))], share)


def _wire(zoo: Zoo, c: dict) -> tuple:
    """The arithmetic on a changed group, space or noise; a new model's groups; the seed grid and its clicks.
    Returns the arithmetic's render (for a link's restore)."""
    names = ("name", "seeds_a", "seeds_b", "seeds_c", "space", "sigma", "noise_seed")
    run = (*by_name(functools.partial(arithmetic, zoo), {k: c[k] for k in names}), [c["row"], c["grid"], c["download"]])
    typed = [c[k].submit for k in ("noise_seed", "seeds_a", "seeds_b", "seeds_c")]
    changed = [c["compute"].click, c["sigma"].release, c["space"].input, *typed]
    gr.on(changed, *run, api_name="arithmetic", concurrency_limit=None, trigger_mode="always_last")
    groups = [c["seeds_a"], c["seeds_b"], c["seeds_c"]]
    c["name"].input(
        functools.partial(switch_model, zoo), [c["name"]], [c["space"], *groups], api_visibility="undocumented"
    ).then(*run, api_visibility="undocumented")
    gr.on(
        [c["name"].input, c["base_seed"].submit],  # .input: a link's restore draws it itself (share.py)
        functools.partial(seed_grid, zoo),
        [c["name"], c["base_seed"]],
        c["gallery"],
        api_name="seed_grid",
        concurrency_limit=None,
    )

    @user_errors
    def on_pick(a, b, c_seeds, group, base, evt: gr.SelectData):
        seed = latent.check_seed(base, "the first seed of the grid") + int(evt.index)
        return add_seed((a, b, c_seeds), group, seed)

    c["gallery"].select(on_pick, [*groups, c["target"], c["base_seed"]], groups, api_visibility="undocumented").then(
        *run, api_visibility="undocumented"
    )
    return run
