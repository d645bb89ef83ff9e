"""Each layer's backward checked against central differences of its forward (float64, NumPy).

The scalar is L = sum(dY * f(X; params)) for a random upstream dY, so dL/dX is exactly what
`backward(dY)` returns. A tensor of at most `entries` entries is checked entry by entry (with
`mlp.numerical_gradient`, the project's one central-difference routine); a larger one along
`directions` random unit directions v, comparing <grad, v> with (L(t = h) - L(t = -h)) / 2h
of L(X + t v), so a LeNet-sized check stays cheap. The residual of a tensor is
||analytic - numeric|| / max(||analytic||, ||numeric||, 1e-12).

`judge_layer` also judges: a residual above `TOLERANCE` is a bug (VerificationError) unless
it is the relative noise of a block that is identically zero (judged then relative to the
norm of the layer's whole gradient) or the layer's input sits on a kink, where L has no
derivative (tied maxima of a max-pool window, ReLU at 0, ...). Such an entry is found by its
one-sided differences disagreeing, and the kernel's value there must equal one of them (the
one-sided derivative the kernel's rule picks, as torch's: the first maximum, ReLU'(0) = 0);
the other entries are still held to central differences, and the kinks are counted, so no
caller claims a difference check there.

>>> import numpy as np
>>> from derive.numeric.layers import kernels_for
>>> rng = np.random.default_rng(0)
>>> state = {"weight": rng.standard_normal((3, 2)), "bias": rng.standard_normal(3)}
>>> check_layer(kernels_for("Linear"), state, rng.standard_normal((4, 2)), {}) < 1e-8
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from derive.errors import VerificationError
from derive.numeric.layers.losses import LossKernels
from derive.numeric.layers.registry import Config, LayerKernels
from derive.numeric.mlp import FD_STEP, numerical_gradient

ENTRIES = 1000  # tensors up to this size are checked entry by entry
DIRECTIONS = 3
TOLERANCE = 1e-6  # the largest relative residual of a verified gradient
KINK_ENTRIES = 20_000  # a failing tensor up to this size is searched entry by entry for kinks


@dataclass(frozen=True)
class TensorCheck:
    """A gradient judged against differences of L: `residual` against central differences
    over the entries where L is differentiable, all but the `kinks` entries, where the
    one-sided differences disagree and the kernel's value equals one of them."""

    residual: float
    kinks: int = 0


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


def one_sided(f: Callable[[], float], array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(left, right): the backward and forward differences of f() per entry of `array`
    (changed in place, then restored)."""
    base = f()
    left, right = np.empty(array.shape), np.empty(array.shape)
    for index in np.ndindex(array.shape):
        kept = float(array[index])
        array[index] = kept + FD_STEP
        upper = f()
        array[index] = kept - FD_STEP
        lower = f()
        array[index] = kept
        left[index], right[index] = (base - lower) / FD_STEP, (upper - base) / FD_STEP
    return left, right


def kink_check(f: Callable[[], float], array: np.ndarray, grad: Any, floor: float = 1e-12,
               tolerance: float = TOLERANCE) -> TensorCheck:
    """`grad` as dL/d`array` entry by entry: an entry whose central difference disagrees but
    whose kernel value equals its left or right difference sits on a kink; the residual is
    taken over the others, relative to the larger of the gradient's norm and `floor` (the
    norm of the gradient it is part of: a block that is identically zero, such as a conv
    bias before a batch norm, has no relative error of its own)."""
    left, right = one_sided(f, array)
    grad, central = np.asarray(grad, dtype=float), (left + right) / 2
    scale = max(float(np.linalg.norm(grad)), float(np.linalg.norm(central)), floor)
    one_sided_match = np.minimum(abs(grad - left), abs(grad - right)) <= tolerance * scale
    kinks = (abs(grad - central) > tolerance * scale) & one_sided_match
    smooth = ~kinks
    residual = float(np.linalg.norm(grad[smooth] - central[smooth])) / scale
    return TensorCheck(residual, int(kinks.sum()))


def norm_of(grads: Any) -> float:
    """The norm of several tensors taken as one vector."""
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))


def _float_copies(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: np.array(v, dtype=float) if np.asarray(v).dtype.kind == "f" else v
            for k, v in values.items()}


Probe = tuple[Callable[[], float], dict[str, tuple[np.ndarray, Any]]]


def _probe(kernels: LayerKernels, state: Mapping[str, Any], x: Any, config: Config,
           dy: Any, rng: np.random.Generator) -> Probe:
    """L() = sum(dY * f(X; params)) reading float copies of the tensors, and each checked
    tensor ('input', or 'input0'... for a tuple, and every gradient's name) with its
    gradient from the backward."""
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
    tensors = {("input" if len(inputs) == 1 else name): (inputs[name], grad)
               for name, grad in checked.items()
               if grad is not None and inputs[name].dtype.kind == "f"}
    tensors.update({name: (state[name], grad) for name, grad in grads.items()})
    return L, tensors


def layer_residuals(kernels: LayerKernels, state: Mapping[str, Any], x: Any, config: Config,
                    dy: Any = None, seed: int = 0, entries: int = ENTRIES) -> dict[str, float]:
    """The residual of dL/dX ('input', or 'input0'... for a tuple) and of every gradient."""
    rng = np.random.default_rng(seed)
    L, tensors = _probe(kernels, state, x, config, dy, rng)
    return {name: tensor_residual(L, array, grad, rng, entries)
            for name, (array, grad) in tensors.items()}


def judge_layer(kernels: LayerKernels, state: Mapping[str, Any], x: Any, config: Config,
                dy: Any = None, seed: int = 0, entries: int = ENTRIES) -> dict[str, TensorCheck]:
    """Each tensor's gradient judged (see the module docstring): a VerificationError for a
    residual above `TOLERANCE` that no kink explains."""
    rng = np.random.default_rng(seed)
    L, tensors = _probe(kernels, state, x, config, dy, rng)
    floor = max(norm_of(grad for _, grad in tensors.values()), 1e-12)
    judged = {}
    for name, (array, grad) in tensors.items():
        found = TensorCheck(tensor_residual(L, array, grad, rng, entries))
        if found.residual > TOLERANCE and array.size <= KINK_ENTRIES:
            found = kink_check(L, array, grad, floor)
        if found.residual > TOLERANCE:
            raise VerificationError(
                f"{kernels.name}: the backward's dL/d{name} differs from central differences "
                f"by {found.residual:.1e} where no kink (a tie or a breakpoint, where the "
                "one-sided differences disagree) explains it")
        judged[name] = found
    return judged


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
