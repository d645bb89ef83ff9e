"""`conv-size`: output shape of 2-D conv / pooling layers, one layer or a stack.

Per spatial dimension (PyTorch's Conv2d/MaxPool2d/AvgPool2d formula):
H_out = floor((H_in + 2p - d(k - 1) - 1) / s) + 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from derive import converters
from derive.answers import Answers
from derive.errors import FieldError, VerificationError
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.solution import Shape, Solution, Step, Table
from derive.symbolic.build import add, div, eq, floor, mul, neg, value_of

LAYER_TYPES = ("conv", "maxpool", "avgpool")
LAYER_KEYS = {"type", "kernel", "stride", "padding", "dilation", "out_channels", "bias"}
SHORT_KEYS = {"k": "kernel", "s": "stride", "p": "padding", "d": "dilation", "out": "out_channels"}


@dataclass(frozen=True)
class Layer:
    """One conv or pooling layer; pairs are (height, width)."""

    type: str
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out_channels: int | None
    bias: bool


def _layer_fields(value: Any, name: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return {str(key).replace("-", "_"): item for key, item in value.items()}
    if not isinstance(value, str):
        raise FieldError(name, "expected a table or a string like 'conv k=3 s=1 p=0', "
                         f"got {value!r}")
    words = value.split()
    if not words:
        raise FieldError(name, "empty layer; write e.g. 'conv k=3 s=1 p=0 out=16'")
    result: dict[str, Any] = {"type": words[0]}
    for word in words[1:]:
        match = re.fullmatch(r"([a-z_]+)=(\S+)", word)
        if not match:
            raise FieldError(name, f"cannot read {word!r}; write key=value, e.g. k=3")
        result[SHORT_KEYS.get(match[1], match[1])] = match[2]
    return result


def layer(value: Any, name: str) -> Layer:
    """A layer from a TOML table or a string such as ``conv k=3 s=1 p=1 out=16``."""
    data = _layer_fields(value, name)
    unknown = sorted(set(data) - LAYER_KEYS)
    if unknown:
        raise FieldError(name, f"unknown key {unknown[0]!r}; use {', '.join(sorted(LAYER_KEYS))}")
    kind = converters.choice(*LAYER_TYPES)(data.get("type", "conv"), f"{name}.type")
    if "kernel" not in data:
        raise FieldError(f"{name}.kernel", "missing; give the kernel size, e.g. k=3")
    kernel = converters.size_pair(data["kernel"], f"{name}.kernel")
    default_stride = 1 if kind == "conv" else kernel
    stride = converters.size_pair(data.get("stride", default_stride), f"{name}.stride")
    padding = converters.pair(0)(data.get("padding", 0), f"{name}.padding")
    dilation = converters.size_pair(data.get("dilation", 1), f"{name}.dilation")
    if kind == "avgpool" and dilation != (1, 1):
        raise FieldError(f"{name}.dilation", "avgpool has no dilation; remove it")
    out = data.get("out_channels")
    if out is not None and kind != "conv":
        raise FieldError(f"{name}.out_channels", f"a {kind} keeps its channels; remove it")
    out_channels = None if out is None else converters.positive_int(out, f"{name}.out_channels")
    bias = converters.boolean(data.get("bias", True), f"{name}.bias")
    return Layer(kind, kernel, stride, padding, dilation, out_channels, bias)


def layer_list(value: Any, name: str) -> tuple[Layer, ...]:
    """A non-empty list of layers (at most 200)."""
    items = [value] if isinstance(value, str | Mapping) else value
    if not isinstance(items, Sequence) or not items or len(items) > 200:
        raise FieldError(name, "expected 1 to 200 layers")
    return tuple(layer(item, f"{name}[{i}]") for i, item in enumerate(items, 1))


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """An input size, optional channels, and the layers applied to it."""

    kind = "conv-size"
    input: tuple[int, int] = spec(converters.size_pair, "input height x width, e.g. 32x32")
    channels: int | None = spec(
        converters.positive_int, "input channels (for C x H x W and params)",
                                None)
    layers: tuple[Layer, ...] = spec(layer_list, "layers, e.g. 'conv k=3 s=1 p=0 out=16'")

    def validate(self) -> None:
        size = self.input
        for index, item in enumerate(self.layers, 1):
            size = tuple(_check_fits(index, item, size[i], i) for i in (0, 1))  # type: ignore


def _check_fits(index: int, item: Layer, n: int, dim: int) -> int:
    k, s, p, d = item.kernel[dim], item.stride[dim], item.padding[dim], item.dilation[dim]
    axis = "height" if dim == 0 else "width"
    span = d * (k - 1) + 1
    if span > n + 2 * p:
        raise FieldError(f"layers[{index}].kernel", f"the {axis} of the dilated kernel ({span}) "
                         f"exceeds the padded input ({n} + 2*{p} = {n + 2 * p}); "
                         "use a smaller kernel or more padding")
    if item.type != "conv" and 2 * p > span:
        raise FieldError(f"layers[{index}].padding", f"pooling padding must be at most half the "
                         f"kernel ({span}), got {p}")
    return (n + 2 * p - span) // s + 1


def output_size(n: Any, k: Any, s: Any, p: Any, d: Any) -> sympy.Expr:
    """floor((n + 2p - d(k - 1) - 1)/s) + 1, in the order PyTorch's docs write it."""
    return add(floor(div(add(n, mul(2, p), neg(mul(d, add(k, -1))), -1), s)), 1)


