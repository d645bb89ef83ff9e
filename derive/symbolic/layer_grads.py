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

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from derive.errors import InputError
from derive.numeric.layers.registry import option, pair
from derive.symbolic.layer_forms import (
    FORMS,
    AllOf,
    Bound,
    Divides,
    IndexRelation,
    LayerForm,
    Within,
    indices,
    total,
)

IB = sympy.IndexedBase
X, Y, Wt, b = IB("X"), IB("Y"), IB("W"), IB("b")
dX, dY, dW, db = IB("dX"), IB("dY"), IB("dW"), IB("db")
Xp, dXp, dYd = IB("Xtilde"), IB("dXtilde"), IB("dYtilde")
N, Ci, Co, F = sympy.symbols("N C_in C_out F", integer=True, positive=True)
H1, H2, O1, O2 = sympy.symbols("H_1 H_2 O_1 O_2", integer=True, positive=True)
k1, k2, s, p, d = sympy.symbols("k_1 k_2 s p d", integer=True, positive=True)
n, o, c, i, j, u, v, y, x = indices("n o c i j u v y x")
C = sympy.Symbol("C", integer=True, positive=True)
WEIGHTS = {"weight": "W", "bias": "b"}  # torch's names of Linear's and Conv2d's tensors


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
                     ("rows are samples: Y = X W^T + b as torch.nn.Linear",), WEIGHTS)


def _square(config: Mapping[str, Any], name: str, default: Any) -> int:
    values = pair(option(config, name, default))
    if values[0] != values[1]:
        raise InputError(f"{name} {values}: the index form takes one {name} for both axes")
    return int(values[0])


def same_per_axis(config: Mapping[str, Any], names: tuple[str, ...]) -> None:
    """An InputError when one of `names` differs between the axes (at validation)."""
    for name in names:
        if config.get(name) is not None and config.get(name) not in ("same", "valid"):
            _square(config, name, None)


def _inside(y_: sympy.Expr, x_: sympy.Expr, h: sympy.Expr, w: sympy.Expr) -> sympy.Basic:
    """0 <= y_ < h and 0 <= x_ < w."""
    return Within(0, y_, h, 0, x_, w)


def padded(base: sympy.IndexedBase, h: sympy.Expr, w: sympy.Expr) -> sympy.Expr:
    """base[n, c, y - p, x - p] inside (p <= y < h + p, p <= x < w + p), 0 in the border of
    p zeros."""
    return sympy.Piecewise((base[n, c, y - p, x - p], Within(p, y, h + p, p, x, w + p)),
                           (0, True))


D1, D2 = sympy.symbols("D_1 D_2", integer=True, nonnegative=True)  # d(k - 1) per axis


def _dilated() -> sympy.Expr:
    """dY with s - 1 zeros between entries and D = d(k - 1) zeros before: entry (y, x) is
    dY[(y - D_1)/s, (x - D_2)/s] where s divides y - D_1 and x - D_2, inside the grid
    (D_1 <= y < D_1 + s O_1: with s | y - D_1, the row (y - D_1)/s is below O_1)."""
    a, e = sympy.floor((y - D1) / s), sympy.floor((x - D2) / s)
    on_grid = AllOf(Within(D1, y, D1 + s * O1, D2, x, D2 + s * O2),
                    Divides(s, y - D1), Divides(s, x - D2))
    return sympy.Piecewise((dY[n, o, a, e], on_grid), (0, True))


def _conv_padding(config: Mapping[str, Any], kernel: tuple[int, ...], dilation: int) -> int:
    """p, the zeros before each axis: the number given, 0 for 'valid', and for 'same'
    floor(d (k - 1) / 2), as torch (the odd zero goes after)."""
    padding = option(config, "padding", 0)
    if padding == "valid":
        return 0
    if padding != "same":
        return _square(config, "padding", 0)
    before = {dilation * (k - 1) // 2 for k in kernel}
    if len(before) != 1:
        raise InputError(f"Conv2d: padding='same' with kernel {tuple(kernel)} pads the axes "
                         "differently; the index form takes one padding for both axes")
    return before.pop()


g = sympy.Symbol("g", integer=True, positive=True)


def _conv_bind(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, int]]:
    w = np.asarray(bound.state["weight"])
    dilation = _square(bound.config, "dilation", 1)
    sizes = {N: bound.x.shape[0], Ci: bound.x.shape[1], Co: w.shape[0], H1: bound.x.shape[2],
             H2: bound.x.shape[3], O1: bound.y.shape[2], O2: bound.y.shape[3],
             k1: w.shape[2], k2: w.shape[3], s: _square(bound.config, "stride", 1),
             p: _conv_padding(bound.config, w.shape[2:], dilation), d: dilation,
             D1: dilation * (w.shape[2] - 1), D2: dilation * (w.shape[3] - 1)}
    groups = int(option(bound.config, "groups", 1) or 1)
    return ({"X": bound.x, "W": w, "b": bound.state.get("bias"), "dY": bound.dy},
            {**sizes, g: groups} if groups > 1 else sizes)


def _channels(groups: int) -> tuple[sympy.Expr, sympy.Expr, sympy.Expr, sympy.Expr]:
    """(input channel of filter o's channel c, output channel of input channel c's group's
    o-th filter, channel of c inside its group, channels per group): with groups g, filter
    o sees the C_in/g channels of its group floor(o g / C_out) (torch's grouped convolution)."""
    if groups == 1:
        return c, o, c, Ci
    per_in, per_out = Ci / g, Co / g
    return (sympy.floor(o * g / Co) * per_in + c, sympy.floor(c * g / Ci) * per_out + o,
            sympy.Mod(c, per_in), per_in)


