"""The tables of a `graph` solution: forward values, the local derivative on every edge, and
the backward pass, each cell as math (`derive.solution.MathCell`).

>>> from derive.symbolic.graph import build_graph
>>> g = build_graph("relu(w*x + b)", {"w": 2, "x": 3, "b": -1})
>>> [str(row[0].expr) for row in forward_table(g).rows]
['x', 'w', 'b', 'v_1', 'v_2', 'f']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sympy

from derive.solution import MathCell, Table
from derive.symbolic.build import add, mul
from derive.symbolic.graph import Graph, Node
from derive.symbolic.matrices import Partial


def cell(expr: Any, given: Mapping[sympy.Symbol, Any] | None = None) -> MathCell:
    """An expression as a table cell; `given` substitutes numbers."""
    return MathCell(expr, given)


def number(value: float) -> str:
    """A value as a cell: four significant digits."""
    return f"{value:.4g}"


def local_value(user: Node, index: int) -> float:
    """The local derivative of `user` with respect to its input `index` (summed when the
    input is used twice)."""
    return sum(value for i, value in zip(user.inputs, user.local_values, strict=True)
               if i == index)


def reader_leaves(graph: Graph) -> list[Node]:
    """The leaves as a reader lists them: the inputs (x...) first, then the parameters by
    their index, each index's in the order the expression first mentions them.

    >>> from derive.symbolic.graph import build_graph
    >>> g = build_graph("relu(w1*relu(w0*x0 + b0) + b1 + x0)",
    ...                 {"x0": 1, "w0": 0.3, "w1": -0.2, "b0": 0.1, "b1": -0.3})
    >>> [leaf.name for leaf in reader_leaves(g)]
    ['x0', 'w0', 'b0', 'w1', 'b1']
    """
    def place(item: tuple[int, Node]) -> tuple[bool, int, int]:
        mention, leaf = item
        name = re.fullmatch(r"(.*?)_?(\d*)", leaf.name)
        assert name is not None  # every string matches
        index = int(name.group(2)) if name.group(2) else -1
        return name.group(1) != "x", index, mention

    return [leaf for _, leaf in sorted(enumerate(graph.leaves), key=place)]


def operations(graph: Graph) -> list[Node]:
    """The nodes that compute (neither a leaf nor a constant), in the order computed."""
    return [node for node in graph.nodes if node.op not in ("leaf", "const")]


def forward_table(graph: Graph) -> Table:
    """Every node in a computing order a reader expects, the leaves first (`reader_leaves`):
    what it computes, with the values, its value."""
    rows: list[tuple[Any, ...]] = []
    for node in [*reader_leaves(graph), *operations(graph)]:
        if node.op == "leaf":
            rows.append((cell(node.symbol), "given", "", number(node.value)))
            continue
        given = {graph.nodes[i].symbol: graph.nodes[i].value for i in node.inputs
                 if graph.nodes[i].op != "const"}
        formula = graph.formula(node)
        rows.append((cell(node.symbol), cell(formula), cell(formula, given),
                     number(node.value)))
    return Table(("node", "computes", "with the values", "value"), tuple(rows),
                 caption="forward pass, node by node", before=True)


def locals_table(graph: Graph) -> Table:
    """The local derivative on every edge (input -> node), as a formula and a number."""
    rows = []
    for node in graph.nodes:
        for index, local in zip(node.inputs, node.local, strict=True):
            child = graph.nodes[index]
            if child.op == "const":
                continue
            edge = sympy.Symbol(rf"{sympy.latex(child.symbol)} \to {sympy.latex(node.symbol)}")
            rows.append((cell(edge),
                         cell(sympy.Eq(Partial(node.symbol, child.symbol), local,
                                       evaluate=False)),
                         number(local_value(node, index))))
    return Table(("edge", "local derivative", "value"), tuple(rows),
                 caption="local derivative on every edge", before=True)


def backward_table(graph: Graph, gradients: Mapping[str, float]) -> Table:
    """The backward pass over the inner nodes, in the order it visits them: each node's
    gradient from the nodes that use it, times the local derivatives."""
    root, rows = graph.root, []
    for node in reversed(graph.nodes[:-1]):
        if node.op in ("leaf", "const"):
            continue
        users = graph.consumers(node.index)
        terms = [Partial(user.symbol, node.symbol) if user is root else
                 mul(Partial(root.symbol, user.symbol), Partial(user.symbol, node.symbol))
                 for user in users]
        given = {Partial(root.symbol, user.symbol): gradients[user.name] for user in users}
        given.update({Partial(user.symbol, node.symbol): local_value(user, node.index)
                      for user in users})
        formula = add(*terms) if len(terms) > 1 else terms[0]
        rows.append((cell(Partial(root.symbol, node.symbol)), cell(formula),
                     cell(formula, given), number(gradients[node.name])))
    return Table(("gradient", "from the nodes that use it", "with the values", "value"),
                 tuple(rows), caption=f"backward pass from {root.name}, where d{root.name}/d"
                 f"{root.name} = 1, in reverse topological order", before=True)
