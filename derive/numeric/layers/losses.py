"""Loss kernels as torch's loss modules compute them, keyed by the module name.

`forward(xp, input, target, config) -> (loss, cache)` gives the reduced loss (a 0-d array);
`backward(xp, cache, config) -> dL/dinput`. D is the divisor of the reduction: 1 for 'sum';
for 'mean' the number of entries (MSE, BCE), of rows (soft-target CE), or of rows not
ignored (index-target CE, NLL).

  CrossEntropyLoss  q = onehot(t) or t, then q <- (1 - e) q + e / C (label_smoothing e);
                    L = -(1/D) sum_r sum_c q[r,c] log softmax(z_r)_c;
                    dL/dz[r,c] = (softmax(z_r)_c sum_k q[r,k] - q[r,c]) / D
  NLLLoss           L = -(1/D) sum_r x[r, t_r];  dL/dx[r,c] = -[c = t_r] / D
  MSELoss           L = (h/D) sum (x - t)^2 (h = 1/2 under the option half, derive's
                    convention; 1 as torch);  dL/dx = 2 (h/D) (x - t)
  BCELoss           L = -(1/D) sum t log p + (1 - t) log(1 - p) (logs clamped at -100, as
                    torch);  dL/dp = (p - t) / (D max(p (1 - p), 1e-12))
  BCEWithLogitsLoss L = (1/D) sum max(z, 0) - z t + log(1 + e^-|z|);  dL/dz = (s(z) - t) / D

>>> import numpy as np
>>> loss, cache = loss_kernels_for("CrossEntropyLoss").forward(
...     np, np.array([[0.0, 0.0]]), np.array([1]), {})
>>> round(float(loss), 6), loss_kernels_for("CrossEntropyLoss").backward(np, cache, {}).tolist()
(0.693147, [[0.5, -0.5]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from derive.errors import InputError
from derive.numeric.activations import sigmoid
from derive.numeric.layers.registry import Cache, Config, option
from derive.numeric.losses import binary_cross_entropy_logits, log_softmax

LossForward = Callable[[Any, Any, Any, Config], tuple[Any, Cache]]
LossBackward = Callable[[Any, Cache, Config], Any]


@dataclass(frozen=True)
class LossKernels:
    """The numerics of one loss module."""

    name: str
    forward: LossForward
    backward: LossBackward


def _reduction(config: Config) -> str:
    reduction = option(config, "reduction", "mean")
    if reduction not in ("mean", "sum"):
        raise InputError(f"loss: reduction {reduction!r} has no numerics (mean or sum)")
    for unsupported in ("weight", "pos_weight"):
        if config.get(unsupported) is not None:
            raise InputError(f"loss: {unsupported} has no numerics yet")
    return str(reduction)


def _classes_last(xp: Any, z: Any) -> Any:
    """(N, C, d...) -> (N, d..., C); (C,) and (N, C) unchanged."""
    return xp.moveaxis(z, 1, -1) if z.ndim > 2 else z


def _classes_back(xp: Any, dz: Any, ndim: int) -> Any:
    return xp.moveaxis(dz, -1, 1) if ndim > 2 else dz


def _targets(xp: Any, z: Any, target: Any, config: Config) -> tuple[Any, Any]:
    """(q, D): the target distribution per row, class axis last, and the mean's divisor."""
    C, mean = z.shape[-1], _reduction(config) == "mean"
    if target.dtype.kind in "iu":
        keep = target != int(option(config, "ignore_index", -100))
        q = ((target[..., None] == xp.asarray(np.arange(C))) & keep[..., None]).astype(z.dtype)
        divisor = keep.sum() if mean else 1
    else:
        q, keep = _classes_last(xp, target), None
        divisor = q.size // C if mean else 1
    smoothing = float(option(config, "label_smoothing", 0.0))
    if smoothing:
        spread = smoothing / C if keep is None else keep[..., None] * (smoothing / C)
        q = (1.0 - smoothing) * q + spread
    return q, divisor


