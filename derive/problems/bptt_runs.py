"""One layer and direction of a `bptt` example (a "run"), and how its quantities are named.

A one-layer, one-direction example keeps the plain names (`h_2`, `W_{ih}`); a stacked or
bidirectional one marks every quantity of run `l1_reverse` with torch's suffix as a
superscript, `h_{2}^{(l1\\_reverse)}` (typed as `h_2^(l1_reverse)`). The reverse direction
reads the sequence from t = T down to 1: its previous state is h_{t+1}, its initial state
is h_{T+1} (torch's h0 row 2k+1), and "back in time" for it runs forward, t = 1..T+1.

>>> run = RunId(1, 1, 3, single=False)
>>> run.suffix, run.initial, run.previous(2), run.order
('l1_reverse', 4, 3, [3, 2, 1])
>>> run.mark, RunId(0, 0, 3, single=True).mark
('^{(l1\\\\_reverse)}', '')
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.numeric.recurrent.config import RecurrentConfig, suffix


@dataclass(frozen=True)
class RunId:
    """Layer `layer`, direction `direction` (1 = reverse) over `steps` steps; `single` when it
    is the example's only run (plain names)."""

    layer: int
    direction: int
    steps: int
    single: bool = True

    @property
    def suffix(self) -> str:
        """torch's `l0`, `l1_reverse`."""
        return suffix(self.layer, self.direction)

    @property
    def mark(self) -> str:
        """The superscript of this run's names ('' for the only run)."""
        return "" if self.single else "^{(" + self.suffix.replace("_", r"\_") + ")}"

    @property
    def initial(self) -> int:
        """The time index of the initial state: 0, or T+1 for the reverse direction."""
        return self.steps + 1 if self.direction else 0

    def previous(self, t: int) -> int:
        """The state step t reads: h_{t-1}, or h_{t+1} for the reverse direction."""
        return t + 1 if self.direction else t - 1

    @property
    def order(self) -> list[int]:
        """Steps 1..T in processing order."""
        return list(range(self.steps, 0, -1) if self.direction else range(1, self.steps + 1))

    @property
    def back_order(self) -> list[int]:
        """BPTT's order: the last processed step first, the initial state last."""
        return [*reversed(self.order), self.initial]

    @property
    def title(self) -> str:
        """'layer l1, reverse direction' for captions ('' for the only run)."""
        if self.single:
            return ""
        return f"layer {self.layer}, " + (
            "reverse direction" if self.direction else "forward direction")


def runs(config: RecurrentConfig, steps: int) -> list[RunId]:
    """Every run, layer by layer, forward before reverse (torch's order)."""
    single = config.num_layers == 1 and not config.bidirectional
    return [RunId(layer, d, steps, single) for layer in range(config.num_layers)
            for d in range(config.directions)]


def state_row(config: RecurrentConfig, run: RunId) -> int:
    """The row of torch's h0 / c0 / h_n for `run`."""
    return run.layer * config.directions + run.direction
