"""Conv1d, Conv2d and ConvTranspose2d, by im2col (`windows.patches`) and its adjoint.

Index notation (2-d; 1-d drops an axis), groups g, C_in/g channels per group, c in group(o):

  forward   Y[n,o,i,j] = b[o] + sum_{c,u,v} W[o,c,u,v] X_pad[n, c, s i + d u, s j + d v]
  dL/dW     dW[o,c,u,v] = sum_{n,i,j} dY[n,o,i,j] X_pad[n, c, s i + d u, s j + d v]
            (the cross-correlation of the input with dL/dY, dilated by d, strided by s)
  dL/db     db[o] = sum_{n,i,j} dY[n,o,i,j]
  dL/dX     dX[n,c,y,x] = sum_{o,u,v} dY~[n, o, y + p - d u, x + p - d v] W[o,c,u,v]
            where dY~ is dY dilated by the stride (s - 1 zeros between entries): the full
            cross-correlation of dY~ with W rotated 180 degrees, i.e. the true convolution
            with W. It is computed as the adjoint of im2col (`windows.scatter`), the same map.

ConvTranspose2d is the adjoint of Conv2d in its input: its forward is the conv's dL/dX map
with weight (C_in, C_out/g, kH, kW), and its dL/dX is the conv's forward.

>>> import numpy as np
>>> y, _ = conv_forward(np, {"weight": np.ones((1, 1, 2))}, np.arange(4.0).reshape(1, 1, 4),
...                     {"stride": 2})
>>> y.tolist()
[[[1.0, 5.0]]]
"""

from __future__ import annotations

from typing import Any

from derive.errors import InputError
from derive.numeric.layers.registry import Cache, Config, State, option, pair, register
from derive.numeric.layers.windows import output_size, patches, scatter


