"""A network with its rules: what a derivation, its numeric check and a worked example share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from derive.numeric import mlp
from derive.symbolic.activations import Activation
from derive.symbolic.network import SymbolicNetwork
from derive.symbolic.outputs import OutputLoss


@dataclass(frozen=True)
class Model:
    """The symbolic network, its hidden activations, output/loss pair and loss scaling."""

    net: SymbolicNetwork
    hidden: tuple[Activation, ...]
    pair: OutputLoss
    half: bool  # MSE with the factor 1/2
    reduction: str  # "mean" or "sum" over the batch
    slope: float  # leaky_relu's slope for z < 0

    def kernels(self, xp: Any = np) -> mlp.Network:
        """The rule table's kernels for these rules, bound to `xp`."""
        return mlp.network([rule.name for rule in self.hidden],
                           (self.pair.output, self.pair.loss), self.slope, self.half,
                           self.reduction, xp)
