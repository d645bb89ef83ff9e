"""Rules of MaxPool1d/2d, AvgPool1d/2d and the adaptive pools.

A pool keeps its channels and slides a window (the stride defaults to the kernel);
ceil_mode rounds the size up. torch.utils.flop_counter counts no pooling: 0 MACs.
An adaptive pool to size o over n positions is a window of n/o when o divides n.
"""

from __future__ import annotations

from derive.errors import InputError
from derive.models import arguments as a
from derive.models import windows
from derive.models.rules import (
    REQUIRED,
    Args,
    Param,
    Rule,
    Shape,
    ShapeError,
    SizeFormula,
    Window,
    register,
)

AXIS_WORDS = {"L": "length", "H": "height", "W": "width"}


def _stride(args: Args) -> tuple[int, ...]:
    stride = args["stride"]
    return args["kernel_size"] if stride is None else stride


def _dilation(args: Args) -> tuple[int, ...]:
    return args.get("dilation") or (1,) * len(args["kernel_size"])


def _spatial(shape: Shape, dims: int) -> Shape:
    if len(shape) != dims + 1:
        raise ShapeError(f"expects C x {' x '.join(windows.AXES[dims])} per example, got "
                         f"{' x '.join(map(str, shape))}")
    return shape[1:]


def _check(args: Args, label: str) -> None:
    """torch: the padding is at most half the (dilated, for max) kernel."""
    for pad, ker, dil in zip(args["padding"], args["kernel_size"], _dilation(args), strict=False):
        span = dil * (ker - 1) + 1 if "dilation" in args else ker
        if 2 * pad > span:
            raise InputError(f"{label}: padding {pad} is more than half the kernel ({span})")


def _pool(name: str, dims: int, maximum: bool) -> Rule:
    def sizes(args: Args, shapes: tuple[Shape, ...]) -> tuple[SizeFormula, ...]:
        result = []
        for axis, size, ker, st, pad, dil in zip(windows.AXES[dims], _spatial(shapes[0], dims),
                                               args["kernel_size"], _stride(args),
                                               args["padding"], _dilation(args), strict=False):
            out = windows.sliding(size, ker, st, pad, dil, args["ceil_mode"], AXIS_WORDS[axis])
            result.append(windows.sliding_formula(axis, (size, ker, st, pad, dil), out,
                                                  args["ceil_mode"]))
        return tuple(result)

    def output(args: Args, shapes: tuple[Shape, ...]) -> Shape:
        return (shapes[0][0], *(size.value for size in sizes(args, shapes)))

    def window(args: Args, shapes: tuple[Shape, ...]) -> Window:
        return Window(args["kernel_size"], _stride(args), args["padding"], _dilation(args))

    pair = a.spatial(dims)
    head = (Param("kernel_size", REQUIRED, pair), Param("stride", None, a.optional(pair)),
            Param("padding", 0, a.spatial(dims, 0)))
    tail = (Param("dilation", 1, pair), Param("return_indices", False, a.flag),
            Param("ceil_mode", False, a.flag)) if maximum else (
        Param("ceil_mode", False, a.flag), Param("count_include_pad", True, a.flag),
        Param("divisor_override", None, a.optional(a.size)))[:3 if dims == 1 else 4]
    return Rule(name, head + tail, output=output, sizes=sizes, window=window, validate=_check)


def _adaptive(name: str, dims: int, maximum: bool) -> Rule:
    def output(args: Args, shapes: tuple[Shape, ...]) -> Shape:
        sizes = _spatial(shapes[0], dims)
        pairs = zip(sizes, args["output_size"], strict=True)
        return (shapes[0][0], *(n if o is None else o for n, o in pairs))

    def window(args: Args, shapes: tuple[Shape, ...]) -> Window | None:
        sizes, outs = _spatial(shapes[0], dims), output(args, shapes)[1:]
        if any(n % o for n, o in zip(sizes, outs, strict=False)):
            return None  # uneven windows: no single kernel and stride
        kernel = tuple(n // o for n, o in zip(sizes, outs, strict=False))
        return Window(kernel, kernel, (0,) * dims, (1,) * dims)

    params: tuple[Param, ...] = (Param("output_size", REQUIRED, a.output_size(dims)),)
    if maximum:
        params += (Param("return_indices", False, a.flag),)
    return Rule(name, params, output=output, window=window)


register(_pool("MaxPool1d", 1, True), _pool("MaxPool2d", 2, True),
         _pool("AvgPool1d", 1, False), _pool("AvgPool2d", 2, False),
         _adaptive("AdaptiveAvgPool1d", 1, False), _adaptive("AdaptiveAvgPool2d", 2, False),
         _adaptive("AdaptiveMaxPool1d", 1, True), _adaptive("AdaptiveMaxPool2d", 2, True))
