"""Index-notation forward and backward of MaxPool2d and AvgPool2d (see `layer_forms`).

Window counts per axis: O = floor((H + 2p - d(k - 1) - 1)/s) + 1, or with ceil_mode the
ceiling, less 1 when the last window would start in the right padding ((O - 1) s >= H + p),
as torch. With ceil_mode the last window may reach past the padded input: Xtilde is then
s(O - 1) + d(k - 1) + 1 long, its extra entries -inf (max) or 0 (average, not counted).
AvgPool2d divides by D[i, j], the entries of the window inside the padded input
(count_include_pad=True) or inside the input only (False), as torch's avg_pool2d.

>>> from derive.symbolic.layer_forms import form_of
>>> [str(r.lhs.base) for r in form_of("AvgPool2d", {"count_include_pad": False}, 4).forward]
['Xtilde', 'D', 'Y']
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from derive.errors import InputError
from derive.symbolic.layer_forms import FORMS, Bound, IndexRelation, LayerForm, Within, total
from derive.symbolic.layer_grads import (
    H1,
    H2,
    IB,
    O1,
    O2,
    C,
    N,
    X,
    Xp,
    Y,
    _inside,
    _square,
    c,
    d,
    dX,
    dXp,
    dY,
    i,
    j,
    k1,
    k2,
    n,
    p,
    padded,
    s,
    same_per_axis,
    u,
    v,
    x,
    y,
)

R, Q, Dv = IB("r"), IB("q"), IB("D")
CEIL = ("ceil_mode: O = ceil((H + 2p - d(k - 1) - 1)/s) + 1, less 1 when the last window "
        "would start in the right padding ((O - 1) s >= H + p), as torch")


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


def _pool_sizes(bound: Bound, dilated: bool) -> dict[sympy.Symbol, int]:
    k = _square(bound.config, "kernel_size", None)
    return {N: bound.x.shape[0], C: bound.x.shape[1], H1: bound.x.shape[2],
            H2: bound.x.shape[3], O1: bound.y.shape[2], O2: bound.y.shape[3], k1: k, k2: k,
            s: _square(bound.config, "stride", None) if bound.config.get("stride") else k,
            p: _square(bound.config, "padding", 0),
            d: _square(bound.config, "dilation", 1) if dilated else 1}


def _extent(config: Mapping[str, Any]) -> tuple[sympy.Expr, sympy.Expr]:
    """Xtilde's size: H + 2p, or with ceil_mode the windows' reach s(O - 1) + d(k - 1) + 1."""
    if config.get("ceil_mode"):
        return s * (O1 - 1) + d * (k1 - 1) + 1, s * (O2 - 1) + d * (k2 - 1) + 1
    return H1 + 2 * p, H2 + 2 * p


def _max_bind(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, int]]:
    sizes = _pool_sizes(bound, True)
    pad, (o1, o2) = sizes[p], bound.y.shape[2:]
    reach = [sizes[s] * (o - 1) + sizes[d] * (sizes[k1] - 1) + 1 for o in (o1, o2)]
    after = [max(pad, r - h - pad) for r, h in zip(reach, bound.x.shape[2:], strict=True)]
    xt = np.pad(bound.x, [(0, 0), (0, 0), (pad, after[0]), (pad, after[1])],
                constant_values=-np.inf)
    r, q = _argmax_offsets(xt, sizes[k1], sizes[s], sizes[d], bound.y.shape[2:])
    return {"X": bound.x, "dY": bound.dy, "r": r, "q": q}, sizes


def _crop(shape: tuple[sympy.Expr, ...]) -> IndexRelation:
    return IndexRelation(dX[n, c, y, x], dXp[n, c, y + p, x + p], shape,
                         "dL/dX: the padding's entries dropped", "X")


def maxpool_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """MaxPool2d: the gradient goes to the first maximum of each window."""
    same_per_axis(config, ("kernel_size", "stride", "padding", "dilation"))
    Hp, Wp = _extent(config)
    inf_pad = sympy.Piecewise((X[n, c, y - p, x - p], Within(p, y, H1 + p, p, x, H2 + p)),
                              (-sympy.oo, True))
    at_max = (s * i + d * R[n, c, i, j], s * j + d * Q[n, c, i, j])
    forward = (
        IndexRelation(Xp[n, c, y, x], inf_pad, (N, C, Hp, Wp),
                      "Xtilde is X with p entries -inf around each image"
                      + (" (and after, as far as the last window reaches)"
                         if config.get("ceil_mode") else "")),
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
    notes = ("ties go to the first maximum (row-major), as torch does",
             *((CEIL,) if config.get("ceil_mode") else ()))
    return LayerForm("MaxPool2d", forward, backward, factors, _max_bind, notes)


def _counted() -> IndexRelation:
    """D[i, j]: the window's entries inside the padded input (count_include_pad) or the
    input; a ceil_mode window is first clipped to the padded input, as torch."""
    row, col = s * i + u, s * j + v
    inside = _inside(row, col, H1 + 2 * p, H2 + 2 * p)
    return IndexRelation(Dv[i, j], total(sympy.Piecewise((1, inside), (0, True)),
                                         (u, k1), (v, k2)), (O1, O2),
                         "D: the entries of window (i, j) that the mean counts")


def _real_counted() -> IndexRelation:
    """D[i, j] with count_include_pad=False: the window's entries inside the input."""
    row, col = s * i + u - p, s * j + v - p
    return IndexRelation(Dv[i, j], total(sympy.Piecewise((1, _inside(row, col, H1, H2)),
                                                         (0, True)), (u, k1), (v, k2)),
                         (O1, O2), "D: the entries of window (i, j) inside the input "
                         "(count_include_pad=False: the padding is not counted)")


