"""What a problem asks in a quiz: its `ask` table, read into the parts of a question.

```toml
ask = { "total" = { points = 2 }, "dl/dW_2" = { points = 4, tolerance = "1e-3 relative" } }
```

Each key is an answer's printed name (`derive.answers.parse_key`); `points` (default 1) are
shared equally by the entries of a vector or matrix; `tolerance` is ``"X relative"`` or
``"X"`` / ``"X absolute"``; `unit` (optional) a word the answer may be written with
(``5560 parameters``: the unit is stripped; any other word after a number makes the answer
unparsable, since derive's answers carry no unit of their own). Without a tolerance a
real answer is asked to half a unit of its ``digits``-th significant digit (``--digits``,
relative), an integer exactly. Without an `ask` table every numeric answer of at most
`DEFAULT_MAX_ENTRIES` entries is asked, 1 point each,
the first `DEFAULT_MAX_ANSWERS` of them.

What each answer exports (`Part.kind`): a scalar one ``numeric`` part; a vector or matrix one
``numeric`` part per entry (a cloze question); a shape one ``short`` part (``3 x 8``); a
formula, only when asked, its value at the numbers of its sample, one part per entry, the
numbers stated in the question.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from derive.answers import Key
from derive.claimed_number import flat
from derive.errors import InputError
from derive.render.keys import key_text
from derive.solution import Formula, Shape, Solution

DEFAULT_MAX_ENTRIES = 12
DEFAULT_MAX_ANSWERS = 20
MAX_PARTS = 100  # parts of one question
MAX_POINTS = 1000
_TOLERANCE = re.compile(r"^\s*([0-9.eE+-]+)\s*(relative|absolute)?\s*$")


@dataclass(frozen=True)
class Ask:
    """One asked answer as the file states it: its points and tolerance (None: the default)."""

    name: str
    points: float = 1.0
    tolerance: float | None = None
    relative: bool = True
    unit: str = ""


@dataclass(frozen=True)
class Part:
    """One blank of a question: which answer (and entry), the right value, how it is scored."""

    answer: str        # the answer's printed name
    entry: int | None  # the entry's index in the flattened value; None for a scalar
    kind: str          # "numeric" or "short"
    value: Any         # a float or int (numeric) or the shape's text (short)
    tolerance: float   # absolute
    points: float
    unit: str = ""     # a unit an answer may be written with (``5560 parameters``)

    @property
    def label(self) -> str:
        """The part's name: ``dl/dW_2[3]`` (1-based entry) or ``total``."""
        return self.answer if self.entry is None else f"{self.answer}[{self.entry + 1}]"


def read_asks(table: Any, problem_id: str) -> tuple[Ask, ...] | None:
    """A problem's `ask` table, validated; None when it has none."""
    if table is None:
        return None
    where = f"problem {problem_id!r}, field 'ask'"
    if not isinstance(table, Mapping) or not table or len(table) > MAX_PARTS:
        raise InputError(f"{where}: a table of answer name = {{ points = N }} (1 to {MAX_PARTS})")
    return tuple(_ask(str(name), spec, f"{where}.{name}") for name, spec in table.items())


def _ask(name: str, spec: Any, where: str) -> Ask:
    if not isinstance(spec, Mapping) or set(spec) - {"points", "tolerance", "unit"}:
        raise InputError(f"{where}: write {{ points = 2, tolerance = \"1e-3 relative\" }}")
    points = spec.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, int | Decimal) or \
            not 0 < points <= MAX_POINTS:
        raise InputError(f"{where}.points: a number above 0 and at most {MAX_POINTS}")
    unit = spec.get("unit", "")
    if not isinstance(unit, str) or not re.fullmatch(r"[^\W\d][\w/%^-]{0,19}|", unit):
        raise InputError(f"{where}.unit: a word of at most 20 letters, e.g. \"parameters\"")
    tolerance = spec.get("tolerance")
    if tolerance is None:
        return Ask(name, float(points), unit=unit)
    match = _TOLERANCE.match(str(tolerance))
    if not match or not _finite_nonnegative(match.group(1)):
        raise InputError(f"{where}.tolerance: write \"1e-3 relative\" or \"0.01 absolute\"")
    return Ask(name, float(points), float(match.group(1)), match.group(2) != "absolute", unit)


def _finite_nonnegative(text: str) -> bool:
    try:
        return 0 <= float(text) < float("inf")
    except ValueError:
        return False


class NothingToAsk(InputError):
    """A problem without an ask table whose answers hold nothing numeric (a proof, formulas):
    left out of an export with a note, where an ask table that asks nothing is an error."""


