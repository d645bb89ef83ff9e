"""One ASCII math atom of a caption (W_0^1, sigma'(z), lambda_max, dL/dW_1, yhat) as TeX
or Unicode.

>>> identifier_tex("W_0^{1}"), identifier_tex("lambda_max"), identifier_tex("dL/dW_1")
('W_{0}^{1}', '\\\\lambda_{\\\\max}', '\\\\partial L/\\\\partial W_{1}')
>>> identifier_unicode("W_1"), identifier_unicode("sigma'"), identifier_unicode("p^T")
('W₁', "σ'", 'pᵀ')
>>> identifier_tex("(S_2)_j"), identifier_unicode("(S_2)_j"), identifier_unicode("(A_3)_q")
('\\\\left(S_{2}\\\\right)_{j}', '(S₂)ⱼ', '(A₃)_q')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "psi": "ψ", "omega": "ω", "rho": "ρ", "ell": "ℓ", "Sigma": "Σ", "Delta": "Δ",
}
# words that are math wherever they stand, with their TeX and Unicode forms
MATH_WORDS = {
    "yhat": (r"\hat{y}", "ŷ"), "Yhat": (r"\hat{Y}", "Ŷ"), "Xhat": (r"\hat{X}", "X̂"),
    "xhat": (r"\hat{x}", "x̂"), "Xtilde": (r"\tilde{X}", "X̃"), "Ytilde": (r"\tilde{Y}", "Ỹ"),
    "dYtilde": (r"\mathrm{d}\tilde{Y}", "dỸ"), "grad": (r"\nabla", "∇"),
    "fan": (r"\mathrm{fan}", "fan"), "etatilde": (r"\tilde{\eta}", "η̃"),
    "gbar": (r"\bar{g}", "g\u0304"),
}
# function names: math beside math, prose alone ("relu" as a step's whole caption)
FUNCTIONS = {
    "log": r"\log", "exp": r"\exp", "max": r"\max", "min": r"\min", "sum": r"\sum",
    "tanh": r"\tanh", "diag": r"\operatorname{diag}", "relu": r"\operatorname{ReLU}",
    "ReLU": r"\operatorname{ReLU}", "sigmoid": r"\operatorname{sigmoid}",
    "softmax": r"\operatorname{softmax}", "sqrt": r"\sqrt", "Var": r"\operatorname{Var}",
    "floor": r"\operatorname{floor}", "det": r"\det",
}
_OPERATORS = {
    " x ": (r" \times ", " × "), " . ": (r" \cdot ", " · "), "*": (r" \cdot ", "·"),
    "!=": (r" \neq ", " ≠ "), "<=": (r" \leq ", " ≤ "), ">=": (r" \geq ", " ≥ "),
    "->": (r" \to ", " → "), "||": (r"\|", "‖"), "~": (r" \sim ", " ~ "),
    "...": (r"\ldots", "…"), "||_2": (r"\|_{2}", "‖₂"), "-": ("-", "−"), "|": (r"|", "|"),
}
_SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvx",
                       "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SUPERSCRIPTS = dict(zip("0123456789+-=()inT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿᵀ", strict=True))
_SCRIPT = re.compile(r"([_^])(\[[^\]]*\]|\{(?:[^{}]|\{[^{}]*\})*\}|\([^()]*\)"
                     r"|[A-Za-z0-9]+(?:,\[[^\]\s]*\])?)")


def hat(word: str) -> str | None:
    """mhat, hatm -> m (an estimate's hat written in ASCII)."""
    found = re.fullmatch(r"hat([mvgpxy])|([mvgpxy])hat", word)
    return (found.group(1) or found.group(2)) if found else None


def _word_tex(word: str) -> str:
    if word.startswith("("):  # (S_2) of (S_2)_j, an entry of a subscripted name
        return rf"\left({identifier_tex(word[1:-1])}\right)"
    if hat(word):
        return rf"\hat{{{hat(word)}}}"
    if word in GREEK:
        return f"\\{word}"
    if word in MATH_WORDS:
        return MATH_WORDS[word][0]
    if word in FUNCTIONS:
        return FUNCTIONS[word]
    if len(word) == 1 or word.isdigit():
        return word
    letters = re.fullmatch(r"([A-Za-z])(\d+)", word)  # x1 -> x_1, N1 -> N_1
    if letters:
        return f"{letters.group(1)}_{{{letters.group(2)}}}"
    return rf"\mathrm{{{word}}}"


def _inner(script: str) -> str:
    return script[1:-1] if script[:1] in "{(" else script


@dataclass(frozen=True)
class NameParts:
    """A name read once for both printers: `W1'_0^{(2)}.T` is word W1, primes ', scripts
    (_, 0) and (^, (2)), no trailing primes, mark T (a transpose; * a star). The word of an
    entry of a subscripted name, `(S_2)_j`, is the grouped name (S_2)."""

    word: str
    primes: str
    scripts: tuple[tuple[str, str], ...]
    trailing: str
    mark: str


def _name_parts(atom: str) -> NameParts:
    mark = "T" if atom.endswith(".T") else "*" if atom.endswith("*") else ""
    atom = atom.removesuffix(".T").removesuffix("*")
    base = re.match(r"\([^()]+\)|[A-Za-z]+\d*'*", atom)
    head = base.group() if base else ""
    word, rest = head.rstrip("'"), atom[len(head):]
    return NameParts(word, "'" * (len(head) - len(word)),
                     tuple((m, _inner(s)) for m, s in _SCRIPT.findall(rest)),
                     "'" * (len(rest) - len(rest.rstrip("'"))), mark)


def identifier_tex(atom: str) -> str:
    """A name with primes, sub- and superscripts and a `.T`; or d<of>/d<wrt>."""
    if "/" in atom:
        of, wrt = atom.split("/", 1)
        return rf"\partial {identifier_tex(of[1:])}/\partial {identifier_tex(wrt[1:])}"
    if atom.startswith("(") and atom.endswith(")"):
        return f"({_math(atom[1:-1])})"
    name = _name_parts(atom)
    out = _word_tex(name.word) + name.primes
    for mark, script in name.scripts:
        out += f"{mark}{{{_script_tex(script)}}}"
    return out + name.trailing + ("^{T}" if name.mark == "T" else "^{*}" if name.mark else "")


_WORD_PAIRS = {"in"}  # the one two-letter word of the course's names: C_in, d_in, fan_in


def index_pair(script: str) -> bool:
    """Whether a two-letter script is a pair of indices, set italic like one letter: two
    lowercase letters (W_ij, W_hh, W_ih) that name no Greek letter and are no word (C_in).
    GRU's gate weight W_{in} (input to gate n) is a pair the engine writes in braces, as
    TeX: the TeX printer keeps such a name's two-letter scripts as written."""
    return len(script) == 2 and script.isascii() and script.isalpha() and script.islower() \
        and script not in GREEK and script not in _WORD_PAIRS


def word_script(script: str) -> bool:
    """Whether a sub- or superscript of letters is a word or an acronym, set upright: two or
    more letters that are no pair of indices (d_model, P_head, P_QKV, lambda_max, C_in)."""
    return len(script) >= 2 and script.isascii() and script.isalpha() \
        and not index_pair(script)


def _script_tex(script: str) -> str:
    if re.fullmatch(r"[A-Za-z]+|\d+", script):
        return script if index_pair(script) else _word_tex(script)
    return _math(script)


def _math(source: str) -> str:
    from derive.render.captions import math_tex

    return math_tex(source)


def operator_tex(op: str) -> str:
    """An operator (` x `, ` . `, `!=`, ...) as TeX."""
    return _OPERATORS.get(op, (op, op))[0]


def operator_unicode(op: str) -> str:
    """An operator as Unicode (×, ·, ≠, −, →)."""
    return _OPERATORS.get(op, (op, op))[1]


def _word_unicode(word: str) -> str:
    if word.startswith("("):
        return f"({identifier_unicode(word[1:-1])})"
    if hat(word):
        return f"{hat(word)}\u0302"
    if word in GREEK:
        return GREEK[word]
    if word in MATH_WORDS:
        return MATH_WORDS[word][1]
    letters = re.fullmatch(r"([A-Za-z])(\d+)", word)
    if letters:
        return letters.group(1) + _scripted(letters.group(2), _SUBSCRIPTS, "_")
    return {"relu": "ReLU", "sum": "Σ"}.get(word, word)


def _scripted(text: str, table: dict[str, str], mark: str) -> str:
    """Text in sub/superscript characters when each has one; else `_text` or `^(text)`."""
    if all(char in table for char in text):
        return "".join(table[char] for char in text)
    return f"{mark}{text}" if len(text) == 1 or text.isalnum() else f"{mark}({text})"


def identifier_unicode(atom: str) -> str:
    """A name as Unicode: Greek letters, sub- and superscript digits, ᵀ for a transpose."""
    if "/" in atom:
        of, wrt = atom.split("/", 1)
        return f"∂{identifier_unicode(of[1:])}/∂{identifier_unicode(wrt[1:])}"
    if atom.startswith("(") and atom.endswith(")"):  # d(log p)/dh: the group as written
        from derive.render.captions import math_unicode

        return f"({math_unicode(atom[1:-1])})"
    name = _name_parts(atom)
    out = _word_unicode(name.word) + name.primes
    for mark, script in name.scripts:
        out += _scripted(_unicode_math(script), _SUBSCRIPTS if mark == "_" else _SUPERSCRIPTS,
                         mark)
    return out + name.trailing + ("ᵀ" if name.mark == "T" else "*" if name.mark else "")


def _unicode_math(source: str) -> str:
    if source in GREEK or source in MATH_WORDS:
        return _word_unicode(source)
    from derive.render.captions import math_unicode

    return math_unicode(source).replace(" ", "")