def _size_step(index: int, item: Layer, dim: int, n_in: int) -> Step:
    axis = "H" if dim == 0 else "W"
    n, k, s, p, d = sympy.symbols(f"{axis}_{index - 1} k s p d", integer=True)
    given = {n: n_in, k: item.kernel[dim], s: item.stride[dim], p: item.padding[dim],
             d: item.dilation[dim]}
    formula = output_size(n, k, s, p, d)
    value = int(value_of(formula, given))
    direct = _check_fits(index, item, n_in, dim)
    if value != direct:
        raise VerificationError(f"conv-size: formula gives {value}, direct count {direct}")
    why = f"layer {index} ({item.type}), {'height' if dim == 0 else 'width'}"
    leftover = (n_in + 2 * given[p] - given[d] * (given[k] - 1) - 1) % given[s]
    if leftover:
        why += f"; the stride does not divide evenly, so floor drops {leftover} trailing positions"
    return Step(eq(sympy.Symbol(f"{axis}_{index}"), formula), why, value=value, check=0.0,
                given=given)


def _param_step(index: int, item: Layer, c_in: int) -> Step:
    c_i, c_o, k_h, k_w = sympy.symbols(f"C_{index - 1} C_{index} k_h k_w", integer=True)
    weights = mul(c_o, c_i, k_h, k_w)
    formula = add(weights, c_o) if item.bias else weights
    given = {c_i: c_in, c_o: item.out_channels, k_h: item.kernel[0], k_w: item.kernel[1]}
    value = int(value_of(formula, given))
    assert item.out_channels is not None
    direct = item.out_channels * (c_in * item.kernel[0] * item.kernel[1] + int(item.bias))
    if value != direct:
        raise VerificationError(f"conv-size: params formula gives {value}, direct {direct}")
    why = f"layer {index}: C_{index} filters of C_{index - 1} x k_h x k_w weights" + (
        ", plus one bias per filter" if item.bias else ", no bias")
    return Step(eq(sympy.Symbol(f"P_{index}"), formula), why, value=value, check=0.0,
                given=given)


def solve(problem: Problem) -> Solution:
    """Apply the size formula layer by layer; count conv parameters when channels are known."""
    (h, w), channels = problem.input, problem.channels
    steps: list[Step] = []
    rows: list[tuple[Any, ...]] = [("input", "", "", "", "", _shape(channels, h, w), "")]
    shapes: list[Shape] = []
    total: int | None = 0
    for index, item in enumerate(problem.layers, 1):
        height, width = (_size_step(index, item, dim, n) for dim, n in enumerate((h, w)))
        steps += [height, width]
        h, w = height.value, width.value
        params: int | str = 0
        if item.type == "conv":
            params = _conv_params(index, item, channels, steps)
            channels = item.out_channels
        if isinstance(params, str):
            total = None
        elif total is not None:
            total += params
        shapes.append(Shape(_shape_tuple(channels, h, w)))
        rows.append((f"{index}: {item.type}", _pair(item.kernel), _pair(item.stride),
                     _pair(item.padding), _pair(item.dilation), _shape(channels, h, w), params))
    answers: dict[str, Any] = {"output": shapes[-1], "shapes": shapes}
    if total is not None:
        answers["params"] = total
    table = Table(("layer", "kernel", "stride", "padding", "dilation", "output", "params"),
                  tuple(rows))
    return Solution(problem, tuple(steps), Answers.from_values(answers, nonnegative=True),
                    tables=(table,))


def _conv_params(index: int, item: Layer, channels: int | None, steps: list[Step]) -> int | str:
    """Append the parameter step of a conv layer; say what is missing when it cannot be counted."""
    if channels is None:
        return "give channels"
    if item.out_channels is None:
        return "give out="
    steps.append(_param_step(index, item, channels))
    return int(steps[-1].value)


def _shape_tuple(channels: int | None, h: int, w: int) -> tuple[int, ...]:
    return (h, w) if channels is None else (channels, h, w)


def _shape(channels: int | None, h: int, w: int) -> str:
    return " x ".join(map(str, _shape_tuple(channels, h, w)))


def _pair(values: tuple[int, int]) -> str:
    return str(values[0]) if values[0] == values[1] else f"{values[0]}x{values[1]}"
