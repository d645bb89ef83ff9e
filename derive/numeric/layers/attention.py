"""Scaled dot-product attention and MultiheadAttention (torch's parameter layout).

  S[i,j] = scale sum_e Q[i,e] K[j,e] + M[i,j]   (scale = 1/sqrt(d); M = 0 or -inf, the mask)
  P[i,:] = softmax(S[i,:]);  O[i,f] = sum_j P[i,j] V[j,f]
  dV = P^T dO;  dP = dO V^T;  dS[i,j] = P[i,j] (dP[i,j] - sum_k dP[i,k] P[i,k])
  dQ = scale dS K;  dK = scale dS^T Q
MultiheadAttention: Q_h = X_q Wq_h^T + bq_h with [Wq; Wk; Wv] = in_proj_weight (3E x E) and
in_proj_bias, h heads of d = E/h columns each, O = concat_h(O_h) out_proj.weight^T +
out_proj.bias; its backward chains the Linear rule (dW = dY^T X) through the heads.
Masks: `scaled_dot_product_attention` reads a bool attn_mask as torch's function does (True
takes part); `MultiheadAttention` as the module does (True is masked out). is_causal masks
j > i (torch's top-left alignment). Attention dropout is not modelled (dropout off).

>>> import numpy as np
>>> q = k = v = np.eye(2)[None]
>>> y, _ = sdpa_forward(np, {}, (q, k, v), {"is_causal": True})
>>> y[0, 0].tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import math
from typing import Any

from derive.errors import InputError
from derive.numeric.layers.linear import linear_backward, linear_forward
from derive.numeric.layers.registry import Cache, Config, State, option, register
from derive.numeric.losses import log_softmax


def additive_mask(xp: Any, config: Config, shape: tuple[int, int], true_masks: bool) -> Any:
    """M: 0 where attention is allowed, -inf where masked (or the float mask itself), or None."""
    mask, causal = config.get("attn_mask"), option(config, "is_causal", False)
    result = None
    if mask is not None:
        if mask.dtype == bool:
            blocked = mask if true_masks else ~mask
            mask = xp.where(blocked, -math.inf, 0.0)
        result = mask
    if causal:
        allowed = xp.tril(xp.ones(shape, dtype=bool))
        causal_mask = xp.where(allowed, 0.0, -math.inf)
        result = causal_mask if result is None else result + causal_mask
    return result


def attend(xp: Any, q: Any, k: Any, v: Any, mask: Any, scale: float) -> tuple[Any, Cache]:
    """O = softmax(scale Q K^T + M) V over the last two axes."""
    scores = scale * (q @ k.swapaxes(-1, -2))
    if mask is not None:
        scores = scores + mask
    p = xp.exp(log_softmax(xp, scores))
    return p @ v, {"q": q, "k": k, "v": v, "p": p, "scale": scale}


def attend_backward(cache: Cache, do: Any) -> tuple[Any, Any, Any]:
    """(dQ, dK, dV) from dO (formulas in the module docstring)."""
    q, k, v, p, scale = cache["q"], cache["k"], cache["v"], cache["p"], cache["scale"]
    dp = do @ v.swapaxes(-1, -2)
    ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True))
    return scale * (ds @ k), scale * (ds.swapaxes(-1, -2) @ q), p.swapaxes(-1, -2) @ do


def sdpa_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """torch.nn.functional.scaled_dot_product_attention of x = (Q, K, V), dropout off."""
    q, k, v = x
    scale = option(config, "scale", None) or 1.0 / math.sqrt(q.shape[-1])
    mask = additive_mask(xp, config, (q.shape[-2], k.shape[-2]), true_masks=False)
    return attend(xp, q, k, v, mask, scale)


def sdpa_backward(xp: Any, state: State, cache: Cache, dy: Any,
                  config: Config) -> tuple[Any, dict[str, Any]]:
    """dx = (dQ, dK, dV)."""
    return attend_backward(cache, dy), {}


def _heads(x: Any, h: int) -> Any:
    """(N, L, E) -> (N, h, L, E/h)."""
    return x.reshape(x.shape[0], x.shape[1], h, -1).swapaxes(1, 2)


def _merge(x: Any) -> Any:
    """(N, h, L, d) -> (N, L, h d)."""
    return x.swapaxes(1, 2).reshape(x.shape[0], x.shape[2], -1)


def _projections(state: State, E: int) -> list[dict[str, Any]]:
    W, b = state["in_proj_weight"], state.get("in_proj_bias")
    return [{"weight": W[i * E:(i + 1) * E], "bias": None if b is None else b[i * E:(i + 1) * E]}
            for i in range(3)]


def _batched(x: Any, config: Config) -> Any:
    """(N, L, E) from torch's layout: (L, N, E) unless batch_first, (L, E) unbatched."""
    if x.ndim == 2:
        return x[None]
    return x if option(config, "batch_first", False) else x.swapaxes(0, 1)


