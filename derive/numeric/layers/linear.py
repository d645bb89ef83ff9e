"""Linear and Flatten.

  Linear   Y[..., o] = sum_i X[..., i] W[o, i] + b[o]   (Y = X W^T + b, rows are samples)
           dX = dY W;  dW[o, i] = sum_r dY[r, o] X[r, i] (dY^T X over every leading index r);
           db[o] = sum_r dY[r, o]
  Flatten  Y = X reshaped, axes start_dim..end_dim merged;  dX = dY reshaped back

>>> import numpy as np
>>> y, _ = linear_forward(np, {"weight": np.eye(2), "bias": np.ones(2)}, np.ones((1, 2)), {})
>>> y.tolist()
[[2.0, 2.0]]
"""

from __future__ import annotations

from typing import Any

from derive.numeric.layers.registry import Cache, Config, State, option, register


def linear_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = X W^T + b."""
    y = x @ state["weight"].T
    if state.get("bias") is not None:
        y = y + state["bias"]
    return y, {"x": x}


def linear_backward(xp: Any, state: State, cache: Cache, dy: Any,
                    config: Config) -> tuple[Any, dict[str, Any]]:
    """dX = dY W, dW = dY^T X, db = sum_r dY."""
    x, W = cache["x"], state["weight"]
    rows_dy, rows_x = dy.reshape(-1, dy.shape[-1]), x.reshape(-1, x.shape[-1])
    grads = {"weight": rows_dy.T @ rows_x}
    if state.get("bias") is not None:
        grads["bias"] = rows_dy.sum(axis=0)
    return dy @ W, grads


def flatten_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Merge axes start_dim (default 1) to end_dim (default -1)."""
    start = int(option(config, "start_dim", 1)) % x.ndim
    end = int(option(config, "end_dim", -1)) % x.ndim
    return x.reshape(*x.shape[:start], -1, *x.shape[end + 1:]), {"shape": x.shape}


def flatten_backward(xp: Any, state: State, cache: Cache, dy: Any,
                     config: Config) -> tuple[Any, dict[str, Any]]:
    """dX = dY in X's shape."""
    return dy.reshape(cache["shape"]), {}


register("Linear", linear_forward, linear_backward, ("weight", "bias"))
register("Flatten", flatten_forward, flatten_backward)
