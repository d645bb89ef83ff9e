"""Walking a model: one layer at a time, from the shapes that reach it to its row.

The layer's rule gives the output shape, tensors, buffers, MACs, size formulas and window;
the walk names them as torch does, verifies the counts two ways, tracks the receptive
field, and turns a shape error into one line naming the layer and where its input came from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from derive.errors import InputError, VerificationError
from derive.models.inputs import Input
from derive.models.limits import MAX_ELEMENTS
from derive.models.nodes import Layer, Tied
from derive.models.receptive import Field
from derive.models.registry import RULES
from derive.models.rules import Count, Rule, ShapeError, SizeFormula, Tensor, ignored_note
from derive.symbolic.build import value_of

if TYPE_CHECKING:
    from derive.models.summary import Entry, LayerRow


def shape_text(shape: tuple[int, ...]) -> str:
    """3 x 32 x 32 (a scalar is 'scalar')."""
    return " x ".join(map(str, shape)) or "scalar"


def broadcast(shapes: list[tuple[int, ...]], where: str) -> tuple[int, ...]:
    """The shape of a sum of tensors, by torch's broadcasting (sizes right-aligned).

    >>> broadcast([(128, 768), (1, 768), (768,)], "Sum")
    (128, 768)
    """
    rank = max(map(len, shapes))
    padded = [(1,) * (rank - len(shape)) + shape for shape in shapes]
    result = []
    for sizes in zip(*padded, strict=False):
        wide = {size for size in sizes if size != 1}
        if len(wide) > 1:
            raise ShapeError(f"{where}: cannot add shapes "
                             f"{', '.join(shape_text(s) for s in shapes)}")
        result.append(wide.pop() if wide else 1)
    return tuple(result)


@dataclass
class Origin:
    """The layer that made the current tensor, for error messages."""

    name: str
    type: str
    input: tuple[int, ...]


class Walk:
    """The state of one walk: rows so far, parameter names seen, copies, field, frozen."""

    def __init__(self, inputs: tuple[Input, ...]) -> None:
        self.rows: list[LayerRow] = []
        self.seen: dict[str, tuple[int, ...]] = {}
        self.copies = 1
        self.frozen = 0
        single = len(inputs) == 1 and not inputs[0].integer and len(inputs[0].shape) >= 2
        self.field: Field | None = Field.start(len(inputs[0].shape) - 1) if single else None
        self.last_field: Field | None = None
        self.origin: Origin | None = None

    def layer(self, node: Layer | Tied, name: str, flow: tuple[Input, ...]) -> Input:
        """The row of one layer; returns its output."""
        layer = node.layer if isinstance(node, Tied) else node
        rule = RULES[layer.type]
        shapes = self._shapes(rule, layer, name, flow)
        try:
            out = rule.output(layer.args, shapes)
            sizes = rule.sizes(layer.args, shapes) if rule.sizes else ()
        except ShapeError as error:
            raise InputError(f"layer {name!r} ({layer.type}, {layer.where}): {error}"
                             f"{self._came_from(shapes)}") from None
        if math.prod(out) > MAX_ELEMENTS:
            raise InputError(f"layer {name!r}: an output of {shape_text(out)} is over "
                             f"{MAX_ELEMENTS:,} elements")
        tensors = rule.tensors(layer.args, shapes)
        count = rule.count(layer.args, shapes) if rule.count else None
        _verify(count, tensors, sizes, name)
        params = tuple(self._entry(name, tensor, node) for tensor in tensors)
        buffers = tuple(self._entry(name, tensor, None, buffer=True)
                        for tensor in rule.buffers(layer.args, shapes))
        self._field(rule, layer, shapes)
        from derive.models.summary import LayerRow

        self.rows.append(LayerRow(name, layer.type, out, params, buffers,
                                  rule.macs(layer.args, shapes, out), self.copies, count, sizes,
                                  self.field, ignored_note(layer.type, layer.args)))
        self.origin = Origin(name, layer.type, shapes[0])
        return Input(out)

    def _shapes(self, rule: Rule, layer: Layer, name: str,
                flow: tuple[Input, ...]) -> tuple[tuple[int, ...], ...]:
        label = f"layer {name!r} ({layer.type}, {layer.where})"
        if len(flow) not in rule.inputs:
            wanted = " or ".join(map(str, rule.inputs))
            raise InputError(f"{label} reads {wanted} tensor(s) but gets {len(flow)}")
        for item in flow:
            if item.integer != rule.integer_input:
                need = "token ids (tokens:N)" if rule.integer_input else \
                    "real numbers, not token ids; put an Embedding first"
                raise InputError(f"{label} reads {need}")
        return tuple(item.shape for item in flow)

    def _came_from(self, shapes: tuple[tuple[int, ...], ...]) -> str:
        origin = self.origin
        if origin is None:
            return f"; its input {shape_text(shapes[0])} is the model's input"
        how = f", which flattened {shape_text(origin.input)}" if origin.type == "Flatten" else ""
        return f"; its input {shape_text(shapes[0])} comes from {origin.name!r} " \
               f"({origin.type}{how})"

    def _entry(self, name: str, tensor: Tensor, node: Layer | Tied | None,
               buffer: bool = False) -> Entry:
        from derive.models.summary import Entry

        full = f"{name}.{tensor.name}" if name else tensor.name
        shared = None
        if isinstance(node, Tied) and node.tensor == tensor.name:
            shared = self._tie(node, full, tensor)
        if not buffer:
            self.seen.setdefault(full, tensor.shape)
        return Entry(full, tensor.shape, tensor.numel, shared, not self.frozen and not buffer)

    def _tie(self, node: Tied, full: str, tensor: Tensor) -> str:
        if node.target not in self.seen:
            known = ", ".join(list(self.seen)[-6:]) or "none yet"
            raise InputError(f"{full}: Tie names {node.target!r}, not a parameter above "
                             f"(the last ones: {known})")
        if self.seen[node.target] != tensor.shape:
            raise InputError(f"{full}: its shape {shape_text(tensor.shape)} differs from "
                             f"{node.target}'s {shape_text(self.seen[node.target])}")
        return node.target

    def _field(self, rule: Rule, layer: Layer, shapes: tuple[tuple[int, ...], ...]) -> None:
        if self.field is None:
            return
        if rule.window is None:
            if not rule.keep_field:
                self.field = None
            return
        window = rule.window(layer.args, shapes)
        if window is None or len(window.kernel) != len(self.field.size):
            self.field = None
            return
        self.field = self.last_field = self.field.through(window)


def _verify(count: Count | None, tensors: tuple[Tensor, ...], sizes: tuple[SizeFormula, ...],
            name: str) -> None:
    """Each count two ways: the closed form against the tensors' own shapes; each size
    formula against the direct computation. A mismatch is a bug, never an answer."""
    direct = sum(tensor.numel for tensor in tensors)
    value = 0 if count is None else count.value
    if value != direct:
        raise VerificationError(f"layer {name!r}: the formula gives {value}, its tensors "
                                f"{direct}")
    for size in sizes:
        if int(value_of(size.formula, dict(size.given))) != size.value:
            raise VerificationError(f"layer {name!r}: the formula of {size.name} disagrees")
