"""Problem-set files: TOML read with `tomllib` (no code runs), floats kept as written.

```toml
title = "Assignment 2"

[[problems]]
id = "q1.1"
kind = "params"
layers = [100, 50, 25, 10]
```
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from derive.errors import InputError
from derive.problem import Problem
from derive.problems import kind_module

MAX_FILE_BYTES = 2_000_000
MAX_PROBLEMS = 500
MAX_SET_SECONDS = 10.0  # estimated solving time of a whole set, from the kinds' estimates
DEFAULT_SECONDS = 0.02  # a kind of fixed size (conv-size, loss, graph, ...)
TOP_LEVEL_KEYS = {"title", "problems"}


@dataclass(frozen=True)
class ProblemSet:
    """A titled, ordered collection of problems; `entries` keeps each problem's table as
    written and `vary` its declared variations (for randomized variants)."""

    title: str
    problems: tuple[Problem, ...]
    entries: tuple[Mapping[str, Any], ...] = ()
    vary: tuple[Mapping[str, Any], ...] = ()
    asks: tuple[Any, ...] = ()  # each problem's `ask` table as written (derive.classroom.asks)

    def _markdown(self) -> str:
        from derive import solve
        from derive.render import render_set

        return render_set(self.title, [solve(p) for p in self.problems], "markdown")

    def _repr_markdown_(self) -> str:
        return self._markdown()

    def _repr_latex_(self) -> str:
        from derive import solve
        from derive.render import render_set
        from derive.render.fit import unfit

        return unfit(render_set(self.title, [solve(p) for p in self.problems], "latex",
                                fragment=True))

    def _repr_html_(self) -> str:
        from derive.render import notebook_html

        return notebook_html(self._markdown())


def _unreadable(error: Exception) -> str:
    """Why a file could not be read, in words (never an exception's class name)."""
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    reasons: dict[type[Exception], str] = {
        FileNotFoundError: "no such file", IsADirectoryError: "a folder, not a file",
        PermissionError: "no permission to read it"}
    return reasons.get(type(error), "cannot be read")


def load(path: str | Path) -> ProblemSet:
    """Read and validate a problem-set file."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{file}: larger than {MAX_FILE_BYTES} bytes; split the set")
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{file}: {_unreadable(error)}; give a readable UTF-8 TOML file") \
            from None
    return loads(text, str(file))


def builtin() -> ProblemSet:
    """The example set that `derive sheet` renders when no file is given."""
    from importlib import resources

    text = resources.files("derive").joinpath("builtin.toml").read_text(encoding="utf-8")
    return loads(text, "built-in examples")


def loads(text: str, source: str = "<string>") -> ProblemSet:
    """Parse and validate problem-set TOML."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{source}: not valid TOML ({error}); fix the syntax") from None
    except RecursionError:
        raise InputError(f"{source}: nested too deeply; flatten the file") from None
    return from_data(data, source)


def from_data(data: Mapping[str, Any], source: str) -> ProblemSet:
    """Validate parsed TOML: a title and a list of problems with unique ids."""
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise InputError(f"{source}: unknown top-level key {unknown[0]!r}; "
                         f"allowed: {', '.join(sorted(TOP_LEVEL_KEYS))}")
    title = data.get("title", "")
    if not isinstance(title, str) or len(title) > 300:
        raise InputError(f"{source}: title must be a string of at most 300 characters")
    entries = data.get("problems")
    if not isinstance(entries, list) or not entries or len(entries) > MAX_PROBLEMS:
        raise InputError(f"{source}: needs 1 to {MAX_PROBLEMS} [[problems]] tables")
    vary = tuple(_variations(entry, index) for index, entry in enumerate(entries, 1))
    asks = tuple(entry.get("ask") if isinstance(entry, dict) else None for entry in entries)
    kept = tuple({k: v for k, v in entry.items() if k not in ("vary", "ask")}
                 if isinstance(entry, dict) else entry for entry in entries)
    problems = tuple(parse_problem(entry, index) for index, entry in enumerate(kept, 1))
    seen: set[str] = set()
    for problem in problems:
        if problem.id in seen:
            raise InputError(f"{source}: problem id {problem.id!r} is used twice; make ids unique")
        seen.add(problem.id)
    check_budget(problems, source)
    return ProblemSet(title, problems, kept, vary, asks)


def estimated_seconds(problem: Problem) -> float:
    """About how long solving and rendering `problem` takes here: its kind's estimate (the
    problem's `estimated_seconds`, linear in its size), else `DEFAULT_SECONDS`."""
    estimate = getattr(problem, "estimated_seconds", None)
    return float(estimate()) if estimate is not None else DEFAULT_SECONDS


def check_budget(problems: Sequence[Problem], source: str) -> None:
    """Refuse a set that would take more than `MAX_SET_SECONDS`, naming its largest problem."""
    costs = [(estimated_seconds(problem), problem.id) for problem in problems]
    total = sum(cost for cost, _ in costs)
    if total > MAX_SET_SECONDS:
        largest, problem_id = max(costs)
        raise InputError(f"{source}: its {len(problems)} problems would take about {total:.0f} s "
                         f"(at most {MAX_SET_SECONDS:.0f} s a set; the largest, problem "
                         f"{problem_id!r}, about {largest:.1f} s); split the set")


def _variations(entry: Any, index: int) -> Mapping[str, Any]:
    vary = entry.get("vary", {}) if isinstance(entry, dict) else {}
    if not isinstance(vary, dict):
        raise InputError(f"problem {index}, field 'vary': a table of field = variation")
    return vary


def parse_problem(entry: Any, index: int) -> Problem:
    """One [[problems]] table (its `kind` and fields) as a validated problem."""
    if not isinstance(entry, dict):
        raise InputError(f"problem {index}: expected a [[problems]] table")
    fields = dict(entry)
    fields.setdefault("id", str(index))
    kind = fields.pop("kind", None)
    if not isinstance(kind, str):
        raise InputError(f"problem {fields['id']!r}, field 'kind': missing; name the kind, "
                         "e.g. kind = \"params\"")
    problem_class: type[Problem] = kind_module(kind).Problem
    return problem_class.from_fields(fields)
