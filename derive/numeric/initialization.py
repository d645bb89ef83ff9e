"""torch.nn.init's schemes on a layer's weight: fan-in and fan-out read from the weight's shape as
torch reads them, the gain of the nonlinearity, and the uniform bound or normal std, exact
(SymPy) where the inputs are exact and checked against torch's float formulas.

The layer shapes are the layer rules of `derive.models` (Linear, Conv1d/2d/3d,
ConvTranspose1d/2d/3d): torch's weight is (out, in / groups, *kernel) for a conv and (in,
out / groups, *kernel) for a transposed conv, so torch's fan_in = shape[1] * prod(kernel) is
(in / groups) k_h k_w for a conv and (out / groups) k_h k_w for a transposed one.

>>> layer = parse_layer("Conv2d(3, 16, 3)")
>>> layer.weight, fans(layer.weight)
((16, 3, 3, 3), (27, 144))
>>> result, = initialize(layer, parse_init("kaiming_uniform_(nonlinearity='relu')"))
>>> result.value, float(result.value)
(sqrt(2)/3, 0.4714045207910317)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sympy

from derive.call_binding import REQUIRED, Param
from derive.constructor_calls import (
    Call,
    Signature,
    bind,
    choice,
    parse_call,
)
from derive.errors import InputError, VerificationError

MAX_WIDTH = 1_000_000  # channels or features of one layer
NONLINEARITIES = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu")


INIT_LAYERS = ("Linear", *(f"Conv{d}d" for d in (1, 2, 3)),
               *(f"ConvTranspose{d}d" for d in (1, 2, 3)))


@dataclass(frozen=True)
class Layer:
    """A layer's constructor call and its weight's shape in torch's layout."""

    text: str
    name: str
    weight: tuple[int, ...]
    bias: bool
    groups: int = 1


def parse_layer(text: str, where: str = "layer") -> Layer:
    """A Linear or Conv layer as torch's constructor call; its weight shape from the layer's
    rule in `derive.models` (the shapes `summary` and `model-backprop` use)."""
    from derive.models import parse_model
    from derive.models.nodes import Chain
    from derive.models.nodes import Layer as Node
    from derive.models.registry import RULES

    name = parse_call(text, where).name
    if name not in INIT_LAYERS:
        raise InputError(f"{where}: unknown layer {name!r}; known: {', '.join(INIT_LAYERS)}")
    chain = parse_model(text, where)
    node = chain.children[0][1] if isinstance(chain, Chain) and len(chain.children) == 1 \
        else None
    if not isinstance(node, Node):
        raise InputError(f"{where}: expected one layer such as Conv2d(3, 16, 3)")
    tensors = {t.name: t.shape for t in RULES[node.type].tensors(node.args, ())}
    shown = text.strip().removeprefix("torch.").removeprefix("nn.")
    return Layer(shown, node.type, tuple(tensors["weight"]), "bias" in tensors,
                 int(node.args.get("groups", 1)))


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """torch.nn.init._calculate_fan_in_and_fan_out: shape[1] and shape[0] times the product
    of the remaining (receptive-field) sizes."""
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _exact(value: Any, where: str) -> sympy.Expr:
    """A number as written (int or Decimal) exactly, sqrt(n), or calculate_gain(...)."""
    if isinstance(value, Call) and value.name == "sqrt" and len(value.args) == 1 \
            and not value.kwargs:
        return sympy.sqrt(_exact(value.args[0], where))
    if isinstance(value, Call) and value.name == "calculate_gain":
        arguments = bind(value, {"calculate_gain": GAIN}, where, "function")
        return gain(arguments["nonlinearity"], arguments["param"])
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InputError(f"{where}: give a number, sqrt(n) or calculate_gain('relu')")
    number = sympy.Rational(str(value))
    if number < 0:
        raise InputError(f"{where}: must not be negative")
    return number


GAIN = Signature("calculate_gain", (Param("nonlinearity", REQUIRED, choice(*NONLINEARITIES)),
                                    Param("param", None)))


