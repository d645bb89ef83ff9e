"""Jacobians of a network's nodes: the local factors, their shapes, and the contraction
with the 3-way tensor dz/dW.

Every node is one example as a column (a row convention's single row is the same vector).
In the numerator layout d(out)/d(in) has shape (out entries) x (in entries); the
denominator layout is its transpose. The factors come from the same rule table as the
gradients: the output's Jacobian, diag(g'(z)) for an activation, W (or W^T) for a linear map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sympy import Identity, MatrixExpr, MatrixSymbol

from derive.errors import FieldError
from derive.numeric import mlp
from derive.symbolic.activations import Activation
from derive.symbolic.matrices import Diag, hadamard, matmul
from derive.symbolic.network import SymbolicNetwork
from derive.symbolic.outputs import OutputLoss

NODE = re.compile(r"(yhat|y_hat|[zab]_?(\d+)|W_?(\d+))")


@dataclass(frozen=True)
class Node:
    """A position in the network: ("z", l), ("a", l) with a_0 = x, ("yhat", L), or a
    parameter ("W", l), ("b", l)."""

    kind: str
    layer: int

    @property
    def rank(self) -> float:
        """Order along the forward pass: x, z_1, a_1, ..., z_L, yhat (parameters before z_l)."""
        return {"a": 0.0, "z": -0.5, "W": -0.75, "b": -0.75, "yhat": 0.0}[self.kind] + \
            self.layer


def parse_node(text: str, depth: int, field: str) -> Node:
    """'yhat', 'z2', 'a_1', 'W1', 'b1' -> a Node of a network of `depth` layers."""
    match = NODE.fullmatch(text.strip())
    if match is None:
        raise FieldError(field, f"{text!r} is not a node; write yhat, z2, a1, W1 or b1")
    if match.group(1) in ("yhat", "y_hat"):
        return Node("yhat", depth)
    kind, layer = match.group(1)[0], int(match.group(2) or match.group(3))
    if not (0 if kind == "a" else 1) <= layer <= depth or (kind == "a" and layer == depth):
        raise FieldError(field, f"{text!r} does not exist in a {depth}-layer network "
                         f"(z1..z{depth}, a0..a{depth - 1}, W1..W{depth}, b1..b{depth})")
    return Node(kind, layer)


def symbol(net: SymbolicNetwork, node: Node) -> MatrixSymbol:
    return {"z": net.z, "a": net.a, "W": net.W, "b": net.b}.get(
        node.kind, lambda layer: net.yhat)(node.layer)


def output_jacobian(net: SymbolicNetwork, pair: OutputLoss) -> MatrixExpr:
    """d yhat / d z_L, the output rule's: diag(yhat) - yhat yhat^T for softmax,
    diag(yhat (1 - yhat)) for a sigmoid, diag(1 - yhat^2) for tanh, I for the identity."""
    return pair.jacobian(net.yhat)


def factors(net: SymbolicNetwork, hidden: list[Activation], pair: OutputLoss, top: Node,
            bottom: Node) -> list[tuple[Node, Node, MatrixExpr, str]]:
    """The matrix factors d(upper)/d(lower), numerator layout, from `top` down to the node
    that `bottom` feeds (a parameter's own factor is the tensor, handled apart)."""
    chain = []
    node = top
    last = bottom if bottom.kind in ("z", "a") else Node("z", bottom.layer)
    while node.rank > last.rank:
        if node.kind == "yhat":
            lower = Node("z", node.layer)
            chain.append((node, lower, output_jacobian(net, pair),
                          f"the output's Jacobian ({pair.output})"))
        elif node.kind == "a":
            lower = Node("z", node.layer)
            rule = hidden[node.layer - 1]
            prime = rule.prime(rule, net.z(node.layer), net.a(node.layer))
            local = Diag(hadamard(*prime) if len(prime) > 1 else prime[0]) if prime \
                else Identity(net.z(node.layer).shape[0])
            chain.append((node, lower, local, f"{rule.name} acts entry by entry: a diagonal"))
        else:
            lower = Node("a", node.layer - 1)
            W = net.W(node.layer)
            chain.append((node, lower, W.T if net.convention.transposed else W,
                          "the linear map's matrix"))
        node = lower
    return chain


def product(chain: list[tuple[Node, Node, MatrixExpr, str]], size: Any) -> MatrixExpr:
    """The product of the factors, or I when the chain is empty."""
    return matmul(*(factor for _, _, factor, _ in chain)) if chain else Identity(size)


def forward_nodes(net_numeric: mlp.Network, params: list[tuple[Any, Any]], x: Any,
                  start: Node | None = None, value: Any = None) -> dict[Node, Any]:
    """Every node's value for one example (a row), optionally with one node replaced."""
    values = {Node("a", 0): x}
    depth = len(params)
    a = x if start != Node("a", 0) else value
    for layer, (W, b) in enumerate(params, 1):
        z = a @ W.T + b
        if start == Node("z", layer):
            z = value
        values[Node("z", layer)] = z
        if layer == depth:
            values[Node("yhat", depth)] = net_numeric.output(z)
        else:
            a = net_numeric.hidden[layer - 1][0](z)
            if start == Node("a", layer):
                a = value
            values[Node("a", layer)] = a
    return values


def numeric_jacobian(net_numeric: mlp.Network, params: list[tuple[Any, Any]], x: Any,
                     top: Node, bottom: Node, step: float = 1e-6) -> Any:
    """Central differences of the node `top` with respect to every entry of `bottom`:
    shape (top entries, *bottom's shape in row layout)."""
    def output() -> Any:
        if bottom.kind in ("W", "b"):
            return forward_nodes(net_numeric, params, x)[top].ravel()
        return forward_nodes(net_numeric, params, x, bottom, moved)[top].ravel()

    if bottom.kind in ("W", "b"):
        moved = params[bottom.layer - 1][0 if bottom.kind == "W" else 1]
    else:
        moved = forward_nodes(net_numeric, params, x)[bottom].copy()
    return mlp.numerical_gradient(output, moved, step).reshape(-1, *moved.shape)
