"""Softmax and LogSoftmax over one axis `dim` (torch's implicit dim when none is given).

  Softmax     Y_i = exp(X_i) / sum_j exp(X_j);    dX_i = Y_i (dY_i - sum_j dY_j Y_j)
  LogSoftmax  Y_i = X_i - log sum_j exp(X_j);     dX_i = dY_i - softmax(X)_i sum_j dY_j

>>> import numpy as np
>>> y, _ = softmax_forward(np, {}, np.array([[0.0, 0.0], [0.0, 0.0]]), {"dim": 0})
>>> y.tolist()
[[0.5, 0.5], [0.5, 0.5]]
"""

from __future__ import annotations

from typing import Any

from derive.numeric.layers.registry import Cache, Config, State, option, register
from derive.numeric.losses import log_softmax


def axis(config: Config, ndim: int) -> int:
    """The configured dim, or torch's legacy choice: 0 for 0-, 1- and 3-d input, else 1."""
    dim = option(config, "dim", None)
    if dim is None:
        return 0 if ndim in (0, 1, 3) else 1
    return int(dim) % ndim


def log_softmax_along(xp: Any, x: Any, dim: int) -> Any:
    """log softmax of x along `dim`."""
    return xp.moveaxis(log_softmax(xp, xp.moveaxis(x, dim, -1)), -1, dim)


def softmax_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = softmax(X) along dim."""
    dim = axis(config, x.ndim)
    y = xp.exp(log_softmax_along(xp, x, dim))
    return y, {"y": y, "dim": dim}


def softmax_backward(xp: Any, state: State, cache: Cache, dy: Any,
                     config: Config) -> tuple[Any, dict[str, Any]]:
    """dX = Y (dY - <dY, Y>) along dim."""
    y, dim = cache["y"], cache["dim"]
    return y * (dy - (dy * y).sum(axis=dim, keepdims=True)), {}


def log_softmax_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = log softmax(X) along dim."""
    dim = axis(config, x.ndim)
    y = log_softmax_along(xp, x, dim)
    return y, {"y": y, "dim": dim}


def log_softmax_backward(xp: Any, state: State, cache: Cache, dy: Any,
                         config: Config) -> tuple[Any, dict[str, Any]]:
    """dX = dY - exp(Y) sum dY along dim."""
    y, dim = cache["y"], cache["dim"]
    return dy - xp.exp(y) * dy.sum(axis=dim, keepdims=True), {}


register("Softmax", softmax_forward, softmax_backward)
register("LogSoftmax", log_softmax_forward, log_softmax_backward)