def parts_of(solution: Solution, asks: tuple[Ask, ...] | None, digits: int) -> list[Part]:
    """The parts a solution's question asks, in order."""
    problem = solution.problem.id
    chosen = asks if asks is not None else _default_asks(solution)
    parts: list[Part] = []
    for ask in chosen:
        key = _asked_key(solution, ask.name)
        parts.extend(_parts(key_text(key), solution.answers[key], ask, digits, problem))
    if not parts:
        raise (NothingToAsk if asks is None else InputError)(
            f"problem {problem!r}, field 'ask': nothing to ask (no numeric "
                         "answer); name answers in an ask table, e.g. ask = { \"shape of "
                         "W_1\" = {} }")
    if len(parts) > MAX_PARTS:
        raise InputError(f"problem {problem!r}: {len(parts)} parts to ask; at most {MAX_PARTS}: "
                         "list fewer answers in its ask table")
    return parts


def _asked_key(solution: Solution, name: str) -> Key:
    """The key of the answer an ask names; an error naming every answer when none is."""
    key = solution.answers.find(name)
    if key is None:
        names = ", ".join(key_text(k) for k in solution.answers)
        raise InputError(f"problem {solution.problem.id!r}, field 'ask': no answer {name!r}; "
                         f"the answers are {names}")
    return key


def box_asked(solution: Solution, table: Any) -> Solution:
    """The solution boxing exactly the answers its `ask` table (as written) names, in that
    order, every other one a detail answer; unchanged without a table."""
    asks = read_asks(table, solution.problem.id)
    if asks is None:
        return solution
    keys = dict.fromkeys(_asked_key(solution, ask.name) for ask in asks)
    return dataclasses.replace(solution, asked=tuple(keys))


def _default_asks(solution: Solution) -> tuple[Ask, ...]:
    """Every numeric answer of at most DEFAULT_MAX_ENTRIES entries, in order, while the
    question stays within DEFAULT_MAX_ANSWERS answers and MAX_PARTS parts."""
    chosen: list[Ask] = []
    entries = 0
    for key, value in solution.answers.items():
        if not numeric(value) or len(flat(value)) > DEFAULT_MAX_ENTRIES:
            continue
        if len(chosen) == DEFAULT_MAX_ANSWERS or entries + len(flat(value)) > MAX_PARTS:
            break
        chosen.append(Ask(key_text(key)))
        entries += len(flat(value))
    return tuple(chosen)


def numeric(value: Any) -> bool:
    """Whether a value is a number, or a vector or matrix of numbers (not a shape or text)."""
    if isinstance(value, Shape | Formula | str | bool) or value is None:
        return False
    try:
        entries = flat(value)
    except TypeError:
        return False
    return bool(entries) and all(isinstance(e, int | float | Decimal | np.number) and
                                 not isinstance(e, bool) for e in entries)


def _parts(name: str, value: Any, ask: Ask, digits: int, problem: str) -> list[Part]:
    if isinstance(value, Shape):
        return [Part(name, None, "short", " x ".join(str(n) for n in value), 0.0, ask.points,
                     ask.unit)]
    if isinstance(value, Formula):
        if value.sample is None:
            raise InputError(f"problem {problem!r}, ask {name!r}: this formula has no numbers "
                             "to be asked at; ask a numeric answer")
        value = value.sample()[1]
    if not numeric(value):
        raise InputError(f"problem {problem!r}, ask {name!r}: not a number, vector, matrix, "
                         "shape or formula; ask another answer")
    entries = flat(value)
    single = not isinstance(value, list | tuple | np.ndarray) or np.ndim(value) == 0
    share = ask.points / len(entries)
    return [Part(name, None if single else index, "numeric", _number(entry),
                 tolerance(entry, ask, digits), share, ask.unit)
            for index, entry in enumerate(entries)]


def _number(entry: Any) -> int | float:
    if isinstance(entry, int | np.integer) and not isinstance(entry, bool):
        return int(entry)
    return float(entry)


def tolerance(entry: Any, ask: Ask, digits: int) -> float:
    """The absolute tolerance of one entry (Moodle's numerical tolerance is absolute).

    >>> tolerance(0.6657, Ask("x"), 4), tolerance(5560, Ask("x"), 4)
    (0.00033285, 0.0)
    >>> tolerance(-2.0, Ask("x", tolerance=1e-3), 4), tolerance(0.0, Ask("x"), 4)
    (0.002, 0.0005)
    """
    value = float(entry)
    if ask.tolerance is None:
        if isinstance(entry, int | np.integer):
            return 0.0
        relative = 0.5 * 10.0 ** (1 - digits)
        return float(f"{relative * abs(value):.6g}") if value else relative
    if not ask.relative:
        return ask.tolerance
    return float(f"{ask.tolerance * abs(value):.6g}") if value else ask.tolerance
