"""Running an optimizer on a function: every iterate with its state, checked against the
independent implementation (`reference`) before it is kept.

Step t (t = 1 .. N) takes g_t = grad f(x_(t-1)) and the rate lr_t of the schedule; record t
holds lr_t, g_t, the state after the step, x_t and f(x_t). Record 0 holds x_0, f(x_0) and the
state before the first step. A run that leaves the finite numbers stops there as diverged.
`iterate` yields the records one step at a time (gd's `descend` runs SGD through it under its
own stopping rule), so every optimizer has one update rule.

>>> import numpy as np
>>> from derive.numeric.optim.specs import parse_optimizer
>>> trace = optimize(parse_optimizer("SGD(lr=0.25)"), lambda x: float(x @ x), lambda x: 2 * x,
...                  [1.0, -1.0], [0.25] * 2)
>>> [r.x.tolist() for r in trace.records], trace.verdict
([[1.0, -1.0], [0.5, -0.5], [0.25, -0.25]], 'finished')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from derive.errors import VerificationError
from derive.numeric.optim.reference import reference_trace
from derive.numeric.optim.rules import Rule, rule_for
from derive.numeric.optim.specs import Spec

BLOW_UP = 1e150  # |x| or |f| beyond this counts as divergence
TOLERANCE = 1e-9  # rules vs reference, relative to max(1, |value|)


@dataclass(frozen=True)
class Record:
    """One step's numbers (see the module docstring for the indexing)."""

    t: int
    x: Any
    f: float
    g: Any | None = None
    lr: float | None = None
    state: Mapping[str, Any] | None = None
    shown: Mapping[str, Any] | None = None
    slope: Any | None = None  # grad f(x_t): the gradient the next step takes


@dataclass(frozen=True)
class OptimizerTrace:
    """An optimizer's run: its spec, momentum form, records, verdict and the check residual."""

    spec: Spec
    form: str
    records: tuple[Record, ...]
    verdict: str  # "finished" or "diverged"
    check: float


def iterate(rule: Rule, f: Callable[[Any], float], gradient: Callable[[Any], Any],
            start: Sequence[float] | Any, rates: Iterable[float],
            xp: Any = np) -> Iterator[Record]:
    """Record 0, then one record per rate, each step computed only when asked for; each
    record carries grad f at its x (`slope`), evaluated once and taken by the next step."""
    x = xp.asarray(start, dtype=float)
    state = rule.start(xp, x)
    with np.errstate(all="ignore"):
        g = xp.asarray(gradient(x), dtype=float)
        value = float(f(x))
    yield Record(0, x, value, state=state, slope=g)
    for t, lr in enumerate(rates, start=1):
        with np.errstate(all="ignore"):
            x, state, shown = rule.step(xp, x, g, state, lr, t)
            taken, g = g, xp.asarray(gradient(x), dtype=float)
            value = float(f(x))
        yield Record(t, x, value, taken, lr, state, shown, g)


def optimize(spec: Spec, f: Callable[[Any], float], gradient: Callable[[Any], Any],
             start: Sequence[float], rates: Sequence[float], form: str = "torch",
             xp: Any = np) -> OptimizerTrace:
    """Run `len(rates)` steps of the optimizer from `start`, then check the trace."""
    rule = rule_for(spec, form)
    records: list[Record] = []
    verdict = "finished"
    with np.errstate(all="ignore"):
        for record in iterate(rule, f, gradient, start, rates, xp):
            records.append(record)
            x = record.x
            if record.t and not (np.isfinite(record.f) and bool(xp.all(xp.isfinite(x)))
                    and abs(record.f) < BLOW_UP and float(xp.max(xp.abs(x))) < BLOW_UP):
                verdict = "diverged"
                break
    check = _verify(spec, rule.form, records, gradient, start, rates)
    return OptimizerTrace(spec, rule.form, tuple(records), verdict, check)


def _verify(spec: Spec, form: str, records: Sequence[Record], gradient: Callable[[Any], Any],
            start: Sequence[float], rates: Sequence[float]) -> float:
    """The largest relative difference between the trace and the reference implementation,
    over the iterates and torch's state entries; a `VerificationError` above `TOLERANCE`."""
    xs, states = reference_trace(spec, lambda x: np.asarray(gradient(np.asarray(x)), float),
                                 start, rates)
    residual = 0.0
    for record, x, state in zip(records, xs, states, strict=False):
        pairs = [(np.asarray(record.x), np.asarray(x))]
        if form == "cs231n":
            constant = len(set(rates[: record.t])) == 1 and spec["dampening"] == 0
            if record.t and spec["momentum"] and constant:  # v_t = -lr b_t, lr constant
                pairs.append((np.asarray(record.state["velocity"]),  # type: ignore[index]
                              -rates[0] * np.asarray(state["momentum_buffer"])))
        else:
            for name, value in (record.state or {}).items():
                pairs.append((np.asarray(value), np.asarray(state[name])))
        for ours, theirs in pairs:
            if not (np.all(np.isfinite(ours)) and np.all(np.isfinite(theirs))):
                continue
            scale = np.maximum(1.0, np.abs(theirs))
            residual = max(residual, float(np.max(np.abs(ours - theirs) / scale)))
    if not residual <= TOLERANCE:
        raise VerificationError(f"{spec.text}: the trace differs from the reference "
                                f"implementation by {residual:.1e}")
    return max(residual, 2.0 ** -53)
