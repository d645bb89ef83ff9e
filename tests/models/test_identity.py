"""Identity takes any arguments and ignores them, as torch's nn.Identity(*args, **kwargs)."""

from __future__ import annotations

import pytest

from derive import problem, solve


def test_identity_ignores_its_arguments_with_a_note() -> None:
    torch = pytest.importorskip("torch")
    assert isinstance(torch.nn.Identity(54, foo=3), torch.nn.Identity)  # torch takes them
    solution = solve(problem("summary", layers=["Identity(54, foo=3)", "Linear(3, 2)"],
                             input="3"))
    assert solution.answers["total"] == 8
    assert any("Identity ignores its arguments (54, foo=3)" in note for note in solution.notes)
    plain = solve(problem("summary", layers=["Identity()", "Linear(3, 2)"], input="3"))
    assert not any("ignores" in note for note in plain.notes)
