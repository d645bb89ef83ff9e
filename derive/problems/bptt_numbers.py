"""The numbers of a `bptt` worked example, and their independent checks.

The engine (`derive.numeric.recurrent`) runs the forward pass and backpropagation through
time. Every gradient it returns is then compared with central finite differences of the
loss computed from the *forward* kernel alone:

- dL/dh_t (and an LSTM's dL/dc_t): the loss continued from a perturbed state at step t
  (all 2H perturbations of one t as one batch), plus the output term at t itself;
- the parameters: the loss as a function of each entry (every window restarted from its
  unperturbed boundary state when BPTT is truncated, which is what truncation
  differentiates).

The loss is L = 1/2 sum_{t in S} ||h_t - y_t||^2, S = {T} or {1..T}: trace.output_loss.

>>> from derive.numeric.recurrent import RecurrentConfig, draw_parameters
>>> config = RecurrentConfig("GRU", 2, 3)
>>> run = computed(config, draw_parameters(config, 0), np.ones((3, 2)), np.zeros((1, 3)),
...                "last", None)
>>> max(state_residuals(run).values()) < 1e-6, max(parameter_residuals(run).values()) < 1e-6
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derive.numeric.mlp import numerical_gradient
from derive.numeric.recurrent import RecurrentConfig, backward_through_time, forward
from derive.numeric.recurrent.sequence import Backward, Forward
from derive.numeric.recurrent.trace import output_loss
from derive.problems.bptt_head import Readout

STEP = 1e-6  # central-difference step
ENTRYWISE = 200  # up to this many parameter entries, each is checked; beyond, directions
DIRECTIONS = 6  # random directions per parameter tensor beyond ENTRYWISE


@dataclass
class Computed:
    """One sequence (batch 1) through the layer: inputs, the engine's results, the loss."""

    config: RecurrentConfig
    params: dict[str, Any]  # torch's names, h0 and c0 as (1, 1, H)
    x: np.ndarray  # (T, input_size)
    target: np.ndarray  # (1, H) for "last", (T, H) for "every"; empty for cross-entropy
    where: str
    cache: Forward
    back: Backward
    loss: float
    readout: Readout = field(default_factory=Readout)

    @property
    def steps(self) -> int:
        return len(self.x)

    def record(self, t: int) -> dict[str, Any]:
        """Step t's record (1-based, as h_t)."""
        return self.cache.runs[0][0].records[t - 1]

    def state(self, t: int, name: str = "h") -> np.ndarray:
        """h_t or c_t as a row (1, H); t = 0 is the initial state."""
        return self.params[f"{name}0"][0] if t == 0 else self.record(t)[name]


def computed(config: RecurrentConfig, params: dict[str, Any], x: np.ndarray,
             target: np.ndarray, where: str, truncation: int | None,
             readout: Readout | None = None) -> Computed:
    """Forward, loss and BPTT (truncated with a window of `truncation` steps); the loss on
    the states themselves, or through `readout`'s head and loss."""
    readout = readout or Readout()
    H = config.hidden_size
    params = {"h0": np.zeros((1, 1, H)), **({"c0": np.zeros((1, 1, H))}
                                             if config.mode == "LSTM" else {}), **params}
    y, cache = forward(np, params, x[:, None, :], config)
    head_grads: dict[str, Any] = {}
    if readout.plain:
        shaped = target[:, None, :] if where == "every" else target
        loss, dy = output_loss(np, y, shaped, where, config)
    else:
        loss, dy, head_grads = readout.loss_and_grad(params, y, target, where)
    truncated = RecurrentConfig(config.mode, config.input_size, H,
                                nonlinearity=config.nonlinearity, bias=config.bias,
                                truncation=truncation)
    back = backward_through_time(np, params, cache, dy, truncated)
    back.grads.update(head_grads)
    return Computed(truncated, params, x, target, where, cache, back, loss, readout)


def _terms(run: Computed, step: int, h: np.ndarray,
           params: dict[str, Any] | None = None) -> np.ndarray:
    """Step's loss term per row of h (1/2 ||h - y_step||^2, or through the head and its
    loss) when step (1-based) is in the loss, else 0."""
    index = run.readout.step_index(run.where, step, run.steps)
    if index is None:
        return np.zeros(len(h))
    row = run.target[index] if run.readout.loss == "mse" else None
    return run.readout.terms(run.params if params is None else params, h, row, index)


def continued(run: Computed, params: dict[str, Any], start: int, end: int, h: np.ndarray,
              c: np.ndarray | None) -> np.ndarray:
    """The loss terms of steps start+1..end, the forward pass restarted at h_start = h
    (c_start = c), one value per row of h."""
    if end <= start:
        return np.zeros(len(h))
    states = {"h0": h[None]} | ({"c0": c[None]} if c is not None else {})
    x = np.repeat(run.x[start:end, None, :], len(h), axis=1)
    y, _ = forward(np, {**params, **states}, x, run.config)
    return sum((_terms(run, start + s + 1, y[s], params) for s in range(end - start)),
               np.zeros(len(h)))


