"""Latent Explorer: the Gradio app (also the Hugging Face Space entry point).

    python app.py            # http://127.0.0.1:7860, committed checkpoints, no network needed

GRADIO_SERVER_NAME / GRADIO_SERVER_PORT choose the address (a Space sets them itself).
"""

from pathlib import Path

import gradio as gr
import torch

from explorer import __version__, ready
from explorer.models.folder import remove_orphans
from explorer.onnx_export import OnnxModels
from explorer.settings import Settings
from explorer.ui import common, gradio_patches, loader, path_bar, share
from explorer.ui.previews import Previews
from explorer.ui.tabs import (
    arithmetic,
    directions,
    interpolation,
    manifold,
    metrics,
    stylemix,
    theory,
    toylab,
    training,
    truncation,
)
from explorer.zoo import CHECKPOINTS, Zoo

TITLE = "Latent Explorer"
TABS = (  # (title, id, module with build(zoo, previews)), in the order of the lecture's demos
    ("Interpolation", "interpolation", interpolation),
    ("Arithmetic", "arithmetic", arithmetic),
    ("Directions", "directions", directions),
    ("Style mixing", "stylemix", stylemix),
    ("BigGAN", "truncation", truncation),
    ("VAE", "manifold", manifold),
    ("GAN theory", "theory", theory),
    ("GAN lab", "toylab", toylab),
    ("Metrics", "metrics", metrics),
)  # then the Training tab, which refreshes the model lists of these tabs when it saves a model
TAB_TITLES = (*(title for title, _, _ in TABS), "Training")  # presentation mode fits all of them in 1280 px
MAX_UPLOAD = "5mb"  # images to encode, settings files: nothing a user uploads needs more
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PAGE = Path(__file__).parent / "explorer" / "ui"  # the page's style and script, beside the UI (read their notes)
CSS = (PAGE / "page.css").read_text(encoding="utf-8")  # presentation mode, labels off the plots, errors, the notes
HEAD = f"<script>{(PAGE / 'page.js').read_text(encoding='utf-8')}</script>"  # plot purging, presentation mode, keys


def header_text(zoo: Zoo) -> str:
    """The header's line on the zoo; refreshed when the Training tab or the loader adds a model."""
    return (
        f"Explore and teach the latent spaces of GANs and VAEs. Models run on **{zoo.device.type.upper()}**; "
        f"{len(zoo.entries)} model(s) in the zoo."
    )


def ready_panel(zoo: Zoo) -> None:
    """Ready for class? What the views need that may be missing here, checked on a click (``python -m explorer.ready``
    prints the same and can fetch it)."""
    with gr.Accordion("Ready for class? What the views need, and whether it is here", open=False, elem_id="ready"):
        check = gr.Button("Check this machine", size="sm", elem_id="ready-check")
        table = gr.Markdown(elem_id="ready-table")
    check.click(
        lambda: (
            ready.report_markdown(ready.report(ready.needs(zoo.settings, zoo))[0])
            + "\n\nTo fetch what is missing (with network): `python -m explorer.ready --fetch`."
        ),
        None,
        table,
        api_visibility="undocumented",
    )


def build_app(zoo: Zoo | None = None, settings: Settings | None = None) -> gr.Blocks:
    """The whole app: one tab per capability, all on the models of ``zoo``.

    ``settings`` (default: the zoo's, read from the environment once) are handed down through the zoo;
    the preview route's handlers live in one ``Previews`` object, kept as ``demo.previews`` for ``launch``.
    """
    zoo = zoo or Zoo(settings=settings)
    settings = zoo.settings
    gradio_patches.install()  # atomic cache writes, lean sessions (the package lists each and why)
    if zoo.device.type == "cpu" and settings.torch_threads:  # one intra-op thread a request (explorer/settings.py)
        torch.set_num_threads(settings.torch_threads)
    # bounded disk: checkpoint writes killed mid-way (an hour old) go at start; downloads age out after
    # settings.download_minutes, ours (common.download_path) and Gradio's copies of them (delete_cache)
    remove_orphans(settings.runs, settings.training_runs, settings.saved_models, settings.converted, CHECKPOINTS)
    common.DOWNLOAD_LIFETIME_S = lifetime = int(settings.download_minutes * 60)
    previews = Previews(
        enabled=zoo.settings.preview_route,
        cache_mb=zoo.settings.preview_cache_mb,
        batch=zoo.settings.preview_batch,
        generation=lambda: zoo.generation,
        # the models the page runs itself (explorer/ui/inpage.py); a Space's uploaded onnx-files/ served as they are
        onnx=OnnxModels(zoo, seed=zoo.settings.files),
    )
    with gr.Blocks(title=TITLE, delete_cache=(max(lifetime // 4, 60), lifetime)) as demo:
        with gr.Row(elem_id="app-header"):
            gr.Markdown(f"# {TITLE}", elem_id="app-title")
            header = gr.Markdown(header_text(zoo), elem_id="app-zoo")
        bar = path_bar.build()  # ◀ the lecture path ▶, and the presentation-mode toggle
        bar["present"].click(None, js="() => { window.__latentPage.togglePresent(); }")
        ready_panel(zoo)

        def zoo_changed(event) -> None:  # after an event that adds a model: the header's count follows
            event.then(lambda: header_text(zoo), None, header, api_visibility="undocumented")

        connect_loader = loader.build(zoo)
        model_lists, shares, items = [], [], {}
        with gr.Tabs() as tabs:
            for title, tab_id, tab in TABS:
                with gr.Tab(title, id=tab_id) as items[tab_id]:
                    parts = tab.build(zoo, previews) or share.TabParts()
                share.draw_when_opened(items[tab_id], parts.opened)
                model_lists += parts.model_lists
                shares.append(parts.share)
            with gr.Tab("Training", id="training") as items["training"]:
                parts = training.build(zoo, model_lists, tabs=items, zoo_changed=zoo_changed)
            demo.training_job = parts.job
            model_lists += parts.model_lists
            shares.append(parts.share)
        connect_loader(model_lists, zoo_changed)
        share.build(tabs, items, shares, demo, bar)
        gr.Markdown(f"<small>latent-explorer {__version__}</small>")
        previews.install(demo)
    demo.previews = previews
    return demo


def launch(demo: gr.Blocks, **kwargs):
    """``demo.launch`` with the app's style, upload limit, preview route (``demo.previews``) and the page kept in memory
    once built (``gradio_patches.middleware``: opening the page costs the server next to nothing after the first
    student)."""
    options = dict(
        css=CSS,
        head=HEAD,
        theme=gr.themes.Soft(),
        footer_links=["api", "gradio", "settings"],
        max_file_size=MAX_UPLOAD,
        app_kwargs={"routes": demo.previews.routes(), "middleware": gradio_patches.middleware()},
        # Server-side rendering off, even where a Space sets GRADIO_SSR_MODE=true: under SSR Gradio's Node server
        # answers every path and forwards only Gradio's own API paths to Python, so the /preview/… route (the
        # slider previews, explorer/ui/previews.py) would reach Node's page router and 404.
        ssr_mode=False,
    )
    return demo.launch(**(options | kwargs))


def main() -> None:
    launch(build_app())


if __name__ == "__main__":
    main()
