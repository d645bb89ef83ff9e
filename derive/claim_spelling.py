"""derive's plain-text math read back as the claim syntax: a formula copied from the text
output (W₁, Δ₃ᵀ A₂, σ(Z) ⊙ (1 − σ(Z)), ∂L/∂W) is claimed as it is."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SIGNS = {"−": "-", "·": "*", "⊙": "*", "∂": "d", "ᵀ": ".T", "ℓ": "l",
          "\u0302": "hat", "\u0303": "tilde", "\u0304": "bar"}
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", "0123456789aehijklmnoprstuvx", strict=True))
_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))


def ascii_claim(claim: str, names: Iterable[str] = ()) -> str:
    """A claim copied from derive's Unicode text in the ASCII claim syntax: Greek letters as
    words (σ(...) as sigmoid), subscripts after `_`, a superscript (W¹, W^1) joined to the
    name when that names a value (W1) and a power otherwise, side-by-side matrices multiplied.

    >>> ascii_claim("(Δ₂ W₂) ⊙ σ(Z₁) ⊙ (1 − σ(Z₁))")
    '(Delta_2 @ W_2) * sigmoid(Z_1) * (1 - sigmoid(Z_1))'
    >>> ascii_claim("((1/N)·(Ŷ − Y))ᵀ 1"), ascii_claim("x¹ᵀ + x²", {"x1"})
    ('((1/N)*(Yhat - Y)).T @ 1', 'x1.T + x**2')
    """
    known = set(names)
    text = unicodedata.normalize("NFD", claim)
    text = re.sub(r"σ(?=\()", "sigmoid", text).replace("ReLU(", "relu(")
    text = "".join(_SIGNS.get(char) or _greek_word(char) for char in text)
    text = re.sub(f"[{''.join(_SUB)}]+", lambda m: "_" + "".join(_SUB[c] for c in m[0]), text)
    text = re.sub(f"([A-Za-z0-9_]*)(?:\\^(\\d+)|([{''.join(_SUPER)}]+))", lambda m: _raised(
        m[1], m[2] or "".join(_SUPER[c] for c in m[3]), known), text)
    text = text.replace("^", "**")
    return re.sub(r"([A-Za-z0-9_)])\s+(?=[A-Za-z0-9_(])", r"\1 @ ", text)


def _greek_word(char: str) -> str:
    """A Greek letter as its name (Δ as Delta, λ as lambda); any other character as itself."""
    name = unicodedata.name(char, "")
    if not re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER [A-Z]+", name):
        return char
    word = name.rsplit(" ", 1)[1].lower().replace("lamda", "lambda")
    return word.capitalize() if "CAPITAL" in name else word


def _raised(base: str, digits: str, names: set[str]) -> str:
    """A name with raised digits: a name of its own (W¹ as W1) if one is known, else a power
    (x² as x**2)."""
    for joined in (base + digits, base.replace("_", "") + digits):
        if joined in names:
            return joined
    return f"{base}**{digits}"
