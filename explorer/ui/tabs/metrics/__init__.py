"""Metrics tab: how GANs are evaluated, and how each score fails.

Every score runs on the Fashion-MNIST classifier (its features and its p(y|x)), on the zoo's models and on
real images (``explorer.metrics.evaluate``): Inception Score (Salimans et al. 2016), FID (Heusel et al.
2017), KID (Bińkowski et al. 2018), improved precision and recall (Kynkäänniemi et al. 2019), density and
coverage (Naeem et al. 2020), TSTR (Esteban et al. 2017), SWD (Karras et al. 2018), perceptual path length
(Karras et al. 2019), and a human real-vs-fake quiz (HYPE, Zhou et al. 2019). One section per module;
``?tab=metrics&section=ID`` opens one.
"""

import gradio as gr

from explorer.metrics import evaluate
from explorer.ui import share
from explorer.ui.previews import Previews
from explorer.ui.share import Share, TabParts
from explorer.ui.tabs.metrics import fid, frechet, inception, quiz, scores, swd, tradeoff, tstr
from explorer.zoo import Zoo

NOTE = """**What you are seeing.** GAN samples have no ground truth to compare with, and D's and G's losses
only say who is winning the game, not how good the samples are. So we measure the samples through a
classifier: its confidence p(y|x) and its features. Here that classifier is our **Fashion-MNIST CNN**
(`classifier-fashion-mnist`), not Inception-v3: the scores compare our models with each other and with real
images, not with the numbers in papers."""
SECTIONS = (scores, inception, fid, frechet, tradeoff, tstr, quiz, swd)


def build(zoo: Zoo, previews: Previews | None = None) -> TabParts | None:
    gr.Markdown(NOTE, elem_classes=["note"])
    if evaluate.CLASSIFIER not in zoo.entries:
        gr.Markdown("The metrics need `classifier-fashion-mnist`: train it with `python -m trainers classifier`.")
        return None
    tabs, parts = share.build_sections("metrics-sections", SECTIONS, lambda section: section.build(zoo))
    lists = [model_list for part in parts.values() for model_list in part.model_lists]
    opened = [render for part in parts.values() for render in part.opened]  # a link to a section draws it
    return TabParts(lists, Share("metrics", {}, share.lazy_renders(opened), sections=(tabs, tuple(parts))))
