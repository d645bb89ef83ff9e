"""`summary`: a whole network, layer by layer, as torchinfo shows it, with every formula.

The model is PyTorch constructor calls (`derive.models`): ``model = "nn.Sequential(...)"``
or ``layers = ["Conv2d(3, 6, 5)", ...]``, with ``input = [3, 32, 32]`` (or ``3x32x32``,
``tokens:128``, or a list of inputs). Each layer: its torch name, output shape, parameters
per tensor with the closed form and substitution, buffers, MACs; then the totals and the
receptive field of the conv stack. ``names = ["A", "B", "C"]`` names the layers as a
statement does, one name per layer or one per layer that changes the shape (an activation
or a norm keeps it): each named layer's shape is boxed under its name (``A``, also
``shape of A``; ``shape of 0`` still finds it), and the steps, table and figure say it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import sympy

from derive.answers import Answer, Answers, Key
from derive.errors import FieldError, InputError, VerificationError
from derive.models import (
    Input,
    Summary,
    parse_inputs,
    parse_layers,
    parse_model,
    shortcut,
    summarize,
)
from derive.models.nodes import Chain
from derive.models.summary import LayerRow
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.problems.conv_size import layer_names
from derive.solution import FeatureMap, Shape, Solution, StackFigure, Step, Table, shown_as_detail
from derive.symbolic.build import add, eq, mul

NOTES = (
    "shapes are per example (the batch left out; a dim argument counts it, as torch does)",
    "parameters and buffers named as torch's state_dict names them",
    "MACs as torch.utils.flop_counter counts them (FLOPs / 2): products of convolutions, "
    "linear layers, recurrences and attention (Q K^T and A V); norms, pools, activations, "
    "embeddings and bias adds count 0",
    "memory: parameters at float32, 4 bytes each",
    "receptive field r, jump j and start s (centre of the first output's field, input "
    "positions from 0): r' = r + (k_e - 1) j, j' = j s_t, s' = s + ((k_e - 1)/2 - p) j",
)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise FieldError(name, "expected the model's text, e.g. 'nn.Sequential(...)'")
    return value


def _layer_texts(value: Any, name: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise FieldError(name, "expected a list of layers, e.g. ['Conv2d(3, 6, 5)', 'ReLU()']")
    return tuple(items)


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """A model (text or a list of layers) and its input(s)."""

    kind = "summary"
    input: tuple[Input, ...] = spec(parse_inputs, "input shape per example: 3x32x32, "
                                    "tokens:128, or a list of them")
    model: str | None = spec(_text, "the model as PyTorch code: nn.Sequential(...)", None)
    layers: tuple[str, ...] | None = spec(_layer_texts, "layers, e.g. ['Conv2d(3, 6, 5)']",
                                          None)
    names: tuple[str, ...] | None = spec(
        layer_names, "a name per layer, or per layer that changes the shape, for the "
        "answers, steps, table and figure: A,B,C", None)

    def validate(self) -> None:
        if (self.model is None) == (self.layers is None):
            raise FieldError("model", "give either model (the text) or layers (a list)")
        field = "model" if self.model is not None else "layers"
        try:
            object.__setattr__(self, "_summary", summarize(self.network(), self.input))
        except InputError as error:
            raise FieldError(field, str(error)) from None
        if self.names is not None:
            _check_names(self.names, self.summary())

    def network(self) -> Chain:
        """The parsed model."""
        if self.model is not None:
            return parse_model(self.model)
        if any(map(shortcut.is_shortcut, self.layers or ())):  # conv k=5 p=2 out=6
            return shortcut.resolve(self.layers or (), self.input)
        return parse_layers(self.layers or ())

    def summary(self) -> Summary:
        """The summary computed when the problem was validated."""
        return getattr(self, "_summary", None) or summarize(self.network(), self.input)

    def named(self) -> dict[int, str]:
        """The `names` by the index of the summary row each names (none without names)."""
        if self.names is None:
            return {}
        summary = self.summary()
        every = len(self.names) == len(summary.rows)
        chosen = range(len(summary.rows)) if every else changing_rows(summary)
        return dict(zip(chosen, self.names, strict=True))


WORDS = ("output", "total", "trainable", "non_trainable", "buffers", "macs", "memory",
         "receptive_field", "jump", "start")  # the answers named by a word


def _check_names(names: tuple[str, ...], summary: Summary) -> None:
    """One name per layer or per layer that changes the shape, none another answer's."""
    counts = (len(summary.rows), len(changing_rows(summary)))
    if len(names) not in counts:
        raise FieldError("names", f"{len(names)} name{'s' * (len(names) != 1)} for "
                         f"{counts[0]} layers ({counts[1]} "
                         "of them change the shape); give one name per layer or one per "
                         "layer that changes the shape")
    taken = {row.name for row in summary.rows} | set(WORDS)
    clash = next((name for name in names if name in taken), None)
    if clash is not None:
        raise FieldError("names", f"{clash!r} already names an answer (a layer's torch name "
                         "or a total); choose another name")


