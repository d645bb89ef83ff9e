"""Forward and backward kernels of every layer type, keyed by torch's layer type name.

The layer rules of `derive.models` attach their numerics by type name:

    kernels = kernels_for("Conv2d")     # InputError "layer X has no numerics yet" if none
    y, cache = kernels.forward(xp, state, x, config)
    dx, grads = kernels.backward(xp, state, cache, dy, config)

- `xp` is the array module: NumPy, or CuPy on a GPU; every array passed in lives on it, and
  every array returned does too (kernels create arrays only through `xp`). float64.
- `state` maps torch's `state_dict` names of the layer's own tensors (`weight`, `bias`,
  `in_proj_weight`, `out_proj.weight`, `running_mean`, ...) to arrays; an absent or None
  `bias` means bias=False. `kernels.params` lists the trainable names, `kernels.buffers` the
  buffers.
- `config` maps the constructor's keyword names (`stride`, `padding`, `num_heads`, `eps`, ...;
  torch's defaults where absent; sizes such as kernel and channels are read from the
  weights) plus run-time flags: `training` (default True, as a fresh torch module),
  `mask` (Dropout's given mask), `attn_mask` / `is_causal` (attention), `masks`
  (TransformerEncoderLayer's dropout masks by sub-module name).
- `x` is one array, or a tuple for layers with several inputs (scaled_dot_product_attention
  takes (Q, K, V); MultiheadAttention one array for self-attention or (query, key, value)).
  `dx` has the same structure; None for integer inputs (Embedding).
- `grads` maps the same state_dict names as `state` to dL/d(tensor), for every trainable
  tensor present. A training forward that updates buffers (BatchNorm) returns their new
  values in `cache["buffers"]`.
- Each kernel's docstring states the formula it implements, in index notation.
- `Step`, `chain_forward`, `chain_backward`, `chain_buffers` run a chain of layers with
  prefixed state_dict names (`0.weight`); `loss_kernels_for("CrossEntropyLoss")` gives the
  losses, `forward(xp, input, target, config) -> (loss, cache)`,
  `backward(xp, cache, config) -> dL/dinput`.
- `check_layer(kernels, state, x, config)` returns the largest relative residual of the
  backward against central differences of the forward (`layer_residuals` per tensor);
  `judge_layer` judges them, explaining a residual only by a kink (a max-pool tie, ReLU at
  0) where the kernel's value is a one-sided derivative; `check_loss` checks a loss.

>>> sorted(LAYER_KERNELS)[:4]
['AdaptiveAvgPool2d', 'AvgPool2d', 'BatchNorm1d', 'BatchNorm2d']
"""

from __future__ import annotations

import importlib

from derive.numeric.layers.registry import LAYER_KERNELS, LayerKernels, kernels_for

MODULES = ("conv", "pooling", "elementwise", "softmax", "linear", "embedding", "norms",
           "attention", "transformer")


def load_all() -> None:
    """Import every kernel module, each of which registers its layer types (the recurrent
    layers live in derive.numeric.recurrent and register themselves the same way)."""
    for name in MODULES:
        importlib.import_module(f"derive.numeric.layers.{name}")
    importlib.import_module("derive.numeric.recurrent.layers")


load_all()

from derive.numeric.layers.check import (  # noqa: E402  (after the table is filled)
    TensorCheck,
    check_layer,
    check_loss,
    judge_layer,
    layer_residuals,
)
from derive.numeric.layers.losses import LOSS_KERNELS, LossKernels, loss_kernels_for  # noqa: E402
from derive.numeric.layers.sequence import (  # noqa: E402
    Step,
    chain_backward,
    chain_buffers,
    chain_forward,
)

__all__ = ["LAYER_KERNELS", "LOSS_KERNELS", "LayerKernels", "LossKernels", "Step",
           "TensorCheck", "chain_backward", "chain_buffers", "chain_forward", "check_layer",
           "check_loss", "judge_layer", "kernels_for", "layer_residuals", "load_all",
           "loss_kernels_for"]
