"""The CLI: help with examples, version, formats from suffixes, atomic output, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

COMMANDS = ["params", "conv-size", "attention-params", "loss", "sheet"]


def test_no_arguments_shows_what_it_can_do(run_cli) -> None:
    status, out, _ = run_cli()
    assert status == 0 and all(command in out for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_has_an_example(run_cli, command: str) -> None:
    status, out, _ = run_cli(command, "--help")
    assert status == 0 and "Example" in out and f"derive {command}" in out


def test_version(run_cli) -> None:
    import derive

    status, out, _ = run_cli("--version")
    assert status == 0 and derive.__version__ in out


def test_python_m_derive_is_the_same_program() -> None:
    result = subprocess.run([sys.executable, "-m", "derive", "params", "--layers", "3,2"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "= 8" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "derive", "params", "--layers", "x"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


@pytest.mark.parametrize("suffix, marker", [(".tex", "\\documentclass"), (".md", "$$"),
                                            (".json", '"answers"'), (".txt", "Answers:")])
def test_output_format_from_suffix(run_cli, tmp_path, suffix: str, marker: str) -> None:
    target = tmp_path / f"out{suffix}"
    status, out, _ = run_cli("params", "--layers", "4,3", "-o", str(target))
    assert status == 0 and out == "" and marker in target.read_text()


def test_unknown_suffix_without_format_is_refused(run_cli, tmp_path) -> None:
    status, _, err = run_cli("params", "--layers", "4,3", "-o", str(tmp_path / "out.docx"))
    assert status == 2 and "--format" in err and not (tmp_path / "out.docx").exists()


def test_failed_run_leaves_no_file_and_keeps_the_old_one(run_cli, tmp_path) -> None:
    target = tmp_path / "key.json"
    target.write_text("old")
    status, _, _ = run_cli("params", "--layers", "0", "-o", str(target))
    assert status == 2 and target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["key.json"]


def test_missing_output_folder_is_an_error(run_cli, tmp_path) -> None:
    status, _, err = run_cli("params", "--layers", "4,3", "-o", str(tmp_path / "no" / "x.md"))
    assert status == 2 and "does not exist" in err


def test_sheet_renders_builtin_set_and_a_file(run_cli, tmp_path) -> None:
    status, out, _ = run_cli("sheet", "--format", "json")
    data = json.loads(out)
    assert status == 0 and len(data["problems"]) >= 4
    kinds = {p["kind"] for p in data["problems"]}
    assert {"params", "conv-size", "attention-params", "loss"} <= kinds
    status, out, _ = run_cli("sheet", "--no-solutions", "--format", "markdown")
    assert status == 0 and "**Answers**" not in out


def test_usage_errors_are_one_line(run_cli) -> None:
    status, out, err = run_cli("params")
    assert status == 2 and out == "" and err.count("\n") == 1 and "--layers" in err
    status, _, err = run_cli("frobnicate")
    assert status == 2 and err.count("\n") == 1


def test_click_errors_read_as_one_sentence(run_cli) -> None:
    status, _, err = run_cli("-V")
    assert status == 2 and err == "derive: error: No such option '-V'; see 'derive --help'\n"


@pytest.mark.parametrize("args, named", [
    (["params", "--layers", "100,x"], "'x'"),
    (["params", "--layers", "100,,50"], "entry 2"),
    (["params", "--layers", "4,3", "--claim", "total=1e400"], "claim 'total'"),
    (["params", "--layers", "4,3", "--claim", "totl=15"], "claim 'totl'"),
])
def test_bad_input_names_what_is_wrong(run_cli, args, named) -> None:
    status, _, err = run_cli(*args)
    assert status == 2 and named in err and err.count("\n") == 1
    assert "problem 'problem'" not in err


def test_a_huge_integer_claim_in_a_file_is_one_line(run_cli, tmp_path) -> None:
    path = tmp_path / "set.toml"
    path.write_text('[[problems]]\nkind = "params"\nlayers = "4,3"\n'
                    f'claims = {{ total = {10**400} }}\n')
    status, _, err = run_cli("check", str(path))
    assert status == 2 and "claim 'total'" in err and "Traceback" not in err


def test_an_end_of_file_is_bad_input_not_an_interrupt(run_cli, monkeypatch) -> None:
    """click turns an EOFError into the Abort it raises for Ctrl-C; only Ctrl-C exits 130."""
    import derive.problems.params as params

    def truncated(*args, **kwargs):
        raise EOFError("Ran out of input")

    monkeypatch.setattr(params, "solve", truncated)
    status, out, err = run_cli("params", "--layers", "3,2")
    assert status == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last == "derive: error: unexpected end of input (Ran out of input)"


@pytest.mark.parametrize("claim", ["output=16 x \u00b2", "output=16 x 1\u0663"])
def test_a_shape_claim_with_other_digits_is_judged_not_a_traceback(run_cli, claim) -> None:
    status, out, err = run_cli("conv-size", "--input", "32x32", "--kernel", "5", "--channels",
                               "3", "--out-channels", "6", "--claim", claim)
    assert status == 1 and "wrong" in out and "Traceback" not in err


def test_a_single_file_output_written_as_a_folder_is_refused(run_cli, tmp_path) -> None:
    for written in (f"{tmp_path / 'newdir'}/", f"{tmp_path / 'key.tex'}/"):
        status, _, err = run_cli("params", "--layers", "3,2", "--format", "text", "-o", written)
        assert status == 2 and "names a folder" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
