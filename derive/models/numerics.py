"""A layer rule's numerics: the `xp` kernels of derive.numeric.layers, found by type name.

The layer rules (shapes, counts, MACs) never import numerics; `Rule.numerics` looks them up
here, in the one kernel table (`derive.numeric.layers.LAYER_KERNELS`), imported on first use.

>>> numerics_of("Conv2d").params, numerics_of("Bilinear") is None
(('weight', 'bias'), True)
"""

from __future__ import annotations

from typing import Any


def numerics_of(layer_type: str) -> Any:
    """The forward and backward kernels of `layer_type` (torch's class name), or None where
    there are none yet."""
    from derive.numeric.layers import LAYER_KERNELS

    return LAYER_KERNELS.get(layer_type)
