"""Embedding: a table lookup by integer indices.

  Y[..., e] = W[X[...], e];  dW[v, e] = sum_{r : X[r] = v} dY[r, e], and dW[padding_idx] = 0
  (dW = onehot(X)^T dY); the indices have no gradient (dX is None)

>>> import numpy as np
>>> y, _ = embedding_forward(np, {"weight": np.arange(6.0).reshape(3, 2)}, np.array([2, 0]), {})
>>> y.tolist()
[[4.0, 5.0], [0.0, 1.0]]
"""

from __future__ import annotations

from typing import Any

from derive.errors import InputError
from derive.numeric.layers.registry import Cache, Config, State, option, register


def embedding_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = W[X]."""
    if option(config, "max_norm", None) is not None:
        raise InputError("Embedding: max_norm (a renormalization in place) has no numerics")
    return state["weight"][x], {"x": x}


def embedding_backward(xp: Any, state: State, cache: Cache, dy: Any,
                       config: Config) -> tuple[None, dict[str, Any]]:
    """dW = onehot(X)^T dY, with the padding row held at zero."""
    W, x = state["weight"], cache["x"].reshape(-1)
    rows = xp.arange(W.shape[0])
    onehot = (x[:, None] == rows[None, :]).astype(W.dtype)
    padding = option(config, "padding_idx", None)
    if padding is not None:
        onehot = onehot * (rows != int(padding) % W.shape[0])
    return None, {"weight": onehot.T @ dy.reshape(-1, W.shape[1])}


register("Embedding", embedding_forward, embedding_backward, ("weight",))
