"""The type of an output/loss pair: what the derivation, its checks and a worked example read.

A pair whose gradient collapses (softmax + CE, sigmoid + BCE, identity + MSE) has
dl/dz_L = factor (yhat - y) for one example; any other pair gives its own `delta`, the
general chain rule J^T dl/dyhat (or, on logits, squash(z) - y), and its `gradient` dl/dyhat.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy
from sympy import Identity, MatrixExpr

from derive.numeric import activations
from derive.numeric.heads import Head
from derive.solution import Step
from derive.symbolic.matrices import Elementwise

Delta = Callable[[MatrixExpr, MatrixExpr, MatrixExpr, bool, bool], MatrixExpr]


@dataclass(frozen=True)
class Names:
    """The printed names of the logits, the outputs and the target, e.g. B, yhat, y."""

    z: str = "z"
    yhat: str = "yhat"
    y: str = "y"
    loss: str = "ell"

    def caption(self, why: str) -> str:
        """A generic caption in these names: z_j, yhat_j, y_j -> (S_2)_j, Yhat_j, Y_j where the
        problem writes S_2, Yhat and Y, and dl/dyhat -> dl/dYhat (words such as `by`, `every`
        or `size` untouched). An entry of a subscripted name is grouped, as the formulas print
        it: (S_2)_j, never S_2_j."""
        names = {"z": self.z, "yhat": self.yhat, "y": self.y}
        return _GENERIC.sub(lambda m: _entry(names[m[1]]) if m[2] else names[m[1]], why)

    def steps(self, steps: list[Step]) -> list[Step]:
        """`steps` with their captions in these names."""
        return [replace(step, why=self.caption(step.why)) for step in steps]


_GENERIC = re.compile(r"(?:(?<=/d)|(?<![A-Za-z]))(yhat|y|z)(?![A-Za-z])(?=(_)?)")


def _entry(name: str) -> str:
    """The name before an entry's subscript: S_2 -> (S_2), so that (S_2)_j reads as an entry."""
    return f"({name})" if "_" in name else name


def _identity_jacobian(yhat: MatrixExpr) -> MatrixExpr:
    return Identity(yhat.shape[0])


@dataclass(frozen=True)
class OutputLoss:
    """An output activation with its loss; dl/dz_L = factor (yhat - y) for one example,
    unless `delta` gives the general form."""

    output: str
    loss: str
    text: str  # yhat = out(z) as a template
    tex: str
    head: Head  # the kernels: output, each row's loss, dl/dz
    loss_formula: Callable[..., sympy.Expr]  # (names, half, terms=None): Sum, or written out
    derivation: Callable[[Names, bool], list[Step]]
    jacobian: Callable[[MatrixExpr], MatrixExpr] = _identity_jacobian  # d yhat / d z, a column
    delta: Delta | None = None  # (z, yhat, y, half, rows) -> dl/dz of each example
    gradient: Callable[[MatrixExpr, MatrixExpr, bool], MatrixExpr] | None = None  # dl/dyhat
    form: str = ""  # how delta_L comes about, in words, when it is not factor (yhat - y)

    def factor(self, half: bool) -> int:
        return self.head.factor(half)

    @property
    def per_entry_mean(self) -> bool:
        return self.head.per_entry_mean

    def apply(self, matrix: MatrixExpr) -> MatrixExpr:
        """yhat = out(z_L)."""
        return matrix if self.output == "identity" else Elementwise(
            self.output, self.text, self.tex, matrix)


def output_kernels(rows: bool, xp: Any = np) -> dict[str, Callable[[Any], Any]]:
    """The squashing functions an output formula applies, along the classes' axis (the last
    for rows, the first for a column), keyed as `Elementwise` names them."""
    def softmax(value: Any) -> Any:
        return activations.softmax(xp, value) if rows else activations.softmax(xp, value.T).T

    return {"softmax": softmax, "sigmoid": lambda value: activations.sigmoid(xp, value),
            "tanh": lambda value: activations.tanh(xp, value)}