def _title(row: LayerRow, name: str | None) -> str:
    """How the steps name a layer: ``0 (Conv2d)``, or with its name ``A, layer 0 (Conv2d)``."""
    return f"{name}, layer {row.name} ({row.type})" if name else f"{row.name} ({row.type})"


def _param_step(index: int, row: LayerRow, name: str | None = None) -> Step:
    assert row.count is not None
    symbol = sympy.Symbol(f"P_{{{index}}}")
    names = ", ".join(f"{entry.name.removeprefix(row.name + '.')} {_x(entry.shape)}"
                      for entry in row.params)
    why = f"{_title(row, name)}: {row.count.why}; tensors {names}"
    shared = [e for e in row.params if e.shared_with]
    if shared:
        why += "; " + ", ".join(f"{e.name} is {e.shared_with} (tied, counted there)"
                                for e in shared)
    return Step(eq(symbol, row.count.formula), why, value=row.count.value, check=0.0,
                given=dict(row.count.given))


def _size_steps(index: int, row: LayerRow, name: str | None = None) -> list[Step]:
    return [Step(eq(sympy.Symbol(f"{size.name.split('_')[0]}_{{{index}}}"), size.formula),
                 f"{_title(row, name)}: output {size.name.split('_')[0]}",
                 value=size.value, check=0.0, given=dict(size.given)) for size in row.sizes]


def _total_step(rows: list[tuple[int, LayerRow]], summary: Summary) -> Step:
    terms = [sympy.Symbol(f"P_{{{i}}}") if row.copies == 1 else
             mul(row.copies, sympy.Symbol(f"P_{{{i}}}")) for i, row in rows]
    given = {sympy.Symbol(f"P_{{{i}}}"): row.n_params for i, row in rows}
    value = sum(row.copies * row.n_params for _, row in rows)
    if value != summary.total:
        raise VerificationError(f"summary: the steps sum to {value}, the rows to {summary.total}")
    formula = add(*terms) if len(terms) > 1 else (terms[0] if terms else sympy.Integer(0))
    return Step(eq(sympy.Symbol("P"), formula), "all parameters, P_i those of table row i "
                "(rows without parameters add none), each shared one counted once and a "
                "repeated layer times its copies", value=value, check=0.0, given=given)


def _x(shape: tuple[int, ...]) -> str:
    return " x ".join(map(str, shape)) or "scalar"


def _table(summary: Summary, named: dict[int, str]) -> Table:
    """A row per layer (a named one as ``A (0)``) and the totals."""
    rows: list[tuple[Any, ...]] = []
    for index, row in enumerate(summary.rows, 1):
        name = f"{named[index - 1]} ({row.name})" if index - 1 in named else row.name
        name += f" (x{row.copies})" if row.copies > 1 else ""
        field = "" if row.field is None else _x(row.field.size[:1] if len(
            set(row.field.size)) == 1 else row.field.size).replace(" ", "")
        rows.append((index, name, row.type, _x(row.output), row.n_params, row.n_buffers,
                     row.macs, field))
    rows.append(("", "total", "", _x(summary.output), summary.total, summary.buffers,
                 summary.macs, ""))
    header: tuple[str, ...] = ("#", "layer", "type", "output", "params", "buffers", "MACs",
                               "RF")
    if all(row[-1] == "" for row in rows):  # no conv stack: no receptive field to show
        header, rows = header[:-1], [row[:-1] for row in rows]
    return Table(header, tuple(rows))


def _answers(summary: Summary, named: list[LayerRow], names: dict[int, str]) -> Answers:
    """The totals, the output's shape (or that of each layer the statement names, under its
    name in `names` where it has one), the receptive field, and each layer's values as
    detail answers."""
    output = Answer(Key("output", aspect="shape"), Shape(summary.output), nonnegative=True)
    shapes = [Answer(Key(row.name, aspect="shape"), Shape(row.output), nonnegative=True)
              for row in named] if not names else _named_shapes(summary, names)
    entries = [Answer(Key("total"), summary.total, nonnegative=True),
               Answer(Key("trainable"), summary.trainable, nonnegative=True),
               Answer(Key("non_trainable"), summary.non_trainable, nonnegative=True),
               Answer(Key("buffers"), summary.buffers, nonnegative=True),
               Answer(Key("macs"), summary.macs, nonnegative=True),
               Answer(Key("memory", aspect="bytes"), summary.param_bytes, nonnegative=True),
               *(shapes or [output])]
    if summary.field is not None:
        field = summary.field
        entries += [Answer(Key("receptive_field"), Shape(field.size), nonnegative=True),
                    Answer(Key("jump"), Shape(field.jump), nonnegative=True),
                    Answer(Key("start"), [float(s) for s in field.first])]
    seen: set[str] = set()
    for row in summary.rows:
        if row.name in seen:
            continue  # a module called twice (ResNet's relu): its first call
        seen.add(row.name)
        entries += [dataclasses.replace(answer, detail=LAYERS) for answer in _row_answers(row)
                    if answer.key not in {shape.key for shape in shapes}]
    if shapes:  # the last named layer's shape is the output's: boxed once
        entries.append(dataclasses.replace(output, detail=LAYERS))
    if names:  # found as "shape of A" too
        entries += [dataclasses.replace(a, key=dataclasses.replace(a.key, aspect="shape"),
                                        detail=NAMED) for a in shapes]
    return Answers(entries)


