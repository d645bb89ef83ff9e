"""optimize's key as a reader sees it (issue 19): subscripts that are expressions stay
grouped in text, the gradient is ∇f, and every setting is one piece of code."""

from __future__ import annotations

import derive


def _solved() -> derive.Solution:
    return derive.solve(derive.problem(
        "optimize", function="x1**2 + 10*x2**2", x0="1,1",
        optimizer="Adagrad(lr=0.5, lr_decay=0.1)", steps=2))


def test_text_groups_expression_subscripts_and_writes_nabla() -> None:
    text = derive.render(_solved(), "text")
    assert "gₜ = ∇f(x_(t − 1))" in text
    assert "x_t - 1" not in text and "\\nabla" not in text and "nabla f(" not in text
    assert "η̃ₜ = ηₜ/(1 + (t − 1)·δ)" in text and "tildeeta" not in text
    assert "Gₜ = G_(t − 1) + gₜ²" in text


def test_settings_are_code_in_every_format() -> None:
    solution = _solved()
    call = "Adagrad(lr=0.5, lr_decay=0.1"  # as the problem wrote it: no default spelled out
    assert call + ")" in derive.render(solution, "text")
    assert "weight_decay=0.0" not in derive.render(solution, "text")
    markdown = derive.render(solution, "markdown")
    assert f"`{call}" in markdown and r"\mathrm{lr}_{\mathrm{decay}}" not in markdown
    latex = derive.render(solution, "latex")
    assert r"\texttt{Adagrad(lr=0.5,}" in latex and r"\texttt{lr\_decay=0.1)}" in latex
    assert r"\mathrm{lr}_{\mathrm{decay}}" not in latex and "lrdecay" not in latex
