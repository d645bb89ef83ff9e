"""`conv-size`: output shape of 2-D conv / pooling layers, one layer or a stack.

Per spatial dimension (PyTorch's Conv2d/MaxPool2d/AvgPool2d formula):
H_out = floor((H_in + 2p - d(k - 1) - 1) / s) + 1.

A view on the layer rules (`derive.models`): each shortcut layer (``conv k=5 p=2 out=6``)
is the rule's Conv2d, MaxPool2d or AvgPool2d; the size formulas and parameter counts are
the rules' (`LayerRow.sizes`, `LayerRow.count`), shown with the layer's index. Without
channels the stack is walked with one channel and no parameter is counted. A layer that
does not fit its input ends the walk: the shapes before it are the answers, and its
reason is said (a student's "which layer breaks, and why").
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import sympy

from derive import converters
from derive.answers import Answer, Answers, Key
from derive.errors import FieldError, InputError
from derive.models import shortcut
from derive.models.conv import C_in, C_out
from derive.models.nodes import Chain
from derive.models.shortcut import Layer, layer, layer_list
from derive.models.summary import LayerRow, prefix
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.solution import FeatureMap, Shape, Solution, StackFigure, Step, Table, shown_as_detail
from derive.symbolic.build import eq

__all__ = ["Layer", "Problem", "layer", "layer_list", "solve"]
HEADER = ("layer", "kernel", "stride", "padding", "dilation", "output", "params")


def input_shape(value: Any, name: str) -> tuple[int, ...]:
    """H x W (``32x32``, ``32``) or C x H x W (``3x32x32``), as summary writes its input."""
    if isinstance(value, str | list | tuple) and len(converters.int_list(value, name)) == 3:
        return converters.int_list(value, name)
    return converters.size_pair(value, name)


LAYER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def layer_names(value: Any, name: str) -> tuple[str, ...]:
    """A name per layer (``A,B,C``), each letters and digits starting with a letter."""
    items = converters.entries(value, name) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise FieldError(name, f"expected a list of layer names, got {value!r}")
    for item in items:
        if not isinstance(item, str) or not LAYER_NAME.fullmatch(item) or item == "in":
            raise FieldError(name, f"{item!r} is not a layer name; use letters and digits, "
                             "starting with a letter (not 'in', the input's): A, B, conv1")
    if len(set(items)) < len(items):
        raise FieldError(name, "each layer needs its own name")
    return tuple(items)


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """An input size (H x W, or C x H x W), optional channels, and the layers applied."""

    kind = "conv-size"
    input: tuple[int, ...] = spec(input_shape, "input C x H x W or H x W, e.g. 3x32x32")
    channels: int | None = spec(
        converters.positive_int, "input channels (for C x H x W and params)", None)
    layers: tuple[Layer, ...] = spec(layer_list, "layers, e.g. 'conv k=3 s=1 p=0 out=16'")
    names: tuple[str, ...] | None = spec(
        layer_names, "a name per layer for captions, table, figure and answers: A,B,C", None)

    def validate(self) -> None:
        if len(self.input) == 3 and self.channels not in (None, self.input[0]):
            raise FieldError("channels", f"the input {'x'.join(map(str, self.input))} has "
                             f"{self.input[0]} channels, not {self.channels}; give one of them")
        if self.names is not None and len(self.names) != len(self.layers):
            raise FieldError("names", f"{len(self.names)} names for {len(self.layers)} layers; "
                             "give one name per layer")
        rows, error = self.walk()
        if error is not None and not rows:  # nothing fits: the problem itself is wrong
            raise FieldError("layers[1].kernel", _reason(error))

    @property
    def labels(self) -> tuple[str, ...]:
        """How the input and each layer are named: 0, 1, 2, ... or in, A, B, ... (`names`)."""
        if self.names is None:
            return tuple(map(str, range(len(self.layers) + 1)))
        return ("in", *self.names)

    @property
    def in_channels(self) -> int | None:
        """The input's channels, from C x H x W or --channels (None: unknown)."""
        return self.input[0] if len(self.input) == 3 else self.channels

    def chain(self) -> Chain:
        """The layers as the rules' Conv2d / MaxPool2d / AvgPool2d (one channel if unknown)."""
        channels, nodes = self.in_channels or 1, []
        for index, item in enumerate(self.layers, 1):
            nodes.append((str(index), shortcut.node(item, channels, f"layers[{index}]")))
            if item.type == "conv":
                channels = item.out_channels or channels
        return Chain(tuple(nodes))

    def walk(self) -> tuple[tuple[LayerRow, ...], InputError | None]:
        """The rows of the layers that fit, and the error of the first that does not."""
        found = getattr(self, "_walk", None)
        if found is None:
            found = prefix(self.chain(), (self.in_channels or 1, *self.input[-2:]))
            object.__setattr__(self, "_walk", found)
        return found  # type: ignore[no-any-return]


