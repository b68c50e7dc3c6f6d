"""GAN theory tab: thirteen small demos, each a few controls and a plot that change together.

The computations live in ``explorer.theory`` (and ``explorer.cycle2d``, ``explorer.models.translation``); each
section is a module of this package (``TITLE``, ``ID``, its handlers: values in, plotly figures or images and a line
of text out, a ``gr.Error`` in the user's words for bad input; then its ``build``). A section is drawn when it is
first opened; the first one when the tab opens. ``?tab=theory&section=ID`` opens one.
"""

import gradio as gr

from explorer.ui import share
from explorer.ui.share import Share, TabParts
from explorer.ui.tabs.theory import (
    bimodal,
    classes,
    costs,
    cycle,
    datarange,
    game,
    gan1d,
    kl,
    lines,
    optimum,
    ratio,
    shells,
    variance,
)

SECTIONS = (lines, kl, game, gan1d, classes, ratio, optimum, shells, costs, variance, datarange, cycle, bimodal)
AT_IMAGE_SCALE = (datarange, cycle, bimodal)  # the sections that show models of the zoo beside their toys


def build(zoo=None, previews=None) -> TabParts:
    """The tab's contents: exact toys, plus pix2pix and CycleGAN at image scale from ``zoo`` (none without a zoo)."""
    gr.Markdown(
        "Exact, small demos of the theory behind GANs: move a control and every plot follows.", elem_classes=["note"]
    )

    def build_section(section):
        return section.build(zoo) if section in AT_IMAGE_SCALE else section.build()

    tabs, parts = share.build_sections("theory-sections", SECTIONS, build_section)
    every = [render for part in parts.values() for render in part.opened]
    # no settings to share, but a link (a lecture path's step) opens a section and draws whatever is still empty
    return TabParts(
        model_lists=[model_list for part in parts.values() for model_list in part.model_lists],
        share=Share("theory", {}, share.lazy_renders(every), sections=(tabs, tuple(parts))),
        opened=parts[SECTIONS[0].ID].opened,
    )
