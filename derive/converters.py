"""Field converters shared by the CLI and problem files.

Every converter takes the raw value (a CLI string or a TOML value) and the field
name, and returns a typed value or raises `FieldError` naming the field and the fix.

>>> int_list("100,50,25,10", "layers")
(100, 50, 25, 10)
>>> size_pair("3x5", "kernel")
(3, 5)
>>> real_vector("0.5, -0.3", "logits")
(Decimal('0.5'), Decimal('-0.3'))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from derive.errors import FieldError, InputError

Converter = Callable[[Any, str], Any]

MAX_SIZE = 10**9  # no real layer is wider; keeps products of sizes printable
MAX_ENTRIES = 100_000  # numbers in one field (a batch of logits, a vector)
MAX_WIDTHS = 5_000  # widths of a network, activations per layer: a few seconds at most
MAX_MAGNITUDE = Decimal("1e300")  # every real is a float64 when it is computed with


LIST_SEPARATOR = r"\s*,\s*|\s+"  # commas, or blanks
SIZE_SEPARATOR = r"(?<=\d)\s*[x×]\s*(?=\d)|" + LIST_SEPARATOR  # and 3x5 between digits


def entries(value: str, name: str, separator: str = LIST_SEPARATOR) -> list[str]:
    """The entries of a written list; an empty one (``1,,2``, a trailing comma) is refused.

    >>> entries("3x5", "kernel", SIZE_SEPARATOR), entries("1, 2", "v")
    (['3', '5'], ['1', '2'])
    >>> entries("100,,50", "layers")
    Traceback (most recent call last):
    derive.errors.FieldError: layers: entry 2 of '100,,50' is empty; separate entries by one comma
    """
    items = re.split(separator, value.strip())
    for index, item in enumerate(items, 1):
        if not item and len(items) > 1:
            raise FieldError(name, f"entry {index} of {value!r} is empty; separate entries by "
                             "one comma")
    return items


def _ints_from(value: Any, name: str, what: str) -> list[int]:
    items = entries(value, name, SIZE_SEPARATOR) if isinstance(value, str) else value
    if isinstance(items, int | Decimal):
        items = [items]
    if not isinstance(items, Sequence) or isinstance(items, str) or not items:
        raise FieldError(name, f"expected {what}, got {value!r}")
    return [whole_number(item, name) for item in items]


def whole_number(value: Any, name: str) -> int:
    """An integer written as an int, an integral decimal or a string of digits."""
    if isinstance(value, bool):
        raise FieldError(name, f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(name, f"expected an integer, got {value!r}") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise FieldError(name, f"expected an integer, got {value!r}")
    return int(number)


def bounded_int(minimum: int, maximum: int = MAX_SIZE) -> Converter:
    """An integer in [minimum, maximum]."""

    def convert(value: Any, name: str) -> int:
        number = whole_number(value, name)
        if not minimum <= number <= maximum:
            raise FieldError(name, f"must be between {minimum} and {maximum}, got {number}")
        return number

    return convert


positive_int = bounded_int(1)
nonnegative_int = bounded_int(0)


def int_list(value: Any, name: str, *, min_length: int = 1,
             max_length: int = MAX_WIDTHS) -> tuple[int, ...]:
    """Positive integers, from a list or a comma-separated string: at most `max_length`."""
    numbers = _ints_from(value, name, "a comma-separated list of positive integers")
    if not min_length <= len(numbers) <= max_length:
        raise FieldError(name, f"needs {min_length} to {max_length} sizes, got {len(numbers)}")
    for number in numbers:
        if not 1 <= number <= MAX_SIZE:
            raise FieldError(name, f"sizes must be between 1 and {MAX_SIZE}, got {number}")
    return tuple(numbers)


def layer_widths(value: Any, name: str) -> tuple[int, ...]:
    """Widths of a fully connected network, input first: at least two."""
    return int_list(value, name, min_length=2)


SIZE_LETTER = re.compile(r"[A-Z](?:[0-9]{1,3}|[a-z]{1,8})?")  # D, N1, Hid: one capital first
MAX_LETTERS = 12  # sizes named by letters: each is a symbol of every derived polynomial


def layer_sizes(value: Any, name: str) -> tuple[int | str, ...]:
    """Widths input first, each a positive integer or a size's letter (an allowlist: one
    capital, then digits or a lowercase word, e.g. D, N1; at most `MAX_LETTERS` of them).

    >>> layer_sizes("D,H,C", "layers"), layer_sizes(["N", "N1", 2], "layers")
    (('D', 'H', 'C'), ('N', 'N1', 2))
    """
    items = entries(value, name) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not any(isinstance(i, str) for i in items):
        return layer_widths(value, name)
    letters = [item for item in items if isinstance(item, str) and not item.isdigit()]
    if not letters:
        return layer_widths(value, name)
    for item in letters:
        if not SIZE_LETTER.fullmatch(item):
            raise FieldError(name, f"{item!r} is not a size; use a positive integer or a letter "
                             "(a capital, then digits or a lowercase word: D, N1)")
    if len(letters) > MAX_LETTERS:
        raise FieldError(name, f"at most {MAX_LETTERS} sizes named by letters, got {len(letters)}")
    given = [item for item in items if item not in letters]
    numbers = iter(int_list(given, name, min_length=0) if given else ())
    sizes = tuple(item if item in letters else next(numbers) for item in items)
    if len(sizes) < 2:
        raise FieldError(name, f"needs 2 to {MAX_WIDTHS} sizes, got {len(sizes)}")
    return sizes


def pair(minimum: int) -> Converter:
    """An (h, w) pair of integers >= minimum, from `3`, `3x5`, `3,5` or `[3, 5]`."""

    def convert(value: Any, name: str) -> tuple[int, int]:
        numbers = _ints_from(value, name, "an integer or an HxW pair")
        if len(numbers) == 1:
            numbers = numbers * 2
        if len(numbers) != 2:
            raise FieldError(name, f"expected an integer or an HxW pair, got {value!r}")
        for number in numbers:
            if not minimum <= number <= MAX_SIZE:
                raise FieldError(name, f"must be between {minimum} and {MAX_SIZE}, got {number}")
        return numbers[0], numbers[1]

    return convert


size_pair = pair(1)


def real_number(value: Any, name: str) -> Decimal:
    """A finite real number, kept with the digits it was written with."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise FieldError(name, f"expected a number, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(name, f"expected a number, got {value!r}") from None
    if not number.is_finite() or abs(number) > MAX_MAGNITUDE:
        raise FieldError(name, f"expected a finite number below 1e300, got {value!r}")
    return number


