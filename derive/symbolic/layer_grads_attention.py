"""Index-notation forward and backward of Softmax, LogSoftmax and scaled dot-product
attention (see `layer_forms`).

Attention (Vaswani et al. 2017, eq. 1): S = tau Q K^T + M, A = softmax over each row of S,
O = A V; backward dV = A^T dO, dA = dO V^T, dS = A * (dA - rowsum(A * dA)) (the softmax
Jacobian diag(a) - a a^T applied to each row), dQ = tau dS K, dK = tau dS^T Q.

>>> from derive.symbolic.layer_forms import form_of
>>> [r.target for r in form_of("scaled_dot_product_attention", {}, 3).backward]
['X2', '', '', 'X0', 'X1']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from derive.errors import InputError
from derive.numeric.layers.registry import option
from derive.symbolic.layer_forms import FORMS, Bound, IndexRelation, LayerForm, indices, total
from derive.symbolic.layer_grads import IB, X, Y, dX, dY

Q, K, V, S, A, Mk = (IB(name) for name in ("Q", "K", "V", "S", "A", "M"))
O = IB("O")  # noqa: E741  (the attention output, as the paper names it)
dQ, dK, dV, dS, dA, dO = (IB(name) for name in ("dQ", "dK", "dV", "dS", "dA", "dO"))
B, Lq, Lk, dk, dv, D = sympy.symbols("B L_q L_k d_k d_v D", integer=True, positive=True)
N = sympy.Symbol("N", integer=True, positive=True)
tau = sympy.Symbol("tau", positive=True)
b, i, j, m, k, v, n, e, e2 = indices("b i j m k v n e e_2")


def _rows(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, Any]]:
    x = bound.x.reshape(-1, bound.x.shape[-1])
    return {"X": x, "dY": bound.dy.reshape(x.shape)}, {N: x.shape[0], D: x.shape[1]}


def _last_axis(config: Mapping[str, Any], ndim: int, name: str) -> None:
    dim = config.get("dim")
    if dim is not None and dim not in (-1, ndim - 1):
        raise InputError(f"{name}: the index form takes dim=-1 (the last axis)")


def softmax_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """Softmax over the last axis; leading axes are rows n."""
    _last_axis(config, ndim, "Softmax")
    forward = (IndexRelation(Y[n, e], sympy.exp(X[n, e]) / total(sympy.exp(X[n, e2]), (e2, D)),
                             (N, D), "exponentials normalized over each row", "Y"),)
    backward = (IndexRelation(dX[n, e], Y[n, e] * (dY[n, e] - total(dY[n, e2] * Y[n, e2],
                                                                     (e2, D))), (N, D),
                              "the Jacobian diag(y) - y y^T of each row applied to dL/dY",
                              "X"),)
    return LayerForm("Softmax", forward, backward, (("X", (N, D)), ("Y", (N, D))), _rows)


def log_softmax_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """LogSoftmax over the last axis; leading axes are rows n."""
    _last_axis(config, ndim, "LogSoftmax")
    forward = (IndexRelation(Y[n, e], X[n, e] - sympy.log(total(sympy.exp(X[n, e2]), (e2, D))),
                             (N, D), "log of the softmax of each row", "Y"),)
    backward = (IndexRelation(dX[n, e], dY[n, e] - sympy.exp(Y[n, e]) * total(
        dY[n, e2], (e2, D)), (N, D), "dL/dX = dL/dY - softmax(X) (sum of dL/dY over the row)",
        "X"),)
    return LayerForm("LogSoftmax", forward, backward, (("X", (N, D)), ("Y", (N, D))), _rows)


def _attention_bind(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, Any]]:
    from derive.numeric.layers.attention import additive_mask

    q, kk, vv = (np.asarray(t) for t in bound.x)
    lead = q.shape[:-2]
    q, kk, vv = (t.reshape(-1, *t.shape[-2:]) for t in (q, kk, vv))
    mask = additive_mask(np, bound.config, (q.shape[1], kk.shape[1]), true_masks=False)
    scale = option(bound.config, "scale", None) or 1.0 / math.sqrt(q.shape[-1])
    arrays = {"Q": q, "K": kk, "V": vv, "dO": bound.dy.reshape(-1, *bound.dy.shape[len(lead):]),
              "M": np.zeros((q.shape[1], kk.shape[1])) if mask is None else mask}
    sizes = {B: q.shape[0], Lq: q.shape[1], Lk: kk.shape[1], dk: q.shape[2], dv: vv.shape[2],
             tau: scale}
    return arrays, sizes


def attention_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """scaled_dot_product_attention(Q, K, V) with an optional additive mask M (0 or -inf;
    is_causal: -inf above the diagonal); leading axes (batch, heads) are one index b."""
    if option(config, "dropout_p", 0.0):
        raise InputError("attention: the index form takes dropout_p=0")
    forward = (
        IndexRelation(S[b, i, j], tau * total(Q[b, i, k] * K[b, j, k], (k, dk)) + Mk[i, j],
                      (B, Lq, Lk), "scores: scaled dot products of queries and keys, plus "
                      "the mask (0 where allowed, -inf where masked)"),
        IndexRelation(A[b, i, j], sympy.exp(S[b, i, j]) / total(sympy.exp(S[b, i, m]), (m, Lk)),
                      (B, Lq, Lk), "attention weights: softmax over each row of scores"),
        IndexRelation(O[b, i, v], total(A[b, i, j] * V[b, j, v], (j, Lk)), (B, Lq, dv),
                      "each output row is the weighted mean of the value rows", "Y"))
    backward = (
        IndexRelation(dV[b, j, v], total(A[b, i, j] * dO[b, i, v], (i, Lq)), (B, Lk, dv),
                      "dL/dV = A^T dL/dO", "X2"),
        IndexRelation(dA[b, i, j], total(dO[b, i, v] * V[b, j, v], (v, dv)), (B, Lq, Lk),
                      "dL/dA = dL/dO V^T"),
        IndexRelation(dS[b, i, j], A[b, i, j] * (dA[b, i, j] - total(A[b, i, m] * dA[b, i, m],
                                                                     (m, Lk))), (B, Lq, Lk),
                      "through each row's softmax: diag(a) - a a^T"),
        IndexRelation(dQ[b, i, k], tau * total(dS[b, i, j] * K[b, j, k], (j, Lk)), (B, Lq, dk),
                      "dL/dQ = tau dL/dS K", "X0"),
        IndexRelation(dK[b, j, k], tau * total(dS[b, i, j] * Q[b, i, k], (i, Lq)), (B, Lk, dk),
                      "dL/dK = tau (dL/dS)^T Q", "X1"))
    factors = (("Q", (B, Lq, dk)), ("K", (B, Lk, dk)), ("V", (B, Lk, dv)), ("M", (Lq, Lk)),
               ("S", (B, Lq, Lk)), ("A", (B, Lq, Lk)), ("O", (B, Lq, dv)))
    return LayerForm("scaled_dot_product_attention", forward, backward, factors,
                     _attention_bind, ("tau = 1/sqrt(d_k) unless a scale is given",
                                       "dropout off"))


FORMS.update({"Softmax": softmax_form, "LogSoftmax": log_softmax_form,
              "scaled_dot_product_attention": attention_form})
