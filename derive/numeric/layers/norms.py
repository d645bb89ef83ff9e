"""BatchNorm1d/2d, LayerNorm and GroupNorm: normalize over a set of axes A, then scale/shift.

Over the m entries of each normalized group (index r runs over A):
  mu = (1/m) sum_r X_r,  var = (1/m) sum_r (X_r - mu)^2 (biased),
  Xh_r = (X_r - mu) / sqrt(var + eps)
  Y_r = gamma Xh_r + beta  (gamma, beta per channel for the norms over a batch or groups,
  per entry of normalized_shape for LayerNorm)
  dgamma = sum dY Xh,  dbeta = sum dY  (over every axis gamma is shared along)
  dX_r = (1 / sqrt(var + eps)) (G_r - (1/m) sum_s G_s - Xh_r (1/m) sum_s G_s Xh_s),  G = gamma dY
  (the three-term dX: the direct path, through mu, and through var)
BatchNorm in training mode normalizes with the batch statistics and updates its buffers as
torch: running = (1 - m) running + m batch with momentum m = 0.1 and the UNBIASED batch
variance (times m/(m-1)); momentum None gives the cumulative mean 1/num_batches_tracked.
In eval mode it normalizes with the running statistics, so dX = gamma dY / sqrt(var_run + eps).

>>> import numpy as np
>>> y, cache = batch_norm_forward(np, {}, np.array([[1.0], [3.0]]), {"affine": False})
>>> y.ravel().round(4).tolist(), cache["buffers"]["running_var"].tolist()
([-1.0, 1.0], [1.1])
"""

from __future__ import annotations

from typing import Any

from derive.errors import InputError
from derive.numeric.layers.registry import Cache, Config, State, option, register


def normalize(xp: Any, x: Any, axes: tuple[int, ...], eps: float) -> tuple[Any, Any]:
    """Xh = (X - mu) / sqrt(var + eps) over `axes`, and 1/sqrt(var + eps) (kept dims)."""
    mu = x.mean(axis=axes, keepdims=True)
    inv_std = 1.0 / xp.sqrt(((x - mu) ** 2).mean(axis=axes, keepdims=True) + eps)
    return (x - mu) * inv_std, inv_std


def normalized_grad(G: Any, xh: Any, inv_std: Any, axes: tuple[int, ...]) -> Any:
    """The three-term dX from G = dL/dXh."""
    return inv_std * (G - G.mean(axis=axes, keepdims=True)
                      - xh * (G * xh).mean(axis=axes, keepdims=True))


def _channel_shape(x: Any) -> tuple[int, ...]:
    return (1, -1, *(1,) * (x.ndim - 2))


def _affine_grads(state: State, dy: Any, xh: Any, axes: tuple[int, ...]) -> dict[str, Any]:
    grads = {}
    if state.get("weight") is not None:
        grads["weight"] = (dy * xh).sum(axis=axes)
    if state.get("bias") is not None:
        grads["bias"] = dy.sum(axis=axes)
    return grads


def _affine(state: State, xh: Any, shape: tuple[int, ...]) -> Any:
    y = xh if state.get("weight") is None else xh * state["weight"].reshape(shape)
    return y if state.get("bias") is None else y + state["bias"].reshape(shape)


def _running(xp: Any, state: State, x: Any, axes: tuple[int, ...], config: Config) -> Any:
    """The buffers after one training step."""
    count = x.size // x.shape[1]
    if count < 2:
        raise InputError("BatchNorm in training mode needs more than one value per channel")
    tracked = state.get("num_batches_tracked", xp.zeros((), dtype=int)) + 1
    momentum = config.get("momentum", 0.1)  # None is meaningful here
    m = 1.0 / tracked if momentum is None else float(momentum)
    mean, var = x.mean(axis=axes), x.var(axis=axes) * (count / (count - 1))
    old_mean = state.get("running_mean", xp.zeros_like(mean))
    old_var = state.get("running_var", xp.ones_like(var))
    return {"running_mean": (1 - m) * old_mean + m * mean,
            "running_var": (1 - m) * old_var + m * var, "num_batches_tracked": tracked}


