"""The VAE tab's *Latent plane* section: the decoded latent plane of a VAE with a 2-D latent, and where the data lands.

Kingma & Welling, arXiv:1312.6114, Fig. 4: decoding a grid of z over the plane shows the learned
manifold; placing the grid at Gaussian quantiles (z = Φ⁻¹(p)) gives every tile equal prior mass.
Over it: the encoder means μ(x) of the test set, coloured by class. Click the plane to decode that
point; upload or draw an image to encode it and see where it lands.
"""

import functools

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image, ImageDraw

from explorer import derived, images, latent, plots, vae_theory
from explorer.data import DatasetUnavailable
from explorer.models import HasEncoder
from explorer.pictures import read_picture, to_model_image
from explorer.plots import CLASS_COLOURS
from explorer.ui import common
from explorer.ui.common import ModelList, download_path, on_gpu, preview_options, user_errors
from explorer.ui.inpage import InPage
from explorer.ui.previews import Previews
from explorer.ui.share import SectionParts
from explorer.zoo import Zoo

TITLE, ID = "Latent plane", "plane"
GRIDS = {"linear": "linear", "Gaussian quantiles (inverse CDF)": "quantile"}  # label → latent.plane_grid kind
TILE = 32  # pixels per decoded tile in the plane image
NOTE = """**What you are seeing.** A VAE learns q_φ(z|x) = N(μ(x), σ²(x)) and p_θ(x|z) by maximising the
ELBO = E_q[log p_θ(x|z)] − KL(q_φ(z|x) ‖ N(0, I)) (Kingma & Welling 2013). With a 2-D latent the
whole generative model is this plane: each tile is the decoder's mean image at one z (*Tiles show*: or one draw
of p_θ(x|z), which is why the means are smooth and blurry: they average the draws). The KL term packs
the encoded data (dots: μ(x) of test images, coloured by class) around the origin, so every region of the
prior decodes to a plausible garment and neighbouring classes (shirt, pullover, coat) blend into each other.
The *Gaussian quantile* grid places tiles at z = Φ⁻¹(p) for evenly spaced p: equal prior mass per tile."""


def vae_names(zoo: Zoo) -> list[str]:
    """VAEs (``HasEncoder``) with a 2-D latent."""
    return derived.plane_models(zoo)


def _vae(zoo: Zoo, name: str) -> torch.nn.Module:
    model = zoo.require(name, HasEncoder, what="a VAE with a 2-D latent")
    if model.latent_dim != 2:
        raise ValueError(f"model {name!r} has a {model.latent_dim}-D latent; pick a 2-D one: {vae_names(zoo)}")
    return model


def _check_grid(grid_size: int, extent: float, grid: str) -> tuple[int, float, str]:
    grid_size, extent = int(grid_size), float(extent)
    if not 3 <= grid_size <= 31:
        raise ValueError(f"grid size must be between 3 and 31, got {grid_size}")
    if not 0.5 <= extent <= 5:
        raise ValueError(f"extent must be between 0.5 and 5, got {extent}")
    kind = GRIDS.get(grid, grid)
    if kind not in GRIDS.values():
        raise ValueError(f"unknown grid {grid!r}; choose one of {', '.join(GRIDS)}")
    return grid_size, extent, kind


def test_set_means(zoo: Zoo, name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]] | None:
    """μ(x) of the test set, labels and class names (``explorer.derived``); None without the data."""
    _vae(zoo, name)
    try:
        return derived.test_set_means(zoo, name)
    except DatasetUnavailable:
        return None


@user_errors
@on_gpu(20)  # the decoded grid, and the test set's means (encoded once per worker)
def render_plane(
    zoo: Zoo,
    name: str,
    grid_size: int,
    extent: float,
    grid: str,
    show_points: bool,
    output: str = vae_theory.DECODER_OUTPUTS[0],
) -> tuple[Image.Image, go.Figure, str]:
    """The clickable plane (decoded tiles + encoded test means), the plotly scatter, and a PNG download; ``output``:
    each tile the decoder's mean E[x|z] or one draw x ~ p(x|z) (seed 0)."""
    grid_size, extent, kind = _check_grid(grid_size, extent, grid)
    model = _vae(zoo, name)
    tiles = vae_theory.decoded(model, latent.plane_grid(grid_size, extent, kind).to(zoo.device), output)
    plane = images.grid_image(tiles, ncols=grid_size, padding=0).convert("RGB")
    means = test_set_means(zoo, name)
    if show_points and means is not None:
        mu, labels, _ = means
        u = latent.latent_to_plane(mu, extent, kind).numpy()
        size = plane.width
        draw = ImageDraw.Draw(plane)
        inside = np.all((u >= 0) & (u <= 1), axis=1)
        for (u1, u2), label in zip(u[inside][::5], labels[inside][::5], strict=True):  # every 5th: 2 000 dots
            x, y = u1 * size, (1 - u2) * size
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=CLASS_COLOURS[label])
    figure = plots.latent_scatter_figure(means, extent, kind)
    sampled = "" if output == vae_theory.DECODER_OUTPUTS[0] else "_sample"
    stem = f"{name}_manifold_{kind}_{grid_size}x{grid_size}_e{extent:g}{sampled}"
    png = images.save_png(plane, download_path(stem, ".png"))
    return plane, figure, str(png)


