"""A stacked, possibly bidirectional recurrent layer over time, and backpropagation through
time (BPTT); `xp` is NumPy or CuPy, and arrays reach it already on its device.

The interface is the layer kernels' one: `forward(xp, params, x, config) -> (y, cache)`
and `backward(xp, params, cache, dy, config) -> (dx, grads)`. `params` holds torch's
state_dict names (see config.py) and optionally the initial states `h0` (and `c0`),
shaped as torch's (D num_layers, N, H_out); missing ones are zeros. `grads` has a
gradient for every parameter, and `h0` (and `c0`) always. `y` is torch's `output`:
(T, N, D H_out), or (N, T, D H_out) with batch_first; h_n, c_n are in the cache.

Layer k's direction d reads layer k-1's outputs (both directions, concatenated) at every
step; the reverse direction runs t = T-1, ..., 0. Backward, dL/dh_t of each run is the
sum of what the output at t receives and what step t+1 (in processing order) sends back:
dL/dh_t = dL/dy_t + (dh_{t+1}/dh_t)^T dL/dh_{t+1} -- the BPTT recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from derive.numeric.recurrent.cells import CELLS, Cell, Record, State, Weights, join, stack
from derive.numeric.recurrent.config import RecurrentConfig, state_shapes, suffix

Params = dict[str, Any]


@dataclass
class Run:
    """One layer and direction: its step records in time order, and its final state."""

    layer: int
    direction: int
    records: list[Record]
    final: State


@dataclass
class Forward:
    """The forward pass: every run, and torch's outputs (time-major y, h_n, c_n)."""

    runs: list[list[Run]]  # [layer][direction]
    y: Any
    h_n: Any
    c_n: Any | None


@dataclass
class Backward:
    """BPTT's results: dL/dx, the parameter and initial-state gradients, and for every
    run dL/dh_t (and an LSTM's dL/dc_t) at each t in time order, with what each cell's
    backward shows (a gated cell's dL/d(gate) and dL/d(pre-activations))."""

    dx: Any
    grads: Params
    dh: list[list[list[Any]]] = field(default_factory=list)  # [layer][direction][t]
    dc: list[list[list[Any]]] = field(default_factory=list)
    shown: list[list[list[Record]]] = field(default_factory=list)


def cell_for(config: RecurrentConfig) -> Cell:
    if config.mode == "RNN":
        return CELLS["RNN_RELU" if config.nonlinearity == "relu" else "RNN_TANH"]
    return CELLS[config.mode]


def weights(params: Params, layer: int, direction: int) -> Weights:
    s = suffix(layer, direction)
    return Weights(params[f"weight_ih_{s}"], params[f"weight_hh_{s}"],
                   params.get(f"bias_ih_{s}"), params.get(f"bias_hh_{s}"),
                   params.get(f"weight_hr_{s}"))


def initial_states(xp: Any, params: Params, x: Any, config: RecurrentConfig) -> dict[str, Any]:
    """h0 (and c0) from `params`, or zeros on x's device."""
    shapes = state_shapes(config, x.shape[1])
    return {name: params[name] if params.get(name) is not None
            else xp.zeros_like(x, shape=shape) for name, shape in shapes.items()}


def order(config: RecurrentConfig, direction: int, steps: int) -> list[int]:
    return list(range(steps - 1, -1, -1) if direction else range(steps))


def forward(xp: Any, params: Params, x: Any, config: RecurrentConfig) -> tuple[Any, Forward]:
    """torch's output for input x (T, N, in), or (N, T, in) with batch_first."""
    xs = xp.swapaxes(x, 0, 1) if config.batch_first else x
    states, cell, D = initial_states(xp, params, xs, config), cell_for(config), config.directions
    runs: list[list[Run]] = []
    inputs = [xs[t] for t in range(xs.shape[0])]
    for layer in range(config.num_layers):
        runs.append([])
        for d in range(D):
            index = layer * D + d
            state = (states["h0"][index],) + (
                (states["c0"][index],) if "c0" in states else ())
            records: list[Record] = [{}] * len(inputs)
            for t in order(config, d, len(inputs)):
                state, records[t] = cell.step(xp, weights(params, layer, d), inputs[t], state)
            runs[-1].append(Run(layer, d, records, state))
        inputs = [join(xp, [run.records[t]["h"] for run in runs[-1]])
                  for t in range(len(inputs))]
    finals = [run.final for layer_runs in runs for run in layer_runs]
    y = stack(xp, inputs)
    return (xp.swapaxes(y, 0, 1) if config.batch_first else y), Forward(
        runs, y, stack(xp, [f[0] for f in finals]),
        stack(xp, [f[1] for f in finals]) if config.mode == "LSTM" else None)