def _reason(error: InputError) -> str:
    """The rule's message without the walk's name of the layer (the table names it)."""
    text = str(error).split("; its input ", 1)[0]
    return text.split("): ", 1)[1] if text.startswith("layer '") and "): " in text else text


def _renamed(formula: sympy.Expr, names: dict[sympy.Symbol, sympy.Symbol]) -> sympy.Expr:
    """`formula` with symbols renamed, its written order kept (no re-evaluation)."""
    with sympy.evaluate(False):
        return formula.xreplace(names)


def _size_step(labels: tuple[str, str], item: Layer, row: LayerRow, dim: int) -> Step:
    """H_l (`dim` 0) or W_l of the layer named `labels[1]`, from the size `labels[0]`."""
    size = row.sizes[dim]
    axis = "H" if dim == 0 else "W"
    n_in = sympy.Symbol(f"{axis}_in", integer=True)
    n_prev = sympy.Symbol(f"{axis}_{labels[0]}", integer=True)
    given = {(n_prev if symbol == n_in else symbol): value for symbol, value in size.given.items()}
    why = f"layer {labels[1]} ({item.type}), {'height' if dim == 0 else 'width'}"
    n, k, s, p, d = (given[n_prev], item.kernel[dim], item.stride[dim], item.padding[dim],
                     item.dilation[dim])
    leftover = (n + 2 * p - d * (k - 1) - 1) % s
    if leftover:
        why += (f"; the stride does not divide evenly, so floor drops {leftover} trailing "
                f"position{'s' if leftover > 1 else ''}")
    return Step(eq(sympy.Symbol(f"{axis}_{labels[1]}"), _renamed(size.formula, {n_in: n_prev})),
                why,
                value=size.value, check=0.0, given=given)


def _size_steps(labels: tuple[str, str], item: Layer, row: LayerRow) -> list[Step]:
    """The height and width steps; one step for both when the input, the kernel and the
    settings are square (the width is the height's twin)."""
    height, width = (_size_step(labels, item, row, dim) for dim in (0, 1))
    if list(height.given.values()) != list(width.given.values()):
        return [height, width]
    return [dataclasses.replace(height, why=height.why.replace(
        "height", "height and width (square)", 1))]


def _with_widths(answers: Answers, steps: list[Step]) -> Answers:
    """`answers` with W_l beside H_l for each square layer, whose one step shows H_l = W_l."""
    squares = {str(step.sides[0]).split("_", 1)[1] for step in steps
               if "(square)" in str(step.why)}
    entries = []
    for answer in answers.entries():
        entries.append(answer)
        layer = answer.key.name.removeprefix("H_")
        if answer.key.name.startswith("H_") and layer in squares:
            entries.append(dataclasses.replace(answer, key=Key(f"W_{layer}")))
    return Answers(entries)


def _param_step(labels: tuple[str, str], item: Layer, row: LayerRow) -> Step:
    assert row.count is not None
    before, label = labels
    c_i, c_o = sympy.symbols(f"C_{before} C_{label}", integer=True)
    names = {C_in: c_i, C_out: c_o}
    given = {names.get(symbol, symbol): value for symbol, value in row.count.given.items()}
    why = f"layer {label}: C_{label} filters of C_{before} x k_h x k_w weights" + (
        ", plus one bias per filter" if item.bias else ", no bias")
    return Step(eq(sympy.Symbol(f"P_{label}"), _renamed(row.count.formula, names)), why,
                value=row.count.value, check=0.0, given=given)