def latent_at(x: float, y: float, size: int, extent: float, kind: str) -> tuple[float, float]:
    """The z under pixel (x, y) of a plane image of side ``size``."""
    u1, u2 = (x + 0.5) / size, 1 - (y + 0.5) / size
    z = latent.plane_to_latent([u1, u2], extent, kind)
    return float(z[0]), float(z[1])


@user_errors
@on_gpu()
def decode_at(
    zoo: Zoo, name: str, grid_size: int, extent: float, grid: str, x: float, y: float
) -> tuple[Image.Image, str]:
    """Decode the point clicked at pixel (x, y) of the plane image."""
    grid_size, extent, kind = _check_grid(grid_size, extent, grid)
    size = grid_size * TILE
    if not (0 <= x < size and 0 <= y < size):
        raise ValueError(f"the click ({x}, {y}) is outside the {size}×{size} plane")
    z1, z2 = latent_at(x, y, size, extent, kind)
    model = _vae(zoo, name)
    with torch.inference_mode():
        decoded = model.decode(torch.tensor([[z1, z2]], device=zoo.device))
    return images.image(decoded, scale=8), f"z = ({z1:+.3f}, {z2:+.3f})"


def page_inputs(zoo: Zoo, name: str, grid_size: int, extent: float, grid: str, x=None, y=None) -> dict:
    """What the page needs to decode a click anywhere on the plane itself (``decode_at``'s image): the z₁ of each
    pixel column and the z₂ of each pixel row, as ``latent_at`` computes them and rounded to float32 as the decoder
    takes them."""
    grid_size, extent, kind = _check_grid(grid_size, extent, grid)
    _vae(zoo, name)
    size = grid_size * TILE
    centres = (torch.arange(size, dtype=torch.float64) + 0.5) / size  # (x + 0.5) / size
    xs, ys = (latent.plane_to_latent(u, extent, kind).float().tolist() for u in (centres, 1 - centres))
    return dict(scale=8, xs=xs, ys=ys)


@user_errors
def encode_image(
    zoo: Zoo, name: str, picture, extent: float = 3.0, grid: str = "linear"
) -> tuple[Image.Image, Image.Image, str, go.Figure]:
    """(what the encoder saw, the reconstruction decode(μ), where it lands, the scatter with it marked)."""
    if isinstance(picture, dict):  # gr.Sketchpad / ImageEditor value
        picture = picture.get("composite")
    x = to_model_image(picture)
    model = _vae(zoo, name)
    with torch.inference_mode():
        mu, logvar = model.encode(x.to(zoo.device))
        reconstruction = model.decode(mu)
    sigma = torch.exp(0.5 * logvar)[0]
    text = f"μ = ({mu[0, 0]:+.3f}, {mu[0, 1]:+.3f}), σ = ({sigma[0]:.3f}, {sigma[1]:.3f})"
    _, extent, kind = _check_grid(3, extent, grid)
    figure = plots.latent_scatter_figure(test_set_means(zoo, name), extent, kind)
    figure.add_trace(
        go.Scatter(
            x=[float(mu[0, 0])],
            y=[float(mu[0, 1])],
            mode="markers",
            name="your image",
            marker=dict(symbol="star", size=24, color="black", line=dict(color="white", width=2)),
        )
    )
    return images.image(x, scale=6), images.image(reconstruction, scale=6), text, figure


def encode_upload(zoo: Zoo, name: str, path: str | None, extent: float = 3.0, grid: str = "linear"):
    """Like ``encode_image`` for an uploaded file. A file that is not a picture (or a picture the encoder cannot
    take) is a one-line message in the "Where it lands" box, and the other outputs keep what they showed."""
    keep = gr.skip()
    if not path:
        return keep, keep, "", keep
    try:
        array = read_picture(path)
    except ValueError as error:
        return keep, keep, str(error), keep
    try:
        return encode_image(zoo, name, array, extent, grid)
    except gr.Error as error:
        return keep, keep, str(error.message), keep


def encode_sketch(zoo: Zoo, name: str, sketch, extent: float, grid: str):
    """Like ``encode_image`` for the drawing pad, silent while the canvas is empty (what it showed stays, as when
    an upload is no picture)."""
    picture = sketch.get("composite") if isinstance(sketch, dict) else sketch
    if picture is None or not np.asarray(picture).any():
        return gr.skip(), gr.skip(), "", gr.skip()
    return encode_image(zoo, name, picture, extent, grid)


