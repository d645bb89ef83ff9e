"""The output/loss pairs beyond the three that collapse: CE and BCE on logits, and the
general chain rule (sigmoid + squared error, the delta rule; tanh + MSE; softmax + MSE;
softmax + BCE).

"Identity with CE" means what torch's CrossEntropyLoss means: the loss applies log-softmax
to the logits yhat = z, so dl/dz = softmax(z) - y; BCE on logits (BCEWithLogitsLoss) gives
sigmoid(z) - y. A sigmoid or tanh output with CE is refused: CE needs a distribution.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import sympy
from sympy import IndexedBase, MatrixExpr

from derive.numeric.heads import HEADS, LOSS_KERNELS
from derive.solution import Step
from derive.symbolic.activations import ACTIVATIONS
from derive.symbolic.build import add, div, equalities, mul, neg
from derive.symbolic.matrices import Elementwise, Partial, minus
from derive.symbolic.output_loss import Names, OutputLoss
from derive.symbolic.output_rules import (
    CLASSES,
    LOSS_RULES,
    OUTPUT_RULES,
    general_steps,
    zero,
)

i, j, k = sympy.symbols("i j k", integer=True)
SOFTMAX = ("softmax({})", r"\operatorname{softmax}\left({}\right)")
GENERAL = (("sigmoid", "mse"), ("tanh", "mse"), ("softmax", "mse"), ("softmax", "bce"))


def _total(term: Callable[[Any], sympy.Expr], terms: int | None, index: Any = i) -> sympy.Expr:
    if terms is None:
        return sympy.Sum(term(index), (index, 1, sympy.Symbol("C")))
    return add(*(term(n) for n in range(1, terms + 1)))


def _logits_ce_formula(names: Names, half: bool, terms: int | None = None) -> sympy.Expr:
    """-sum_i y_i log(e^{z_i} / sum_k e^{z_k}), with z = yhat the logits."""
    p, y = IndexedBase(names.yhat), IndexedBase(names.y)
    normaliser = _total(lambda n: sympy.exp(p[n]), terms, k)
    return neg(_total(lambda n: mul(y[n], sympy.log(div(sympy.exp(p[n]), normaliser))), terms))


def _logits_bce_formula(names: Names, half: bool, terms: int | None = None) -> sympy.Expr:
    """-sum_i [y_i log sigma(z_i) + (1 - y_i) log(1 - sigma(z_i))], z = yhat the logits."""
    p, y, sigma = IndexedBase(names.yhat), IndexedBase(names.y), sympy.Function("sigma")
    return neg(_total(lambda n: add(mul(y[n], sympy.log(sigma(p[n]))), mul(
        add(1, neg(y[n])), sympy.log(add(1, neg(sigma(p[n])))))), terms))


def _logits_ce_check() -> float:
    """d/dz_a of -sum_j y_j log softmax(z)_j = softmax(z)_a - y_a given sum_j y_j = 1."""
    t = sympy.symbols(f"t_1:{CLASSES + 1}", positive=True)
    y = sympy.symbols(f"y_1:{CLASSES + 1}", real=True)
    loss = -sum(y_j * sympy.log(t_j / sum(t)) for y_j, t_j in zip(y, t, strict=True))
    normalised = {y[-1]: 1 - sum(y[:-1])}
    return max(zero((t[a] * sympy.diff(loss, t[a]) - (t[a] / sum(t) - y[a])).subs(normalised),
                    "cross-entropy on logits") for a in range(CLASSES))


def _logits_ce_steps(names: Names, half: bool) -> list[Step]:
    z, y, ell = IndexedBase(names.z), IndexedBase(names.y), sympy.Symbol(names.loss)
    C = sympy.Symbol("C")
    total = sympy.Sum(sympy.exp(z[k]), (k, 1, C))
    softmax_i = div(sympy.exp(z[i]), total)
    return [
        Step(equalities(ell, neg(sympy.Sum(mul(y[j], sympy.log(div(sympy.exp(z[j]), total))),
                                           (j, 1, C)))),
             "cross-entropy on the logits: the loss applies log-softmax to yhat = z, as "
             "torch's CrossEntropyLoss does", check=0.0),
        Step(equalities(Partial(ell, z[i]), add(neg(y[i]), mul(
            sympy.Sum(y[j], (j, 1, C)), softmax_i)), add(softmax_i, neg(y[i]))),
             "derivative of each term; the target sums to one (sum_j y_j = 1): softmax(z) - y",
             check=_logits_ce_check())]


def _logits_bce_steps(names: Names, half: bool) -> list[Step]:
    z, y, ell = IndexedBase(names.z), IndexedBase(names.y), sympy.Symbol(names.loss)
    zi, yi = sympy.symbols("z y", real=True)
    s = 1 / (1 + sympy.exp(-zi))
    residual = zero(sympy.diff(-(yi * sympy.log(s) + (1 - yi) * sympy.log(1 - s)), zi)
                    - (s - yi), "binary cross-entropy on logits")
    sigma = sympy.Function("sigma")
    return [Step(equalities(Partial(ell, z[i]), add(
        neg(mul(y[i], add(1, neg(sigma(z[i]))))), mul(add(1, neg(y[i])), sigma(z[i]))),
        add(sigma(z[i]), neg(y[i]))),
        "binary cross-entropy on the logits (torch's BCEWithLogitsLoss): sigma' = sigma "
        "(1 - sigma), so the terms collect to sigma(z) - y", check=residual)]


def _squash_minus(name: str, z: MatrixExpr, yhat: MatrixExpr, y: MatrixExpr, half: bool,
                  rows: bool) -> MatrixExpr:
    text, tex = SOFTMAX if name == "softmax" else (ACTIVATIONS[name].text, ACTIVATIONS[name].tex)
    return minus(Elementwise(name, text, tex, z), y)


def on_logits() -> Iterator[OutputLoss]:
    """Identity outputs (logits) with CE (log-softmax inside) and BCE (sigmoid inside)."""
    yield OutputLoss("identity", "ce", "{}", "{}", HEADS[("identity", "ce")], _logits_ce_formula,
                     _logits_ce_steps, delta=partial(_squash_minus, "softmax"),
                     form="CE on the logits gives softmax(z) - y per example")
    yield OutputLoss("identity", "bce", "{}", "{}", HEADS[("identity", "bce")],
                     _logits_bce_formula, _logits_bce_steps,
                     delta=partial(_squash_minus, "sigmoid"),
                     form="BCE on the logits gives sigma(z) - y per example")


def _steps(output: str, loss: str, names: Names, half: bool) -> list[Step]:
    return general_steps(OUTPUT_RULES[output], LOSS_RULES[loss], IndexedBase(names.z),
                         IndexedBase(names.yhat), IndexedBase(names.y),
                         sympy.Symbol(names.loss), half, LOSS_KERNELS[loss].factor(half))


def _delta(output: str, loss: str, z: MatrixExpr, yhat: MatrixExpr, y: MatrixExpr, half: bool,
           rows: bool) -> MatrixExpr:
    return OUTPUT_RULES[output].back(_gradient(loss, yhat, y, half), yhat, rows)


def _gradient(loss: str, yhat: MatrixExpr, y: MatrixExpr, half: bool) -> MatrixExpr:
    return LOSS_RULES[loss].gradient(yhat, y, LOSS_KERNELS[loss].factor(half))


def general(formulas: Mapping[str, Callable[..., sympy.Expr]]) -> Iterator[OutputLoss]:
    """The pairs with no collapsed form: dl/dz = J^T dl/dyhat, the general chain rule."""
    for output, loss in GENERAL:
        text, tex = (SOFTMAX if output == "softmax"
                     else (ACTIVATIONS[output].text, ACTIVATIONS[output].tex))
        yield OutputLoss(output, loss, text, tex, HEADS[(output, loss)], formulas[loss],
                         partial(_steps, output, loss), OUTPUT_RULES[output].jacobian,
                         delta=partial(_delta, output, loss),
                         gradient=partial(_gradient, loss),
                         form=f"the general chain rule, dl/dyhat through the {output} "
                              "output's Jacobian")
