"""The loss modules: against torch autograd and central differences."""

from __future__ import annotations

import numpy as np
import pytest

from derive.errors import InputError
from derive.numeric.layers import check_loss, loss_kernels_for
from tests.numeric.oracle import FD_TOLERANCE, TOLERANCE

RNG = np.random.default_rng(17)
LOGITS = RNG.standard_normal((4, 5)) * 2
INDEX = np.array([0, 3, -100, 4])
SOFT = RNG.dirichlet(np.ones(5), 4)
ONE_HOT = np.eye(5)[[1, 0, 4, 2]]
CASES = [
    ("CrossEntropyLoss", {}, LOGITS, INDEX),
    ("CrossEntropyLoss", {"reduction": "sum"}, LOGITS, INDEX),
    ("CrossEntropyLoss", {"label_smoothing": 0.2}, LOGITS, INDEX),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "reduction": "sum"}, LOGITS, SOFT),
    ("CrossEntropyLoss", {}, LOGITS, ONE_HOT),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, RNG.standard_normal((2, 5, 3)),
     RNG.integers(0, 5, (2, 3))),
    ("CrossEntropyLoss", {"ignore_index": 3}, LOGITS, np.array([0, 3, 1, 4])),
    ("NLLLoss", {}, np.log(SOFT), INDEX),
    ("NLLLoss", {"reduction": "sum"}, np.log(SOFT), np.array([1, 2, 3, 4])),
    ("MSELoss", {}, LOGITS, SOFT),
    ("MSELoss", {"reduction": "sum"}, LOGITS, SOFT),
    ("BCELoss", {}, 1 / (1 + np.exp(-LOGITS)), SOFT),
    ("BCELoss", {"reduction": "sum"}, 1 / (1 + np.exp(-LOGITS)), ONE_HOT),
    ("BCEWithLogitsLoss", {}, LOGITS * 10, SOFT),
    ("BCEWithLogitsLoss", {"reduction": "sum"}, LOGITS, ONE_HOT),
]


@pytest.mark.parametrize("name, config, z, target", CASES)
def test_loss_matches_torch_and_differences(name: str, config: dict, z: np.ndarray,
                                            target: np.ndarray) -> None:
    torch = pytest.importorskip("torch")
    tensor = torch.tensor(z, requires_grad=True)
    expected = getattr(torch.nn, name)(**config)(tensor, torch.tensor(target))
    expected.backward()
    kernels = loss_kernels_for(name)
    loss, cache = kernels.forward(np, z, target, config)
    assert abs(float(loss) - expected.item()) < TOLERANCE
    assert np.max(np.abs(kernels.backward(np, cache, config) - tensor.grad.numpy())) < TOLERANCE
    assert check_loss(kernels, z, target, config) < FD_TOLERANCE


def test_mse_with_one_half_halves_the_loss_and_its_gradient() -> None:
    kernels = loss_kernels_for("MSELoss")
    full, full_cache = kernels.forward(np, LOGITS, SOFT, {"reduction": "sum"})
    half, half_cache = kernels.forward(np, LOGITS, SOFT, {"reduction": "sum", "half": True})
    assert np.isclose(half, full / 2)
    assert np.allclose(kernels.backward(np, half_cache, {}), LOGITS - SOFT)


def test_an_unknown_loss_or_reduction_is_refused_by_name() -> None:
    with pytest.raises(InputError, match="loss HingeEmbeddingLoss has no numerics yet"):
        loss_kernels_for("HingeEmbeddingLoss")
    with pytest.raises(InputError, match="reduction 'none'"):
        loss_kernels_for("MSELoss").forward(np, LOGITS, SOFT, {"reduction": "none"})
