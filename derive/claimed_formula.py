"""Checking a formula someone claims against a derived one, numerically and strictly.

The claim is written in the safe syntax (`@` matrix product, `*` entry-wise, `.T`,
sigmoid, relu, tanh, exp, log, softmax, diag, sum, the problem's names) and evaluated
with the same random matrices as the derived formula, at small sizes: shapes must agree
exactly (no broadcasting but by scalars). When it disagrees, a catalogue of rewrites
looks for the likely cause: the sign, a factor, a missing or extra transpose, vectors
written as rows (the numerator layout).
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from derive.claim_spelling import ascii_claim
from derive.errors import InputError
from derive.expr import validate
from derive.numeric import activations as kernels

TOLERANCE = 1e-9


class ShapeMismatch(ValueError):
    """The claimed formula cannot be evaluated: two shapes do not fit."""


ELEMENTWISE: dict[str, Callable[[Any], Any]] = {
    "sigmoid": lambda v: kernels.sigmoid(np, v), "relu": lambda v: kernels.relu(np, v),
    "tanh": np.tanh, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
}


def _softmax(v: Any) -> Any:
    axis = 0 if v.shape[1] == 1 else 1  # a vector over its entries, a batch over each row
    shifted = np.exp(v - v.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def _same(a: Any, b: Any, what: str) -> None:
    if np.ndim(a) and np.ndim(b) and np.shape(a) != np.shape(b):
        raise ShapeMismatch(f"{what} of a {_shape(a)} and a {_shape(b)} matrix")


def _shape(a: Any) -> str:
    return " x ".join(map(str, np.shape(a)))


def _binary(op: ast.operator, a: Any, b: Any) -> Any:
    if isinstance(op, ast.MatMult) and np.ndim(a) == 2 and np.ndim(b) == 0 and b == 1:
        return a @ np.ones((a.shape[1], 1))  # A 1: the ones vector, summing A's columns
    if isinstance(op, ast.MatMult):
        if not (np.ndim(a) == np.ndim(b) == 2) or a.shape[1] != b.shape[0]:
            raise ShapeMismatch(f"the product of a {_shape(a)} and a {_shape(b)} matrix")
        return a @ b
    if isinstance(op, ast.Pow):
        if np.ndim(b):
            raise ShapeMismatch("a power with a matrix exponent")
        return a ** b
    name = {ast.Add: "the sum", ast.Sub: "the difference", ast.Mult: "the entry-wise product",
            ast.Div: "the entry-wise quotient"}[type(op)]
    _same(a, b, name)
    return {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
            ast.Div: np.divide}[type(op)](a, b)


def evaluate_claim(tree: ast.AST, values: Mapping[str, Any]) -> Any:
    """The claim's value for named matrices and scalars."""
    if isinstance(tree, ast.Constant):
        return float(tree.value)  # type: ignore[arg-type]  # validate() admits numbers only
    if isinstance(tree, ast.Name):
        if tree.id not in values:
            raise InputError(f"claims: unknown name {tree.id!r}; use {', '.join(sorted(values))}")
        return values[tree.id]
    if isinstance(tree, ast.UnaryOp):
        value = evaluate_claim(tree.operand, values)
        return -value if isinstance(tree.op, ast.USub) else value
    if isinstance(tree, ast.Attribute):
        value = evaluate_claim(tree.value, values)
        return value.T if np.ndim(value) else value
    if isinstance(tree, ast.BinOp):
        return _binary(tree.op, evaluate_claim(tree.left, values),
                       evaluate_claim(tree.right, values))
    assert isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)
    name, argument = tree.func.id, evaluate_claim(tree.args[0], values)
    if name in ELEMENTWISE:
        return ELEMENTWISE[name](argument)
    if name == "softmax":
        return _softmax(np.atleast_2d(argument))
    if name == "diag":
        return np.diag(np.ravel(argument))
    if name == "sum":
        return np.sum(argument)
    raise InputError(f"claims: the function {name!r} cannot be used in a claimed formula")


@dataclass(frozen=True)
class Finding:
    """How a claimed formula relates to the right one."""

    verdict: str  # "correct" or "wrong"
    cause: str


