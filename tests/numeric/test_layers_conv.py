"""Conv1d/Conv2d/ConvTranspose2d and the pools: against torch autograd and central differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.numeric.layers import check_layer, kernels_for
from derive.numeric.layers.conv import conv_backward, conv_forward
from tests.numeric.oracle import FD_TOLERANCE, TOLERANCE, against_torch, module, state_of

CONVS = [
    ("Conv2d", (4, 6, 3), {}),
    ("Conv2d", (4, 6, (2, 3)), {"stride": 2, "padding": 1}),
    ("Conv2d", (4, 6, 3), {"stride": (2, 1), "padding": 2, "dilation": 2, "groups": 2}),
    ("Conv2d", (4, 4, 3), {"padding": "same", "dilation": (1, 2), "groups": 4}),
    ("Conv2d", (4, 6, 2), {"padding": "same", "bias": False}),
    ("Conv2d", (4, 6, 3), {"stride": 3, "padding": "valid"}),
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}),
    ("Conv1d", (4, 6, 4), {"padding": "same"}),
    ("ConvTranspose2d", (4, 6, 3), {}),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ("ConvTranspose2d", (4, 6, (2, 3)), {"stride": 3, "padding": 2, "dilation": 2,
                                         "groups": 2, "output_padding": 2, "bias": False}),
]


def _input(type_name: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.filterwarnings("ignore:Using padding=.same.")
@pytest.mark.parametrize("type_name, args, kwargs", CONVS)
def test_conv_matches_torch_and_differences(type_name: str, args: tuple, kwargs: dict) -> None:
    x = _input(type_name, (2, 4, 7) if type_name == "Conv1d" else (2, 4, 7, 6))
    layer = module(type_name, *args, **kwargs)
    config = {k: v for k, v in kwargs.items() if k != "bias"}
    assert against_torch(type_name, layer, x, config) < TOLERANCE
    assert check_layer(kernels_for(type_name), state_of(layer), x, config) < FD_TOLERANCE


@settings(max_examples=25, deadline=None)
@given(stride=st.integers(1, 3), padding=st.integers(0, 2), dilation=st.integers(1, 2),
       groups=st.sampled_from([1, 2]), kernel=st.integers(1, 3), size=st.integers(6, 9))
def test_random_conv2d_matches_torch(stride: int, padding: int, dilation: int, groups: int,
                                     kernel: int, size: int) -> None:
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    layer = module("Conv2d", 2, 4, kernel, **kwargs)
    assert against_torch("Conv2d", layer, _input("Conv2d", (2, 2, size, size - 1)),
                         kwargs) < TOLERANCE


def test_conv_input_gradient_is_the_full_correlation_with_the_rotated_kernel() -> None:
    """dL/dX = dY dilated by the stride, padded by d (k - 1) - p, cross-correlated with W
    rotated 180 degrees (channels swapped): the formula in conv.py's docstring."""
    rng = np.random.default_rng(3)
    W, x, config = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((1, 2, 8, 8)), {
        "stride": 2, "padding": 1}
    y, cache = conv_forward(np, {"weight": W}, x, config)
    dy = rng.standard_normal(y.shape)
    dx, _ = conv_backward(np, {"weight": W}, cache, dy, config)
    # s - 1 zeros between entries, and after the last up to H + 2p - d(k - 1) entries
    dilated = np.zeros((1, 3, 8 + 2 - 2, 8 + 2 - 2))
    dilated[:, :, ::2, ::2] = dy
    rotated = W[:, :, ::-1, ::-1].swapaxes(0, 1)
    full, _ = conv_forward(np, {"weight": rotated}, dilated, {"padding": 2 - 1})
    assert np.allclose(dx, full, atol=1e-12)


POOLS = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("MaxPool2d", ((2, 3),), {"stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False,
                         "ceil_mode": True}),
    ("AdaptiveAvgPool2d", (3,), {}),
    ("AdaptiveAvgPool2d", ((2, None),), {}),
]


def _pool_config(type_name: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    key = "output_size" if type_name.startswith("Adaptive") else "kernel_size"
    return {key: args[0], **kwargs}


@pytest.mark.parametrize("type_name, args, kwargs", POOLS)
@pytest.mark.parametrize("ties", [False, True])
def test_pool_matches_torch(type_name: str, args: tuple, kwargs: dict, ties: bool) -> None:
    """With ties (small integers) max-pool's gradient goes to the first maximum, as torch's."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, (2, 3, 7, 8)).astype(float) if ties else rng.standard_normal(
        (2, 3, 7, 8))
    layer = module(type_name, *args, **kwargs)
    config = _pool_config(type_name, args, kwargs)
    assert against_torch(type_name, layer, x, config) < TOLERANCE
    if not ties:
        assert check_layer(kernels_for(type_name), {}, x, config) < FD_TOLERANCE


def test_a_tie_routes_the_gradient_to_the_first_maximum() -> None:
    kernels = kernels_for("MaxPool2d")
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    y, cache = kernels.forward(np, {}, x, {"kernel_size": 2})
    dx, _ = kernels.backward(np, {}, cache, np.ones_like(y), {"kernel_size": 2})
    assert dx.tolist() == [[[[0.0, 1.0], [0.0, 0.0]]]]
