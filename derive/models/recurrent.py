"""Rules of RNN, LSTM and GRU, with torch's parameter names.

Per layer l and direction (suffix ``_reverse`` for the backward one), with G gates (RNN 1,
GRU 3, LSTM 4), hidden size H and output size H_o (LSTM's proj_size P when given, else H):
weight_ih_l{l} (G H, input), weight_hh_l{l} (G H, H_o), bias_ih_l{l} and bias_hh_l{l}
(G H each: torch keeps two bias vectors), weight_hr_l{l} (P, H) for a projection. Layer
l > 0 reads D H_o numbers (D = 2 when bidirectional). The output per example is
(L, D H_o); MACs count the gate products per step, G H (input + H_o) (+ P H), as
flop_counter sees them when the recurrence is not fused (it sees 0 in oneDNN's LSTM).
"""

from __future__ import annotations

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

n_in, H, P, D, N = sympy.symbols("I H P D N", integer=True, positive=True)
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def _sizes(rule: str, args: Args) -> tuple[int, int, int, int]:
    """Gates, hidden size, output size per direction, directions."""
    proj = args.get("proj_size") or 0
    return GATES[rule], args["hidden_size"], proj or args["hidden_size"], \
        2 if args["bidirectional"] else 1


def _check(args: Args, label: str) -> None:
    if args.get("proj_size") and args["proj_size"] >= args["hidden_size"]:
        raise InputError(f"{label}: proj_size {args['proj_size']} must be smaller than "
                         f"hidden_size {args['hidden_size']}")


def _rule(name: str, params: tuple[Param, ...]) -> Rule:
    def output(args: Args, shapes: tuple[Shape, ...]) -> Shape:
        shape = shapes[0]
        if len(shape) != 2 or shape[1] != args["input_size"]:
            raise ShapeError(f"expects (sequence length, {args['input_size']}) per example, "
                             f"got {' x '.join(map(str, shape))}")
        gates, hidden, out, directions = _sizes(name, args)
        return (shape[0], directions * out)

    def tensors(args: Args, shapes: tuple[Shape, ...]) -> tuple[Tensor, ...]:
        gates, hidden, out, directions = _sizes(name, args)
        result: list[Tensor] = []
        for layer in range(args["num_layers"]):
            width = args["input_size"] if layer == 0 else directions * out
            for suffix in ("", "_reverse")[:directions]:
                tag = f"_l{layer}{suffix}"
                result += [Tensor("weight_ih" + tag, (gates * hidden, width)),
                           Tensor("weight_hh" + tag, (gates * hidden, out))]
                if args["bias"]:
                    result += [Tensor("bias_ih" + tag, (gates * hidden,)),
                               Tensor("bias_hh" + tag, (gates * hidden,))]
                if out != hidden:
                    result.append(Tensor("weight_hr" + tag, (out, hidden)))
        return tuple(result)

    def count(args: Args, shapes: tuple[Shape, ...]) -> Count:
        gates, hidden, out, directions = _sizes(name, args)
        h_o = P if out != hidden else H
        def per_direction(width: sympy.Expr) -> sympy.Expr:
            terms = [mul(gates, H, add(width, h_o))]
            terms += [mul(2, gates, H)] if args["bias"] else []
            terms += [mul(P, H)] if out != hidden else []
            return add(*terms) if len(terms) > 1 else terms[0]
        d = D if directions == 2 else 1
        total = per_direction(n_in)
        if args["num_layers"] > 1:
            total = add(total, mul(add(N, -1), per_direction(mul(d, h_o) if d != 1 else h_o)))
        given = {n_in: args["input_size"], H: hidden, P: out, D: directions,
                 N: args["num_layers"]}
        return Count(mul(D, total) if directions == 2 else total, given,
                     f"{gates} gate(s) of H units: input and hidden weights"
                     + (", two biases" if args["bias"] else "") + " per layer and direction")

    def macs(args: Args, shapes: tuple[Shape, ...], result: Shape) -> int:
        gates, hidden, out, directions = _sizes(name, args)
        steps, total = shapes[0][0], 0
        for layer in range(args["num_layers"]):
            width = args["input_size"] if layer == 0 else directions * out
            extra = out * hidden if out != hidden else 0
            total += directions * steps * (gates * hidden * (width + out) + extra)
        return total

    return Rule(name, params, output=output, tensors=tensors, count=count, macs=macs,
                validate=_check, keep_field=False)


HEAD = (Param("input_size", REQUIRED, a.size), Param("hidden_size", REQUIRED, a.size),
        Param("num_layers", 1, a.size))
TAIL = (Param("bias", True, a.flag), Param("batch_first", False, a.flag),
        Param("dropout", 0.0, a.real), Param("bidirectional", False, a.flag))

register(
    _rule("RNN", HEAD + (Param("nonlinearity", "tanh", a.choice("tanh", "relu")),) + TAIL),
    _rule("LSTM", HEAD + TAIL + (Param("proj_size", 0, a.count),)),
    _rule("GRU", HEAD + TAIL),
)
