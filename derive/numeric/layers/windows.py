"""Sliding windows over the spatial axes of (N, C, *S) arrays, for convolution and pooling.

`patches` gathers, for every kernel offset k and output position o, the input entry
x[n, c, s o + d k - p] (zero or `fill` outside the input): shape (N, C, *K, *O). `scatter`
is its adjoint (the transpose of the same linear map): it adds each patch entry back where
it came from, which is how every backward here routes dL/dcols to dL/dx.

>>> import numpy as np
>>> x = np.arange(5.0).reshape(1, 1, 5)
>>> patches(np, x, (2,), (2,), (1,), ((0, 0),), (2,))[0, 0].tolist()
[[0.0, 2.0], [1.0, 3.0]]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

Pads = Sequence[tuple[int, int]]  # (before, after) per spatial axis


def output_size(size: int, kernel: int, stride: int, dilation: int, pad: int,
                ceil_mode: bool = False) -> int:
    """floor((S + 2p - d (k - 1) - 1) / s) + 1, or with ceil; as torch, a last window that
    would start in the right padding is dropped."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    if span < 0:
        raise ValueError(f"kernel {kernel} (dilation {dilation}) is larger than the padded "
                         f"input {size + 2 * pad}")
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def padded(xp: Any, x: Any, pads: Pads, fill: float = 0.0) -> Any:
    """x with `pads` entries of `fill` before and after each spatial axis (a negative
    `after` crops, as a window never reaches there)."""
    spatial = x.shape[2:]
    shape = (*x.shape[:2], *(s + lo + max(hi, 0) for s, (lo, hi) in zip(spatial, pads,
                                                                         strict=True)))
    out = xp.full(shape, fill, dtype=x.dtype)
    inner = tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads, strict=True))
    out[(slice(None), slice(None), *inner)] = x
    return out


def _window(offset: Sequence[int], stride: Sequence[int], dilation: Sequence[int],
            out: Sequence[int]) -> tuple[slice, ...]:
    """The slice of the padded input that kernel offset `offset` sees at every output."""
    return (slice(None), slice(None), *(
        slice(d * k, d * k + s * (o - 1) + 1, s)
        for k, s, d, o in zip(offset, stride, dilation, out, strict=True)))


def patches(xp: Any, x: Any, kernel: Sequence[int], stride: Sequence[int],
            dilation: Sequence[int], pads: Pads, out: Sequence[int],
            fill: float = 0.0) -> Any:
    """cols[n, c, *k, *o] = x_padded[n, c, s o + d k] (im2col), shape (N, C, *K, *O)."""
    xp_ = padded(xp, x, _reach(x.shape[2:], kernel, stride, dilation, pads, out), fill)
    cols = xp.zeros((*x.shape[:2], *kernel, *out), dtype=x.dtype)
    for offset in itertools.product(*(range(k) for k in kernel)):
        cols[(slice(None), slice(None), *offset)] = xp_[_window(offset, stride, dilation, out)]
    return cols


def scatter(xp: Any, cols: Any, size: Sequence[int], kernel: Sequence[int],
            stride: Sequence[int], dilation: Sequence[int], pads: Pads) -> Any:
    """The adjoint of `patches`: dx[n, c, i] = sum over (k, o) with s o + d k - p = i of
    dcols[n, c, *k, *o], shape (N, C, *size)."""
    out = cols.shape[2 + len(kernel):]
    reach = _reach(size, kernel, stride, dilation, pads, out)
    shape = (*cols.shape[:2], *(s + lo + max(hi, 0) for s, (lo, hi) in zip(size, reach,
                                                                           strict=True)))
    dx = xp.zeros(shape, dtype=cols.dtype)
    for offset in itertools.product(*(range(k) for k in kernel)):
        dx[_window(offset, stride, dilation, out)] += cols[(slice(None), slice(None), *offset)]
    inner = tuple(slice(lo, lo + s) for s, (lo, _) in zip(size, reach, strict=True))
    return dx[(slice(None), slice(None), *inner)]


def _reach(size: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
           dilation: Sequence[int], pads: Pads, out: Sequence[int]) -> list[tuple[int, int]]:
    """Padding that covers every window exactly: the given `before`; `after` as far as the
    last window reaches (more than given under ceil_mode, less when a stride skips the end)."""
    return [(lo, s * (o - 1) + d * (k - 1) + 1 - lo - n)
            for n, k, s, d, (lo, _), o in zip(size, kernel, stride, dilation, pads, out,
                                              strict=True)]
