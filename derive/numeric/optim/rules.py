"""The update rules of torch.optim's SGD, Adagrad, RMSprop, Adam and AdamW, one step at a
time, against an array module `xp` (NumPy, or CuPy on a GPU).

Each rule follows torch's single-tensor code path (torch/optim/*.py, `_single_tensor_*`),
operation for operation, so the floats agree with torch's to the last bits: step t takes
g_t = grad f(x_(t-1)) and the learning rate lr_t of its schedule, updates the state (named as
torch's `state_dict` names it) and returns x_t. `shown` holds the quantities a course writes
that torch does not store (bias-corrected moments, Adagrad's decayed rate, the decayed
gradient).

>>> import numpy as np
>>> from derive.numeric.optim.specs import parse_optimizer
>>> rule = rule_for(parse_optimizer("SGD(lr=0.1, momentum=0.9)"))
>>> state = rule.start(np, np.array([1.0]))
>>> x, state, shown = rule.step(np, np.array([1.0]), np.array([2.0]), state, 0.1, 1)
>>> x.tolist(), state["momentum_buffer"].tolist()   # torch's first step: b_1 = g_1
([0.8], [2.0])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from derive.numeric.optim.specs import Spec

State = dict[str, Any]
StepResult = tuple[Any, State, State]


def lerp(xp: Any, start: Any, end: Any, weight: float) -> Any:
    """torch.lerp: start + w (end - start) for w < 0.5, else end - (end - start)(1 - w)."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _signed(g: Any, x: Any, spec: Spec, coupled: bool = True) -> Any:
    """The gradient the rule uses: negated to maximize, plus the L2 term weight_decay x."""
    g = -g if spec["maximize"] else g
    if coupled and spec["weight_decay"] != 0:
        g = g + spec["weight_decay"] * x
    return g


def _sgd(xp: Any, x: Any, g: Any, state: State, lr: float, t: int, spec: Spec) -> StepResult:
    g = _signed(g, x, spec)
    mu, state = spec["momentum"], dict(state)
    direction = g
    if mu != 0:
        buffer = state.get("momentum_buffer")
        buffer = g.copy() if buffer is None else buffer * mu + (1 - spec["dampening"]) * g
        state["momentum_buffer"] = buffer
        direction = g + mu * buffer if spec["nesterov"] else buffer
    return x + (-lr) * direction, state, {"d": g}


def _sgd_cs231n(xp: Any, x: Any, g: Any, state: State, lr: float, t: int,
                spec: Spec) -> StepResult:
    """CS231n's momentum: v = mu v - lr g; x += v (Nesterov: x += -mu v_prev + (1 + mu) v)."""
    g = _signed(g, x, spec)
    mu, previous = spec["momentum"], state["velocity"]
    velocity = mu * previous - lr * g
    step = -mu * previous + (1 + mu) * velocity if spec["nesterov"] else velocity
    return x + step, {"velocity": velocity}, {"d": g}


def _adagrad(xp: Any, x: Any, g: Any, state: State, lr: float, t: int,
             spec: Spec) -> StepResult:
    g = _signed(g, x, spec)
    clr = lr / (1 + (t - 1) * spec["lr_decay"])
    total = state["sum"] + g * g
    std = xp.sqrt(total) + spec["eps"]
    return x + (-clr) * (g / std), {"sum": total}, {"d": g, "clr": clr}


def _rmsprop(xp: Any, x: Any, g: Any, state: State, lr: float, t: int,
             spec: Spec) -> StepResult:
    g = _signed(g, x, spec)
    alpha, new = spec["alpha"], dict(state)
    new["square_avg"] = state["square_avg"] * alpha + (1 - alpha) * (g * g)
    if spec["centered"]:
        new["grad_avg"] = lerp(xp, state["grad_avg"], g, 1 - alpha)
        avg = xp.sqrt(new["square_avg"] + (-1) * (new["grad_avg"] * new["grad_avg"]))
    else:
        avg = xp.sqrt(new["square_avg"])
    avg = avg + spec["eps"]
    if spec["momentum"] > 0:
        new["momentum_buffer"] = state["momentum_buffer"] * spec["momentum"] + g / avg
        return x + (-lr) * new["momentum_buffer"], new, {"d": g, "denominator": avg}
    return x + (-lr) * (g / avg), new, {"d": g, "denominator": avg}


