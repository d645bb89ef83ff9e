"""Random values at small sizes at which a claimed formula of a network's gradient is judged
(`derive.claimed_formula`): every matrix of the network, the deltas of the backward
recursion, and the right value of the answer there."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from derive.answers import Key, plain_name
from derive.claimed_formula import identifier
from derive.symbolic.instance import instantiate
from derive.symbolic.matrices import evaluate

Sample = tuple[dict[str, Any], Any, dict[str, float]]


def sampler(problem: Any, formulas: Mapping[Key, Any], key: Key) -> Callable[[], Sample]:
    """A function giving (values by printed and identifier name, the right value, the
    factors a slip may add) for the answer `key` of a network problem."""
    def sample() -> Sample:
        net = problem.network()
        instance = instantiate(problem.model(), seed=11)
        arrays = dict(instance.arrays)
        for layer in range(net.depth, 0, -1):
            delta = formulas[Key.derivative(net.loss, net.z(layer))]
            arrays[net.delta(layer)] = evaluate(delta, arrays, instance.sizes, instance.kernels)
        truth = evaluate(formulas[key], arrays, instance.sizes, instance.kernels)
        values: dict[str, Any] = {}
        for symbol, value in arrays.items():
            values[plain_name(symbol)] = value
            values[identifier(plain_name(symbol))] = value
        batch = float(instance.X.shape[0])
        values["N"] = batch
        factors = {"2": 2.0, **({"N": batch} if net.convention.rows else {})}
        return values, truth, factors
    return sample
