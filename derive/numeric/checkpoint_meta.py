"""A checkpoint's `meta`: JSON holding epoch, batch, rng, settings and history, each field
validated against the run that resumes (one line naming the field when it is wrong)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

import numpy as np

from derive.errors import InputError
from derive.numeric.run_state import Settings

FIELDS = ("epoch", "batch", "rng", "settings", "history")


def parse(where: str, raw: Any) -> dict[str, Any]:
    """The JSON object in the uint8 array `raw` (no NaN or Infinity constants)."""
    try:
        meta = json.loads(bytes(raw).decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InputError(f"{where}, meta: not JSON ({type(error).__name__}: "
                         f"{str(error)[:120]})") from None
    if not isinstance(meta, dict):
        raise InputError(f"{where}, meta: expected a JSON object, got {type(meta).__name__}")
    missing = [name for name in FIELDS if name not in meta]
    if missing:
        raise InputError(f"{where}, meta: lacks {', '.join(missing)}")
    return meta


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a checkpoint holds")


def check_settings(where: str, meta: dict[str, Any], settings: Settings) -> None:
    """The saved settings must be the run's own (as JSON writes them)."""
    expected = json.loads(json.dumps(asdict(settings)))
    saved = meta["settings"]
    if not isinstance(saved, dict):
        raise InputError(f"{where}, settings: expected a table, got {type(saved).__name__}")
    differ = [name for name in expected
              if name not in saved or not _same(saved[name], expected[name])]
    differ += [name for name in saved if name not in expected]
    if differ:
        shown = "; ".join(f"{name} {_shown(saved.get(name, 'missing'))}, this run's "
                          f"{_shown(expected.get(name, 'missing'))}" for name in differ)
        raise InputError(f"{where} was made with other settings ({shown[:200]}); use the "
                         "same options to resume")


def _same(saved: Any, expected: Any) -> bool:
    """Equal and of the same JSON type (true is not 1)."""
    if isinstance(expected, list):
        return isinstance(saved, list) and len(saved) == len(expected) and all(
            _same(a, b) for a, b in zip(saved, expected, strict=True))
    return type(saved) is type(expected) and saved == expected


def check_position(where: str, meta: dict[str, Any], settings: Settings,
                   permutation: int) -> tuple[int, int, dict[str, Any], list[Any]]:
    """Epoch, batch, generator state and history, each in range for `settings`;
    `permutation` is the stored permutation's length (0 between epochs)."""
    epoch = _integer(where, "epoch", meta["epoch"], 0, settings.epochs)
    if permutation:
        if epoch == settings.epochs:
            raise InputError(f"{where}, epoch: {epoch} epochs are done, yet a permutation "
                             "for another is stored")
        batches = -(-permutation // settings.batch_size)
        batch = _integer(where, "batch", meta["batch"], 0, batches)
    else:
        batch = _integer(where, "batch", meta["batch"], 0, 0)
    return epoch, batch, _rng(where, meta["rng"]), _history(where, meta["history"], epoch,
                                                           settings.layers[-1])


def _integer(where: str, name: str, value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        top = f"2**{high.bit_length()} - 1" if high > 2**64 else str(high)
        raise InputError(f"{where}, {name}: expected an integer from {low} to {top}, got "
                         f"{_shown(value)}")
    return value


def _number(where: str, name: str, value: Any, low: float, high: float = math.inf) -> float:
    if type(value) not in (int, float) or not math.isfinite(value) or \
            not low <= value <= high:
        raise InputError(f"{where}, {name}: expected a number from {low} to {high}, got "
                         f"{_shown(value)}")
    return float(value)


def _shown(value: Any) -> str:
    if isinstance(value, int) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = json.dumps(value)
    except ValueError:  # an integer too long to write
        return f"a {type(value).__name__}"
    return text if len(text) <= 40 else text[:37] + "..."


def _rng(where: str, state: Any) -> dict[str, Any]:
    """NumPy's PCG64 state, as `bit_generator.state` gives it."""
    inner = state.get("state") if isinstance(state, dict) else None
    if not isinstance(state, dict) or state.get("bit_generator") != "PCG64" or \
            not isinstance(inner, dict) or set(inner) != {"state", "inc"}:
        raise InputError(f"{where}, rng: expected the state of NumPy's PCG64 generator")
    for name in ("state", "inc"):
        _integer(where, f"rng.state.{name}", inner[name], 0, 2**128 - 1)
    _integer(where, "rng.has_uint32", state.get("has_uint32"), 0, 1)
    _integer(where, "rng.uinteger", state.get("uinteger"), 0, 2**32 - 1)
    np.random.default_rng().bit_generator.state = state  # what the trainer will do
    return state


def _history(where: str, history: Any, epochs: int, classes: int) -> list[Any]:
    """One record per finished epoch, as the trainer writes them."""
    if not isinstance(history, list) or len(history) != epochs:
        raise InputError(f"{where}, history: expected a list of {epochs} epoch records")
    for index, record in enumerate(history):
        name = f"history[{index}]"
        if not isinstance(record, dict):
            raise InputError(f"{where}, {name}: expected a table")
        _integer(where, f"{name}.epoch", record.get("epoch"), index + 1, index + 1)
        _number(where, f"{name}.seconds", record.get("seconds"), 0)
        _number(where, f"{name}.samples_per_s", record.get("samples_per_s"), 0)
        for part in ("train", "test"):
            _evaluation(where, f"{name}.{part}", record.get(part), classes)
    return history


def _evaluation(where: str, name: str, result: Any, classes: int) -> None:
    if not isinstance(result, dict):
        raise InputError(f"{where}, {name}: expected a table")
    _number(where, f"{name}.loss", result.get("loss"), 0)
    _number(where, f"{name}.accuracy", result.get("accuracy"), 0, 1)
    per_class = result.get("per_class")
    confusion = result.get("confusion")
    if not isinstance(per_class, list) or len(per_class) != classes:
        raise InputError(f"{where}, {name}.per_class: expected {classes} accuracies")
    for value in per_class:
        _number(where, f"{name}.per_class", value, 0, 1)
    if not isinstance(confusion, list) or len(confusion) != classes or not all(
            isinstance(row, list) and len(row) == classes for row in confusion):
        raise InputError(f"{where}, {name}.confusion: expected {classes} x {classes} counts")
    for row in confusion:
        for count in row:
            _integer(where, f"{name}.confusion", count, 0, 2**63 - 1)
