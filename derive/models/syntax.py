"""Read a model description: PyTorch constructor calls, parsed with `ast`, never evaluated.

Accepted: one expression (``nn.Sequential(...)``, pasted with or without ``nn.``), or one
layer per line, or assignments (``block = ...``) used once each by name; import lines are
skipped. Combinators: Sequential (positional, named ``conv1=...`` or an ``OrderedDict``),
Residual, Sum, Repeat, Tie, Frozen, and torchvision's BasicBlock / Bottleneck. Every cap
in `derive.models.limits` is checked while reading, and reading is linear in the text.

>>> node = parse_model("nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU())")
>>> [(name, child.type) for name, child in node.children]
[('0', 'Conv2d'), ('1', 'ReLU')]
>>> parse_model("Conv4d(1, 2, 3)")
Traceback (most recent call last):
derive.errors.InputError: model: line 1: unknown layer 'Conv4d'; known: ...
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from derive.call_syntax import dotted, refuse_repeated_keywords, shown
from derive.errors import InputError
from derive.models import literals
from derive.models.combinators import COMBINATORS
from derive.models.limits import MAX_CALLS, MAX_EXPANDED, MAX_NESTING, MAX_TEXT
from derive.models.nodes import Chain, Layer, Node, expanded_size
from derive.models.registry import RULES
from derive.models.rules import bind

NAMESPACES = ((), ("nn",), ("torch", "nn"), ("collections",))
IMPORTS = ("torch", "torch.nn", "collections", "torch.nn.functional")


def _nesting(text: str, name: str) -> None:
    """Refuse deep brackets before `ast` sees them (its parser recurses on them)."""
    depth = 0
    for char in text:
        depth += (char in "([{") - (char in ")]}")
        if depth > MAX_NESTING:
            raise InputError(f"{name}: brackets nested deeper than {MAX_NESTING}")


class Reader:
    """Turns the statements of one description into nodes, counting calls as it goes."""

    def __init__(self, name: str, source: str) -> None:
        self.name, self.source = name, source
        self.definitions: dict[str, ast.expr] = {}
        self.used: set[str] = set()
        self.calls = 0
        self.depth = 0

    def where(self, node: ast.AST) -> str:
        return f"{self.name}: line {getattr(node, 'lineno', 1)}"

    def module(self, node: ast.expr) -> Node:
        """The layer or combinator written at `node`."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise InputError(f"{self.where(node)}: modules nested deeper than {MAX_NESTING}")
        try:
            return self._module(node)
        finally:
            self.depth -= 1

    def _module(self, node: ast.expr) -> Node:
        if isinstance(node, ast.Name):
            return self.module(self._definition(node))
        if not isinstance(node, ast.Call):
            raise InputError(f"{self.where(node)}: expected a layer such as Conv2d(3, 6, 5), "
                             f"got {shown(node, self.source)!r}")
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise InputError(f"{self.name}: more than {MAX_CALLS:,} calls")
        callee = self.callee(node)
        if any(isinstance(arg, ast.Starred) for arg in node.args) or any(
                keyword.arg is None for keyword in node.keywords):
            raise InputError(f"{self.where(node)}: {callee}: * and ** arguments are not read")
        if callee in COMBINATORS:
            return COMBINATORS[callee](self, node)
        if callee not in RULES:
            raise InputError(f"{self.where(node)}: unknown layer {callee!r}; known: "
                             f"{', '.join(sorted(RULES) + sorted(COMBINATORS))}")
        args = tuple(self.value(arg, callee) for arg in node.args)
        kwargs = {str(k.arg): self.value(k.value, callee) for k in node.keywords}
        return Layer(callee, bind(RULES[callee], args, kwargs, self.where(node)),
                     self.where(node))

    def callee(self, node: ast.Call) -> str:
        """`Conv2d` from ``Conv2d``, ``nn.Conv2d`` or ``torch.nn.Conv2d``; nothing else."""
        path = dotted(node.func)
        if path is None or path[:-1] not in NAMESPACES:
            raise InputError(f"{self.where(node)}: expected a layer such as nn.Conv2d(...), got "
                             f"{shown(node.func, self.source)!r}")
        return path[-1]

    def value(self, node: ast.expr, callee: str) -> Any:
        """An argument's literal value."""
        return literals.value(node, f"{self.where(node)}: {callee}", self.source)

    def _definition(self, node: ast.Name) -> ast.expr:
        if node.id not in self.definitions:
            raise InputError(f"{self.where(node)}: {node.id!r} is not defined above")
        if node.id in self.used:
            raise InputError(f"{self.where(node)}: {node.id!r} is used twice; torch would share "
                             "one module's parameters: write the layer again, or Repeat")
        self.used.add(node.id)
        return self.definitions[node.id]


def parse_model(text: str, name: str = "model") -> Chain:
    """The model written in `text`, as a `Chain` (a single layer is a chain of one)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{name}: expected the model's text, e.g. nn.Sequential(...)")
    if len(text) > MAX_TEXT:
        raise InputError(f"{name}: at most {MAX_TEXT:,} characters, got more; shorten it or "
                         "use Repeat(N, ...) for repeated layers")
    _nesting(text, name)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        line = getattr(error, "lineno", None)
        raise InputError(f"{name}: line {line}: {getattr(error, 'msg', error)}") from None
    refuse_repeated_keywords(tree, name, text)
    reader = Reader(name, text)
    lines = _statements(reader, tree.body)
    if not lines:
        raise InputError(f"{name}: no layer; write e.g. nn.Sequential(nn.Linear(4, 2))")
    nodes = [reader.module(line) for line in lines]
    return _checked(_chain(nodes), name)


def parse_layers(items: Sequence[str], name: str = "layers") -> Chain:
    """One layer (or combinator) per entry, as ``--layer`` options or a ``layers`` list."""
    if isinstance(items, str) or not items or len(items) > MAX_CALLS:
        raise InputError(f"{name}: expected 1 to {MAX_CALLS:,} layers")
    nodes: list[Node] = []
    for index, item in enumerate(items, 1):
        if not isinstance(item, str):
            raise InputError(f"{name}[{index}]: expected a layer such as 'Conv2d(3, 6, 5)'")
        nodes += [child for _, child in parse_model(item, f"{name}[{index}]").children]
    return _checked(Chain(tuple((str(i), node) for i, node in enumerate(nodes))), name)


def _statements(reader: Reader, body: list[ast.stmt]) -> list[ast.expr]:
    lines: list[ast.expr] = []
    last = None
    for statement in body:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            names = [statement.module or ""] if isinstance(statement, ast.ImportFrom) else \
                [alias.name for alias in statement.names]
            if not all(module in IMPORTS for module in names):
                raise InputError(f"{reader.where(statement)}: only torch imports are skipped")
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name):
            last = statement.targets[0].id
            reader.definitions[last] = statement.value
        elif isinstance(statement, ast.Expr):
            lines.append(statement.value)
        else:
            raise InputError(f"{reader.where(statement)}: expected layers or name = layer, got "
                             f"{shown(statement, reader.source)!r}")
    if not lines and last is not None:
        lines.append(ast.Name(last, lineno=1))
    return lines


def _chain(nodes: list[Node]) -> Chain:
    if len(nodes) == 1 and isinstance(nodes[0], Chain):
        return nodes[0]
    return Chain(tuple((str(index), node) for index, node in enumerate(nodes)))


def _checked(chain: Chain, name: str) -> Chain:
    size = expanded_size(chain)
    if size > MAX_EXPANDED:
        raise InputError(f"{name}: {size:,} layers once repeats are expanded; at most "
                         f"{MAX_EXPANDED:,}")
    return chain


