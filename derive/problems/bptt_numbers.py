"""The numbers of a `bptt` worked example, and their independent checks.

The engine (`derive.numeric.recurrent`) runs the forward pass and backpropagation through
time over every layer and direction. Every gradient it returns is then compared with
central finite differences of the loss computed by `rerun`, a forward pass of its own
from the cell kernels' *forward* steps alone:

- dL/dh_t (and an LSTM's dL/dc_t) of each run (layer, direction): the network re-run from
  that layer with the state at t moved by +-STEP e_j (all 2 width moves of one t as one
  batch of rows); the other direction of that layer and the layers below are unchanged;
- the parameters: the loss as a function of each entry (or of random directions).

With truncated BPTT every window of a run restarts from its unperturbed boundary state
(torch's h = h.detach()), which is the function truncation differentiates.

>>> from derive.numeric.recurrent import RecurrentConfig, draw_parameters
>>> config = RecurrentConfig("GRU", 2, 3, num_layers=2, bidirectional=True)
>>> run = computed(config, draw_parameters(config, 0), np.ones((3, 2)), np.zeros((1, 6)),
...                "last", None)
>>> max(state_residuals(run).values()) < 1e-6, max(parameter_residuals(run).values()) < 1e-6
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from derive.numeric.mlp import numerical_gradient
from derive.numeric.recurrent import RecurrentConfig, backward_through_time, forward
from derive.numeric.recurrent.cells import State, join
from derive.numeric.recurrent.sequence import Backward, Forward, cell_for, weights
from derive.numeric.recurrent.trace import output_loss
from derive.problems.bptt_head import Readout
from derive.problems.bptt_runs import RunId, runs, state_row

STEP = 1e-6  # central-difference step
ENTRYWISE = 200  # up to this many parameter entries, each is checked; beyond, directions
DIRECTIONS = 6  # random directions per parameter tensor beyond ENTRYWISE
Inject = Callable[[int, State, dict[str, Any]], State]


@dataclass
class Computed:
    """One sequence (batch 1) through the layers: inputs, the engine's results, the loss."""

    config: RecurrentConfig
    params: dict[str, Any]  # torch's names, h0 and c0 as (D num_layers, 1, H)
    x: np.ndarray  # (T, input_size)
    target: np.ndarray  # (1, D H_out) for "last", (T, D H_out) for "every"; empty for CE
    where: str
    cache: Forward
    back: Backward
    loss: float
    readout: Readout = field(default_factory=Readout)

    @property
    def steps(self) -> int:
        return len(self.x)

    @property
    def runs(self) -> list[RunId]:
        return runs(self.config, self.steps)

    def record(self, t: int, run: RunId | None = None) -> dict[str, Any]:
        """Step t's record (1-based, as h_t) of `run` (default: the first run)."""
        run = run or self.runs[0]
        return self.cache.runs[run.layer][run.direction].records[t - 1]

    def state(self, t: int, name: str = "h", run: RunId | None = None) -> np.ndarray:
        """h_t or c_t of `run` as a row (1, width); the initial state at run.initial."""
        run = run or self.runs[0]
        if t == run.initial:
            return self.params[f"{name}0"][state_row(self.config, run)]
        return self.record(t, run)[name]

    def output(self, t: int) -> np.ndarray:
        """torch's output at step t (1-based), (1, D H_out): the top layer's directions."""
        return np.asarray(self.cache.y[t - 1])


def computed(config: RecurrentConfig, params: dict[str, Any], x: np.ndarray,
             target: np.ndarray, where: str, truncation: int | None,
             readout: Readout | None = None) -> Computed:
    """Forward, loss and BPTT (truncated with a window of `truncation` steps); the loss on
    the outputs themselves, or through `readout`'s head and loss."""
    readout = readout or Readout()
    stacked = config.directions * config.num_layers
    zeros = {"h0": np.zeros((stacked, 1, config.out_size))}
    if config.mode == "LSTM":
        zeros["c0"] = np.zeros((stacked, 1, config.hidden_size))
    params = {**zeros, **params}
    y, cache = forward(np, params, x[:, None, :], config)
    head_grads: dict[str, Any] = {}
    if readout.plain:
        shaped = target[:, None, :] if where == "every" else target
        loss, dy = output_loss(np, y, shaped, where, config)
    else:
        loss, dy, head_grads = readout.loss_and_grad(params, y, target, where)
    truncated = RecurrentConfig(
        config.mode, config.input_size, config.hidden_size, num_layers=config.num_layers,
        nonlinearity=config.nonlinearity, bias=config.bias, bidirectional=config.bidirectional,
        proj_size=config.proj_size, truncation=truncation)
    back = backward_through_time(np, params, cache, dy, truncated)
    back.grads.update(head_grads)
    return Computed(truncated, params, x, target, where, cache, back, loss, readout)


