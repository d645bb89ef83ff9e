"""Every kernel keeps to the device boundary (the CuPy-like fake of tests/numeric/device.py):
no host array meets a device array, every result stays on the device, and the numbers
equal NumPy's bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from derive.numeric.layers import LAYER_KERNELS, LOSS_KERNELS, kernels_for, loss_kernels_for
from derive.numeric.recurrent import RecurrentConfig, draw_parameters
from tests.numeric.device import StrictDevice, StrictDeviceArray

RNG = np.random.default_rng(18)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _mha(E: int = 4) -> dict[str, np.ndarray]:
    return {"in_proj_weight": _normal(3 * E, E), "in_proj_bias": _normal(3 * E),
            "out_proj.weight": _normal(E, E), "out_proj.bias": _normal(E)}


def _encoder() -> dict[str, np.ndarray]:
    state = {f"self_attn.{k}": v for k, v in _mha().items()}
    state.update({"linear1.weight": _normal(6, 4), "linear1.bias": _normal(6),
                  "linear2.weight": _normal(4, 6), "linear2.bias": _normal(4),
                  "norm1.weight": _normal(4), "norm1.bias": _normal(4),
                  "norm2.weight": _normal(4), "norm2.bias": _normal(4)})
    return state


IMAGE = _normal(2, 4, 6, 6)
BN = {"weight": _normal(4), "bias": _normal(4), "running_mean": _normal(4),
      "running_var": RNG.random(4) + 0.5, "num_batches_tracked": np.array(3)}
CASES: list[tuple[str, dict[str, Any], Any, dict[str, Any]]] = [
    ("Conv2d", {"weight": _normal(6, 2, 3, 3), "bias": _normal(6)}, IMAGE,
     {"stride": 2, "padding": 1, "groups": 2}),
    ("Conv1d", {"weight": _normal(3, 4, 3), "bias": _normal(3)}, _normal(2, 4, 7),
     {"padding": "same", "dilation": 2}),
    ("ConvTranspose2d", {"weight": _normal(4, 3, 3, 3), "bias": _normal(3)}, IMAGE,
     {"stride": 2, "output_padding": 1}),
    ("MaxPool2d", {}, IMAGE, {"kernel_size": 3, "stride": 2, "padding": 1,
                              "ceil_mode": True}),
    ("AvgPool2d", {}, IMAGE, {"kernel_size": 3, "stride": 2, "padding": 1,
                              "count_include_pad": False}),
    ("AdaptiveAvgPool2d", {}, IMAGE, {"output_size": (4, 3)}),
    ("Flatten", {}, IMAGE, {}),
    ("Linear", {"weight": _normal(3, 6), "bias": _normal(3)}, _normal(2, 6), {}),
    ("BatchNorm2d", BN, IMAGE, {}),
    ("BatchNorm1d", BN, _normal(5, 4), {"training": False}),
    ("LayerNorm", {"weight": _normal(6), "bias": _normal(6)}, IMAGE, {"normalized_shape": 6}),
    ("GroupNorm", {"weight": _normal(4), "bias": _normal(4)}, IMAGE, {"num_groups": 2}),
    ("Dropout", {}, IMAGE, {"p": 0.3, "mask": RNG.random(IMAGE.shape) > 0.3}),
    ("Embedding", {"weight": _normal(5, 3)}, RNG.integers(0, 5, (2, 4)), {"padding_idx": 1}),
    ("scaled_dot_product_attention", {}, (_normal(2, 3, 4), _normal(2, 5, 4),
                                          _normal(2, 5, 2)),
     {"attn_mask": RNG.random((3, 5)) > 0.2}),
    ("MultiheadAttention", _mha(), _normal(5, 2, 4), {"num_heads": 2, "is_causal": True}),
    ("TransformerEncoderLayer", _encoder(), _normal(3, 2, 4),
     {"nhead": 2, "activation": "gelu", "norm_first": True, "dropout": 0.2, "masks": {
         "dropout": RNG.random((3, 2, 6)) > 0.2, "dropout1": RNG.random((3, 2, 4)) > 0.2,
         "dropout2": RNG.random((3, 2, 4)) > 0.2}}),
    *((name, {}, _normal(2, 3, 4), {"dim": 1}) for name in
      ("ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "SiLU", "Identity", "Softmax",
       "LogSoftmax")),
    ("GELU", {}, _normal(3, 4), {"approximate": "tanh"}),
    ("RNN", draw_parameters(RecurrentConfig("RNN", 3, 4, num_layers=2), seed=1),
     _normal(5, 2, 3), {"num_layers": 2}),
    ("LSTM", draw_parameters(RecurrentConfig("LSTM", 3, 4, bidirectional=True), seed=2),
     (_normal(5, 2, 3), _normal(2, 2, 4), _normal(2, 2, 4)), {"bidirectional": True}),
    ("GRU", draw_parameters(RecurrentConfig("GRU", 3, 4), seed=3),
     (_normal(2, 5, 3), _normal(1, 2, 4)), {"batch_first": True}),
]


def _to_device(device: StrictDevice, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _to_device(device, v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_to_device(device, v) for v in value)
    return device.asarray(value) if isinstance(value, np.ndarray) and value.ndim else value


def _same(host: Any, device: Any) -> None:
    """Equal numbers, the device's on the device."""
    if isinstance(host, dict):
        assert set(host) == set(device)
        for key in host:
            _same(host[key], device[key])
    elif isinstance(host, tuple):
        for h, d in zip(host, device, strict=True):
            _same(h, d)
    elif isinstance(host, np.ndarray) and host.ndim:
        assert isinstance(device, StrictDeviceArray)
        assert np.array_equal(host, device.get())
    elif host is not None:
        assert float(host) == float(device)


