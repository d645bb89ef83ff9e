"""The safe parser: arithmetic and whitelisted functions in, everything else refused."""

from __future__ import annotations

import pytest
import sympy

from derive.errors import InputError
from derive.expr import parse

x1, x2 = sympy.symbols("x1 x2", real=True)


def test_arithmetic_and_functions() -> None:
    assert parse("x1**2 + x1*x2 + 4*x2**2") == x1**2 + x1 * x2 + 4 * x2**2
    assert parse("sigmoid(x1)") == 1 / (1 + sympy.exp(-x1))
    assert parse("max(x1, x2) - min(x1, 2)") == sympy.Max(x1, x2) - sympy.Min(x1, 2)


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hacked')",
    "x.__class__.__bases__",
    "(lambda: 1)()",
    "[x for x in range(10)]",
    "{x: 1}",
    "9**9**9**9",
    "2**100000",
    "10**400",
    "x if y else z",
    "open('/etc/passwd')",
    "eval('1')",
    "x; y",
    "import os",
    "x[0]",
    "f'{x}'",
    "'text'",
    "x" + " + x" * 1200,
    "-" * 500 + "x",
    "(" * 300 + "x" + ")" * 300,
    "exp(x, y)",
    "relu(x=1)",
    "_private",
    "x == y",
    "",
])
def test_hostile_or_malformed_text_is_refused(text: str) -> None:
    with pytest.raises(InputError) as refused:
        parse(text, "formula")
    message = str(refused.value)
    assert message.startswith("formula:") and "\n" not in message


@pytest.mark.parametrize("kind, fields", [
    ("optimize", {"x0": "1", "optimizer": ["SGD(lr=0.1)"], "steps": 2}),
    ("gd", {"x0": "1", "lr": ["0.1"]})])
def test_a_refused_function_names_its_problem_and_field(kind: str, fields: dict) -> None:
    """The formula fields fail as every other field does: problem 'kind', field 'function'."""
    from derive import problem

    with pytest.raises(InputError) as error:
        problem(kind, function="sin(x)", **fields)
    assert str(error.value).startswith(f"problem '{kind}', field 'function': the function "
                                       "'sin' is not allowed; write")
