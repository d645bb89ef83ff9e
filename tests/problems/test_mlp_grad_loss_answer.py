"""`mlp-grad`'s loss is the problem's definition, not a result: a detail answer, not boxed,
and still claimable (seed 001 claims L without its log and minus)."""

from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.answers import Key
from derive.solution import Solution

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _mlp_grad(name: str) -> Solution:
    return next(s for s in derive.solve_set(derive.load(EXAMPLES / name))
                if s.problem.kind == "mlp-grad")


@pytest.mark.parametrize("name", ["seed-000.toml", "seed-001.toml", "seed-004.toml"])
def test_the_loss_is_a_detail_answer(name: str) -> None:
    solution = _mlp_grad(name)
    loss = next(a for a in solution.answers.entries() if not a.key.wrt and not a.key.aspect)
    assert loss.detail and loss.key.name in ("l", "L")
    # boxed: gradients, and the shapes seed-004's statement asks (its ask table); never a value
    assert all(a.key.wrt or a.key.aspect for a in solution.answers.entries() if not a.detail)


def test_a_claimed_loss_is_still_judged() -> None:
    (_, loss) = derive.check(_mlp_grad("seed-001.toml"))
    assert (loss.answer, loss.verdict) == ("L", "wrong")
    assert loss.cause == "the log and the minus sign are missing"


def test_an_ask_for_the_loss_boxes_it() -> None:
    solution = _mlp_grad("seed-004.toml")
    asked = Solution(solution.problem, solution.steps, solution.answers, asked=(Key("L"),))
    assert [a.key for a in asked.answers.entries() if not a.detail] == [Key("L")]
