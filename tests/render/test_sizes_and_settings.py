"""Sizes and settings as a TA writes them (issue 19): 30 × 30 with a real times sign in
every format but JSON, a step size in an answer box as eta = 0.1 (the typed name stays)."""

from __future__ import annotations

import derive


def test_sizes_in_tables_and_claims_have_a_times_sign(run_cli) -> None:
    args = ("conv-size", "--input", "32x32", "--layer", "conv k=3", "--claim", "output=30 x 30")
    out = {fmt: run_cli(*args, "--format", fmt)[1] for fmt in ("text", "markdown", "latex",
                                                                "json")}
    assert "output  30 × 30  30 × 30  correct" in out["text"]
    table = derive.render(derive.solve(derive.problem("conv-size", input="32x32",
                                                      layers=["conv k=3"])), "text")
    assert "input    32 × 32" in table and "32 x 32" not in table
    assert r"| $32 \times 32$ |" in out["markdown"] and "`30 x 30`" not in out["markdown"]
    assert r"- output — *correct*: $30 \times 30$" in out["markdown"]
    assert r"\derivelabel{output} & $30 \times 30$ \checkmark" in out["latex"]
    assert "30 x 30" not in out["latex"] and "30 x 30" in out["json"]


def test_a_step_size_in_a_box_is_eta() -> None:
    solution = derive.solve(derive.problem("gd", function="x1**2", x0="1", lr=["0.1"]))
    markdown = derive.render(solution, "markdown")
    # the box says what happened as a sentence; x_k = 0.8^k, and |f_{k+1} - f_k| = 0.36 * 0.64^k
    # first drops below 1e-6 at k = 29, so the run stops at x_30
    assert (r"verdict $(\eta = 0.1)$: $\boxed{\text{converges (30 steps to } |f(x_{k+1}) - "
            r"f(x_{k})| < 10^{-6} \text{)}}$") in markdown
    assert "lr 0.1 verdict" not in markdown
    assert "lr 0.1 verdict = converged" in derive.render(solution, "text")  # the typed name
    assert solution.answers["lr 0.1 verdict"] == "converged"


def test_seed_000_pages_read_as_a_key(run_cli) -> None:
    # p. 5: a dotted torch name is one piece of code; a claimed name reads as its box does
    out = run_cli("attention-params", "--d-model", "256", "--heads", "8", "--claim",
                  "per_head=98304", "--format", "latex")[1]
    assert r"\texttt{out\_proj.weight}" in out and r"\texttt{out\_proj}.weight" not in out
    assert r"per_{\mathrm{head}}" not in out and "per head" in out
    # p. 8: the shapes the steps show are listed once, not boxed one by one
    solution = derive.solve(derive.problem("mlp-grad", layers="3072,256,10"))
    markdown = derive.render(solution, "markdown")
    assert "shape of" not in markdown.split("**Answers**")[-1].split("*Further")[0]
    assert solution.answers["shape of W_1"] == (256, 3072)
