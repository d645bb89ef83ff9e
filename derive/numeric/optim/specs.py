"""torch.optim's optimizers and lr schedulers as a course writes them: the constructor call,
validated against torch's argument names, defaults and range checks.

>>> spec = parse_optimizer("Adam(lr=0.1, amsgrad=True)")
>>> spec.name, spec["betas"], spec["eps"], spec.text
('Adam', (0.9, 0.999), 1e-08, 'Adam(lr=0.1, amsgrad=True)')
>>> parse_schedule("StepLR(step_size=3, gamma=0.5)").text
'StepLR(step_size=3, gamma=0.5)'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from derive.call_binding import REQUIRED, Param
from derive.constructor_calls import (
    Signature,
    bind,
    flag,
    integer,
    parse_call,
    real,
    show,
)
from derive.errors import InputError

MAX_HYPER = 1e6  # any rate, factor or epsilon; larger is a typo, not an exercise
MAX_EPOCH = 100_000  # step sizes, milestones, T_max, total_iters


def _betas(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, tuple) or len(value) != 2:
        raise InputError(f"{where}: give two numbers (beta1, beta2), e.g. (0.9, 0.999)")
    beta = real(0.0, 1.0)
    pair = (beta(value[0], where), beta(value[1], where))
    if pair[0] >= 1 or pair[1] >= 1:
        raise InputError(f"{where}: each beta must be in [0, 1)")
    return pair


def _milestones(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, tuple) or not value:
        raise InputError(f"{where}: give a list of steps, e.g. [2, 4]")
    return tuple(integer(1, MAX_EPOCH)(item, where) for item in value)


_RATE = real(0.0, MAX_HYPER)
_FACTOR = real(0.0, 1.0)
_MOMENTUM = real(0.0, 1.0)
_MAXIMIZE = Param("maximize", False, flag)

OPTIMIZERS: dict[str, Signature] = {sig.name: sig for sig in (
    Signature("SGD", (Param("lr", 1e-3, _RATE), Param("momentum", 0.0, _MOMENTUM),
                      Param("dampening", 0.0, _FACTOR), Param("weight_decay", 0.0, _RATE),
                      Param("nesterov", False, flag), _MAXIMIZE)),
    Signature("Adagrad", (Param("lr", 1e-2, _RATE), Param("lr_decay", 0.0, _RATE),
                          Param("weight_decay", 0.0, _RATE),
                          Param("initial_accumulator_value", 0.0, _RATE),
                          Param("eps", 1e-10, _RATE), _MAXIMIZE)),
    Signature("RMSprop", (Param("lr", 1e-2, _RATE), Param("alpha", 0.99, _FACTOR),
                          Param("eps", 1e-8, _RATE), Param("weight_decay", 0.0, _RATE),
                          Param("momentum", 0.0, _MOMENTUM), Param("centered", False, flag),
                          _MAXIMIZE)),
    Signature("Adam", (Param("lr", 1e-3, _RATE), Param("betas", (0.9, 0.999), _betas),
                       Param("eps", 1e-8, _RATE), Param("weight_decay", 0.0, _RATE),
                       Param("amsgrad", False, flag), _MAXIMIZE,
                       Param("decoupled_weight_decay", False, flag))),
    Signature("AdamW", (Param("lr", 1e-3, _RATE), Param("betas", (0.9, 0.999), _betas),
                        Param("eps", 1e-8, _RATE), Param("weight_decay", 1e-2, _RATE),
                        Param("amsgrad", False, flag), _MAXIMIZE)),
)}

SCHEDULES: dict[str, Signature] = {sig.name: sig for sig in (
    Signature("StepLR", (Param("step_size", REQUIRED, integer(1, MAX_EPOCH)),
                         Param("gamma", 0.1, _RATE))),
    Signature("MultiStepLR", (Param("milestones", REQUIRED, _milestones),
                              Param("gamma", 0.1, _RATE))),
    Signature("ExponentialLR", (Param("gamma", REQUIRED, _RATE),)),
    Signature("CosineAnnealingLR", (Param("T_max", REQUIRED, integer(1, MAX_EPOCH)),
                                    Param("eta_min", 0.0, _RATE))),
    Signature("LinearLR", (Param("start_factor", 1.0 / 3, real(0.0, 1.0, strict_minimum=True)),
                           Param("end_factor", 1.0, _FACTOR),
                           Param("total_iters", 5, integer(1, MAX_EPOCH)))),
)}

MOMENTUM_FORMS = ("torch", "cs231n")


@dataclass(frozen=True)
class Spec:
    """A validated constructor call: its name and every argument (defaults filled in)."""

    name: str
    arguments: tuple[tuple[str, Any], ...]
    text: str

    def __getitem__(self, key: str) -> Any:
        return dict(self.arguments)[key]

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self.arguments))


def _spec(name: str, values: dict[str, Any], signature: Signature) -> Spec:
    return Spec(name, tuple(values.items()), show(name, values, signature.params))


def optimizer(name: str, **arguments: Any) -> Spec:
    """An optimizer from code (not from a user): torch's defaults, these argument values.

    >>> optimizer("SGD", lr=0.1).text
    'SGD(lr=0.1)'
    """
    signature = OPTIMIZERS[name]
    values = {param.name: param.default for param in signature.params} | arguments
    return _spec(name, values, signature)


def parse_optimizer(text: str, where: str = "optimizer") -> Spec:
    """An optimizer's constructor call, validated as torch validates it."""
    call = parse_call(text, where)
    values = bind(call, OPTIMIZERS, where, "optimizer")
    if call.name == "SGD" and values["nesterov"] and (
            values["momentum"] <= 0 or values["dampening"] != 0):
        raise InputError(f"{where}: Nesterov momentum requires a momentum and zero dampening "
                         "(as torch.optim.SGD)")
    return _spec(call.name, values, OPTIMIZERS[call.name])


def parse_schedule(text: str, where: str = "schedule") -> Spec:
    """An lr scheduler's constructor call (without the optimizer), validated."""
    call = parse_call(text, where)
    values = bind(call, SCHEDULES, where, "schedule")
    if call.name == "MultiStepLR":
        values["milestones"] = tuple(sorted(values["milestones"]))
    return _spec(call.name, values, SCHEDULES[call.name])
