"""Symbol and function names as readable Unicode for plain text: x_{t - 1} -> x_(t − 1),
\\nabla f -> ∇f, \\tilde{\\eta}_t -> η̃ₜ, eta_1 -> η₁, N_1 -> N₁, yhat -> ŷ (never TeX source,
never a subscript that runs into the text after it).

>>> [name_unicode(n) for n in ("x_{t - 1}", "\\\\nabla f", "eta_1", "N_1", "x1", "P")]
['x_(t − 1)', '∇f', 'η₁', 'N₁', 'x1', 'P']
>>> name_unicode("d_model"), name_unicode("lambda_max"), name_unicode("yhat_1")
('d_model', 'λₘₐₓ', 'ŷ₁')
>>> function_unicode("sigma'"), function_unicode("grad f"), function_unicode("relu")
("σ'", '∇f', 'ReLU')
>>> superscript("12"), superscript("t")
('¹²', None)
"""

from __future__ import annotations

import re
from string import ascii_letters as _ASCII_LETTERS

from derive.render.caption_math import _SUBSCRIPTS, _SUPERSCRIPTS, GREEK
from derive.render.unicode_tex import tex_unicode

_GREEK_WORDS = "|".join(sorted(GREEK, key=len, reverse=True))
_WORD = re.compile(r"(?<![A-Za-z\\])(" + _GREEK_WORDS + r")(?![A-Za-z])")
# an accent written after its letter, as ASCII names do: yhat, Xtilde, gbar, dYtilde, etatilde
_ACCENTED = re.compile(r"(?<![A-Za-z\\])(d?)(" + _GREEK_WORDS + r"|[A-Za-z])(hat|tilde|bar)"
                       r"(?![A-Za-z])")
_FUNCTIONS = {"grad": "∇", "relu": "ReLU"}


def name_unicode(name: str) -> str:
    """A symbol's name as Unicode: TeX commands and Greek words as characters, subscripts as
    subscript characters, an expression subscript in parentheses, an accent over its letter."""
    if "\\" not in name and "_" not in name and "^" not in name and not _WORD.search(name) \
            and not _ACCENTED.search(name):
        return name
    spelled = _ACCENTED.sub(lambda m: m[1] + "\\" + m[3] + "{" + (
        "\\" + m[2] if m[2] in GREEK else m[2]) + "}", name)
    spelled = _WORD.sub(lambda m: "\\" + m[1], spelled)
    # a word subscript without subscript characters stays as written: d_model, never dₘodel
    spelled = re.sub(r"_([A-Za-z0-9]{2,})(?![A-Za-z0-9{])", lambda m: "_{" + m[1] + "}" if all(
        c in _SUBSCRIPTS for c in m[1]) else "\0" + m[1], spelled)
    return re.sub(r"([∇∂]) (?=\w)", r"\1", tex_unicode(spelled)).replace("\0", "_")


def function_unicode(name: str) -> str:
    """A function's ASCII name (sigma', grad f, relu) as a mathematician writes it."""
    word = name[:len(name) - len(name.lstrip(_ASCII_LETTERS))]
    rest = name[len(word):]
    if word in _FUNCTIONS:
        return _FUNCTIONS[word] + rest.lstrip()
    return GREEK.get(word, word) + rest


def superscript(text: str) -> str | None:
    """`text` in superscript characters, or None when one of them has none."""
    if not text or not all(char in _SUPERSCRIPTS for char in text):
        return None
    return "".join(_SUPERSCRIPTS[char] for char in text)
