"""The gradients entry by entry: dL/dW_ij as a sum over the indices it depends on.

From the scalar form of the linear map (z_k = sum_m W_km a_m + b_k in Wx, and its
siblings), d z_k / d W_ij is a KroneckerDelta times an input; the chain rule's sum over k
collapses on it. SymPy carries out each sum on the small instance and the result must
equal the matrix formula's entries there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from sympy import IndexedBase, KroneckerDelta, Sum

from derive.answers import plain_name
from derive.errors import VerificationError
from derive.solution import Step, measured
from derive.symbolic import formulas
from derive.symbolic.build import equalities, mul
from derive.symbolic.instance import Instance
from derive.symbolic.matrices import Partial, evaluate
from derive.symbolic.network import SymbolicNetwork

i, j, k, n, m = sympy.symbols("i j k n m", integer=True, positive=True)


@dataclass(frozen=True)
class Scalar:
    """A convention in indices: which index of W is the unit, which the input, and whether
    examples are rows n."""

    unit: sympy.Symbol  # the index of W_ij that names the layer's unit
    source: sympy.Symbol  # the index of W_ij that names the input


SCALAR = {"Wx": Scalar(i, j), "WTx": Scalar(j, i), "XWT": Scalar(i, j), "XW": Scalar(j, i)}


def _entry(base: IndexedBase, rows: bool, index: Any) -> Any:
    return base[n, index] if rows else base[index]


def elementwise_steps(net: SymbolicNetwork, instance: Instance) -> list[Step]:
    """For every layer: d z_k / d W_ij, dL/dW_ij with the sum collapsed, and dL/db_i."""
    rows, scalar = net.convention.rows, SCALAR[net.convention.name]
    loss = net.loss
    steps = []
    for layer in range(net.depth, 0, -1):
        W, z, a = net.W(layer), net.z(layer), net.a(layer - 1)
        Wb, zb, ab = IndexedBase(W.name), IndexedBase(z.name), IndexedBase(a.name)
        db = IndexedBase(net.delta(layer).name)
        weight = Wb[k, m] if not net.convention.transposed else Wb[m, k]
        written = Sum(mul(_entry(ab, rows, m), weight), (m, 1, sympy.Symbol(
            f"n_{layer - 1}")))
        local = mul(KroneckerDelta(k, scalar.unit), _entry(ab, rows, scalar.source))
        steps.append(Step(equalities(Partial(_entry(zb, rows, k), Wb[i, j]), local),
                          f"layer {layer}: {_words(_entry(zb, rows, k))} = {_words(written)} + "
                          f"b_k, so only the weights of unit k matter", check=0.0))
        collapsed = mul(_entry(db, rows, scalar.unit), _entry(ab, rows, scalar.source))
        over_k = Sum(mul(_entry(db, rows, k), local), (k, 1, sympy.Symbol(f"n_{layer}")))
        total = Sum(collapsed, (n, 1, sympy.Symbol("N"))) if rows else collapsed
        summed = Sum(over_k, (n, 1, sympy.Symbol("N"))) if rows else over_k
        residual = max(_entrywise(instance, net, layer, "W", total),
                       _entrywise(instance, net, layer, "W", summed))
        steps.append(Step(equalities(Partial(loss, Wb[i, j]), summed, total),
                          "the sum over k collapses on the KroneckerDelta"
                          + (", then the sum over the rows n" if rows else ""), check=residual))
        bias = Sum(_entry(db, rows, i), (n, 1, sympy.Symbol("N"))) if rows else db[i]
        steps.append(Step(equalities(Partial(loss, IndexedBase(net.b(layer).name)[i]), bias),
                          "d z_k / d b_i is 1 when k = i", check=_entrywise(
                              instance, net, layer, "b", bias)))
    return steps


def _entrywise(instance: Instance, net: SymbolicNetwork, layer: int, target: str,
               formula: sympy.Expr) -> float:
    """Max difference between the index formula, summed by SymPy at the small sizes, and
    the matrix formula's entries."""
    matrix = evaluate(formulas.gradient(net, target, layer), instance.arrays, instance.sizes,
                      instance.kernels)
    sizes = {sympy.Symbol("N"): instance.X.shape[0],
             **{sympy.Symbol(f"n_{d}"): int(instance.sizes[dim])
                for d, dim in enumerate(net.dims)}}
    arrays = {IndexedBase(net.delta(layer).name): instance.arrays[net.delta(layer)],
              IndexedBase(net.a(layer - 1).name): instance.arrays[net.a(layer - 1)]}
    try:
        values = _summed(formula, matrix.shape, target, sizes, arrays, net.convention.rows)
    except IndexError:  # the indices run past the matrices: the formula is shaped wrongly
        raise VerificationError(f"elementwise gradient of {target}_{layer}: the index formula "
                                "reads entries that do not exist") from None
    residual = float(np.max(np.abs(values - matrix))) / max(1.0, float(np.max(np.abs(matrix))))
    if not residual < 1e-9:
        raise VerificationError(f"elementwise gradient of {target}_{layer}: the index formula "
                                f"differs from the matrix formula by {residual:.1e}")
    return measured(residual)


def _summed(formula: sympy.Expr, shape: tuple[int, ...], target: str, sizes: dict[Any, int],
            arrays: dict[Any, Any], rows: bool) -> Any:
    """The index formula at every entry, its sums carried out by SymPy."""
    values = np.zeros(shape)
    for position in np.ndindex(shape):
        point = {i: position[0] + 1, j: position[1] + 1} if target == "W" else {
            i: position[0] + 1}
        expression = formula.xreplace({**point, **sizes}).doit()
        values[position] = float(expression.replace(
            lambda e: isinstance(e, sympy.Indexed) and e.base in arrays,
            lambda e: sympy.Float(_lookup(arrays[e.base], e.indices, rows))))
    return values


def _lookup(array: Any, indices: tuple[Any, ...], rows: bool) -> float:
    position = tuple(int(x) - 1 for x in indices)
    return float(array[position] if rows else array[position[0], 0])


def _words(expr: sympy.Basic) -> str:
    """An expression in a caption: SymPy's own text with TeX marks dropped."""
    return plain_name(sympy.sstr(expr, order="none"))
