"""The forward pass after the SGD step of a worked `backprop` example: the updated weights
through the network, layer by layer, as a TA's key shows it before the new loss."""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.answers import Answer, Key
from derive.numeric import mlp
from derive.solution import Step
from derive.symbolic import formulas
from derive.symbolic.build import eq
from derive.symbolic.matrices import Updated

AFTER = "the forward pass after the step (the steps)"


def after_steps(example: Any, updated: list[tuple[Any, Any]]) -> tuple[list[Step], list[Answer]]:
    """Z_l' = the linear map with W_l', b_l' and a_{l-1}', a_l' = the activation of Z_l',
    and the output, each with its value; the answers they show (``Z_1 new``, ...)."""
    net, model = example.model.net, example.model
    with np.errstate(all="ignore"):
        zs, activations = mlp.forward(example.numeric, updated, example.X)
    swap: dict[Any, Any] = {}
    steps: list[Step] = []
    answers: list[Answer] = []

    def show(symbol: Any, formula: Any, why: str, value: Any) -> None:
        shown = example._oriented("data", value)
        steps.append(Step(eq(Updated(symbol), formula), why,
                          shape=example.shape_of(formula, shown), value=shown))
        answers.append(Answer(Key.of(symbol, new=True), shown, shape=np.shape(shown),
                              detail=AFTER))

    for layer in range(1, net.depth + 1):
        swap.update({net.W(layer): Updated(net.W(layer)), net.b(layer): Updated(net.b(layer))})
        if layer > 1:
            swap[net.a(layer - 1)] = Updated(net.a(layer - 1))
        z = net.z(layer)
        show(z, formulas.pre_activation(net, layer).xreplace(swap),
             f"after the step, layer {layer}: linear map with the updated weights",
             zs[layer - 1])
        if layer < net.depth:
            rule = model.hidden[layer - 1]
            show(net.a(layer), rule.apply(Updated(z)),
                 f"after the step, layer {layer}: {rule.name}", activations[layer])
    show(net.yhat, model.pair.apply(Updated(net.z(net.depth))),
         f"after the step, output: {model.pair.output}", activations[-1])
    return steps, answers
