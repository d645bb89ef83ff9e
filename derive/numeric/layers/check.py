"""Each layer's backward checked against central differences of its forward (float64, NumPy).

The scalar is L = sum(dY * f(X; params)) for a random upstream dY, so dL/dX is exactly what
`backward(dY)` returns. A tensor of at most `entries` entries is checked entry by entry (with
`mlp.numerical_gradient`, the project's one central-difference routine); a larger one along
`directions` random unit directions v, comparing <grad, v> with (L(t = h) - L(t = -h)) / 2h
of L(X + t v), so a LeNet-sized check stays cheap. The residual of a tensor is
||analytic - numeric|| / max(||analytic||, ||numeric||, 1e-12).

>>> import numpy as np
>>> from derive.numeric.layers import kernels_for
>>> rng = np.random.default_rng(0)
>>> state = {"weight": rng.standard_normal((3, 2)), "bias": rng.standard_normal(3)}
>>> check_layer(kernels_for("Linear"), state, rng.standard_normal((4, 2)), {}) < 1e-8
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from derive.numeric.layers.losses import LossKernels
from derive.numeric.layers.registry import Config, LayerKernels
from derive.numeric.mlp import numerical_gradient

ENTRIES = 1000  # tensors up to this size are checked entry by entry
DIRECTIONS = 3


def relative_residual(analytic: Any, numeric: Any) -> float:
    """||a - n|| / max(||a||, ||n||, 1e-12)."""
    a, n = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(n)), 1e-12)
    return float(np.linalg.norm(a - n)) / scale


def tensor_residual(f: Callable[[], float], array: np.ndarray, grad: Any,
                    rng: np.random.Generator, entries: int = ENTRIES,
                    directions: int = DIRECTIONS) -> float:
    """The residual of `grad` as dL/d`array`, where f() reads `array` (changed in place)."""
    if array.size <= entries:
        return relative_residual(grad, numerical_gradient(f, array))
    base, t, worst = array.copy(), np.zeros(1), 0.0
    for _ in range(directions):
        v = rng.standard_normal(array.shape)
        v /= np.linalg.norm(v)

        def along(v: np.ndarray = v) -> float:
            array[...] = base + t[0] * v
            return f()

        worst = max(worst, relative_residual(np.sum(grad * v), numerical_gradient(along, t)[0]))
        array[...] = base
    return worst


def _float_copies(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: np.array(v, dtype=float) if np.asarray(v).dtype.kind == "f" else v
            for k, v in values.items()}


def layer_residuals(kernels: LayerKernels, state: Mapping[str, Any], x: Any, config: Config,
                    dy: Any = None, seed: int = 0, entries: int = ENTRIES) -> dict[str, float]:
    """The residual of dL/dX ('input', or 'input0'... for a tuple) and of every gradient."""
    rng = np.random.default_rng(seed)
    state = _float_copies(state)
    inputs = _float_copies({f"input{i}": v for i, v in enumerate(
        x if isinstance(x, tuple) else (x,))})
    packed = (lambda: tuple(inputs.values())) if isinstance(x, tuple) else (
        lambda: inputs["input0"])
    y, cache = kernels.forward(np, state, packed(), config)
    dy = rng.standard_normal(np.shape(y)) if dy is None else dy
    dx, grads = kernels.backward(np, state, cache, dy, config)

    def L() -> float:
        return float(np.sum(dy * kernels.forward(np, state, packed(), config)[0]))

    checked = dict(zip(inputs, dx if isinstance(x, tuple) else (dx,), strict=True))
    residuals = {("input" if len(inputs) == 1 else name): tensor_residual(
        L, inputs[name], grad, rng, entries) for name, grad in checked.items()
        if grad is not None and inputs[name].dtype.kind == "f"}
    for name, grad in grads.items():
        residuals[name] = tensor_residual(L, state[name], grad, rng, entries)
    return residuals


def check_layer(kernels: LayerKernels, state: Mapping[str, Any], x: Any, config: Config,
                dy: Any = None, seed: int = 0, entries: int = ENTRIES) -> float:
    """The largest residual of the layer's backward against central differences."""
    return max(layer_residuals(kernels, state, x, config, dy, seed, entries).values(),
               default=0.0)


def check_loss(kernels: LossKernels, z: Any, target: Any, config: Config,
               seed: int = 0, entries: int = ENTRIES) -> float:
    """The residual of a loss's dL/dinput against central differences of the loss."""
    z = np.array(z, dtype=float)
    _, cache = kernels.forward(np, z, target, config)
    grad = kernels.backward(np, cache, config)
    return tensor_residual(lambda: float(kernels.forward(np, z, target, config)[0]), z, grad,
                           np.random.default_rng(seed), entries)
