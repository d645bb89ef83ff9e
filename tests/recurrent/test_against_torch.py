"""Every recurrent kernel against torch.nn.RNN/LSTM/GRU with autograd: outputs, final
states, dL/dx, every parameter gradient and dL/dh0 (dL/dc0), on random small cases with
several layers, both directions, batch_first both ways, proj_size, given or zero states."""

from __future__ import annotations

import numpy as np
import pytest

from derive.numeric.recurrent import RecurrentConfig, backward_through_time, forward
from tests.recurrent import oracle

TOLERANCE = 1e-10

CASES = [  # mode, extra arguments, given h0/c0
    ("RNN", {}, False),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}, True),
    ("RNN", {"bidirectional": True, "batch_first": True}, True),
    ("RNN", {"num_layers": 3, "bidirectional": True, "bias": False}, False),
    ("LSTM", {}, True),
    ("LSTM", {"num_layers": 2, "bidirectional": True}, False),
    ("LSTM", {"proj_size": 2, "batch_first": True}, True),
    ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}, True),
    ("LSTM", {"bias": False, "batch_first": True, "num_layers": 2}, False),
    ("GRU", {}, False),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}, True),
    ("GRU", {"num_layers": 3, "bias": False}, True),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("mode, extra, with_states", CASES)
def test_forward_and_bptt_equal_torch(mode: str, extra: dict, with_states: bool,
                                      seed: int) -> None:
    config = RecurrentConfig(mode, input_size=3, hidden_size=4, **extra)
    params, x = oracle.case(config, steps=5, batch=2, seed=seed, with_states=with_states)
    y, cache = forward(np, params, x, config)
    dy = np.random.default_rng(seed).normal(size=y.shape)
    expected = oracle.run(config, params, x, dy)
    back = backward_through_time(np, params, cache, dy, config)
    assert np.abs(y - expected["y"]).max() < TOLERANCE
    assert np.abs(cache.h_n - expected["h_n"]).max() < TOLERANCE
    if mode == "LSTM":
        assert np.abs(cache.c_n - expected["c_n"]).max() < TOLERANCE
    assert np.abs(back.dx - expected["dx"]).max() < TOLERANCE
    assert set(back.grads) == {name[1:] for name in expected if name.startswith("d")} - {"x"}
    for name, grad in back.grads.items():
        assert np.abs(grad - expected[f"d{name}"]).max() < TOLERANCE, name


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("where", ["last", "every"])
def test_loss_on_the_last_or_every_output(mode: str, where: str) -> None:
    """A loss on the last output only is dL/dy zero before T; torch agrees either way."""
    config = RecurrentConfig(mode, input_size=2, hidden_size=3, num_layers=2)
    params, x = oracle.case(config, steps=4, batch=1, seed=5, with_states=True)
    y, cache = forward(np, params, x, config)
    dy = np.random.default_rng(3).normal(size=y.shape)
    if where == "last":
        dy[:-1] = 0.0
    back = backward_through_time(np, params, cache, dy, config)
    expected = oracle.run(config, params, x, dy)
    for name, grad in back.grads.items():
        assert np.abs(grad - expected[f"d{name}"]).max() < TOLERANCE, name


def _chunked_torch(config: RecurrentConfig, params: dict, x: np.ndarray, dy: np.ndarray,
                   window: int) -> dict[str, np.ndarray]:
    """torch's truncated BPTT: the state detached every `window` steps."""
    torch = oracle.torch
    layer = oracle.module(config, params)
    state = tuple(torch.tensor(params[name], requires_grad=True)
                  for name in ("h0", "c0") if name in params)
    initial = state
    outputs = []
    for start in range(0, x.shape[0], window):
        carried = state[0] if config.mode != "LSTM" else state
        y, state = layer(torch.tensor(x[start:start + window]), carried)
        state = state if config.mode == "LSTM" else (state,)
        outputs.append(y)
        state = tuple(s.detach() for s in state)
    (torch.cat(outputs) * torch.tensor(dy)).sum().backward()
    grads = {name: p.grad.numpy() for name, p in layer.named_parameters()}
    grads.update({name: s.grad.numpy() for name, s in zip(("h0", "c0"), initial,
                                                         strict=False)})
    return grads


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("window", [1, 2, 3])
def test_truncated_bptt_equals_torch_detaching_every_window(mode: str, window: int) -> None:
    config = RecurrentConfig(mode, input_size=2, hidden_size=3, num_layers=2,
                             truncation=window)
    params, x = oracle.case(config, steps=7, batch=2, seed=window, with_states=True)
    y, cache = forward(np, params, x, config)
    dy = np.random.default_rng(window).normal(size=y.shape)
    back = backward_through_time(np, params, cache, dy, config)
    for name, grad in _chunked_torch(config, params, x, dy, window).items():
        assert np.abs(back.grads[name] - grad).max() < TOLERANCE, name
