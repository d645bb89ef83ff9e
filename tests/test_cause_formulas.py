"""A cause that quotes a formula quotes it in the solution's notation, as caption math the
renderers typeset (seed-000 p. 8: "a transpose: write σ(A)ᵀ, not σ(A)"): in text no code
notation (`@`, `sigmoid(`, `*`, `.T`) and no TeX; in LaTeX and Markdown no ASCII math."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import derive
from derive.claimed_formula import _transposed_variants, claim_tree
from derive.errors import InputError
from derive.render.printing import text
from derive.render.report import check_context
from derive.solution import Formula, Solution
from derive.verdicts import Verdict, check
from tests.render.test_captions import ASCII_MATH, TEX_SOURCE, _prose

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CODE = re.compile(r"@|\bsigmoid\(|\*|\.T\b|\^T\b|\byhat\b|\bDelta\b")
SEEDS = ("seed-000.toml", "seed-001.toml", "seed-004.toml")


def _formula_answers(name: str) -> Iterator[tuple[Solution, str, Formula]]:
    for solution in derive.solve_set(derive.load(EXAMPLES / name)):
        for answer in solution.answers.entries():
            if isinstance(answer.value, Formula) and answer.value.sample is not None:
                yield solution, answer.key.name if not answer.key.wrt else \
                    f"d{answer.key.name}/d{answer.key.wrt}", answer.value


def _wrong_claims(name: str) -> Iterator[tuple[Solution, str, str]]:
    """Each formula answer's right formula with one sub-expression transposed (or one
    transpose dropped), written in the claim syntax."""
    for solution, key, formula in _formula_answers(name):
        names = formula.sample()[0] if formula.sample else {}
        try:
            tree = claim_tree(text(formula.expr), names)
        except InputError:
            continue  # a sum over indices (the loss): no claim syntax to vary
        for variant, _ in _transposed_variants(tree, names):
            yield solution, key, ast.unparse(variant)


def _judged(solution: Solution, key: str, claim: str) -> Verdict:
    problem = solution.problem.__class__(**{**solution.problem.__dict__,
                                            "claims": ((key, claim),)})
    return check(Solution(problem, solution.steps, solution.answers))[0]


def _verdicts() -> Iterator[Verdict]:
    for name in SEEDS:
        yield from (v for s in derive.solve_set(derive.load(EXAMPLES / name)) for v in check(s))
        for solution, key, claim in _wrong_claims(name):
            yield _judged(solution, key, claim)


VERDICTS = tuple(v for v in _verdicts() if v.cause)


def test_the_catalogue_quotes_formulas() -> None:
    causes = {v.cause for v in VERDICTS}
    assert any("^T" in c for c in causes) and any("whole factor" in c for c in causes)


@pytest.mark.parametrize("verdict", VERDICTS, ids=lambda v: f"{v.answer}={v.claimed}")
def test_a_cause_is_typeset_in_every_format(verdict: Verdict) -> None:
    shown = check_context(verdict, 4, "text")["cause"]
    assert not CODE.search(shown) and not TEX_SOURCE.search(shown), shown
    for fmt in ("latex", "markdown"):
        typeset = check_context(verdict, 4, fmt)["cause"]
        assert not ASCII_MATH.search(_prose(typeset)), typeset
        assert not re.search(r"@|\bsigmoid\b|\\cdot", typeset), typeset


def test_seed_000_names_the_factor_to_transpose() -> None:
    causes = {v.answer: v.cause for v in check(derive.solve(
        derive.load(EXAMPLES / "seed-000.toml").problems[-1]))}
    assert causes["dl/dW_2"] == "a transpose: write sigma(A)^T, not sigma(A)"
    assert causes["dl/dW_1"] == ("a transpose: the whole factor before x should be "
                                 "transposed, with vectors written as rows")


# (verdict, cause up to its first colon) of every seed claim, before causes quoted formulas
# as caption math (`derive check examples/seed-00N.toml --format json` at b013671)
KINDS = json.loads((Path(__file__).parent / "data" / "seed_cause_kinds.json").read_text())


@pytest.mark.parametrize("name", sorted(KINDS))
def test_seed_verdicts_and_cause_kinds_are_kept(name: str) -> None:
    verdicts = [v for s in derive.solve_set(derive.load(EXAMPLES / name)) for v in check(s)]
    assert [[v.verdict, v.cause.split(":")[0]] for v in verdicts] == KINDS[name]
    assert not any(re.search(r"@|\bsigmoid\(|\*", v.cause) for v in verdicts)
