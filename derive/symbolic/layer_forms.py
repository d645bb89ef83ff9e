"""A layer's forward and backward in index notation, as SymPy relations, and their check.

A `LayerForm` is what the derivation of one layer prints: relations ``lhs[idx] = rhs`` with
`Indexed` factors and `Sum`s (the forward, then dL/dX and dL/d(each parameter)), the shape of
every factor, and the notes. `dZ` stands for dL/dZ throughout. Each relation names the kernel
output it is the formula of (`target`: ``Y``, ``X`` for dL/dX, ``weight``, ``bias``, ...), so
`verify_form` evaluates every relation entry by entry at a small instance (SymPy's `lambdify`
of the very expression printed) and compares it with the numeric kernels of
`derive.numeric.layers`; a form is kept only when its residual is below `TOLERANCE`.

>>> import numpy as np
>>> n, i = sympy.symbols("n i", integer=True)
>>> X, Y = sympy.IndexedBase("X"), sympy.IndexedBase("Y")
>>> relation = IndexRelation(Y[n, i], 2 * X[n, i], (sympy.Integer(1), sympy.Integer(2)), "")
>>> evaluate(relation, {"X": np.array([[1.0, 2.0]])}, {}).tolist()
[[2.0, 4.0]]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy
from sympy.logic.boolalg import BooleanFunction

from derive.errors import InputError, VerificationError

TOLERANCE = 1e-6  # relative residual of a form against the kernels (float64)


def indices(names: str) -> tuple[sympy.Symbol, ...]:
    """Integer index symbols, e.g. ``indices("n o i j")``."""
    return tuple(sympy.symbols(names, integer=True))


def total(expr: sympy.Expr, *limits: tuple[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
    """sum over each (index, size) of `expr`, the index running 0 .. size - 1."""
    return sympy.Sum(expr, *((index, 0, size - 1) for index, size in limits))


class Within(BooleanFunction):
    """lo <= v < hi for each (lo, v, hi) triple of the arguments: a range condition printed
    as a mathematician writes it (p <= y < H_1 + p, p <= x < H_2 + p), never SymPy's
    canonical H_1 >= 1 + y - p & p - y <= 0; numbers decide it at once.

    >>> y, p = sympy.symbols("y p", integer=True)
    >>> str(Within(p, y, 3 + p)), Within(0, 2, 3), Within(0, 3, 3)
    ('p ≤ y < p + 3', True, False)
    """

    @classmethod
    def eval(cls, *args: Any) -> Any:
        """True or False once every bound and value is a number; else unevaluated."""
        if len(args) % 3:
            raise ValueError("Within takes (lo, v, hi) triples")
        if all(arg.is_number for arg in args):
            return sympy.true if all(args[k] <= args[k + 1] < args[k + 2]
                                     for k in range(0, len(args), 3)) else sympy.false
        return None

    def _chains(self, show: Callable[[Any], str], le: str, comma: str) -> str:
        args = self.args
        return comma.join(f"{show(args[k])} {le} {show(args[k + 1])} < {show(args[k + 2])}"
                          for k in range(0, len(args), 3))

    def _latex(self, printer: Any) -> str:
        return self._chains(printer._print, r"\le", r",\ ")

    def _sympystr(self, printer: Any) -> str:
        return self._chains(printer._print, "≤", ", ")

    def _pythoncode(self, printer: Any) -> str:
        return "(" + self._chains(printer._print, "<=", ") and (") + ")"


class Divides(BooleanFunction):
    """s | v: v is a multiple of s, printed so (SymPy writes Mod(v, s) = 0).

    >>> v = sympy.Symbol("v", integer=True)
    >>> str(Divides(2, v)), Divides(2, 4), Divides(2, 3)
    ('2 ∣ v', True, False)
    """

    @classmethod
    def eval(cls, s: Any, v: Any) -> Any:
        """True or False once both are numbers; else unevaluated."""
        if s.is_number and v.is_number:
            return sympy.true if v % s == 0 else sympy.false
        return None

    def _latex(self, printer: Any) -> str:
        return rf"{printer._print(self.args[0])} \mid {printer._print(self.args[1])}"

    def _sympystr(self, printer: Any) -> str:
        return f"{printer._print(self.args[0])} ∣ {printer._print(self.args[1])}"

    def _pythoncode(self, printer: Any) -> str:
        return f"(({printer._print(self.args[1])}) % ({printer._print(self.args[0])}) == 0)"


class AllOf(BooleanFunction):
    """Every condition holds: printed as a list (p <= y < H + p, s | y), as a case's
    conditions are written, not as SymPy's parenthesized wedge.

    >>> v = sympy.Symbol("v", integer=True)
    >>> str(AllOf(Within(0, v, 9), Divides(3, v))), AllOf(Within(0, 3, 9), Divides(3, 3))
    ('0 ≤ v < 9, 3 ∣ v', True)
    """

    @classmethod
    def eval(cls, *args: Any) -> Any:
        """False once one condition is; True once all are; else unevaluated."""
        if any(arg is sympy.false for arg in args):
            return sympy.false
        return sympy.true if all(arg is sympy.true for arg in args) else None

    def _latex(self, printer: Any) -> str:
        return r",\ ".join(printer._print(arg) for arg in self.args)

    def _sympystr(self, printer: Any) -> str:
        return ", ".join(printer._print(arg) for arg in self.args)

    def _pythoncode(self, printer: Any) -> str:
        return "(" + " and ".join(f"({printer._print(arg)})" for arg in self.args) + ")"


@dataclass(frozen=True)
class IndexRelation:
    """``lhs = rhs`` entry by entry; `shape` is the shape of lhs's base (symbolic sizes)."""

    lhs: sympy.Indexed
    rhs: sympy.Expr
    shape: tuple[sympy.Expr, ...]
    why: str
    target: str = ""  # the kernel output it computes ("" for an intermediate)
    part: tuple[int, int] | None = None  # (k, count): block k of count along target's axis 0

    @property
    def relation(self) -> sympy.Eq:
        """The relation as SymPy's Eq (unevaluated)."""
        return sympy.Eq(self.lhs, self.rhs, evaluate=False)