def cross_entropy_forward(xp: Any, z: Any, target: Any, config: Config) -> tuple[Any, Cache]:
    """CrossEntropyLoss of logits z (classes on axis 1, or the only axis)."""
    logp = log_softmax(xp, _classes_last(xp, z))
    q, divisor = _targets(xp, logp, target, config)
    return -(q * logp).sum() / divisor, {"logp": logp, "q": q, "divisor": divisor,
                                         "ndim": z.ndim}


def cross_entropy_backward(xp: Any, cache: Cache, config: Config) -> Any:
    """dL/dz = (softmax(z) sum q - q) / D."""
    q = cache["q"]
    dz = (xp.exp(cache["logp"]) * q.sum(axis=-1, keepdims=True) - q) / cache["divisor"]
    return _classes_back(xp, dz, cache["ndim"])


def nll_forward(xp: Any, x: Any, target: Any, config: Config) -> tuple[Any, Cache]:
    """NLLLoss of log-probabilities x."""
    if option(config, "label_smoothing", 0.0):
        raise InputError("NLLLoss has no label_smoothing")
    q, divisor = _targets(xp, _classes_last(xp, x), target, config)
    return -(q * _classes_last(xp, x)).sum() / divisor, {"q": q, "divisor": divisor,
                                                         "ndim": x.ndim}


def nll_backward(xp: Any, cache: Cache, config: Config) -> Any:
    """dL/dx = -onehot(t) / D."""
    return _classes_back(xp, -cache["q"] / cache["divisor"], cache["ndim"])


def _entry_divisor(x: Any, config: Config) -> int:
    return x.size if _reduction(config) == "mean" else 1


def mse_forward(xp: Any, x: Any, target: Any, config: Config) -> tuple[Any, Cache]:
    """MSELoss, with the factor 1/2 when config['half']."""
    c = (0.5 if option(config, "half", False) else 1.0) / _entry_divisor(x, config)
    return c * ((x - target) ** 2).sum(), {"residual": x - target, "c": c}


def mse_backward(xp: Any, cache: Cache, config: Config) -> Any:
    """dL/dx = 2 c (x - t)."""
    return 2.0 * cache["c"] * cache["residual"]


def bce_forward(xp: Any, p: Any, target: Any, config: Config) -> tuple[Any, Cache]:
    """BCELoss of probabilities p."""
    logs = xp.maximum(xp.log(p), -100.0), xp.maximum(xp.log1p(-p), -100.0)
    D = _entry_divisor(p, config)
    return -(target * logs[0] + (1 - target) * logs[1]).sum() / D, {"p": p, "t": target, "D": D}


def bce_backward(xp: Any, cache: Cache, config: Config) -> Any:
    """dL/dp = (p - t) / (D max(p (1 - p), 1e-12))."""
    p = cache["p"]
    return (p - cache["t"]) / (cache["D"] * xp.maximum(p * (1 - p), 1e-12))


def bce_logits_forward(xp: Any, z: Any, target: Any, config: Config) -> tuple[Any, Cache]:
    """BCEWithLogitsLoss of logits z, in the stable form."""
    D = _entry_divisor(z, config)
    return binary_cross_entropy_logits(xp, z, target).sum() / D, {"z": z, "t": target, "D": D}


def bce_logits_backward(xp: Any, cache: Cache, config: Config) -> Any:
    """dL/dz = (s(z) - t) / D."""
    return (sigmoid(xp, cache["z"]) - cache["t"]) / cache["D"]


LOSS_KERNELS = {kernels.name: kernels for kernels in (
    LossKernels("CrossEntropyLoss", cross_entropy_forward, cross_entropy_backward),
    LossKernels("NLLLoss", nll_forward, nll_backward),
    LossKernels("MSELoss", mse_forward, mse_backward),
    LossKernels("BCELoss", bce_forward, bce_backward),
    LossKernels("BCEWithLogitsLoss", bce_logits_forward, bce_logits_backward))}


def loss_kernels_for(loss_type: str) -> LossKernels:
    """The kernels of torch loss module `loss_type`; an InputError naming it when it has none."""
    try:
        return LOSS_KERNELS[loss_type]
    except KeyError:
        raise InputError(f"loss {loss_type} has no numerics yet (losses with numerics: "
                         f"{', '.join(sorted(LOSS_KERNELS))})") from None
