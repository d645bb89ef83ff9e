"""seed-004 asks "the shape of every factor": its ask table (no points needed) boxes the
gradients and, after each, the shapes its notes state (review of seed-004)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import derive
from derive.classroom.asks import box_asked
from derive.errors import InputError
from derive.render.keys import key_text

SEED_004 = Path(__file__).resolve().parent.parent / "examples" / "seed-004.toml"


def _boxed() -> list[str]:
    (solution,) = derive.solve_set(derive.load(SEED_004))
    return [key_text(a.key) for a in solution.answers.entries() if not a.detail]


def test_every_shape_the_notes_state_is_boxed_after_its_gradient() -> None:
    claims = tomllib.loads(SEED_004.read_text())["problems"][0]["claims"]
    stated = dict.fromkeys(re.sub(r" \(.*\)$", "", name) for name in claims)
    boxed = _boxed()
    assert set(stated) <= set(boxed), set(stated) - set(boxed)
    gradients = ["dL/dW_2", "dL/db_2", "dL/dW_1", "dL/db_1"]
    assert [name for name in boxed if not name.startswith("shape")] == gradients
    assert boxed.index("shape of dS_2/dW_2") < boxed.index("dL/db_2")
    assert boxed.index("dL/dW_1") < boxed.index("shape of dS_1/dW_1") < boxed.index("dL/db_1")


def test_the_boxes_do_not_change_the_verdicts() -> None:
    problem_set = derive.load(SEED_004)
    (solution,) = derive.solve_set(problem_set)
    plain = derive.solve(problem_set.problems[0])
    judged = [(v.answer, v.verdict, v.cause) for v in derive.check(solution)]
    assert judged == [(v.answer, v.verdict, v.cause) for v in derive.check(plain)]


def test_an_ask_naming_no_answer_is_refused_in_one_line() -> None:
    solution = derive.solve(derive.load(SEED_004).problems[0])
    with pytest.raises(InputError, match="no answer 'shape of dL/dW_9'") as raised:
        box_asked(solution, {"shape of dL/dW_9": {}})
    assert "\n" not in str(raised.value)
