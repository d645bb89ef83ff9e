"""The SymPy printers that turn relations into TeX and text, under the number policy.

Anything in a printer's `given` mapping (a symbol, an indexed entry, a matrix) prints
as its value: formula -> substitution -> result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from derive.render.numbers import DEFAULT_DIGITS
from derive.render.tex_printer import TexPrinter
from derive.render.text_printer import TextPrinter


def tex(expr: Any, given: Mapping[sympy.Symbol, Any] | None = None,
        digits: int = DEFAULT_DIGITS) -> str:
    """TeX for a SymPy expression, with `given` substituted for display."""
    key = _key(expr, given)
    if key is None:
        return TexPrinter(given, digits).doprint(expr)
    return _tex_cached(key, digits, expr, given)


def text(expr: Any, given: Mapping[sympy.Symbol, Any] | None = None,
         digits: int = DEFAULT_DIGITS, pretty: bool = True) -> str:
    """Plain text for a SymPy expression, with `given` substituted for display; `pretty`
    writes names in Unicode and products of sizes with a dot (False: code-like, for JSON)."""
    key = _key(expr, given)
    if key is None:
        return TextPrinter(given, digits, pretty).doprint(expr)
    return _remembered(("text", digits, pretty, *key),
                       lambda: TextPrinter(given, digits, pretty).doprint(expr))


# Printing a matrix expression costs SymPy milliseconds, and a sheet prints the same formulas
# again and again (a key and its question sheet, each of many variants, the manifest). Equal
# SymPy trees with equal given values (same types, same bytes) print alike, so the text is
# kept by that key; the expression and values themselves ride along, outside the key.
_CACHE: dict[tuple[Any, ...], str] = {}
_CACHE_SIZE = 8192


def _tex_cached(key: tuple[Any, ...], digits: int, expr: Any, given: Any) -> str:
    return _remembered(("tex", digits, *key), lambda: TexPrinter(given, digits).doprint(expr))


def _remembered(key: tuple[Any, ...], make: Any) -> str:
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = make()
    return _CACHE[key]


def _key(expr: Any, given: Mapping[sympy.Symbol, Any] | None) -> tuple[Any, ...] | None:
    """A hashable stand-in for (expr, given), or None when one cannot be made."""
    if not isinstance(expr, sympy.Basic) or not _is_hashable(expr):
        return None
    values = []
    for symbol, value in (given or {}).items():
        shown = _value_key(value)
        if shown is None or not _is_hashable(symbol):
            return None
        values.append((symbol, shown))
    return (type(expr), expr, tuple(values))


def _value_key(value: Any) -> tuple[Any, ...] | None:
    """A value by its type and contents: an array's dtype, shape and bytes, else the value."""
    if isinstance(value, np.ndarray):
        return (np.ndarray, value.dtype.str, value.shape, value.tobytes())
    return (type(value), value) if _is_hashable(value) else None


def _is_hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
