"""Property-based: malformed and extreme input to the loader, parser and commands never
escapes as anything but a `DeriveError` (one line, exit 2 at the CLI)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.cli import main
from derive.errors import DeriveError
from derive.expr import parse
from derive.problemset import from_data, loads

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)
KINDS = ["params", "conv-size", "attention-params", "loss", "mlp-grad", "softmax-ce",
         "backprop", "graph", "gd", "jacobian", "nope"]
FIELDS = ["id", "layers", "bias", "input", "channels", "d_model", "heads", "ffn", "num_layers",
          "logits", "probs", "target", "label", "losses", "reduction", "statement", "kernel",
          "hidden", "output", "loss", "convention", "names", "slope", "classes", "half_mse",
          "x", "weights", "biases", "lr", "expression", "at", "name", "function", "x0",
          "tol", "max_steps", "of", "wrt", "entry", "layout", "fn", "claims"]


@FUZZ
@given(st.text(max_size=300))
def test_parser_refuses_or_parses(text: str) -> None:
    try:
        parse(text)
    except DeriveError as error:
        assert "\n" not in str(error)


@FUZZ
@given(st.text(max_size=400))
def test_loader_on_arbitrary_text(text: str) -> None:
    with contextlib.suppress(DeriveError):
        loads(text)


@FUZZ
@given(st.sampled_from(KINDS), st.dictionaries(st.sampled_from(FIELDS), values, max_size=5))
def test_loader_on_arbitrary_problems(kind: str, fields: dict) -> None:
    try:
        for solution in derive.solve_set(from_data({"problems": [{"kind": kind, **fields}]}, "f")):
            derive.render(solution, "latex")
    except DeriveError:
        pass


option_text = st.one_of(st.text(max_size=20), st.from_regex(r"-?[0-9]{1,12}([.,x;][0-9]{0,6}){0,4}",
                                                            fullmatch=True))


@FUZZ
@given(st.sampled_from([
    ["params", "--layers"], ["conv-size", "--kernel", "3", "--input"],
    ["conv-size", "--input", "32", "--layer"], ["attention-params", "--heads", "4", "--d-model"],
    ["loss", "--label", "0", "--logits"], ["loss", "--logits", "1,2", "--target"],
    ["mlp-grad", "--layers"], ["mlp-grad", "--layers", "4,3,2", "--names"],
    ["mlp-grad", "--layers", "4,3,2", "--hidden"], ["mlp-grad", "--layers", "4,3", "--slope"],
    ["softmax-ce", "--classes"], ["softmax-ce", "--logits"],
    ["backprop", "--target", "0,1", "--weights", "1,2;3,4", "--x"],
    ["backprop", "--x", "1,0", "--target", "0,1", "--weights"],
    ["graph", "x*y + 1", "--at"], ["graph", "--at", "x=1,y=2"],
    ["gd", "x1**2 + x2**2", "--x0"], ["gd", "x1**2", "--x0", "1", "--lr"],
    ["gd", "--x0", "1,1"],
    ["jacobian", "--layers", "2,2,2", "--wrt"], ["jacobian", "--fn", "softmax", "--at"],
    ["params", "--layers", "4,3", "--claim"], ["mlp-grad", "--layers", "4,3,2", "--claim"],
]), option_text)
def test_commands_never_trace_back(capsys, command: list[str], value: str) -> None:
    with pytest.raises(SystemExit) as stop:
        main([*command, value])
    captured = capsys.readouterr()
    assert stop.value.code in (0, 2)
    assert "Traceback" not in captured.err
    if stop.value.code == 2:
        assert captured.out == "" and captured.err.count("\n") == 1
