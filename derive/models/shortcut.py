"""The shortcut spelling of a conv or pool layer: ``conv k=5 p=2 out=6``, ``maxpool k=2``.

`conv-size` reads it (a string or a TOML table), and so does `summary` beside the PyTorch
calls. A shortcut is a `Conv2d`, `MaxPool2d` or `AvgPool2d` of the layer rules once the
channels reaching it are known: `node` binds it to the rule (no second counting code).

>>> short = layer("conv k=5 p=2 out=6", "layer")
>>> node(short, 3, "layer").args["in_channels"], node(short, 3, "layer").type
(3, 'Conv2d')
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from derive import converters
from derive.errors import FieldError, InputError
from derive.models.inputs import parse_inputs
from derive.models.limits import MAX_CALLS
from derive.models.nodes import Chain
from derive.models.nodes import Layer as Node
from derive.models.nodes import Node as AnyNode
from derive.models.registry import RULES
from derive.models.rules import bind
from derive.models.syntax import parse_layers

LAYER_TYPES = ("conv", "maxpool", "avgpool")
LAYER_KEYS = {"type", "kernel", "stride", "padding", "dilation", "out_channels", "bias"}
SHORT_KEYS = {"k": "kernel", "s": "stride", "p": "padding", "d": "dilation", "out": "out_channels"}
RULE_TYPES = {"conv": "Conv2d", "maxpool": "MaxPool2d", "avgpool": "AvgPool2d"}
PATTERN = re.compile(r"\s*(conv|maxpool|avgpool)(\s+[a-z_]+=\S+)*\s*")


@dataclass(frozen=True)
class Layer:
    """One conv or pooling layer; pairs are (height, width)."""

    type: str
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out_channels: int | None
    bias: bool


def is_shortcut(text: Any) -> bool:
    """Whether `text` is written in the shortcut spelling (``conv k=3 ...``)."""
    return isinstance(text, str) and PATTERN.fullmatch(text) is not None


def _layer_fields(value: Any, name: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return {str(key).replace("-", "_"): item for key, item in value.items()}
    if not isinstance(value, str):
        raise FieldError(name, "expected a table or a string like 'conv k=3 s=1 p=0', "
                         f"got {value!r}")
    words = value.split()
    if not words:
        raise FieldError(name, "empty layer; write e.g. 'conv k=3 s=1 p=0 out=16'")
    result: dict[str, Any] = {"type": words[0]}
    for word in words[1:]:
        match = re.fullmatch(r"([a-z_]+)=(\S+)", word)
        if not match:
            raise FieldError(name, f"cannot read {word!r}; write key=value, e.g. k=3")
        result[SHORT_KEYS.get(match[1], match[1])] = match[2]
    return result


def layer(value: Any, name: str) -> Layer:
    """A layer from a TOML table or a string such as ``conv k=3 s=1 p=1 out=16``."""
    data = _layer_fields(value, name)
    unknown = sorted(set(data) - LAYER_KEYS)
    if unknown:
        raise FieldError(name, f"unknown key {unknown[0]!r}; use {', '.join(sorted(LAYER_KEYS))}")
    kind = converters.choice(*LAYER_TYPES)(data.get("type", "conv"), f"{name}.type")
    if "kernel" not in data:
        raise FieldError(f"{name}.kernel", "missing; give the kernel size, e.g. k=3")
    kernel = converters.size_pair(data["kernel"], f"{name}.kernel")
    default_stride = 1 if kind == "conv" else kernel
    stride = converters.size_pair(data.get("stride", default_stride), f"{name}.stride")
    padding = converters.pair(0)(data.get("padding", 0), f"{name}.padding")
    dilation = converters.size_pair(data.get("dilation", 1), f"{name}.dilation")
    if kind == "avgpool" and dilation != (1, 1):
        raise FieldError(f"{name}.dilation", "avgpool has no dilation; remove it")
    out = data.get("out_channels")
    if out is not None and kind != "conv":
        raise FieldError(f"{name}.out_channels", f"a {kind} keeps its channels; remove it")
    out_channels = None if out is None else converters.positive_int(out, f"{name}.out_channels")
    bias = converters.boolean(data.get("bias", True), f"{name}.bias")
    if kind != "conv":
        for axis, (k, p, d) in enumerate(zip(kernel, padding, dilation, strict=True)):
            span = d * (k - 1) + 1
            if 2 * p > span:
                raise FieldError(f"{name}.padding", "pooling padding must be at most half the "
                                 f"kernel ({span}), got {padding[axis]}")
    return Layer(kind, kernel, stride, padding, dilation, out_channels, bias)


def layer_list(value: Any, name: str) -> tuple[Layer, ...]:
    """A non-empty list of layers (at most 200)."""
    items = [value] if isinstance(value, str | Mapping) else value
    if not isinstance(items, Sequence) or not items or len(items) > 200:
        raise FieldError(name, "expected 1 to 200 layers")
    return tuple(layer(item, f"{name}[{i}]") for i, item in enumerate(items, 1))


def node(short: Layer, channels: int, where: str) -> Node:
    """The layer rule's node for `short`, reading `channels` channels (a conv without
    ``out=`` keeps them)."""
    rule = RULES[RULE_TYPES[short.type]]
    args: dict[str, Any] = {"kernel_size": short.kernel, "stride": short.stride,
                            "padding": short.padding}
    if short.type == "conv":
        args.update(in_channels=channels, out_channels=short.out_channels or channels,
                    dilation=short.dilation, bias=short.bias)
    elif short.type == "maxpool":
        args["dilation"] = short.dilation
    return Node(rule.type, bind(rule, (), args, where), where)


def resolve(items: Sequence[str], inputs: Any, name: str = "layers") -> Chain:
    """`parse_layers` where an entry may also be a shortcut (``conv k=5 p=2 out=6``): its
    in_channels are the channels reaching it, so the layers before it are walked first.

    >>> chain = resolve(["Conv2d(3, 6, 5)", "maxpool k=2", "conv k=5 out=16"], "3x32x32")
    >>> [(child.type, child.args.get("in_channels")) for _, child in chain.children]
    [('Conv2d', 3), ('MaxPool2d', None), ('Conv2d', 6)]
    """
    from derive.models.summary import _node
    from derive.models.walk import Walk

    if isinstance(items, str) or not items or len(items) > MAX_CALLS:
        raise InputError(f"{name}: expected 1 to {MAX_CALLS:,} layers")
    flow = parse_inputs(inputs, "input")
    walk = Walk(flow)
    children: list[tuple[str, Any]] = []
    for index, item in enumerate(items, 1):
        where = f"{name}[{index}]"
        if is_shortcut(item):
            channels = flow[0].shape[0] if len(flow[0].shape) == 3 else 1
            nodes: list[AnyNode] = [node(layer(item, where), channels, where)]
        else:
            nodes = [child for _, child in parse_layers([item], where).children]
        for child in nodes:
            flow = _node(walk, child, str(len(children)), flow)
            children.append((str(len(children)), child))
    return Chain(tuple(children))
