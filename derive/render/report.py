"""The report of `derive check`: claims judged, as a text table, JSON, or marked-up keys."""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from derive.render.captions import caption_unicode
from derive.render.claim_math import claim_tex
from derive.render.json import plain
from derive.render.printing import tex, text
from derive.render.tex import tex_escape
from derive.render.values import claim_value, tex_value, text_value
from derive.solution import Formula

if TYPE_CHECKING:
    from derive.verdicts import Verdict

HEADER = ("problem", "answer", "claimed", "correct", "verdict", "cause")


def _right_text(verdict: Verdict, digits: int) -> str:
    truth = verdict.correct
    return text(truth.expr) if isinstance(truth, Formula) else text_value(truth, digits)


def _claimed_text(verdict: Verdict, digits: int) -> str:
    claim = verdict.claimed
    if isinstance(claim, str) and CLAIMED_SIZE.fullmatch(claim):
        return claim.replace(" x ", " × ")
    # echoed as a claims file writes it (ASCII minus), so it can be found and fixed there
    return claim if isinstance(claim, str) else claim_value(_listed(claim), digits)


CLAIMED_SIZE = re.compile(r"[\w()]+(?: x [\w()]+)+")  # a claimed shape: 30 x 30, C x (H x C)


def _listed(value: Any) -> Any:
    return [_listed(v) for v in value] if isinstance(value, tuple) else value


WIDTH = 40  # a column wider than this wraps onto more lines; nothing is cut


def _wrapped_row(row: Sequence[str], widths: Sequence[int]) -> list[str]:
    """One table row as lines: each cell wrapped to its column (long formulas break at spaces,
    or mid-token when they have none); the last column runs on."""
    cells = [textwrap.wrap(cell, width, break_on_hyphens=False) or [""]
             for cell, width in zip(row[:-1], widths, strict=True)] + [[row[-1]]]
    height = max(len(cell) for cell in cells)
    return ["  ".join(_padded(cell[i] if i < len(cell) else "", width)
                      for cell, width in zip(cells[:-1], widths, strict=True))
            + "  " + (cells[-1][0] if i == 0 else "") for i in range(height)]


def _padded(text: str, width: int) -> str:
    """`text` padded to `width` columns: a combining mark (the hat of ŷ) takes none."""
    shown = sum(not unicodedata.combining(char) for char in text)
    return text + " " * max(0, width - shown)


def report_text(verdicts: Sequence[Verdict], digits: int) -> str:
    """A table with one row per claim (long cells wrapped), then a one-line summary."""
    rows = [HEADER] + [(v.problem, v.answer, _claimed_text(v, digits), _right_text(v, digits),
                        v.verdict, caption_unicode(v.cause) if v.cause else "")
                       for v in verdicts]
    widths = [min(WIDTH, max(len(row[i]) for row in rows)) for i in range(len(HEADER) - 1)]
    lines = [line.rstrip() for row in rows for line in _wrapped_row(row, widths)]
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


def check_context(verdict: Verdict, digits: int, fmt: str,
                  ell: bool = False) -> dict[str, Any]:
    """A judged claim ready for a template: claimed and correct values in TeX; the answer
    named as its box names it (`ell`: the solution writes the loss as ell)."""
    from derive.render.prose import printer

    caption = printer(fmt)
    claim = verdict.claimed
    if isinstance(claim, str) and CLAIMED_SIZE.fullmatch(claim):  # 30 x 30, C x (H x C)
        claimed = caption(claim)
    elif isinstance(claim, str):
        claimed = _formula_claim(claim, verdict.correct, digits, fmt)
    else:
        claimed = f"${tex_value(_listed(claim), digits)}$"
    truth = verdict.correct
    correct = tex(truth.expr) if isinstance(truth, Formula) else tex_value(truth, digits)
    context = {"answer": caption(_readable(verdict.answer, ell)), "claimed": claimed,
               "correct": correct,
               "verdict": verdict.verdict,
               "cause": caption(_loss_named(verdict.cause, ell)) if verdict.cause else "",
               "wrong": verdict.verdict != "correct"}
    return {**context, "markdown": _claim_markdown(context) if fmt == "markdown" else ""}


def _loss_named(text: str, ell: bool) -> str:
    """A cause's dl/dX written dell/dX where the solution writes the loss as ell."""
    return re.sub(r"(?<![A-Za-z])dl/d", "dell/d", text) if ell else text


def _readable(name: str, ell: bool = False) -> str:
    """A claimed answer's typed name as a box names it: per_head as 'per head'."""
    from derive.answers import parse_key
    from derive.render.keys import key_display

    return key_display(parse_key(name), ell)


def _claim_markdown(c: dict[str, Any]) -> str:
    """A judged claim as a Markdown list item; matrices in display math on lines of their
    own (GitHub and Jupyter mangle `\\\\` inside inline math)."""
    head = f"- {c['answer']} — *{c['verdict']}*" + (f": {c['cause']}" if c["cause"] else "")
    claimed = c["claimed"].strip("$") if c["claimed"].startswith("$") else ""
    if not claimed:
        shown = [rf"\text{{claimed }} {c['claimed']}"]
    else:
        shown = [rf"\text{{claimed }} {claimed}"]
    if c["wrong"]:
        shown.append(rf"\text{{right }} {c['correct']}")
    if not claimed:  # a formula claimed as text: say it in words, the right one in math
        body = f"claimed {c['claimed']}" + (f", right ${c['correct']}$" if c["wrong"] else "")
        return f"{head}; {body}" if "\\\\" not in c["correct"] else \
            f"{head}; claimed {c['claimed']}, right:\n\n  $$\n  {c['correct']}\n  $$\n"
    math = r" \quad\to\quad ".join(shown)
    if "\\\\" in math:
        return f"{head}\n\n  $$\n  {math}\n  $$\n"
    if c["wrong"]:
        return f"{head}; claimed ~~${claimed}$~~ → ${c['correct']}$"
    return f"{head}: ${claimed}$ ✓"


# -- a claimed formula as math ----------------------------------------------------------------
def _formula_claim(claim: str, truth: Any, digits: int, fmt: str) -> str:
    """A claim written as text: typeset as math where it is a formula that parses against
    the names of the right one's sample; otherwise its text as code, inert."""
    sample = truth.sample if isinstance(truth, Formula) else None
    math = claim_tex(claim, sample()[0], digits) if sample else None
    if math is not None:
        return f"${math}$"
    return rf"\texttt{{{tex_escape(claim)}}}" if fmt == "latex" else _code_span(claim)


def _code_span(text: str) -> str:
    """Markdown code for any text: fenced by more backticks than it holds in a row (a
    backtick in it cannot end the span), newlines as spaces."""
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{' '.join(text.splitlines())}{pad}{fence}"
