"""Activation kernels and their derivatives, element-wise; `xp` is NumPy or CuPy.

>>> import numpy as np
>>> float(sigmoid(np, np.array(0.0))), float(sigmoid_prime(np, np.array(0.0)))
(0.5, 0.25)
>>> relu_prime(np, np.array([-1.0, 0.0, 2.0])).tolist()  # ReLU'(0) = 0
[0.0, 0.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derive.numeric.losses import log_softmax


def sigmoid(xp: Any, z: Any) -> Any:
    """1 / (1 + e^-z), written as (1 + tanh(z/2)) / 2 so no exp overflows."""
    return 0.5 * (1.0 + xp.tanh(0.5 * z))


def sigmoid_prime(xp: Any, z: Any) -> Any:
    """sigma(z) (1 - sigma(z))."""
    s = sigmoid(xp, z)
    return s * (1.0 - s)


def relu(xp: Any, z: Any) -> Any:
    """max(z, 0)."""
    return xp.maximum(z, 0.0)


def relu_prime(xp: Any, z: Any) -> Any:
    """1 where z > 0, else 0 (ReLU'(0) = 0 by convention)."""
    return (z > 0).astype(z.dtype)


def tanh(xp: Any, z: Any) -> Any:
    """tanh z."""
    return xp.tanh(z)


def tanh_prime(xp: Any, z: Any) -> Any:
    """1 - tanh^2 z."""
    return 1.0 - xp.tanh(z) ** 2


def leaky_relu(xp: Any, z: Any, slope: float) -> Any:
    """z where z > 0, else slope * z."""
    return xp.where(z > 0, z, slope * z)


def leaky_relu_prime(xp: Any, z: Any, slope: float) -> Any:
    """1 where z > 0, else slope."""
    return xp.where(z > 0, 1.0, slope).astype(z.dtype)


def identity(xp: Any, z: Any) -> Any:
    """z."""
    return z


def identity_prime(xp: Any, z: Any) -> Any:
    """1."""
    return xp.ones_like(z)


def softmax(xp: Any, z: Any) -> Any:
    """exp(z_i - LSE(z)) along the last axis."""
    return xp.exp(log_softmax(xp, z))


# name -> (g, g'), each (xp, z[, slope]); the symbolic rules in derive.symbolic.activations
# point here, so derivations, checks and the trainer run the same kernels
ACTIVATION_KERNELS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "sigmoid": (sigmoid, sigmoid_prime), "relu": (relu, relu_prime), "tanh": (tanh, tanh_prime),
    "leaky_relu": (leaky_relu, leaky_relu_prime), "identity": (identity, identity_prime),
}
