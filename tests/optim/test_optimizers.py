"""Every optimizer and schedule against torch.optim and torch.optim.lr_scheduler, step by step:
the iterates and every state_dict entry, on random hyper-parameters (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.constructor_calls import show
from derive.errors import InputError
from derive.numeric.optim.run import optimize
from derive.numeric.optim.schedules import rates
from derive.numeric.optim.specs import OPTIMIZERS, SCHEDULES, parse_optimizer, parse_schedule

torch = pytest.importorskip("torch")

A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 2.0]])
c = np.array([0.3, -1.0, 0.5])
START = [1.5, -0.7, 2.0]
STEPS = 8


def f(x: Any) -> float:
    return float(0.5 * x @ A @ x + c @ x + 0.1 * np.sum(x ** 4))


def gradient(x: Any) -> Any:
    return A @ x + c + 0.4 * x ** 3


def _torch_run(name: str, kwargs: dict[str, Any], schedule: tuple[str, dict[str, Any]] | None
               ) -> tuple[list[Any], list[dict[str, Any]], list[float]]:
    p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    optimizer = getattr(torch.optim, name)([p], foreach=False, **kwargs)
    scheduler = (getattr(torch.optim.lr_scheduler, schedule[0])(optimizer, **schedule[1])
                 if schedule else None)
    xs, states, lrs = [p.detach().numpy().copy()], [], []
    for _ in range(STEPS):
        optimizer.zero_grad()
        p.grad = torch.tensor(gradient(p.detach().numpy()), dtype=torch.float64)
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if scheduler:
            scheduler.step()
        xs.append(p.detach().numpy().copy())
        states.append({k: (v.numpy().copy() if hasattr(v, "numpy") else v)
                       for k, v in optimizer.state[p].items() if k != "step"})
    return xs, states, lrs


def _compare(name: str, kwargs: dict[str, Any], schedule: tuple[str, dict[str, Any]] | None = None
             ) -> None:
    spec = parse_optimizer(show(name, kwargs))
    sched = parse_schedule(show(*schedule)) if schedule else None
    lrs = rates(sched, spec["lr"], STEPS)
    trace = optimize(spec, f, gradient, START, lrs)
    xs, states, torch_lrs = _torch_run(name, kwargs, schedule)
    np.testing.assert_allclose(lrs, torch_lrs, rtol=1e-13, atol=0)
    for record, x, state in zip(trace.records[1:], xs[1:], states, strict=True):
        np.testing.assert_allclose(record.x, x, rtol=1e-12, atol=1e-14)
        assert set(record.state) == set(state), (record.state.keys(), state.keys())
        for key, value in state.items():
            np.testing.assert_allclose(record.state[key], value, rtol=1e-12, atol=1e-14)


rate = st.floats(1e-3, 0.3)
factor = st.floats(0.0, 0.95)
decay = st.sampled_from([0.0, 0.0, 0.01, 0.3])


@settings(max_examples=25, deadline=None)
@given(lr=rate, momentum=factor, dampening=st.floats(0, 0.9), weight_decay=decay,
       nesterov=st.booleans(), maximize=st.booleans())
def test_sgd(lr: float, momentum: float, dampening: float, weight_decay: float,
             nesterov: bool, maximize: bool) -> None:
    if nesterov:
        momentum, dampening = max(momentum, 0.1), 0.0
    kwargs = {"lr": lr, "momentum": momentum, "dampening": dampening,
              "weight_decay": weight_decay, "nesterov": nesterov}
    _compare("SGD", kwargs | ({"maximize": True, "lr": lr / 100} if maximize else {}))


@settings(max_examples=20, deadline=None)
@given(lr=rate, lr_decay=st.sampled_from([0.0, 0.1, 0.5]), weight_decay=decay,
       initial=st.sampled_from([0.0, 0.1, 1.0]), eps=st.sampled_from([1e-10, 1e-3]))
def test_adagrad(lr: float, lr_decay: float, weight_decay: float, initial: float,
                 eps: float) -> None:
    _compare("Adagrad", {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                         "initial_accumulator_value": initial, "eps": eps})


@settings(max_examples=20, deadline=None)
@given(lr=rate, alpha=st.floats(0.5, 0.999), momentum=st.sampled_from([0.0, 0.5, 0.9]),
       centered=st.booleans(), weight_decay=decay)
def test_rmsprop(lr: float, alpha: float, momentum: float, centered: bool,
                 weight_decay: float) -> None:
    _compare("RMSprop", {"lr": lr, "alpha": alpha, "momentum": momentum, "centered": centered,
                         "weight_decay": weight_decay})


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(["Adam", "AdamW"]), lr=rate, beta1=st.floats(0.0, 0.95),
       beta2=st.floats(0.5, 0.9999), weight_decay=decay, amsgrad=st.booleans(),
       eps=st.sampled_from([1e-8, 1e-3]))
def test_adam(name: str, lr: float, beta1: float, beta2: float, weight_decay: float,
              amsgrad: bool, eps: float) -> None:
    _compare(name, {"lr": lr, "betas": (beta1, beta2), "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "eps": eps})


SCHEDULE_CASES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5], "gamma": 0.1}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 3, "eta_min": 0.001}),  # past T_max: it rises again
    ("CosineAnnealingLR", {"T_max": 6}),
    ("LinearLR", {"start_factor": 0.1, "total_iters": 3}),
    ("LinearLR", {"start_factor": 0.5, "end_factor": 0.2, "total_iters": 4}),
]


@pytest.mark.parametrize("schedule", SCHEDULE_CASES)
@pytest.mark.parametrize("optimizer", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                       ("Adam", {"lr": 0.05, "amsgrad": True})])
def test_schedules(optimizer: tuple[str, dict[str, Any]],
                   schedule: tuple[str, dict[str, Any]]) -> None:
    _compare(*optimizer, schedule=schedule)


@settings(max_examples=30, deadline=None)
@given(T_max=st.integers(1, 7), eta_min=st.floats(0, 0.05), base=st.floats(0.06, 1.0))
def test_cosine_long_run_matches_torch(T_max: int, eta_min: float, base: float) -> None:
    p = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([p], lr=base)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min)
    expected = []
    for _ in range(30):
        expected.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    spec = parse_schedule(f"CosineAnnealingLR(T_max={T_max}, eta_min={eta_min!r})")
    assert rates(spec, base, 30) == pytest.approx(expected, rel=1e-13, abs=1e-15)


def test_cs231n_momentum_agrees_for_a_constant_rate() -> None:
    spec = parse_optimizer("SGD(lr=0.1, momentum=0.9, nesterov=True)")
    ours = optimize(spec, f, gradient, START, [0.1] * STEPS)
    theirs = optimize(spec, f, gradient, START, [0.1] * STEPS, form="cs231n")
    for a, b in zip(ours.records, theirs.records, strict=True):
        np.testing.assert_allclose(a.x, b.x, rtol=1e-12)


@pytest.mark.parametrize("text, message", [
    ("Adamax(lr=0.1)", "unknown optimizer 'Adamax'; known: SGD, Adagrad, RMSprop, Adam, AdamW"),
    ("Adam(lr=0.1, beta=(0.9, 0.99))", "unknown argument 'beta' of Adam; known: lr, betas"),
    ("Adam(lr=-1)", "out of range"),
    ("SGD(lr=0.1, nesterov=True)", "Nesterov momentum requires a momentum"),
    ("Adam(lr=__import__('os'))", "Adam lr: __import__('os') is not a number"),
    ("Adam(lr=1+1)", "is not a literal"),
    ("Adam(betas=(0.9, 1.0))", "each beta must be in [0, 1)"),
])
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(InputError, match=None) as error:
        parse_optimizer(text)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_allowlists_are_torchs_defaults() -> None:
    import inspect

    for table, module in ((OPTIMIZERS, torch.optim), (SCHEDULES, torch.optim.lr_scheduler)):
        for name, signature in table.items():
            parameters = inspect.signature(getattr(module, name)).parameters
            for param in signature.params:
                default = parameters[param.name].default
                if default is not inspect.Parameter.empty:
                    assert param.default == default, (name, param.name)
