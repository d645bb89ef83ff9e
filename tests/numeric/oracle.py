"""Running one layer in torch (the oracle) and through its kernels, on the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from derive.numeric.layers import kernels_for

TOLERANCE = 1e-10  # max abs difference from torch, float64 on O(1) values
FD_TOLERANCE = 1e-6  # relative residual against central differences


@dataclass
class Outcome:
    """A layer's forward value, dL/dX, parameter gradients and buffers after the forward."""

    y: Any
    dx: Any
    grads: dict[str, Any]
    buffers: dict[str, Any] = field(default_factory=dict)


def module(type_name: str, *args: Any, seed: int = 0, scale: float = 1.0, **kwargs: Any) -> Any:
    """torch.nn.<type_name>(*args, **kwargs) in float64 with standard normal parameters."""
    torch = pytest.importorskip("torch")
    layer = getattr(torch.nn, type_name)(*args, **kwargs).double()
    generator = np.random.default_rng(seed)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.tensor(scale * generator.standard_normal(tuple(p.shape))))
    return layer


def state_of(layer: Any) -> dict[str, np.ndarray]:
    """The layer's state_dict as NumPy arrays (copies)."""
    return {name: t.detach().numpy().copy() for name, t in layer.state_dict().items()}


def run_torch(layer: Any, x: Any, dy: np.ndarray, **call: Any) -> Outcome:
    """Forward and backward in torch; x an array or a tuple of arrays."""
    import torch

    inputs = x if isinstance(x, tuple) else (x,)
    tensors = [torch.tensor(v, requires_grad=v.dtype.kind == "f") for v in inputs]
    y = layer(*tensors, **call)
    y = y[0] if isinstance(y, tuple) else y
    y.backward(torch.tensor(dy))
    dx = [t.grad.numpy() if t.grad is not None else None for t in tensors]
    parameters = layer.named_parameters() if isinstance(layer, torch.nn.Module) else ()
    grads = {n: p.grad.numpy() for n, p in parameters if p.grad is not None}
    buffers = ({n: b.numpy().copy() for n, b in layer.named_buffers()}
               if isinstance(layer, torch.nn.Module) else {})
    return Outcome(y.detach().numpy(), tuple(dx) if isinstance(x, tuple) else dx[0], grads,
                   buffers)


def run_kernels(type_name: str, state: dict[str, Any], x: Any, dy: np.ndarray,
                config: dict[str, Any], xp: Any = np) -> Outcome:
    """Forward and backward through the registered kernels."""
    kernels = kernels_for(type_name)
    y, cache = kernels.forward(xp, state, x, config)
    dx, grads = kernels.backward(xp, state, cache, dy, config)
    return Outcome(y, dx, grads, cache.get("buffers", {}))


def max_difference(ours: Outcome, theirs: Outcome) -> float:
    """The largest absolute difference over y, dX, every gradient and every updated buffer;
    the gradients must be the same set of names."""
    assert set(ours.grads) == set(theirs.grads)
    pairs = [(ours.y, theirs.y), *zip(_tuple(ours.dx), _tuple(theirs.dx), strict=True),
             *((ours.grads[n], theirs.grads[n]) for n in theirs.grads),
             *((ours.buffers[n], theirs.buffers[n]) for n in ours.buffers)]
    worst = 0.0
    for a, b in pairs:
        if a is None or b is None:
            assert a is None and b is None
            continue
        assert np.shape(a) == np.shape(b)
        worst = max(worst, float(np.max(np.abs(np.asarray(a, float) - b), initial=0.0)))
    return worst


def _tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def against_torch(type_name: str, layer: Any, x: Any, config: dict[str, Any],
                  seed: int = 1, **call: Any) -> float:
    """max_difference of the kernels from torch on x and a random dY."""
    state = state_of(layer)
    ours_y, _ = kernels_for(type_name).forward(np, state, x, config)
    dy = np.random.default_rng(seed).standard_normal(np.shape(ours_y))
    return max_difference(run_kernels(type_name, state, x, dy, config),
                          run_torch(layer, x, dy, **call))
