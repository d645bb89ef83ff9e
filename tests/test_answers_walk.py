"""Every quantity a step shows is an answer, and every key the renderers print parses back
to itself, over the built-in set and the examples (issue 14)."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import numpy as np
import pytest
import sympy

import derive
from derive.answers import Key, parse_key
from derive.problemset import builtin
from derive.render.captions import caption_markdown, caption_math_tex, caption_tex
from derive.render.context import writes_ell
from derive.render.keys import key_display, key_text
from derive.solution import Formula, Solution

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SETS = ("builtin", *sorted(p.name for p in EXAMPLES.glob("*.toml")))


@functools.cache
def solved(name: str) -> tuple[Solution, ...]:
    problems = builtin() if name == "builtin" else derive.load(EXAMPLES / name)
    return tuple(derive.solve(problem) for problem in problems.problems)


def _numbers(value: object) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def _among(value: object, answers: list[object]) -> bool:
    """The value is an answer's value, or (a number) one entry of an answer's value."""
    shown = _numbers(value)
    for answer in answers:
        truth = _numbers(answer)
        if shown is None or truth is None:
            if shown is None and truth is None and answer == value:
                return True
            continue
        if truth.shape == shown.shape and np.allclose(truth, shown, rtol=1e-12, atol=0):
            return True
        if shown.ndim == 0 and np.any(np.isclose(truth, shown, rtol=1e-12, atol=0)):
            return True
    return False


@pytest.mark.parametrize("name", SETS)
def test_every_quantity_a_step_shows_is_an_answer(name: str) -> None:
    for solution in solved(name):
        values = list(solution.answers.values())
        for step in solution.steps:
            lhs, _ = step.sides
            where = f"{solution.problem.id}: {lhs}"
            if step.value is not None:
                assert _among(step.value, values), where
            if step.shape is not None and isinstance(lhs, sympy.Symbol | sympy.MatrixSymbol):
                assert Key.of(lhs, aspect="shape") in solution.answers, where
            if step.shape is not None and len(getattr(lhs, "args", ())) == 2 and \
                    type(lhs).__name__.endswith("Partial"):
                # a step that names its answer (an entry's formula stating the whole
                # tensor's shape) shows that answer's shape
                key = (dataclasses.replace(step.key, aspect="shape") if step.key else
                       Key.derivative(*lhs.args, aspect="shape"))
                assert key in solution.answers, where


@pytest.mark.parametrize("name", SETS)
def test_every_printed_key_parses_back_in_every_format(name: str) -> None:
    for solution in solved(name):
        keys = list(solution.answers)
        assert all(parse_key(key_text(key)) == key for key in keys), solution.problem.id
        assert all(solution.answers.find(key_text(key)) == key for key in keys)
        exported = json.loads(derive.render(solution, "json"))["answers"]
        assert {parse_key(printed) for printed in exported} == set(keys)
        text = derive.render(solution, "text")
        markdown = derive.render(solution, "markdown")
        latex = derive.render(solution, "latex")
        for key in keys:
            assert f"{key_text(key)} = " in text, key
            formula = solution.answers[key]
            if isinstance(formula, Formula) and formula.label is not None:
                # shown as math by its label, e.g. the fraction dl/dB: the label is the key
                label = formula.label
                shown = Key.derivative(*label.args) if key.wrt else Key.of(label)
                assert shown == key
                continue
            detail = solution.answers.answer(key).detail
            if detail:  # not boxed: its family is named once, its value shown above
                assert caption_markdown(detail) in markdown, key
                assert caption_tex(detail) in latex, key
                continue
            # typeset from the readable name, which finds the key (spaces and _ ignored)
            shown = key_display(key, writes_ell(solution))
            assert solution.answers.find(shown) == key, key
            assert caption_markdown(shown) in markdown, key
            assert caption_math_tex(shown) in latex, key


CONVENTIONS = ("Wx", "WTx", "XW", "XWT")


@pytest.mark.parametrize("names, typed", [
    ("", ("dL/dW_1", "dl/dW1", "dL/dW_{1}", " dL/dW1 ")),
    ("W=W^,b=W_0^", ("dL/dW^1", "dl/dW1", "dL/dW^{1}", "dl/dW_0^1 ")),
    ("b=c,z=A/B", ("dL/dW_1", "dl/dc_1", "dL/dc1", "dl/dB")),
])
def test_claims_in_every_convention_and_names_resolve_to_one_key(names: str,
                                                                 typed: tuple[str, ...]) -> None:
    found = []
    for convention in CONVENTIONS:
        problem = derive.problem("mlp-grad", layers="4,3,2", convention=convention,
                                 names=names)
        answers = derive.solve(problem).answers
        keys = [answers.find(name.strip()) for name in typed]
        assert None not in keys, (convention, keys)
        found.append([key_text(k) for k in keys if k is not None])
    loose = [[name.lower().replace("_", "").replace("^", "") for name in row] for row in found]
    assert all(row == loose[0] for row in loose)


def test_a_typed_name_is_found_without_scanning_every_answer(monkeypatch) -> None:
    """Finding answers by typed name costs one loose spelling per lookup, not one per answer:
    a 1,000-layer summary made a million spellings when each lookup scanned them all."""
    from derive import answers as module

    calls = []
    real_loose = module._loose
    monkeypatch.setattr(module, "_loose", lambda key: calls.append(key) or real_loose(key))
    table = module.Answers(module.Answer(module.Key(f"P_{i}"), i) for i in range(1000))
    found = [f"p{i}" in table for i in range(1000)]
    assert all(found) and len(calls) <= 3 * 1000


@pytest.mark.parametrize("name", SETS)
def test_answer_names_hold_no_markup_debris(name: str) -> None:
    """A step written in math (gain^[2], hat m^[2]_1) shows the answer its kind declares
    (`init 2 gain`, `optimizer 2 mhat_1`), never a second name spelled from the TeX."""
    import re

    debris = re.compile(r"\^_|\^\[|_\[|\]_|\^$|_$|\\")
    for solution in solved(name):
        bad = [key_text(key) for key in solution.answers if debris.search(key_text(key))]
        assert not bad, f"{solution.problem.id}: {bad[:5]}"
