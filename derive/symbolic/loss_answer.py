"""The loss of a network problem as an answer: its formula, judged at random values.

A claimed loss formula (``-1/N * sum(Y * log(A_3))``) is evaluated with the same random
network as the derived one (`derive.symbolic.instance`), and the right value is the kernels'
loss there (`derive.numeric.mlp.loss`). The answer's confusions are the loss with its log,
its minus or both dropped (seed 001 writes ``1/N * sum(Y * A3)``), each a function of the
sample's values, so the checker names the slip without knowing the kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from derive.answers import Answer, Confusion, Key, Slip, plain_name
from derive.claimed_formula import identifier
from derive.numeric import mlp
from derive.solution import Formula, Step
from derive.symbolic.instance import instantiate
from derive.symbolic.model import Model

Sample = tuple[dict[str, Any], Any, dict[str, float]]
DEFINED = "the loss as the problem defines it (the steps)"


def loss_answer(model: Model, steps: list[Step] | tuple[Step, ...]) -> Answer:
    """The loss L as a formula answer: the last form of the step that defines L (a batch's
    written out over its rows n and entries i). A detail answer, not boxed: the problem
    gives the loss, it is no result (still claimable; an `ask` table naming it boxes it)."""
    net = model.net
    expr = next((step.sides[1][-1] for step in steps
                 if step.sides[0] == net.loss and step.sides[1]), net.loss)
    sample = _sampler(model)
    confusions: tuple[Confusion, ...] = ()
    if (model.pair.output, model.pair.loss) == ("softmax", "ce"):
        confusions = tuple(Confusion(_dropped(model, slip), slip) for slip in (
            Slip.NO_LOG_NO_MINUS, Slip.NO_LOG, Slip.NO_MINUS))
    return Answer(Key.of(net.loss), Formula(expr, None, None, net.loss, sample=sample),
                  nonnegative=model.pair.loss in ("ce", "bce"), confusions=confusions,
                  detail=DEFINED)


def _sampler(model: Model) -> Callable[[], Sample]:
    def sample() -> Sample:
        instance = instantiate(model, seed=11)
        values: dict[str, Any] = {}
        for symbol, value in instance.arrays.items():
            values[plain_name(symbol)] = values[identifier(plain_name(symbol))] = value
        batch = float(instance.X.shape[0])
        values["N"] = batch
        truth = mlp.loss(instance.numeric, instance.params, instance.X, instance.Y)
        factors = {"2": 2.0, **({"N": batch} if model.net.convention.rows else {})}
        return values, truth, factors
    return sample


def _dropped(model: Model, slip: Slip) -> Callable[[dict[str, Any]], Any]:
    """The cross-entropy as written with its log and/or its minus dropped, from a sample."""
    net = model.net

    def value(values: dict[str, Any]) -> Any:
        Y, Yhat = values[plain_name(net.y)], values[plain_name(net.yhat)]
        rows = int(values.get("N", 1)) if net.convention.rows else 1
        divisor = model.kernels().divisor(rows, Y.size // rows)
        inner = Yhat if slip in (Slip.NO_LOG, Slip.NO_LOG_NO_MINUS) else np.log(Yhat)
        sign = 1.0 if slip in (Slip.NO_MINUS, Slip.NO_LOG_NO_MINUS) else -1.0
        return sign * float(np.sum(Y * inner)) / divisor
    return value
