"""Per-row steps of each loss: the formula with every term shown, checked against the kernel.

Each rule appends its steps for one row and returns the row's loss. The value comes
from the numeric kernel (`derive.numeric.losses`); the check evaluates the printed
formula independently with SymPy at 30 digits and compares.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from derive.errors import VerificationError
from derive.numeric import losses
from derive.solution import Step, measured
from derive.symbolic.build import add, eq, mul, neg, power

MAX_TERMS = 10  # wider rows are written with a sum sign instead of every term
TOLERANCE = 1e-9
EXACT_DIGITS = 10_000  # decimal sums of squares are exact below this many digits

Row = Sequence[Decimal]
Rule = Callable[[list[Step], Row, Row, int], Any]
sigma = sympy.Function("sigma")


def _entries(letter: str, row: Sequence[Any]) -> tuple[tuple[sympy.Symbol, ...], dict[Any, Any]]:
    """One symbol per entry with its value, or for a wide row the general entry alone."""
    if len(row) > MAX_TERMS:
        return (sympy.Symbol(f"{letter}_i", real=True),), {}
    symbols = sympy.symbols(f"{letter}_1:{len(row) + 1}", real=True)
    return symbols, dict(zip(symbols, row, strict=True))


def _checked(formula: sympy.Expr, given: dict[sympy.Symbol, Any], value: float) -> float:
    """Relative difference between the formula evaluated by SymPy and the kernel's value."""
    numbers = {s: sympy.Float(str(v), 30) for s, v in given.items()}
    exact = formula.xreplace(numbers).replace(sigma, lambda x: 1 / (1 + sympy.exp(-x)))
    evaluated = sympy.N(exact, 30)
    if not evaluated.is_real or not evaluated.is_finite:
        raise VerificationError(f"loss: formula evaluates to {evaluated}")
    reference = float(evaluated)
    residual = abs(reference - value) / max(1.0, abs(reference))
    if not residual < TOLERANCE:
        raise VerificationError(f"loss: formula gives {reference}, kernel {value}")
    return measured(residual)


def _sum(terms: list[sympy.Expr], general: sympy.Expr, count: int) -> sympy.Expr:
    if count > MAX_TERMS:
        i = sympy.Symbol("i", integer=True)
        return sympy.Sum(general, (i, 1, count))
    return add(*terms)


def _row_step(steps: list[Step], name: str, n: int, formula: sympy.Expr,
              given: dict[sympy.Symbol, Any], value: float, why: str,
              reference: tuple[sympy.Expr, dict[sympy.Symbol, Any]] | None = None) -> float:
    """Append the row's loss step; check `reference` (default: the formula itself)."""
    check_formula, check_given = reference or (formula, given)
    check = _checked(check_formula, check_given, value) if check_given else None
    steps.append(Step(eq(sympy.Symbol(f"l_{n}"), formula), f"{name}, row {n}: {why}",
                      value=value, check=check, given=given))
    return value


def ce_logits(steps: list[Step], z_row: Row, y_row: Row, n: int) -> float:
    """LSE, the softmax probabilities, then -sum y_i log p_i."""
    z, y = np.array(z_row, dtype=float), np.array(y_row, dtype=float)
    p = np.exp(losses.log_softmax(np, z))
    (zs, z_given), (ps, p_given), (ys, y_given) = (
        _entries("z", z_row), _entries("p", list(p)), _entries("y", y_row))
    lse = float(losses.log_sum_exp(np, z))
    lse_formula = sympy.log(_sum([sympy.exp(s) for s in zs], sympy.exp(zs[0]), len(z)),
                            evaluate=False)
    steps.append(Step(eq(sympy.Symbol(f"LSE_{n}"), lse_formula),
                      f"ce, row {n}: log-sum-exp of the logits (computed as max + log sum "
                      "exp(z - max), finite for any logits)", value=lse,
                      check=_checked(lse_formula, z_given, lse) if z_given else None,
                      given=z_given))
    steps.append(Step(eq(sympy.Symbol("p_i"), sympy.exp(add(sympy.Symbol("z_i"), neg(
        sympy.Symbol(f"LSE_{n}"))))), f"ce, row {n}: softmax probabilities", shape=(len(z),),
        value=p))
    terms = [mul(y_i, sympy.log(p_i)) for y_i, p_i in zip(ys, ps, strict=True)]
    formula = neg(_sum(terms, terms[0], len(z)))
    value = float(losses.cross_entropy_logits(np, z, y))
    # checked from the logits, since a printed p_i may underflow to 0
    log_p = [add(z_i, neg(lse_formula)) for z_i in zs]
    reference = neg(add(*(mul(y_i, lp) for y_i, lp in zip(ys, log_p, strict=True))))
    return _row_step(steps, "ce", n, formula, {**y_given, **p_given}, value,
                     "cross-entropy -sum_i y_i log p_i", (reference, {**z_given, **y_given}))


