"""The activation rules: each forward formula beside its derivative, symbolic and numeric.

One `Activation` holds the scalar SymPy forward (what is differentiated), the derivative
in its usual form (what is stated), the matrix-level forms the derivation prints, and the
`xp` kernels that checks, worked examples and the trainer run. `derivative_step` derives
the stated form with SymPy and checks it, and the kernel, at points away from any kink.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import sympy
from sympy import MatrixExpr, OneMatrix

from derive.errors import VerificationError
from derive.numeric import activations as kernels
from derive.solution import Step
from derive.symbolic.build import add, equalities, mul, neg, power
from derive.symbolic.matrices import Elementwise, hadamard, minus

z = sympy.Symbol("z", real=True)
alpha = sympy.Symbol("alpha", positive=True)
SAMPLE_POINTS = (-1.7, -0.3, 0.3, 1.7)  # away from the kink of ReLU at 0
TOLERANCE = 1e-12


Prime = Callable[["Activation", MatrixExpr, MatrixExpr], list[MatrixExpr]]


@dataclass(frozen=True)
class Activation:
    """One element-wise activation g, its derivative g', and their kernels."""

    name: str
    symbol: str  # g as a SymPy function name, e.g. "sigma"
    text: str  # g(Z) as text, "{}" for the argument
    tex: str  # g(Z) as TeX
    scalar: Callable[[sympy.Symbol], sympy.Expr]  # g(z) in elementary functions
    stated: Callable[[sympy.Symbol], sympy.Expr]  # g'(z) as usually written
    words: str  # the derivative in words, for the step
    forward: Callable[..., Any]  # (xp, z, [slope]) -> g(z)
    backward: Callable[..., Any]  # (xp, z, [slope]) -> g'(z)
    prime: Prime  # g'(Z) as Hadamard factors, from Z and from A = g(Z)
    in_output: str = ""  # g'(z) in the output a = g(z): "{0}" is a, "{1}" a power's base

    def apply(self, matrix: MatrixExpr) -> Elementwise:
        """g(Z), entry by entry."""
        return Elementwise(self.name, self.text, self.tex, matrix)

    def derivative(self, matrix: MatrixExpr) -> Elementwise:
        """g'(Z) as one element-wise function."""
        return Elementwise(f"{self.name}'", self.text.replace("(", "'(", 1),
                           self.tex.replace(r"\left(", r"'\left(", 1), matrix)

    @property
    def prime_name(self) -> str:
        """g' as captions write it: sigma', tanh', ReLU', LReLU', id'."""
        return f"{self.symbol}'"

    def prime_caption(self, z: str, a: str) -> str:
        """g'(z) as a caption states it, in the output a where the rule writes it so:
        "sigma'(Z_2) = A_2 (1 - A_2)", "ReLU'(Z_2)"."""
        stated = f"{self.prime_name}({z})"
        base = f"({a})" if "^" in a else a  # H^1 squared is (H^1)^2
        return f"{stated} = {self.in_output.format(a, base)}" if self.in_output else stated

    def kernels(self, slope: float, xp: Any = np) -> dict[str, Callable[[Any], Any]]:
        """Numeric g and g' on `xp` arrays, keyed as `Elementwise` names them."""
        extra = {"slope": slope} if self.name == "leaky_relu" else {}
        return {self.name: partial(self.forward, xp, **extra),
                f"{self.name}'": partial(self.backward, xp, **extra)}


def _g(rule: Activation) -> sympy.Function:
    return sympy.Function(rule.symbol)


def _self_times_one_minus(rule: Activation, matrix: MatrixExpr,
                          output: MatrixExpr) -> list[MatrixExpr]:
    """sigma'(Z) = A * (1 - A), in the activation A = sigma(Z) the forward pass computed."""
    return [output, minus(OneMatrix(*output.shape), output)]


def _one_minus_square(rule: Activation, matrix: MatrixExpr,
                      output: MatrixExpr) -> list[MatrixExpr]:
    """tanh'(Z) = 1 - A * A, in the activation A = tanh(Z)."""
    return [minus(OneMatrix(*output.shape), hadamard(output, output))]


