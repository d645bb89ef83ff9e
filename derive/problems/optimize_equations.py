"""The update equations of each optimizer, as SymPy relations (element-wise, index t), and the
value each left side takes in a recorded step: what `optimize` writes and tabulates.

The equations are the algorithm boxes of torch.optim's documentation; `derive.numeric.optim`
computes the numbers. Each `Equation` names its quantity (`m`, `v`, `b`, ...), the torch
state it is (`exp_avg`, ...) and how to read its value from a `Record`.

>>> from derive.numeric.optim.specs import parse_optimizer
>>> [e.name for e in equations(parse_optimizer("Adam(amsgrad=True)"), "torch")]
['g', 'm', 'v', 'mhat', 'vmax', 'vhat', 'x']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from derive.numeric.optim.run import Record
from derive.numeric.optim.specs import Spec
from derive.symbolic.build import add, div, mul, neg

Index = tuple[sympy.Expr, str]  # (t as SymPy, t as written) of the step being shown


@dataclass(frozen=True)
class Equation:
    """One line of the rule: `name`_t = rhs(t), its caption, and its value in a record."""

    name: str
    tex: str  # the symbol's TeX base, e.g. \hat{m}
    rhs: Callable[[sympy.Expr], sympy.Expr]
    why: str
    value: Callable[[Record], Any]
    named: tuple[str, ...] = ()  # words a statement names it by ("velocity", "moment")
    first: str = ""  # what the first step does, said only where the rule is stated


def _at(tex: str, tag: str) -> Callable[[sympy.Expr], sympy.Symbol]:
    """The quantity `tex` as a function of its index."""
    return lambda t: symbol(tex, t, tag)


def symbol(tex: str, t: Any, tag: str = "") -> sympy.Symbol:
    """The quantity `tex` at index `t` (`t` a number or an expression such as t - 1)."""
    if tag and tex.endswith("}") and "^{" in tex:  # one superscript: v^{max,[1]}
        return sympy.Symbol(f"{tex[:-1]},{tag[2:-1]}}}_{{{t}}}")
    return sympy.Symbol(f"{tex}{tag}_{{{t}}}")


HYPER = {"lr": sympy.Symbol(r"\eta"), "momentum": sympy.Symbol(r"\mu"),
         "dampening": sympy.Symbol(r"\tau"), "weight_decay": sympy.Symbol(r"\lambda"),
         "eps": sympy.Symbol(r"\epsilon"), "alpha": sympy.Symbol(r"\alpha"),
         "lr_decay": sympy.Symbol(r"\delta"), "beta1": sympy.Symbol(r"\beta_1"),
         "beta2": sympy.Symbol(r"\beta_2")}


def hyper_values(spec: Spec) -> dict[sympy.Symbol, float]:
    """The hyper-parameters' symbols with their values, for substitution."""
    values = {key: spec[key] for key in HYPER if key in spec}
    if "betas" in spec:
        values["beta1"], values["beta2"] = spec["betas"]
    return {HYPER[key]: value for key, value in values.items()}


def _gradient(spec: Spec, decoupled: bool, tag: str) -> Equation:
    x = _at("x", tag)
    sign = -1 if spec["maximize"] else 1
    coupled = spec["weight_decay"] != 0 and not decoupled
    why = ("the gradient at the last iterate" + (", negated to maximize" if sign < 0 else "")
           + (", plus the L2 term lambda x (weight decay coupled)" if coupled else ""))

    def rhs(t: sympy.Expr) -> sympy.Expr:
        g = sympy.Function(r"\nabla f")(x(t - 1))
        g = neg(g) if sign < 0 else g
        return add(g, mul(HYPER["weight_decay"], x(t - 1))) if coupled else g
    return Equation("g", "g", rhs, why, lambda r: r.shown["d"] if r.shown else None)


