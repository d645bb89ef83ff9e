"""Rules of Conv1d/2d/3d and ConvTranspose1d/2d/3d.

weight: (C_out, C_in/groups, *kernel) for a convolution, (C_in, C_out/groups, *kernel)
for a transposed one; bias: (C_out). MACs as torch.utils.flop_counter's conv_flop_count
halves them: C_out (C_in/groups) k_h k_w per output position (per *input* position for a
transposed convolution); bias adds are not counted.
"""

from __future__ import annotations

import math
from typing import Any

import sympy

from derive.errors import InputError
from derive.models import arguments as a
from derive.models import windows
from derive.models.rules import (
    REQUIRED,
    Args,
    Count,
    Param,
    Rule,
    Shape,
    ShapeError,
    SizeFormula,
    Tensor,
    Window,
    register,
)
from derive.symbolic.build import add, div, mul

C_in, C_out, g = sympy.symbols("C_in C_out g", integer=True, positive=True)
KERNELS = {1: (sympy.Symbol("k", integer=True, positive=True),),
           2: sympy.symbols("k_h k_w", integer=True, positive=True),
           3: sympy.symbols("k_d k_h k_w", integer=True, positive=True)}
AXIS_WORDS = {"L": "length", "D": "depth", "H": "height", "W": "width"}