def _transposed_variants(tree: ast.AST, names: Mapping[str, Any]) -> Iterator[
        tuple[ast.AST, str]]:
    """The claim with one sub-expression transposed (or one transpose removed), each with
    the change in caption math (`_quoted`): "write sigma(A)^T, not sigma(A)"."""
    for index in range(len(_operands(tree))):
        variant = copy.deepcopy(tree)
        target = _operands(variant)[index]
        if isinstance(target, ast.Attribute):
            replacement: ast.expr = target.value
            quoted = _quoted(target.value, names)
            change = (f"write {quoted}, not {_transposed(quoted)}" if quoted else
                      f"the transpose of {_place(variant, target, names)} is wrong")
        else:
            replacement = ast.Attribute(value=copy.deepcopy(target), attr="T", ctx=ast.Load())
            quoted = _quoted(target, names)
            change = (f"write {_transposed(quoted)}, not {quoted}" if quoted else
                      f"{_place(variant, target, names)} should be transposed")
        yield _replace(variant, target, replacement), change


def _rewritten(tree: ast.AST, names: Mapping[str, Any]) -> Iterator[tuple[ast.AST, str]]:
    """The claim with one function call rewritten: sigma(X) for sigma'(X) = sigma(X) (1 -
    sigma(X)) and back, or a log put around a sub-expression."""
    for index in range(len(_operands(tree))):
        variant = copy.deepcopy(tree)
        target = _operands(variant)[index]
        written = ast.unparse(target)
        quoted = _quoted(target, names)
        if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and \
                target.func.id == "sigmoid":
            derivative = ast.parse(f"{written} * (1 - {written})", mode="eval").body
            yield _replace(variant, target, derivative), "sigma written for sigma'" + (
                f": write sigma'{quoted[5:]} = {quoted}(1 - {quoted}), not {quoted}"
                if quoted else "")
        else:
            logged = ast.Call(func=ast.Name(id="log", ctx=ast.Load()), args=[target],
                              keywords=[])
            yield _replace(variant, target, logged), "log missing" + (
                f": write log({quoted}), not {quoted}" if quoted else "")


# a claim's functions as captions write them (sigma(A) prints as σ(A), relu(A) as ReLU(A))
_CAPTION_FUNCTIONS = {"sigmoid": "sigma", "relu": "relu", "tanh": "tanh", "exp": "exp",
                      "log": "log"}


def _quoted(node: ast.AST, names: Mapping[str, Any]) -> str | None:
    """A claim's name, number, function of a name or transpose of either as caption math (ASCII
    that the renderers typeset: W_2, sigma(A), yhat, W_2^T); None for a compound
    sub-expression, which a cause names by its place (`_place`) instead."""
    if isinstance(node, ast.Name):
        return _course_name(node.id, names)
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in _CAPTION_FUNCTIONS and isinstance(node.args[0], ast.Name):
        return f"{_CAPTION_FUNCTIONS[node.func.id]}({_course_name(node.args[0].id, names)})"
    if isinstance(node, ast.Attribute):
        inner = _quoted(node.value, names)
        return inner and _transposed(inner)
    return None


def _course_name(name: str, names: Iterable[str]) -> str:
    """A claimed name as the problem writes it: W1 as W^1 where the problem names W^1."""
    return next((n for n in names if n != name and identifier(n) == name), name)


def _transposed(quoted: str) -> str:
    """Caption math for a quoted atom's transpose: W_2^T, sigma(A)^T, (W^1)^T."""
    return f"({quoted})^T" if "^" in quoted and "(" not in quoted else f"{quoted}^T"


def _place(tree: ast.AST, target: ast.AST, names: Mapping[str, Any]) -> str:
    """Where a compound sub-expression stands, in words: the whole factor before x (its
    neighbour in a product or sum, quoted); the whole claim; else a part of it."""
    if target is tree:
        return "the whole claim"
    parent = next((node for node in ast.walk(tree) if isinstance(node, ast.BinOp) and
                   target in (node.left, node.right)), None)
    if parent is None:
        return "a part of the claim"
    before = target is parent.left
    side = _edge(parent.right if before else parent.left, before, _precedence(parent.op))
    neighbour = _quoted(side, names) or _group(side, names)
    what = "factor" if _precedence(parent.op) == 2 else "term"
    return (f"the whole {what} {'before' if before else 'after'} {neighbour}" if neighbour
            else "a part of the claim")


def _precedence(op: ast.operator) -> int:
    """1 for a sum, 2 for a product or quotient, 3 for a power."""
    return 1 if isinstance(op, ast.Add | ast.Sub) else 3 if isinstance(op, ast.Pow) else 2


def _edge(node: ast.AST, first: bool, precedence: int) -> ast.AST:
    """The first (or last) operand of a sub-expression as it is written beside an operator
    of `precedence`: a lower-precedence sum stays whole (it is written in parentheses)."""
    while isinstance(node, ast.BinOp) and _precedence(node.op) >= precedence:
        node = node.left if first else node.right
    return node


