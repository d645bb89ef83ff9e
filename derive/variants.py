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
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from derive.errors import DeriveError, InputError
from derive.output import target_of
from derive.problemset import ProblemSet, parse_problem
from derive.render.json import answers_data, plain
from derive.solution import Solution
from derive.staging import staged_folder

MAX_DRAWS = 50
MAX_VARIANTS = 500
MAX_VARIANTS_SECONDS = 120.0  # a whole variants run, projected from its second variant
EXTENSIONS = {"latex": "tex", "markdown": "md", "text": "txt", "json": "json"}
MANIFEST = "manifest.json"
WRITTEN_BY = "derive"  # the manifest's mark: a folder derive may replace on a rerun
MANIFEST_VERSION = 1


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


def draw_variant(problem_set: ProblemSet, seed: int, index: int,
                 fixed: dict[int, Solution] | None = None) -> Variant:
    """Variant `index` of the set: every varied problem drawn until it solves and verifies.

    `fixed` keeps the solutions of the problems that do not vary, solved once for all
    variants (they are the same in every one)."""
    from derive import solve
    from derive.classroom.asks import box_asked

    fixed = {} if fixed is None else fixed
    solutions, redraws = [], {}
    asks = problem_set.asks or (None,) * len(problem_set.problems)
    for number, (problem, entry, vary) in enumerate(
            zip(problem_set.problems, problem_set.entries, problem_set.vary, strict=True), 1):
        if not vary:
            if number not in fixed:
                fixed[number] = box_asked(solve(problem), asks[number - 1])
            solutions.append(fixed[number])
            continue
        for attempt in range(MAX_DRAWS):
            rng = random.Random(f"{seed}/{index}/{problem.id}/{attempt}")
            fields = {**entry, **{name: _draw(spec, entry.get(name), rng,
                                              f"problem {problem.id!r}, vary.{name}")
                                  for name, spec in vary.items()}}
            fields["given"] = _given_with_drawn(entry.get("given"), vary)
            try:
                solutions.append(box_asked(solve(parse_problem(fields, number)),
                                           asks[number - 1]))
                redraws[problem.id] = attempt
                break
            except DeriveError:
                continue
        else:
            raise InputError(f"problem {problem.id!r}: no valid draw in {MAX_DRAWS} attempts; "
                             "widen or fix the ranges of its vary table")
    return Variant(index, f"{problem_set.title} (variant {index})".strip(), tuple(solutions),
                   redraws)


def _given_with_drawn(given: Any, vary: Mapping[str, Any]) -> list[Any]:
    """The problem's given entries and every drawn field, so a question sheet shows the
    numbers its student must use (the statement's text is the same in every variant)."""
    listed = list(given) if isinstance(given, list) else []
    named = {str(item).split("=")[-1].split("[")[0].strip() for item in listed}
    return listed + [name for name in vary if name not in named]


def write_variants(problem_set: ProblemSet, count: int, seed: int, folder: Path, fmt: str,
                   stem: str) -> list[Path]:
    """Each variant's question sheet and answer key, and a manifest.json, into `folder`.

    The folder appears whole or not at all (derive/staging.py); one derive wrote before (its
    manifest says so) is replaced, any other is refused."""
    if not 1 <= count <= MAX_VARIANTS:
        raise InputError(f"variants: give 1 to {MAX_VARIANTS}")
    if fmt not in EXTENSIONS:
        raise InputError(f"format: variants are written as {', '.join(EXTENSIONS)}")
    with staged_folder(folder, derive_wrote) as staging:
        names = _write_all(problem_set, count, seed, staging, fmt, stem)
    target = target_of(folder)
    return [target / name for name in names]


def _write_all(problem_set: ProblemSet, count: int, seed: int, staging: Path, fmt: str,
               stem: str) -> list[str]:
    """The sheets, keys and manifest in `staging`; their names, manifest last."""
    from derive.render import render_set

    names, manifest = [], []
    fixed: dict[int, Solution] = {}
    laps = [time.monotonic()]
    for index in range(1, count + 1):
        if index == 3:
            check_pace(laps, count)
        variant = draw_variant(problem_set, seed, index, fixed)
        files = {}
        for part, shown in (("questions", False), ("key", True)):
            files[part] = f"{stem}-v{index:02d}-{part}.{EXTENSIONS[fmt]}"
            text = render_set(variant.title, variant.solutions, fmt, solutions_shown=shown)
            (staging / files[part]).write_bytes(text.encode("utf-8"))
            names.append(files[part])
        laps.append(time.monotonic())
        manifest.append({"variant": index, "seed": seed, "files": files,
                         "redraws": dict(variant.redraws),
                         "problems": {s.problem.id: {"fields": plain(s.problem.field_values()),
                                                     "answers": answers_data(s)}
                                      for s in variant.solutions}})
    document = {"written_by": WRITTEN_BY, "manifest_version": MANIFEST_VERSION,
                "title": problem_set.title, "seed": seed, "count": count, "variants": manifest}
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    (staging / MANIFEST).write_bytes(text.encode("utf-8"))
    return [*names, MANIFEST]


def check_pace(laps: Sequence[float], count: int) -> None:
    """Refuse a run projected past MAX_VARIANTS_SECONDS from the time its second variant took
    (the first also solves the problems that do not vary, once for all)."""
    first, each = laps[1] - laps[0], laps[2] - laps[1]
    projected = first + each * (count - 1)
    if projected > MAX_VARIANTS_SECONDS:
        fit = max(1, int((MAX_VARIANTS_SECONDS - first) / each) + 1) if each > 0 else count
        raise InputError(f"variants: {count} variants would take about {projected:.0f} s "
                         f"({each:.2f} s each, measured); at most {fit} fit in "
                         f"{MAX_VARIANTS_SECONDS:.0f} s; lower --variants or split the set")


def derive_wrote(folder: Path) -> bool:
    """True when `folder`'s manifest says derive wrote it and it holds only the files listed."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        entries = list(folder.iterdir())
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("written_by") != WRITTEN_BY:
        return False
    listed = {MANIFEST} | _listed_files(manifest.get("variants"))
    return all(entry.name in listed and entry.is_file() and not entry.is_symlink()
               for entry in entries)


def _listed_files(variants: Any) -> set[str]:
    """The file names a manifest's variants list (anything malformed lists nothing)."""
    if not isinstance(variants, list):
        return set()
    files = [v.get("files") for v in variants if isinstance(v, dict)]
    return {name for table in files if isinstance(table, dict) for name in table.values()
            if isinstance(name, str)}


def varied(problem_set: ProblemSet) -> Sequence[str]:
    """Ids of the problems that declare variations."""
    return [p.id for p, vary in zip(problem_set.problems, problem_set.vary, strict=True) if vary]
