"""Index-notation forward and backward of Linear, Conv2d, MaxPool2d, AvgPool2d and Flatten.

Each builder returns a `LayerForm` (see `layer_forms`); sizes are symbols, so the same
relations print for any instance, and `bind` reads their values from a numeric one. Conv2d:
dL/dW is the cross-correlation of the (padded) input with dL/dY; dL/dX is the full
cross-correlation of dL/dY, dilated by the stride, with the kernel rotated 180 degrees, i.e.
the true convolution of dL/dY with W (Goodfellow et al., Deep Learning, eq. 9.13-9.14).

>>> from derive.symbolic.layer_forms import form_of
>>> [r.target for r in form_of("Linear", {}, 2).backward]
['X', 'weight', 'bias']
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from derive.errors import InputError
from derive.numeric.layers.registry import option, pair
from derive.symbolic.layer_forms import FORMS, Bound, IndexRelation, LayerForm, indices, total

IB = sympy.IndexedBase
X, Y, Wt, b = IB("X"), IB("Y"), IB("W"), IB("b")
dX, dY, dW, db = IB("dX"), IB("dY"), IB("dW"), IB("db")
Xp, dXp, dYd = IB("Xtilde"), IB("dXtilde"), IB("dYtilde")
N, Ci, Co, F = sympy.symbols("N C_in C_out F", integer=True, positive=True)
H1, H2, O1, O2 = sympy.symbols("H_1 H_2 O_1 O_2", integer=True, positive=True)
k1, k2, s, p, d = sympy.symbols("k_1 k_2 s p d", integer=True, positive=True)
n, o, c, i, j, u, v, y, x = indices("n o c i j u v y x")


def linear_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """Y = X W^T + b, rows are samples (leading axes of a larger input count as rows)."""
    def bind(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, int]]:
        w = np.asarray(bound.state["weight"])
        rows = bound.x.reshape(-1, w.shape[1])
        arrays = {"X": rows, "W": w, "b": bound.state.get("bias"),
                  "dY": bound.dy.reshape(-1, w.shape[0])}
        return arrays, {N: rows.shape[0], Ci: w.shape[1], Co: w.shape[0]}

    has_bias = config.get("bias", True) is not False
    shift = b[o] if has_bias else 0
    forward = (IndexRelation(Y[n, o], shift + total(Wt[o, i] * X[n, i], (i, Ci)), (N, Co),
                             "each output is a bias plus a weighted sum of the inputs", "Y"),)
    backward = [
        IndexRelation(dX[n, i], total(dY[n, o] * Wt[o, i], (o, Co)), (N, Ci),
                      "dL/dX = dL/dY W: each input feeds every output", "X"),
        IndexRelation(dW[o, i], total(dY[n, o] * X[n, i], (n, N)), (Co, Ci),
                      "dL/dW = (dL/dY)^T X: summed over the batch", "weight")]
    if has_bias:
        backward.append(IndexRelation(db[o], total(dY[n, o], (n, N)), (Co,),
                                      "dL/db: dL/dY summed over the batch", "bias"))
    factors = (("X", (N, Ci)), ("W", (Co, Ci)), ("b", (Co,)), ("Y", (N, Co)))
    return LayerForm("Linear", forward, tuple(backward), factors, bind,
                     ("rows are samples: Y = X W^T + b as torch.nn.Linear",))


def _square(config: Mapping[str, Any], name: str, default: Any) -> int:
    values = pair(option(config, name, default))
    if values[0] != values[1]:
        raise InputError(f"{name} {values}: the index form takes one {name} for both axes")
    return int(values[0])


def _inside(y_: sympy.Expr, x_: sympy.Expr, h: sympy.Expr, w: sympy.Expr) -> sympy.Basic:
    return sympy.And(y_ >= 0, y_ <= h - 1, x_ >= 0, x_ <= w - 1)


def padded(base: sympy.IndexedBase, h: sympy.Expr, w: sympy.Expr) -> sympy.Expr:
    """base[n, c, y - p, x - p] inside, 0 in the border of p zeros."""
    return sympy.Piecewise((base[n, c, y - p, x - p], _inside(y - p, x - p, h, w)), (0, True))


def _dilated() -> sympy.Expr:
    """dY with s - 1 zeros between entries and D = d(k - 1) zeros before."""
    D1, D2 = d * (k1 - 1), d * (k2 - 1)
    a, e = sympy.floor((y - D1) / s), sympy.floor((x - D2) / s)
    on_grid = sympy.And(sympy.Eq(sympy.Mod(y - D1, s), 0), sympy.Eq(sympy.Mod(x - D2, s), 0),
                        _inside(y - D1, x - D2, s * (O1 - 1) + 1, s * (O2 - 1) + 1))
    return sympy.Piecewise((dY[n, o, a, e], on_grid), (0, True))


def _conv_bind(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, int]]:
    w = np.asarray(bound.state["weight"])
    sizes = {N: bound.x.shape[0], Ci: w.shape[1], Co: w.shape[0], H1: bound.x.shape[2],
             H2: bound.x.shape[3], O1: bound.y.shape[2], O2: bound.y.shape[3],
             k1: w.shape[2], k2: w.shape[3], s: _square(bound.config, "stride", 1),
             p: _square(bound.config, "padding", 0), d: _square(bound.config, "dilation", 1)}
    return {"X": bound.x, "W": w, "b": bound.state.get("bias"), "dY": bound.dy}, sizes


def conv2d_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """Conv2d with stride s, padding p, dilation d (one value for both axes), groups 1."""
    if int(config.get("groups", 1) or 1) != 1 or config.get("padding") in ("same", "valid"):
        raise InputError("Conv2d: the index form takes groups=1 and a numeric padding")
    has_bias = config.get("bias", True) is not False
    window = Wt[o, c, u, v] * Xp[n, c, s * i + d * u, s * j + d * v]
    Hp, Wp = H1 + 2 * p, H2 + 2 * p
    forward = (
        IndexRelation(Xp[n, c, y, x], padded(X, H1, H2), (N, Ci, Hp, Wp),
                      "Xtilde is X with p zeros around each image"),
        IndexRelation(Y[n, o, i, j], (b[o] if has_bias else 0) + total(
            window, (c, Ci), (u, k1), (v, k2)), (N, Co, O1, O2),
            "cross-correlation of the padded input with each filter (torch's convolution)",
            "Y"))
    rotated = dYd[n, o, y + d * u, x + d * v] * Wt[o, c, k1 - 1 - u, k2 - 1 - v]
    backward = [
        IndexRelation(dYd[n, o, y, x], _dilated(), (N, Co, Hp + d * (k1 - 1), Wp + d * (k2 - 1)),
                      "dYtilde: dL/dY dilated by the stride (s - 1 zeros between entries), "
                      "with d(k - 1) zeros before and enough after"),
        IndexRelation(dXp[n, c, y, x], total(rotated, (o, Co), (u, k1), (v, k2)), (N, Ci, Hp, Wp),
                      "dL/dXtilde is the full cross-correlation of dYtilde with the kernel "
                      "rotated 180 degrees, i.e. the true convolution of dL/dY with W"),
        IndexRelation(dX[n, c, y, x], dXp[n, c, y + p, x + p], (N, Ci, H1, H2),
                      "dL/dX: the padding's entries dropped", "X"),
        IndexRelation(dW[o, c, u, v], total(dY[n, o, i, j] * Xp[n, c, s * i + d * u,
                                                                  s * j + d * v],
                                            (n, N), (i, O1), (j, O2)), (Co, Ci, k1, k2),
                      "dL/dW is the cross-correlation of the padded input with dL/dY",
                      "weight")]
    if has_bias:
        backward.append(IndexRelation(db[o], total(dY[n, o, i, j], (n, N), (i, O1), (j, O2)),
                                      (Co,), "dL/db: dL/dY summed over batch and positions",
                                      "bias"))
    factors = (("X", (N, Ci, H1, H2)), ("W", (Co, Ci, k1, k2)), ("b", (Co,)),
               ("Y", (N, Co, O1, O2)), ("dY", (N, Co, O1, O2)))
    notes = ("O = floor((H + 2p - d(k - 1) - 1)/s) + 1 per axis",)
    return LayerForm("Conv2d", forward, tuple(backward), factors, _conv_bind, notes)


def _argmax_offsets(xt: np.ndarray, k: int, st: int, dl: int,
                    out: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(r, q) of the first maximum of every window of the padded input (row-major order,
    as torch picks among ties)."""
    r = np.zeros((*xt.shape[:2], *out), dtype=int)
    q = np.zeros_like(r)
    span = dl * (k - 1) + 1
    for a, e, ii, jj in itertools.product(*(range(m) for m in r.shape)):
        win = xt[a, e, st * ii:st * ii + span:dl, st * jj:st * jj + span:dl]
        r[a, e, ii, jj], q[a, e, ii, jj] = divmod(int(np.argmax(win)), k)
    return r, q


