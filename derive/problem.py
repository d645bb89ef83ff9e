"""The `Problem` base class: a frozen, validated description of one exercise.

A kind subclasses `Problem`, sets `kind`, and declares its fields with `spec`,
which attaches the converter that validates a raw value (a CLI string or a TOML
value). `from_fields` is the single entry point for both.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Self

from derive import claim_fields, converters
from derive.errors import FieldError, InputError
from derive.given import check_given, given_entries

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def spec(converter: converters.Converter, help: str, default: Any = dataclasses.MISSING) -> Any:
    """Declare a problem field: its converter, a one-line help and an optional default."""
    return dataclasses.field(default=default, metadata={"convert": converter, "help": help})


def _problem_id(value: Any, name: str) -> str:
    text = converters.text(value, name)
    if not re.match(ID_PATTERN, text):
        raise FieldError(name, "use 1-64 letters, digits, '_', '-' or '.', "
                         "starting with a letter or digit")
    return text


@dataclasses.dataclass(frozen=True, kw_only=True)
class Problem:
    """Base of every kind of problem; subclasses are frozen dataclasses."""

    kind: ClassVar[str] = ""
    id: str = spec(_problem_id, "identifier of the problem in a set", default="problem")
    statement: str | None = spec(
        converters.text, "the problem in words (Markdown with $math$)", None)
    title: str | None = spec(converters.text, "the problem's heading in the answer key", None)
    claims: tuple[tuple[str, Any], ...] = spec(
        claim_fields.claims, "answers someone claimed, by name",
                                              ())
    given: tuple[tuple[str, str, int | None], ...] = spec(
        given_entries, "fields shown as given data under the statement (x, W^1 = weights[0])",
        ())

    @classmethod
    def from_fields(cls, raw: Mapping[str, Any]) -> Self:
        """Validate raw values (hyphens and underscores in keys are the same) into a problem."""
        data = {str(key).replace("-", "_"): value for key, value in raw.items()}
        problem_id = str(data.get("id", cls.kind))
        known = {field.name: field for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            allowed = ", ".join(sorted(known))
            raise InputError(
                f"problem {problem_id!r}: unknown field {unknown[0]!r} for kind {cls.kind!r}; "
                f"allowed: {allowed}"
            )
        values: dict[str, Any] = {}
        try:
            for name, field in known.items():
                if name in data and data[name] is not None:
                    values[name] = field.metadata["convert"](data[name], name)
                elif field.default is dataclasses.MISSING:
                    raise FieldError(name, f"missing; {field.metadata['help']}")
            problem = cls(**values)
            check_given(problem, list(known))
            problem.validate()
        except FieldError as error:
            raise error.in_problem(problem_id) from None
        return problem

    def validate(self) -> None:
        """Checks across fields; raise `FieldError`. Kinds override as needed."""

    def field_values(self) -> dict[str, Any]:
        """The fields as plain JSON-friendly values (Decimals as strings of their digits)."""
        return {name: _plain(value) for name, value in dataclasses.asdict(self).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value
