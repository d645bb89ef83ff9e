"""The report of `derive check`: claims judged, as a text table, JSON, or marked-up keys."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from derive.render.json import plain
from derive.render.printing import tex, text
from derive.render.tex import tex_escape
from derive.render.values import tex_value, text_value
from derive.solution import Formula

if TYPE_CHECKING:
    from derive.verdicts import Verdict

HEADER = ("problem", "answer", "claimed", "correct", "verdict", "cause")


def _right_text(verdict: Verdict, digits: int) -> str:
    truth = verdict.correct
    return text(truth.expr) if isinstance(truth, Formula) else text_value(truth, digits)


def _claimed_text(verdict: Verdict, digits: int) -> str:
    claim = verdict.claimed
    return claim if isinstance(claim, str) else text_value(_listed(claim), digits)


def _listed(value: Any) -> Any:
    return [_listed(v) for v in value] if isinstance(value, tuple) else value


def report_text(verdicts: Sequence[Verdict], digits: int) -> str:
    """A table with one row per claim, then a one-line summary."""
    rows = [HEADER] + [(v.problem, v.answer, _claimed_text(v, digits), _right_text(v, digits),
                        v.verdict, v.cause) for v in verdicts]
    widths = [min(40, max(len(row[i]) for row in rows)) for i in range(len(HEADER) - 1)]
    lines = ["  ".join(cell[:40].ljust(width) for cell, width in zip(row, widths, strict=False))
             + "  " + row[-1] for row in rows]
    counts = {name: sum(v.verdict == name for v in verdicts)
              for name in ("correct", "rounding slip", "wrong")}
    summary = ", ".join(f"{count} {name}" for name, count in counts.items())
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:], "", f"{summary}."]) + "\n"


def report_json(verdicts: Sequence[Verdict]) -> str:
    """One object per claim: problem, answer, claimed, correct, verdict, cause."""
    data = [{"problem": v.problem, "answer": v.answer, "claimed": plain(_listed(v.claimed)),
             "correct": plain(v.correct), "verdict": v.verdict, "cause": v.cause}
            for v in verdicts]
    return json.dumps({"claims": data}, indent=2, sort_keys=True, allow_nan=False) + "\n"


def check_context(verdict: Verdict, digits: int, fmt: str) -> dict[str, Any]:
    """A judged claim ready for a template: claimed and correct values in TeX."""
    claim = verdict.claimed
    if isinstance(claim, str):
        claimed = rf"\texttt{{{tex_escape(claim)}}}" if fmt == "latex" else f"`{claim}`"
    else:
        claimed = f"${tex_value(_listed(claim), digits)}$"
    truth = verdict.correct
    correct = tex(truth.expr) if isinstance(truth, Formula) else tex_value(truth, digits)
    return {"answer": verdict.answer, "claimed": claimed, "correct": correct,
            "verdict": verdict.verdict, "cause": verdict.cause,
            "wrong": verdict.verdict != "correct"}