def real_vector(value: Any, name: str) -> tuple[Decimal, ...]:
    """Real numbers from a list or a comma-separated string."""
    items = entries(value, name) if isinstance(value, str) else value
    if isinstance(items, int | Decimal | float) and not isinstance(items, bool):
        items = [items]
    if not isinstance(items, Sequence) or isinstance(items, str) or not items:
        raise FieldError(name, f"expected a comma-separated list of numbers, got {value!r}")
    if len(items) > MAX_ENTRIES:
        raise FieldError(name, f"at most {MAX_ENTRIES} numbers, got {len(items)}")
    return tuple(real_number(item, name) for item in items)


def real_rows(value: Any, name: str) -> tuple[tuple[Decimal, ...], ...]:
    """One row (a vector) or several rows of equal length (`1,2;3,4` or [[1,2],[3,4]])."""
    if isinstance(value, str):
        rows = [real_vector(row, name) for row in entries(value, name, r"\s*;\s*")]
    elif isinstance(value, Sequence) and value and all(
        isinstance(row, Sequence) and not isinstance(row, str) for row in value
    ):
        rows = [real_vector(list(row), name) for row in value]
    else:
        rows = [real_vector(value, name)]
    if not rows:
        raise FieldError(name, "expected at least one number")
    if len({len(row) for row in rows}) != 1:
        odd = next(i for i, row in enumerate(rows, 1) if len(row) != len(rows[0]))
        raise FieldError(name, f"row {odd} has {len(rows[odd - 1])} entries but row 1 has "
                         f"{len(rows[0])}; give every row the same number of entries")
    if len(rows) * len(rows[0]) > MAX_ENTRIES:
        raise FieldError(name, f"at most {MAX_ENTRIES} numbers in all")
    return tuple(rows)


def listed(convert: Converter, what: str, maximum: int = 100) -> Converter:
    """A non-empty list of values that `convert` accepts (repeated CLI options, TOML arrays)."""

    def convert_all(value: Any, name: str) -> tuple[Any, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, Sequence) or not items:
            raise FieldError(name, f"expected a list of {what}, got {value!r}")
        if len(items) > maximum:
            raise FieldError(name, f"at most {maximum} {what}")
        return tuple(convert(item, name) for item in items)

    return convert_all


