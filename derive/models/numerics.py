"""Where forward and backward numerics of a layer type are registered, by type name.

The layer rules (shapes, counts, MACs) never import numerics; a later module registers
them here (``register_numerics("Linear", forward=..., backward=...)``) and `Rule.numerics`
finds them by the layer's type. Modules listed in `PROVIDERS` are imported on first lookup,
if they exist, so registering needs no edit of the rules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PROVIDERS = ("derive.numeric.layers",)  # modules that call register_numerics when imported


@dataclass(frozen=True)
class Numerics:
    """A layer type's forward and backward: SymPy forms and `xp` kernels, each optional."""

    forward: Callable[..., Any] | None = None
    backward: Callable[..., Any] | None = None
    forward_symbolic: Callable[..., Any] | None = None
    backward_symbolic: Callable[..., Any] | None = None


NUMERICS: dict[str, Numerics] = {}
_loaded = False


def register_numerics(layer_type: str, **functions: Callable[..., Any]) -> None:
    """Register the numerics of `layer_type` (torch's class name, e.g. "Conv2d")."""
    NUMERICS[layer_type] = Numerics(**functions)


def numerics_of(layer_type: str) -> Numerics | None:
    """The numerics registered for `layer_type`, or None where none are yet."""
    global _loaded
    if not _loaded:
        _loaded = True
        for name in PROVIDERS:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as error:
                if error.name != name:
                    raise
    return NUMERICS.get(layer_type)
