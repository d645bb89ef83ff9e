"""Tests only: the same model, built in torch from derive's parsed description.

Each node becomes a torch module whose children carry the names derive gives (so
state_dict names can be compared); leaf modules are tagged with derive's row name, and
a forward hook records each one's output shape per example.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from derive.models.nodes import Chain, Frozen, Layer, Node, Parallel, Repeat, Tied


class Select(nn.Module):
    def __init__(self, dim: int, index: int) -> None:
        super().__init__()
        self.dim, self.index = dim, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.select(self.dim, self.index)


def _first(cls: type) -> type:
    """A torch module whose forward returns only its first output (RNNs, attention)."""
    class First(cls):  # type: ignore[misc,valid-type]
        def forward(self, *xs: torch.Tensor) -> torch.Tensor:
            if cls is nn.MultiheadAttention:
                xs = xs * 3 if len(xs) == 1 else xs
            return super().forward(*xs)[0]
    First.__name__ = cls.__name__
    return First


WRAPPED = {name: _first(getattr(nn, name)) for name in ("RNN", "LSTM", "GRU",
                                                         "MultiheadAttention")}


class Multi(nn.Module):
    """Children in order (Chain), summed (Parallel), or body + shortcut (Residual)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind, self.order, self.extra = kind, [], {}

    def add(self, name: str, module: nn.Module, role: str = "body") -> None:
        attribute = name
        while attribute in self._modules:
            attribute += "_"  # a parameter-free module named twice (ResNet's relu)
        self.add_module(attribute, module)
        (self.order.append(attribute) if role == "body" else
         self.extra.__setitem__(role, attribute))

    def forward(self, *xs: torch.Tensor) -> Any:
        if self.kind == "sum":
            spread = len(xs) == len(self.order)
            outs = [getattr(self, n)(*((x,) if spread else xs)) for n, x in
                    zip(self.order, xs if spread else [None] * len(self.order), strict=True)]
            return sum(outs[1:], outs[0])
        out: Any = xs
        for name in self.order:
            out = getattr(self, name)(*(out if isinstance(out, tuple) else (out,)))
        if self.kind == "residual":
            short = getattr(self, self.extra["shortcut"])(*xs) if "shortcut" in self.extra \
                else xs[0]
            out = out + short
            if "post" in self.extra:
                out = getattr(self, self.extra["post"])(out)
        return out


def build(node: Node, name: str = "", tag: bool = True) -> nn.Module:
    """The torch module for `node`; leaves tagged with derive's row names."""
    if isinstance(node, Layer | Tied):
        layer = node.layer if isinstance(node, Tied) else node
        cls = WRAPPED.get(layer.type) or (Select if layer.type == "Select" else
                                          getattr(nn, layer.type))
        module = cls(**layer.args)
        module.derive_name = name if tag else None
        if isinstance(node, Tied):
            module.derive_tie = (node.tensor, node.target)
        return module
    def join(child: str) -> str:
        return f"{name}.{child}" if name else child

    if isinstance(node, Frozen):
        module = build(node.body, name, tag)
        module.requires_grad_(False)
        return module
    if isinstance(node, Repeat):
        chain = Multi("chain")
        body = build(node.body, join("0"), tag)
        for index in range(node.count):
            chain.add(str(index), body if index == 0 else _untagged(copy.deepcopy(body)))
        return chain
    if isinstance(node, Chain | Parallel):
        multi = Multi("chain" if isinstance(node, Chain) else "sum")
        for child, item in node.children:
            multi.add(child, build(item, join(child), tag))
        return multi
    block = Multi("residual")
    for child, item in node.body.children:
        block.add(child, build(item, join(child), tag))
    for role, pair in (("shortcut", node.shortcut), ("post", node.post)):
        if pair is not None:
            block.add(pair[0], build(pair[1], join(pair[0]), tag), role)
    return block


def _untagged(module: nn.Module) -> nn.Module:
    for sub in module.modules():
        sub.derive_name = None
    return module


def tie(model: nn.Module) -> nn.Module:
    """Share the tied tensors, as GPT-2's head shares the token embedding."""
    for module in model.modules():
        if hasattr(module, "derive_tie"):
            tensor, target = module.derive_tie
            setattr(module, tensor, model.get_parameter(target))
    return model


def output_shapes(model: nn.Module, inputs: list[torch.Tensor]) -> dict[str, list[tuple]]:
    """Each tagged leaf's output shape per example, in call order."""
    shapes: dict[str, list[tuple]] = {}

    def hook(module: nn.Module, args: Any, out: Any) -> None:
        if getattr(module, "derive_name", None) is not None:
            shapes.setdefault(module.derive_name, []).append(tuple(out.shape[1:]))

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if getattr(m, "derive_name", None) is not None]
    try:
        model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return shapes
