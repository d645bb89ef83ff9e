"""A fully connected network as matrix symbols of symbolic size, named as the course names them.

Sizes are symbols n_0..n_L (and N for a batch), so every formula is dimension-generic;
`sizes` maps them to the problem's widths for display, or to small sizes for checks. A width
named by a letter (`letters`, e.g. D, H, C) is that symbol instead of n_l, and shapes keep it.

Names (`--names`, or a table in a problem file) override the defaults per key: `x`, `W`,
`b`, `z`, `a`, `yhat`, `y`, `delta`, `loss`. A layer name is a letter that gets the layer
as subscript (`b=c`: c_1, c_2), a prefix ending in `^` that gets it as superscript
(`W=W^`: W^1; `b=W_0^`: W_0^1), a prefix ending in `^()` that gets it in parentheses
(`Z=Z^()`: Z^(1)), or one name per layer separated by `/` (`z=A/B`). A name
given for a key that only one layer has is used as it is (`a=H` with one hidden layer).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy
from sympy import MatrixSymbol

from derive.errors import FieldError
from derive.symbolic.conventions import Convention
from derive.symbolic.sizes import letter

LAYER_KEYS = ("W", "b", "z", "a", "delta")
PLAIN_KEYS = ("x", "yhat", "y", "loss")
COLUMN_NAMES = {"x": "x", "W": "W", "b": "b", "z": "z", "a": "a", "yhat": "yhat", "y": "y",
                "delta": "delta", "loss": "ell"}
ROW_NAMES = {**COLUMN_NAMES, "x": "X", "z": "Z", "a": "A", "yhat": "Yhat", "y": "Y",
             "delta": "Delta", "loss": "L"}
NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)?(\^[A-Za-z0-9]*|\^\(\))?")
N = sympy.Symbol("N", positive=True, integer=True)


def parse_names(value: Any, field_name: str = "names") -> dict[str, str]:
    """'W=W^,b=W_0^,z=A/B' (or a table) -> {'W': 'W^', 'b': 'W_0^', 'z': 'A/B'}."""
    if isinstance(value, Mapping):
        pairs = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, str):
        pairs = [tuple(part.split("=", 1)) if "=" in part else (part, "")  # type: ignore[misc]
                 for part in value.split(",") if part.strip()]
    else:
        raise FieldError(field_name, "give names as 'W=W^,b=c,z=A/B' or a table")
    names = {}
    for key, name in pairs:
        key, name = key.strip(), str(name).strip()
        if key not in LAYER_KEYS + PLAIN_KEYS:
            raise FieldError(field_name, f"unknown key {key!r}; use "
                             f"{', '.join(LAYER_KEYS + PLAIN_KEYS)}")
        parts = name.split("/") if key in LAYER_KEYS else [name]
        if not all(NAME.fullmatch(part) for part in parts):
            raise FieldError(field_name, f"{key}={name!r} is not a name; use letters and digits "
                             "with one optional _subscript and ^superscript, e.g. W_0^1, or "
                             "^() for the layer in parentheses, e.g. Z^()")
        names[key] = name
    return names


@dataclass(frozen=True)
class SymbolicNetwork:
    """The matrices of an L-layer network in one convention, with their names."""

    convention: Convention
    widths: tuple[int, ...]
    names: Mapping[str, str] = field(default_factory=dict)
    letters: tuple[str | None, ...] = ()  # a width named by a letter stays that symbol

    @property
    def lettered(self) -> tuple[sympy.Symbol, ...]:
        """The dims named by letters: shapes keep them as symbols."""
        return tuple(dim for dim, name in zip(self.dims, self.letters, strict=False) if name)

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    @cached_property
    def dims(self) -> tuple[sympy.Symbol, ...]:
        numbered = sympy.symbols(f"n_0:{len(self.widths)}", positive=True, integer=True)
        names = self.letters or (None,) * len(self.widths)
        return tuple(letter(name) if name else dim for dim, name in zip(numbered, names,
                                                                         strict=True))

    @property
    def batch(self) -> sympy.Expr:
        return N if self.convention.rows else sympy.Integer(1)

    def sizes(self, widths: Sequence[int], batch: int) -> dict[sympy.Symbol, int]:
        """Symbolic sizes -> numbers (`batch` counts only in a row convention)."""
        return {**dict(zip(self.dims, widths, strict=True)), N: batch}

    def _name(self, key: str, layer: int | None = None) -> str:
        name = self.names.get(key, self._default(key))
        if layer is None:
            return name
        superscript = name.endswith(("^", "^()"))
        if key in self.names and self._layers_named(key) == 1 and not superscript:
            return name  # the only layer with this name needs no index: a=H
        if "/" in name or ("_" in name and not superscript):  # a name per layer
            parts = name.split("/")
            if len(parts) != self._layers_named(key):
                raise FieldError("names", f"{key}={name!r} names {len(parts)} of "
                                 f"{self._layers_named(key)} layers; give one name per layer "
                                 "separated by /, or a letter (or prefix ending in ^)")
            return parts[layer - 1]
        if name.endswith("^()"):  # the layer in parentheses: Z^(1), as many courses write
            return f"{name[:-2]}{{({layer})}}"
        if name.endswith("^"):
            return f"{name}{{{layer}}}"
        return f"{name}_{layer}"

    def _default(self, key: str) -> str:
        """The convention's name for `key`; delta writes its layer as the problem writes z's,
        as a superscript where z's is one (z=Z^: delta^2, as W^2 and Z^2). Such a name is
        printed as written, so the Greek letter is spelled as TeX spells it: \\delta^{2}."""
        name = (ROW_NAMES if self.convention.rows else COLUMN_NAMES)[key]
        z = self.names.get("z", "")
        if key == "delta" and z.endswith(("^", "^()")):
            return "\\" + name + z[z.rindex("^"):]
        return name

    def _layers_named(self, key: str) -> int:
        return self.depth - 1 if key == "a" else self.depth

    def _column(self, name: str, width: Any) -> MatrixSymbol:
        return MatrixSymbol(name, *self.convention.data_shape(self.batch, width))

    def W(self, layer: int) -> MatrixSymbol:
        n = self.dims
        return MatrixSymbol(self._name("W", layer),
                            *self.convention.weight_shape(n[layer - 1], n[layer]))

    def b(self, layer: int) -> MatrixSymbol:
        return self.convention.bias(self._name("b", layer), self.dims[layer])

    def z(self, layer: int) -> MatrixSymbol:
        return self._column(self._name("z", layer), self.dims[layer])

    def delta(self, layer: int) -> MatrixSymbol:
        return self._column(self._name("delta", layer), self.dims[layer])

    def a(self, layer: int) -> MatrixSymbol:
        """a_0 = x, a_1..a_{L-1} the hidden activations, a_L = yhat."""
        if layer == 0:
            return self._column(self._name("x"), self.dims[0])
        if layer == self.depth:
            return self.yhat
        return self._column(self._name("a", layer), self.dims[layer])

    @property
    def yhat(self) -> MatrixSymbol:
        return self._column(self._name("yhat"), self.dims[-1])

    @property
    def y(self) -> MatrixSymbol:
        return self._column(self._name("y"), self.dims[-1])

    @property
    def loss(self) -> sympy.Symbol:
        return sympy.Symbol(self._name("loss"))

    def size(self, layer: int) -> sympy.Expr:
        """Layer `layer`'s width as shapes show it: its letter, or its number."""
        dim = self.dims[layer]
        return dim if dim in self.lettered else sympy.Integer(self.widths[layer])

    def shape(self, matrix: MatrixSymbol, batch: Any = None) -> tuple[Any, ...]:
        """The matrix's shape at the problem's widths (the batch and letters stay symbols)."""
        sizes = {**{dim: width for dim, width in zip(self.dims, self.widths, strict=True)
                    if dim not in self.lettered}, N: N if batch is None else batch}
        return tuple(sympy.sympify(d).xreplace(sizes) for d in matrix.shape)