def _sgd(spec: Spec, form: str, tag: str) -> list[Equation]:
    mu, tau, eta = HYPER["momentum"], HYPER["dampening"], HYPER["lr"]
    g, x = _at("g", tag), _at("x", tag)
    eta_t = _at(eta.name, tag)
    if spec["momentum"] == 0:
        return [Equation("x", "x", lambda t: add(x(t - 1), neg(mul(eta_t(t), g(t)))),
                         "the step", _x)]
    if form == "cs231n":
        v = _at("v", tag)
        step = ((lambda t: add(x(t - 1), neg(mul(mu, v(t - 1))), mul(add(1, mu), v(t))))
                if spec["nesterov"] else (lambda t: add(x(t - 1), v(t))))
        return [Equation("v", "v", lambda t: add(mul(mu, v(t - 1)), neg(mul(eta_t(t), g(t)))),
                         "CS231n's velocity", _state("velocity"), ("velocity",), ", v_0 = 0"),
                Equation("x", "x", step, "the step along the velocity" + (
                    " (Nesterov: x - mu v_(t-1) + (1 + mu) v_t)" if spec["nesterov"] else ""),
                    _x)]
    b = _at("b", tag)
    direction = ((lambda t: add(g(t), mul(mu, b(t)))) if spec["nesterov"] else b)
    damped = ((lambda t: mul(add(1, neg(tau)), g(t))) if spec["dampening"] else g)
    return [Equation("b", "b", lambda t: add(mul(mu, b(t - 1)), damped(t)),
                     "torch's momentum buffer", _state("momentum_buffer"),
                     ("momentum buffer", "buffer"),
                     "; its first step is b_1 = g_1 (no dampening)"),
            Equation("x", "x", lambda t: add(x(t - 1), neg(mul(eta_t(t), direction(t)))),
                     "the step" + (" with Nesterov's look-ahead g_t + mu b_t"
                                   if spec["nesterov"] else ""), _x)]


def _adagrad(spec: Spec, tag: str) -> list[Equation]:
    g, x = _at("g", tag), _at("x", tag)
    G = _at("G", tag)
    rate = _at(r"\tilde{\eta}", tag) if spec["lr_decay"] else _at(r"\eta", tag)
    found = [Equation("lrdecay", r"\tilde{\eta}", lambda t: _decayed(t, tag),
                      "the decayed rate", lambda r: r.shown["clr"] if r.shown else None)
             ] if spec["lr_decay"] else []
    return found + [
        Equation("G", "G", lambda t: add(G(t - 1), g(t) ** 2),
                 "the sum of squared gradients (torch's state 'sum')", _state("sum"),
                 ("sum of squared", "accumulator")),
        Equation("x", "x", lambda t: add(x(t - 1), neg(div(mul(rate(t), g(t)),
                                                           _plus_eps(sympy.sqrt(G(t)), spec)))),
                 "the step, each coordinate scaled by its own history", _x)]


def _decayed(t: sympy.Expr, tag: str) -> sympy.Expr:
    """Adagrad's eta_t / (1 + (t - 1) delta); eta_1 itself at t = 1, where nothing decayed."""
    eta = symbol(r"\eta", t, tag)
    return eta if t == 1 else div(eta, _decay(t))


def _rmsprop(spec: Spec, tag: str) -> list[Equation]:
    g, x, v, a = _at("g", tag), _at("x", tag), _at("v", tag), _at(r"\bar{g}", tag)
    alpha, mu = HYPER["alpha"], HYPER["momentum"]
    found = [Equation("v", "v", lambda t: _average(alpha, v(t - 1), g(t) ** 2, spec["alpha"]),
                      "the running average of squared gradients (torch's state 'square_avg')",
                      _state("square_avg"), ("average", "square_avg"))]
    def scale(t: sympy.Expr) -> sympy.Expr:
        inside = add(v(t), neg(a(t) ** 2)) if spec["centered"] else v(t)
        return _plus_eps(sympy.sqrt(inside), spec)
    if spec["centered"]:
        found.append(Equation("gbar", r"\bar{g}",
                              lambda t: _average(alpha, a(t - 1), g(t), spec["alpha"]),
                              "the running average of gradients (torch's state 'grad_avg')",
                              _state("grad_avg"), ("average", "grad_avg")))
    eta_t = _at(r"\eta", tag)
    if spec["momentum"] > 0:
        b = _at("b", tag)
        return found + [
            Equation("b", "b", lambda t: add(mul(mu, b(t - 1)), div(g(t), scale(t))),
                     "the momentum buffer", _state("momentum_buffer"),
                     ("momentum buffer", "buffer")),
            Equation("x", "x", lambda t: add(x(t - 1), neg(mul(eta_t(t), b(t)))), "the step",
                     _x)]
    return found + [Equation("x", "x", lambda t: add(x(t - 1), neg(div(mul(eta_t(t), g(t)),
                                                                      scale(t)))),
                             "the step", _x)]


