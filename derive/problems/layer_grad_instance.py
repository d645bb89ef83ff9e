"""The numeric instance of a `layer-grad` problem: the layer parsed, its input, parameters
and upstream gradient (given or drawn from a seed), checked against the layer's shapes and
the documented maxima.

A layer's parameters go by the names torch's `state_dict` gives a lone module (``weight``,
``bias``, ``in_proj_weight``, ``out_proj.weight``). Without an input or its shape, a small
default instance is drawn (`default_shape`), so the symbolic derivation is still verified.

>>> default_shape("Conv2d", {"in_channels": 1, "kernel_size": (3, 3), "stride": (1, 1),
...                          "padding": (0, 0), "dilation": (1, 1)})
(1, 5, 5)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from derive.errors import InputError
from derive.models import Input, parse_layers, summarize
from derive.models.nodes import Chain, Layer
from derive.numeric.layers import kernels_for
from derive.problems.tensors import draw

MAX_ENTRIES = 4096  # numbers in the input, the output and each parameter of a worked layer
MAX_BATCH = 64  # examples in a drawn input
UNBATCHED = ("MultiheadAttention",)  # x is passed to these as torch takes it, no batch axis
MASKED = ("MultiheadAttention",)  # layers that take a causal mask (is_causal)


@dataclass(frozen=True)
class Instance:
    """A layer type, its config, its tensors by state_dict name, X and dL/dY."""

    layer_type: str
    config: Mapping[str, Any]
    state: Mapping[str, Any]
    x: Any
    dy: Any
    y: Any
    drawn: tuple[str, ...]  # what was drawn from the seed: 'X', 'dY', parameter names


def parse_layer(text: str) -> Layer:
    """One layer as PyTorch writes it (`Conv2d(1, 1, 3)`); an InputError otherwise."""
    chain = parse_layers([text])
    if len(chain.children) != 1 or not isinstance(chain.children[0][1], Layer):
        raise InputError("give one layer such as Conv2d(1, 1, 3), not a block")
    return chain.children[0][1]


def _pair(config: Mapping[str, Any], name: str, default: int) -> int:
    value = config.get(name, default)
    value = value[0] if isinstance(value, tuple | list) else value
    return int(value) if isinstance(value, int) else default


def _window_size(config: Mapping[str, Any], outputs: int, stride_default: int) -> int:
    """An input side giving `outputs` windows of the layer's kernel."""
    k = _pair(config, "kernel_size", 2)
    s = _pair(config, "stride", stride_default) or k
    return max(1, s * (outputs - 1) + _pair(config, "dilation", 1) * (k - 1) + 1
               - 2 * _pair(config, "padding", 0))


def default_shape(layer_type: str, config: Mapping[str, Any]) -> tuple[int, ...]:
    """A small input shape per example for the layer (no batch axis)."""
    if layer_type == "Linear":
        return (int(config["in_features"]),)
    if layer_type == "Conv2d":
        side = _window_size(config, 3, 1)
        return (int(config["in_channels"]), side, side)
    if layer_type in ("MaxPool2d", "AvgPool2d"):
        stride = _pair(config, "stride", 0) or _pair(config, "kernel_size", 2)
        side = _window_size(config, 2, stride)
        return (1, side, side)
    if layer_type == "BatchNorm2d":
        return (int(config["num_features"]), 2, 2)
    if layer_type == "BatchNorm1d":
        return (int(config["num_features"]),)
    if layer_type == "LayerNorm":
        return tuple(int(n) for n in config["normalized_shape"])
    if layer_type == "MultiheadAttention":
        return (3, int(config["embed_dim"]))
    if layer_type == "Flatten":
        return (2, 2, 2)
    return (3,)


def _batched(x: np.ndarray, layer: Layer) -> np.ndarray:
    """x with its batch axis: as given when the layer takes that shape, else one example."""
    if layer.type in UNBATCHED:
        return x
    try:
        summarize(Chain((("0", layer),)), (Input(tuple(x.shape[1:])),))
        return x
    except InputError:
        return x[None]