def window_end(run: Computed, t: int) -> int:
    """The last step whose loss reaches h_t by BPTT: T, or the end of t's window (nothing
    after t when step t+1 starts a new window)."""
    k = run.config.truncation
    if k is None:
        return run.steps
    return min(run.steps, (t // k + 1) * k) if t == 0 or t % k else t


def _perturbed(state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows state +- STEP e_j for every j."""
    eye = STEP * np.eye(state.shape[1])
    return state + eye, state - eye


def state_gradient(run: Computed, t: int, name: str) -> np.ndarray:
    """dL/dh_t or dL/dc_t by central differences (an LSTM's h_t = o_t tanh(c_t) follows c_t
    for t >= 1; h_0 and c_0 are independent)."""
    h, c = run.state(t), run.state(t, "c") if run.config.mode == "LSTM" else None
    sides = []
    for moved in _perturbed(run.state(t, name)):
        rows_h = np.repeat(h, len(moved), axis=0)
        rows_c = None if c is None else np.repeat(c, len(moved), axis=0)
        if name == "h":
            rows_h = moved
        else:
            rows_c = moved
            if t:
                rows_h = run.record(t)["o"] * np.tanh(moved)
        direct = _terms(run, t, rows_h) if t else np.zeros(len(moved))
        sides.append(direct + continued(run, run.params, t, window_end(run, t), rows_h,
                                        rows_c))
    return (sides[0] - sides[1]) / (2 * STEP)


def relative(value: Any, expected: Any) -> float:
    """max |value - expected| / max(1, max |expected|)."""
    expected = np.asarray(expected, dtype=float)
    return float(np.abs(np.asarray(value) - expected).max() / max(1.0, np.abs(expected).max()))


def state_residuals(run: Computed) -> dict[tuple[str, int], float]:
    """(h, t) and (c, t) -> the residual of the engine's dL/dh_t (dL/dc_t), t = 0..T."""
    names = ("h", "c") if run.config.mode == "LSTM" else ("h",)
    result = {}
    for name in names:
        for t in range(run.steps + 1):
            result[name, t] = relative(shown_gradient(run, t, name), state_gradient(run, t, name))
    return result


def shown_gradient(run: Computed, t: int, name: str = "h") -> np.ndarray:
    """The engine's dL/dh_t (dL/dc_t) as a vector; t = 0 is dL/dh_0 (dL/dc_0)."""
    if t == 0:
        return np.asarray(run.back.grads[f"{name}0"][0, 0])
    by_step = run.back.dh if name == "h" else run.back.dc
    return np.asarray(by_step[0][0][t - 1][0])


def truncated_loss(run: Computed, params: dict[str, Any]) -> float:
    """The loss BPTT differentiates: each window from its unperturbed starting state."""
    k, total = run.config.truncation or run.steps, 0.0
    lstm = run.config.mode == "LSTM"
    for start in range(0, run.steps, k):
        total += float(continued(run, params, start, min(start + k, run.steps),
                                 run.state(start), run.state(start, "c") if lstm else None)[0])
    return total


def entrywise(run: Computed) -> bool:
    """Whether every parameter entry is checked (else random directions, DIRECTIONS each)."""
    return sum(np.size(v) for k, v in run.params.items() if k not in ("h0", "c0")) <= ENTRYWISE


def parameter_residuals(run: Computed) -> dict[str, float]:
    """Each parameter's name -> the residual of the engine's gradient against central
    differences of `truncated_loss`: entry by entry, or along random unit directions v
    (<grad, v> against (L(p + s v) - L(p - s v)) / 2s) for larger layers."""
    params = {name: np.array(value, dtype=float) for name, value in run.params.items()}
    rng, result = np.random.default_rng(0), {}
    for name in (k for k in params if k not in ("h0", "c0")):
        if entrywise(run):
            numeric = numerical_gradient(lambda: truncated_loss(run, params), params[name], STEP)
            result[name] = relative(run.back.grads[name], numeric)
            continue
        kept, worst = params[name].copy(), 0.0
        for _ in range(DIRECTIONS):
            v = rng.normal(size=kept.shape)
            v /= np.linalg.norm(v)
            sides = []
            for sign in (1, -1):
                params[name] = kept + sign * STEP * v
                sides.append(truncated_loss(run, params))
            params[name] = kept
            worst = max(worst, relative(float((run.back.grads[name] * v).sum()),
                                        (sides[0] - sides[1]) / (2 * STEP)))
        result[name] = worst
    return result
