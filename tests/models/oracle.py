"""Tests only: compare derive's summary of a description with torch's model of it."""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from derive.models import count, parse_model
from derive.models.summary import Summary
from tests.models.torch_build import build, output_shapes, tie


def torch_inputs(summary: Summary, batch: int) -> list[torch.Tensor]:
    return [torch.zeros((batch, *x.shape), dtype=torch.long) if x.integer
            else torch.randn((batch, *x.shape)) for x in summary.inputs]


def compare(text: str, inputs: Any, device: str = "cpu", batch: int = 2,
            macs: bool = False) -> Summary:
    """Every layer's output shape, per-module parameters, names, buffers and totals agree
    (and MACs, with FlopCounterMode, when asked)."""
    described = parse_model(text)
    summary = count(described, inputs)
    with torch.device(device):
        model = tie(build(described)).eval()
        xs = torch_inputs(summary, batch)
        shapes = output_shapes(model, xs)
    ours: dict[str, list[tuple]] = {}
    for row in summary.rows:
        ours.setdefault(row.name, []).append(row.output)
    assert shapes == ours
    state = {key: tuple(value.shape) for key, value in model.state_dict(keep_vars=True).items()}
    for row in summary.rows:
        module = model.get_submodule(row.name)
        assert sum(p.numel() for p in module.parameters()) == sum(e.numel for e in row.params)
        for entry in row.params + row.buffers:
            assert state[entry.name] == entry.shape, entry.name
    assert len(state) == sum(r.copies * (len(r.params) + len(r.buffers)) for r in summary.rows)
    assert sum(p.numel() for p in model.parameters()) == summary.total
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == summary.trainable
    assert sum(b.numel() for b in model.buffers()) == summary.buffers
    if macs:
        assert torch_macs(model, torch_inputs(summary, 1)) == summary.macs
    return summary


def torch_macs(model: torch.nn.Module, xs: list[torch.Tensor]) -> int:
    """FLOPs / 2 as torch.utils.flop_counter counts them on the standard path: in training
    mode (eval's fused CPU attention is not in its registry) and with oneDNN off (its fused
    LSTM neither), so every product is seen."""
    model.train()
    with torch.backends.mkldnn.flags(enabled=False), FlopCounterMode(display=False) as counter:
        model(*xs)
    model.eval()
    return counter.get_total_flops() // 2