@dataclass(frozen=True)
class Bound:
    """A small numeric instance: the kernels' inputs and what they returned."""

    x: Any
    state: Mapping[str, Any]
    config: Mapping[str, Any]
    dy: Any
    y: Any
    dx: Any
    grads: Mapping[str, Any]


@dataclass(frozen=True)
class LayerForm:
    """The derivation of one layer type: relations, factor shapes, notes, and `bind`, which
    gives the arrays (by base name) and size values of a `Bound` instance; `names` gives
    the letter the math writes for a tensor torch's state_dict names (weight: gamma)."""

    layer_type: str
    forward: tuple[IndexRelation, ...]
    backward: tuple[IndexRelation, ...]
    factors: tuple[tuple[str, tuple[sympy.Expr, ...]], ...]
    bind: Callable[[Bound], tuple[dict[str, Any], dict[sympy.Symbol, int]]]
    notes: tuple[str, ...] = field(default=())
    names: Mapping[str, str] = field(default_factory=dict)  # torch's name -> the math's

    @property
    def relations(self) -> tuple[IndexRelation, ...]:
        """Forward, then backward, in the order they are evaluated."""
        return self.forward + self.backward


def _substituted(expr: sympy.Expr, sizes: Mapping[sympy.Symbol, Any]) -> sympy.Expr:
    return expr.xreplace({k: sympy.sympify(v) for k, v in sizes.items()})


