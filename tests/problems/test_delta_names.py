"""delta writes its layer as the problem writes z's: a superscript beside W^1 and Z^1 (seed
003: delta^2, delta^1), a subscript otherwise; the TeX spells the Greek letter."""

from __future__ import annotations

from pathlib import Path

import derive
from derive.symbolic.conventions import CONVENTIONS
from derive.symbolic.network import SymbolicNetwork


def test_delta_follows_a_superscripted_z() -> None:
    net = SymbolicNetwork(CONVENTIONS["WTx"], (2, 2, 2), {"W": "W^", "z": "Z^"})
    assert net.delta(2).name == "\\delta^{2}" and net.z(2).name == "Z^{2}"
    parenthesized = SymbolicNetwork(CONVENTIONS["XWT"], (2, 2, 2), {"z": "Z^()"})
    assert parenthesized.delta(1).name == "\\Delta^{(1)}"


def test_delta_keeps_its_subscript_or_its_given_name() -> None:
    assert SymbolicNetwork(CONVENTIONS["Wx"], (2, 2, 2)).delta(1).name == "delta_1"
    named = SymbolicNetwork(CONVENTIONS["Wx"], (2, 2, 2), {"z": "Z^", "delta": "e"})
    assert named.delta(1).name == "e_1"


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_seed_003_writes_delta_with_superscripts() -> None:
    solution = derive.solve(derive.load(EXAMPLES / "seed-003.toml").problems[1])
    assert r"\delta^{2}" in derive.render(solution, "latex")
    assert solution.answers["delta^1"] is not None