def gain(nonlinearity: str, param: Any = None) -> sympy.Expr:
    """torch.nn.init.calculate_gain, exact: 1 for linear, conv and sigmoid; 5/3 for tanh;
    sqrt(2) for relu; sqrt(2 / (1 + slope^2)) for leaky_relu (slope 0.01 by default); 3/4 for
    selu."""
    if nonlinearity == "tanh":
        return sympy.Rational(5, 3)
    if nonlinearity == "relu":
        return sympy.sqrt(2)
    if nonlinearity == "selu":
        return sympy.Rational(3, 4)
    if nonlinearity == "leaky_relu":
        slope = sympy.Rational(1, 100) if param is None else _slope(param)
        return sympy.sqrt(2 / (1 + slope ** 2))
    return sympy.Integer(1)


def _slope(param: Any) -> sympy.Expr:
    if isinstance(param, Call | str | tuple | bool):
        raise InputError(f"calculate_gain: negative_slope {param!r} not a valid number")
    return sympy.Rational(str(param)) if not isinstance(param, sympy.Basic) else param


INITS: dict[str, Signature] = {sig.name: sig for sig in (
    Signature("xavier_uniform_", (Param("gain", sympy.Integer(1), _exact),)),
    Signature("xavier_normal_", (Param("gain", sympy.Integer(1), _exact),)),
    *(Signature(name, (Param("a", sympy.Integer(0), _exact),
                       Param("mode", "fan_in", choice("fan_in", "fan_out")),
                       Param("nonlinearity", "leaky_relu", choice(*NONLINEARITIES))))
      for name in ("kaiming_uniform_", "kaiming_normal_")),
    Signature("default", ()),
)}


@dataclass(frozen=True)
class Scheme:
    """An init scheme's call: its name and arguments (exact numbers), as written."""

    name: str
    arguments: tuple[tuple[str, Any], ...]
    text: str

    def __getitem__(self, key: str) -> Any:
        return dict(self.arguments)[key]


def parse_init(text: str, where: str = "init") -> Scheme:
    """An init scheme as torch's call without the tensor: kaiming_uniform_(a=0, ...)."""
    call = parse_call(text, where)
    args = bind(call, INITS, where, "init scheme")
    return Scheme(call.name, tuple(args.items()), text.strip())


@dataclass(frozen=True)
class Init:
    """What a scheme gives a tensor: U(-value, value) or N(0, value^2), from `fan` and `gain`."""

    tensor: str  # "weight" or "bias"
    distribution: str  # "uniform" or "normal"
    fan: int
    gain: sympy.Expr
    value: sympy.Expr  # the bound (uniform) or the std (normal), exact
    check: float


def initialize(layer: Layer, scheme: Scheme) -> tuple[Init, ...]:
    """The weight's (and, for `default`, the bias's) distribution, checked against torch's
    float formulas."""
    fan_in, fan_out = fans(layer.weight)
    name = scheme.name
    if name == "default":  # reset_parameters: kaiming_uniform_(a=sqrt(5)); bias U(+-1/sqrt(fan_in))
        scheme = Scheme("kaiming_uniform_", (("a", sympy.sqrt(5)), ("mode", "fan_in"),
                                             ("nonlinearity", "leaky_relu")), "")
        weight = initialize(layer, scheme)[0]
        bias = 1 / sympy.sqrt(fan_in)
        return (weight,) + ((Init("bias", "uniform", fan_in, sympy.Integer(1), bias,
                                  _check(bias, 1 / math.sqrt(fan_in))),) if layer.bias else ())
    if name.startswith("xavier"):
        g = scheme["gain"]
        std = g * sympy.sqrt(sympy.Rational(2, fan_in + fan_out))
        torch_std = float(g) * math.sqrt(2.0 / float(fan_in + fan_out))
        fan = fan_in + fan_out
    else:
        fan = fan_in if scheme["mode"] == "fan_in" else fan_out
        g = gain(scheme["nonlinearity"], scheme["a"])
        std = g / sympy.sqrt(fan)
        torch_std = float(g) / math.sqrt(fan)
    if name.endswith("uniform_"):
        bound = sympy.sqrt(3) * std
        check = _check(bound, math.sqrt(3.0) * torch_std)
        return (Init("weight", "uniform", fan, g, bound, check),)
    return (Init("weight", "normal", fan, g, std, _check(std, torch_std)),)


def _check(exact: sympy.Expr, torch_value: float) -> float:
    value = float(exact)
    residual = abs(value - torch_value) / abs(torch_value)
    if not residual < 1e-12:
        raise VerificationError(f"init: {exact} = {value!r} but torch's formula gives "
                                f"{torch_value!r}")
    return max(residual, 2.0 ** -53)
