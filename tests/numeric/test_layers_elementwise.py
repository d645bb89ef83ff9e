"""Activations, Softmax/LogSoftmax, Dropout, Linear, Flatten and Embedding: against torch
autograd and central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from derive.errors import InputError
from derive.numeric.layers import check_layer, kernels_for
from derive.numeric.layers.special import erf
from tests.numeric.oracle import (
    FD_TOLERANCE,
    TOLERANCE,
    against_torch,
    max_difference,
    module,
    run_kernels,
    run_torch,
    state_of,
)

POINTWISE = [
    ("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("LeakyReLU", {}), ("Sigmoid", {}),
    ("Tanh", {}), ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}),
    ("Identity", {}), ("Softmax", {"dim": 1}), ("Softmax", {"dim": -1}),
    ("LogSoftmax", {"dim": 0}), ("LogSoftmax", {"dim": 2}),
]


@pytest.mark.parametrize("type_name, kwargs", POINTWISE)
def test_activation_matches_torch_and_differences(type_name: str, kwargs: dict) -> None:
    x = np.random.default_rng(7).standard_normal((2, 3, 4)) * 3
    assert against_torch(type_name, module(type_name, **kwargs), x, kwargs) < TOLERANCE
    assert check_layer(kernels_for(type_name), {}, x, kwargs) < FD_TOLERANCE


def test_erf_agrees_with_torch_to_float64() -> None:
    torch = pytest.importorskip("torch")
    x = np.linspace(-9, 9, 20001)
    assert np.max(np.abs(erf(np, x) - torch.erf(torch.tensor(x)).numpy())) < 5e-15
    assert erf(np, np.array([math.inf, -math.inf])).tolist() == [1.0, -1.0]


@pytest.mark.parametrize("p", [0.25, 0.5])
def test_dropout_with_a_given_mask_scales_by_one_over_keep(p: float) -> None:
    rng = np.random.default_rng(8)
    x, mask = rng.standard_normal((3, 4)), rng.random((3, 4)) > p
    config = {"p": p, "mask": mask}
    outcome = run_kernels("Dropout", {}, x, np.ones((3, 4)), config)
    assert np.allclose(outcome.y, x * mask / (1 - p))
    assert np.allclose(outcome.dx, mask / (1 - p))
    assert check_layer(kernels_for("Dropout"), {}, x, config) < FD_TOLERANCE
    eval_mode = run_kernels("Dropout", {}, x, np.ones((3, 4)), {"p": p, "training": False})
    assert np.array_equal(eval_mode.y, x)


def test_dropout_in_training_without_its_mask_is_refused() -> None:
    with pytest.raises(InputError, match="mask"):
        run_kernels("Dropout", {}, np.ones(3), np.ones(3), {"p": 0.5})


@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch_and_differences(bias: bool) -> None:
    layer = module("Linear", 4, 3, bias=bias)
    x = np.random.default_rng(9).standard_normal((2, 5, 4))
    assert against_torch("Linear", layer, x, {}) < TOLERANCE
    assert check_layer(kernels_for("Linear"), state_of(layer), x, {}) < FD_TOLERANCE


@pytest.mark.parametrize("start, end", [(1, -1), (0, 2), (2, 3)])
def test_flatten_matches_torch(start: int, end: int) -> None:
    x = np.random.default_rng(10).standard_normal((2, 3, 4, 5))
    config = {"start_dim": start, "end_dim": end}
    assert against_torch("Flatten", module("Flatten", start, end), x, config) == 0.0


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx: int | None) -> None:
    """dW sums the rows of dY by index; the padding row gets no gradient (by torch's
    definition, not the derivative, so differences check the case without one)."""
    layer = module("Embedding", 7, 4, padding_idx=padding_idx)
    x = np.random.default_rng(11).integers(0, 7, (3, 5))
    x[0, :3] = [2, 6, 2]
    config = {"padding_idx": padding_idx}
    dy = np.random.default_rng(12).standard_normal((3, 5, 4))
    ours, theirs = run_kernels("Embedding", state_of(layer), x, dy, config), run_torch(
        layer, x, dy)
    assert ours.dx is None and max_difference(ours, theirs) < TOLERANCE
    if padding_idx is None:
        assert check_layer(kernels_for("Embedding"), state_of(layer), x, config) < FD_TOLERANCE