def batch_norm_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = gamma Xh + beta per channel (axis 1), Xh over the batch and spatial axes."""
    eps, axes = float(option(config, "eps", 1e-5)), (0, *range(2, x.ndim))
    batch_stats = option(config, "training", True) or not option(
        config, "track_running_stats", True)
    if batch_stats:
        xh, inv_std = normalize(xp, x, axes, eps)
    else:
        shape = _channel_shape(x)
        inv_std = 1.0 / xp.sqrt(state["running_var"].reshape(shape) + eps)
        xh = (x - state["running_mean"].reshape(shape)) * inv_std
    cache: Cache = {"xh": xh, "inv_std": inv_std, "axes": axes, "batch": batch_stats}
    if option(config, "training", True) and option(config, "track_running_stats", True):
        cache["buffers"] = _running(xp, state, x, axes, config)
    return _affine(state, xh, _channel_shape(x)), cache


def batch_norm_backward(xp: Any, state: State, cache: Cache, dy: Any,
                        config: Config) -> tuple[Any, dict[str, Any]]:
    """Three-term dX with batch statistics; gamma dY / sqrt(var_run + eps) in eval mode."""
    xh, inv_std, axes = cache["xh"], cache["inv_std"], cache["axes"]
    G = dy if state.get("weight") is None else dy * state["weight"].reshape(_channel_shape(dy))
    dx = normalized_grad(G, xh, inv_std, axes) if cache["batch"] else G * inv_std
    return dx, _affine_grads(state, dy, xh, axes)


def layer_norm_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = gamma Xh + beta, Xh over the last len(normalized_shape) axes."""
    shape = option(config, "normalized_shape", None)
    dims = 1 if isinstance(shape, int) else len(shape) if shape else (
        state["weight"].ndim if state.get("weight") is not None else 1)
    axes = tuple(range(x.ndim - dims, x.ndim))
    xh, inv_std = normalize(xp, x, axes, float(option(config, "eps", 1e-5)))
    return _affine(state, xh, x.shape[x.ndim - dims:]), {"xh": xh, "inv_std": inv_std,
                                                         "axes": axes}


def layer_norm_backward(xp: Any, state: State, cache: Cache, dy: Any,
                        config: Config) -> tuple[Any, dict[str, Any]]:
    """Three-term dX over the normalized axes; dgamma, dbeta summed over the others."""
    xh, axes = cache["xh"], cache["axes"]
    G = dy if state.get("weight") is None else dy * state["weight"]
    shared = tuple(range(dy.ndim - len(axes)))
    return normalized_grad(G, xh, cache["inv_std"], axes), _affine_grads(state, dy, xh, shared)


def group_norm_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Xh over each of num_groups groups of channels (and the spatial axes), per sample."""
    groups = int(option(config, "num_groups", 1))
    if x.shape[1] % groups:
        raise InputError(f"GroupNorm: {x.shape[1]} channels do not split into {groups} groups")
    xg = x.reshape(x.shape[0], groups, -1)
    xh, inv_std = normalize(xp, xg, (2,), float(option(config, "eps", 1e-5)))
    xh = xh.reshape(x.shape)
    return _affine(state, xh, _channel_shape(x)), {"xh": xh, "inv_std": inv_std,
                                                   "groups": groups}


def group_norm_backward(xp: Any, state: State, cache: Cache, dy: Any,
                        config: Config) -> tuple[Any, dict[str, Any]]:
    """Three-term dX within each group; dgamma, dbeta per channel."""
    xh, groups = cache["xh"], cache["groups"]
    G = dy if state.get("weight") is None else dy * state["weight"].reshape(_channel_shape(dy))
    n = dy.shape[0]
    dx = normalized_grad(G.reshape(n, groups, -1), xh.reshape(n, groups, -1), cache["inv_std"],
                         (2,)).reshape(dy.shape)
    return dx, _affine_grads(state, dy, xh, (0, *range(2, dy.ndim)))


for _name in ("BatchNorm1d", "BatchNorm2d"):
    register(_name, batch_norm_forward, batch_norm_backward, ("weight", "bias"),
             ("running_mean", "running_var", "num_batches_tracked"))
register("LayerNorm", layer_norm_forward, layer_norm_backward, ("weight", "bias"))
register("GroupNorm", group_norm_forward, group_norm_backward, ("weight", "bias"))
