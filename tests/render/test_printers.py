"""The SymPy printers: a prime after a superscripted name is grouped, (W¹)'; a wide
piecewise formula continues its condition on the rows under it; a given value below the
float resolution of the step's other given values is 0 inside the formula; a letter and
digits (w0, x1) is subscripted in text, as the captions write it."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import derive
from derive.render.printing import tex, text
from derive.symbolic.layer_forms import AllOf, Divides, Within
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


def test_a_narrow_piecewise_is_set_as_sympy_sets_it() -> None:
    x = sympy.Symbol("x")
    assert tex(sympy.Piecewise((x, x > 0), (0, True))) == \
        r"\begin{cases} x & \text{for}\: x > 0 \\0 & \text{otherwise} \end{cases}"


def test_a_wide_piecewise_continues_its_condition_on_the_next_row() -> None:
    """The dilated dY of a transposed convolution (examples/layers.toml): four conjuncts, two
    beside the value and two under them, aligned after "for"."""
    n, o, y, x, s, d1, d2, o1, o2 = sympy.symbols("n o y x s D_1 D_2 O_1 O_2", integer=True)
    dy = sympy.IndexedBase("dY")
    condition = AllOf(Within(d1, y, d1 + s * o1, d2, x, d2 + s * o2),
                      Divides(s, y - d1), Divides(s, x - d2))
    value = dy[n, o, sympy.floor((y - d1) / s), sympy.floor((x - d2) / s)]
    printed = tex(sympy.Piecewise((value, condition), (0, True)))
    rows = printed.removeprefix(r"\begin{cases} ").removesuffix(r" \end{cases}").split(r" \\")
    assert len(rows) == 3 and rows[2] == r"0 & \text{otherwise}"
    assert rows[0].endswith(r"O_{2} s,") and r"\text{for}\: D_{1} \le y" in rows[0]
    assert rows[1] == r"& \phantom{\text{for}\:} s \mid y - D_{1},\ s \mid x - D_{2}"


@pytest.mark.parametrize(("noise", "in_text", "in_tex"), [
    (3e-15, "0.9·0", r"0.9 \cdot 0"),
    (np.array([-3.553e-15]), "0.9·[0]", r"0.9 \cdot \begin{bmatrix} 0 \end{bmatrix}"),
])
def test_a_given_value_below_the_resolution_of_the_others_prints_0(
        noise: object, in_text: str, in_tex: str) -> None:
    mu, v = sympy.symbols("mu v")
    given = {mu: 0.9, v: noise}
    assert (text(mu * v, given), tex(mu * v, given)) == (in_text, in_tex)


def test_a_small_given_value_above_the_resolution_still_prints() -> None:
    mu, v = sympy.symbols("mu v")
    assert text(mu * v, {mu: 0.9, v: 1e-9}) == "0.9·1e-9"
    assert tex(mu * v, {mu: 0.9, v: 1e-9}) == r"0.9 \cdot 1 \times 10^{-9}"


def test_a_letter_and_digits_is_subscripted_in_text_as_in_the_captions() -> None:
    x1, w0 = sympy.symbols("x1 w0")
    assert text(x1 ** 2 + w0 * x1) == "x₁² + w₀·x₁"
    assert text(sympy.Derivative(sympy.Symbol("v1"), w0)) == "∂v₁/∂w₀"
    assert text(x1 ** 2 + w0 * x1, pretty=False) == "x1**2 + w0*x1"  # JSON stays code
    assert tex(x1) == "x_{1}"


def test_a_graphs_edges_and_formulas_name_a_node_alike() -> None:
    problem = derive.problem("graph", expression="relu(w1*relu(w0*x0 + b0) + b1 + x0)",
                             at="x0=1,w0=0.3,w1=-0.2,b0=0.1,b1=-0.3", name="z")
    shown, answers = derive.render(derive.solve(problem), "text").split("   Answers:")
    assert "w₀ → v₁  ∂v₁/∂w₀ = x₀" in shown and "w0" not in shown
    assert "dz/dw0 = -0.2" in answers  # a key as a claim names it
