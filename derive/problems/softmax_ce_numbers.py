"""`softmax-ce` with numbers: p = softmax(h), L = -sum_i y_i log p_i and dL/dh_i = p_i - y_i
for given logits and target, every entry shown.

The probabilities and the loss come from the numeric kernels (`derive.numeric.losses`, a
stable log-sum-exp); the printed formulas are evaluated independently at 30 digits and
compared, and the gradient p - y is checked against central differences of the kernel's
loss.

>>> import numpy as np
>>> p, loss, grad, _ = numbers(np.array([1.2, 0.3, -0.5]), np.array([0.0, 1.0, 0.0]))
>>> np.round(p, 4).tolist(), round(loss, 4), np.round(grad, 4).tolist()
([0.6292, 0.2558, 0.1149], 1.3633, [0.6292, -0.7442, 0.1149])
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import sympy

from derive.answers import Answer, Confusion, Key, Slip
from derive.errors import VerificationError
from derive.numeric import losses
from derive.solution import Step, measured
from derive.symbolic.build import add, div, eq, mul, neg
from derive.symbolic.matrices import Partial

TOLERANCE = 1e-8
STEP = 1e-6  # central differences of the loss


def numbers(h: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, float]:
    """p, L, dL/dh and the worst relative error of dL/dh against central differences."""
    p = np.exp(losses.log_softmax(np, h))
    loss = float(losses.cross_entropy_logits(np, h, y))
    gradient = p - y
    differences = np.array([(float(losses.cross_entropy_logits(np, h + STEP * e, y)) -
                             float(losses.cross_entropy_logits(np, h - STEP * e, y))) / (2 * STEP)
                            for e in np.eye(len(h))])
    error = float(np.max(np.abs(differences - gradient)) / max(1.0, np.max(np.abs(gradient))))
    if error > 1e-6:
        raise VerificationError(f"softmax-ce: dL/dh = p - y is off by {error:.1e} from central "
                                "differences")
    return p, loss, gradient, error


def steps_and_answers(logits: Sequence[Decimal], target: Sequence[Decimal], h_name: str,
                      y_name: str) -> tuple[list[Step], list[Answer]]:
    """Every p_i, the loss and every dL/dh_i with their numbers, then the answers."""
    h_values, y_values = np.array(logits, float), np.array(target, float)
    p, loss, gradient, error = numbers(h_values, y_values)
    count = len(logits)
    hs = sympy.symbols(f"{h_name}_1:{count + 1}", real=True)
    ys = sympy.symbols(f"{y_name}_1:{count + 1}", real=True)
    ps = sympy.symbols(f"p_1:{count + 1}", positive=True)
    given_h = dict(zip(hs, h_values.tolist(), strict=True))
    total = add(*(sympy.exp(h) for h in hs))
    steps = [Step(eq(p_i, div(sympy.exp(h), total)), f"softmax of the logits, class {i}",
                  value=float(p[i - 1]), given=given_h,
                  check=_checked(div(sympy.exp(h), total), given_h, float(p[i - 1])))
             for i, (p_i, h) in enumerate(zip(ps, hs, strict=True), 1)]
    given_l = {**dict(zip(ys, y_values.tolist(), strict=True)),
               **dict(zip(ps, p.tolist(), strict=True))}
    formula = neg(add(*(mul(y, sympy.log(p_i)) for y, p_i in zip(ys, ps, strict=True))))
    loss_symbol = sympy.Symbol("L")
    # checked from the logits at 30 digits (a p_i that underflows in float64 stays exact),
    # terms with y_i = 0 dropped (0 log 0 = 0)
    reference = neg(add(*(mul(y, sympy.log(div(sympy.exp(h), total))) for y, h, v in zip(
        ys, hs, y_values, strict=True) if v)))
    check = _checked(reference, {**given_h, **given_l}, loss)
    steps.append(Step(eq(loss_symbol, formula), f"cross-entropy -sum_i {y_name}_i log p_i",
                      value=loss, given=given_l, check=check))
    for i, (h, p_i, y) in enumerate(zip(hs, ps, ys, strict=True), 1):
        steps.append(Step(eq(Partial(loss_symbol, h), add(p_i, neg(y))),
                          f"the proof's result, dL/d{h_name}_i = p_i - {y_name}_i (checked "
                          "against central differences of L)", value=float(gradient[i - 1]),
                          given={p_i: float(p[i - 1]), y: float(y_values[i - 1])},
                          check=measured(error)))
    return steps, _answers(p, loss, gradient, y_values, h_name)


def _answers(p: np.ndarray, loss: float, gradient: np.ndarray, y: np.ndarray,
             h_name: str) -> list[Answer]:
    # sum_i y_i p_i: the loss written without its log and its minus (a negative claim is
    # caught first: a cross-entropy is never negative)
    dropped = (Confusion(float(np.sum(y * p)), Slip.NO_LOG_NO_MINUS),)
    return [Answer(Key("p"), p, shape=p.shape, nonnegative=True),
            Answer(Key("L"), loss, nonnegative=True, confusions=dropped),
            Answer(Key.derivative("L", h_name), gradient, shape=gradient.shape,
                   confusions=(Confusion(p, Slip.OTHER, "the target was not subtracted: "
                                         "this is p, not p - y"),))]


def _checked(formula: Any, given: dict[Any, Any], value: float) -> float:
    """The relative difference between the printed formula at 30 digits and the kernel."""
    exact = float(sympy.N(formula.subs(given), 30))
    residual = abs(exact - value) / max(1.0, abs(value))
    if residual > TOLERANCE:
        raise VerificationError(f"softmax-ce: formula gives {exact}, kernel {value}")
    return measured(residual)
