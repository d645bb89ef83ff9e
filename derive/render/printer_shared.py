"""What both SymPy printers share: a given value shown inside a formula, a torch parameter's
name, and the diagonal and negative factors that order and transpose matrix terms."""

from __future__ import annotations

import re
from typing import Any

import sympy

from derive.render.numbers import format_number, tex_number, text_number
from derive.render.values import claim_value, tex_value, text_value

# a torch parameter's state_dict name (2.weight), and " new" after it for its updated value
PARAMETER = re.compile(r"([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+)( new)?")


def shown(value: Any, digits: int, to_tex: bool, scale: float = 0.0,
          ascii_text: bool = False) -> str:
    """A given value substituted into a formula: an array as a matrix (in text as
    `text_value` writes it: a column [a, b]ᵀ), a negative number in parentheses; a float
    below the resolution of `scale` (the step's largest given value) as 0, as the step's
    result prints it (`derive.render.numbers`). `ascii_text`: code-like text, the ASCII
    minus and a column as [[a], [b]] (JSON)."""
    if hasattr(value, "ndim") and value.ndim:
        if to_tex:
            return tex_value(value, digits, scale)
        return claim_value(value, digits, scale) if ascii_text else text_value(value, digits, scale)
    text = tex_number(value, digits, scale) if to_tex else \
        (format_number if ascii_text else text_number)(value, digits, scale)
    return f"({text})" if text.startswith(("-", "−")) else text


def superscripted(expr: Any) -> bool:
    """Whether a symbol's name carries a superscript (W^{1}, W_0^{1}): a prime after it would
    read as part of the superscript (W^{1'}), so the printers group the name: (W¹)'."""
    return "^" in str(getattr(expr, "name", ""))


def primed_superscript(name: str) -> tuple[str, str] | None:
    """A superscripted name with primes after it split into the name and the primes
    (Z^{1}' -> Z^{1}, '); None for any other name (H', W_1' keep their prime).

    >>> primed_superscript("Z^{1}'"), primed_superscript("W_1'"), primed_superscript("W^{1}")
    (('Z^{1}', "'"), None, None)
    """
    base = name.rstrip("'")
    return (base, name[len(base):]) if base != name and "^" in base else None


def is_diagonal(expr: Any) -> bool:
    """diag(...), a DiagMatrix or an identity: equal to its own transpose."""
    name = getattr(getattr(expr, "func", None), "__name__", "")
    return name.lower() in {"diag", "diagmatrix", "diagonalmatrix", "identity"} or \
        bool(getattr(expr, "is_diagonal", False) is True)


def negative(term: Any) -> bool:
    """Whether a matrix term has a negative scalar factor (-η·g): it is subtracted."""
    factor = term.args[0] if isinstance(term, sympy.MatMul) and term.args else None
    return bool(getattr(factor, "is_negative", False))