def avgpool_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """AvgPool2d (count_include_pad either way, ceil_mode either way, no divisor_override)."""
    if config.get("divisor_override"):
        raise InputError("AvgPool2d: the index form takes no divisor_override")
    same_per_axis(config, ("kernel_size", "stride", "padding"))
    plain = config.get("count_include_pad") is not False and not config.get("ceil_mode")
    divisor = k1 * k2 if plain else Dv[i, j]
    Hp, Wp = _extent(config)
    mean = total(Xp[n, c, s * i + u, s * j + v], (u, k1), (v, k2)) / divisor
    share = dY[n, c, i, j] if plain else dY[n, c, i, j] / divisor
    spread = share * sympy.KroneckerDelta(y, s * i + u) * sympy.KroneckerDelta(x, s * j + v)
    counted = () if plain else (
        _real_counted() if config.get("count_include_pad") is False else _counted(),)
    forward = (IndexRelation(Xp[n, c, y, x], padded(X, H1, H2), (N, C, Hp, Wp),
                             "Xtilde is X with p zeros around each image"), *counted,
               IndexRelation(Y[n, c, i, j], mean, (N, C, O1, O2),
                             f"each output is the mean of its {'k_1 k_2' if plain else 'D'} "
                             "window entries", "Y"))
    backward = (IndexRelation(dXp[n, c, y, x], total(spread, (i, O1), (j, O2), (u, k1),
                                                     (v, k2)) / (divisor if plain else 1),
                              (N, C, Hp, Wp),
                              "each dL/dY entry is shared equally by its window's entries"),
                _crop((N, C, H1, H2)))
    notes = ("padding counts in the mean (count_include_pad=True)"
             if config.get("count_include_pad") is not False else
             "only the input's entries count in the mean (count_include_pad=False)",
             *((CEIL,) if config.get("ceil_mode") else ()))
    return LayerForm("AvgPool2d", forward, backward, (("X", (N, C, H1, H2)),
                                                      ("Y", (N, C, O1, O2))),
                     lambda bound: ({"X": bound.x, "dY": bound.dy}, _pool_sizes(bound, False)),
                     notes)


FORMS.update({"MaxPool2d": maxpool_form, "AvgPool2d": avgpool_form})
