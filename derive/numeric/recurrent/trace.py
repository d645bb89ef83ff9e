"""A recurrent layer's forward pass and BPTT as plain data (nested lists of floats), for a
worked example to show; and the loss on the last output or on every output.

>>> import numpy as np
>>> from derive.numeric.recurrent import RecurrentConfig, draw_parameters, forward
>>> config = RecurrentConfig("LSTM", input_size=1, hidden_size=2)
>>> params = draw_parameters(config, seed=0)
>>> y, cache = forward(np, params, np.ones((3, 1, 1)), config)
>>> loss, dy = output_loss(np, y, np.zeros((1, 2)), "last", config)
>>> dy[:2].any(), bool(np.allclose(dy[2], y[2]))  # only the last output is in the loss
(np.False_, True)
>>> sorted(trace(cache, None, config)["runs"][0]["gates"])
['f', 'g', 'i', 'o']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.numeric.recurrent.config import RecurrentConfig, suffix
from derive.numeric.recurrent.sequence import Backward, Forward


def host(value: Any) -> np.ndarray:
    """A NumPy copy of a NumPy or CuPy array."""
    return np.asarray(value.get() if hasattr(value, "get") else value, dtype=float)


def plain(value: Any) -> Any:
    return host(value).tolist()


def output_loss(xp: Any, y: Any, target: Any, where: str,
                config: RecurrentConfig) -> tuple[float, Any]:
    """L = 1/2 sum_{t in S} ||y_t - target_t||^2 summed over the batch, S = {T} ("last": the
    target is (N, D H_out)) or S = {1..T} ("every": the target is shaped as y); and dL/dy,
    zero at the steps outside S."""
    time_axis = 1 if config.batch_first else 0
    if where == "every":
        difference = y - target
        return float(host((difference ** 2).sum())) / 2, difference
    if where != "last":
        raise ValueError(f"the loss is on the 'last' or 'every' output, not {where!r}")
    last = (slice(None),) * time_axis + (-1,)
    dy = xp.zeros_like(y)
    dy[last] = y[last] - target
    return float(host((dy ** 2).sum())) / 2, dy


def trace(cache: Forward, back: Backward | None, config: RecurrentConfig) -> dict[str, Any]:
    """Every hidden state, every gate (post-activation; an RNN's `a` is its pre-activation),
    every cell state, and with `back` every dL/dh_t (dL/dc_t) and gradient, per run (layer,
    direction), time in order t = 1..T; gradients by torch's names, with h0 and c0."""
    runs = []
    for layer_runs in cache.runs:
        for run in layer_runs:
            entry: dict[str, Any] = {
                "name": suffix(run.layer, run.direction),
                "h": [plain(r["h"]) for r in run.records],
                "gates": {g: [plain(r[g]) for r in run.records] for g in config.gates}}
            if config.mode == "LSTM":
                entry["c"] = [plain(r["c"]) for r in run.records]
            if back is not None:
                entry["dL/dh"] = [plain(v) for v in back.dh[run.layer][run.direction]]
                if config.mode == "LSTM":
                    entry["dL/dc"] = [plain(v) for v in back.dc[run.layer][run.direction]]
            runs.append(entry)
    result: dict[str, Any] = {"runs": runs, "h_n": plain(cache.h_n)}
    if cache.c_n is not None:
        result["c_n"] = plain(cache.c_n)
    if back is not None:
        result["grads"] = {name: plain(value) for name, value in back.grads.items()}
    return result