C = sympy.Symbol("C", integer=True, positive=True)
R, Q = IB("r"), IB("q")


def _pool_sizes(bound: Bound, dilated: bool) -> dict[sympy.Symbol, int]:
    k = _square(bound.config, "kernel_size", None)
    if bound.config.get("ceil_mode"):
        raise InputError("pooling: the index form takes ceil_mode=False")
    return {N: bound.x.shape[0], C: bound.x.shape[1], H1: bound.x.shape[2],
            H2: bound.x.shape[3], O1: bound.y.shape[2], O2: bound.y.shape[3], k1: k, k2: k,
            s: _square(bound.config, "stride", None) if bound.config.get("stride") else k,
            p: _square(bound.config, "padding", 0),
            d: _square(bound.config, "dilation", 1) if dilated else 1}


def _max_bind(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, int]]:
    sizes = _pool_sizes(bound, True)
    pad = sizes[p]
    xt = np.pad(bound.x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], constant_values=-np.inf)
    r, q = _argmax_offsets(xt, sizes[k1], sizes[s], sizes[d], bound.y.shape[2:])
    return {"X": bound.x, "dY": bound.dy, "r": r, "q": q}, sizes


def _crop(shape: tuple[sympy.Expr, ...]) -> IndexRelation:
    return IndexRelation(dX[n, c, y, x], dXp[n, c, y + p, x + p], shape,
                         "dL/dX: the padding's entries dropped", "X")


