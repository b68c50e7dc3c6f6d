"""Latent Explorer: the Gradio app (also the Hugging Face Space entry point).

    python app.py            # http://127.0.0.1:7860, committed checkpoints, no network needed

GRADIO_SERVER_NAME / GRADIO_SERVER_PORT choose the address (a Space sets them itself).
"""

import gradio as gr

from explorer import __version__
from explorer.ui import arithmetic, interpolate, manifold, stylemix, toylab, truncation
from explorer.zoo import Zoo

TITLE = "Latent Explorer"
CSS = """
img { image-rendering: pixelated; }
"""


def build_app(zoo: Zoo | None = None) -> gr.Blocks:
    """The whole app: one tab per capability, all on the models of ``zoo``."""
    zoo = zoo or Zoo()
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(
            f"# {TITLE}\nExplore and teach the latent spaces of GANs and VAEs. "
            f"Models run on **{zoo.device.type.upper()}**; {len(zoo.entries)} model(s) in the zoo."
        )
        with gr.Tab("Interpolation", id="interpolation"):
            interpolate.build(zoo)
        with gr.Tab("Vector arithmetic", id="arithmetic"):
            arithmetic.build(zoo)
        with gr.Tab("Style mixing & noise", id="stylemix"):
            stylemix.build(zoo)
        with gr.Tab("BigGAN truncation", id="truncation"):
            truncation.build(zoo)
        with gr.Tab("VAE manifold", id="manifold"):
            manifold.build(zoo)
        with gr.Tab("GAN lab (2-D)", id="toylab"):
            toylab.build(zoo)
        gr.Markdown(f"<small>latent-explorer {__version__}</small>")
    return demo


def main() -> None:
    build_app().launch(css=CSS, theme=gr.themes.Soft(), footer_links=["api", "gradio", "settings"])


if __name__ == "__main__":
    main()
