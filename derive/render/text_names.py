"""Symbol and function names as readable Unicode for plain text: x_{t - 1} -> x_(t − 1),
\\nabla f -> ∇f, \\tilde{\\eta}_t -> η̃ₜ, eta_1 -> η₁, N_1 -> N₁ (never TeX source, never a
subscript that runs into the text after it).

>>> [name_unicode(n) for n in ("x_{t - 1}", "\\\\nabla f", "eta_1", "N_1", "x1", "P")]
['x_(t − 1)', '∇f', 'η₁', 'N₁', 'x1', 'P']
>>> name_unicode("d_model"), name_unicode("lambda_max")
('d_model', 'λₘₐₓ')
"""

from __future__ import annotations

import re

from derive.render.caption_math import _SUBSCRIPTS, GREEK
from derive.render.unicode_tex import tex_unicode

_WORD = re.compile(r"(?<![A-Za-z\\])(" + "|".join(sorted(GREEK, key=len, reverse=True))
                   + r")(?![A-Za-z])")


def name_unicode(name: str) -> str:
    """A symbol's name as Unicode: TeX commands and Greek words as characters, subscripts as
    subscript characters, an expression subscript in parentheses."""
    if "\\" not in name and "_" not in name and "^" not in name and name not in GREEK:
        return name
    spelled = _WORD.sub(lambda m: "\\" + m[1], name)
    # a word subscript without subscript characters stays as written: d_model, never dₘodel
    spelled = re.sub(r"_([A-Za-z0-9]{2,})(?![A-Za-z0-9{])", lambda m: "_{" + m[1] + "}" if all(
        c in _SUBSCRIPTS for c in m[1]) else "\0" + m[1], spelled)
    return re.sub(r"([∇∂]) (?=\w)", r"\1", tex_unicode(spelled)).replace("\0", "_")