def _example(x: np.ndarray, layer: Layer) -> tuple[int, ...]:
    """One example's shape as the layer rule takes it: MultiheadAttention's (L, E) from
    torch's (L, N, E), or (N, L, E) when batch_first."""
    if layer.type not in UNBATCHED:
        return tuple(x.shape[1:])
    if x.ndim != 3:
        return tuple(x.shape)
    return tuple(x.shape[1:]) if layer.args.get("batch_first") else (x.shape[0], x.shape[2])


def _drawn_size(layer: Layer, shape: tuple[int, ...], batch: int) -> tuple[int, ...]:
    """A drawn input's shape: `batch` examples, in torch's layout (an unbatched (L, E) for
    one example of an attention layer)."""
    if layer.type not in UNBATCHED:
        return (batch, *shape)
    if batch == 1 or len(shape) != 2:
        return shape
    return (batch, *shape) if layer.args.get("batch_first") else (shape[0], batch, shape[1])


def _fitted(value: Any, shape: tuple[int, ...] | None) -> Any:
    """A given tensor in its parameter's shape when only the axes differ (a row for 1 x n)."""
    if shape is not None and np.size(value) == math.prod(shape) and np.ndim(value) < len(shape):
        return np.reshape(value, shape)
    return value


def _state(layer: Layer, shape: tuple[int, ...], given: Mapping[str, Any],
           rng: np.random.Generator) -> tuple[dict[str, Any], tuple[int, ...]]:
    """Every tensor of the layer by state_dict name (given or drawn) and its output shape."""
    from derive.problems.model_backprop_steps import initial_state

    summary = summarize(Chain((("0", layer),)), (Input(shape),))
    shapes = {entry.name: entry.shape for entry in summary.rows[0].params}
    prefixed = {f"0.{name}": _fitted(value, shapes.get(f"0.{name}"))
                for name, value in given.items()}
    try:
        state = initial_state(summary, prefixed, rng)
    except InputError as error:
        raise InputError(str(error).replace("0.", "")) from None
    return {name[2:]: value for name, value in state.items()}, tuple(summary.rows[0].output)


def _check_size(name: str, array: Any) -> None:
    if np.size(array) > MAX_ENTRIES:
        raise InputError(f"{name}: at most {MAX_ENTRIES:,} numbers in a worked layer, "
                         f"got {np.size(array):,}")


def build(layer: Layer, x: Any, shape: tuple[int, ...] | None, batch: int,
          params: Mapping[str, Any], dy: Any, seed: int, causal: bool = False) -> Instance:
    """The instance: X given (batch axis first) or drawn uniform on [-1, 1]; parameters given
    or drawn as `model-backprop` draws them; dL/dY given or drawn uniform on [-1, 1]; `causal`
    masks j > i in an attention layer (torch's is_causal)."""
    rng = np.random.default_rng(seed)
    config = dict(layer.args) | ({"is_causal": True} if causal else {})
    kernels = kernels_for(layer.type)
    drawn = []
    if x is None:
        shape = shape or default_shape(layer.type, config)
        if layer.type.startswith("BatchNorm") and batch == 1:
            batch = 2 if len(shape) > 1 else 4  # batch statistics need several entries
        size = _drawn_size(layer, tuple(shape), batch)
        _check_size("input", np.empty(math.prod(size)))
        x, drawn = draw(rng, tuple(size), 1.0), ["X"]
    x = _batched(np.asarray(x, dtype=float), layer)
    _check_size("x", x)
    example = _example(x, layer)
    state, _ = _state(layer, tuple(example), params, rng)
    drawn += [name for name in kernels.params if name not in params and name in state]
    for name, value in state.items():
        _check_size(f"params.{name}", value)
    y, _ = kernels.forward(np, state, x, config)
    _check_size("output", y)
    if dy is None:
        dy, drawn = draw(rng, np.shape(y), 1.0), [*drawn, "dY"]
    dy = np.asarray(dy, dtype=float)
    if dy.shape != np.shape(y) and dy.size == np.size(y) and dy.ndim < np.ndim(y):
        dy = dy.reshape(np.shape(y))  # one example written without its batch axis
    if dy.shape != np.shape(y):
        raise InputError(f"grad_output: dL/dY has the output's shape "
                         f"{' x '.join(map(str, np.shape(y)))}; got "
                         f"{' x '.join(map(str, dy.shape))}")
    return Instance(layer.type, config, state, x, dy, y, tuple(drawn))
