"""Issue 19: a key keeps the problem's own notation in captions, claims and answer boxes.

Shapes in step captions print letters as the rest does (N_1, not N1); generic captions name
the problem's quantities (Yhat, Y where it writes them); the claims list names the loss as the
answer boxes do (ell); a step that shows a declared answer is not boxed a second time.
"""

from __future__ import annotations

import derive
from derive.answers import Key
from derive.render.values import shape_math


def _key(kind: str, fmt: str, **fields: object) -> str:
    solution = derive.solve(derive.problem(kind, **fields))
    return derive.render_set("", [solution], fmt, checks={solution.problem.id:
                                                           derive.check(solution)})


def test_step_shapes_print_letters_with_subscripts() -> None:
    import sympy

    N1 = sympy.Symbol("N1")
    assert shape_math((N1, 1)) == r"N_{1} \times 1"
    assert shape_math((N1, 1), "text") == "N₁ × 1"
    fields = dict(layers=["N", "N1", "K"], sizes={"N": 3, "N1": 4, "K": 2}, hidden="relu",
                  convention="WTx", of="yhat", wrt="W1", layout="denominator")
    for fmt in ("latex", "markdown"):
        key = _key("jacobian", fmt, **fields)
        assert r"(result of shape $N_{1} \times 1$)" in key
        assert "N1 \\times" not in key and "\\times N1" not in key
    assert "N1" not in derive.render(derive.solve(derive.problem("jacobian", **fields)), "text")


def test_generic_captions_use_the_problems_names() -> None:
    fields = dict(layers=["D", "H", "C"], hidden="relu", convention="XW")
    key = _key("mlp-grad", "markdown", **fields)
    assert r"\hat{Y}_{j} = e^" in key and r"\sum_{j} Y_{j} = 1" in key
    assert r"(\hat{Y} - Y)" in key
    assert r"\hat{y}" not in key and "y_{j}" not in key
    text = derive.render(derive.solve(derive.problem("mlp-grad", **fields)), "text")
    assert "ŷ" not in text and "Ŷ" in text


def test_claims_name_the_loss_as_the_boxes_do() -> None:
    fields = dict(layers=[4, 3, 2], hidden="sigmoid", claims={"dl/dW_2": "(yhat - y) @ a_1.T"})
    solution = derive.solve(derive.problem("mlp-grad", **fields))  # its steps write ell
    key = derive.render_set("", [solution], "markdown",
                            checks={solution.problem.id: derive.check(solution)})
    claims = key.split("**Claims checked**")[1]
    assert r"\partial \ell/\partial W_{2}" in claims and r"\partial l/" not in claims


def test_the_total_is_boxed_once() -> None:
    solution = derive.solve(derive.problem("params", layers=[100, 50, 25, 10]))
    keys = [answer.key for answer in solution.answers.entries()]
    assert Key("total") in keys and Key("P") not in keys
    key = derive.render(solution, "markdown")
    assert key.count(r"\boxed{6585}") == 1


def test_causes_name_the_loss_as_the_boxes_do() -> None:
    from derive.render.report import _loss_named

    assert _loss_named("dl/dW_0^1 was used as rounded", True) == "dell/dW_0^1 was used as rounded"
    assert _loss_named("dl/dH was used", False) == "dl/dH was used"
    from derive.answers import parse_key
    from derive.render.keys import key_display

    assert key_display(parse_key("dl/dW^1 (in the W^1 update)"), True).startswith("dell/dW^1")
