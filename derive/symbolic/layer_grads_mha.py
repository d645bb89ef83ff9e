"""Index-notation forward and backward of torch.nn.MultiheadAttention (self-attention; see
`layer_forms`).

torch's layout: X and Y are (L, N, E) unless batch_first ((N, L, E)); in_proj_weight
W_in (3E x E) stacks the query, key and value projections, so head h's row c of projection s
(s = 0, 1, 2 for q, k, v) is W_in[s E + h d + c, :], d = E/H (Vaswani et al. 2017, sec. 3.2.2):

  Q[n,h,i,c] = b_in[h d + c] + sum_e W_in[h d + c, e] X[i,n,e]   (K: + E, V: + 2E)
  S = Q K^T / sqrt(d) + M,  A = softmax over each row of S,  O = A V  (per head)
  Ocat[n,i,p] = O[n, floor(p/d), i, p mod d],  Y = Ocat W_out^T + b_out.

Backward: dOcat = dY W_out, dW_out = dY^T Ocat, dO per head, dV = A^T dO, dA = dO V^T,
dS = A * (dA - rowsum(A * dA)), dQ = dS K / sqrt(d), dK = dS^T Q / sqrt(d); dQKV stacks
dQ, dK, dV of every head in in_proj_weight's row order (the gradient of torch's packed
projection X W_in^T + b_in), so dL/d in_proj_weight = dQKV^T X, all three blocks at once, and
dX = dQKV W_in sums the three projections' X-gradients (the same X feeds all three).

>>> from derive.symbolic.layer_forms import form_of
>>> [r.target for r in form_of("MultiheadAttention", {}, 3).backward][-4:]
['', 'X', 'in_proj_weight', 'in_proj_bias']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from derive.errors import InputError
from derive.numeric.layers.attention import KEY_BIAS
from derive.numeric.layers.registry import option
from derive.symbolic.build import add, mul
from derive.symbolic.layer_forms import (
    FORMS,
    Bound,
    IndexRelation,
    LayerForm,
    Within,
    indices,
    total,
)

IB = sympy.IndexedBase
X, Y, dX, dY, Mk = IB("X"), IB("Y"), IB("dX"), IB("dY"), IB("M")
W_in, b_in, W_out, b_out = IB("W_in"), IB("b_in"), IB("W_out"), IB("b_out")
Q, K, V, S, A, Ocat = IB("Q"), IB("K"), IB("V"), IB("S"), IB("A"), IB("O^{cat}")
O = IB("O")  # noqa: E741  (the attention output, as the paper names it)
dQ, dK, dV, dS, dA, dO = (IB(name) for name in ("dQ", "dK", "dV", "dS", "dA", "dO"))
dOcat, dW_out, db_out = IB("dO^{cat}"), IB("dW_out"), IB("db_out")
dQKV, dW_in, db_in = IB("dQKV"), IB("dW_in"), IB("db_in")
N, L, E, H, d = sympy.symbols("N L E H d", integer=True, positive=True)
n, h, i, j, c, e, p, q, m, r = indices("n h i j c e p q m r")
PROJECTED = (Q, K, V)


def _torch(base: sympy.IndexedBase, first: bool, row: Any, last: Any) -> sympy.Indexed:
    """base at example n, position `row`, feature `last` in torch's layout."""
    return base[n, row, last] if first else base[row, n, last]


