"""The vanishing/exploding statement on random cases: the product of step Jacobians is
BPTT's (dL/dh_t = (dh_T/dh_t)^T dL/dh_T with the loss on the last output), its norm is
below (gamma ||W_hh||_2)^(T-t) and ||W_hh||_2^(T-t), and so is ||dL/dh_t|| / ||dL/dh_T||."""

from __future__ import annotations

import numpy as np
import pytest

from derive.numeric.recurrent import RecurrentConfig, backward_through_time, forward
from derive.numeric.recurrent.vanishing import analyse


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_the_bound_holds_and_the_products_are_bptts(seed: int, nonlinearity: str) -> None:
    rng = np.random.default_rng(seed)
    config = RecurrentConfig("RNN", 2, 3, nonlinearity=nonlinearity)
    scale = [0.3, 1.0, 3.0][seed % 3]  # vanishing, middling, exploding
    params = {"weight_ih_l0": rng.normal(size=(3, 2)), "weight_hh_l0": scale * rng.normal(
        size=(3, 3)), "bias_ih_l0": rng.normal(size=3), "bias_hh_l0": rng.normal(size=3),
        "h0": rng.normal(size=(1, 2, 3))}
    x = rng.normal(size=(6, 2, 2))
    y, cache = forward(np, params, x, config)
    dy = np.zeros_like(y)
    dy[-1] = rng.normal(size=(2, 3))
    back = backward_through_time(np, params, cache, dy, config)
    result = analyse(config, params, cache, back, sample=1)
    last = dy[-1, 1]
    assert result.horizons[0].t == 6 and result.horizons[0].product_norm == pytest.approx(1)
    for h in result.horizons:
        gradient = back.grads["h0"][0, 1] if h.t == 0 else back.dh[0][0][h.t - 1][1]
        assert np.allclose(h.product.T @ last, gradient, atol=1e-12, rtol=1e-10)
        assert h.product_norm <= h.bound * (1 + 1e-12) + 1e-300
        assert h.bound <= h.unit_bound * (1 + 1e-12)  # gamma <= 1 for tanh and ReLU
        assert h.gradient_norm <= np.linalg.norm(last) * h.product_norm * (1 + 1e-12) + 1e-300