def _padded_size(config: Mapping[str, Any]) -> tuple[sympy.Expr, sympy.Expr]:
    """Xtilde's size: H + 2p, or H + d(k - 1) for padding='same' (p before, the rest after)."""
    if config.get("padding") == "same":
        return H1 + d * (k1 - 1), H2 + d * (k2 - 1)
    return H1 + 2 * p, H2 + 2 * p


def conv2d_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """Conv2d with stride s, padding p (a number, 'valid' or 'same'), dilation d (one value
    for both axes) and groups g."""
    groups = int(config.get("groups", 1) or 1)
    same_per_axis(config, ("stride", "dilation", "padding"))
    if config.get("kernel_size") is not None:
        _conv_padding(config, pair(config["kernel_size"]), _square(config, "dilation", 1))
    has_bias = config.get("bias", True) is not False
    x_channel, y_channel, w_channel, per_group = _channels(groups)
    window = Wt[o, c, u, v] * Xp[n, x_channel, s * i + d * u, s * j + d * v]
    Hp, Wp = _padded_size(config)
    forward = (
        IndexRelation(Xp[n, c, y, x], padded(X, H1, H2), (N, Ci, Hp, Wp),
                      "Xtilde is X with p zeros around each image"),
        IndexRelation(Y[n, o, i, j], (b[o] if has_bias else 0) + total(
            window, (c, per_group), (u, k1), (v, k2)), (N, Co, O1, O2),
            "cross-correlation of the padded input with each filter (torch's convolution)"
            + ("; filter o sees the C_in/g channels of its group" if groups > 1 else ""),
            "Y"))
    rotated = dYd[n, y_channel, y + d * u, x + d * v] * Wt[y_channel, w_channel, k1 - 1 - u,
                                                            k2 - 1 - v]
    backward = [
        IndexRelation(dYd[n, o, y, x], _dilated(), (N, Co, Hp + D1, Wp + D2),
                      "dYtilde: dL/dY dilated by the stride (s - 1 zeros between entries), "
                      "with D = d(k - 1) zeros before and enough after"),
        IndexRelation(dXp[n, c, y, x], total(rotated, (o, Co / g if groups > 1 else Co),
                                             (u, k1), (v, k2)), (N, Ci, Hp, Wp),
                      "dL/dXtilde is the full cross-correlation of dYtilde with the kernel "
                      "rotated 180 degrees, i.e. the true convolution of dL/dY with W"
                      + (", over the C_out/g filters of c's group" if groups > 1 else "")),
        IndexRelation(dX[n, c, y, x], dXp[n, c, y + p, x + p], (N, Ci, H1, H2),
                      "dL/dX: the padding's entries dropped", "X"),
        IndexRelation(dW[o, c, u, v], total(dY[n, o, i, j] * Xp[n, x_channel, s * i + d * u,
                                                                  s * j + d * v],
                                            (n, N), (i, O1), (j, O2)),
                      (Co, per_group, k1, k2),
                      "dL/dW is the cross-correlation of the padded input with dL/dY",
                      "weight")]
    if has_bias:
        backward.append(IndexRelation(db[o], total(dY[n, o, i, j], (n, N), (i, O1), (j, O2)),
                                      (Co,), "dL/db: dL/dY summed over batch and positions",
                                      "bias"))
    factors = (("X", (N, Ci, H1, H2)), ("W", (Co, per_group, k1, k2)), ("b", (Co,)),
               ("Y", (N, Co, O1, O2)), ("dY", (N, Co, O1, O2)))
    return LayerForm("Conv2d", forward, tuple(backward), factors, _conv_bind,
                     _conv_notes(config, groups), WEIGHTS)


def _conv_notes(config: Mapping[str, Any], groups: int) -> tuple[str, ...]:
    notes = ["O = floor((H + 2p - d(k - 1) - 1)/s) + 1 per axis"]
    if config.get("padding") == "same":
        notes = ["padding='same': p = floor(d(k - 1)/2) zeros before, d(k - 1) - p after "
                 "(as torch), so O = H"]
    if groups > 1:
        notes.append(f"groups g = {groups}: the channels split into g groups; filter o reads "
                     "the C_in/g channels of group floor(o g / C_out)")
    return tuple(notes)


def _flat_identity() -> LayerForm:
    """Flatten of (N, F): already flat, so Y = X and dL/dX = dL/dY."""
    forward = (IndexRelation(Y[n, i], X[n, i], (N, F), "an N x F input is already flat: "
                             "Flatten is the identity", "Y"),)
    backward = (IndexRelation(dX[n, i], dY[n, i], (N, F), "dL/dX = dL/dY", "X"),)
    return LayerForm("Flatten", forward, backward, (("X", (N, F)), ("Y", (N, F))),
                     lambda bound: ({"X": bound.x, "dY": bound.dy},
                                    dict(zip((N, F), bound.x.shape, strict=True))))


def flatten_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """Flatten of (N, C, H_1, H_2) to (N, C H_1 H_2), row-major as torch."""
    if ndim == 2 and option(config, "start_dim", 1) == 1 and option(config, "end_dim", -1) in (
            -1, 1):
        return _flat_identity()
    if ndim != 4 or option(config, "start_dim", 1) != 1 or option(config, "end_dim", -1) != -1:
        raise InputError("Flatten: the index form takes an input N x F or N x C x H_1 x H_2 "
                         "and the default start_dim=1, end_dim=-1")
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


FORMS.update({"Linear": linear_form, "Conv2d": conv2d_form, "Flatten": flatten_form})
