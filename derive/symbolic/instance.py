"""The network at small sizes with seeded random values: where every derived formula is checked.

The formulas are dimension-generic, so they are instantiated with the same structure at
small widths (3072-256-10 becomes 4-3-3), evaluated with the rule table's kernels and
compared with central finite differences of the loss in float64.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy
from sympy import MatrixExpr, MatrixSymbol

from derive.errors import VerificationError
from derive.numeric import mlp
from derive.solution import measured
from derive.symbolic.matrices import evaluate
from derive.symbolic.model import Model
from derive.symbolic.network import SymbolicNetwork
from derive.symbolic.output_loss import output_kernels

BATCH = 3  # rows of the check's batch in a row convention
TOLERANCE = 1e-6  # max |formula - finite difference| / max(|finite difference|, FLOOR)
FLOOR = 1e-3
KINK_MARGIN = 0.05  # pre-activations stay this far from 0, where ReLU has its kink
GAIN = {"sigmoid": 4.0, "relu": 1.5, "leaky_relu": 1.5}  # keeps gradients from vanishing


def small_widths(widths: Sequence[int]) -> list[int]:
    """The same structure at small sizes: at most 5 inputs, then 4, 3, 4, 3, ... units, so
    neighbouring layers differ in width and a misplaced transpose cannot go unnoticed."""
    return [min(width, 5 if layer == 0 else 3 + layer % 2) for layer, width in enumerate(widths)]


def _targets(rng: np.random.Generator, loss: str, shape: tuple[int, int]) -> Any:
    if loss == "ce":
        return rng.dirichlet(np.ones(shape[1]), size=shape[0])  # soft targets summing to 1
    if loss == "bce":
        return rng.uniform(0.0, 1.0, size=shape)
    return rng.normal(size=shape)


@dataclass
class Instance:
    """Parameters, data and every intermediate, in row layout and in the convention's."""

    net: SymbolicNetwork
    numeric: mlp.Network
    params: list[tuple[Any, Any]]
    X: Any
    Y: Any
    sizes: dict[sympy.Symbol, int]
    arrays: dict[MatrixSymbol, Any]
    kernels: dict[str, Any]
    references: dict[tuple[str, int], Any] = field(default_factory=dict)

    def oriented(self, kind: str, value: Any) -> Any:
        """A row-layout weight ("W"), bias ("b") or data array in this convention's layout."""
        if kind == "W":
            return value.T if self.net.convention.transposed else value
        if kind == "b":
            return value.reshape(-1, 1)
        return value if self.net.convention.rows else value.T

    def reference(self, target: str, layer: int) -> Any:
        """Finite differences of the loss with respect to W_l, b_l or z_l, row layout.

        Only layers from `layer` on are recomputed, and each result is kept for reuse.
        """
        key = (target, layer)
        if key not in self.references:
            zs, activations = mlp.forward(self.numeric, self.params, self.X)
            z, inputs = zs[layer - 1].copy(), activations[layer - 1]
            W, b = self.params[layer - 1]

            def loss() -> float:
                pre = z if target == "z" else inputs @ W.T + b
                return mlp.loss_from(self.numeric, self.params, layer, pre, self.Y)

            self.references[key] = mlp.numerical_gradient(loss, {"z": z, "W": W, "b": b}[target])
        return self.references[key]

    def check(self, formula: MatrixExpr, target: str, layer: int, what: str) -> float:
        """Residual of `formula` against finite differences; raises when it is too large."""
        try:
            value = evaluate(formula, self.arrays, self.sizes, self.kernels)
        except ValueError as error:  # e.g. a missing transpose: the product is undefined
            raise VerificationError(f"{what}: cannot be evaluated ({error})") from error
        expected = self.oriented(target if target != "z" else "data",
                                 self.reference(target, layer))
        return self._compared(value, expected, what)

    def check_outputs(self, formula: MatrixExpr, row_loss: Any, half: bool, what: str) -> float:
        """Residual of `formula` for dL/dyhat against central differences of the loss as a
        function of the outputs yhat (`row_loss`: (xp, yhat, y, half) -> each row's loss)."""
        yhat = mlp.forward(self.numeric, self.params, self.X)[1][-1].copy()

        def loss() -> float:
            divisor = self.numeric.divisor(*self.Y.shape)
            return float(row_loss(np, yhat, self.Y, half).sum()) / divisor

        expected = self.oriented("data", mlp.numerical_gradient(loss, yhat))
        value = evaluate(formula, self.arrays, self.sizes, self.kernels)
        return self._compared(value, expected, what)

    def _compared(self, value: Any, expected: Any, what: str) -> float:
        if value.shape != expected.shape:
            raise VerificationError(f"{what}: shape {value.shape}, expected {expected.shape}")
        scale = max(float(np.max(np.abs(expected))), FLOOR)
        residual = float(np.max(np.abs(value - expected))) / scale
        if not residual < TOLERANCE:
            raise VerificationError(f"{what}: differs from finite differences by {residual:.1e} "
                                    "(relative); the derivation is wrong")
        return measured(residual)


def instantiate(model: Model, seed: int = 0) -> Instance:
    """Random parameters and data at small sizes, away from kinks, with every intermediate."""
    net, hidden, pair = model.net, model.hidden, model.pair
    widths = small_widths(net.widths)
    batch = BATCH if net.convention.rows else 1
    numeric = model.kernels()
    rng = np.random.default_rng(seed)
    kinked = any(rule.name in ("relu", "leaky_relu") for rule in hidden)
    for _ in range(1000):
        X = rng.normal(size=(batch, widths[0]))
        params = [(rng.normal(size=(n_out, n_in)) * GAIN.get(rule, 1.0) / np.sqrt(n_in),
                   rng.normal(size=n_out) * 0.5)
                  for n_in, n_out, rule in zip(widths[:-1], widths[1:],
                                               [r.name for r in hidden] + [pair.output],
                                               strict=True)]
        zs, activations = mlp.forward(numeric, params, X)
        hidden_zs = zs[:-1]
        if not kinked or (min(float(np.min(np.abs(z))) for z in hidden_zs) > KINK_MARGIN
                          and all(np.any(z > 0) for z in hidden_zs)):  # some units active
            break
    Y = _targets(rng, pair.loss, (batch, widths[-1]))
    return instance_at(model, params, X, Y)


def instance_at(model: Model, params: list[tuple[Any, Any]], X: Any, Y: Any) -> Instance:
    """The network at these parameters and data (row layout), with every intermediate."""
    net, numeric = model.net, model.kernels()
    zs, activations = mlp.forward(numeric, params, X)
    widths = [params[0][0].shape[1]] + [W.shape[0] for W, _ in params]
    kernels: dict[str, Any] = {}
    kernels.update(output_kernels(net.convention.rows))
    for rule in model.hidden:
        kernels.update(rule.kernels(model.slope))
    instance = Instance(net, numeric, params, X, Y, net.sizes(widths, X.shape[0]), {}, kernels)
    data = {net.y: Y, net.a(0): X}
    for layer, (W, b) in enumerate(params, 1):
        instance.arrays[net.W(layer)] = instance.oriented("W", W)
        instance.arrays[net.b(layer)] = instance.oriented("b", b)
        data.update({net.z(layer): zs[layer - 1], net.a(layer): activations[layer]})
    instance.arrays.update({symbol: instance.oriented("data", value)
                            for symbol, value in data.items()})
    return instance
