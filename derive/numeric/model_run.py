"""One training step of a chain of layers, as a worked example needs it: every layer's
output and input gradient, the loss, every parameter gradient (with optional L2 decay), the
SGD step with frozen parameters held, the loss after; and the whole gradient checked against
central differences of the objective.

>>> import numpy as np
>>> from derive.numeric.layers import Step
>>> run = Run([Step("0", "Linear")], {"0.weight": np.array([[2.0]]), "0.bias": np.zeros(1)},
...           Objective("MSELoss", {"reduction": "sum"}), np.ones((1, 1)), np.zeros((1, 1)))
>>> result = run.step(lr=0.1)
>>> result.loss, result.grads["0.weight"].tolist(), round(result.loss_after, 6)
(4.0, [[4.0]], 1.44)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derive.numeric.layers import Step, chain_forward, kernels_for, loss_kernels_for
from derive.numeric.layers.check import tensor_residual
from derive.numeric.layers.sequence import Taped, substate

WHOLE_ENTRIES = 1000  # parameters in all: below, every entry by differences


@dataclass(frozen=True)
class Objective:
    """The loss module (torch's name and config) plus optional L2 weight decay:
    lambda sum w^2 (times 1/2 when `half`), biases decayed or not."""

    loss: str
    config: Mapping[str, Any]
    decay: float = 0.0
    half: bool = False
    decay_biases: bool = False

    def decayed(self, name: str) -> bool:
        """Whether the parameter `name` is in the penalty."""
        return self.decay > 0 and (self.decay_biases or not name.endswith("bias"))

    def penalty(self, state: Mapping[str, Any], trainable: Sequence[str]) -> float:
        """R(w) = c lambda sum of squares over the decayed parameters (c = 1/2 or 1)."""
        c = 0.5 if self.half else 1.0
        return sum(c * self.decay * float(np.sum(state[k] ** 2)) for k in trainable
                   if self.decayed(k))


@dataclass
class Result:
    """What one step computed (arrays by state_dict name; outputs by layer name)."""

    outputs: list[tuple[str, Any]] = field(default_factory=list)
    input_grads: list[tuple[str, Any]] = field(default_factory=list)
    loss: float = 0.0
    data_loss: float = 0.0
    dyhat: Any = None
    grads: dict[str, Any] = field(default_factory=dict)
    new_state: dict[str, Any] = field(default_factory=dict)
    loss_after: float = 0.0
    residuals: dict[str, float] = field(default_factory=dict)
    layer_residuals: dict[str, float] = field(default_factory=dict)


@dataclass
class Run:
    """A chain, its parameters by state_dict name, the objective, input and target."""

    steps: Sequence[Step]
    state: dict[str, Any]
    objective: Objective
    x: Any
    target: Any
    frozen: tuple[str, ...] = ()

    def trainable(self) -> list[str]:
        """Parameter names (state entries that are not buffers), in state order."""
        names = []
        for step in self.steps:
            for param in kernels_for(step.layer_type).params:
                key = f"{step.name}.{param}" if step.name else param
                if self.state.get(key) is not None:
                    names.append(key)
        return names

    def value(self, state: Mapping[str, Any]) -> tuple[float, float]:
        """(objective, data loss) at `state`."""
        y, _ = chain_forward(np, self.steps, state, self.x)
        loss = loss_kernels_for(self.objective.loss).forward(np, y, self.target,
                                                             self.objective.config)[0]
        return float(loss) + self.objective.penalty(state, self.trainable()), float(loss)

    def step(self, lr: float) -> Result:
        """Forward, loss, backward, SGD step, loss after."""
        result = Result()
        y, tape = _forward(self.steps, self.state, self.x, result.outputs)
        kernels = loss_kernels_for(self.objective.loss)
        data_loss, cache = kernels.forward(np, y, self.target, self.objective.config)
        result.data_loss = float(data_loss)
        names = self.trainable()
        result.loss = result.data_loss + self.objective.penalty(self.state, names)
        result.dyhat = dy = kernels.backward(np, cache, self.objective.config)
        for taped in reversed(tape):
            dy, local = taped.kernels.backward(np, taped.state, taped.cache, dy,
                                               taped.step.config)
            result.input_grads.append((taped.step.name, dy))
            for key, grad in local.items():
                result.grads[f"{taped.step.name}.{key}" if taped.step.name else key] = grad
        result.input_grads.reverse()
        c = 1.0 if self.objective.half else 2.0
        for name in names:
            if self.objective.decayed(name):
                result.grads[name] = result.grads[name] + c * self.objective.decay * \
                    self.state[name]
        result.new_state = {k: (v - lr * result.grads[k] if k in names and k not in
                                self.frozen else v) for k, v in self.state.items()}
        result.loss_after = self.value(result.new_state)[0]
        return result

    def check(self, result: Result, seed: int = 0) -> dict[str, float]:
        """Each parameter gradient against central differences of the objective: entry by
        entry when the model has at most `WHOLE_ENTRIES` parameters, else along random
        directions (per tensor)."""
        names = self.trainable()
        work = {k: np.array(v, dtype=float) if k in names else v for k, v in self.state.items()}
        whole = sum(work[k].size for k in names) <= WHOLE_ENTRIES
        rng = np.random.default_rng(seed)
        residuals = {name: tensor_residual(lambda: self.value(work)[0], work[name],
                                           result.grads[name], rng,
                                           entries=WHOLE_ENTRIES if whole else 0)
                     for name in names}
        result.residuals = residuals
        return residuals


def _forward(steps: Sequence[Step], state: Mapping[str, Any], x: Any,
             outputs: list[tuple[str, Any]]) -> tuple[Any, list[Taped]]:
    """chain_forward, keeping each layer's output (by layer name) in `outputs`."""
    tape = []
    for step in steps:
        kernels, local = kernels_for(step.layer_type), substate(state, step.name)
        x, cache = kernels.forward(np, local, x, step.config)
        tape.append(Taped(step, kernels, local, cache))
        outputs.append((step.name, x))
    return x, tape
