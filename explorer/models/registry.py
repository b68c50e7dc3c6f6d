"""The model families: one record per family, holding its real classes and what it can do.

A family is registered once (``explorer/models/__init__.py`` lists ours) with its model class, its
config class, optionally its discriminator and a display label. What a family can do is read from
its model class's types, not from its name: a tab asks for models that are ``StyleGenerator`` or
``ClassConditional`` (``explorer.models.base``), so a new family shows up in every tab whose
capability it has. This module imports no model: the model modules and the checkpoint folder code
import it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """One model family: ``name`` is the ``"family"`` key its checkpoint folders carry."""

    name: str
    model: type  # an nn.Module whose __init__ takes one ``config``
    config: type  # a dataclass
    label: str = ""
    discriminator: type | None = None  # its GAN discriminator, where we train the family

    def supports(self, *capabilities: type, excludes: tuple[type, ...] = ()) -> bool:
        """Whether the model class has every capability (a base class or protocol) and none of ``excludes``."""
        return all(issubclass(self.model, c) for c in capabilities) and not any(
            issubclass(self.model, c) for c in excludes
        )


FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add ``family`` (a second family with the same name or model class is an error)."""
    if family.name in FAMILIES and FAMILIES[family.name] != family:
        raise ValueError(f"a family named {family.name!r} is registered already")
    if any(f.model is family.model and f.name != family.name for f in FAMILIES.values()):
        raise ValueError(f"{family.model.__name__} belongs to another family already")
    FAMILIES[family.name] = family
    return family


def unregister(name: str) -> None:
    FAMILIES.pop(name, None)


@contextmanager
def registered(family: Family) -> Iterator[Family]:
    """``family`` registered for the duration of a ``with`` block (tests, plugins tried out)."""
    register(family)
    try:
        yield family
    finally:
        unregister(family.name)


def get(name: str | None) -> Family:
    """The family ``name``; ``KeyError`` naming the known ones."""
    if name not in FAMILIES:
        raise KeyError(f"unknown family {name!r}; known families: {', '.join(sorted(FAMILIES))}")
    return FAMILIES[name]


def family_of(model: object) -> Family:
    """The family of a model instance (by its class; subclasses count)."""
    for family in FAMILIES.values():
        if type(model) is family.model:
            return family
    for family in FAMILIES.values():
        if isinstance(model, family.model):
            return family
    raise KeyError(f"{type(model).__name__} is not the model of any registered family")


def names(*capabilities: type, excludes: tuple[type, ...] = ()) -> list[str]:
    """Names of the families whose model has every capability in ``capabilities`` and none of ``excludes``."""
    return [name for name, family in FAMILIES.items() if family.supports(*capabilities, excludes=excludes)]