def _adam(xp: Any, x: Any, g: Any, state: State, lr: float, t: int, spec: Spec) -> StepResult:
    decoupled = spec.name == "AdamW" or spec["decoupled_weight_decay"]
    g = _signed(g, x, spec, coupled=not decoupled)
    if decoupled and spec["weight_decay"] != 0:
        x = x * (1 - lr * spec["weight_decay"])
    beta1, beta2 = spec["betas"]
    new = dict(state)
    new["exp_avg"] = lerp(xp, state["exp_avg"], g, 1 - beta1)
    new["exp_avg_sq"] = state["exp_avg_sq"] * beta2 + (1 - beta2) * (g * g)
    correction1, correction2 = 1 - beta1 ** t, 1 - beta2 ** t
    second = new["exp_avg_sq"]
    if spec["amsgrad"]:
        new["max_exp_avg_sq"] = second = xp.maximum(state["max_exp_avg_sq"], new["exp_avg_sq"])
    denominator = xp.sqrt(second) / correction2 ** 0.5 + spec["eps"]
    x = x + (-(lr / correction1)) * (new["exp_avg"] / denominator)
    shown = {"d": g, "bias_correction1": correction1, "bias_correction2": correction2,
             "m_hat": new["exp_avg"] / correction1, "v_hat": second / correction2}
    return x, new, shown


def _start(spec: Spec, form: str) -> Callable[[Any, Any], State]:
    """The state before step 1, as torch's first `step()` creates it (SGD's buffer is None
    until then: its first step sets b_1 = g_1)."""

    def start(xp: Any, x: Any) -> State:
        zeros = xp.zeros_like(x)
        if spec.name == "SGD":
            return {"velocity": zeros} if form == "cs231n" else {}
        if spec.name == "Adagrad":
            return {"sum": xp.full_like(x, spec["initial_accumulator_value"])}
        if spec.name == "RMSprop":
            state = {"square_avg": zeros}
            state.update({"momentum_buffer": zeros} if spec["momentum"] > 0 else {})
            return state | ({"grad_avg": zeros} if spec["centered"] else {})
        state = {"exp_avg": zeros, "exp_avg_sq": zeros}
        return state | ({"max_exp_avg_sq": zeros} if spec["amsgrad"] else {})
    return start


_STEPS = {"SGD": _sgd, "Adagrad": _adagrad, "RMSprop": _rmsprop, "Adam": _adam, "AdamW": _adam}


@dataclass(frozen=True)
class Rule:
    """An optimizer's rule bound to its hyper-parameters: `start(xp, x)` is the state before
    step 1; `step(xp, x_(t-1), g_t, state, lr_t, t)` returns x_t, the new state, the shown."""

    spec: Spec
    form: str = "torch"

    def start(self, xp: Any, x: Any) -> State:
        """The state before the first step."""
        return _start(self.spec, self.form)(xp, x)

    def step(self, xp: Any, x: Any, g: Any, state: State, lr: float, t: int) -> StepResult:
        """One update: x_t, the state after it, and the quantities shown beside it."""
        update = _sgd_cs231n if self.spec.name == "SGD" and self.form == "cs231n" else (
            _STEPS[self.spec.name])
        return update(xp, x, g, state, lr, t, self.spec)


def rule_for(spec: Spec, form: str = "torch") -> Rule:
    """The rule of an optimizer; `form` "cs231n" writes SGD's momentum as CS231n does."""
    return Rule(spec, form if spec.name == "SGD" else "torch")
