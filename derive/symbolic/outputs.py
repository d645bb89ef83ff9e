"""The output-layer and loss rules: every output with every loss where it is meaningful.

Each `OutputLoss` derives dl/dz_L entry by entry in index notation (the softmax Jacobian
from the quotient rule, then the sum that collapses to p - y because sum_j y_j = 1),
checks each identity exactly with SymPy on an explicit instance, and carries the kernels
that evaluate the output, the loss and the gradient numerically. The pairs here collapse
(softmax + CE, sigmoid + BCE, identity + MSE); `derive.symbolic.output_pairs` adds CE and
BCE on logits and the general chain rule for the rest (sigmoid + MSE, the delta rule).
Cross-entropy needs a distribution: softmax outputs, or logits it applies log-softmax to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sympy
from sympy import IndexedBase, KroneckerDelta

from derive.errors import VerificationError
from derive.numeric.heads import HEADS
from derive.solution import Step
from derive.symbolic import output_pairs
from derive.symbolic.activations import ACTIVATIONS
from derive.symbolic.build import add, div, equalities, mul, neg, power
from derive.symbolic.matrices import Partial
from derive.symbolic.output_loss import Names, OutputLoss
from derive.symbolic.output_rules import OUTPUT_RULES

CLASSES = 3  # the explicit size on which the identities are checked exactly
i, j, k = sympy.symbols("i j k", integer=True)


def _zero(expr: sympy.Expr, what: str) -> float:
    if sympy.cancel(sympy.together(expr)) != 0:
        raise VerificationError(f"{what}: identity does not hold")
    return 0.0


def _indexed(names: Names) -> tuple[IndexedBase, IndexedBase, IndexedBase]:
    return IndexedBase(names.z), IndexedBase(names.yhat), IndexedBase(names.y)


def _exponentials(classes: int) -> tuple[tuple[sympy.Symbol, ...], tuple[sympy.Symbol, ...]]:
    """e_k = exp(z_k) as positive symbols, and the targets y_k."""
    return (sympy.symbols(f"e_1:{classes + 1}", positive=True),
            sympy.symbols(f"y_1:{classes + 1}", real=True))


def _by_logit(f: sympy.Expr, e: sympy.Symbol) -> sympy.Expr:
    """d f / d z_k = e_k d f / d e_k, since d e_k / d z_k = e_k."""
    return e * sympy.diff(f, e)


@lru_cache
def softmax_jacobian(classes: int = CLASSES) -> dict[tuple[int, int], float]:
    """Check d p_j / d z_i = p_j (delta_ij - p_i) exactly for every i, j (residual 0 each)."""
    e, _ = _exponentials(classes)
    probs = [e_j / sum(e) for e_j in e]
    return {(a, b): _zero(_by_logit(probs[b], e[a]) - probs[b] * (int(a == b) - probs[a]),
                          "softmax Jacobian") for a in range(classes) for b in range(classes)}


@lru_cache
def softmax_ce_gradient(classes: int = CLASSES) -> float:
    """Check d(-sum_j y_j log p_j)/d z_i = p_i - y_i exactly, given sum_j y_j = 1."""
    e, y = _exponentials(classes)
    probs = [e_j / sum(e) for e_j in e]
    loss = -sum(y_j * sympy.log(p_j) for y_j, p_j in zip(y, probs, strict=True))
    normalised = {y[-1]: 1 - sum(y[:-1])}
    return max(_zero((_by_logit(loss, e[a]) - (probs[a] - y[a])).subs(normalised),
                     "softmax cross-entropy gradient") for a in range(classes))


def _softmax_ce_steps(names: Names, half: bool) -> list[Step]:
    z, p, y = _indexed(names)
    ell = sympy.Symbol(names.loss)
    C = sympy.Symbol("C")
    total = sympy.Sum(sympy.exp(z[k]), (k, 1, C))
    quotient = div(add(mul(KroneckerDelta(i, j), sympy.exp(z[j]), total),
                       neg(mul(sympy.exp(z[j]), sympy.exp(z[i])))), power(total, 2))
    summed = sympy.Sum(mul(neg(div(y[j], p[j])), p[j], add(KroneckerDelta(i, j), neg(p[i]))),
                       (j, 1, C))
    return [
        Step(equalities(Partial(ell, p[j]), neg(div(y[j], p[j]))),
             "derivative of the cross-entropy -sum_j y_j log yhat_j with respect to yhat_j",
             check=0.0),
        Step(equalities(Partial(p[j], z[i]), quotient,
                        mul(p[j], add(KroneckerDelta(i, j), neg(p[i])))),
             "quotient rule on yhat_j = e^{z_j} / sum_k e^{z_k}: the softmax Jacobian is "
             "diag(yhat) - yhat yhat^T", check=max(softmax_jacobian().values())),
        Step(equalities(Partial(ell, z[i]), summed,
                        add(neg(y[i]), mul(p[i], sympy.Sum(y[j], (j, 1, C)))),
                        add(p[i], neg(y[i]))),
             "chain rule over every output j; the target sums to one: sum_j y_j = 1",
             check=softmax_ce_gradient())]


def _sigmoid_bce_steps(names: Names, half: bool) -> list[Step]:
    z, p, y = _indexed(names)
    ell = sympy.Symbol(names.loss)
    zi, yi = sympy.symbols("z y", real=True)
    s = 1 / (1 + sympy.exp(-zi))
    loss = -(yi * sympy.log(s) + (1 - yi) * sympy.log(1 - s))
    residual = _zero(sympy.diff(loss, zi) - (s - yi), "sigmoid binary cross-entropy gradient")
    d_loss = add(div(neg(y[i]), p[i]), div(add(1, neg(y[i])), add(1, neg(p[i]))))
    return [
        Step(equalities(Partial(ell, p[i]), d_loss),
             "derivative of -sum_i [y_i log yhat_i + (1 - y_i) log(1 - yhat_i)]", check=0.0),
        Step(equalities(Partial(p[i], z[i]), mul(p[i], add(1, neg(p[i])))),
             "yhat_i = sigma(z_i) depends on z_i alone: sigma' = sigma (1 - sigma)", check=0.0),
        Step(equalities(Partial(ell, z[i]), mul(d_loss, p[i], add(1, neg(p[i]))),
                        add(p[i], neg(y[i]))), "the product simplifies", check=residual)]


def _identity_mse_steps(names: Names, half: bool) -> list[Step]:
    z, p, y = _indexed(names)
    ell = sympy.Symbol(names.loss)
    factor = HEADS[("identity", "mse")].factor(half)
    zi, yi = sympy.symbols("z y", real=True)
    scale = sympy.Rational(1, 2) if half else 1
    residual = _zero(sympy.diff(scale * (zi - yi) ** 2, zi) - factor * (zi - yi), "MSE gradient")
    gradient = add(p[i], neg(y[i])) if factor == 1 else mul(factor, add(p[i], neg(y[i])))
    return [
        Step(equalities(Partial(ell, p[i]), gradient),
             "derivative of " + ("1/2 " if half else "") + "sum_i (yhat_i - y_i)^2", check=0.0),
        Step(equalities(Partial(p[i], z[i]), 1), "the output is the identity: yhat = z",
             check=0.0),
        Step(equalities(Partial(ell, z[i]), gradient), "chain rule", check=residual)]


def _total(term: Callable[[Any], sympy.Expr], terms: int | None) -> sympy.Expr:
    """sum_i term(i) over the C outputs, or written out term by term for `terms` outputs."""
    if terms is None:
        return sympy.Sum(term(i), (i, 1, sympy.Symbol("C")))
    return add(*(term(n) for n in range(1, terms + 1)))


def _ce_formula(names: Names, half: bool, terms: int | None = None) -> sympy.Expr:
    _, p, y = _indexed(names)
    return neg(_total(lambda n: mul(y[n], sympy.log(p[n])), terms))


def _bce_formula(names: Names, half: bool, terms: int | None = None) -> sympy.Expr:
    _, p, y = _indexed(names)
    return neg(_total(lambda n: add(mul(y[n], sympy.log(p[n])), mul(
        add(1, neg(y[n])), sympy.log(add(1, neg(p[n]))))), terms))


def _mse_formula(names: Names, half: bool, terms: int | None = None) -> sympy.Expr:
    _, p, y = _indexed(names)
    total = _total(lambda n: power(add(p[n], neg(y[n])), 2), terms)
    return mul(sympy.Rational(1, 2), total) if half else total


sigmoid = ACTIVATIONS["sigmoid"]
PAIRS: dict[tuple[str, str], OutputLoss] = {(pair.output, pair.loss): pair for pair in (
    OutputLoss("softmax", "ce", "softmax({})", r"\operatorname{softmax}\left({}\right)",
               HEADS[("softmax", "ce")], _ce_formula, _softmax_ce_steps,
               OUTPUT_RULES["softmax"].jacobian),
    OutputLoss("sigmoid", "bce", sigmoid.text, sigmoid.tex, HEADS[("sigmoid", "bce")],
               _bce_formula, _sigmoid_bce_steps, OUTPUT_RULES["sigmoid"].jacobian),
    OutputLoss("identity", "mse", "{}", "{}", HEADS[("identity", "mse")], _mse_formula,
               _identity_mse_steps),
    *output_pairs.on_logits(),
    *output_pairs.general({"mse": _mse_formula, "bce": _bce_formula}),
)}
