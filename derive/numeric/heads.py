"""Output layers with their losses, as kernels: yhat = out(z_L), each row's loss, and
dl/dz_L for one row. The symbolic rules in derive.symbolic.outputs point here.

An output rule carries its forward kernel and its vector-Jacobian product (dl/dz from
dl/dyhat, written with yhat); a loss rule its value and gradient in yhat. Any pair is their
composition (the general chain rule); the pairs whose gradient collapses (softmax + CE,
sigmoid + BCE, identity + MSE, and CE or BCE on logits) have their own stable kernels.

>>> import numpy as np
>>> z, y = np.array([[0.3, -0.2]]), np.array([[1.0, 0.0]])
>>> general = HEADS[("sigmoid", "mse")]
>>> p = general.output(np, z)
>>> bool(np.allclose(general.delta(np, z, p, y, True), (p - y) * p * (1 - p)))
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from derive.numeric import activations, losses


@dataclass(frozen=True)
class OutputKernel:
    """yhat = out(z) along the last axis, and dl/dz from g = dl/dyhat (written with yhat)."""

    forward: Callable[[Any, Any], Any]  # (xp, z) -> yhat
    back: Callable[[Any, Any, Any], Any]  # (xp, yhat, g) -> dl/dz


@dataclass(frozen=True)
class LossKernel:
    """A loss of the outputs yhat: each row's value and its gradient in yhat."""

    row_loss: Callable[[Any, Any, Any, bool], Any]  # (xp, yhat, y, half) -> loss of each row
    gradient: Callable[[Any, Any, Any, bool], Any]  # (xp, yhat, y, half) -> dl/dyhat
    factor: Callable[[bool], int]  # half_mse -> the factor of (yhat - y) in dl/dyhat
    per_entry_mean: bool  # a mean divides by every entry (else by rows)


OUTPUT_KERNELS: dict[str, OutputKernel] = {
    "softmax": OutputKernel(activations.softmax,  # (diag(p) - p p^T) g, row by row
                            lambda xp, p, g: p * (g - xp.sum(g * p, axis=-1, keepdims=True))),
    "sigmoid": OutputKernel(activations.sigmoid, lambda xp, p, g: g * p * (1.0 - p)),
    "tanh": OutputKernel(activations.tanh, lambda xp, p, g: g * (1.0 - p * p)),
    "identity": OutputKernel(activations.identity, lambda xp, p, g: g),
}


def _mse_factor(half: bool) -> int:
    return 1 if half else 2


LOSS_KERNELS: dict[str, LossKernel] = {
    "mse": LossKernel(lambda xp, p, y, half: losses.squared_error(xp, p, y) * (
        0.5 if half else 1.0), lambda xp, p, y, half: _mse_factor(half) * (p - y),
        _mse_factor, True),
    "bce": LossKernel(lambda xp, p, y, half: losses.binary_cross_entropy_probs(xp, p, y),
                      lambda xp, p, y, half: (p - y) / (p * (1.0 - p)), lambda half: 1, True),
    "ce": LossKernel(lambda xp, p, y, half: losses.cross_entropy_probs(xp, p, y),
                     lambda xp, p, y, half: -y / p, lambda half: 1, False),
}


@dataclass(frozen=True)
class Head:
    """An output activation with its loss."""

    output: Callable[[Any, Any], Any]  # (xp, z) -> yhat, classes on the last axis
    row_loss: Callable[[Any, Any, Any, bool], Any]  # (xp, z, y, half) -> loss of each row
    factor: Callable[[bool], int]  # half_mse -> factor of (yhat - y)
    per_entry_mean: bool  # a mean divides by every entry (else by rows)
    delta: Callable[[Any, Any, Any, Any, bool], Any] | None = None  # (xp, z, yhat, y, half)
    # -> dl/dz for each row; None: factor (yhat - y), the collapsed form


def composed(output: str, loss: str) -> Head:
    """The general chain rule: dl/dz = J_out(z)^T dl/dyhat, with the loss of out(z)."""
    out, rule = OUTPUT_KERNELS[output], LOSS_KERNELS[loss]

    def row_loss(xp: Any, z: Any, y: Any, half: bool) -> Any:
        return rule.row_loss(xp, out.forward(xp, z), y, half)

    def delta(xp: Any, z: Any, yhat: Any, y: Any, half: bool) -> Any:
        return out.back(xp, yhat, rule.gradient(xp, yhat, y, half))

    return Head(out.forward, row_loss, rule.factor, rule.per_entry_mean, delta)


def _mse_rows(xp: Any, z: Any, y: Any, half: bool) -> Any:
    return losses.squared_error(xp, z, y) * (0.5 if half else 1.0)


def _on_logits(squash: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    """dl/dz = squash(z) - y: CE of softmax(z), or BCE of sigmoid(z), taken on the logits."""
    return lambda xp, z, yhat, y, half: squash(xp, z) - y


HEADS: dict[tuple[str, str], Head] = {
    ("softmax", "ce"): Head(activations.softmax,
                            lambda xp, z, y, half: losses.cross_entropy_logits(xp, z, y),
                            lambda half: 1, False),
    ("sigmoid", "bce"): Head(activations.sigmoid,
                             lambda xp, z, y, half: losses.binary_cross_entropy_logits(xp, z, y),
                             lambda half: 1, True),
    ("identity", "mse"): Head(activations.identity, _mse_rows, lambda half: 1 if half else 2,
                              True),
    ("identity", "ce"): Head(activations.identity,
                             lambda xp, z, y, half: losses.cross_entropy_logits(xp, z, y),
                             lambda half: 1, False, _on_logits(activations.softmax)),
    ("identity", "bce"): Head(activations.identity,
                              lambda xp, z, y, half: losses.binary_cross_entropy_logits(xp, z, y),
                              lambda half: 1, True, _on_logits(activations.sigmoid)),
    **{pair: composed(*pair) for pair in (("sigmoid", "mse"), ("softmax", "mse"),
                                          ("tanh", "mse"), ("softmax", "bce"))},
}
