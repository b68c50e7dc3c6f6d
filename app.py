"""Latent Explorer: the Gradio app (also the Hugging Face Space entry point).

    python app.py            # http://127.0.0.1:7860, committed checkpoints, no network needed

GRADIO_SERVER_NAME / GRADIO_SERVER_PORT choose the address (a Space sets them itself).
"""

import gradio as gr

from explorer import __version__
from explorer.settings import Settings
from explorer.ui import (
    arithmetic,
    interpolate,
    loader,
    manifold,
    metrics,
    share,
    stylemix,
    toylab,
    training,
    truncation,
)
from explorer.ui.previews import Previews
from explorer.zoo import Zoo

TITLE = "Latent Explorer"
TABS = (  # (title, id, module with build(zoo, previews)), in the order of the lecture's demos
    ("Interpolation", "interpolation", interpolate),
    ("Vector arithmetic", "arithmetic", arithmetic),
    ("Style mixing & noise", "stylemix", stylemix),
    ("BigGAN truncation", "truncation", truncation),
    ("VAE manifold", "manifold", manifold),
    ("GAN lab (2-D)", "toylab", toylab),
    ("Metrics", "metrics", metrics),
)  # then the Training tab, which refreshes the model lists of these tabs when it saves a model
MAX_UPLOAD = "5mb"  # images to encode, settings files: nothing a user uploads needs more
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
CSS = """
img { image-rendering: pixelated; }
/* The arithmetic seed grid: Gradio's gallery gives each column a fixed 100 px, so 6 columns overflow a
   third of a 1280 px page; share the column's width instead (the tiles are 32² samples, scaled up). */
#arith-gallery .grid-container {
  grid-template-columns: repeat(6, minmax(0, 1fr)) !important;
  grid-auto-rows: auto !important;
}
#arith-gallery .thumbnail-item { width: 100%; height: auto; aspect-ratio: 1; }
"""


def build_app(zoo: Zoo | None = None, settings: Settings | None = None) -> gr.Blocks:
    """The whole app: one tab per capability, all on the models of ``zoo``.

    ``settings`` (default: the zoo's, read from the environment once) are handed down through the zoo;
    the preview route's handlers live in one ``Previews`` object, kept as ``demo.previews`` for ``launch``.
    """
    zoo = zoo or Zoo(settings=settings)
    previews = Previews(enabled=zoo.settings.preview_route)
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(
            f"# {TITLE}\nExplore and teach the latent spaces of GANs and VAEs. "
            f"Models run on **{zoo.device.type.upper()}**; {len(zoo.entries)} model(s) in the zoo."
        )
        connect_loader = loader.build(zoo)
        model_lists, shares, items = [], [], {}
        with gr.Tabs() as tabs:
            for title, tab_id, tab in TABS:
                with gr.Tab(title, id=tab_id) as items[tab_id]:
                    parts = tab.build(zoo, previews) or share.TabParts()
                model_lists += parts.model_lists
                shares.append(parts.share)
            with gr.Tab("Training", id="training") as items["training"]:
                demo.training_job = training.build(zoo, model_lists, tabs=items)
        connect_loader(model_lists)
        share.build(tabs, items, shares, demo)
        gr.Markdown(f"<small>latent-explorer {__version__}</small>")
        previews.install(demo)
    demo.previews = previews
    return demo


def launch(demo: gr.Blocks, **kwargs):
    """``demo.launch`` with the app's style, upload limit and preview route (``demo.previews``)."""
    options = dict(
        css=CSS,
        theme=gr.themes.Soft(),
        footer_links=["api", "gradio", "settings"],
        max_file_size=MAX_UPLOAD,
        app_kwargs={"routes": demo.previews.routes()},
    )
    return demo.launch(**(options | kwargs))


def main() -> None:
    launch(build_app())


if __name__ == "__main__":
    main()
