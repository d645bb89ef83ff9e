"""TransformerEncoderLayer: self-attention and a feed-forward block, each with a residual
connection and a LayerNorm, after (post-norm, torch's default) or before (norm_first).

  SA(X) = Dropout1(MHA(X, X, X));  FF(X) = Dropout2(Linear2(Dropout(act(Linear1(X)))))
  post-norm:  H = LN1(X + SA(X));  Y = LN2(H + FF(H))
              dH = J_LN2^T dY + J_FF^T J_LN2^T dY;  dX = J_LN1^T dH + J_SA^T J_LN1^T dH
  norm_first: H = X + SA(LN1(X));  Y = H + FF(LN2(H))
              dH = dY + J_LN2^T J_FF^T dY;  dX = dH + J_LN1^T J_SA^T dH
Each J^T is the backward rule of that layer (Linear, MultiheadAttention, LayerNorm,
Dropout, ReLU/GELU). Dropout is off (training=False, or p = 0) or applied with the masks
given in config["masks"] under "dropout", "dropout1" and "dropout2"; attention-weight
dropout is not modelled.
"""

from __future__ import annotations

from typing import Any

from derive.errors import InputError
from derive.numeric.layers.registry import Cache, Config, State, option, register
from derive.numeric.layers.sequence import Step, chain_backward, chain_forward

ACTIVATIONS = {"relu": "ReLU", "gelu": "GELU"}


def branches(config: Config) -> dict[str, list[Step]]:
    """The layers of each branch, with their state_dict prefixes."""
    activation = ACTIVATIONS.get(str(option(config, "activation", "relu")).lower())
    if activation is None:
        raise InputError("TransformerEncoderLayer: activation must be relu or gelu")
    p, training = float(option(config, "dropout", 0.1)), bool(option(config, "training", True))
    masks = config.get("masks") or {}

    def drop(name: str) -> Step:
        return Step(name, "Dropout", {"p": p, "training": training, "mask": masks.get(name)})

    norm = {"eps": float(option(config, "layer_norm_eps", 1e-5))}
    attention = {"num_heads": int(option(config, "nhead", 1)),
                 "batch_first": bool(option(config, "batch_first", False)),
                 "is_causal": bool(option(config, "is_causal", False)),
                 "attn_mask": config.get("src_mask")}
    return {"sa": [Step("self_attn", "MultiheadAttention", attention), drop("dropout1")],
            "ff": [Step("linear1", "Linear"), Step("act", activation), drop("dropout"),
                   Step("linear2", "Linear"), drop("dropout2")],
            "norm1": [Step("norm1", "LayerNorm", norm)],
            "norm2": [Step("norm2", "LayerNorm", norm)]}


def encoder_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y of the layer (formulas in the module docstring)."""
    b, tapes = branches(config), {}
    if option(config, "norm_first", False):
        n1, tapes["norm1"] = chain_forward(xp, b["norm1"], state, x)
        a, tapes["sa"] = chain_forward(xp, b["sa"], state, n1)
        h = x + a
        n2, tapes["norm2"] = chain_forward(xp, b["norm2"], state, h)
        f, tapes["ff"] = chain_forward(xp, b["ff"], state, n2)
        return h + f, {"tapes": tapes}
    a, tapes["sa"] = chain_forward(xp, b["sa"], state, x)
    h, tapes["norm1"] = chain_forward(xp, b["norm1"], state, x + a)
    f, tapes["ff"] = chain_forward(xp, b["ff"], state, h)
    y, tapes["norm2"] = chain_forward(xp, b["norm2"], state, h + f)
    return y, {"tapes": tapes}


def encoder_backward(xp: Any, state: State, cache: Cache, dy: Any,
                     config: Config) -> tuple[Any, dict[str, Any]]:
    """dX and the gradients of every tensor of the layer, by state_dict name."""
    tapes, grads = cache["tapes"], {}

    def back(branch: str, d: Any) -> Any:
        d, g = chain_backward(xp, tapes[branch], d)
        grads.update(g)
        return d

    if option(config, "norm_first", False):
        dh = dy + back("norm2", back("ff", dy))
        return dh + back("norm1", back("sa", dh)), grads
    d_sum2 = back("norm2", dy)
    dh = d_sum2 + back("ff", d_sum2)
    d_sum1 = back("norm1", dh)
    return d_sum1 + back("sa", d_sum1), grads


register("TransformerEncoderLayer", encoder_forward, encoder_backward,
         ("self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
          "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
          "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"))
