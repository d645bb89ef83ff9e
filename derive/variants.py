"""Randomized variants of a problem set: numbers drawn from the ranges the file declares.

A problem declares its variations in a `vary` table, one per field:

```toml
vary = { layers = { each = { min = 8, max = 64 } }, lr = { choice = [0.05, 0.1, 0.2] },
         hidden = { choice = ["sigmoid", "relu", "tanh"] } }
```

`{ min = a, max = b }` draws an integer when both are integers (with an optional `step`),
else a real with `digits` decimals (default 2); `{ choice = [...] }` picks one; `{ each =
{...} }` draws every entry of the field's list (or matrix) the same way. Each variant is
deterministic for (seed, variant, problem); a draw that makes the problem invalid or its
solution fail its checks is redrawn, at most MAX_DRAWS times, and the manifest says how often.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from derive.errors import DeriveError, InputError
from derive.output import write_atomic
from derive.problemset import ProblemSet, parse_problem
from derive.render.json import plain
from derive.solution import Solution

MAX_DRAWS = 50
MAX_VARIANTS = 500
EXTENSIONS = {"latex": "tex", "markdown": "md", "text": "txt", "json": "json"}


@dataclass(frozen=True)
class Variant:
    """One drawn version of the set: its problems' solutions and how many redraws it took."""

    index: int
    title: str
    solutions: tuple[Solution, ...]
    redraws: Mapping[str, int]


def _draw(spec: Any, base: Any, rng: random.Random, where: str) -> Any:
    if not isinstance(spec, Mapping):
        raise InputError(f"{where}: a variation is a table such as {{ min = 1, max = 5 }}")
    if "choice" in spec:
        options = spec["choice"]
        if not isinstance(options, list) or not options:
            raise InputError(f"{where}: choice needs a non-empty list")
        return options[rng.randrange(len(options))]
    if "each" in spec:
        if not isinstance(base, list):
            raise InputError(f"{where}: each needs the field's own value to be a list")
        return [_draw(spec["each"], item, rng, where) if not isinstance(item, list)
                else _draw(spec, item, rng, where) for item in base]
    if "min" in spec and "max" in spec:
        return _number(spec, rng, where)
    raise InputError(f"{where}: write {{ min = a, max = b }}, {{ choice = [...] }} or "
                     "{ each = {...} }")


def _number(spec: Mapping[str, Any], rng: random.Random, where: str) -> Any:
    low, high = spec["min"], spec["max"]
    if not all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in (low, high)) \
            or low > high:
        raise InputError(f"{where}: min and max must be numbers with min <= max")
    if isinstance(low, int) and isinstance(high, int):
        step = spec.get("step", 1)
        if not isinstance(step, int) or step < 1:
            raise InputError(f"{where}: step must be a positive integer")
        return rng.randrange(low, high + 1, step)
    digits = spec.get("digits", 2)
    if not isinstance(digits, int) or not 0 <= digits <= 10:
        raise InputError(f"{where}: digits must be an integer from 0 to 10")
    return Decimal(str(round(rng.uniform(float(low), float(high)), digits)))


def draw_variant(problem_set: ProblemSet, seed: int, index: int) -> Variant:
    """Variant `index` of the set: every varied problem drawn until it solves and verifies."""
    from derive import solve

    solutions, redraws = [], {}
    for number, (problem, entry, vary) in enumerate(
            zip(problem_set.problems, problem_set.entries, problem_set.vary, strict=True), 1):
        if not vary:
            solutions.append(solve(problem))
            continue
        for attempt in range(MAX_DRAWS):
            rng = random.Random(f"{seed}/{index}/{problem.id}/{attempt}")
            fields = {**entry, **{name: _draw(spec, entry.get(name), rng,
                                              f"problem {problem.id!r}, vary.{name}")
                                  for name, spec in vary.items()}}
            try:
                solutions.append(solve(parse_problem(fields, number)))
                redraws[problem.id] = attempt
                break
            except DeriveError:
                continue
        else:
            raise InputError(f"problem {problem.id!r}: no valid draw in {MAX_DRAWS} attempts; "
                             "widen or fix the ranges of its vary table")
    return Variant(index, f"{problem_set.title} (variant {index})".strip(), tuple(solutions),
                   redraws)


def write_variants(problem_set: ProblemSet, count: int, seed: int, folder: Path, fmt: str,
                   stem: str) -> list[Path]:
    """Each variant's question sheet and answer key, and a manifest.json, into `folder`."""
    from derive.render import render_set

    if not 1 <= count <= MAX_VARIANTS:
        raise InputError(f"variants: give 1 to {MAX_VARIANTS}")
    if fmt not in EXTENSIONS:
        raise InputError(f"format: variants are written as {', '.join(EXTENSIONS)}")
    folder.mkdir(parents=False, exist_ok=True)
    written, manifest = [], []
    for index in range(1, count + 1):
        variant = draw_variant(problem_set, seed, index)
        files = {}
        for part, shown in (("questions", False), ("key", True)):
            path = folder / f"{stem}-v{index:02d}-{part}.{EXTENSIONS[fmt]}"
            write_atomic(path, render_set(variant.title, variant.solutions, fmt,
                                          solutions_shown=shown))
            files[part] = path.name
            written.append(path)
        manifest.append({"variant": index, "seed": seed, "files": files,
                         "redraws": dict(variant.redraws),
                         "problems": {s.problem.id: {"fields": plain(s.problem.field_values()),
                                                     "answers": plain(dict(s.answers))}
                                      for s in variant.solutions}})
    path = folder / "manifest.json"
    write_atomic(path, json.dumps({"title": problem_set.title, "seed": seed, "count": count,
                                   "variants": manifest}, indent=2, sort_keys=True) + "\n")
    return [*written, path]


def varied(problem_set: ProblemSet) -> Sequence[str]:
    """Ids of the problems that declare variations."""
    return [p.id for p, vary in zip(problem_set.problems, problem_set.vary, strict=True) if vary]
