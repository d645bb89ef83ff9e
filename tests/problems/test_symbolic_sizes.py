"""Sizes named by letters (--layers D,H,C): answers as polynomials and shapes in the letters,
each equal to the numeric path at the letters' small stand-ins."""

from __future__ import annotations

import pytest
import sympy

import derive
from derive.claimed_number import claimed_shape, compare
from derive.errors import InputError
from derive.solution import Formula, Shape
from derive.symbolic.sizes import letter, stand_ins, substitution

D, H, C = (letter(name) for name in "DHC")


def test_params_counts_are_polynomials_in_the_letters() -> None:
    answers = derive.solve(derive.problem("params", layers="D,H,C")).answers
    total = answers["total"]
    assert isinstance(total, Formula)
    assert sympy.expand(total.expr - (D * H + H + H * C + C)) == 0
    assert sympy.expand(answers["weights"].expr - (D * H + H * C)) == 0


@pytest.mark.parametrize("sizes", ["D,H,C", "N,N1,K", "D,100,C", "X,Y,X,Z"])
def test_params_in_letters_equals_the_numeric_count_at_the_stand_ins(sizes: str) -> None:
    layers = derive.problem("params", layers=sizes).layers  # type: ignore[attr-defined]
    lettered = derive.solve(derive.problem("params", layers=sizes)).answers["total"]
    numeric = derive.solve(derive.problem("params", layers=list(stand_ins(layers)))).answers
    assert lettered.expr.xreplace(substitution(layers)) == numeric["total"]


def test_a_polynomial_claim_is_judged_symbolically() -> None:
    problem = derive.problem("params", layers="D,H,C",
                             claims={"total": "D*H + H + H*C + C", "weights": "D*H + H*C + C"})
    verdicts = derive.check(derive.solve(problem))
    assert [v.verdict for v in verdicts] == ["correct", "wrong"]


def test_mlp_grad_shapes_are_in_the_letters() -> None:
    problem = derive.problem("mlp-grad", layers="D,H,C", convention="XW", hidden="relu")
    answers = derive.solve(problem).answers
    assert answers["shape of W_2"] == Shape(("H", "C"))
    assert answers["shape of dZ_1/dW_1"] == Shape(("H", "D", "H"))
    assert tuple(map(str, answers["shape of Z_1"])) == ("N", "H")
    assert compare(answers["shape of W_2"], "H x C") == "correct"
    assert compare(answers["shape of W_2"], "C x H") == "wrong"


def test_mlp_grad_letters_match_the_numeric_shapes_at_the_stand_ins() -> None:
    layers = ("D", "H", "C")
    lettered = derive.solve(derive.problem("mlp-grad", layers=list(layers)))
    numeric = derive.solve(derive.problem("mlp-grad", layers=list(stand_ins(layers))))
    numbers = {str(k): v for k, v in substitution(layers).items()}
    for key in lettered.answers:
        value = lettered.answers[key]
        if isinstance(value, Shape):
            at = tuple(numbers.get(str(n), n) for n in value)
            assert at == tuple(numeric.answers[key])


def test_the_batch_letter_n_is_refused_as_a_width_in_a_row_convention() -> None:
    with pytest.raises(InputError, match="layers.*batch"):
        derive.problem("mlp-grad", layers="N,H,C", convention="XW")


@pytest.mark.parametrize("bad", ["d,H", "D,__class__", "D,Hx_y", ",".join("ABCDEFGHIJKLM")])
def test_letters_go_through_an_allowlist(bad: str) -> None:
    with pytest.raises(InputError, match="layers"):
        derive.problem("params", layers=bad)


def test_claimed_shapes_read_letters() -> None:
    assert claimed_shape("C x (H x C)") == ("C", "H", "C")
    assert claimed_shape("N_1 x 1") == ("N1", 1)