def _adam(spec: Spec, decoupled: bool, tag: str) -> list[Equation]:
    g, x = _at("g", tag), _at("x", tag)
    m, v = _at("m", tag), _at("v", tag)
    mhat, vhat = _at(r"\hat{m}", tag), _at(r"\hat{v}", tag)
    b1, b2, eta_t = HYPER["beta1"], HYPER["beta2"], (lambda t: symbol(r"\eta", t, tag))
    beta1, beta2 = spec["betas"]
    found = [Equation("m", "m", lambda t: _average(b1, m(t - 1), g(t), beta1),
                      "the first moment (exp_avg)", _state("exp_avg"),
                      ("first moment", "moments")),
             Equation("v", "v", lambda t: _average(b2, v(t - 1), g(t) ** 2, beta2),
                      "the second moment (exp_avg_sq)", _state("exp_avg_sq"),
                      ("second moment", "moments")),
             Equation("mhat", r"\hat{m}", lambda t: div(m(t), add(1, neg(b1 ** t))),
                      "the bias-corrected first moment", _shown("m_hat"))]
    second = _at("v^{max}", tag) if spec["amsgrad"] else v
    if spec["amsgrad"]:
        found.append(Equation("vmax", "v^{max}", lambda t: sympy.Max(second(t - 1), v(t)),
                              "amsgrad's running maximum (max_exp_avg_sq)",
                              _state("max_exp_avg_sq")))
    found.append(Equation("vhat", r"\hat{v}", lambda t: div(second(t), add(1, neg(b2 ** t))),
                          "the bias-corrected second moment", _shown("v_hat")))
    decay = ((lambda t: [neg(mul(eta_t(t), HYPER["weight_decay"], x(t - 1)))])
             if decoupled and spec["weight_decay"] else (lambda t: []))
    found.append(Equation("x", "x", lambda t: add(x(t - 1), *decay(t), neg(div(
        mul(eta_t(t), mhat(t)), _plus_eps(sympy.sqrt(vhat(t)), spec)))), "the step" + (
        ", with the weight decay -eta lambda x applied to x itself (decoupled)"
        if decoupled and spec["weight_decay"] else ""), _x))
    return found


def _average(rate: sympy.Symbol, last: sympy.Expr, new: sympy.Expr, value: float
             ) -> sympy.Expr:
    """rate * last + (1 - rate) * new: an exponential moving average, in the textbook order;
    `new` alone when the rate's `value` is 0."""
    return add(mul(rate, last), mul(add(1, neg(rate)), new)) if value else new


def _plus_eps(scale: sympy.Expr, spec: Spec) -> sympy.Expr:
    """scale + epsilon, the denominator's guard; `scale` alone when eps=0."""
    return add(scale, HYPER["eps"]) if spec["eps"] else scale


def _decay(t: sympy.Expr) -> sympy.Expr:
    """Adagrad's 1 + (t - 1) delta (a number once t is one)."""
    if t.is_number:
        return 1 + (t - 1) * HYPER["lr_decay"]
    return add(1, mul(add(t, -1), HYPER["lr_decay"]))


def _x(record: Record) -> Any:
    return record.x


def _state(name: str) -> Callable[[Record], Any]:
    return lambda record: (record.state or {}).get(name)


def _shown(name: str) -> Callable[[Record], Any]:
    return lambda record: (record.shown or {}).get(name)


def equations(spec: Spec, form: str, tag: str = "") -> list[Equation]:
    """The optimizer's rule, in order, starting with the gradient it uses."""
    decoupled = spec.name == "AdamW" or (spec.name == "Adam" and spec["decoupled_weight_decay"])
    rules = (_sgd(spec, form, tag) if spec.name == "SGD" else _adagrad(spec, tag)
             if spec.name == "Adagrad" else _rmsprop(spec, tag) if spec.name == "RMSprop"
             else _adam(spec, decoupled, tag))
    return [_gradient(spec, decoupled, tag), *rules]


def finite(value: Any) -> bool:
    """Whether a recorded value exists and is finite."""
    return value is not None and bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
