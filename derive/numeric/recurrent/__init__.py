"""Recurrent layers as torch defines them (RNN, LSTM, GRU): forward over time and
backpropagation through time, against an array module `xp` (NumPy or CuPy).

`kernels_for("LSTM")` gives the layer's kernels with the interface of the other layer
kernels: `forward(xp, params, x, config) -> (y, cache)` and
`backward(xp, params, cache, dy, config) -> (dx, grads)`, `config` a RecurrentConfig.

>>> import numpy as np
>>> config = RecurrentConfig("GRU", input_size=2, hidden_size=3)
>>> params = draw_parameters(config, seed=0)
>>> kernels = kernels_for("GRU")
>>> y, cache = kernels.forward(np, params, np.ones((4, 1, 2)), config)
>>> dx, grads = kernels.backward(np, params, cache, np.ones_like(y), config)
>>> y.shape, dx.shape, grads["weight_hh_l0"].shape, grads["h0"].shape
((4, 1, 3), (4, 1, 2), (9, 3), (1, 1, 3))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from derive.numeric.recurrent.config import (
    RecurrentConfig,
    draw_parameters,
    parameter_shapes,
    state_shapes,
)
from derive.numeric.recurrent.sequence import (
    Backward,
    Forward,
    backward,
    backward_through_time,
    forward,
)

__all__ = ["Backward", "Forward", "RecurrentConfig", "RecurrentKernels", "backward",
           "backward_through_time", "draw_parameters", "forward", "kernels_for",
           "parameter_shapes", "state_shapes", "LAYER_TYPES"]


@dataclass(frozen=True)
class RecurrentKernels:
    """A layer type's forward and backward kernels."""

    forward: Callable[..., tuple[Any, Forward]]
    backward: Callable[..., tuple[Any, dict[str, Any]]]


LAYER_TYPES = ("RNN", "LSTM", "GRU")
_KERNELS = RecurrentKernels(forward=forward, backward=backward)


def kernels_for(layer_type: str) -> RecurrentKernels:
    """The kernels of torch's recurrent layer `layer_type` (one engine for all three: the
    config's mode picks the cell)."""
    if layer_type not in LAYER_TYPES:
        raise KeyError(f"no recurrent kernels for {layer_type!r}")
    return _KERNELS