def _group(node: ast.AST, names: Mapping[str, Any]) -> str | None:
    """A sum or difference of quoted atoms (or numbers) in parentheses: (yhat - y),
    (1 - sigma(A)); None for anything longer."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)):
        return None
    sides = [_quoted(side, names) for side in (node.left, node.right)]
    sign = "+" if isinstance(node.op, ast.Add) else "-"
    return None if None in sides else f"({sides[0]} {sign} {sides[1]})"


def _operands(tree: ast.AST) -> list[ast.expr]:
    """The sub-expressions that have values (not constants, not function names)."""
    functions = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return [node for node in ast.walk(tree) if isinstance(node, ast.expr)
            and not isinstance(node, ast.Constant) and id(node) not in functions]


def _replace(tree: ast.AST, target: ast.AST, replacement: ast.expr) -> ast.AST:
    """`tree` with the node `target` swapped for `replacement` (which may contain it)."""
    if tree is target:
        return replacement
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, field, replacement)
                return tree
            if isinstance(value, list) and any(item is target for item in value):
                setattr(parent, field, [replacement if item is target else item
                                        for item in value])
                return tree
    return tree


def _matches(value: Any, truth: Any) -> bool:
    return (np.shape(value) == np.shape(truth) and
            bool(np.max(np.abs(np.asarray(value) - truth), initial=0.0)
                 <= TOLERANCE * max(1.0, float(np.max(np.abs(truth), initial=0.0)))))


def judge(claim: str, truth: Any, values: Mapping[str, Any], factors: Mapping[str, float],
          field: str = "claims") -> Finding:
    """Compare the claimed formula with the right value `truth` (same random matrices).

    `values` names the matrices; `factors` the scalars a slip could multiply by (N, 2)."""
    tree = claim_tree(claim, values, field)
    rows = {name: (v.T if np.ndim(v) == 2 and v.shape[1] == 1 else v)
            for name, v in values.items()}
    outcome = _attempt(tree, values)
    if outcome is not None and _matches(outcome, truth):
        return Finding("correct", "")
    if outcome is not None and np.ndim(truth) == 2 and _matches(outcome, truth.T):
        return Finding("correct", "correct up to layout (transpose)")
    layout = _attempt(tree, rows)
    if layout is not None and np.ndim(truth) == 2 and _matches(layout, truth.T):
        return Finding("correct", "correct up to layout (vectors written as rows, the "
                                  "numerator layout)")
    cause = next(_causes(tree, values, rows, truth, factors), None) or _failure(tree, values)
    return Finding("wrong", cause or "not equal to the right formula at random values")


def claim_tree(claim: str, names: Iterable[str] = (), field: str = "claims") -> ast.expr:
    """A claimed formula read as `judge` reads it: copied Unicode in the claim syntax
    (`ascii_claim`, against the problem's `names`), then checked by the safe parser; an
    `InputError` naming `field` where it does not parse."""
    return validate(ascii_claim(claim, names), field, matrices=True)


def _attempt(tree: ast.AST, values: Mapping[str, Any]) -> Any:
    try:
        with np.errstate(all="ignore"):
            return evaluate_claim(tree, values)
    except ShapeMismatch:
        return None


def _failure(tree: ast.AST, values: Mapping[str, Any]) -> str:
    try:
        evaluate_claim(tree, values)
    except ShapeMismatch as error:
        return f"cannot be evaluated: {error}"
    return ""


def _causes(tree: ast.AST, values: Mapping[str, Any], rows: Mapping[str, Any], truth: Any,
            factors: Mapping[str, float]) -> Iterator[str]:
    outcome = _attempt(tree, values)
    if outcome is not None:
        if _matches(-outcome, truth):
            yield "sign flipped"
        for name, factor in factors.items():
            if _matches(outcome * factor, truth):
                yield f"a factor {name} missing (the claim is {name} times too small)"
            if _matches(outcome / factor, truth):
                yield f"a factor {name} too many"
    for variant, change in _rewritten(tree, values):
        value = _attempt(variant, values)
        if value is not None and _matches(value, truth):
            yield change
    layouts = (("", values, [truth]),
               (", with vectors written as rows", rows, [truth, truth.T] if np.ndim(truth) == 2
                else [truth]))
    for layout, arrays, expected in layouts:
        for variant, change in _transposed_variants(tree, values):
            value = _attempt(variant, arrays)
            if value is not None and any(_matches(value, e) for e in expected):
                yield f"a transpose: {change}{layout}"
            if value is not None and any(_matches(-value, e) for e in expected):
                yield f"sign flipped, and {change}{layout}"


def identifier(name: str) -> str:
    """A symbol's printed name as a Python name: W^1 -> W1, W_0^1 -> W_01."""
    return re.sub(r"[^A-Za-z0-9_]", "", name)
