"""BatchNorm1d/2d (training and eval, running statistics), LayerNorm and GroupNorm: against
torch autograd and central differences."""

from __future__ import annotations

import numpy as np
import pytest

from derive.numeric.layers import check_layer, kernels_for
from tests.numeric.oracle import (
    FD_TOLERANCE,
    TOLERANCE,
    against_torch,
    module,
    run_kernels,
    state_of,
)

CASES = [
    ("BatchNorm2d", (3,), {}, (4, 3, 3, 3)),
    ("BatchNorm2d", (3,), {"momentum": 0.3, "eps": 1e-3}, (2, 3, 2, 4)),
    ("BatchNorm2d", (3,), {"momentum": None}, (4, 3, 3, 3)),
    ("BatchNorm2d", (3,), {"affine": False}, (4, 3, 3, 3)),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, (4, 3, 3, 3)),
    ("BatchNorm1d", (3,), {}, (5, 3)),
    ("BatchNorm1d", (3,), {}, (4, 3, 6)),
    ("LayerNorm", (5,), {}, (2, 3, 5)),
    ("LayerNorm", ((4, 5),), {"eps": 1e-3}, (2, 4, 5)),
    ("LayerNorm", (5,), {"elementwise_affine": False}, (2, 3, 5)),
    ("LayerNorm", (5,), {"bias": False}, (2, 3, 5)),
    ("GroupNorm", (2, 6), {}, (3, 6, 2, 3)),
    ("GroupNorm", (3, 6), {"affine": False}, (3, 6, 4)),
]


def _config(type_name: str, args: tuple, kwargs: dict) -> dict:
    first = {"LayerNorm": "normalized_shape", "GroupNorm": "num_groups"}.get(type_name)
    return {**({first: args[0]} if first else {}), **kwargs}


@pytest.mark.parametrize("type_name, args, kwargs, shape", CASES)
def test_norm_matches_torch_and_differences(type_name: str, args: tuple, kwargs: dict,
                                            shape: tuple[int, ...]) -> None:
    """Outputs, dX, dgamma, dbeta and (BatchNorm, training) the running statistics, with the
    unbiased batch variance, and num_batches_tracked."""
    x = np.random.default_rng(2).standard_normal(shape) * 2 + 0.5
    layer = module(type_name, *args, **kwargs)
    config = _config(type_name, args, kwargs)
    assert against_torch(type_name, layer, x, config) < TOLERANCE
    assert check_layer(kernels_for(type_name), state_of(layer), x, config) < FD_TOLERANCE


@pytest.mark.parametrize("type_name", ["BatchNorm1d", "BatchNorm2d"])
def test_batch_norm_eval_uses_the_running_statistics(type_name: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    layer = module(type_name, 3).eval()
    with torch.no_grad():
        layer.running_mean.copy_(torch.tensor(rng.standard_normal(3)))
        layer.running_var.copy_(torch.tensor(rng.random(3) + 0.5))
    x = rng.standard_normal((4, 3, 5) if type_name == "BatchNorm1d" else (4, 3, 2, 2))
    config = {"training": False}
    assert against_torch(type_name, layer, x, config) < TOLERANCE
    assert check_layer(kernels_for(type_name), state_of(layer), x, config) < FD_TOLERANCE


def test_running_statistics_follow_torchs_update_over_steps() -> None:
    """new = 0.9 old + 0.1 batch, the batch variance unbiased, over three training steps."""
    torch = pytest.importorskip("torch")
    layer = module("BatchNorm2d", 2)
    state = state_of(layer)
    rng = np.random.default_rng(6)
    for _ in range(3):
        x = rng.standard_normal((3, 2, 2, 2)) * 3
        outcome = run_kernels("BatchNorm2d", state, x, np.ones((3, 2, 2, 2)), {})
        var = x.var(axis=(0, 2, 3), ddof=1)
        assert np.allclose(outcome.buffers["running_var"], 0.9 * state["running_var"] + 0.1 * var)
        layer(torch.tensor(x))
        state = {**state, **outcome.buffers}
    for name, tensor in layer.named_buffers():
        assert np.allclose(state[name], tensor.numpy(), rtol=0, atol=1e-12)