def _plane_view(names: list[str], first: tuple) -> tuple[dict, dict]:
    """The plane's controls by share key (the link's keys: model, grid, size, extent, points) and its views by name;
    ``first``: ``render_plane``'s result for the default settings."""
    with gr.Row():
        with gr.Column(scale=1):
            controls = dict(
                model=gr.Dropdown(names, value=names[0], label="VAE", elem_id="vae-model"),
                grid=gr.Radio(list(GRIDS), value="linear", label="Grid", elem_id="vae-grid"),
                size=gr.Slider(
                    3, 31, value=15, step=2, label="Tiles per side (odd: the centre is z = 0)", elem_id="vae-grid-size"
                ),
                extent=gr.Slider(0.5, 5.0, value=3.0, step=0.25, label="Extent |z| ≤", elem_id="vae-extent"),
                points=gr.Checkbox(value=True, label="Show encoded test images (μ, coloured by class)"),
                output=gr.Radio(
                    list(vae_theory.DECODER_OUTPUTS),
                    value=vae_theory.DECODER_OUTPUTS[0],
                    label="Tiles show p(x|z)'s",
                    elem_id="vae-plane-output",
                ),
            )
            download = gr.File(first[2], label="Plane (PNG)")
        with gr.Column(scale=2):
            plane = common.drawn_image("vae-plane", "Latent plane — click to decode", value=first[0])
        with gr.Column(scale=1):
            decoded = common.drawn_image("vae-decoded", "Decoded at the click", height=256)
            where = gr.Textbox(label="z", elem_id="vae-z")
    scatter = gr.Plot(first[1], label="Encoded test set", elem_id="vae-scatter")
    return controls, dict(plane=plane, scatter=scatter, download=download, decoded=decoded, where=where)


def _encode_view() -> dict:
    """Encoding one's own image: the upload, the drawing pad and what they show, by name."""
    gr.Markdown("### Encode your own image: upload one or draw a garment (light on dark or dark on light)")
    with gr.Row():
        upload = gr.File(  # a file, not gr.Image: Gradio's image box fails before the handler on a non-image
            label="Upload an image (PNG, JPEG, WebP)",
            type="filepath",
            file_types=["image"],
            height=256,
            elem_id="vae-upload",
        )
        sketch = gr.Sketchpad(  # a small fixed canvas shown at 100 %: the encoder sees it at 32×32 anyway
            label="…or draw",
            type="numpy",
            canvas_size=(256, 256),
            fixed_canvas=True,
            brush=gr.Brush(default_size=18),
            height=320,
            elem_id="vae-sketch",
        )
        seen = gr.Image(label="What the encoder sees (32×32)", type="pil", interactive=False, height=192)
        reconstruction = gr.Image(label="Reconstruction decode(μ)", type="pil", interactive=False, height=192)
        landed = gr.Textbox(label="Where it lands", elem_id="vae-landed")
    return dict(upload=upload, sketch=sketch, seen=seen, reconstruction=reconstruction, landed=landed)


def build(zoo: Zoo, previews: Previews, names: list[str]) -> SectionParts:
    """The plane, drawn at start-up (the tab's first view), and encoding one's own image. ``names``: the 2-D VAEs
    (``vae_names``, at least one). Its ``fields`` are the tab's share keys; ``fields["model"]`` is the tab's VAE."""
    controls, views = _plane_view(names, render_plane(zoo, names[0], 15, 3.0, "linear", True))
    encoding = _encode_view()
    model, grid, grid_size, extent = (controls[key] for key in ("model", "grid", "size", "extent"))
    plane_inputs = [model, grid_size, extent, grid, controls["points"], controls["output"]]
    plane_outputs = [views["plane"], views["scatter"], views["download"]]
    draw = functools.partial(render_plane, zoo)
    gr.on(
        [model.input, grid.input, grid_size.release, extent.release]
        + [controls[key].input for key in ("points", "output")],
        draw,
        plane_inputs,
        plane_outputs,
        api_name="vae_plane",
        concurrency_limit=None,
        trigger_mode="always_last",
    )

    def on_click(name, size, ext, kind, evt: gr.SelectData):
        x, y = evt.index
        return decode_at(zoo, name, size, ext, kind, x, y)

    def image_at(name, size, ext, kind, x, y):
        return decode_at(zoo, name, size, ext, kind, x, y)[0]

    previews.wire_click(
        "vae_decode",
        views["plane"],
        on_click,
        image_at,
        [model, grid_size, extent, grid],
        [views["decoded"], views["where"]],
        views["decoded"],
        preview_options(zoo.settings),
        InPage("plane", (4, 5), functools.partial(page_inputs, zoo)),  # the pixel (x, y) follows the four inputs
        api_visibility="undocumented",
    )
    encoded = [encoding[key] for key in ("seen", "reconstruction", "landed")] + [views["scatter"]]  # marked there
    upload, sketch = encoding["upload"], encoding["sketch"]
    upload.upload(functools.partial(encode_upload, zoo), [model, upload, extent, grid], encoded, api_name="vae_encode")
    sketch.change(
        functools.partial(encode_sketch, zoo),
        [model, sketch, extent, grid],
        encoded,
        api_visibility="undocumented",
        trigger_mode="always_last",
    )
    return SectionParts(
        model_lists=[ModelList(model, lambda: vae_names(zoo))],
        fields=controls,
        renders=[(draw, plane_inputs, plane_outputs)],
    )
