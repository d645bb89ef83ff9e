"""Output rules and loss rules apart, for the output/loss pairs whose gradient does not
collapse (sigmoid + squared error, the delta rule; softmax + MSE; tanh + MSE; softmax + BCE).

An `OutputRule` carries yhat = out(z), its Jacobian d yhat / d z written with yhat (diag(yhat
(1 - yhat)) for a sigmoid, diag(yhat) - yhat yhat^T for softmax) and the product of that
Jacobian with dl/dyhat in the convention's layout; a `LossRule` carries dl/dyhat. The general
chain rule is their composition, derived in index notation and checked exactly on an explicit
instance: every output is written with t_k = e^{z_k}, so d/dz_k = t_k d/dt_k and the check is
rational algebra that `cancel` decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy
from sympy import IndexedBase, KroneckerDelta, MatrixExpr, OneMatrix

from derive.errors import VerificationError
from derive.solution import Step
from derive.symbolic.build import add, div, equalities, mul, neg, power
from derive.symbolic.matrices import Diag, Partial, hadamard, matmul, minus, scaled

CLASSES = 3  # the explicit size on which the identities are checked exactly
i, j = sympy.symbols("i j", integer=True)
Scalars = list[sympy.Expr]


def zero(expr: sympy.Expr, what: str) -> float:
    """0.0 when `expr` cancels to 0; else the identity is wrong and this raises."""
    if sympy.cancel(sympy.together(expr)) != 0:
        raise VerificationError(f"{what}: identity does not hold")
    return 0.0


def _ones(matrix: MatrixExpr) -> MatrixExpr:
    return OneMatrix(*matrix.shape)


@dataclass(frozen=True)
class OutputRule:
    """yhat = out(z), its Jacobian, and dl/dz = J^T dl/dyhat, all written with yhat."""

    name: str
    jacobian: Callable[[MatrixExpr], MatrixExpr]  # d yhat / d z of one example (a column)
    back: Callable[[MatrixExpr, MatrixExpr, bool], MatrixExpr]  # (g, yhat, rows) -> dl/dz
    entry: Callable[[IndexedBase], sympy.Expr]  # d yhat_j / d z_i in index notation
    words: str  # the Jacobian in words, for the step
    scalar: Callable[[tuple[sympy.Symbol, ...]], Scalars]  # yhat_k from t_k = e^{z_k}
    diagonal: bool  # an entry-wise output: the chain's sum has one term


def _softmax_back(g: MatrixExpr, yhat: MatrixExpr, rows: bool) -> MatrixExpr:
    """(diag(yhat) - yhat yhat^T) g for a column; row by row, yhat o (g - (g o yhat) 1 1^T)."""
    if not rows:
        return matmul(_softmax_jacobian(yhat), g)
    summed = matmul(hadamard(g, yhat), OneMatrix(yhat.shape[1], yhat.shape[1]))
    return hadamard(yhat, minus(g, summed))


def _softmax_jacobian(yhat: MatrixExpr) -> MatrixExpr:
    return minus(Diag(yhat), matmul(yhat, yhat.T))


def _sigmoid_factors(yhat: MatrixExpr) -> list[MatrixExpr]:
    return [yhat, minus(_ones(yhat), yhat)]


def _tanh_factors(yhat: MatrixExpr) -> list[MatrixExpr]:
    return [minus(_ones(yhat), hadamard(yhat, yhat))]


def _entrywise(factors: Callable[[MatrixExpr], list[MatrixExpr]]) -> dict[str, Callable]:  # type: ignore[type-arg]
    return {"jacobian": lambda yhat: Diag(hadamard(*factors(yhat))),
            "back": lambda g, yhat, rows: hadamard(g, *factors(yhat))}


OUTPUT_RULES: dict[str, OutputRule] = {rule.name: rule for rule in (
    OutputRule("softmax", _softmax_jacobian, _softmax_back,
               lambda p: mul(p[j], add(KroneckerDelta(i, j), neg(p[i]))),
               "quotient rule on yhat_j = e^{z_j} / sum_k e^{z_k}: the softmax Jacobian is "
               "diag(yhat) - yhat yhat^T", lambda t: [t_k / sum(t) for t_k in t], False),
    OutputRule("sigmoid", **_entrywise(_sigmoid_factors),
               entry=lambda p: mul(KroneckerDelta(i, j), p[i], add(1, neg(p[i]))),
               words="yhat_i = sigma(z_i) depends on z_i alone: the Jacobian is "
                     "diag(sigma'(z)) = diag(yhat (1 - yhat))",
               scalar=lambda t: [t_k / (1 + t_k) for t_k in t], diagonal=True),
    OutputRule("tanh", **_entrywise(_tanh_factors),
               entry=lambda p: mul(KroneckerDelta(i, j), add(1, neg(power(p[i], 2)))),
               words="yhat_i = tanh(z_i) depends on z_i alone: the Jacobian is "
                     "diag(tanh'(z)) = diag(1 - yhat^2)",
               scalar=lambda t: [(t_k ** 2 - 1) / (t_k ** 2 + 1) for t_k in t], diagonal=True),
)}


@dataclass(frozen=True)
class LossRule:
    """A loss of the outputs yhat and its gradient dl/dyhat."""

    name: str
    gradient: Callable[[MatrixExpr, MatrixExpr, int], MatrixExpr]  # (yhat, y, factor)
    entry: Callable[[IndexedBase, IndexedBase, int], sympy.Expr]  # dl/dyhat_i, index form
    scalar: Callable[[Scalars, Scalars, bool], sympy.Expr]  # the loss at explicit size
    words: str


def _bce_gradient(yhat: MatrixExpr, y: MatrixExpr, factor: int) -> MatrixExpr:
    """(yhat - y) o (yhat o (1 - yhat))^(o -1): each entry's (yhat_i - y_i) / (yhat_i (1 -
    yhat_i))."""
    return hadamard(minus(yhat, y), sympy.HadamardPower(
        hadamard(yhat, minus(_ones(yhat), yhat)), -1))


LOSS_RULES: dict[str, LossRule] = {rule.name: rule for rule in (
    LossRule("mse", lambda yhat, y, factor: scaled(factor, minus(yhat, y)),
             lambda p, y, factor: (add(p[i], neg(y[i])) if factor == 1
                                   else mul(factor, add(p[i], neg(y[i])))),
             lambda p, y, half: sum(((p_k - y_k) ** 2 for p_k, y_k in zip(p, y, strict=True)),
                                    sympy.Integer(0)) * (sympy.Rational(1, 2) if half else 1),
             "derivative of the squared error"),
    LossRule("bce", _bce_gradient,
             lambda p, y, factor: div(add(p[i], neg(y[i])), mul(p[i], add(1, neg(p[i])))),
             lambda p, y, half: -sum((y_k * sympy.log(p_k) + (1 - y_k) * sympy.log(1 - p_k)
                                      for p_k, y_k in zip(p, y, strict=True)), sympy.Integer(0)),
             "derivative of -sum_i [y_i log yhat_i + (1 - y_i) log(1 - yhat_i)]"),
)}


def _explicit(output: OutputRule) -> tuple[tuple[sympy.Symbol, ...], Scalars, Scalars,
                                           dict[sympy.Basic, sympy.Expr]]:
    """t_k = e^{z_k}, the targets, the outputs, and the index entries p[k], y[k] -> them."""
    t = sympy.symbols(f"t_1:{CLASSES + 1}", positive=True)
    y = list(sympy.symbols(f"y_1:{CLASSES + 1}", real=True))
    p = output.scalar(t)
    numbers = {P[n + 1]: p[n] for n in range(CLASSES)}
    numbers.update({Y[n + 1]: y[n] for n in range(CLASSES)})
    return t, y, p, numbers


P, Y = IndexedBase("p"), IndexedBase("y")


def loss_check(loss: LossRule, half: bool, factor: int) -> float:
    """dl/dyhat_a as stated equals SymPy's derivative of the loss, exactly, for every a."""
    p = list(sympy.symbols(f"p_1:{CLASSES + 1}", positive=True))
    y = list(sympy.symbols(f"y_1:{CLASSES + 1}", real=True))
    value = loss.scalar(p, y, half)
    numbers = {**{P[n + 1]: p[n] for n in range(CLASSES)},
               **{Y[n + 1]: y[n] for n in range(CLASSES)}}
    return max(zero(sympy.diff(value, p[a]) - loss.entry(P, Y, factor).subs(i, a + 1)
                    .xreplace(numbers), f"derivative of the {loss.name} loss")
               for a in range(CLASSES))


