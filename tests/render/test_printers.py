"""The SymPy printers: a prime after a superscripted name is grouped, (W¹)'."""

from __future__ import annotations

import pytest
import sympy

from derive.render.printing import tex, text
from derive.symbolic.matrices import Updated


@pytest.mark.parametrize(("name", "in_tex", "in_text"), [
    ("W^{1}", r"\left(W^{1}\right)'", "(W¹)'"),
    ("W_0^{1}", r"\left(W_0^{1}\right)'", "(W₀¹)'"),
    ("W_1", "{W_{1}}'", "W₁'"),
    ("H", "{H}'", "H'"),
])
def test_an_updated_superscripted_name_is_grouped_before_its_prime(
        name: str, in_tex: str, in_text: str) -> None:
    updated = Updated(sympy.MatrixSymbol(name, 2, 2))
    assert (tex(updated), text(updated)) == (in_tex, in_text)


def test_an_updated_parameter_takes_its_transpose_after_the_prime() -> None:
    updated = Updated(sympy.MatrixSymbol("W^{1}", 2, 2))
    assert tex(updated.T) == r"\left(W^{1}\right)'^{T}"
    assert text(updated.T) == "(W¹)'ᵀ"


def test_a_primed_superscripted_symbol_is_grouped_a_plain_one_is_not() -> None:
    assert (tex(sympy.Symbol("Z^{1}'")), text(sympy.Symbol("Z^{1}'"))) == (
        r"\left(Z^{1}\right)'", "(Z¹)'")
    assert (tex(sympy.Symbol(r"\ell'")), text(sympy.Symbol("L'"))) == (r"\ell'", "L'")

