"""Layers run one after another on a tape: the forward keeps each layer's cache, the backward
walks the tape in reverse (the chain rule dL/dX_l = J_l^T dL/dX_{l+1}) and names every
gradient as torch's state_dict does (`0.weight`, `linear1.bias`).

>>> import numpy as np
>>> state = {"0.weight": np.array([[2.0]]), "0.bias": np.array([0.0])}
>>> y, tape = chain_forward(np, [Step("0", "Linear"), Step("1", "ReLU")], state, np.ones((1, 1)))
>>> dx, grads = chain_backward(np, tape, np.ones((1, 1)))
>>> y.tolist(), dx.tolist(), grads["0.weight"].tolist()
([[2.0]], [[2.0]], [[1.0]])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from derive.numeric.layers.registry import Cache, Config, LayerKernels, State, kernels_for


@dataclass(frozen=True)
class Step:
    """One layer of a chain: its state_dict prefix, torch type name and constructor config."""

    name: str
    layer_type: str
    config: Config = field(default_factory=dict)


@dataclass(frozen=True)
class Taped:
    """What the backward of one step needs."""

    step: Step
    kernels: LayerKernels
    state: State
    cache: Cache


def substate(state: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The entries under `prefix.`, with the prefix taken off (all of `state` for '')."""
    if not prefix:
        return dict(state)
    head = prefix + "."
    return {key[len(head):]: value for key, value in state.items() if key.startswith(head)}


def prefixed(prefix: str, tensors: Mapping[str, Any]) -> dict[str, Any]:
    """`tensors` with `prefix.` put before each name."""
    return {(f"{prefix}.{key}" if prefix else key): value for key, value in tensors.items()}


def chain_forward(xp: Any, steps: Sequence[Step], state: Mapping[str, Any],
                  x: Any) -> tuple[Any, list[Taped]]:
    """Y = f_L(... f_1(X)), and the tape."""
    tape = []
    for step in steps:
        kernels, local = kernels_for(step.layer_type), substate(state, step.name)
        x, cache = kernels.forward(xp, local, x, step.config)
        tape.append(Taped(step, kernels, local, cache))
    return x, tape


def chain_backward(xp: Any, tape: Sequence[Taped], dy: Any) -> tuple[Any, dict[str, Any]]:
    """dL/dX and every parameter's gradient, by state_dict name."""
    grads: dict[str, Any] = {}
    for taped in reversed(tape):
        dy, local = taped.kernels.backward(xp, taped.state, taped.cache, dy, taped.step.config)
        grads.update(prefixed(taped.step.name, local))
    return dy, grads


def chain_buffers(tape: Sequence[Taped]) -> dict[str, Any]:
    """The buffers a training forward updated, by state_dict name."""
    buffers: dict[str, Any] = {}
    for taped in tape:
        buffers.update(prefixed(taped.step.name, taped.cache.get("buffers", {})))
    return buffers