def jacobian_check(output: OutputRule) -> float:
    """d yhat_b / d z_a as stated equals SymPy's derivative, exactly, for every a, b."""
    t, _, p, numbers = _explicit(output)
    return max(zero(t[a] * sympy.diff(p[b], t[a]) - output.entry(P).subs(
        {i: a + 1, j: b + 1}).doit().xreplace(numbers), f"{output.name} Jacobian")
        for a in range(CLASSES) for b in range(CLASSES))


def chain_check(output: OutputRule, loss: LossRule, half: bool, factor: int) -> float:
    """d l(out(z)) / d z_a = sum_j dl/dyhat_j d yhat_j / d z_a, exactly, for every a."""
    t, y, p, numbers = _explicit(output)
    value = loss.scalar(p, y, half)
    residual = 0.0
    for a in range(CLASSES):
        chained = sum((loss.entry(P, Y, factor).subs(i, b + 1).xreplace(numbers)
                       * output.entry(P).subs({i: a + 1, j: b + 1}).doit()
                       .xreplace(numbers) for b in range(CLASSES)), sympy.Integer(0))
        residual = max(residual, zero(t[a] * sympy.diff(value, t[a]) - chained,
                                      f"{output.name} output with {loss.name} loss"))
    return residual


def general_steps(output: OutputRule, loss: LossRule, z: IndexedBase, p: IndexedBase,
                  y: IndexedBase, ell: sympy.Symbol, half: bool, factor: int) -> list[Step]:
    """dl/dyhat_i, d yhat_j / d z_i, and their product summed over j: the chain rule."""
    d_loss = loss.entry(p, y, factor)
    residual = chain_check(output, loss, half, factor)
    checks = (loss_check(loss, half, factor), jacobian_check(output))
    if output.diagonal:
        local = output.entry(p).subs(j, i).subs(KroneckerDelta(i, i), 1)
        local = local.args[1] if isinstance(local, sympy.Mul) and local.args[0] == 1 else local
        return [Step(equalities(Partial(ell, p[i]), d_loss), loss.words, check=checks[0]),
                Step(equalities(Partial(p[i], z[i]), local), output.words, check=checks[1]),
                Step(equalities(Partial(ell, z[i]), mul(d_loss, local)),
                     "chain rule: the general form, the product of the two", check=residual)]
    C = sympy.Symbol("C")
    d_loss_j = d_loss.subs(i, j)
    summed = sympy.Sum(mul(d_loss_j, output.entry(p)), (j, 1, C))
    collected = mul(p[i], add(d_loss, neg(sympy.Sum(mul(p[j], d_loss_j), (j, 1, C)))))
    return [Step(equalities(Partial(ell, p[i]), d_loss), loss.words, check=checks[0]),
            Step(equalities(Partial(p[j], z[i]), output.entry(p)), output.words,
                 check=checks[1]),
            Step(equalities(Partial(ell, z[i]), summed, collected),
                 "chain rule over every output j: the general form (no simplification to "
                 "yhat - y holds for this pair)", check=residual)]