def _as_function(rule: Activation, matrix: MatrixExpr, output: MatrixExpr) -> list[MatrixExpr]:
    """g'(Z) of the pre-activation: an indicator (ReLU) is not a function of the output."""
    return [rule.derivative(matrix)]


def _no_factor(rule: Activation, matrix: MatrixExpr, output: MatrixExpr) -> list[MatrixExpr]:
    """The identity's derivative is 1: no factor."""
    return []


def _indicator(x: sympy.Symbol, below: Any) -> sympy.Expr:
    return sympy.Piecewise((1, x > 0), (below, True))


ACTIVATIONS: dict[str, Activation] = {rule.name: rule for rule in (
    Activation("sigmoid", "sigma", "sigma({})", r"\sigma\left({}\right)",
               lambda x: power(add(1, sympy.exp(neg(x))), -1),
               lambda x: mul(sympy.Function("sigma")(x), add(1, neg(sympy.Function("sigma")(x)))),
               "sigma'(z) = sigma(z)(1 - sigma(z))",
               *kernels.ACTIVATION_KERNELS["sigmoid"], _self_times_one_minus, "{0} (1 - {0})"),
    Activation("relu", "ReLU", "relu({})", r"\operatorname{ReLU}\left({}\right)",
               lambda x: sympy.Piecewise((x, x > 0), (0, True)),
               lambda x: _indicator(x, 0),
               "ReLU'(z) = 1[z > 0]; at z = 0 it is taken as 0",
               *kernels.ACTIVATION_KERNELS["relu"], _as_function),
    Activation("tanh", "tanh", "tanh({})", r"\tanh\left({}\right)",
               sympy.tanh,
               lambda x: add(1, neg(power(sympy.tanh(x), 2))),
               "tanh'(z) = 1 - tanh^2(z)",
               *kernels.ACTIVATION_KERNELS["tanh"], _one_minus_square, "1 - {1}^2"),
    Activation("leaky_relu", "LReLU", "lrelu({})", r"\operatorname{LReLU}\left({}\right)",
               lambda x: sympy.Piecewise((x, x > 0), (alpha * x, True)),
               lambda x: _indicator(x, alpha),
               "LReLU'(z) = 1 for z > 0, alpha otherwise (alpha at z = 0)",
               *kernels.ACTIVATION_KERNELS["leaky_relu"], _as_function),
    Activation("identity", "id", "{}", "{}",
               lambda x: x, lambda x: sympy.Integer(1), "the identity has derivative 1",
               *kernels.ACTIVATION_KERNELS["identity"], _no_factor),
)}


def derivative_step(rule: Activation, slope: float) -> Step:
    """g'(z) = d/dz g(z) = SymPy's derivative = the stated form, checked at sample points.

    The check compares SymPy's derivative, the stated form (with g replaced by its
    definition) and the numeric kernel g' at points on both sides of 0.
    """
    derived = sympy.diff(rule.scalar(z), z)
    stated = rule.stated(z)
    definition = sympy.Lambda(z, rule.scalar(z))
    residual = 0.0
    for point in SAMPLE_POINTS:
        numbers = {z: sympy.Float(point, 30), alpha: sympy.Float(slope, 30)}
        exact = float(sympy.N(derived.xreplace(numbers), 30))
        written = float(sympy.N(stated.replace(_g(rule), definition).xreplace(numbers), 30))
        extra = {"slope": slope} if rule.name == "leaky_relu" else {}
        kernel = float(rule.backward(np, np.array(point), **extra))
        residual = max(residual, abs(written - exact), abs(kernel - exact))
    if not residual < TOLERANCE:
        raise VerificationError(f"activation {rule.name}: the stated derivative or its kernel "
                                f"differs from SymPy's by {residual:.1e}")
    lhs = sympy.Derivative(_g(rule)(z), z)
    sides = [lhs, sympy.Derivative(rule.scalar(z), z), derived]
    if derived != stated:
        sides.append(stated)
    return Step(equalities(*sides), f"derivative of {rule.name}: {rule.words}",
                check=residual)
