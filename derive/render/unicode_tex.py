"""Statements' `$...$` math as Unicode for plain text: the allowlisted commands that have a
character of their own, the rest unwrapped (no TeX source reaches a terminal).

A small table is enough: statements may only use the allowlist of `math_commands`, so there
is no need for a general LaTeX-to-text converter (such as pylatexenc) as a dependency.

>>> statement_unicode(r"A $3 \\times 3$ convolution on $x \\in \\mathbb{R}^{N}$")
'A 3 × 3 convolution on x ∈ ℝᴺ'
>>> tex_unicode(r"\\frac{\\partial L}{\\partial W^{(1)}}")
'∂L/∂W⁽¹⁾'
"""

from __future__ import annotations

import re

from derive.render.caption_math import _SUBSCRIPTS, _SUPERSCRIPTS, GREEK

SYMBOLS = {
    **{name: char for name, char in GREEK.items() if name != "ell"}, "ell": "ℓ",
    "times": "×", "cdot": "·", "in": "∈", "partial": "∂", "nabla": "∇", "sum": "Σ",
    "prod": "Π", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠",
    "approx": "≈", "to": "→", "rightarrow": "→", "infty": "∞", "pm": "±", "circ": "∘",
    "odot": "⊙", "otimes": "⊗", "ldots": "…", "cdots": "⋯", "dots": "…", "top": "ᵀ",
    "mid": "|", "sim": "~", "propto": "∝", "forall": "∀", "exists": "∃", "log": "log",
    "exp": "exp", "max": "max", "min": "min", "tanh": "tanh", "quad": "  ", "qquad": "   ",
    "varepsilon": "ε", "epsilon": "ε", "xi": "ξ", "nu": "ν", "kappa": "κ", "zeta": "ζ",
    "pi": "π", "chi": "χ", "Omega": "Ω", "Lambda": "Λ", "Gamma": "Γ", "Phi": "Φ",
    "lVert": "‖", "rVert": "‖", "Vert": "‖", "lvert": "|", "rvert": "|",
}
_BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼"}
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "bar": "\u0304",
            "overline": "\u0304", "vec": "\u20d7", "dot": "\u0307"}
_GROUP = r"\{((?:[^{}]|\{[^{}]*\})*)\}"


# raised letters for a superscript such as x^{(k+1)} -> x⁽ᵏ⁺¹⁾ (q has none; of the
# capitals only N and K, so that ᵀ stays the transpose)
_RAISED = _SUPERSCRIPTS | dict(zip("abcdefghjklmoprstuvwxyzNK", "ᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴺᴷ",
                                   strict=True))


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """A sub- or superscript in script characters when each has one; else after `mark`,
    grouped once: x^(k+1) from x^{(k+1)} or x^{k+1}, never x^((k+1)); x^[2] from x^{[2]}.

    >>> _script("(k+1)", _RAISED, "^"), _script("(t+1/2)", _RAISED, "^"), _script("k", {}, "_")
    ('⁽ᵏ⁺¹⁾', '^(t+1/2)', '_k')
    """
    if text and all(char in table for char in text):
        return "".join(table[char] for char in text)
    if len(text) == 1 or re.fullmatch(r"\([^()]*\)|\[[^\[\]]*\]", text):
        return f"{mark}{text}"
    return f"{mark}({text})"


def tex_unicode(math: str) -> str:
    """One piece of allowlisted TeX math as Unicode text."""
    out = math
    for _ in range(4):  # nested groups: innermost first, a few levels deep
        out = re.sub(rf"\\frac{_GROUP}{_GROUP}", lambda m: f"{m[1]}/{m[2]}", out)
        out = re.sub(rf"\\mathbb{_GROUP}", lambda m: _BLACKBOARD.get(m[1], m[1]), out)
        out = re.sub(rf"\\(hat|widehat|tilde|bar|overline|vec|dot){_GROUP}",
                     lambda m: m[2] + _ACCENTS[m[1]], out)
        out = re.sub(rf"\\(?:mathrm|mathbf|mathit|text|textrm|operatorname|boldsymbol|"
                     rf"mathcal|mathsf){_GROUP}", lambda m: m[1], out)
        out = re.sub(rf"\\sqrt{_GROUP}", lambda m: f"√({m[1]})", out)
    out = re.sub(r"\\([A-Za-z]+)", lambda m: SYMBOLS.get(m[1], m[1]), out)
    out = re.sub(r"∂ (?=\w)", "∂", out)
    out = re.sub(r"\\[,;:! ]", " ", out).replace(r"\{", "{").replace(r"\}", "}")
    out = re.sub(r"\^\{T\}|\^T\b", "ᵀ", out)
    out = re.sub(rf"\^(?:{_GROUP}|(\w))", lambda m: _script(
        m[1] if m[1] is not None else m[2], _RAISED, "^"), out)
    out = re.sub(rf"_(?:{_GROUP}|(\w))", lambda m: _script(
        m[1] if m[1] is not None else m[2], _SUBSCRIPTS, "_"), out)
    out = out.replace("{", "").replace("}", "")
    return re.sub(r"(?<![A-Za-z])-|-(?![A-Za-z])", "−", out)  # a hyphen only inside a word


def statement_unicode(statement: str) -> str:
    """A Markdown statement with `$math$` as plain Unicode text."""
    return re.sub(r"\$\$(.+?)\$\$|\$([^$]+?)\$",
                  lambda m: tex_unicode(m[1] if m[1] is not None else m[2]), statement,
                  flags=re.DOTALL)
