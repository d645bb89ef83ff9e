"""Why a vanilla RNN's gradients vanish or explode, in numbers.

With h_k = act(a_k), a_k = W_ih x_k + b_ih + W_hh h_{k-1} + b_hh (column vectors), the
Jacobian of one step is dh_k/dh_{k-1} = diag(act'(a_k)) W_hh, so

    dh_T/dh_t = prod_{k=T}^{t+1} diag(act'(a_k)) W_hh        (the latest step on the left)
    ||dh_T/dh_t||_2 <= prod_k ||diag(act'(a_k))||_2 ||W_hh||_2 <= (gamma ||W_hh||_2)^(T-t)

by submultiplicativity, ||diag(v)||_2 = max_j |v_j|, and gamma = max_{k,j} |act'(a_kj)| over
the sequence's steps (at most sup tanh' = 1, so also <= ||W_hh||_2^(T-t)). With the loss on
the last output, dL/dh_t = (dh_T/dh_t)^T dL/dh_T, so ||dL/dh_t|| <= ||dL/dh_T|| times the
same norm: gamma ||W_hh||_2 < 1 makes it vanish geometrically; > 1 allows it to explode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from derive.numeric.recurrent.config import RecurrentConfig
from derive.numeric.recurrent.sequence import Backward, Forward
from derive.numeric.recurrent.trace import host


@dataclass(frozen=True)
class Horizon:
    """What reaches h_t from h_T, for one t (h_0 the initial state)."""

    t: int
    product: np.ndarray  # dh_T/dh_t, H x H
    product_norm: float  # its spectral norm
    bound: float  # (gamma ||W_hh||_2)^(T-t)
    unit_bound: float  # ||W_hh||_2^(T-t): gamma replaced by sup |tanh'| = 1
    gradient_norm: float  # ||dL/dh_t||_2 of the chosen example


@dataclass(frozen=True)
class Vanishing:
    """The analysis of one example: gamma, ||W_hh||_2, and every horizon t = T, ..., 0."""

    gamma: float
    W_hh_norm: float
    horizons: tuple[Horizon, ...]


def derivatives(config: RecurrentConfig, cache: Forward, sample: int) -> list[np.ndarray]:
    """act'(a_k) for k = 1..T of one example: 1 - h_k^2 for tanh, [a_k > 0] for ReLU."""
    records = cache.runs[0][0].records
    if config.nonlinearity == "relu":
        return [(host(r["a"])[sample] > 0).astype(float) for r in records]
    return [1.0 - host(r["h"])[sample] ** 2 for r in records]


def analyse(config: RecurrentConfig, params: dict[str, Any], cache: Forward, back: Backward,
            sample: int = 0) -> Vanishing:
    """Products of step Jacobians, their spectral norms, the bounds, ||dL/dh_t||."""
    if config.mode != "RNN" or config.num_layers != 1 or config.bidirectional:
        raise ValueError("the analysis is for a one-layer, one-direction vanilla RNN")
    W_hh = host(params["weight_hh_l0"])
    slopes = derivatives(config, cache, sample)
    gamma, norm = float(max(np.abs(s).max() for s in slopes)), float(np.linalg.norm(W_hh, 2))
    steps = len(slopes)
    gradients = [host(back.grads["h0"])[0, sample]] + [
        host(dh)[sample] for dh in back.dh[0][0]]
    product, horizons = np.eye(W_hh.shape[0]), []
    for t in range(steps, -1, -1):
        if t < steps:
            product = product @ (slopes[t][:, None] * W_hh)  # times dh_{t+1}/dh_t
        power = steps - t
        horizons.append(Horizon(t, product.copy(), float(np.linalg.norm(product, 2)),
                                (gamma * norm) ** power, norm ** power,
                                float(np.linalg.norm(gradients[t]))))
    return Vanishing(gamma, norm, tuple(horizons))
