"""One rule per layer type, as data: parameters, output shape, tensors, buffers, MACs, window.

A rule is a frozen `Rule` registered under torch's class name (`RULES["Conv2d"]`); the
summary never asks which type a layer is, it asks the rule. Forward and backward numerics
belong to the same layer types but live elsewhere: `Rule.numerics` looks them up by type
in `derive.models.numerics`, so this module never imports them.

Shapes are per example: the batch dimension is left out, but a `dim` argument counts it
as torch does (``Flatten(1)`` flattens everything after the batch).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy

from derive.call_binding import bind as bind_call
from derive.errors import InputError
from derive.symbolic.build import value_of

Shape = tuple[int, ...]
Args = Mapping[str, Any]
REQUIRED = object()  # a parameter without a default


class ShapeError(InputError):
    """A layer cannot take the shape it is given; the summary adds the layer's name."""


@dataclass(frozen=True)
class Tensor:
    """A parameter or buffer: torch's attribute name (``weight_ih_l0``) and its shape."""

    name: str
    shape: Shape

    @property
    def numel(self) -> int:
        """Elements of the tensor: the product of its shape."""
        return math.prod(self.shape)


@dataclass(frozen=True)
class Count:
    """A closed form for a layer's parameter count: formula, its symbols' values, words."""

    formula: sympy.Expr
    given: Mapping[sympy.Symbol, int]
    why: str

    @property
    def value(self) -> int:
        """The formula evaluated exactly."""
        return int(value_of(self.formula, dict(self.given)))


@dataclass(frozen=True)
class SizeFormula:
    """An output size as a formula of the input size and hyper-parameters (``H_out = ...``)."""

    name: str
    formula: sympy.Expr
    given: Mapping[sympy.Symbol, int]
    value: int


@dataclass(frozen=True)
class Window:
    """What a sliding window does to positions, per spatial dimension: the receptive-field
    recurrence reads kernel, stride, padding (before the first position) and dilation."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]


@dataclass(frozen=True)
class Param:
    """A constructor parameter: its name, torch's default and the converter that checks it."""

    name: str
    default: Any
    convert: Callable[[Any, str], Any]


ShapeFn = Callable[[Args, tuple[Shape, ...]], Shape]
TensorFn = Callable[[Args, tuple[Shape, ...]], tuple[Tensor, ...]]
CountFn = Callable[[Args, tuple[Shape, ...]], Count | None]


def _none(args: Args, shapes: tuple[Shape, ...]) -> tuple[Tensor, ...]:
    return ()


def _zero(args: Args, shapes: tuple[Shape, ...], out: Shape) -> int:
    return 0


def _same(args: Args, shapes: tuple[Shape, ...]) -> Shape:
    return shapes[0]


@dataclass(frozen=True)
class Rule:
    """Everything the engine knows about one layer type; each function reads the bound
    arguments and the input shapes (one per input)."""

    type: str
    params: tuple[Param, ...]
    output: Callable[[Args, tuple[Shape, ...]], Shape] = _same
    tensors: Callable[[Args, tuple[Shape, ...]], tuple[Tensor, ...]] = _none
    count: Callable[[Args, tuple[Shape, ...]], Count | None] | None = None
    buffers: Callable[[Args, tuple[Shape, ...]], tuple[Tensor, ...]] = _none
    macs: Callable[[Args, tuple[Shape, ...], Shape], int] = _zero
    sizes: Callable[[Args, tuple[Shape, ...]], tuple[SizeFormula, ...]] | None = None
    window: Callable[[Args, tuple[Shape, ...]], Window | None] | None = None
    inputs: tuple[int, ...] = (1,)  # how many tensors it may read
    validate: Callable[[Args, str], None] | None = None  # checks across arguments
    integer_input: bool = False  # reads token ids (Embedding), not real numbers
    macs_note: str = ""
    keep_field: bool = True  # positions keep their meaning (no flatten, no mixing)
    notes: tuple[str, ...] = field(default=())
    ignores_arguments: bool = False  # takes any arguments and ignores them (nn.Identity)

    @property
    def numerics(self) -> Any:
        """The forward/backward numerics registered for this type, or None (see numerics)."""
        from derive.models.numerics import numerics_of

        return numerics_of(self.type)


RULES: dict[str, Rule] = {}
IGNORED = "ignored"  # the bound argument holding what a rule that ignores its arguments got


def ignored_note(type_: str, args: Mapping[str, Any]) -> str:
    """The note that a layer ignored its arguments ("" when it had none).

    >>> ignored_note("Identity", {IGNORED: "54, foo=3"})
    "Identity ignores its arguments (54, foo=3), as torch's nn.Identity(*args, **kwargs)"
    """
    if not args.get(IGNORED):
        return ""
    return (f"{type_} ignores its arguments ({args[IGNORED]}), as torch's "
            f"nn.{type_}(*args, **kwargs)")


def register(*rules: Rule) -> None:
    """Add rules to the registry (one per type)."""
    for rule in rules:
        RULES[rule.type] = rule


def bind(rule: Rule, args: tuple[Any, ...], kwargs: Mapping[str, Any], where: str) -> dict:
    """Positional and keyword arguments bound to the rule's parameters, defaults filled in
    and every value checked; an unknown or missing one is a one-line error naming the known.
    """
    if rule.ignores_arguments and (args or kwargs):
        given = [repr(arg) for arg in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        return {IGNORED: ", ".join(given)}
    bound = bind_call(rule.params, args, kwargs.items(), where, rule.type, required=REQUIRED,
                      convert_defaults=True)
    if rule.validate is not None:
        rule.validate(bound, f"{where}: {rule.type}")
    return bound
