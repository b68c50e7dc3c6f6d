"""Latent Explorer: the Gradio app (also the Hugging Face Space entry point).

    python app.py            # http://127.0.0.1:7860, committed checkpoints, no network needed

GRADIO_SERVER_NAME / GRADIO_SERVER_PORT choose the address (a Space sets them itself).
"""

from pathlib import Path

import gradio as gr

from explorer import __version__
from explorer.models.folder import remove_orphans
from explorer.onnx_export import OnnxModels
from explorer.settings import Settings
from explorer.ui import (
    arithmetic,
    common,
    directions,
    interpolate,
    loader,
    manifold,
    metrics,
    share,
    stylemix,
    theory,
    toylab,
    training,
    truncation,
)
from explorer.ui.previews import Previews
from explorer.zoo import CHECKPOINTS, Zoo

TITLE = "Latent Explorer"
TABS = (  # (title, id, module with build(zoo, previews)), in the order of the lecture's demos
    ("Interpolation", "interpolation", interpolate),
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
CSS = """
img { image-rendering: pixelated; }
/* The arithmetic seed grid: Gradio's gallery gives each column a fixed 100 px, so 6 columns overflow a
   third of a 1280 px page; share the column's width instead (the tiles are 32² samples, scaled up). */
#arith-gallery .grid-container {
  grid-template-columns: repeat(6, minmax(0, 1fr)) !important;
  grid-auto-rows: auto !important;
}
#arith-gallery .thumbnail-item { width: 100%; height: auto; aspect-ratio: 1; }
#app-header { align-items: center; }
#path-bar { align-items: center; }
/* Errors (explorer/ui/page.js): the message under the control that caused it; outputs keep their last value. */
.click-marker {
  position: absolute; width: 22px; height: 22px; margin: -11px 0 0 -11px; border: 3px solid #ff2d55;
  border-radius: 50%; box-shadow: 0 0 0 2px white; pointer-events: none; z-index: 5;
}
.control-error { color: #b91c1c; font-weight: 600; padding: 4px 8px; flex-basis: 100%; }
.block .wrap:has(> .error), .block .wrap:has(.error) { display: none !important; }
#path-where p { margin: 0; }
#app-header p { margin: 0; }
/* Presentation mode (html.present: the header's toggle or ?present=1, explorer/ui/page.js): text for the back of
   a lecture hall (body ≥ 20 px), the page's full width, and what the lecturer does not drive hidden: the long
   notes (the lecturer says them), the loader, the share row, the footer. Each tab's main control and its result
   then fit one 1280×720 view. */
html.present {
  --text-xxs: 16px; --text-xs: 17px; --text-sm: 19px; --text-md: 21px; --text-lg: 24px; --text-xl: 28px;
  --text-xxl: 32px; --block-label-text-size: 19px; --block-title-text-size: 21px; --block-info-text-size: 19px;
  --input-text-size: 21px; --button-large-text-size: 22px; --button-small-text-size: 20px;
  --checkbox-label-text-size: 20px; --section-header-text-size: 21px; --body-text-size: 21px;
}
html.present body, html.present .prose { font-size: 21px; }
html.present .tab-container button { padding-left: 7px; padding-right: 7px; font-size: 19px; }  /* ten tabs in 1280 px */
html.present #theory-sections .tab-container button { padding-left: 5px; padding-right: 5px; font-size: 17px; }  /* ten sections */
html.present #mix-grid img { max-height: calc(100vh - 350px); width: auto; margin: 0 auto; }
html.present .gradio-container { max-width: 100% !important; padding: 2px 8px !important; }
html.present .note, html.present .aside, html.present #app-title, html.present #app-zoo,
html.present #loader-accordion, html.present #path-accordion,
html.present #share-accordion, html.present footer { display: none !important; }
html:not(.present) #path-keys { display: none !important; }  /* the keys act in presentation mode only */
"""
PAGE_JS = Path(__file__).parent / "explorer" / "ui" / "page.js"
HEAD = f"<script>{PAGE_JS.read_text()}</script>"  # plot purging, presentation mode, keys (read the file's notes)


def header_text(zoo: Zoo) -> str:
    """The header's line on the zoo; refreshed when the Training tab or the loader adds a model."""
    return (
        f"Explore and teach the latent spaces of GANs and VAEs. Models run on **{zoo.device.type.upper()}**; "
        f"{len(zoo.entries)} model(s) in the zoo."
    )


def build_app(zoo: Zoo | None = None, settings: Settings | None = None) -> gr.Blocks:
    """The whole app: one tab per capability, all on the models of ``zoo``.

    ``settings`` (default: the zoo's, read from the environment once) are handed down through the zoo;
    the preview route's handlers live in one ``Previews`` object, kept as ``demo.previews`` for ``launch``.
    """
    zoo = zoo or Zoo(settings=settings)
    settings = zoo.settings
    # bounded disk: checkpoint writes killed mid-way (an hour old) go at start; downloads age out after
    # settings.download_minutes, ours (common.download_path) and Gradio's copies of them (delete_cache)
    remove_orphans(settings.runs, settings.training_runs, settings.saved_models, settings.converted, CHECKPOINTS)
    common.DOWNLOAD_LIFETIME_S = lifetime = int(settings.download_minutes * 60)
    previews = Previews(
        enabled=zoo.settings.preview_route,
        cache_mb=zoo.settings.preview_cache_mb,
        batch=zoo.settings.preview_batch,
        generation=lambda: zoo.generation,
        onnx=OnnxModels(zoo),  # the models the page runs itself (explorer/ui/inpage.py)
    )
    with gr.Blocks(title=TITLE, delete_cache=(max(lifetime // 4, 60), lifetime)) as demo:
        with gr.Row(elem_id="app-header"):
            gr.Markdown(f"# {TITLE}", elem_id="app-title")
            header = gr.Markdown(header_text(zoo), elem_id="app-zoo")
        bar = share.path_bar()  # ◀ the lecture path ▶, and the presentation-mode toggle
        bar["present"].click(None, js="() => { window.__latentPage.togglePresent(); }")

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
                demo.training_job = training.build(zoo, model_lists, tabs=items, zoo_changed=zoo_changed)
        connect_loader(model_lists, zoo_changed)
        share.build(tabs, items, shares, demo, bar)
        gr.Markdown(f"<small>latent-explorer {__version__}</small>")
        previews.install(demo)
    demo.previews = previews
    return demo


def launch(demo: gr.Blocks, **kwargs):
    """``demo.launch`` with the app's style, upload limit and preview route (``demo.previews``)."""
    options = dict(
        css=CSS,
        head=HEAD,
        theme=gr.themes.Soft(),
        footer_links=["api", "gradio", "settings"],
        max_file_size=MAX_UPLOAD,
        app_kwargs={"routes": demo.previews.routes()},
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
