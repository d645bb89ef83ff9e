"""A second, independent implementation of the optimizers, to check every trace against.

Written from the algorithm boxes of torch.optim's documentation (`help(torch.optim.Adam)`),
one coordinate at a time in plain Python floats, with the textbook arrangement of each
formula (Adam's theta - lr m_hat / (sqrt(v_hat) + eps), not torch's folded step size);
it shares no code with `rules`. SGD's momentum here is always torch's form: CS231n's form
is checked against it through the identity v_t = -lr b_t (constant lr, no dampening).

>>> from derive.numeric.optim.specs import parse_optimizer
>>> xs, states = reference_trace(parse_optimizer("Adam(lr=0.1)"), lambda x: [2 * x[0]],
...                              [1.0], [0.1, 0.1])
>>> [round(x[0], 6) for x in xs]
[1.0, 0.9, 0.800412]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from derive.numeric.optim.specs import Spec

Coordinates = dict[str, list[float]]


def _sgd(spec: Spec, x: float, g: float, s: dict[str, float], lr: float, t: int) -> float:
    mu, tau = spec["momentum"], spec["dampening"]
    if mu != 0:
        s["momentum_buffer"] = g if t == 1 else mu * s["momentum_buffer"] + (1 - tau) * g
        g = g + mu * s["momentum_buffer"] if spec["nesterov"] else s["momentum_buffer"]
    return x - lr * g


def _adagrad(spec: Spec, x: float, g: float, s: dict[str, float], lr: float, t: int) -> float:
    rate = lr / (1 + (t - 1) * spec["lr_decay"])
    s["sum"] = s["sum"] + g ** 2
    return x - rate * g / (math.sqrt(s["sum"]) + spec["eps"])


def _rmsprop(spec: Spec, x: float, g: float, s: dict[str, float], lr: float, t: int) -> float:
    alpha = spec["alpha"]
    s["square_avg"] = alpha * s["square_avg"] + (1 - alpha) * g ** 2
    v_tilde = s["square_avg"]
    if spec["centered"]:
        s["grad_avg"] = alpha * s["grad_avg"] + (1 - alpha) * g
        v_tilde = v_tilde - s["grad_avg"] ** 2
    if spec["momentum"] > 0:
        s["momentum_buffer"] = (spec["momentum"] * s["momentum_buffer"]
                                + g / (math.sqrt(v_tilde) + spec["eps"]))
        return x - lr * s["momentum_buffer"]
    return x - lr * g / (math.sqrt(v_tilde) + spec["eps"])


def _adam(spec: Spec, x: float, g: float, s: dict[str, float], lr: float, t: int) -> float:
    beta1, beta2 = spec["betas"]
    s["exp_avg"] = beta1 * s["exp_avg"] + (1 - beta1) * g
    s["exp_avg_sq"] = beta2 * s["exp_avg_sq"] + (1 - beta2) * g ** 2
    m_hat = s["exp_avg"] / (1 - beta1 ** t)
    if spec["amsgrad"]:
        s["max_exp_avg_sq"] = max(s["max_exp_avg_sq"], s["exp_avg_sq"])
        v_hat = s["max_exp_avg_sq"] / (1 - beta2 ** t)
    else:
        v_hat = s["exp_avg_sq"] / (1 - beta2 ** t)
    return x - lr * m_hat / (math.sqrt(v_hat) + spec["eps"])


_UPDATES = {"SGD": _sgd, "Adagrad": _adagrad, "RMSprop": _rmsprop, "Adam": _adam,
            "AdamW": _adam}


def _initial(spec: Spec) -> dict[str, float]:
    if spec.name == "Adagrad":
        return {"sum": spec["initial_accumulator_value"]}
    if spec.name == "RMSprop":
        return {"square_avg": 0.0, "grad_avg": 0.0, "momentum_buffer": 0.0}
    if spec.name in ("Adam", "AdamW"):
        return {"exp_avg": 0.0, "exp_avg_sq": 0.0, "max_exp_avg_sq": 0.0}
    return {}


def _decoupled(spec: Spec) -> bool:
    return spec.name == "AdamW" or (spec.name == "Adam" and spec["decoupled_weight_decay"])


def reference_step(spec: Spec, x: float, gradient: float, state: dict[str, float], lr: float,
                   t: int) -> float:
    """x_t of one coordinate from x_(t-1) and grad f(x_(t-1)); `state` is updated in place."""
    g = -gradient if spec["maximize"] else gradient
    decay = spec["weight_decay"]
    if _decoupled(spec):
        x = x - lr * decay * x  # theta_t <- theta_(t-1) - gamma lambda theta_(t-1)
    elif decay:
        g = g + decay * x
    return _UPDATES[spec.name](spec, x, g, state, lr, t)


def reference_trace(spec: Spec, gradient: Callable[[Sequence[float]], Any],
                    start: Sequence[float], rates: Sequence[float]
                    ) -> tuple[list[list[float]], list[Coordinates]]:
    """Every iterate x_0..x_N and the state after each step (per coordinate), stopping early
    at a non-finite value."""
    xs = [list(map(float, start))]
    states = [_initial(spec) for _ in start]
    shown: list[Coordinates] = [_gather(states)]
    for t, lr in enumerate(rates, start=1):
        g = [float(v) for v in gradient(xs[-1])]
        try:
            x = [reference_step(spec, xi, gi, si, lr, t)
                 for xi, gi, si in zip(xs[-1], g, states, strict=True)]
        except (OverflowError, ValueError, ZeroDivisionError):
            break
        xs.append(x)
        shown.append(_gather(states))
        if not all(math.isfinite(v) for v in x):
            break
    return xs, shown


def _gather(states: list[dict[str, float]]) -> Coordinates:
    names: dict[str, Any] = {}
    for state in states:
        for name, value in state.items():
            names.setdefault(name, []).append(value)
    return names
