"""The field converter for claimed answers: numbers, lists, shapes or formulas as text,
bounded in count, nesting, length and magnitude before anything judges them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from derive.converters import MAX_MAGNITUDE
from derive.errors import FieldError

MAX_CLAIMS = 200


def claims(value: Any, name: str) -> tuple[tuple[str, Any], ...]:
    """Answers someone claimed, by answer name: numbers, lists, shapes or formulas as text.
    Every number is finite and below 1e300, as every real field is."""
    if not isinstance(value, dict) or len(value) > MAX_CLAIMS:
        raise FieldError(name, f"write a table of answer = claimed value, at most {MAX_CLAIMS} "
                         "of them")
    return tuple((str(key), _claimed(item, f"claim {str(key)!r}", name))
                 for key, item in value.items())


def _claimed(item: Any, claim: str, name: str, depth: int = 0) -> Any:
    """One claimed value, checked: at most a matrix of numbers, texts of bounded length."""
    if depth > 3:
        raise FieldError(name, f"{claim}: claims nest at most three levels (a matrix)")
    if isinstance(item, bool) or not isinstance(item, int | Decimal | float | str | list):
        raise FieldError(name, f"{claim}: a claim is a number, a list or a text, got {item!r}")
    if isinstance(item, str) and len(item) > 2000:
        raise FieldError(name, f"{claim}: a claimed formula has at most 2000 characters")
    if isinstance(item, list):
        return tuple(_claimed(x, claim, name, depth + 1) for x in item)
    if not isinstance(item, str):
        number = Decimal(str(item)) if isinstance(item, float) else Decimal(item)
        if not number.is_finite() or abs(number) > MAX_MAGNITUDE:
            shown = f"{number:.3e}" if number.is_finite() else str(item)
            raise FieldError(name, f"{claim}: expected a finite number below 1e300, got "
                             f"{shown}")
    return item
