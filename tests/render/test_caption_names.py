"""Issue 19: output-layer captions name the problem's own z, yhat and y; an entry of a
subscripted name is grouped, (S_2)_j, as the formulas print it, in TeX and in Unicode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import derive
from derive.render.captions import caption_tex, caption_unicode
from derive.symbolic.output_loss import Names
from derive.symbolic.outputs import PAIRS

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
QUOTIENT = "quotient rule on yhat_j = e^{z_j} / sum_k e^{z_k}: the softmax Jacobian is " \
           "diag(yhat) - yhat yhat^T"


def _captions(path: Path, problem_id: str) -> list[str]:
    """The step captions of one problem of an example set."""
    problems = derive.load(path).problems
    problem = next(p for p in problems if p.id == problem_id)
    return [step.why for step in derive.solve(problem).steps]


def test_seed_004_names_its_logits_in_the_quotient_rule() -> None:
    quotient = next(why for why in _captions(EXAMPLES / "seed-004.toml", "two-layer-shapes")
                    if why.startswith("quotient rule"))
    latex = caption_tex(quotient)
    assert r"e^{\left(S_{2}\right)_{j}}" in latex and r"e^{\left(S_{2}\right)_{k}}" in latex
    assert "z_{j}" not in latex and "z_{k}" not in latex
    text = caption_unicode(quotient)
    assert "e^((S₂)ⱼ)" in text and "Σₖ e^((S₂)ₖ)" in text
    assert "\\" not in text and "$" not in text and "{" not in text


def test_seed_001_groups_a_subscripted_output() -> None:
    captions = _captions(EXAMPLES / "seed-001.toml", "batched-gradients")
    latex = " ".join(caption_tex(why) for why in captions)
    assert r"\log \left(A_{3}\right)_{j}" in latex
    assert r"\left(Z_{3}\right)_{j}" in latex and r"\hat{y}" not in latex


def test_a_name_without_subscript_is_written_as_is() -> None:
    caption = Names(z="Z", yhat="Yhat", y="Y").caption(QUOTIENT)
    assert caption.startswith("quotient rule on Yhat_j = e^{Z_j} / sum_k e^{Z_k}")
    assert caption_tex(caption).startswith(r"quotient rule on $\hat{Y}_{j} = e^{Z_{j}}")


def test_default_names_leave_a_caption_alone() -> None:
    assert Names().caption(QUOTIENT) == QUOTIENT


def test_words_keep_their_letters() -> None:
    names = Names(z="S_2", yhat="A_2", y="T_2")
    assert names.caption("every size by z, dl/dyhat") == "every size by S_2, dl/dA_2"


def test_a_missing_subscript_character_stays_readable() -> None:
    assert caption_unicode("sum_q e^{(A_3)_q}") == "Σ_q e^((A₃)_q)"
    assert caption_tex("sum_q (A_3)_q") == r"$\sum_{q} \left(A_{3}\right)_{q}$"


@pytest.mark.parametrize("pair", sorted(PAIRS), ids="-".join)
@pytest.mark.parametrize("rows", [True, False], ids=["rows", "columns"])
def test_every_pair_captions_its_names(pair: tuple[str, str], rows: bool) -> None:
    names = Names(z="S_2", yhat="A_2", y="T_2") if rows else Names(z="z_2", yhat="A_2")
    for step in names.steps(PAIRS[pair].derivation(names, False)):
        latex, text = caption_tex(step.why), caption_unicode(step.why)
        assert "hat{y}" not in latex and "ŷ" not in text, step.why
        assert not re.search(r"(?<![\\\w])z_\{[ijk]\}|_\{2\}_|_\{2_", latex), latex
        assert "\\" not in text and "$" not in text and "{" not in text, text