def _pads(args: Args, dims: int) -> tuple[int, ...]:
    """Padding before the first position; 'same' pads d(k-1) in all, the smaller half first."""
    padding = args["padding"]
    if padding == "valid":
        return (0,) * dims
    if padding == "same":
        kernels = zip(args["kernel_size"], args["dilation"], strict=True)
        return tuple(dil * (ker - 1) // 2 for ker, dil in kernels)
    return tuple(padding)


def _check(args: Args, label: str) -> None:
    for key in ("in_channels", "out_channels"):
        if args[key] % args["groups"]:
            raise InputError(f"{label}: groups {args['groups']} does not divide {key} "
                             f"{args[key]} (in_channels and out_channels must be divisible "
                             "by groups)")
    if args.get("padding") == "same" and any(step != 1 for step in args["stride"]):
        raise InputError(f"{label}: padding='same' needs stride 1 (torch refuses it otherwise)")
    extra = args.get("output_padding")
    if extra is not None and any(e >= max(st, dl) for e, st, dl in
                                 zip(extra, args["stride"], args["dilation"], strict=False)):
        raise InputError(f"{label}: output_padding must be smaller than the stride or the "
                         "dilation")


def _spatial(args: Args, shape: Shape, dims: int) -> Shape:
    if len(shape) != dims + 1:
        raise ShapeError(f"expects C x {' x '.join(windows.AXES[dims])} per example, got "
                         f"{' x '.join(map(str, shape))}")
    if shape[0] != args["in_channels"]:
        raise ShapeError(f"in_channels is {args['in_channels']:,} but its input has "
                         f"{shape[0]:,} channels")
    return shape[1:]


def _sizes(args: Args, shapes: tuple[Shape, ...], dims: int) -> tuple[SizeFormula, ...]:
    sizes = _spatial(args, shapes[0], dims)
    formulas: list[SizeFormula] = []
    for axis, size, ker, st, pad, dil in zip(windows.AXES[dims], sizes, args["kernel_size"],
                                           args["stride"], _pads(args, dims), args["dilation"],
                                           strict=True):
        if "output_padding" in args:
            extra = args["output_padding"][len(formulas)]
            out = windows.transposed(size, ker, st, pad, dil, extra)
            formulas.append(windows.transposed_formula(axis, (size, ker, st, pad, dil, extra), out))
            continue
        if args["padding"] == "same":  # torch pads d(k - 1) in all, so the size is kept
            n_in = sympy.Symbol(f"{axis}_in", integer=True)
            formulas.append(SizeFormula(f"{axis}_out", n_in, {n_in: size}, size))
            continue
        out = windows.sliding(size, ker, st, pad, dil, False, AXIS_WORDS[axis])
        formulas.append(windows.sliding_formula(axis, (size, ker, st, pad, dil), out, False))
    return tuple(formulas)


def _tensors(args: Args, shapes: tuple[Shape, ...]) -> tuple[Tensor, ...]:
    transposed = "output_padding" in args
    first, second = ("in_channels", "out_channels") if transposed else \
        ("out_channels", "in_channels")
    weight = Tensor("weight", (args[first], args[second] // args["groups"],
                               *args["kernel_size"]))
    return (weight, Tensor("bias", (args["out_channels"],))) if args["bias"] else (weight,)


def conv_count(args: Args, shapes: tuple[Shape, ...]) -> Count:
    """C_out (C_in/g) k_h k_w + C_out (C_in C_out/g k ... for a transposed convolution).

    >>> conv_count({"in_channels": 3, "out_channels": 6, "kernel_size": (5, 5), "groups": 1,
    ...             "bias": True}, ()).value
    456
    """
    kernel = KERNELS[len(args["kernel_size"])]
    grouped = args["groups"] != 1
    c_in, c_out = (div(C_in, g), C_out) if grouped else (C_in, C_out)
    if "output_padding" in args:
        c_in, c_out = C_in, (div(C_out, g) if grouped else C_out)
    weights = mul(c_out, c_in, *kernel) if "output_padding" not in args else \
        mul(c_in, c_out, *kernel)
    given: dict[sympy.Symbol, int] = {C_in: args["in_channels"], C_out: args["out_channels"],
                                      **dict(zip(kernel, args["kernel_size"], strict=False))}
    if grouped:
        given[g] = args["groups"]
    why = "one weight per input channel of its group and kernel position, per output channel"
    if args["bias"]:
        return Count(add(weights, C_out), given, why + ", and a bias per output channel")
    return Count(weights, given, why + ", no bias")


def _macs(args: Args, shapes: tuple[Shape, ...], out: Shape) -> int:
    positions = shapes[0][1:] if "output_padding" in args else out[1:]
    per = args["in_channels"] * args["out_channels"] // args["groups"]
    return math.prod(positions) * per * math.prod(args["kernel_size"])


def _window(args: Args, shapes: tuple[Shape, ...]) -> Window | None:
    if "output_padding" in args:
        return None  # a transposed convolution spreads each input over several outputs
    dims = len(args["kernel_size"])
    return Window(args["kernel_size"], args["stride"], _pads(args, dims), args["dilation"])


def _rule(name: str, dims: int, transposed: bool) -> Rule:
    def sizes(args: Args, shapes: tuple[Shape, ...]) -> tuple[SizeFormula, ...]:
        return _sizes(args, shapes, dims)

    def output(args: Args, shapes: tuple[Shape, ...]) -> Shape:
        return (args["out_channels"], *(size.value for size in sizes(args, shapes)))

    pair = a.spatial(dims)
    params: list[Any] = [Param("in_channels", REQUIRED, a.size),
                         Param("out_channels", REQUIRED, a.size),
                         Param("kernel_size", REQUIRED, pair), Param("stride", 1, pair),
                         Param("padding", 0, a.spatial(dims, 0) if transposed
                               else a.padding(dims))]
    tail = [Param("groups", 1, a.size), Param("bias", True, a.flag)]
    if transposed:
        params += [Param("output_padding", 0, a.spatial(dims, 0)), *tail,
                   Param("dilation", 1, pair)]
    else:
        params += [Param("dilation", 1, pair), *tail]
    params.append(Param("padding_mode", "zeros",
                        a.choice("zeros", "reflect", "replicate", "circular")))
    return Rule(name, tuple(params), output=output, tensors=_tensors, count=conv_count,
                macs=_macs, sizes=sizes, window=_window, validate=_check)


register(*(_rule(f"Conv{d}d", d, False) for d in (1, 2, 3)),
         *(_rule(f"ConvTranspose{d}d", d, True) for d in (1, 2, 3)))
