"""Rules of TransformerEncoderLayer and TransformerDecoderLayer, with torch's names.

Encoder: self_attn (a MultiheadAttention), linear1 (F, E), linear2 (E, F), norm1, norm2.
Decoder: also multihead_attn (attention to the memory) and norm3; it reads two inputs,
(target, memory). bias=False drops every bias, the layer norms' too. norm_first moves the
norms, not the counts.
"""

from __future__ import annotations

from derive.models import arguments as a
from derive.models.attention import (
    E,
    F,
    _attention_formula,
    _heads_divide,
    _sequence,
    attention_macs,
    attention_tensors,
)
from derive.models.rules import REQUIRED, Args, Count, Param, Rule, Shape, Tensor, register
from derive.symbolic.build import add, mul


def _tensors(args: Args, shapes: tuple[Shape, ...], decoder: bool) -> tuple[Tensor, ...]:
    e, f, bias = args["d_model"], args["dim_feedforward"], args["bias"]
    result = list(attention_tensors(e, bias, e, e, "self_attn."))
    if decoder:
        result += attention_tensors(e, bias, e, e, "multihead_attn.")
    for name, shape in (("linear1", (f, e)), ("linear2", (e, f))):
        result.append(Tensor(f"{name}.weight", shape))
        if bias:
            result.append(Tensor(f"{name}.bias", shape[:1]))
    for norm in ("norm1", "norm2", "norm3")[:3 if decoder else 2]:
        result += [Tensor(f"{norm}.weight", (e,))] + ([Tensor(f"{norm}.bias", (e,))]
                                                       if bias else [])
    return tuple(result)


def _count(args: Args, decoder: bool) -> Count:
    bias = args["bias"]
    attention = _attention_formula(bias)
    feed_forward = add(mul(2, E, F), F, E) if bias else mul(2, E, F)
    norms = mul(3 if decoder else 2, 2 if bias else 1, E)
    terms = [attention, attention] if decoder else [attention]
    return Count(add(*terms, feed_forward, norms), {E: args["d_model"],
                                                     F: args["dim_feedforward"]},
                 ("two attentions" if decoder else "self-attention")
                 + " 4E^2 (+4E biases), feed-forward 2EF (+F+E), layer norms 2E each")


def _rule(name: str, decoder: bool) -> Rule:
    def output(args: Args, shapes: tuple[Shape, ...]) -> Shape:
        length = _sequence(shapes[0], args["d_model"], "target" if decoder else "input")
        if decoder:
            _sequence(shapes[1], args["d_model"], "memory")
        return (length, args["d_model"])

    def macs(args: Args, shapes: tuple[Shape, ...], out: Shape) -> int:
        e, length = args["d_model"], shapes[0][0]
        total = attention_macs(e, length, length, e, e) + 2 * length * e * args["dim_feedforward"]
        if decoder:
            total += attention_macs(e, length, shapes[1][0], e, e)
        return total

    return Rule(
        name,
        (Param("d_model", REQUIRED, a.size), Param("nhead", REQUIRED, a.size),
         Param("dim_feedforward", 2048, a.size), Param("dropout", 0.1, a.real),
         Param("activation", "relu", a.choice("relu", "gelu")),
         Param("layer_norm_eps", 1e-5, a.real), Param("batch_first", False, a.flag),
         Param("norm_first", False, a.flag), Param("bias", True, a.flag)),
        output=output, tensors=lambda args, shapes: _tensors(args, shapes, decoder),
        count=lambda args, shapes: _count(args, decoder), macs=macs,
        inputs=(2,) if decoder else (1,), validate=_heads_divide("d_model"), keep_field=False)


register(_rule("TransformerEncoderLayer", False), _rule("TransformerDecoderLayer", True))
