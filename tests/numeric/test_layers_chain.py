"""Whole chains against torch autograd and torch.optim.SGD; the registry's refusal; the
checker's random-direction mode."""

from __future__ import annotations

import numpy as np
import pytest

from derive.errors import InputError
from derive.numeric.layers import (
    Step,
    chain_backward,
    chain_buffers,
    chain_forward,
    check_layer,
    kernels_for,
    layer_residuals,
    loss_kernels_for,
)
from tests.numeric.oracle import TOLERANCE, module, state_of

LENET_ISH = [Step("0", "Conv2d", {"padding": 1}), Step("1", "ReLU"),
             Step("2", "MaxPool2d", {"kernel_size": 2}), Step("3", "Flatten"),
             Step("4", "Linear")]
NORMED = [Step("0", "Conv2d", {"stride": 2}), Step("1", "BatchNorm2d"), Step("2", "GELU"),
          Step("3", "AdaptiveAvgPool2d", {"output_size": 1}), Step("4", "Flatten"),
          Step("5", "Linear")]


def _torch_chain(steps: list[Step]) -> object:
    torch = pytest.importorskip("torch")
    layers = {"Conv2d": lambda: torch.nn.Conv2d(2, 3, 3, padding=1) if steps is LENET_ISH
              else torch.nn.Conv2d(2, 3, 3, stride=2),
              "ReLU": torch.nn.ReLU, "MaxPool2d": lambda: torch.nn.MaxPool2d(2),
              "Flatten": torch.nn.Flatten, "BatchNorm2d": lambda: torch.nn.BatchNorm2d(3),
              "GELU": torch.nn.GELU, "AdaptiveAvgPool2d": lambda: torch.nn.AdaptiveAvgPool2d(1),
              "Linear": lambda: torch.nn.Linear(48 if steps is LENET_ISH else 3, 4)}
    torch.manual_seed(0)
    return torch.nn.Sequential(*(layers[s.layer_type]() for s in steps)).double()


@pytest.mark.parametrize("steps", [LENET_ISH, NORMED], ids=["conv-relu-pool", "conv-bn"])
def test_chain_with_softmax_cross_entropy_matches_torch_and_sgd(steps: list[Step]) -> None:
    """Loss, every gradient by state_dict name, the buffers, and one SGD step (lr 0.1)."""
    torch = pytest.importorskip("torch")
    net = _torch_chain(steps)
    rng = np.random.default_rng(20)
    x, target = rng.standard_normal((3, 2, 8, 8)), np.array([0, 3, 1])
    state = state_of(net)
    loss_fn = loss_kernels_for("CrossEntropyLoss")
    y, tape = chain_forward(np, steps, state, x)
    loss, loss_cache = loss_fn.forward(np, y, target, {})
    _, grads = chain_backward(np, tape, loss_fn.backward(np, loss_cache, {}))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    expected = torch.nn.CrossEntropyLoss()(net(torch.tensor(x)), torch.tensor(target))
    expected.backward()
    assert abs(float(loss) - expected.item()) < TOLERANCE
    parameters = dict(net.named_parameters())
    assert set(grads) == set(parameters)
    for name, p in parameters.items():
        assert np.max(np.abs(grads[name] - p.grad.numpy())) < TOLERANCE, name
    for name, value in chain_buffers(tape).items():
        assert np.allclose(value, net.state_dict()[name].numpy(), rtol=0, atol=TOLERANCE)
    optimizer.step()
    for name, p in parameters.items():
        assert np.max(np.abs(state[name] - 0.1 * grads[name] - p.detach().numpy())) < TOLERANCE


def test_the_whole_chain_gradient_matches_differences_of_the_loss() -> None:
    net = _torch_chain(LENET_ISH)
    state, x = state_of(net), np.random.default_rng(21).standard_normal((2, 2, 8, 8))
    target = np.array([1, 2])
    loss_fn = loss_kernels_for("CrossEntropyLoss")

    def loss_of(params: dict) -> float:
        y, _ = chain_forward(np, LENET_ISH, params, x)
        return float(loss_fn.forward(np, y, target, {})[0])

    y, tape = chain_forward(np, LENET_ISH, state, x)
    _, cache = loss_fn.forward(np, y, target, {})
    _, grads = chain_backward(np, tape, loss_fn.backward(np, cache, {}))
    for name in ("0.weight", "4.bias"):
        step, index = 1e-6, (0,) * state[name].ndim
        up, down = dict(state), dict(state)
        up[name], down[name] = state[name].copy(), state[name].copy()
        up[name][index] += step
        down[name][index] -= step
        numeric = (loss_of(up) - loss_of(down)) / (2 * step)
        assert abs(numeric - grads[name][index]) < 1e-7 * max(1.0, abs(numeric))


def test_a_layer_without_numerics_is_named_not_skipped() -> None:
    with pytest.raises(InputError, match="^layer Bilinear has no numerics yet"):
        kernels_for("Bilinear")
    with pytest.raises(InputError, match="layer Bilinear has no numerics yet"):
        chain_forward(np, [Step("0", "Bilinear")], {}, np.ones(2))


def test_large_tensors_are_checked_along_random_directions() -> None:
    """Above `entries`, a few directional differences; a wrong gradient is still caught."""
    layer = module("Conv2d", 4, 8, 3, padding=1, scale=0.3)
    x = np.random.default_rng(22).standard_normal((2, 4, 12, 12))  # 1152 entries
    kernels = kernels_for("Conv2d")
    residuals = layer_residuals(kernels, state_of(layer), x, {"padding": 1}, entries=100)
    assert max(residuals.values()) < 1e-6 and set(residuals) == {"input", "weight", "bias"}

    def wrong(xp, state, cache, dy, config):  # type: ignore[no-untyped-def]
        dx, grads = kernels.backward(xp, state, cache, dy, config)
        return dx * 1.01, grads

    broken = type(kernels)(kernels.name, kernels.forward, wrong, kernels.params)
    assert check_layer(broken, state_of(layer), x, {"padding": 1}, entries=100) > 1e-3
