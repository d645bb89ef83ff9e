"""Index-notation forward and backward of torch.nn.MultiheadAttention (self-attention; see
`layer_forms`).

torch's layout: X and Y are (L, N, E) unless batch_first ((N, L, E)); in_proj_weight
W_in (3E x E) stacks the query, key and value projections, so head h's row c of projection s
(s = 0, 1, 2 for q, k, v) is W_in[s E + h d + c, :], d = E/H (Vaswani et al. 2017, sec. 3.2.2):

  Q[n,h,i,c] = b_in[h d + c] + sum_e W_in[h d + c, e] X[i,n,e]   (K: + E, V: + 2E)
  S = Q K^T / sqrt(d) + M,  A = softmax over each row of S,  O = A V  (per head)
  Ocat[n,i,p] = O[n, floor(p/d), i, p mod d],  Y = Ocat W_out^T + b_out.

Backward: dOcat = dY W_out, dW_out = dY^T Ocat, dO per head, dV = A^T dO, dA = dO V^T,
dS = A * (dA - rowsum(A * dA)), dQ = dS K / sqrt(d), dK = dS^T Q / sqrt(d); each block of
dL/d in_proj_weight is dQ^T X (dK^T X, dV^T X) with rows h d + c, and dX sums the three
projections' X-gradients (the same X feeds all three).

>>> from derive.symbolic.layer_forms import form_of
>>> [(r.target, r.part) for r in form_of("MultiheadAttention", {}, 3).backward][-4:]
[('in_proj_weight', (2, 3)), ('in_proj_bias', (0, 3)), ('in_proj_bias', (1, 3)), \
('in_proj_bias', (2, 3))]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from derive.errors import InputError
from derive.numeric.layers.attention import KEY, KEY_BIAS
from derive.numeric.layers.registry import option
from derive.symbolic.build import add, mul
from derive.symbolic.layer_forms import FORMS, Bound, IndexRelation, LayerForm, indices, total

IB = sympy.IndexedBase
X, Y, dX, dY, Mk = IB("X"), IB("Y"), IB("dX"), IB("dY"), IB("M")
W_in, b_in, W_out, b_out = IB("W_in"), IB("b_in"), IB("W_out"), IB("b_out")
Q, K, V, S, A, Ocat = IB("Q"), IB("K"), IB("V"), IB("S"), IB("A"), IB("O^{cat}")
O = IB("O")  # noqa: E741  (the attention output, as the paper names it)
dQ, dK, dV, dS, dA, dO = (IB(name) for name in ("dQ", "dK", "dV", "dS", "dA", "dO"))
dOcat, dW_out, db_out = IB("dO^{cat}"), IB("dW_out"), IB("db_out")
dW_proj = (IB("dW_q"), IB("dW_k"), IB("dW_v"))
db_proj = (IB("db_q"), IB("db_k"), IB("db_v"))
N, L, E, H, d = sympy.symbols("N L E H d", integer=True, positive=True)
n, h, i, j, c, e, p, q, m = indices("n h i j c e p q m")
PROJECTED = (Q, K, V)
DERIVED = (dQ, dK, dV)


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


def _in_backward(first: bool, bias: bool) -> tuple[IndexRelation, ...]:
    """dX through the three projections, then the blocks of in_proj_weight and _bias."""
    through = sum((DERIVED[s][n, h, i, c] * W_in[_row(s), e] for s in range(3)),
                  sympy.Integer(0))
    found = [IndexRelation(_torch(dX, first, i, e), total(through, (h, H), (c, d)),
                           (N, L, E) if first else (L, N, E),
                           "dL/dX: the sum over the three projections (X is the query, the "
                           "key and the value)", "X")]
    for s, name in enumerate("qkv"):
        grad = total(DERIVED[s][n, h, i, c] * _torch(X, first, i, e), (n, N), (i, L))
        found.append(IndexRelation(
            dW_proj[s][h, c, e], grad, (H, d, E), f"block {s} of dL/d in_proj_weight (rows "
            f"{s}E + h d + c): (dL/d{name.upper()})^T X", "in_proj_weight", (s, 3)))
    if bias:
        for s, name in enumerate("qkv"):
            summed = s != KEY
            found.append(IndexRelation(
                db_proj[s][h, c], total(DERIVED[s][n, h, i, c], (n, N), (i, L)) if summed
                else sympy.Integer(0), (H, d),
                f"block {s} of dL/d in_proj_bias: " + (
                    f"dL/d{name.upper()} summed over examples and positions" if summed else
                    f"0, since {KEY_BIAS}"), "in_proj_bias", (s, 3)))
    return tuple(found)


def _notes(first: bool, causal: bool) -> tuple[str, ...]:
    """The names, the layout and the mask, as the form's notes."""
    notes = ("W_in = in_proj_weight, b_in = in_proj_bias, W_out = out_proj.weight, "
             "b_out = out_proj.bias; d = E/H",
             "X and Y as torch takes them: " + ("(N, L, E), batch_first" if first else
                                                "(L, N, E)") + "; an unbatched (L, E) is N = 1",
             "dL/dW_q[h, c, e] is row h d + c of in_proj_weight's gradient (dW_k: E + h d + "
             "c, dW_v: 2E + h d + c)",
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
