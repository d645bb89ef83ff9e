"""The parsed model: a tree of layers and combinators, as data.

A `Layer` is one constructor call of a registered layer type with its arguments bound
to the rule's parameters (torch's defaults filled in). Combinators: `Chain` (a
Sequential), `Residual`, `Parallel` (a sum of branches), `Repeat`, `Tied`, `Frozen`.
Children carry the names torch would give them (`0`, `conv1`, `downsample`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Layer:
    """One call such as ``Conv2d(3, 6, 5)``: its rule's type and the bound arguments."""

    type: str
    args: Mapping[str, Any]
    where: str  # "line 3", for error messages


@dataclass(frozen=True)
class Chain:
    """Children applied in order, each named (its index unless named): torch's Sequential."""

    children: tuple[tuple[str, Node], ...]


@dataclass(frozen=True)
class Residual:
    """body(x) + shortcut(x) (x itself when there is no shortcut), then `post`."""

    body: Chain
    shortcut: tuple[str, Node] | None = None
    post: tuple[str, Node] | None = None


@dataclass(frozen=True)
class Parallel:
    """The sum of branches: branch i reads input i when there are as many inputs as
    branches (BERT's tokens, positions, segments), else every branch reads the input."""

    children: tuple[tuple[str, Node], ...]


@dataclass(frozen=True)
class Repeat:
    """`count` copies of `body` (named 0 .. count-1), counted once and multiplied."""

    count: int
    body: Node


@dataclass(frozen=True)
class Tied:
    """`layer` whose tensor `tensor` is the parameter named `target` elsewhere in the model."""

    layer: Layer
    tensor: str
    target: str


@dataclass(frozen=True)
class Frozen:
    """`body` with every parameter non-trainable (requires_grad=False)."""

    body: Node


Node = Layer | Chain | Residual | Parallel | Repeat | Tied | Frozen


def expanded_size(node: Node) -> int:
    """Layers in `node` once repeats are multiplied out, computed without expanding.

    >>> expanded_size(Repeat(12, Chain((("0", Layer("ReLU", {}, "")),
    ...                                  ("1", Layer("ReLU", {}, ""))))))
    24
    """
    if isinstance(node, Layer | Tied):
        return 1
    if isinstance(node, Repeat):
        return node.count * expanded_size(node.body)
    if isinstance(node, Frozen):
        return expanded_size(node.body)
    if isinstance(node, Residual):
        extra = [pair[1] for pair in (node.shortcut, node.post) if pair is not None]
        return expanded_size(node.body) + sum(map(expanded_size, extra))
    return sum(expanded_size(child) for _, child in node.children)