def _simulate(run: Computed, params: dict[str, Any], rid: RunId, inputs: list[Any],
              rows: int, inject: Inject | None) -> list[Any]:
    """One run's h_t (t = 1..T, each `rows` rows) from its inputs; `inject` moves the state
    after step t (or the initial state); each truncation window restarts from the
    unperturbed state."""
    config, cell = run.config, cell_for(run.config)
    names = ("h", "c") if config.mode == "LSTM" else ("h",)
    tile = lambda value: np.repeat(np.asarray(value), rows, axis=0)  # noqa: E731
    state: State = tuple(tile(params[f"{n}0"][state_row(config, rid)]) for n in names)
    if inject is not None:
        state = inject(rid.initial, state, {})
    hs: list[Any] = [None] * run.steps
    w, k = weights(params, rid.layer, rid.direction), config.truncation
    for s, t in enumerate(rid.order):
        if k and s and s % k == 0:
            state = tuple(tile(run.state(rid.previous(t), n, rid)) for n in names)
        state, record = cell.step(np, w, inputs[t - 1], state)
        if inject is not None:
            state = inject(t, state, record)
        hs[t - 1] = state[0]
    return hs


def rerun(run: Computed, params: dict[str, Any], rows: int, moved: RunId | None = None,
          inject: Inject | None = None) -> list[Any]:
    """The top layer's outputs (T of them, `rows` rows each): from the bottom, or with the
    parameters unchanged from `moved`'s layer with `inject` applied to `moved`."""
    start = 0 if moved is None else moved.layer
    inputs = [np.repeat(run.x[t][None], rows, axis=0) for t in range(run.steps)]
    if start:
        inputs = [np.repeat(np.asarray(run.cache.runs[start][0].records[t]["x"]), rows, axis=0)
                  for t in range(run.steps)]
    for rid in (r for r in run.runs if r.layer >= start and r.direction == 0):
        layer = [r for r in run.runs if r.layer == rid.layer]
        outputs = []
        for other in layer:
            if moved is not None and other.layer == moved.layer and other != moved:
                outputs.append([np.repeat(run.state(t, "h", other), rows, axis=0)
                                for t in range(1, run.steps + 1)])
            else:
                outputs.append(_simulate(run, params, other, inputs, rows,
                                         inject if other == moved else None))
        inputs = [join(np, [hs[t] for hs in outputs]) for t in range(run.steps)]
    return inputs


def losses(run: Computed, params: dict[str, Any], outputs: list[Any]) -> np.ndarray:
    """The loss per row of the outputs."""
    total = np.zeros(len(outputs[0]))
    for t in range(1, run.steps + 1):
        index = run.readout.step_index(run.where, t, run.steps)
        if index is not None:
            row = run.target[index] if run.readout.loss == "mse" else None
            total = total + run.readout.terms(params, outputs[t - 1], row, index)
    return total


def state_gradient(run: Computed, rid: RunId, t: int, name: str) -> np.ndarray:
    """dL/dh_t or dL/dc_t of run `rid` by central differences (an LSTM's h_t = o_t tanh(c_t)
    (then W_hr) follows c_t for a step; the initial h and c are independent)."""
    base = run.state(t, name, rid)
    eye = STEP * np.eye(base.shape[1])
    moves = np.concatenate([base + eye, base - eye])
    projection = run.params.get(f"weight_hr_{rid.suffix}")

    def inject(step: int, state: State, record: dict[str, Any]) -> State:
        if step != t:
            return state
        if name == "h":
            return (moves, *state[1:])
        h = state[0] if step == rid.initial else record["o"] * np.tanh(moves)
        return (h if projection is None or step == rid.initial else h @ projection.T, moves)

    values = losses(run, run.params, rerun(run, run.params, len(moves), rid, inject))
    half = len(eye)
    return (values[:half] - values[half:]) / (2 * STEP)


def relative(value: Any, expected: Any) -> float:
    """max |value - expected| / max(1, max |expected|)."""
    expected = np.asarray(expected, dtype=float)
    return float(np.abs(np.asarray(value) - expected).max() / max(1.0, np.abs(expected).max()))


def state_names(run: Computed) -> tuple[str, ...]:
    return ("h", "c") if run.config.mode == "LSTM" else ("h",)


def state_residuals(run: Computed) -> dict[tuple[RunId, str, int], float]:
    """(run, h, t) and (run, c, t) -> the residual of the engine's dL/dh_t (dL/dc_t), for
    t = 1..T and the initial state."""
    return {(rid, name, t): relative(shown_gradient(run, rid, t, name),
                                     state_gradient(run, rid, t, name))
            for rid in run.runs for name in state_names(run) for t in rid.back_order}


def shown_gradient(run: Computed, rid: RunId, t: int, name: str = "h") -> np.ndarray:
    """The engine's dL/dh_t (dL/dc_t) of run `rid` as a vector; t = rid.initial is the
    initial state's (torch's h0 row)."""
    if t == rid.initial:
        return np.asarray(run.back.grads[f"{name}0"][state_row(run.config, rid), 0])
    by_step = run.back.dh if name == "h" else run.back.dc
    return np.asarray(by_step[rid.layer][rid.direction][t - 1][0])


def truncated_loss(run: Computed, params: dict[str, Any]) -> float:
    """The loss BPTT differentiates (each window from its unperturbed starting state)."""
    return float(losses(run, params, rerun(run, params, 1))[0])


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
