"""Activation layers and Dropout: Y = f(X) entry by entry, so dX = dY f'(X).

  ReLU       f = max(x, 0), f' = [x > 0] (ReLU'(0) = 0, as torch)
  LeakyReLU  f = x or a x, f' = 1 or a (negative_slope a = 0.01)
  Sigmoid    f = s(x), f' = s(x) (1 - s(x));   Tanh  f' = 1 - tanh^2 x
  GELU       f = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2, f' = Phi(x) + x phi(x);
             approximate='tanh': f = x (1 + tanh u) / 2, u = sqrt(2/pi) (x + 0.044715 x^3),
             f' = (1 + tanh u) / 2 + x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 0.044715 x^2) / 2
  SiLU       f = x s(x), f' = s(x) (1 + x (1 - s(x)))
  Dropout    f = m x / (1 - p) with the given mask m (training), else x

>>> import numpy as np
>>> y, cache = kernels()["SiLU"][0](np, {}, np.array([0.0, 1.0]), {})
>>> [round(v, 6) for v in y.tolist()]
[0.0, 0.731059]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from derive.errors import InputError
from derive.numeric import activations
from derive.numeric.layers.registry import Cache, Config, State, option, register
from derive.numeric.layers.special import erf

Pointwise = Callable[[Any, Any, Config], Any]  # (xp, x, config) -> array
GELU_C = 0.044715


def _gelu(xp: Any, x: Any, config: Config) -> Any:
    if option(config, "approximate", "none") == "tanh":
        u = math.sqrt(2 / math.pi) * (x + GELU_C * x**3)
        return 0.5 * x * (1.0 + xp.tanh(u))
    return 0.5 * x * (1.0 + erf(xp, x / math.sqrt(2.0)))


def _gelu_prime(xp: Any, x: Any, config: Config) -> Any:
    if option(config, "approximate", "none") == "tanh":
        t = xp.tanh(math.sqrt(2 / math.pi) * (x + GELU_C * x**3))
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * math.sqrt(2 / math.pi) * (
            1.0 + 3 * GELU_C * x * x)
    Phi = 0.5 * (1.0 + erf(xp, x / math.sqrt(2.0)))
    return Phi + x * xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _silu_prime(xp: Any, x: Any, config: Config) -> Any:
    s = activations.sigmoid(xp, x)
    return s * (1.0 + x * (1.0 - s))


def _slope(config: Config) -> float:
    return float(option(config, "negative_slope", 0.01))


POINTWISE: dict[str, tuple[Pointwise, Pointwise]] = {
    "ReLU": (lambda xp, x, c: activations.relu(xp, x),
             lambda xp, x, c: activations.relu_prime(xp, x)),
    "LeakyReLU": (lambda xp, x, c: activations.leaky_relu(xp, x, _slope(c)),
                  lambda xp, x, c: activations.leaky_relu_prime(xp, x, _slope(c))),
    "Sigmoid": (lambda xp, x, c: activations.sigmoid(xp, x),
                lambda xp, x, c: activations.sigmoid_prime(xp, x)),
    "Tanh": (lambda xp, x, c: activations.tanh(xp, x),
             lambda xp, x, c: activations.tanh_prime(xp, x)),
    "GELU": (_gelu, _gelu_prime),
    "SiLU": (lambda xp, x, c: x * activations.sigmoid(xp, x), _silu_prime),
    "Identity": (lambda xp, x, c: x, lambda xp, x, c: xp.ones_like(x)),
}


def _pointwise(f: Pointwise, f_prime: Pointwise) -> tuple[Any, Any]:
    def forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
        return f(xp, x, config), {"x": x}

    def backward(xp: Any, state: State, cache: Cache, dy: Any,
                 config: Config) -> tuple[Any, dict[str, Any]]:
        return dy * f_prime(xp, cache["x"], config), {}

    return forward, backward


KINKS = {"ReLU": "ReLU'(0) = 0",
         "LeakyReLU": "at 0 the slope of the negative side, LeakyReLU'(0) = negative_slope"}


def kernels() -> dict[str, tuple[Any, Any]]:
    """(forward, backward) per activation layer type."""
    return {name: _pointwise(*pair) for name, pair in POINTWISE.items()}


def dropout_scale(xp: Any, config: Config) -> Any:
    """m / (1 - p) in training mode (the mask is required: derive draws no randomness), or
    None when the layer is the identity."""
    p = float(option(config, "p", 0.5))
    if not option(config, "training", True) or p == 0.0:
        return None
    if config.get("mask") is None:
        raise InputError("Dropout in training mode needs its mask (or training=False)")
    if p >= 1.0:
        return xp.zeros_like(config["mask"], dtype=float)
    return config["mask"] * (1.0 / (1.0 - p))


def dropout_forward(xp: Any, state: State, x: Any, config: Config) -> tuple[Any, Cache]:
    """Y = m X / (1 - p) (inverted dropout), or X."""
    scale = dropout_scale(xp, config)
    return (x if scale is None else x * scale), {"scale": scale}


def dropout_backward(xp: Any, state: State, cache: Cache, dy: Any,
                     config: Config) -> tuple[Any, dict[str, Any]]:
    """dX = m dY / (1 - p), or dY."""
    return (dy if cache["scale"] is None else dy * cache["scale"]), {}


for _name, (_forward, _backward) in kernels().items():
    register(_name, _forward, _backward, kink=KINKS.get(_name, ""))
register("Dropout", dropout_forward, dropout_backward)