def _params(labels: tuple[str, str], item: Layer, row: LayerRow,
            steps: list[Step]) -> int | str:
    """The parameters of a layer (a pool has none); what is missing when a conv's cannot
    be counted."""
    if item.type != "conv":
        return row.n_params
    if item.out_channels is None:
        return "give out="
    steps.append(_param_step(labels, item, row))
    return int(steps[-1].value)


def solve(problem: Problem) -> Solution:
    """Apply each layer's size formula in turn; count conv parameters when channels are known."""
    rows, error = problem.walk()
    known = problem.in_channels is not None
    steps: list[Step] = []
    start = (problem.in_channels or 1, *problem.input[-2:])
    table: list[tuple[Any, ...]] = [("input", "", "", "", "", _shape(start, known), "")]
    shapes: list[Shape] = []
    total: int | None = 0
    labels = problem.labels
    for index, (item, row) in enumerate(zip(problem.layers, rows, strict=False), 1):
        pair = (labels[index - 1], labels[index])
        steps += _size_steps(pair, item, row)
        params = _params(pair, item, row, steps) if known else ""
        total = total + params if isinstance(params, int) and total is not None else None
        shapes.append(Shape(row.output if known else row.output[1:]))
        table.append((*_settings(labels[index], item), _shape(row.output, known), params))
    single = error is None and len(shapes) == 1  # the list would box the output again
    answers = [Answer(Key("shapes"), shapes, nonnegative=True, detail=SHAPES if single else "")]
    notes: tuple[str, ...] = ()
    if error is None:
        answers.insert(0, Answer(Key("output"), shapes[-1], nonnegative=True))
    else:
        failing = len(rows) + 1
        table.append((*_settings(labels[failing], problem.layers[failing - 1]), "does not fit",
                      ""))
        answers.append(Answer(Key("failing_layer"), failing, nonnegative=True))
        notes = (f"layer {labels[failing]} ({problem.layers[failing - 1].type}) cannot be "
                 f"applied to {_shape(rows[-1].output, known)}: {_reason(error)}; the shapes "
                 "before it are the answers",)
    if total is not None and known and error is None:  # a stack that breaks has no total
        answers.append(Answer(Key("params"), total, nonnegative=True))
    header = HEADER if known else HEADER[:-1]
    maps = [FeatureMap("input", start if known else start[1:])]
    maps += [FeatureMap(f"{labels[index]}: {item.type}", tuple(shape))
             for index, (item, shape) in enumerate(zip(problem.layers, shapes, strict=False), 1)]
    answers += _named_shapes(problem.names or (), shapes)
    shown = _with_widths(shown_as_detail(Answers(answers), tuple(steps), SIZES), steps)
    return Solution(problem, tuple(steps), shown, notes=notes,
                    tables=(Table(header, tuple(r[:len(header)] for r in table)),),
                    figure=StackFigure(tuple(maps)))


SHAPES = "the list of every layer's output shape (here only the output's)"
SIZES = "each layer's H_l, W_l and parameter count P_l (the steps)"


def _named_shapes(names: tuple[str, ...], shapes: list[Shape]) -> list[Answer]:
    """Each named layer's output shape boxed under its name (A: 16 x 32 x 32), and found as
    "shape of A" too."""
    boxed = [Answer(Key(name), shape, nonnegative=True) for name, shape in zip(
        names, shapes, strict=False)]
    return boxed + [Answer(Key(a.key.name, aspect="shape"), a.value, nonnegative=True,
                           detail=NAMED) for a in boxed]


NAMED = "shape of each named layer: its output's shape"


def _settings(label: str, item: Layer) -> tuple[str, ...]:
    return (f"{label}: {item.type}", _pair(item.kernel), _pair(item.stride), _pair(item.padding),
            _pair(item.dilation))


def _shape(shape: tuple[int, ...], channels: bool) -> str:
    return " x ".join(map(str, shape if channels else shape[-2:]))


def _pair(values: tuple[int, int]) -> str:
    return str(values[0]) if values[0] == values[1] else f"{values[0]}x{values[1]}"