def _unbatched(y: Any, ndim: int, config: Config) -> Any:
    if ndim == 2:
        return y[0]
    return y if option(config, "batch_first", False) else y.swapaxes(0, 1)


def mha_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """nn.MultiheadAttention(query, key, value) -> attn_output; x is one array (self-attention)
    or (query, key, value)."""
    if config.get("key_padding_mask") is not None or option(config, "kdim", None):
        raise InputError("MultiheadAttention: key_padding_mask and kdim/vdim have no numerics")
    inputs = (x, x, x) if not isinstance(x, tuple) else x
    E, h = state["in_proj_weight"].shape[1], int(option(config, "num_heads", 1))
    batched = [_batched(t, config) for t in inputs]
    projected = [linear_forward(xp, s, t, config) for s, t in
                 zip(_projections(state, E), batched, strict=True)]
    mask = additive_mask(xp, config, (batched[0].shape[1], batched[1].shape[1]), True)
    q, k, v = (_heads(y, h) for y, _ in projected)
    o, attention = attend(xp, q, k, v, mask, 1.0 / math.sqrt(E // h))
    out = {"weight": state["out_proj.weight"], "bias": state.get("out_proj.bias")}
    y, out_cache = linear_forward(xp, out, _merge(o), config)
    return _unbatched(y, inputs[0].ndim, config), {
        "projected": [c for _, c in projected], "attention": attention, "out": out_cache,
        "self": not isinstance(x, tuple), "ndim": inputs[0].ndim,
        "weights": attention["p"].mean(axis=1)}


KEY = 1  # the key projection's block of in_proj_weight and in_proj_bias
KEY_BIAS = ("the key bias adds q_i . b_k to every score of row i, a shift the softmax "
            "ignores, so dL/db_k = 0 exactly")


def mha_backward(xp: Any, state: State, cache: Cache, dy: Any,
                 config: Config) -> tuple[Any, dict[str, Any]]:
    """Gradients of the inputs, in_proj_weight/bias and out_proj.weight/bias; the key
    bias's block of in_proj_bias is exactly 0 (`KEY_BIAS`), not the round-off of a sum."""
    E, h = state["in_proj_weight"].shape[1], int(option(config, "num_heads", 1))
    out = {"weight": state["out_proj.weight"], "bias": state.get("out_proj.bias")}
    do, out_grads = linear_backward(xp, out, cache["out"], _batched(dy, config), config)
    d_heads = attend_backward(cache["attention"], _heads(do, h))
    grads = {f"out_proj.{name}": g for name, g in out_grads.items()}
    grads["in_proj_weight"] = xp.zeros_like(state["in_proj_weight"])
    if state.get("in_proj_bias") is not None:
        grads["in_proj_bias"] = xp.zeros_like(state["in_proj_bias"])
    dx = []
    for i, (s, c, d) in enumerate(zip(_projections(state, E), cache["projected"], d_heads,
                                      strict=True)):
        d_in, g = linear_backward(xp, s, c, _merge(d), config)
        grads["in_proj_weight"][i * E:(i + 1) * E] = g["weight"]
        if "bias" in g and i != KEY:  # the key bias's block stays exactly 0 (KEY_BIAS)
            grads["in_proj_bias"][i * E:(i + 1) * E] = g["bias"]
        dx.append(_unbatched(d_in, cache["ndim"], config))
    return (dx[0] + dx[1] + dx[2] if cache["self"] else tuple(dx)), grads


register("scaled_dot_product_attention", sdpa_forward, sdpa_backward)
register("MultiheadAttention", mha_forward, mha_backward,
         ("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"))
