"""Forward and backward kernels of every layer type, keyed by torch's layer type name.

PLACEHOLDER
"""

from __future__ import annotations

import importlib

MODULES = ("conv", "pooling", "elementwise", "softmax", "linear", "embedding", "norms", "attention", "transformer")


def load_all() -> None:
    """Import every kernel module, each of which registers its layer types."""
    for name in MODULES:
        importlib.import_module(f"derive.numeric.layers.{name}")
