"""Output layers with their losses, as kernels: yhat = out(z_L), each row's loss, and
dl/dz_L = factor (yhat - y). The symbolic rules in derive.symbolic.outputs point here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from derive.numeric import activations, losses


@dataclass(frozen=True)
class Head:
    """An output activation with its loss."""

    output: Callable[[Any, Any], Any]  # (xp, z) -> yhat, classes on the last axis
    row_loss: Callable[[Any, Any, Any, bool], Any]  # (xp, z, y, half) -> loss of each row
    factor: Callable[[bool], int]  # half_mse -> factor of (yhat - y)
    per_entry_mean: bool  # a mean divides by every entry (else by rows)


def _mse_rows(xp: Any, z: Any, y: Any, half: bool) -> Any:
    return losses.squared_error(xp, z, y) * (0.5 if half else 1.0)


HEADS: dict[tuple[str, str], Head] = {
    ("softmax", "ce"): Head(activations.softmax,
                            lambda xp, z, y, half: losses.cross_entropy_logits(xp, z, y),
                            lambda half: 1, False),
    ("sigmoid", "bce"): Head(activations.sigmoid,
                             lambda xp, z, y, half: losses.binary_cross_entropy_logits(xp, z, y),
                             lambda half: 1, True),
    ("identity", "mse"): Head(activations.identity, _mse_rows, lambda half: 1 if half else 2,
                              True),
}