def index_list(value: Any, name: str) -> tuple[int, ...]:
    """Non-negative integers (class indices), one or a comma-separated list."""
    numbers = _ints_from(value, name, "a class index or a comma-separated list of them")
    if len(numbers) > MAX_ENTRIES:
        raise FieldError(name, f"at most {MAX_ENTRIES} class indices, got {len(numbers)}")
    if any(number < 0 for number in numbers):
        raise FieldError(name, "class indices start at 0 and cannot be negative")
    return tuple(numbers)


def choice(*options: str) -> Converter:
    """One of `options`, matched case-insensitively, returned as spelled in `options`."""
    spelled = {option.lower(): option for option in options}

    def convert(value: Any, name: str) -> str:
        text = str(value).strip().lower() if isinstance(value, str) else None
        if text not in spelled:
            raise FieldError(name, f"expected one of {', '.join(options)}, got {value!r}")
        return spelled[text]

    return convert


def choice_list(*options: str) -> Converter:
    """A non-empty list of `options`, repeats allowed (one per layer, say)."""
    pick = choice(*options)

    def convert(value: Any, name: str) -> tuple[str, ...]:
        items = entries(value, name) if isinstance(value, str) else value
        if not isinstance(items, Sequence) or not items:
            raise FieldError(name, f"expected one or more of {', '.join(options)}, got {value!r}")
        if len(items) > MAX_WIDTHS:
            raise FieldError(name, f"at most {MAX_WIDTHS} entries, got {len(items)}")
        return tuple(pick(item, name) for item in items)

    return convert


def choices(*options: str) -> Converter:
    """A non-empty list of distinct `options`, from a list or a comma-separated string."""
    listed = choice_list(*options)

    def convert(value: Any, name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(listed(value, name)))

    return convert


def boolean(value: Any, name: str) -> bool:
    """True or false (TOML booleans, or the strings true/false/yes/no)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "1"}:
        return True
    if text in {"false", "no", "0"}:
        return False
    raise FieldError(name, f"expected true or false, got {value!r}")


def assignments(value: Any, name: str) -> tuple[tuple[str, Decimal], ...]:
    """Values of variables: 'x0=1,w0=0.3' or a table {x0 = 1, w0 = 0.3}."""
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in re.split(r"[,;\s]+", value.strip()) if part]
        if any(len(pair) != 2 for pair in pairs):
            raise FieldError(name, f"write name=value pairs separated by commas, got {value!r}")
    elif isinstance(value, dict):
        pairs = [[str(key), item] for key, item in value.items()]
    else:
        raise FieldError(name, f"expected name=value pairs such as x0=1,w0=0.3, got {value!r}")
    if not pairs or len(pairs) > 1000:
        raise FieldError(name, "give between 1 and 1000 name=value pairs")
    for key, _ in pairs:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,31}", key.strip()):
            raise FieldError(name, f"{key.strip()!r} is not a variable name")
    return tuple((key.strip(), real_number(item, name)) for key, item in pairs)


def text(value: Any, name: str) -> str:
    """A string of at most 20,000 characters, with no control character but tab and newline
    (XML, TeX and terminals cannot carry them).

    >>> text("line one\\nline two", "statement").splitlines()
    ['line one', 'line two']
    """
    if not isinstance(value, str):
        raise FieldError(name, f"expected a string, got {value!r}")
    if len(value) > 20_000:
        raise FieldError(name, "at most 20000 characters")
    control = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", value)
    if control:
        raise FieldError(name, f"control character U+{ord(control.group()):04X} at position "
                               f"{control.start() + 1}; remove it")
    return value


def call_list(parse: Callable[[str, str], Any], what: str, maximum: int) -> Converter:
    """One constructor call or a list of 1 to `maximum` (`Adam(lr=0.1)`, `xavier_uniform_()`),
    each parsed by `parse(text, field)`; its error comes out under the field."""

    def convert(value: Any, name: str) -> tuple[Any, ...]:
        texts = [value] if isinstance(value, str) else value
        if not isinstance(texts, list | tuple) or not texts or len(texts) > maximum:
            raise FieldError(name, f"give 1 to {maximum} {what}")
        try:
            return tuple(parse(text(item, name), name) for item in texts)
        except InputError as error:
            raise FieldError(name, str(error).removeprefix(f"{name}: ")) from None
    return convert
