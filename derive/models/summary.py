"""The summary of a model as data: one row per layer, then the totals.

A row holds the layer's torch name (``layer1.0.conv1``), its type, its output shape, its
parameters per tensor (torch's names), buffers, MACs, the closed form of its count and
the formulas of its output sizes, and the receptive field after it. Every count is
verified two ways before it is kept: the rule's closed form against the sum of the rule's
own tensor shapes, and each size formula against the direct computation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from derive.errors import InputError
from derive.models.inputs import Input, parse_inputs
from derive.models.nodes import Chain, Frozen, Layer, Node, Parallel, Repeat, Residual, Tied
from derive.models.receptive import Field
from derive.models.rules import Count, ShapeError, SizeFormula
from derive.models.walk import Walk, broadcast, shape_text

FLOAT32_BYTES = 4


@dataclass(frozen=True)
class Entry:
    """A parameter or buffer of a layer: torch's state_dict name, shape, elements; a shared
    parameter names the one it is (counted there); a frozen one is not trainable."""

    name: str
    shape: tuple[int, ...]
    numel: int
    shared_with: str | None = None
    trainable: bool = True


@dataclass(frozen=True)
class LayerRow:
    """One layer of the summary. `copies` > 1 for a layer inside Repeat (shown once)."""

    name: str
    type: str
    output: tuple[int, ...]
    params: tuple[Entry, ...]
    buffers: tuple[Entry, ...]
    macs: int
    copies: int = 1
    count: Count | None = None
    sizes: tuple[SizeFormula, ...] = ()
    field: Field | None = None
    note: str = ""  # e.g. that the layer ignored its arguments

    @property
    def n_params(self) -> int:
        """Parameters counted in this layer (a shared one is counted where it lives)."""
        return sum(entry.numel for entry in self.params if entry.shared_with is None)

    @property
    def n_buffers(self) -> int:
        """Elements of this layer's buffers."""
        return sum(entry.numel for entry in self.buffers)


@dataclass(frozen=True)
class Summary:
    """Rows and totals; `macs` per example (batch 1), `field` after the last windowed layer."""

    inputs: tuple[Input, ...]
    rows: tuple[LayerRow, ...]
    output: tuple[int, ...]
    trainable: int
    non_trainable: int
    buffers: int
    macs: int
    field: Field | None

    @property
    def total(self) -> int:
        """Every parameter, trainable or not, each shared one once."""
        return self.trainable + self.non_trainable

    @property
    def param_bytes(self) -> int:
        """Memory of the parameters at float32."""
        return FLOAT32_BYTES * self.total


def summarize(model: Chain, inputs: tuple[Input, ...]) -> Summary:
    """Walk `model` from `inputs`: every layer's shapes, tensors, MACs and field, verified."""
    walk = Walk(inputs)
    flow = _node(walk, model, "", inputs)
    if len(flow) != 1:
        raise ShapeError(f"the model ends with {len(flow)} tensors; add a layer that reads them")
    rows = tuple(walk.rows)
    trainable = sum(r.copies * sum(e.numel for e in r.params if e.shared_with is None
                                   and e.trainable) for r in rows)
    total = sum(r.copies * r.n_params for r in rows)
    return Summary(inputs, rows, flow[0].shape, trainable, total - trainable,
                   sum(r.copies * r.n_buffers for r in rows), sum(r.copies * r.macs for r in rows),
                   walk.last_field)


def count(model: Chain, inputs: Any) -> Summary:
    """The summary of `model` for inputs written as ``3x32x32`` / ``tokens:128`` / a list:
    the API that the params, conv-size and attention-params kinds can call."""
    return summarize(model, parse_inputs(inputs, "input"))


def prefix(model: Chain, inputs: Any) -> tuple[tuple[LayerRow, ...], InputError | None]:
    """The rows of `model`'s layers up to the first that cannot take its input, and that
    layer's error (None when every layer fits): the shapes before a failing layer are
    answers too."""
    flow = parse_inputs(inputs, "input")
    walk = Walk(flow)
    for child, item in model.children:
        try:
            flow = _node(walk, item, child, flow)
        except InputError as error:  # a layer's or a combinator's, naming its place
            return tuple(walk.rows), error
    return tuple(walk.rows), None


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _node(walk: Walk, node: Node, name: str, flow: tuple[Input, ...]) -> tuple[Input, ...]:
    if isinstance(node, Layer | Tied):
        return (walk.layer(node, name, flow),)
    if isinstance(node, Chain):
        for child, item in node.children:
            flow = _node(walk, item, _join(name, child), flow)
        return flow
    if isinstance(node, Frozen):
        walk.frozen += 1
        try:
            return _node(walk, node.body, name, flow)
        finally:
            walk.frozen -= 1
    if isinstance(node, Repeat):
        return _repeat(walk, node, name, flow)
    if isinstance(node, Residual):
        return _residual(walk, node, name, flow)
    return _parallel(walk, node, name, flow)


def _repeat(walk: Walk, node: Repeat, name: str, flow: tuple[Input, ...]) -> tuple[Input, ...]:
    before = walk.field
    walk.copies *= node.count
    try:
        out = _node(walk, node.body, _join(name, "0"), flow)
    finally:
        walk.copies //= node.count
    if out != flow:
        raise ShapeError(f"Repeat at {name or 'the top'!r}: its body turns "
                         f"{shape_text(flow[0].shape)} into {shape_text(out[0].shape)}, so "
                         "the copies would differ; write them out")
    if walk.field is not None and before is not None and walk.field != before:
        walk.field = walk.last_field = walk.field.repeated(before, node.count - 1)
        walk.rows[-1] = replace(walk.rows[-1], field=walk.field)
    return out


def _residual(walk: Walk, node: Residual, name: str,
              flow: tuple[Input, ...]) -> tuple[Input, ...]:
    body = _node(walk, node.body, name, flow)
    field = walk.field
    shortcut = flow
    if node.shortcut is not None:
        shortcut = _node(walk, node.shortcut[1], _join(name, node.shortcut[0]), flow)
        walk.field = field  # the body's field is the larger: the shortcut's is inside it
    if body[0].shape != shortcut[0].shape:
        raise ShapeError(f"Residual at {name or 'the top'!r}: the body gives "
                         f"{shape_text(body[0].shape)} but the shortcut "
                         f"{shape_text(shortcut[0].shape)}; give a shortcut= (downsample=) "
                         "that matches")
    if node.post is not None:
        return _node(walk, node.post[1], _join(name, node.post[0]), body)
    return body


def _parallel(walk: Walk, node: Parallel, name: str,
              flow: tuple[Input, ...]) -> tuple[Input, ...]:
    spread = len(flow) == len(node.children)
    outs = [_node(walk, child, _join(name, label), (flow[i],) if spread else flow)
            for i, (label, child) in enumerate(node.children)]
    walk.field = None
    shapes = [out[0].shape for out in outs]
    return (Input(broadcast(shapes, f"Sum at {name or 'the top'!r}")),)
