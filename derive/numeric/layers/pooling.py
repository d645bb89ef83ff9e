"""MaxPool2d, AvgPool2d and AdaptiveAvgPool2d over the last two axes of (N, C, H, W).

  MaxPool2d   Y[n,c,i,j] = max_{u,v} X_pad[n, c, s i + d u, s j + d v]   (X_pad: -inf outside)
              dX[n,c,y,x] = sum_{i,j} dY[n,c,i,j] [ (y, x) is the argmax of window (i, j) ],
              the argmax being the first maximum in row-major window order, as torch's
  AvgPool2d   Y[n,c,i,j] = (1 / D[i,j]) sum_{u,v} X_pad[n, c, s i + u, s j + v]
              dX[n,c,y,x] = sum_{i,j : (y, x) in window (i, j)} dY[n,c,i,j] / D[i,j],
              D[i,j] the window's size inside the padded input (count_include_pad) or inside
              the input only; a ceil_mode window is clipped to the padded input first
  Adaptive    Y = A_h X A_w^T with A[i, y] = 1 / (e_i - s_i) for s_i <= y < e_i,
              s_i = floor(i S / O), e_i = ceil((i + 1) S / O);  dX = A_h^T dY A_w

>>> import numpy as np
>>> y, _ = max_forward(np, {}, np.array([[[[1.0, 3.0], [3.0, 0.0]]]]), {"kernel_size": 2})
>>> y.tolist()  # the tie 3 = 3 routes the gradient to the first 3
[[[[3.0]]]]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from derive.errors import InputError
from derive.numeric.layers.registry import Cache, Config, State, option, pair, register
from derive.numeric.layers.windows import output_size, patches, scatter


def pool_geometry(config: Config, size: tuple[int, ...], dilated: bool) -> dict[str, Any]:
    """kernel, stride (default: the kernel), dilation, padding and output size."""
    kernel = pair(option(config, "kernel_size", None))
    stride = pair(option(config, "stride", None) or kernel)
    dilation = pair(option(config, "dilation", 1)) if dilated else (1, 1)
    pad = pair(option(config, "padding", 0))
    if any(2 * p > k for p, k in zip(pad, kernel, strict=True)):
        raise InputError(f"pool: padding {pad} must be at most half the kernel {kernel}")
    ceil_mode = bool(option(config, "ceil_mode", False))
    out = tuple(output_size(n, k, s, d, p, ceil_mode) for n, k, s, d, p
                in zip(size, kernel, stride, dilation, pad, strict=True))
    return {"kernel": kernel, "stride": stride, "dilation": dilation,
            "pads": [(p, p) for p in pad], "out": out, "size": size}


def _flat(cols: Any) -> Any:
    """(N, C, kH, kW, oH, oW) -> (N, C, kH kW, oH, oW)."""
    return cols.reshape(*cols.shape[:2], -1, *cols.shape[4:])


def max_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = the maximum of each window; the cache keeps the first argmax."""
    geo = pool_geometry(config, tuple(x.shape[2:]), dilated=True)
    cols = _flat(patches(xp, x, geo["kernel"], geo["stride"], geo["dilation"], geo["pads"],
                         geo["out"], fill=-math.inf))
    argmax = cols.argmax(axis=2)
    y = xp.take_along_axis(cols, argmax[:, :, None], axis=2)[:, :, 0]
    return y, {"argmax": argmax, "geometry": geo}


def max_backward(xp: Any, state: State, cache: Cache, dy: Any,
                 config: Config) -> tuple[Any, dict[str, Any]]:
    """dX: each dY entry added to its window's first argmax."""
    geo, argmax = cache["geometry"], cache["argmax"]
    positions = xp.arange(geo["kernel"][0] * geo["kernel"][1]).reshape(1, 1, -1, 1, 1)
    dcols = (positions == argmax[:, :, None]) * dy[:, :, None]
    dcols = dcols.reshape(*dy.shape[:2], *geo["kernel"], *geo["out"])
    return scatter(xp, dcols, geo["size"], geo["kernel"], geo["stride"], geo["dilation"],
                   geo["pads"]), {}


def _divisor(xp: Any, x: Any, geo: dict[str, Any], config: Config) -> Any:
    """D[i, j]: the entries of each window counted by the mean, shape (oH, oW)."""
    if option(config, "divisor_override", None):
        return float(option(config, "divisor_override", None))
    (ph, _), (pw, _) = geo["pads"]
    h, w = geo["size"]
    ones = xp.ones((1, 1, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    if not option(config, "count_include_pad", True):
        ones[..., :ph, :], ones[..., h + ph:, :] = 0.0, 0.0
        ones[..., :, :pw], ones[..., :, w + pw:] = 0.0, 0.0
    cols = patches(xp, ones, geo["kernel"], geo["stride"], (1, 1), [(0, 0), (0, 0)],
                   geo["out"])
    return _flat(cols).sum(axis=2)[0, 0]


def avg_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = the window sum over D (see the module docstring)."""
    geo = pool_geometry(config, tuple(x.shape[2:]), dilated=False)
    cols = _flat(patches(xp, x, geo["kernel"], geo["stride"], (1, 1), geo["pads"], geo["out"]))
    divisor = _divisor(xp, x, geo, config)
    return cols.sum(axis=2) / divisor, {"geometry": geo, "divisor": divisor}


def avg_backward(xp: Any, state: State, cache: Cache, dy: Any,
                 config: Config) -> tuple[Any, dict[str, Any]]:
    """dX: each dY entry over D, spread over its window."""
    geo = cache["geometry"]
    share = dy / cache["divisor"]
    dcols = xp.broadcast_to(share[:, :, None, None], (*dy.shape[:2], *geo["kernel"],
                                                      *geo["out"]))
    return scatter(xp, dcols, geo["size"], geo["kernel"], geo["stride"], (1, 1),
                   geo["pads"]), {}


def averaging(size: int, out: int) -> np.ndarray:
    """A[i, y] = 1 / (e_i - s_i) on torch's adaptive window i (host array, (out, size))."""
    A = np.zeros((out, size))
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        A[i, start:end] = 1.0 / (end - start)
    return A


def adaptive_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = A_h X A_w^T."""
    wanted = option(config, "output_size", None)
    wanted = (wanted, wanted) if isinstance(wanted, int) or wanted is None else tuple(wanted)
    out = tuple(n if o is None else int(o) for n, o in zip(x.shape[-2:], wanted, strict=True))
    A_h, A_w = (xp.asarray(averaging(n, o)) for n, o in zip(x.shape[-2:], out, strict=True))
    return A_h @ x @ A_w.T, {"A_h": A_h, "A_w": A_w}


def adaptive_backward(xp: Any, state: State, cache: Cache, dy: Any,
                      config: Config) -> tuple[Any, dict[str, Any]]:
    """dX = A_h^T dY A_w."""
    return cache["A_h"].T @ dy @ cache["A_w"], {}


register("MaxPool2d", max_forward, max_backward,
         kink="at tied maxima the first maximum of the window, in row-major order, takes all "
              "of dL/dY")
register("AvgPool2d", avg_forward, avg_backward)
register("AdaptiveAvgPool2d", adaptive_forward, adaptive_backward)