def _run_backward(xp: Any, cell: Cell, w: Weights, run: Run, dys: list[Any],
                  config: RecurrentConfig, dfinal: State) -> tuple[list[Any], State, Params,
                                                                   list[Any], list[Record]]:
    """BPTT over one run: dL/dh_t = dy_t + what step t+1 sends; a truncation boundary
    (every k steps in processing order, not the first) passes nothing back."""
    grads = {name: xp.zeros_like(value) for name, value in vars(w).items()
             if value is not None}
    steps = order(config, run.direction, len(dys))
    dxs, dh = [None] * len(dys), [None] * len(dys)
    shown: list[Record] = [{}] * len(dys)
    dstate = dfinal
    for s in range(len(steps) - 1, -1, -1):
        t = steps[s]
        dstate = (dstate[0] + dys[t], *dstate[1:])
        dh[t] = dstate[0]
        dxs[t], dstate, shown[t] = cell.back(xp, w, run.records[t], dstate, grads)
        if config.truncation and s and s % config.truncation == 0:
            dstate = tuple(xp.zeros_like(part) for part in dstate)
    return dxs, dstate, grads, dh, shown


TORCH_NAMES = {"W_ih": "weight_ih", "W_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh",
               "W_hr": "weight_hr"}


def backward_through_time(xp: Any, params: Params, cache: Forward, dy: Any,
                          config: RecurrentConfig, dh_n: Any | None = None,
                          dc_n: Any | None = None) -> Backward:
    """BPTT from dL/dy (shaped as y) and, optionally, dL/dh_n and dL/dc_n; layers from the
    top down, each layer's dL/dx the dL/dy of the layer below."""
    dys_time = xp.swapaxes(dy, 0, 1) if config.batch_first else dy
    dys = [dys_time[t] for t in range(dys_time.shape[0])]
    cell, D, width = cell_for(config), config.directions, config.out_size
    result = Backward(dx=None, grads={}, dh=[[] for _ in cache.runs],
                      dc=[[] for _ in cache.runs], shown=[[] for _ in cache.runs])
    initial: dict[str, list[Any]] = {"h0": [None] * len(cache.runs) * D, "c0": []}
    initial["c0"] = list(initial["h0"])
    for layer in range(config.num_layers - 1, -1, -1):
        below: list[Any] = [None] * len(dys)
        for d, run in enumerate(cache.runs[layer]):
            index = layer * D + d
            dfinal = tuple(xp.zeros_like(part) if given is None else given[index]
                           for part, given in zip(run.final, (dh_n, dc_n), strict=False))
            parts = [dy_t if D == 1 else dy_t[:, d * width:(d + 1) * width] for dy_t in dys]
            dxs, dstate, grads, dh, shown = _run_backward(
                xp, cell, weights(params, layer, d), run, parts, config, dfinal)
            s = suffix(layer, d)
            result.grads.update({f"{TORCH_NAMES[k]}_{s}": v for k, v in grads.items()})
            result.dh[layer].append(dh)
            result.dc[layer].append([step.get("c") for step in shown])
            result.shown[layer].append(shown)
            initial["h0"][index], initial["c0"][index] = dstate[0], dstate[-1]
            below = [dx if acc is None else acc + dx for acc, dx in zip(below, dxs, strict=True)]
        dys = below
    result.dx = stack(xp, dys)
    if config.batch_first:
        result.dx = xp.swapaxes(result.dx, 0, 1)
    result.grads["h0"] = stack(xp, initial["h0"])
    if config.mode == "LSTM":
        result.grads["c0"] = stack(xp, initial["c0"])
    return result


def backward(xp: Any, params: Params, cache: Forward, dy: Any,
             config: RecurrentConfig) -> tuple[Any, Params]:
    """(dL/dx, gradients by torch's names plus h0 and c0) from dL/dy."""
    result = backward_through_time(xp, params, cache, dy, config)
    return result.dx, result.grads
