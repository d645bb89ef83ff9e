"""A fully connected network evaluated with the rule table's kernels; `xp` is NumPy or CuPy.

Arrays are in row layout (examples are rows, W_l is out x in, b_l has out entries);
the symbolic side converts to its convention. `backward` is backpropagation written with
the same kernels: the trainer runs it, and the tests compare it with finite differences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from derive.numeric.activations import ACTIVATION_KERNELS
from derive.numeric.heads import HEADS

Kernel = Callable[[Any], Any]
Params = Sequence[tuple[Any, Any]]  # (W_l, b_l) for l = 1..L


@dataclass(frozen=True)
class Network:
    """Kernels of a network: g_l and g_l' per hidden layer, then the output and its loss."""

    hidden: tuple[tuple[Kernel, Kernel], ...]  # (g, g') bound to xp and any slope
    output: Kernel  # z_L -> yhat, classes on the last axis
    row_loss: Callable[[Any, Any], Any]  # (z_L, Y) -> loss of each row
    factor: float  # dl/dz_L = factor (yhat - y) for one row, where the gradient collapses
    head_delta: Callable[[Any, Any, Any], Any] | None  # (z_L, yhat, Y) -> dl/dz_L per row,
    # the general chain rule; None where the gradient collapses to factor (yhat - y)
    per_entry_mean: bool  # a mean divides by every entry, not just the rows
    reduction: str  # "mean" or "sum"
    xp: Any  # the array module the kernels are bound to

    def divisor(self, rows: int, classes: int) -> int:
        if self.reduction == "sum":
            return 1
        return rows * classes if self.per_entry_mean else rows


def network(hidden: Sequence[str], head: tuple[str, str], slope: float = 0.01,
            half: bool = False, reduction: str = "mean", xp: Any = np) -> Network:
    """The kernels for hidden activations named `hidden` and the output/loss `head`, bound
    to `xp` (NumPy or CuPy)."""
    def bound(name: str) -> tuple[Kernel, Kernel]:
        extra = {"slope": slope} if name == "leaky_relu" else {}
        g, g_prime = ACTIVATION_KERNELS[name]
        return partial(g, xp, **extra), partial(g_prime, xp, **extra)

    chosen = HEADS[head]
    return Network(hidden=tuple(bound(name) for name in hidden),
                   output=partial(chosen.output, xp),
                   row_loss=partial(_row_loss, chosen.row_loss, xp, half),
                   factor=float(chosen.factor(half)),
                   head_delta=(partial(_delta, chosen.delta, xp, half) if chosen.delta
                               else None), per_entry_mean=chosen.per_entry_mean,
                   reduction=reduction, xp=xp)


def _row_loss(kernel: Callable[..., Any], xp: Any, half: bool, z: Any, y: Any) -> Any:
    return kernel(xp, z, y, half)


def _delta(kernel: Callable[..., Any], xp: Any, half: bool, z: Any, yhat: Any, y: Any) -> Any:
    return kernel(xp, z, yhat, y, half)


def output_delta(net: Network, z: Any, yhat: Any, Y: Any) -> Any:
    """dl/dz_L of each row (before the batch's divisor)."""
    if net.head_delta is None:
        return net.factor * (yhat - Y)
    return net.head_delta(z, yhat, Y)


def forward(net: Network, params: Params, X: Any) -> tuple[list[Any], list[Any]]:
    """Pre-activations z_1..z_L and activations a_0 = X, a_1..a_{L-1}, a_L = yhat."""
    zs, activations = [], [X]
    for layer, (W, b) in enumerate(params):
        z = activations[-1] @ W.T + b
        zs.append(z)
        last = layer == len(params) - 1
        activations.append(net.output(z) if last else net.hidden[layer][0](z))
    return zs, activations


def loss_from(net: Network, params: Params, layer: int, z: Any, Y: Any) -> float:
    """The loss when the pre-activation of `layer` (1-based) is `z`."""
    for next_layer in range(layer, len(params)):
        W, b = params[next_layer]
        z = net.hidden[next_layer - 1][0](z) @ W.T + b
    total = net.row_loss(z, Y).sum()
    return float(total) / net.divisor(Y.shape[0], Y.shape[1])


def loss(net: Network, params: Params, X: Any, Y: Any) -> float:
    """The reduced loss of the batch."""
    zs, _ = forward(net, params, X)
    return loss_from(net, params, len(params), zs[-1], Y)


def backward(net: Network, params: Params, X: Any, Y: Any,
             cache: tuple[list[Any], list[Any]] | None = None, scale: float = 1.0,
             out: Params | None = None) -> tuple[list[Any], list[Any]]:
    """Gradients (dW_l, db_l) and the deltas dL/dz_l, by backpropagation (`cache`: the
    forward pass's (zs, activations), when already computed). With `scale`, those of
    scale * L: an SGD step passes -lr and adds them, one pass over W instead of two;
    `out` holds arrays shaped like `params` to write the gradients into."""
    zs, activations = cache or forward(net, params, X)
    if net.head_delta is None:
        delta = (scale * net.factor / net.divisor(*Y.shape)) * (activations[-1] - Y)
    else:
        delta = (scale / net.divisor(*Y.shape)) * net.head_delta(zs[-1], activations[-1], Y)
    deltas, grads = [delta], []
    for layer in range(len(params) - 1, -1, -1):
        dW, db = out[layer] if out is not None else (None, None)
        grads.append((net.xp.matmul(delta.T, activations[layer], out=dW),
                      delta.sum(axis=0, out=db)))
        if layer:
            delta = (delta @ params[layer][0]) * net.hidden[layer - 1][1](zs[layer - 1])
            deltas.append(delta)
    return grads[::-1], deltas[::-1]


FD_STEP = 1e-6  # the step of central differences


def numerical_gradient(f: Callable[[], Any], array: Any, step: float = FD_STEP) -> Any:
    """Central differences of f() with respect to every entry of `array` (changed in place,
    then restored; works on views too): shaped like `array` for a scalar f, else
    (f's shape, array's shape)."""
    columns = []
    for index in np.ndindex(array.shape):
        kept = float(array[index])
        array[index] = kept + step
        upper = np.asarray(f(), dtype=float)
        array[index] = kept - step
        lower = np.asarray(f(), dtype=float)
        array[index] = kept
        columns.append((upper - lower) / (2 * step))
    return np.stack(columns, axis=-1).reshape(*columns[0].shape, *array.shape)
