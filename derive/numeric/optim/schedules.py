"""torch.optim.lr_scheduler's schedules, stepped once per update.

`rates` gives lr_1, ..., lr_N, the rate each update uses: lr_1 is the scheduler's value at
`last_epoch` 0 (what the optimizer holds after the scheduler is built), lr_t its value after
t - 1 calls of `scheduler.step()`. The values follow torch's recursive `get_lr` (each lr from
the last one, in torch's order of operations), so they are torch's floats; `closed_form` is the
textbook formula, and `rates` checks the two agree before returning.

>>> from derive.numeric.optim.specs import parse_schedule
>>> rates(parse_schedule("StepLR(step_size=2, gamma=0.5)"), 1.0, 5)
[1.0, 1.0, 0.5, 0.5, 0.25]
>>> rates(parse_schedule("LinearLR(start_factor=0.25, total_iters=3)"), 0.4, 5)
[0.1, 0.2, 0.30000000000000004, 0.4, 0.4]
"""

from __future__ import annotations

import bisect
import math
from collections import Counter

from derive.errors import VerificationError
from derive.numeric.optim.specs import Spec

TOLERANCE = 1e-9  # recursion vs closed form, relative to the base rate


def _next(spec: Spec | None, lr: float, base: float, epoch: int) -> float:
    """torch's get_lr at `epoch` >= 1 from the rate at epoch - 1."""
    if spec is None:
        return lr
    name = spec.name
    if name == "StepLR":
        return lr * spec["gamma"] if epoch % spec["step_size"] == 0 else lr
    if name == "MultiStepLR":
        count = Counter(spec["milestones"])[epoch]
        return lr * spec["gamma"] ** count if count else lr
    if name == "ExponentialLR":
        return lr * spec["gamma"]
    if name == "CosineAnnealingLR":
        return _cosine(lr, base, epoch, spec["T_max"], spec["eta_min"])
    return _linear(lr, epoch, spec["start_factor"], spec["end_factor"], spec["total_iters"])


def _cosine(lr: float, base: float, epoch: int, period: int, floor: float) -> float:
    if (epoch - 1 - period) % (2 * period) == 0:
        return lr + (base - floor) * (1 - math.cos(math.pi / period)) / 2
    return ((1 + math.cos(math.pi * epoch / period))
            / (1 + math.cos(math.pi * (epoch - 1) / period)) * (lr - floor) + floor)


def _linear(lr: float, epoch: int, start: float, end: float, total: int) -> float:
    if epoch > total:
        return lr
    return lr * (1.0 + (end - start) / (total * start + (epoch - 1) * (end - start)))


def _initial(spec: Spec | None, base: float) -> float:
    """The rate at last_epoch 0: the base rate, but LinearLR starts at start_factor x base."""
    return base * spec["start_factor"] if spec is not None and spec.name == "LinearLR" else base


def closed_form(spec: Spec | None, base: float, epoch: int) -> float:
    """The textbook formula of the rate after `epoch` scheduler steps."""
    if spec is None:
        return base
    name = spec.name
    if name == "StepLR":
        return base * spec["gamma"] ** (epoch // spec["step_size"])
    if name == "MultiStepLR":
        return base * spec["gamma"] ** bisect.bisect_right(spec["milestones"], epoch)
    if name == "ExponentialLR":
        return base * spec["gamma"] ** epoch
    if name == "CosineAnnealingLR":
        floor = spec["eta_min"]
        return floor + (base - floor) * (1 + math.cos(math.pi * epoch / spec["T_max"])) / 2
    start, end, total = spec["start_factor"], spec["end_factor"], spec["total_iters"]
    return base * (start + (end - start) * min(epoch, total) / total)


def rates(spec: Spec | None, base: float, steps: int) -> list[float]:
    """lr_1 .. lr_steps as torch's scheduler gives them, checked against the closed form."""
    lr = _initial(spec, base)
    values = [lr]
    for epoch in range(1, steps):
        lr = _next(spec, lr, base, epoch)
        values.append(lr)
    scale = max(abs(base), 1e-300)
    for epoch, value in enumerate(values):
        expected = closed_form(spec, base, epoch)
        if not abs(value - expected) <= TOLERANCE * scale + 1e-300:
            raise VerificationError(f"schedule {spec.text if spec else ''}: lr at epoch "
                                    f"{epoch} is {value!r} by torch's recursion but "
                                    f"{expected!r} by the closed form")
    return values
