"""A claimed formula in the claims table is typeset as math, read as `derive check` reads it;
a claim that does not parse stays its text, escaped and inert."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

import derive
from derive.render.claim_math import claim_tex
from derive.render.report import check_context
from derive.verdicts import Verdict, claim_key

ROOT = Path(__file__).resolve().parents[2]
SIGN = r"- \frac{1}{N} \left(A_{3} - Y\right)"  # seed 001's "-1/N * (A_3 - Y)"
LOSS = r"\frac{\sum\left(Y \circ A_{3}\right)}{N}"  # and its "1/N * sum(Y * A_3)"
HOSTILE = (r"\input{/etc/passwd}", "$x$ + A_3", "A_3 -", "`$\\input{x}$`", "Q_9 @ Y")


@functools.cache
def gradients() -> derive.Solution:
    """Seed 001's batched-gradients problem, solved: two formula claims, both wrong."""
    problem_set = derive.load(ROOT / "examples" / "seed-001.toml")
    problem = next(p for p in problem_set.problems if p.id == "batched-gradients")
    return derive.solve(problem)


def key(fmt: str) -> str:
    """The problem's key with its claims checked."""
    solution = gradients()
    return derive.render_set("", [solution], fmt,
                             checks={solution.problem.id: derive.check(solution)})


def test_seed_001_formula_claims_are_math_in_latex() -> None:
    latex = key("latex")
    assert rf"\struck{{${SIGN}$}}" in latex
    assert rf"\struck{{${LOSS}$}}" in latex
    assert r"\texttt{-1/N" not in latex


def test_seed_001_formula_claims_are_math_in_markdown() -> None:
    markdown = key("markdown")
    assert f"claimed ~~${SIGN}$~~ →" in markdown
    assert f"claimed ~~${LOSS}$~~ →" in markdown
    assert "`-1/N" not in markdown


def sample_names() -> dict[str, object]:
    """The names a claim of dL/dZ_3 may use, as the checker judges it."""
    solution = gradients()
    formula = solution.answers[claim_key(solution, "dL/dZ_3")]
    return formula.sample()[0]


@pytest.mark.parametrize("claim, math", [
    ("(Δ₂ W₂) ⊙ σ(Z₁) ⊙ (1 − σ(Z₁))",
     r"\left(\Delta_{2} W_{2}\right) \circ \sigma\left(Z_{1}\right) \circ "
     r"\left(\mathbf{1} - \sigma\left(Z_{1}\right)\right)"),
    ("A_3.T @ Y / N", r"\frac{1}{N} \left(A_{3}^{T} Y\right)"),
    ("diag(b_1) - b_1 @ b_1.T", r"\operatorname{diag}\left(b_{1}\right) - b_{1} b_{1}^{T}"),
    ("A_3 @ 1", r"A_{3} \mathbf{1}"),
])
def test_a_claim_reads_as_the_checker_reads_it(claim: str, math: str) -> None:
    assert claim_tex(claim, sample_names(), 4) == math


@pytest.mark.parametrize("claim", HOSTILE)
def test_a_claim_that_does_not_parse_is_not_math(claim: str) -> None:
    assert claim_tex(claim, sample_names(), 4) is None


def judged(claim: str, fmt: str) -> str:
    """The claimed cell of a wrong claim of dL/dZ_3 as the template gets it."""
    solution = gradients()
    truth = solution.answers.answer(claim_key(solution, "dL/dZ_3")).value
    verdict = Verdict("batched-gradients", "dL/dZ_3", claim, truth, "wrong", "")
    context = check_context(verdict, 4, fmt)
    return context["claimed"] if fmt == "latex" else context["markdown"]


@pytest.mark.parametrize("claim", HOSTILE)
def test_a_claim_that_does_not_parse_falls_back_escaped(claim: str) -> None:
    latex = judged(claim, "latex")
    assert latex.startswith(r"\texttt{") and latex.endswith("}")
    inner = latex[len(r"\texttt{"):-1]
    assert r"\input" not in inner and "$" not in inner.replace(r"\$", "")
    assert "{" not in inner.replace(r"\{", "").replace("{}", "")


def test_a_markdown_fallback_stays_one_code_span() -> None:
    markdown = judged("`$\\input{x}$`", "markdown")
    assert "claimed `` `$\\input{x}$` ``" in markdown
