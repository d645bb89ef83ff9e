"""From a command's fields to its output: solve, render, judge claims, write or echo."""

from __future__ import annotations

import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from derive.commands.options import written_as_folder
from derive.errors import DeriveError, InputError


def emit(kind: str, fields: dict[str, Any], fmt: str | None, output: Path | None,
         fragment: bool, digits: int, claims: tuple[str, ...] = ()) -> None:
    """Validate `fields` as a problem of `kind`, solve it, render it, write or echo it; with
    claims, judge them and report (exit status 1 when one is wrong)."""
    from derive import problem, solve
    from derive.output import choose_format, rendered_as
    from derive.render import render

    chosen = choose_format(fmt, output)
    if claims:
        fields = {**fields, "claims": dict(parse_claim(claim) for claim in claims)}
    solution = solve(problem(kind, **{k: v for k, v in fields.items() if v is not None}))
    if claims:
        report([solution], chosen, output, digits, strict=False, rtol=None)
        return
    finish(render(solution, rendered_as(chosen), fragment=fragment, digits=digits,
                  pictures=pictures_beside(output)), output, chosen)


def pictures_beside(output: Path | None) -> str | None:
    """Where a document's drawn pictures go: `out/key` for `-o out/key.md` (`key-1.png`
    beside it); None when it is echoed (nothing is drawn)."""
    return None if output is None else str(output.with_suffix(""))


def parse_claim(claim: str) -> tuple[str, Any]:
    """NAME=VALUE: a number keeps its written digits; 1,2;3,4 is a matrix; else a text. The
    numbers are bounded where every claim is, when the problem is validated."""
    name, separator, value = claim.partition("=")
    if not separator or not name.strip():
        raise DeriveError(f"claim: write NAME=VALUE, got {claim!r}")
    rows = _numbers(value)
    if rows is None:
        return name.strip(), value.strip()
    if len(rows) == 1 and len(rows[0]) == 1 and "," not in value:
        return name.strip(), rows[0][0]
    return name.strip(), rows if ";" in value else rows[0]


def _numbers(value: str) -> list[list[Decimal]] | None:
    """Rows of numbers when every entry is one (`1,2;3,4`), else None (a text, a formula)."""
    from derive.converters import entries

    try:
        return [[Decimal(item) for item in entries(row, "claim")]
                for row in entries(value, "claim", r"\s*;\s*")]
    except (InvalidOperation, DeriveError):
        return None


def report(solutions: list[Any], chosen: str, output: Path | None, digits: int, strict: bool,
           rtol: float | None, title: str = "") -> None:
    """Judge every claim; write the report; exit 1 when one is wrong (or a slip, if strict)."""
    from derive.output import rendered_as
    from derive.render import render_set
    from derive.render.report import report_json, report_text
    from derive.verdicts import check

    verdicts = {s.problem.id: check(s, rtol) for s in solutions}
    flat = [v for judged in verdicts.values() for v in judged]
    if chosen == "text":
        text = report_text(flat, digits)
    elif chosen == "json":
        text = report_json(flat)
    else:
        text = render_set(title, solutions, rendered_as(chosen), digits=digits, checks=verdicts,
                          pictures=pictures_beside(output))
    finish(text, output, chosen)
    failing = {"wrong", "rounding slip"} if strict else {"wrong"}
    if any(v.verdict in failing for v in flat):
        sys.exit(1)


def finish(text: str, output: Path | None, chosen: str) -> None:
    """Echo `text`, or write it to `output` atomically (compiled first when a PDF)."""
    from derive.output import write_atomic
    from derive.pdf import write_pdf

    if output is None:
        click.echo(text, nl=False)
        return
    if written_as_folder():
        raise InputError(f"output: '{output}{os.sep}' names a folder; give a file name "
                         "(without the trailing separator)")
    if chosen == "pdf":
        write_pdf(output, text, output.parent)  # pictures are named beside the document
    else:
        write_atomic(output, text)
    click.echo(f"wrote {output}", err=True)
