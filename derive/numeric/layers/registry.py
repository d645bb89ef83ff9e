"""The table of layer kernels, keyed by torch's layer type name ("Conv2d", "LayerNorm", ...).

Each entry is a `LayerKernels`: a forward and a backward written against `xp`, and the names
of the tensors they read, as torch's `state_dict` names them. A layer type without numerics
is an error naming it, never a silent skip.

>>> kernels_for("Linear").params
('weight', 'bias')
>>> kernels_for("Bilinear")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
derive.errors.InputError: layer Bilinear has no numerics yet (layers with numerics: ...)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from derive.errors import InputError

Array = Any  # an array of the module `xp`: numpy.ndarray or cupy.ndarray
State = Mapping[str, Array]  # a layer's tensors by torch's state_dict names
Config = Mapping[str, Any]  # the layer's constructor arguments by torch's keywords, and flags
Cache = dict[str, Any]
Forward = Callable[[Any, State, Any, Config], tuple[Any, Cache]]
Backward = Callable[[Any, State, Cache, Any, Config], tuple[Any, dict[str, Array]]]


@dataclass(frozen=True)
class LayerKernels:
    """The numerics of one layer type: `forward(xp, state, x, config) -> (y, cache)` and
    `backward(xp, state, cache, dy, config) -> (dx, grads)`; `params` are the trainable
    tensors (every key of `grads`, when present in `state`), `buffers` those updated by a
    training forward (returned in `cache["buffers"]`), `kink` the rule the backward follows
    where the layer is not differentiable (tied maxima, ReLU at 0), in words, as torch's."""

    name: str
    forward: Forward
    backward: Backward
    params: tuple[str, ...] = ()
    buffers: tuple[str, ...] = ()
    kink: str = ""


LAYER_KERNELS: dict[str, LayerKernels] = {}


def register(name: str, forward: Forward, backward: Backward, params: tuple[str, ...] = (),
             buffers: tuple[str, ...] = (), kink: str = "") -> LayerKernels:
    """Enter the kernels of layer type `name` in the table (once per name)."""
    if name in LAYER_KERNELS:
        raise ValueError(f"layer {name} registered twice")
    LAYER_KERNELS[name] = LayerKernels(name, forward, backward, params, buffers, kink)
    return LAYER_KERNELS[name]


def kernels_for(layer_type: str) -> LayerKernels:
    """The kernels of torch layer type `layer_type`; an InputError naming it when it has none."""
    from derive.numeric.layers import load_all  # the modules that fill the table

    load_all()
    try:
        return LAYER_KERNELS[layer_type]
    except KeyError:
        known = ", ".join(sorted(LAYER_KERNELS))
        raise InputError(f"layer {layer_type} has no numerics yet (layers with numerics: "
                         f"{known})") from None


def option(config: Config, name: str, default: Any) -> Any:
    """The constructor argument `name`, or torch's default when the config leaves it out."""
    value = config.get(name, default)
    return default if value is None and default is not None else value


def pair(value: int | tuple[int, ...] | list[int], dims: int = 2) -> tuple[int, ...]:
    """An int or a sequence of `dims` ints, as torch's `_pair`/`_single` read them."""
    if isinstance(value, int):
        return (value,) * dims
    values = tuple(int(v) for v in value)
    if len(values) != dims:
        raise InputError(f"expected {dims} sizes, got {values}")
    return values
