"""What the checker needs to know of a worked example's answers: how each is recomputed from
the answers before it (for the rounding-slip rule), the update relation of every parameter,
and the value a gradient takes when dL/dA is used where dL/dZ belongs.

Each recomputation is tried once on the right inputs and kept only when it gives the right
value, so a relation that does not hold for a network (an output layer whose delta is not
yhat - y) is simply not offered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from derive.answers import Answer, Confusion, Key, Slip, Update

AGREEMENT = 1e-9


def rows_of(value: Any, rows: bool) -> Any:
    """A data array in row layout (one sample a row)."""
    array = np.asarray(value, dtype=float)
    return array if rows else array.T


def weight_gradient(rows: bool, transposed: bool) -> Callable[[Any, Any], Any]:
    """dL/dW from the layer's input a and its delta, in the convention's layout:
    dL/dW = delta^T a in row layout (out x in), transposed where W is stored in x out."""
    def compute(a: Any, delta: Any) -> Any:
        gradient = rows_of(delta, rows).T @ rows_of(a, rows)
        return gradient.T if transposed else gradient
    return compute


def kept(key: Key, value: Any, inputs: tuple[Key, ...], compute: Callable[..., Any],
         values: dict[Key, Any], **meta: Any) -> Answer:
    """The answer, with its recomputation when that reproduces `value` from `values`."""
    try:
        again = np.asarray(compute(*(values[k] for k in inputs)), dtype=float)
        agrees = again.shape == np.shape(value) and bool(np.allclose(
            again, value, rtol=AGREEMENT, atol=AGREEMENT))
    except (KeyError, ValueError):
        agrees = False
    if not agrees:
        return Answer(key, value, shape=tuple(np.shape(value)), **meta)
    return Answer(key, value, shape=tuple(np.shape(value)), inputs=inputs, compute=compute,
                  **meta)


def updated(key: Key, value: Any, old: Any, gradient: Key, rate: float,
            confusions: tuple[Confusion, ...] = ()) -> Answer:
    """A parameter after one step: new = old - rate * gradient."""
    old_value = np.asarray(old, dtype=float)
    return Answer(key, value, shape=tuple(np.shape(value)),
                  update=Update(old_value, gradient, rate), inputs=(gradient,),
                  compute=lambda g: old_value - rate * np.asarray(g, dtype=float),
                  confusions=confusions)


def activation_in_place(value: Any, of_activation: Key) -> Confusion:
    """The value a gradient takes with dL/dA (`of_activation`) where dL/dZ belongs."""
    return Confusion(value, Slip.NO_DERIVATIVE, of_activation)
