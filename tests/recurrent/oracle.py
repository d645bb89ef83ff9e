"""torch's recurrent layers as the oracle: the same parameters, autograd's gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from derive.numeric.recurrent import RecurrentConfig, draw_parameters, state_shapes

torch = pytest.importorskip("torch")


def module(config: RecurrentConfig, params: dict[str, np.ndarray]) -> Any:
    """torch.nn.RNN/LSTM/GRU in float64 holding `params` (by state_dict name)."""
    kwargs: dict[str, Any] = {"num_layers": config.num_layers, "bias": config.bias,
                              "batch_first": config.batch_first,
                              "bidirectional": config.bidirectional}
    if config.mode == "RNN":
        kwargs["nonlinearity"] = config.nonlinearity
    if config.proj_size:
        kwargs["proj_size"] = config.proj_size
    layer = getattr(torch.nn, config.mode)(config.input_size, config.hidden_size, **kwargs)
    layer = layer.double()
    state = {name: torch.tensor(params[name]) for name in layer.state_dict()}
    layer.load_state_dict(state)
    return layer


def case(config: RecurrentConfig, steps: int, batch: int, seed: int,
         with_states: bool) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Random parameters (and h0, c0 when `with_states`) and an input."""
    rng = np.random.default_rng(seed + 1000)
    params = draw_parameters(config, seed)
    if with_states:
        params.update({name: rng.normal(size=shape)
                       for name, shape in state_shapes(config, batch).items()})
    shape = (batch, steps, config.input_size) if config.batch_first else (
        steps, batch, config.input_size)
    return params, rng.normal(size=shape)


def run(config: RecurrentConfig, params: dict[str, np.ndarray], x: np.ndarray,
        dy: np.ndarray) -> dict[str, np.ndarray]:
    """torch's y, h_n (c_n) and autograd's gradients of sum(dy * y), by name (dx as "x")."""
    layer = module(config, params)
    inputs = {"x": torch.tensor(x, requires_grad=True)}
    states = state_shapes(config, x.shape[0] if config.batch_first else x.shape[1])
    for name in states:
        inputs[name] = torch.tensor(params[name] if name in params else np.zeros(states[name]),
                                    requires_grad=True)
    initial = inputs["h0"] if config.mode != "LSTM" else (inputs["h0"], inputs["c0"])
    y, final = layer(inputs["x"], initial)
    (y * torch.tensor(dy)).sum().backward()
    result = {"y": y.detach().numpy()}
    finals = final if config.mode == "LSTM" else (final,)
    result.update({name: value.detach().numpy() for name, value in zip(("h_n", "c_n"), finals,
                                                                       strict=False)})
    result.update({f"d{name}": value.grad.numpy() for name, value in inputs.items()})
    result.update({f"d{name}": p.grad.numpy() for name, p in layer.named_parameters()})
    return result