def test_every_registered_layer_has_a_device_case() -> None:
    assert {name for name, *_ in CASES} == set(LAYER_KERNELS)


@pytest.mark.parametrize("type_name, state, x, config", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_layer_keeps_to_the_device_boundary(type_name: str, state: dict, x: Any,
                                            config: dict) -> None:
    device, kernels = StrictDevice(), kernels_for(type_name)
    y, cache = kernels.forward(np, state, x, config)
    dy = np.random.default_rng(19).standard_normal(y.shape)
    host = (y, *kernels.backward(np, state, cache, dy, config), cache.get("buffers", {}))
    on = _to_device(device, {"state": state, "x": x, "config": config})
    y_dev, cache_dev = kernels.forward(device, on["state"], on["x"], on["config"])
    back = kernels.backward(device, on["state"], cache_dev, device.asarray(dy), on["config"])
    _same(host, (y_dev, *back, cache_dev.get("buffers", {})))


@pytest.mark.parametrize("name", sorted(LOSS_KERNELS))
def test_loss_keeps_to_the_device_boundary(name: str) -> None:
    device, kernels = StrictDevice(), loss_kernels_for(name)
    z = RNG.random((4, 3)) * 0.8 + 0.1
    target = RNG.integers(0, 3, 4) if name in ("CrossEntropyLoss", "NLLLoss") else RNG.random(
        (4, 3))
    config = {"label_smoothing": 0.1} if name == "CrossEntropyLoss" else {}
    loss, cache = kernels.forward(np, z, target, config)
    loss_dev, cache_dev = kernels.forward(device, device.asarray(z), device.asarray(target),
                                          config)
    assert float(loss) == float(loss_dev)
    _same(kernels.backward(np, cache, config), kernels.backward(device, cache_dev, config))


def test_the_fake_refuses_what_cupy_refuses() -> None:
    device = StrictDevice()
    on = device.asarray(np.ones(3))
    with pytest.raises(TypeError):
        np.where(on > 0, on, np.zeros(3))
    with pytest.raises(TypeError):
        on + np.ones(3)
    assert isinstance(device.zeros(3) + on, StrictDeviceArray)