def ce_probs(steps: list[Step], p_row: Row, y_row: Row, n: int) -> float:
    """-sum y_i log p_i with the given probabilities."""
    (ps, p_given), (ys, y_given) = _entries("p", p_row), _entries("y", y_row)
    terms = [mul(y_i, sympy.log(p_i)) for y_i, p_i in zip(ys, ps, strict=True)]
    given = {**y_given, **p_given}
    value = float(losses.cross_entropy_probs(np, np.array(p_row, float), np.array(y_row, float)))
    weighted = [term for term, y in zip(terms, y_row, strict=False) if y]  # 0 log 0 = 0
    return _row_step(steps, "ce", n, neg(_sum(terms, terms[0], len(p_row))), given, value,
                     "cross-entropy -sum_i y_i log p_i", (neg(add(*weighted)), given))


def mse(steps: list[Step], yhat_row: Row, y_row: Row, n: int) -> Fraction:
    """sum (y_hat_i - y_i)^2, exact for decimal inputs."""
    (hs, h_given), (ys, y_given) = _entries("yhat", yhat_row), _entries("y", y_row)
    terms = [power(add(h, neg(y)), 2) for h, y in zip(hs, ys, strict=True)]
    given = {**h_given, **y_given}
    with decimal.localcontext(decimal.Context(prec=EXACT_DIGITS, traps=[decimal.Inexact])):
        exact = Fraction(sum(((a - b) ** 2 for a, b in zip(yhat_row, y_row, strict=True)),
                             Decimal(0)))
    kernel = float(losses.squared_error(np, np.array(yhat_row, float), np.array(y_row, float)))
    if abs(kernel - float(exact)) > TOLERANCE * max(1.0, kernel):
        raise VerificationError(f"mse: exact {exact} but kernel {kernel}")
    _row_step(steps, "mse", n, _sum(terms, terms[0], len(y_row)), given, float(exact),
              "squared error sum_i (yhat_i - y_i)^2")
    return exact


def _bce_terms(xs: Sequence[sympy.Symbol], ys: Sequence[sympy.Symbol],
               squash: Callable[[sympy.Symbol], sympy.Expr]) -> sympy.Expr:
    terms = [add(mul(y, sympy.log(squash(x))), mul(add(1, neg(y)), sympy.log(add(1, neg(
        squash(x)))))) for x, y in zip(xs, ys, strict=True)]
    return neg(_sum(terms, terms[0], len(xs)))


def bce_logits(steps: list[Step], z_row: Row, y_row: Row, n: int) -> float:
    """-sum [y log sigma(z) + (1 - y) log(1 - sigma(z))], computed in the stable form."""
    (zs, z_given), (ys, y_given) = _entries("z", z_row), _entries("y", y_row)
    given = {**z_given, **y_given}
    value = float(losses.binary_cross_entropy_logits(np, np.array(z_row, float),
                                                     np.array(y_row, float)))
    # log sigma(z) = -log(1 + e^-z) and log(1 - sigma(z)) = -z - log(1 + e^-z): exact at +-1000
    softplus = [sympy.log(1 + sympy.exp(-z)) for z in zs]
    reference = add(*(add(mul(y, sp), mul(add(1, neg(y)), add(z, sp)))
                      for z, y, sp in zip(zs, ys, softplus, strict=True)))
    return _row_step(steps, "bce", n, _bce_terms(zs, ys, sigma), given, value,
                     "binary cross-entropy of sigmoid(z), summed over entries", (reference, given))


def bce_probs(steps: list[Step], p_row: Row, y_row: Row, n: int) -> float:
    """-sum [y log p + (1 - y) log(1 - p)]."""
    (ps, p_given), (ys, y_given) = _entries("p", p_row), _entries("y", y_row)
    given = {**p_given, **y_given}
    value = float(losses.binary_cross_entropy_probs(np, np.array(p_row, float),
                                                    np.array(y_row, float)))
    return _row_step(steps, "bce", n, _bce_terms(ps, ys, lambda p: p), given, value,
                     "binary cross-entropy, summed over entries")


RULES: dict[tuple[str, bool], Rule] = {  # (loss, from logits?) -> rule
    ("ce", True): ce_logits,
    ("ce", False): ce_probs,
    ("mse", True): mse,
    ("mse", False): mse,
    ("bce", True): bce_logits,
    ("bce", False): bce_probs,
}
