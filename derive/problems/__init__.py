"""The registry of kinds: CLI name -> module under `derive.problems`.

Each module defines `Problem` (its `derive.problem.Problem` subclass) and
`solve(problem) -> Solution`. Modules are imported on first use, so the CLI
starts without SymPy.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from derive.errors import InputError

KINDS: dict[str, str] = {
    "params": "derive.problems.params",
    "conv-size": "derive.problems.conv_size",
    "attention-params": "derive.problems.attention_params",
    "loss": "derive.problems.loss",
    "mlp-grad": "derive.problems.mlp_grad",
    "softmax-ce": "derive.problems.softmax_ce",
    "backprop": "derive.problems.backprop",
    "graph": "derive.problems.graph",
    "gd": "derive.problems.gd",
    "jacobian": "derive.problems.jacobian",
    "bptt": "derive.problems.bptt",
    "optimize": "derive.problems.optimize",
    "init": "derive.problems.init",
    "summary": "derive.problems.summary",
    "model-backprop": "derive.problems.model_backprop",
    "layer-grad": "derive.problems.layer_grad",
}


def kind_module(kind: str) -> ModuleType:
    """The module implementing `kind`; an `InputError` naming the known kinds otherwise."""
    if kind not in KINDS:
        raise InputError(f"kind: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    return importlib.import_module(KINDS[kind])
