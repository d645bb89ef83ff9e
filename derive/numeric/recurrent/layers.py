"""torch's RNN, LSTM and GRU in the layer-kernel table of derive.numeric.layers.

There a layer's `config` is its constructor keywords (num_layers, nonlinearity, bias,
batch_first, bidirectional, proj_size; sizes read from the weights) plus run-time flags --
here `truncation`, the window of truncated BPTT -- and its input is what torch's forward
takes, flattened: `x`, `(x, h0)` or, for an LSTM, `(x, h0, c0)`; dx has the same structure.
Importing this module registers the three types (once).

>>> import numpy as np
>>> from derive.numeric.layers.registry import LAYER_KERNELS
>>> from derive.numeric.recurrent import RecurrentConfig, draw_parameters
>>> state = draw_parameters(RecurrentConfig("LSTM", 2, 3, num_layers=2), seed=0)
>>> y, cache = LAYER_KERNELS["LSTM"].forward(np, state, np.ones((4, 1, 2)), {"num_layers": 2})
>>> y.shape
(4, 1, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from derive.numeric.layers.registry import LAYER_KERNELS, register
from derive.numeric.recurrent.config import GATES, RecurrentConfig, parameter_shapes
from derive.numeric.recurrent.sequence import backward_through_time, forward

MAX_LAYERS = 16  # `params` lists the names of up to this many layers (those present count)


def config_from(mode: str, state: Mapping[str, Any], config: Mapping[str, Any]) -> RecurrentConfig:
    """A RecurrentConfig from torch's keywords and the weights' shapes."""
    projected = state.get("weight_hr_l0")
    hidden = (state["weight_ih_l0"].shape[0] // len(GATES[mode]))
    return RecurrentConfig(
        mode, input_size=state["weight_ih_l0"].shape[1], hidden_size=hidden,
        num_layers=config.get("num_layers", 1), nonlinearity=config.get("nonlinearity", "tanh"),
        bias=state.get("bias_ih_l0") is not None, batch_first=config.get("batch_first", False),
        bidirectional=config.get("bidirectional", False),
        proj_size=0 if projected is None else projected.shape[0],
        truncation=config.get("truncation"))


def _forward(mode: str, xp: Any, state: Mapping[str, Any], x: Any,
             config: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    inputs = x if isinstance(x, tuple) else (x,)
    params = dict(state) | dict(zip(("h0", "c0"), inputs[1:], strict=False))
    recurrent = config_from(mode, state, config)
    y, run = forward(xp, params, inputs[0], recurrent)
    return y, {"run": run, "params": params, "config": recurrent, "inputs": len(inputs)}


def _backward(xp: Any, state: Mapping[str, Any], cache: dict[str, Any], dy: Any,
              config: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    result = backward_through_time(xp, cache["params"], cache["run"], dy, cache["config"])
    grads = {name: grad for name, grad in result.grads.items() if name in state}
    if cache["inputs"] == 1:
        return result.dx, grads
    initial = (result.grads["h0"], result.grads.get("c0"))[:cache["inputs"] - 1]
    return (result.dx, *initial), grads


def _names(mode: str) -> tuple[str, ...]:
    widest = RecurrentConfig(mode, 1, 2, num_layers=MAX_LAYERS, bidirectional=True,
                             proj_size=1 if mode == "LSTM" else 0)
    return tuple(parameter_shapes(widest))


def _register(mode: str) -> None:
    if mode not in LAYER_KERNELS:
        register(mode, lambda xp, s, x, c: _forward(mode, xp, s, x, c), _backward,
                 _names(mode))


for _mode in GATES:
    _register(_mode)
