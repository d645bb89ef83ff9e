"""BPTT against central finite differences of the forward pass (an oracle independent of
torch), and the CuPy-like device boundary: no host array meets a device array."""

from __future__ import annotations

import numpy as np
import pytest

from derive.numeric.mlp import numerical_gradient
from derive.numeric.recurrent import (
    RecurrentConfig,
    backward_through_time,
    draw_parameters,
    forward,
    state_shapes,
)
from tests.test_train import DeviceArray, FakeDevice

CONFIGS = [
    RecurrentConfig("RNN", 2, 3, num_layers=2, bidirectional=True),
    RecurrentConfig("RNN", 2, 3, nonlinearity="relu", batch_first=True),
    RecurrentConfig("LSTM", 2, 3, num_layers=2, bidirectional=True, proj_size=2),
    RecurrentConfig("GRU", 2, 3, num_layers=2, bidirectional=True, batch_first=True),
]


def _case(config: RecurrentConfig, seed: int = 0) -> tuple[dict, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = draw_parameters(config, seed)
    params.update({name: rng.normal(size=shape)
                   for name, shape in state_shapes(config, 2).items()})
    shape = (2, 4, config.input_size) if config.batch_first else (4, 2, config.input_size)
    return params, rng.normal(size=shape)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.mode)
def test_bptt_equals_central_differences(config: RecurrentConfig) -> None:
    params, x = _case(config)
    y, cache = forward(np, params, x, config)
    weights = np.random.default_rng(1).normal(size=y.shape)

    def loss() -> float:
        return float((forward(np, params, x, config)[0] * weights).sum())

    back = backward_through_time(np, params, cache, weights, config)
    for name, grad in back.grads.items():
        numeric = numerical_gradient(loss, params[name])
        assert np.abs(grad - numeric).max() < 1e-7 * max(1.0, np.abs(numeric).max()), name
    assert np.abs(back.dx - numerical_gradient(loss, x)).max() < 1e-7


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.mode)
def test_the_kernels_keep_to_the_device_boundary(config: RecurrentConfig) -> None:
    """What a GPU run relies on: arrays reach the device through asarray only, results
    stay there, and the numbers equal NumPy's bit for bit."""
    params, x = _case(config)
    device = FakeDevice()
    y, cache = forward(np, params, x, config)
    back = backward_through_time(np, params, cache, np.ones_like(y), config)
    on_device = {name: device.asarray(value) for name, value in params.items()}
    y_dev, cache_dev = forward(device, on_device, device.asarray(x), config)
    back_dev = backward_through_time(device, on_device, cache_dev,
                                     device.asarray(np.ones(y.shape)), config)
    assert isinstance(y_dev, DeviceArray) and isinstance(back_dev.dx, DeviceArray)
    assert np.array_equal(y, y_dev.get()) and np.array_equal(back.dx, back_dev.dx.get())
    for name, grad in back.grads.items():
        assert isinstance(back_dev.grads[name], DeviceArray)
        assert np.array_equal(grad, back_dev.grads[name].get()), name
    zero_states = {k: v for k, v in on_device.items() if k not in ("h0", "c0")}
    y_zero, _ = forward(device, zero_states, device.asarray(x), config)
    assert isinstance(y_zero, DeviceArray)