NAMED = "shape of each named layer: its output's shape"


def _named_shapes(summary: Summary, names: dict[int, str]) -> list[Answer]:
    """Each named layer's output shape boxed under its name (A: 16 x 32 x 32)."""
    return [Answer(Key(name), Shape(summary.rows[index].output), nonnegative=True)
            for index, name in names.items()]


_LABEL = re.compile(r"\(([A-Z])\)")


def named_layers(statement: str, summary: Summary) -> list[LayerRow]:
    """The layers a statement names by a letter in parentheses ("a 2 x 2 max-pool (B)"),
    read in order onto the layers that change the shape; none when the counts differ."""
    labels = _LABEL.findall(statement)
    changing = [summary.rows[index] for index in changing_rows(summary)]
    return changing if labels and len(labels) == len(changing) else []


def changing_rows(summary: Summary) -> list[int]:
    """The indices of the rows whose output's shape differs from their input's (an
    activation or a norm keeps it), in order."""
    changing, shape = [], summary.inputs[0].shape if len(summary.inputs) == 1 else None
    for index, row in enumerate(summary.rows):
        if row.output != shape:
            changing.append(index)
        shape = row.output
    return changing


LAYERS = ("each layer's type, output shape, parameter count, buffers and MACs, and each "
          "tensor's count (the table)")


def _row_answers(row: LayerRow) -> list[Answer]:
    """A layer's type, output shape, parameters (in all and per tensor), buffers, MACs."""
    result = [Answer(Key(row.name, aspect="type"), row.type),
              Answer(Key(row.name, aspect="shape"), Shape(row.output), nonnegative=True)]
    if row.params:
        result.append(Answer(Key(row.name, aspect="count"), row.n_params, nonnegative=True))
    result += [Answer(Key(entry.name, aspect="count"), entry.numel, nonnegative=True)
               for entry in row.params + row.buffers]
    if row.buffers:
        result.append(Answer(Key(row.name, aspect="buffers"), row.n_buffers, nonnegative=True))
    if row.copies > 1:
        result.append(Answer(Key(row.name, aspect="copies"), row.copies, nonnegative=True))
    result.append(Answer(Key(row.name, aspect="macs"), row.macs, nonnegative=True))
    return result


def solve(problem: Problem) -> Solution:
    """Each layer's sizes and parameter count with its formula, the total, the table."""
    summary = problem.summary()
    named = problem.named()
    steps: list[Step] = []
    counted: list[tuple[int, LayerRow]] = []
    for index, row in enumerate(summary.rows, 1):
        steps += _size_steps(index, row, named.get(index - 1))
        if row.count is not None:
            steps.append(_param_step(index, row, named.get(index - 1)))
            counted.append((index, row))
    steps.append(_total_step(counted, summary))
    notes = (NOTES if summary.field is not None else NOTES[:-1]) + tuple(
        f"{row.name}: {row.note}" for row in summary.rows if row.note)
    answers = shown_as_detail(_answers(summary, named_layers(problem.statement or "",
                                                            summary), named), tuple(steps))
    return Solution(problem, tuple(steps), answers, notes=notes,
                    tables=(_table(summary, named),), figure=_stack(summary, named))


def _stack(summary: Summary, named: dict[int, str]) -> StackFigure | None:
    """The feature maps of an image model: the input, then each layer that changes the
    C x H x W shape (a ReLU or a norm keeps it), by its name where it has one; None when
    the input is not an image."""
    if len(summary.inputs) != 1 or len(summary.inputs[0].shape) != 3:
        return None
    maps = [FeatureMap("input", summary.inputs[0].shape)]
    for index, row in enumerate(summary.rows):
        if len(row.output) == 3 and row.output != maps[-1].shape:
            maps.append(FeatureMap(f"{named.get(index, row.name)}: {row.type}", row.output))
    return StackFigure(tuple(maps)) if len(maps) > 1 else None
