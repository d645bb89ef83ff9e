"""Plain text writes formulas as readable Unicode math (issue 19): W₁, Δ₃, σ(Z₂), ∂L/∂W₃,
X W₁ᵀ, ⊙, −; JSON keeps the code-like text; a formula copied from the text is a valid claim."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import sympy

import derive
from derive.claim_spelling import ascii_claim
from derive.errors import InputError
from derive.expr import validate
from derive.problemset import builtin
from derive.render.keys import key_text
from derive.render.printing import text
from derive.solution import Formula, Solution
from derive.verdicts import check

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
SETS = ("builtin", *sorted(p.name for p in EXAMPLES.glob("*.toml")))
CODE_LIKE = re.compile(r"_\d|@|\.T\b|\*|sigma|Delta|yhat|grad ")


@functools.cache
def solved(name: str) -> tuple[Solution, ...]:
    problems = builtin() if name == "builtin" else derive.load(EXAMPLES / name)
    return tuple(derive.solve_set(problems))


def formula_lines(solution: Solution) -> list[str]:
    """The formula of every step (the line under its caption) and every answer's value."""
    lines = derive.render(solution, "text").splitlines()
    steps = [lines[i + 1] for i, line in enumerate(lines[:-1])
             if re.match(r"   \d+\.\d+ ", line)]
    listed = lines[lines.index("   Answers:"):]
    answers = [line.split(f"{key_text(key)} = ", 1)[1] for key in solution.answers
               for line in listed if line.startswith(f"     {key_text(key)} = ")]
    return steps + answers


@pytest.mark.parametrize("name", SETS)
def test_text_formulas_are_unicode_math_not_code(name: str) -> None:
    for solution in solved(name):
        code = [line.strip() for line in formula_lines(solution) if CODE_LIKE.search(line)]
        assert not code, f"{solution.problem.id}: {code[:3]}"


def test_one_rule_for_products_transposes_and_minus() -> None:
    X, W, D = (sympy.MatrixSymbol(n, 3, 3) for n in ("X", "W_1", "Delta_3"))
    N, Y = sympy.Symbol("N", positive=True, integer=True), sympy.MatrixSymbol("Y", 3, 3)
    gap = sympy.MatAdd(X, sympy.MatMul(-1, Y, evaluate=False), evaluate=False)
    assert text(X * W.T) == "X W₁ᵀ"
    assert text(sympy.MatMul(1 / N, gap, evaluate=False)) == "(1/N)·(X − Y)"
    assert text(sympy.HadamardProduct(D * W, X)) == "(Δ₃ W₁) ⊙ X"
    assert text(sympy.Transpose(D * W)) == "(Δ₃ W₁)ᵀ"
    x, y = sympy.symbols("yhat_1 y_1")
    assert text((x - y) ** 2 + 4 * y) == "(y\u0302₁ − y₁)² + 4·y₁"


def test_json_text_stays_code_like() -> None:
    X, W = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("W_1", 3, 3)
    assert text(sympy.HadamardProduct(X * W.T, X), pretty=False) == "(X @ W_1.T) * X"
    assert text(sympy.Symbol("yhat") ** 2, pretty=False) == "yhat**2"


def test_unicode_is_read_back_as_the_claim_syntax() -> None:
    assert ascii_claim("(Δ₂ W₂) ⊙ σ(Z₁) ⊙ (1 − σ(Z₁))") == \
        "(Delta_2 @ W_2) * sigmoid(Z_1) * (1 - sigmoid(Z_1))"
    assert ascii_claim("W₀¹ + W¹ᵀ x²", {"W_01", "W1"}) == "W_01 + W1.T @ x**2"
    assert ascii_claim("X.T @ (1/N * (Yhat - Y))") == "X.T @ (1/N * (Yhat - Y))"


CLAIMED = [("mlp-grad", {"layers": "5,4,3", "convention": convention, "hidden": hidden})
           for convention in ("Wx", "WTx", "XW", "XWT") for hidden in ("sigmoid", "tanh")]
CLAIMED += [("mlp-grad", {"layers": "5,4,3", "names": "W=W^,b=W_0^"}),
            ("mlp-grad", {"layers": "4,3,3,2", "convention": "XWT", "hidden": "sigmoid"}),
            ("params", {"layers": "D,H,C"})]


@pytest.mark.parametrize("kind, fields", CLAIMED, ids=lambda v: v if isinstance(v, str) else
                         ",".join(f"{k}={x}" for k, x in v.items()))
def test_a_formula_copied_from_the_text_is_judged_correct(kind: str, fields: dict) -> None:
    """Every formula answer that can be claimed at all (its code-like text is judged
    correct) is judged correct when claimed as the text output prints it."""
    answers = derive.solve(derive.problem(kind, **fields)).answers
    formulas = {key_text(key): value for key, value in answers.items()
                if isinstance(value, Formula) and value.sample is not None
                and _readable(text(value.expr, pretty=False))}
    for pretty in (False, True):
        claims = {name: text(value.expr, pretty=pretty) for name, value in formulas.items()}
        verdicts = check(derive.solve(derive.problem(kind, **fields, claims=claims)))
        right = {v.answer for v in verdicts if v.verdict == "correct"}
        if not pretty:
            claimable = right
            assert len(claimable) >= 2, claimable
    assert claimable <= right, sorted((name, claims[name]) for name in claimable - right)


def _readable(claim: str) -> bool:
    """Whether a claim is in the claim syntax at all (a sum or relu' is not)."""
    try:
        validate(claim, matrices=True)
    except InputError:
        return False
    return True