def _bind(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, Any]]:
    """Arrays by base name and sizes of a self-attention instance (unbatched: N = 1)."""
    from derive.numeric.layers.attention import additive_mask

    if isinstance(bound.x, tuple):
        raise InputError("MultiheadAttention: the index form is self-attention (one input)")
    first = bool(option(bound.config, "batch_first", False))
    x, dy = np.asarray(bound.x, dtype=float), np.asarray(bound.dy, dtype=float)
    if x.ndim == 2:  # unbatched (L, E): one example
        x, dy = (x[None], dy[None]) if first else (x[:, None], dy[:, None])
    seq, batch = (x.shape[1], x.shape[0]) if first else x.shape[:2]
    heads = int(option(bound.config, "num_heads", 1))
    embed = x.shape[2]
    mask = additive_mask(np, bound.config, (seq, seq), true_masks=True)
    arrays = {"X": x, "dY": dy, "W_in": bound.state["in_proj_weight"],
              "b_in": bound.state.get("in_proj_bias"), "W_out": bound.state["out_proj.weight"],
              "b_out": bound.state.get("out_proj.bias"),
              "M": np.zeros((seq, seq)) if mask is None else mask}
    return arrays, {N: batch, L: seq, E: embed, H: heads, d: embed // heads}


def _row(s: int) -> sympy.Expr:
    """Row s E + h d + c of in_proj_weight, in the order it is written (2E + h d + c, never
    SymPy's c + 2E + h d)."""
    block = [] if s == 0 else [E] if s == 1 else [mul(s, E)]
    return add(*block, mul(h, d), c)


def _projections(first: bool, bias: bool) -> tuple[IndexRelation, ...]:
    """Q, K, V per head from rows s E + h d + c of W_in."""
    found = []
    for s, (base, name) in enumerate(zip(PROJECTED, "qkv", strict=True)):
        row = _row(s)
        shift = b_in[row] if bias else 0
        found.append(IndexRelation(
            base[n, h, i, c], shift + total(W_in[row, e] * _torch(X, first, i, e), (e, E)),
            (N, H, L, d), f"{name} of head h: rows {s}E + h d + c of in_proj_weight (s = {s})"))
    return tuple(found)


def _attention() -> tuple[IndexRelation, ...]:
    """Scores, weights and output of every head."""
    return (
        IndexRelation(S[n, h, i, j], total(Q[n, h, i, c] * K[n, h, j, c], (c, d)) / sympy.sqrt(d)
                      + Mk[i, j], (N, H, L, L), "scores of head h: Q K^T / sqrt(d) plus the "
                      "mask (0 where allowed, -inf where masked)"),
        IndexRelation(A[n, h, i, j], sympy.exp(S[n, h, i, j]) / total(sympy.exp(S[n, h, i, m]),
                                                                      (m, L)),
                      (N, H, L, L), "attention weights: softmax over each row of scores"),
        IndexRelation(O[n, h, i, c], total(A[n, h, i, j] * V[n, h, j, c], (j, L)),
                      (N, H, L, d), "output of head h: the weighted mean of its value rows"))


def _forward(first: bool, bias: bool) -> tuple[IndexRelation, ...]:
    concat = IndexRelation(Ocat[n, i, p], O[n, sympy.floor(p / d), i, sympy.Mod(p, d)],
                           (N, L, E), "the heads concatenated: feature p is head floor(p/d), "
                           "column p mod d")
    out = total(W_out[p, q] * Ocat[n, i, q], (q, E)) + (b_out[p] if bias else 0)
    shape = (N, L, E) if first else (L, N, E)
    return (*_projections(first, bias), *_attention(), concat,
            IndexRelation(_torch(Y, first, i, p), out, shape,
                          "out_proj: Y = O^cat W_out^T + b_out", "Y"))


def _out_backward(first: bool, bias: bool) -> tuple[IndexRelation, ...]:
    g = _torch(dY, first, i, p)
    found = [
        IndexRelation(dOcat[n, i, q], total(g * W_out[p, q], (p, E)), (N, L, E),
                      "dL/dO^cat = dL/dY W_out"),
        IndexRelation(dW_out[p, q], total(g * Ocat[n, i, q], (n, N), (i, L)), (E, E),
                      "dL/dW_out = (dL/dY)^T O^cat, summed over examples and positions",
                      "out_proj.weight")]
    if bias:
        found.append(IndexRelation(db_out[p], total(g, (n, N), (i, L)), (E,),
                                   "dL/db_out: dL/dY summed over examples and positions",
                                   "out_proj.bias"))
    found.append(IndexRelation(dO[n, h, i, c], dOcat[n, i, _row(0)], (N, H, L, d),
                               "dL/dO of head h: features h d + c of dL/dO^cat"))
    return tuple(found)


def _attention_backward() -> tuple[IndexRelation, ...]:
    root = sympy.sqrt(d)
    return (
        IndexRelation(dV[n, h, j, c], total(A[n, h, i, j] * dO[n, h, i, c], (i, L)),
                      (N, H, L, d), "dL/dV = A^T dL/dO per head"),
        IndexRelation(dA[n, h, i, j], total(dO[n, h, i, c] * V[n, h, j, c], (c, d)),
                      (N, H, L, L), "dL/dA = dL/dO V^T per head"),
        IndexRelation(dS[n, h, i, j], A[n, h, i, j] * (dA[n, h, i, j] - total(
            A[n, h, i, m] * dA[n, h, i, m], (m, L))), (N, H, L, L),
            "through each row's softmax: diag(a) - a a^T"),
        IndexRelation(dQ[n, h, i, c], total(dS[n, h, i, j] * K[n, h, j, c], (j, L)) / root,
                      (N, H, L, d), "dL/dQ = dL/dS K / sqrt(d)"),
        IndexRelation(dK[n, h, j, c], total(dS[n, h, i, j] * Q[n, h, i, c], (i, L)) / root,
                      (N, H, L, d), "dL/dK = (dL/dS)^T Q / sqrt(d)"))


def _stacked() -> IndexRelation:
    """dL/dQ, dL/dK, dL/dV of every head side by side, feature r as row r of in_proj_weight
    (r = s E + h d + c): the gradient of torch's packed projection X W_in^T + b_in."""
    def block(s: int, base: sympy.IndexedBase) -> sympy.Indexed:
        offset = add(r, mul(-s, E)) if s else r
        return base[n, sympy.floor(offset / d), i, sympy.Mod(offset, d)]
    return IndexRelation(
        dQKV[n, i, r], sympy.Piecewise((block(0, dQ), Within(0, r, E)),
                                       (block(1, dK), Within(E, r, 2 * E)), (block(2, dV), True)),
        (N, L, 3 * E), "dL/dQ, dL/dK and dL/dV of every head side by side, feature r as row r "
        "of in_proj_weight (block floor(r/E): q, k, v; head floor((r mod E)/d); column r mod d)")


def _in_backward(first: bool, bias: bool) -> tuple[IndexRelation, ...]:
    """dX through the three projections, then in_proj_weight and in_proj_bias, every row
    (the query, key and value blocks) in one relation each."""
    found = [_stacked(),
             IndexRelation(_torch(dX, first, i, e), total(W_in[r, e] * dQKV[n, i, r], (r, 3 * E)),
                           (N, L, E) if first else (L, N, E),
                           "dL/dX: the sum over the three projections (X is the query, the "
                           "key and the value)", "X"),
             IndexRelation(dW_in[r, e], total(dQKV[n, i, r] * _torch(X, first, i, e), (n, N),
                                              (i, L)), (3 * E, E),
                           "dL/d in_proj_weight: rows 0 .. E - 1 from dL/dQ, E .. 2E - 1 from "
                           "dL/dK, 2E .. 3E - 1 from dL/dV", "in_proj_weight")]
    if bias:
        summed = total(dQKV[n, i, r], (n, N), (i, L))
        found.append(IndexRelation(
            db_in[r], sympy.Piecewise((0, Within(E, r, 2 * E)), (summed, True)), (3 * E,),
            f"dL/d in_proj_bias: the stacked gradients summed over examples and positions; "
            f"its key block (rows E .. 2E - 1) is 0, since {KEY_BIAS}", "in_proj_bias"))
    return tuple(found)


def _notes(first: bool, causal: bool) -> tuple[str, ...]:
    """The names, the layout and the mask, as the form's notes."""
    notes = ("W_in = in_proj_weight, b_in = in_proj_bias, W_out = out_proj.weight, "
             "b_out = out_proj.bias; d = E/H",
             "X and Y as torch takes them: " + ("(N, L, E), batch_first" if first else
                                                "(L, N, E)") + "; an unbatched (L, E) is N = 1",
             "row r = s E + h d + c of in_proj_weight (and of dQKV's features) belongs to "
             "projection s (0: q, 1: k, 2: v), head h, column c",
             "dropout off")
    causal_note = "causal mask: M[i, j] = -inf for j > i (position i attends to j <= i)"
    return notes + ((causal_note,) if causal else ())


def mha_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """MultiheadAttention(E, H) as self-attention, in torch's layout; optional attn_mask
    (bool: True is masked out) or is_causal."""
    if option(config, "kdim", None) or option(config, "vdim", None) or \
            config.get("add_bias_kv") or config.get("add_zero_attn"):
        raise InputError("MultiheadAttention: the index form takes kdim = vdim = E, no "
                         "add_bias_kv or add_zero_attn")
    first = bool(option(config, "batch_first", False))
    bias = config.get("bias", True) is not False
    backward = (*_out_backward(first, bias), *_attention_backward(), *_in_backward(first, bias))
    io = (N, L, E) if first else (L, N, E)
    factors = (("X", io), ("W_in", (3 * E, E)), ("b_in", (3 * E,)), ("Q, K, V", (N, H, L, d)),
               ("M", (L, L)), ("S, A", (N, H, L, L)), ("O", (N, H, L, d)),
               ("O^cat", (N, L, E)), ("W_out", (E, E)), ("b_out", (E,)), ("Y", io))
    return LayerForm("MultiheadAttention", _forward(first, bias), backward,
                     factors if bias else tuple(f for f in factors if f[0][0] != "b"),
                     _bind, _notes(first, bool(option(config, "is_causal", False))))


FORMS["MultiheadAttention"] = mha_form
