"""The answers of a worked numeric example (`derive.symbolic.numeric_example.Example`), with
what the checker needs of each: dL/dZ_l recomputed from yhat, dL/dW_l from a_(l-1) and the
delta (dL/dA in place of the delta as a known confusion), each update's relation."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from derive.answers import Answer, Confusion, Key
from derive.numeric import mlp
from derive.symbolic import formulas
from derive.symbolic.example_answers import activation_in_place, kept, updated, weight_gradient
from derive.symbolic.instance import Instance
from derive.symbolic.model import Model


class ExampleAnswers:
    """The answer-building half of `Example`: it keeps its answers in `self.answers`."""

    model: Model
    params: list[tuple[Any, Any]]
    X: Any
    Y: Any
    answers: dict[Key, Answer]
    at: Instance
    deltas: Any
    numeric: Any

    def _oriented(self, kind: str, value: Any) -> Any:
        return self.at.oriented(kind, value)

    def _keep(self, answer: Answer) -> None:
        self.answers[answer.key] = answer

    def _values(self) -> dict[Key, Any]:
        return {key: answer.value for key, answer in self.answers.items()}

    def _delta_answer(self, layer: int, delta: Any) -> Answer:
        """dL/dZ_l; the output layer's recomputed from yhat as (yhat - y) / divisor."""
        net = self.model.net
        key = Key.derivative(net.loss, net.z(layer))
        if layer < net.depth:
            return Answer(key, delta, shape=delta.shape, batch=self.X.shape[0])
        divisor = float(self.numeric.divisor(self.Y.shape[0], self.Y.shape[1]))
        return kept(key, delta, (Key.of(net.yhat),), lambda yhat: self._oriented(
            "data", self._from_outputs(self._rows(np.asarray(yhat, dtype=float)))) / divisor,
            self._values(), batch=self.X.shape[0])

    def _rows(self, value: Any) -> Any:
        """A data array in the convention's layout, back in row layout."""
        return value if self.model.net.convention.rows else value.T

    def _from_outputs(self, yhat: Any) -> Any:
        """dl/dz_L of each row from the outputs (row layout): factor (yhat - y) where the
        pair collapses, else the pair's kernel (z = yhat on logits)."""
        return mlp.output_delta(self.numeric, yhat, yhat, self.Y)

    def _activation_gradient(self, layer: int) -> Answer:
        """dL/dA_l = delta_(l+1) W_(l+1) in row layout, shown in the convention's layout."""
        net = self.model.net
        value = self._oriented("data", self.deltas[layer] @ self.params[layer][0])
        return Answer(Key.derivative(net.loss, net.a(layer)), value, shape=value.shape,
                      batch=self.X.shape[0])

    def _gradient_answer(self, target: str, layer: int, value: Any) -> Answer:
        """dL/dW_l (recomputed from a_(l-1) and the delta; with dL/dA in place of the delta
        as a known confusion) or dL/db_l."""
        net = self.model.net
        key = Key.derivative(net.loss, formulas.parameter(net, target, layer))
        if target == "b":
            return Answer(key, value, shape=value.shape, batch=self.X.shape[0])
        conv = net.convention
        compute = raw = weight_gradient(conv.rows, conv.transposed)
        below = self.at.arrays[net.a(layer - 1)]
        delta = Key.derivative(net.loss, net.z(layer))
        inputs: tuple[Key, ...] = (Key.of(net.a(layer - 1)), delta) if layer > 1 else (delta,)
        if layer == 1:
            compute = partial(compute, below)
        confusions: tuple[Confusion, ...] = ()
        if layer < net.depth:
            dA = self._oriented("data", self.deltas[layer] @ self.params[layer][0])
            confusions = (activation_in_place(raw(below, dA), Key.derivative(
                net.loss, net.a(layer))),)
        return kept(key, value, inputs, compute, self._values(), confusions=confusions,
                    batch=self.X.shape[0])

    def _updated(self, parameter: Any, target: str, layer: int, value: Any,
                 lr: float) -> Answer:
        net = self.model.net
        gradient = Key.derivative(net.loss, parameter)
        old = self._oriented(target, self.params[layer - 1][0 if target == "W" else 1])
        confusions = tuple(c.__class__(old - lr * np.asarray(c.value), c.slip, c.other)
                           for c in self.answers[gradient].confusions)
        return updated(Key.of(parameter, new=True), value, old, gradient, lr, confusions)


def activation_differences(numeric: Any, params: list[tuple[Any, Any]], a: Any, Y: Any,
                           layer: int) -> Any:
    """Central differences of the loss in every entry of the activation `a` of `layer`
    (row layout), the layers above recomputed from it: an independent dL/dA_l."""
    a = np.array(a, dtype=float)
    W, b = params[layer]
    return mlp.numerical_gradient(
        lambda: mlp.loss_from(numeric, params, layer + 1, a @ W.T + b, Y), a)
