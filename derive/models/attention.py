"""Rules of MultiheadAttention, TransformerEncoderLayer and TransformerDecoderLayer.

MultiheadAttention (embedding E): in_proj_weight (3E, E) and in_proj_bias (3E) (or
q/k/v_proj_weight when kdim or vdim differ from E), out_proj.weight (E, E), out_proj.bias
(E), bias_k and bias_v (1, 1, E) with add_bias_kv. An encoder layer adds linear1 (F, E),
linear2 (E, F), norm1, norm2 (E each); a decoder layer a second attention
(multihead_attn) and norm3. bias=False drops every bias, the norms' too.

MACs, as flop_counter counts them: the projections (E^2 per position each), the scores
Q K^T and the weighted sum A V (L_q L_k E each, all heads together), and the
feed-forward products (2 E F per position); softmax, norms and adds are not counted.
(In eval mode torch's fused CPU attention is not in the counter's registry, so it reports
only the projections there; these are the counts of the standard, training-mode path.)
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from derive.errors import InputError
from derive.models import arguments as a
from derive.models.rules import (
    REQUIRED,
    Args,
    Count,
    Param,
    Rule,
    Shape,
    ShapeError,
    Tensor,
    register,
)
from derive.symbolic.build import add, mul

E, F = sympy.symbols("E F", integer=True, positive=True)


def _heads_divide(key: str) -> Callable[[Args, str], None]:
    def check(args: Args, label: str) -> None:
        if args[key] % args["num_heads" if "num_heads" in args else "nhead"]:
            raise InputError(f"{label}: the number of heads does not divide {key} {args[key]}")
    return check


def _sequence(shape: Shape, width: int, what: str) -> int:
    if len(shape) != 2 or shape[1] != width:
        raise ShapeError(f"expects the {what} as (sequence length, {width}) per example, got "
                         f"{' x '.join(map(str, shape))}")
    return shape[0]


def attention_tensors(e: int, bias: bool, kdim: int, vdim: int, prefix: str = "",
                      bias_kv: bool = False) -> tuple[Tensor, ...]:
    """torch.nn.MultiheadAttention's parameters, named as its state_dict names them."""
    if kdim == e and vdim == e:
        result = [Tensor(prefix + "in_proj_weight", (3 * e, e))]
    else:
        result = [Tensor(prefix + "q_proj_weight", (e, e)),
                  Tensor(prefix + "k_proj_weight", (e, kdim)),
                  Tensor(prefix + "v_proj_weight", (e, vdim))]
    if bias:
        result.append(Tensor(prefix + "in_proj_bias", (3 * e,)))
    if bias_kv:
        result += [Tensor(prefix + "bias_k", (1, 1, e)), Tensor(prefix + "bias_v", (1, 1, e))]
    result.append(Tensor(prefix + "out_proj.weight", (e, e)))
    return tuple(result + ([Tensor(prefix + "out_proj.bias", (e,))] if bias else []))


def attention_macs(e: int, l_q: int, l_k: int, kdim: int, vdim: int) -> int:
    """Projections, scores and weighted sum of one attention (all heads)."""
    return l_q * e * e + l_k * e * (kdim + vdim) + l_q * e * e + 2 * l_q * l_k * e


def _attention_formula(bias: bool) -> sympy.Expr:
    return add(mul(4, E**2), mul(4, E)) if bias else mul(4, E**2)


def _mha_output(args: Args, shapes: tuple[Shape, ...]) -> Shape:
    e = args["embed_dim"]
    kdim, vdim = args["kdim"] or e, args["vdim"] or e
    query, key, value = shapes if len(shapes) == 3 else shapes * 3
    l_q = _sequence(query, e, "query")
    if _sequence(key, kdim, "key") != _sequence(value, vdim, "value"):
        raise ShapeError("the key and the value have different lengths")
    return (l_q, e)


def _mha_tensors(args: Args, shapes: tuple[Shape, ...]) -> tuple[Tensor, ...]:
    e = args["embed_dim"]
    return attention_tensors(e, args["bias"], args["kdim"] or e, args["vdim"] or e,
                             bias_kv=args["add_bias_kv"])


def _mha_count(args: Args, shapes: tuple[Shape, ...]) -> Count:
    e = args["embed_dim"]
    if (args["kdim"] or e) != e or (args["vdim"] or e) != e or args["add_bias_kv"]:
        total = sum(t.numel for t in _mha_tensors(args, shapes))
        n = sympy.Symbol("n_params", integer=True)
        return Count(mul(1, n), {n: total}, "the sum of its tensors")
    return Count(_attention_formula(args["bias"]), {E: e},
                 "Q, K, V and output projections, E x E each" + (" with E biases" if
                                                                 args["bias"] else ""))


def _mha_macs(args: Args, shapes: tuple[Shape, ...], out: Shape) -> int:
    e = args["embed_dim"]
    query, key, _ = shapes if len(shapes) == 3 else shapes * 3
    extra = int(args["add_bias_kv"]) + int(args["add_zero_attn"])
    return attention_macs(e, query[0], key[0], args["kdim"] or e, args["vdim"] or e) + \
        2 * query[0] * extra * e


register(Rule(
    "MultiheadAttention",
    (Param("embed_dim", REQUIRED, a.size), Param("num_heads", REQUIRED, a.size),
     Param("dropout", 0.0, a.real), Param("bias", True, a.flag),
     Param("add_bias_kv", False, a.flag), Param("add_zero_attn", False, a.flag),
     Param("kdim", None, a.optional(a.size)), Param("vdim", None, a.optional(a.size)),
     Param("batch_first", False, a.flag)),
    output=_mha_output, tensors=_mha_tensors, count=_mha_count, macs=_mha_macs,
    inputs=(1, 3), validate=_heads_divide("embed_dim"),
    keep_field=False))
