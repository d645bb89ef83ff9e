"""Gradients at kinks (max-pool ties, ReLU at 0): the backward follows torch's rule there,
checked against torch autograd; differences judge only the differentiable entries, a
residual no kink explains raises, and no step claims a difference check it did not pass."""

from __future__ import annotations

import numpy as np
import pytest

from derive import load, problem, solve
from derive.errors import VerificationError
from derive.numeric.layers import judge_layer, kernels_for
from derive.numeric.layers.check import TOLERANCE

# tied maxima in every window (zeros as a ReLU leaves them, and a pair of equal 3s)
TIED = np.array([[[[0.0, 0.0, 3.0, 3.0], [0.0, 0.0, 1.0, -2.0],
                   [5.0, 0.0, 0.0, 0.0], [5.0, 1.0, 0.0, -1.0]]]])
DY = np.array([[[[0.5, -1.0], [2.0, 0.25]]]])


def _torch_grad(module: object, x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, requires_grad=True)
    module(t).backward(torch.tensor(dy))  # type: ignore[operator]
    return t.grad.numpy()


def test_maxpool_ties_match_torch_and_are_counted_as_kinks() -> None:
    torch = pytest.importorskip("torch")
    kernels = kernels_for("MaxPool2d")
    config = {"kernel_size": 2}
    y, cache = kernels.forward(np, {}, TIED, config)
    dx, _ = kernels.backward(np, {}, cache, DY, config)
    assert np.array_equal(dx, _torch_grad(torch.nn.MaxPool2d(2).double(), TIED, DY))
    judged = judge_layer(kernels, {}, TIED, config, DY)
    # windows: four zeros, a pair of 3s, two 5s, four tied zeros among smaller entries
    assert judged["input"].kinks == 4 + 2 + 2 + 3
    assert judged["input"].residual <= TOLERANCE


def test_relu_at_zero_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, -1.0, 2.0, 0.0]])
    dy = np.array([[1.0, 2.0, 3.0, -4.0]])
    kernels = kernels_for("ReLU")
    _, cache = kernels.forward(np, {}, x, {})
    dx, _ = kernels.backward(np, {}, cache, dy, {})
    assert np.array_equal(dx, _torch_grad(torch.nn.ReLU(), x, dy))
    assert judge_layer(kernels, {}, x, {}, dy)["input"].kinks == 2


def test_a_backward_that_no_kink_explains_raises() -> None:
    """Doubling the gradient at a tie matches neither one-sided difference: an error."""
    kernels = kernels_for("MaxPool2d")

    def doubled(xp, state, cache, dy, config):  # type: ignore[no-untyped-def]
        dx, grads = kernels.backward(xp, state, cache, dy, config)
        return dx * 2, grads

    broken = type(kernels)(kernels.name, kernels.forward, doubled)
    with pytest.raises(VerificationError, match="no kink"):
        judge_layer(broken, {}, TIED, {"kernel_size": 2}, DY)


def test_a_smooth_wrong_backward_still_raises() -> None:
    kernels = kernels_for("Tanh")

    def wrong(xp, state, cache, dy, config):  # type: ignore[no-untyped-def]
        dx, grads = kernels.backward(xp, state, cache, dy, config)
        return dx * 1.001, grads

    broken = type(kernels)(kernels.name, kernels.forward, wrong)
    with pytest.raises(VerificationError):
        judge_layer(broken, {}, np.array([[0.3, -0.7]]), {}, np.array([[1.0, 2.0]]))


def test_conv_pool_linear_marks_no_difference_check_at_the_ties() -> None:
    """examples/layers.toml's CNN: Y_1 = ReLU(Y_0) has tied zeros in its pooling windows.
    Its MaxPool step is not marked verified, a note says why, every remaining check is within
    the tolerance, and every gradient is torch's."""
    torch = pytest.importorskip("torch")
    from derive.models import parse_layers
    from tests.models.torch_build import build

    item = next(p for p in load("examples/layers.toml").problems if p.id == "conv-pool-linear")
    solution = solve(item)
    pooled = [s for s in solution.steps if "(MaxPool2d) backward" in s.why]
    assert len(pooled) == 1 and pooled[0].check is None
    assert all(s.check is None or s.check <= TOLERANCE for s in solution.steps)
    assert any("sit on a kink" in note and "first maximum" in note for note in solution.notes)

    run = item.run()
    net = build(parse_layers(list(item.layers))).double()
    net.load_state_dict({k: torch.tensor(v) for k, v in run.state.items()}, strict=False)
    x = torch.tensor(run.x, requires_grad=True)
    outputs = []
    h = x
    for attribute in net.order:
        h = getattr(net, attribute)(h)
        h.retain_grad()
        outputs.append(h)
    torch.nn.CrossEntropyLoss()(h, torch.tensor(run.target)).backward()
    for name, grad in [("X", x.grad)] + [(f"Y_{i}", out.grad) for i, out in
                                         enumerate(outputs)]:
        got = np.asarray(solution.answers[f"dL/d{name}"]).reshape(grad.shape)
        assert np.allclose(got, grad.numpy(), atol=1e-12), name


def test_layer_grad_maxpool_ties_say_so() -> None:
    torch = pytest.importorskip("torch")
    solution = solve(problem("layer-grad", layer="MaxPool2d(2)", x=TIED.tolist(),
                             grad_output=DY.tolist()))
    expected = _torch_grad(torch.nn.MaxPool2d(2).double(), TIED, DY)
    assert np.asarray(solution.answers["dL/dX"]).reshape(expected.shape).tolist() == \
        expected.tolist()
    assert any("11 entries of X sit on a kink" in note for note in solution.notes)
