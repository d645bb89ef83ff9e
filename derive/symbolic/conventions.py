"""The four conventions for a linear layer, named by their formula.

`Wx`: z = W x + b, W is out x in (one example as a column). `WTx`: z = W^T x + b, W is
in x out. `XWT`: Z = X W^T + 1 b^T, rows of X are examples, W out x in (PyTorch).
`XW`: Z = X W + 1 b^T, W in x out (CS231n). Each says how the layer maps forward, how
its weight and bias gradients are formed from the upstream gradient, and how that
gradient moves to the layer's input; all in that convention's orientation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sympy import MatAdd, MatrixExpr, MatrixSymbol, OneMatrix

from derive.symbolic.matrices import matmul

Builder = Callable[..., MatrixExpr]


@dataclass(frozen=True)
class Convention:
    """How a linear layer is written and differentiated in one convention."""

    name: str
    rows: bool  # examples are rows (a batch of N) rather than one column
    transposed: bool  # W is stored in x out
    forward: Builder  # (W, a, b, ones) -> z
    grad_W: Builder  # (delta, a) -> dL/dW, shaped like W
    grad_b: Builder  # (delta, ones) -> dL/db, shaped like b
    back: Builder  # (W, delta) -> dL/da, before the activation's derivative
    written: str = ""  # the forward map as a caption, names as {z} {W} {WT} {a} {b} {bT}

    def weight_shape(self, n_in: Any, n_out: Any) -> tuple[Any, Any]:
        return (n_in, n_out) if self.transposed else (n_out, n_in)

    def data_shape(self, batch: Any, width: Any) -> tuple[Any, Any]:
        """The shape of an activation of `width` units."""
        return (batch, width) if self.rows else (width, 1)

    def bias(self, name: str, width: Any) -> MatrixSymbol:
        return MatrixSymbol(name, width, 1)

    def ones(self, batch: Any) -> OneMatrix | None:
        return OneMatrix(batch, 1) if self.rows else None

    def words(self, z: str, W: str, a: str, b: str) -> str:
        """The convention in words, as an ASCII-math caption in the given names.

        >>> CONVENTIONS["XWT"].words("Z_l", "W_l", "A_(l-1)", "b_l")
        'row convention: Z_l = A_(l-1) W_l^T + 1 b_l^T, one example per row'
        >>> CONVENTIONS["WTx"].words("Z^1", "W^1", "X", "W_0^1")
        'column convention: Z^1 = (W^1)^T X + W_0^1, one example as a column'
        """
        formula = self.written.format(z=z, W=W, WT=_transpose(W), a=a, b=b, bT=_transpose(b))
        if self.rows:
            return f"row convention: {formula}, one example per row"
        return f"column convention: {formula}, one example as a column"


def _transpose(name: str) -> str:
    """name^T: parenthesized where the name has a superscript, (W^1)^T, and inside a braced
    one, W^{(1)T}.

    >>> _transpose("W_1"), _transpose("W^1"), _transpose("W^{(1)}")
    ('W_1^T', '(W^1)^T', 'W^{(1)T}')
    """
    if name.endswith("}"):
        return f"{name[:-1]}T}}"
    return f"({name})^T" if "^" in name else f"{name}^T"


def _add(*terms: MatrixExpr) -> MatrixExpr:
    return MatAdd(*terms, evaluate=False)


CONVENTIONS: dict[str, Convention] = {rule.name: rule for rule in (
    Convention("Wx", False, False,
               lambda W, a, b, ones: _add(matmul(W, a), b),
               lambda d, a: matmul(d, a.T),
               lambda d, ones: d,
               lambda W, d: matmul(W.T, d),
               written="{z} = {W} {a} + {b}"),
    Convention("WTx", False, True,
               lambda W, a, b, ones: _add(matmul(W.T, a), b),
               lambda d, a: matmul(a, d.T),
               lambda d, ones: d,
               lambda W, d: matmul(W, d),
               written="{z} = {WT} {a} + {b}"),
    Convention("XWT", True, False,
               lambda W, a, b, ones: _add(matmul(a, W.T), matmul(ones, b.T)),
               lambda d, a: matmul(d.T, a),
               lambda d, ones: matmul(d.T, ones),
               lambda W, d: matmul(d, W),
               written="{z} = {a} {WT} + 1 {bT}"),
    Convention("XW", True, True,
               lambda W, a, b, ones: _add(matmul(a, W), matmul(ones, b.T)),
               lambda d, a: matmul(a.T, d),
               lambda d, ones: matmul(d.T, ones),
               lambda W, d: matmul(d, W.T),
               written="{z} = {a} {W} + 1 {bT}"),
)}
