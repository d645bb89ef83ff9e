"""Each command's --claim help shows claims that fit it: checked against the command's own
examples (one of them has every claim correct)."""

from __future__ import annotations

import re
import shlex

import pytest
from click.testing import CliRunner

from derive.cli import cli as main


def _help(command: str) -> str:
    return " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())


def _examples(help_text: str, command: str) -> list[list[str]]:
    lines = help_text.split("Example", 1)[1].split(" Answers")[0].replace(" \\ ", " ")
    return [shlex.split(line) for line in lines.split(f"derive {command} ")[1:]]


def _claims(help_text: str) -> list[str]:
    shown = help_text.split("Check a claimed answer, repeatable: ", 1)[1]
    return [shlex.split(c)[0] for c in re.findall(r"--claim ('[^']*'|[^\s,]+)", shown)]


@pytest.mark.parametrize("command", ["model-backprop", "layer-grad", "bptt"])
def test_claim_help_fits_the_command(command: str) -> None:
    text = _help(command)
    claims = _claims(text)
    assert claims and not any("6585" in c or "dW_2" in c for c in claims)
    codes = []
    for example in _examples(text, command):
        args = [command, *example, *(a for c in claims for a in ("--claim", c))]
        codes.append(CliRunner().invoke(main, args).exit_code)  # 1: a claim is wrong
    assert 0 in codes, codes
