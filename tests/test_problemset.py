"""Problem-set files: TOML in, validated problems out; every mistake names id and field."""

from __future__ import annotations

from decimal import Decimal

import pytest

import derive
from derive.errors import InputError
from derive.problemset import builtin, loads

ALL_KINDS = '''
title = "Four kinds"

[[problems]]
id = "a"
kind = "params"
layers = [100, 50, 25, 10]

[[problems]]
id = "b"
kind = "conv-size"
input = "32x32"
layers = [{ kernel = 3 }]

[[problems]]
id = "c"
kind = "attention-params"
d_model = 256
heads = 8

[[problems]]
id = "d"
kind = "loss"
logits = [0.5, 0.3, 0.8]
target = [0.30, 0.6, 0.1]
losses = ["mse", "ce"]
'''


def test_file_with_all_four_kinds(tmp_path) -> None:
    path = tmp_path / "set.toml"
    path.write_text(ALL_KINDS)
    problem_set = derive.load(path)
    assert problem_set.title == "Four kinds"
    answers = [s.answers for s in derive.solve_set(problem_set)]
    assert answers[0]["total"] == 6585 and answers[1]["output"] == (30, 30)
    assert answers[2]["attention"] == 263168 and round(answers[3]["ce"], 4) == 1.2433
    assert problem_set.problems[3].target == ((Decimal("0.30"), Decimal("0.6"), Decimal("0.1")),)


def test_builtin_set_solves() -> None:
    assert len(derive.solve_set(builtin())) == len(builtin().problems) >= 4


@pytest.mark.parametrize("text, expected", [
    ('[[problems]]\nid = "q"\nkind = "params"\nlayers = [1, 2]\nwidth = 3', "'width'"),
    ('[[problems]]\nid = "q"\nkind = "params"\nlayers = "big"', "problem 'q', field 'layers'"),
    ('[[problems]]\nid = "q"\nkind = "params"', "problem 'q', field 'layers': missing"),
    ('[[problems]]\nid = "q"\nkind = "nope"', "unknown kind 'nope'"),
    ('[[problems]]\nid = "q"\nlayers = [1, 2]', "field 'kind'"),
    ('[[problems]]\nid = "q"\nkind = "params"\nlayers = [1,2]\n[[problems]]\nid = "q"\n'
     'kind = "params"\nlayers = [1,2]', "used twice"),
    ('title = 3\n[[problems]]\nkind = "params"\nlayers = [1,2]', "title"),
    ('problems = 3', "[[problems]]"),
    ('extra = 1\n[[problems]]\nkind = "params"\nlayers = [1,2]', "'extra'"),
    ('[[problems]\nkind=', "not valid TOML"),
    ('[[problems]]\nid = "bad id!"\nkind = "params"\nlayers = [1,2]', "field 'id'"),
])
def test_errors_name_problem_and_field(text: str, expected: str) -> None:
    with pytest.raises(InputError) as error:
        loads(text)
    assert expected in str(error.value)


def test_missing_file_is_a_clear_error(run_cli, tmp_path) -> None:
    status, out, err = run_cli("sheet", str(tmp_path / "nope.toml"))
    assert status == 2 and out == "" and "no such file" in err


@pytest.mark.parametrize("body, field", [
    ('kind = "params"\nlayers = [4, 3]\nstatement = "see $\\\\input{/etc/passwd}$"', "statement"),
    ('kind = "graph"\nexpression = "__import__(\'os\').system(\'ls\')"\nat = { x = 1 }',
     "expression"),
    ('kind = "params"\nlayers = [4, 99999999999]', "layers"),
    ('kind = "params"\nlayers = "4,3"\nclaims = { total = [[[[1]]]] }', "claims"),
    ('kind = "mlp-grad"\nlayers = [4, 3]\nnames = { W = "\\\\input" }', "names"),
    ('kind = "params"\nlayers = ' + "[" * 200 + "]" * 200, "problem"),
])
def test_a_hostile_sheet_is_refused_with_one_line(run_cli, tmp_path, body, field) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(f"[[problems]]\n{body}\n", encoding="utf-8")
    status, out, err = run_cli("sheet", str(path), "-o", str(tmp_path / "key.tex"))
    assert status == 2 and out == "" and "Traceback" not in err and err.count("\n") == 1
    assert field in err or "nested" in err or "not valid" in err
    assert not (tmp_path / "key.tex").exists()


def test_a_set_has_a_time_budget() -> None:
    """500 mlp-grad problems took over 10 s; the set is refused up front (issue 13)."""
    text = "".join(f'[[problems]]\nkind = "mlp-grad"\nlayers = "4,3,2"\nseed = {i}\n'
                   for i in range(500))
    with pytest.raises(InputError, match=r"500 problems would take about 50 s \(at most 10 s"):
        derive.loads(text)