def maxpool_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """MaxPool2d: the gradient goes to the first maximum of each window."""
    Hp, Wp = H1 + 2 * p, H2 + 2 * p
    inf_pad = sympy.Piecewise((X[n, c, y - p, x - p], _inside(y - p, x - p, H1, H2)),
                              (-sympy.oo, True))
    at_max = (s * i + d * R[n, c, i, j], s * j + d * Q[n, c, i, j])
    forward = (
        IndexRelation(Xp[n, c, y, x], inf_pad, (N, C, Hp, Wp),
                      "Xtilde is X with p entries -inf around each image"),
        IndexRelation(Y[n, c, i, j], Xp[n, c, at_max[0], at_max[1]], (N, C, O1, O2),
                      "each output is its window's maximum; (r, q) is the first maximum of "
                      "the window in row-major order, so ties go to the first, as in torch",
                      "Y"))
    routed = dY[n, c, i, j] * sympy.KroneckerDelta(y, at_max[0]) * sympy.KroneckerDelta(
        x, at_max[1])
    backward = (IndexRelation(dXp[n, c, y, x], total(routed, (i, O1), (j, O2)),
                              (N, C, Hp, Wp), "each dL/dY entry goes to its window's "
                              "argmax (every other entry of the window gets 0)"),
                _crop((N, C, H1, H2)))
    factors = (("X", (N, C, H1, H2)), ("Y", (N, C, O1, O2)), ("r", (N, C, O1, O2)),
               ("q", (N, C, O1, O2)))
    return LayerForm("MaxPool2d", forward, backward, factors, _max_bind,
                     ("ties go to the first maximum (row-major), as torch does",))


def avgpool_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """AvgPool2d with count_include_pad=True (torch's default) and no divisor_override."""
    if config.get("count_include_pad") is False or config.get("divisor_override"):
        raise InputError("AvgPool2d: the index form takes count_include_pad=True and no "
                         "divisor_override")
    Hp, Wp = H1 + 2 * p, H2 + 2 * p
    mean = total(Xp[n, c, s * i + u, s * j + v], (u, k1), (v, k2)) / (k1 * k2)
    spread = dY[n, c, i, j] * sympy.KroneckerDelta(y, s * i + u) * sympy.KroneckerDelta(
        x, s * j + v)
    forward = (IndexRelation(Xp[n, c, y, x], padded(X, H1, H2), (N, C, Hp, Wp),
                             "Xtilde is X with p zeros around each image"),
               IndexRelation(Y[n, c, i, j], mean, (N, C, O1, O2),
                             "each output is the mean of its k_1 k_2 window", "Y"))
    backward = (IndexRelation(dXp[n, c, y, x], total(spread, (i, O1), (j, O2), (u, k1),
                                                     (v, k2)) / (k1 * k2), (N, C, Hp, Wp),
                              "each dL/dY entry is shared equally by its window's entries"),
                _crop((N, C, H1, H2)))
    factors = (("X", (N, C, H1, H2)), ("Y", (N, C, O1, O2)))
    return LayerForm("AvgPool2d", forward, backward, factors,
                     lambda bound: ({"X": bound.x, "dY": bound.dy}, _pool_sizes(bound, False)),
                     ("padding counts in the mean (count_include_pad=True)",))


def flatten_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """Flatten of (N, C, H_1, H_2) to (N, C H_1 H_2), row-major as torch."""
    if ndim != 4:
        raise InputError("Flatten: the index form takes an input N x C x H_1 x H_2")
    f = sympy.Symbol("f", integer=True)
    unflat = X[n, sympy.floor(f / (H1 * H2)), sympy.Mod(sympy.floor(f / H2), H1),
               sympy.Mod(f, H2)]
    forward = (IndexRelation(Y[n, f], unflat, (N, C * H1 * H2),
                             "entries in row-major order (the last index fastest)", "Y"),)
    backward = (IndexRelation(dX[n, c, y, x], dY[n, c * H1 * H2 + y * H2 + x], (N, C, H1, H2),
                              "dL/dX is dL/dY read back in the same order", "X"),)
    return LayerForm("Flatten", forward, backward, (("X", (N, C, H1, H2)),),
                     lambda bound: ({"X": bound.x, "dY": bound.dy},
                                    dict(zip((N, C, H1, H2), bound.x.shape, strict=True))))


FORMS.update({"Linear": linear_form, "Conv2d": conv2d_form, "MaxPool2d": maxpool_form,
              "AvgPool2d": avgpool_form, "Flatten": flatten_form})