def evaluate(relation: IndexRelation, arrays: Mapping[str, Any],
             sizes: Mapping[sympy.Symbol, Any]) -> np.ndarray:
    """Every entry of `relation`'s lhs, from the rhs lambdified at each index."""
    shape = tuple(int(_substituted(s, sizes)) for s in relation.shape)
    rhs = _substituted(relation.rhs, sizes)
    bases = sorted({a.base for a in rhs.atoms(sympy.Indexed)}, key=str)
    safe = {base: sympy.IndexedBase(f"a{k}") for k, base in enumerate(bases)}
    idx = list(relation.lhs.indices)
    function = sympy.lambdify([*safe.values(), *idx], rhs.xreplace(safe), modules=["math"])
    values = [np.asarray(arrays[str(base.label)]) for base in bases]
    out = np.empty(shape)
    for position in itertools.product(*(range(n) for n in shape)):
        out[position] = function(*values, *position)
    return out


def verify_form(form: LayerForm, bound: Bound) -> float:
    """The largest relative residual of the form's relations against the kernels' results
    at `bound` (entry by entry); a `VerificationError` above `TOLERANCE`."""
    arrays, sizes = form.bind(bound)
    expected = {"Y": bound.y, **bound.grads}
    if isinstance(bound.dx, tuple):
        expected.update({f"X{k}": part for k, part in enumerate(bound.dx)})
    else:
        expected["X"] = bound.dx
    worst = 0.0
    for relation in form.relations:
        value = evaluate(relation, arrays, sizes)
        arrays[str(relation.lhs.base.label)] = value
        if relation.target:
            worst = max(worst, target_residual(relation, value, expected))
    if not worst < TOLERANCE:
        raise VerificationError(f"{form.layer_type}: the index form differs from the kernels "
                                f"(residual {worst:.2e})")
    return worst


def target_residual(relation: IndexRelation, value: np.ndarray,
                    expected: Mapping[str, Any]) -> float:
    """The residual of `value` against the kernels' result that `relation` computes: its
    target, or its block of it (part (k, 3): rows k E .. (k + 1) E - 1 of in_proj_weight),
    relative to the whole target, so a block that is 0 in exact arithmetic (the key bias's:
    the softmax ignores a shift of a whole row of scores) compares round-off to the tensor's
    scale, not to itself."""
    kernel = np.asarray(expected[relation.target], dtype=float)
    floor = max(float(np.linalg.norm(kernel)), 1e-12)
    if relation.part is not None:
        k, count = relation.part
        kernel = np.split(kernel, count)[k]
    return residual(value.reshape(kernel.shape), kernel, floor)


def residual(a: np.ndarray, b: np.ndarray, floor: float = 1e-12) -> float:
    """||a - b|| / max(||a||, ||b||, floor)."""
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), floor)
    return float(np.linalg.norm(a - b)) / scale


FORMS: dict[str, Callable[[Mapping[str, Any], int], LayerForm]] = {}


def form_of(layer_type: str, config: Mapping[str, Any], ndim: int) -> LayerForm:
    """The form of `layer_type` for an input of `ndim` axes (batch included); an InputError
    naming the types with forms otherwise."""
    from derive.symbolic import (  # noqa: F401  (the modules that fill FORMS)
        layer_grads,
        layer_grads_attention,
        layer_grads_mha,
        layer_grads_norms,
        layer_grads_pooling,
    )

    if layer_type not in FORMS:
        raise InputError(f"layer {layer_type} has no index-notation derivation yet (layers "
                         f"with one: {', '.join(sorted(FORMS))})")
    return FORMS[layer_type](config, ndim)



def check_form(layer_type: str, config: Mapping[str, Any], x: Any,
               state: Mapping[str, Any], seed: int = 0) -> tuple[LayerForm, float]:
    """The form of `layer_type` and its residual at (x, state) with a random dL/dY."""
    from derive.numeric.layers import kernels_for

    kernels = kernels_for(layer_type)
    if "bias" in kernels.params and state.get("bias") is None:
        config = {**config, "bias": False}
    y, cache = kernels.forward(np, state, x, config)
    dy = np.random.default_rng(seed).standard_normal(np.shape(y))
    dx, grads = kernels.backward(np, state, cache, dy, config)
    form = form_of(layer_type, config, np.ndim(x[0] if isinstance(x, tuple) else x))
    return form, verify_form(form, Bound(x, state, config, dy, y, dx, grads))