def geometry(config: Config, kernel: tuple[int, ...], size: tuple[int, ...]) -> dict[str, Any]:
    """stride, dilation and (before, after) padding per spatial axis; 'same' puts the odd
    entry after, as torch does."""
    dims = len(kernel)
    stride, dilation = pair(option(config, "stride", 1), dims), pair(
        option(config, "dilation", 1), dims)
    padding = option(config, "padding", 0)
    if option(config, "padding_mode", "zeros") != "zeros":
        raise InputError("conv: only padding_mode='zeros' has numerics")
    if padding == "valid":
        pads = [(0, 0)] * dims
    elif padding == "same":
        if any(s != 1 for s in stride):
            raise InputError("conv: padding='same' needs stride 1, as in torch")
        total = [d * (k - 1) for d, k in zip(dilation, kernel, strict=True)]
        pads = [(t // 2, t - t // 2) for t in total]
    else:
        pads = [(p, p) for p in pair(padding, dims)]
    out = tuple(output_size(n + lo + hi, k, s, d, 0) for n, k, s, d, (lo, hi)
                in zip(size, kernel, stride, dilation, pads, strict=True))
    return {"stride": stride, "dilation": dilation, "pads": pads, "out": out}


def _grouped(cols: Any, groups: int) -> Any:
    """(N, C, *K, *O) -> (N, g, C/g * prod K, prod O)."""
    n, c = cols.shape[:2]
    return cols.reshape(n, groups, -1, _prod(cols.shape[2 + (cols.ndim - 2) // 2:]))


def _prod(values: tuple[int, ...]) -> int:
    result = 1
    for v in values:
        result *= v
    return result


def conv_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = b + W (*) X (cross-correlation; formula in the module docstring)."""
    W, groups = state["weight"], option(config, "groups", 1)
    kernel = tuple(W.shape[2:])
    geo = geometry(config, kernel, tuple(x.shape[2:]))
    cols = patches(xp, x, kernel, geo["stride"], geo["dilation"], geo["pads"], geo["out"])
    Wg = W.reshape(groups, W.shape[0] // groups, -1)
    y = (Wg[None] @ _grouped(cols, groups)).reshape(x.shape[0], W.shape[0], *geo["out"])
    if state.get("bias") is not None:
        y = y + state["bias"].reshape(-1, *(1,) * len(kernel))
    return y, {"cols": cols, "geometry": geo, "size": tuple(x.shape[2:])}


def conv_backward(xp: Any, state: State, cache: Cache, dy: Any,
                  config: Config) -> tuple[Any, dict[str, Any]]:
    """dL/dX, dL/dW, dL/db of a convolution (formulas in the module docstring)."""
    W, groups, geo = state["weight"], option(config, "groups", 1), cache["geometry"]
    dyg = dy.reshape(dy.shape[0], groups, W.shape[0] // groups, -1)  # (N, g, C_out/g, P)
    cols = _grouped(cache["cols"], groups)  # (N, g, C_in/g K, P)
    grads = {"weight": (dyg @ cols.swapaxes(-1, -2)).sum(axis=0).reshape(W.shape)}
    if state.get("bias") is not None:
        grads["bias"] = dy.sum(axis=(0, *range(2, dy.ndim)))
    dx = input_grad(xp, W, dyg, groups, geo, cache["size"])
    return dx, grads


def input_grad(xp: Any, W: Any, dyg: Any, groups: int, geo: dict[str, Any],
               size: tuple[int, ...]) -> Any:
    """dL/dX from dY grouped as (N, g, C_out/g, P): dcols = W^T dY, then scattered back."""
    kernel = tuple(W.shape[2:])
    Wg = W.reshape(groups, W.shape[0] // groups, -1)
    dcols = (Wg.swapaxes(-1, -2)[None] @ dyg).reshape(
        dyg.shape[0], W.shape[1] * groups, *kernel, *geo["out"])
    return scatter(xp, dcols, size, kernel, geo["stride"], geo["dilation"], geo["pads"])


def transpose_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = the conv's dL/dX map applied to X, plus b; size (S - 1) s - 2 p + d (k - 1) +
    output_padding + 1."""
    W, groups = state["weight"], option(config, "groups", 1)
    kernel, dims = tuple(W.shape[2:]), W.ndim - 2
    stride, dilation = pair(option(config, "stride", 1), dims), pair(
        option(config, "dilation", 1), dims)
    pad, extra = pair(option(config, "padding", 0), dims), pair(
        option(config, "output_padding", 0), dims)
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation, strict=True)):
        raise InputError("ConvTranspose2d: output_padding must be smaller than stride or "
                         "dilation")
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1 for n, s, p, d, k, e
                 in zip(x.shape[2:], stride, pad, dilation, kernel, extra, strict=True))
    conv_config = {"stride": stride, "dilation": dilation, "padding": pad, "groups": groups}
    geo = geometry(conv_config, kernel, size)
    geo["out"] = tuple(x.shape[2:])
    y = input_grad(xp, W, x.reshape(x.shape[0], groups, W.shape[0] // groups, -1), groups,
                   geo, size)
    if state.get("bias") is not None:
        y = y + state["bias"].reshape(-1, *(1,) * dims)
    return y, {"x": x, "config": conv_config}


def transpose_backward(xp: Any, state: State, cache: Cache, dy: Any,
                       config: Config) -> tuple[Any, dict[str, Any]]:
    """dL/dX = the conv's forward of dY; dL/dW = the conv's dL/dW with input dY and
    upstream X; dL/db[o] = sum_{n,i,j} dY[n,o,i,j]."""
    W, conv_config = state["weight"], cache["config"]
    dx, conv_cache = conv_forward(xp, {"weight": W}, dy, conv_config)
    _, conv_grads = conv_backward(xp, {"weight": W}, conv_cache, cache["x"], conv_config)
    grads = {"weight": conv_grads["weight"]}
    if state.get("bias") is not None:
        grads["bias"] = dy.sum(axis=(0, *range(2, dy.ndim)))
    return dx, grads


for _name in ("Conv1d", "Conv2d"):
    register(_name, conv_forward, conv_backward, ("weight", "bias"))
register("ConvTranspose2d", transpose_forward, transpose_backward, ("weight", "bias"))
