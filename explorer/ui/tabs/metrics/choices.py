"""The Metrics tab's model lists: what each section may score, and a dropdown that follows the zoo."""

from collections.abc import Callable

import gradio as gr

from explorer.metrics import evaluate
from explorer.models import ClassConditional, StyleGenerator
from explorer.ui.common import ModelList
from explorer.zoo import Zoo


def default(names: list[str], preferred: str) -> str | None:
    return preferred if preferred in names else (names[0] if names else None)


def conditional_names(zoo: Zoo) -> list[str]:
    return [n for n in evaluate.source_names(zoo) if n in zoo.names(ClassConditional)]


def generator_names(zoo: Zoo) -> list[str]:
    return [n for n in evaluate.source_names(zoo) if n not in evaluate.REAL_SOURCES]


def style_names(zoo: Zoo) -> list[str]:
    """StyleGAN models whose images the classifier reads (its features stand in for LPIPS): not the 64² faces."""
    readable = set(evaluate.source_names(zoo))
    return [n for n in zoo.names(StyleGenerator) if n in readable]


def picker(zoo: Zoo, names: Callable[[Zoo], list[str]], preferred: str, label: str, **kwargs) -> ModelList:
    """A model dropdown opened on ``preferred``; its choices are ``names(zoo)`` again when the zoo grows."""
    choices = names(zoo)
    dropdown = gr.Dropdown(choices, value=default(choices, preferred), label=label, **kwargs)
    return ModelList(dropdown, lambda: names(zoo))
