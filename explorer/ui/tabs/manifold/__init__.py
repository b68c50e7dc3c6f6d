"""The VAE tab (id ``manifold``): seven sections, one module each, in the order of ``SECTIONS``.

The latent plane (``plane``) is drawn at the app's start; every other section when first opened (a click on it,
or a link to the tab: ``?tab=manifold&section=ID``). What the sections share is in ``shared``.
"""

import gradio as gr

from explorer.ui import share
from explorer.ui.previews import Previews
from explorer.ui.share import SectionParts, Share, TabParts
from explorer.ui.tabs.manifold import autoencoder, beta, conditional, edit, plane, posterior, vqvae
from explorer.zoo import Zoo

SECTIONS = (plane, posterior, autoencoder, beta, conditional, edit, vqvae)


def build(zoo: Zoo, previews: Previews) -> TabParts | None:
    """The tab: the plane's note, then the sections. A link's settings are the plane's (``plane.build``'s
    fields); a link draws the plane, then every other section's first view still empty (``share.lazy_renders``)."""
    names = plane.vae_names(zoo)
    gr.Markdown(plane.NOTE, elem_classes=["note"])
    if not names:
        gr.Markdown("No VAE with a 2-D latent in the zoo: train one with `python -m trainers vae --out …`.")
        return None
    tab_vae: list[gr.Dropdown] = []  # the plane's VAE: *Inside q(z|x)* and *Edit real images* look at it too

    def build_section(module) -> SectionParts:
        if module is plane:
            parts = plane.build(zoo, previews, names)
            tab_vae.append(parts.fields["model"])
            return parts
        if module in (posterior, edit):
            return module.build(zoo, tab_vae[0])
        if module is autoencoder:
            return autoencoder.build(zoo, names)
        return module.build(zoo)

    tabs, parts = share.build_sections("vae-sections", SECTIONS, build_section)
    opened = [render for section in parts.values() for render in section.opened]
    renders = [*parts[plane.ID].renders, *share.lazy_renders(opened)]
    link = Share("manifold", parts[plane.ID].fields, renders, sections=(tabs, tuple(parts)))
    return TabParts([model_list for section in parts.values() for model_list in section.model_lists], link)
