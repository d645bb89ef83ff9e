"""Captions, labels and reasons as words and math: one reading, printed three ways.

The engine writes a caption as a short ASCII sentence ("layer 1: W_1 is 100 x 50, plus 50
biases"). `pieces` reads it once into prose, math and code pieces; LaTeX and Markdown typeset
the math as math, plain text prints it as readable Unicode.

>>> caption_tex("layer 1: W_1 is 100 x 50, plus 50 biases")
'layer 1: $W_{1}$ is $100 \\\\times 50$, plus 50 biases'
>>> caption_unicode("derivative of sigmoid: sigma'(z) = sigma(z)(1 - sigma(z))")
"derivative of sigmoid: σ'(z) = σ(z)(1 − σ(z))"
>>> caption_tex("eta = 0.1: contraction factor max |1 - eta lambda_i|")
'$\\\\eta = 0.1$: contraction factor $\\\\max |1 - \\\\eta \\\\lambda_{i}|$'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from derive.render.caption_math import (
    FUNCTIONS,
    GREEK,
    MATH_WORDS,
    hat,
    identifier_tex,
    identifier_unicode,
    operator_tex,
    operator_unicode,
)
from derive.render.tex import tex_escape

Kind = Literal["prose", "math", "code"]


@dataclass(frozen=True)
class Piece:
    """A run of a caption: prose, math (its ASCII source) or code (a torch name)."""

    kind: Kind
    source: str


_NEST = r"(?:[^()]|\((?:[^()]|\([^()]*\))*\))*"
_SCRIPT = (r"(?:\[[^\]\s]*\]|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|\([^()\s]*\)"
           r"|[A-Za-z0-9]+(?:,\[[^\]\s]*\])?)")
_TOKEN = re.compile(
    rf"(?P<call>[A-Za-z_][\w.]*\((?={_NEST}(?:=|'[A-Za-z]))({_NEST})\)|'[\w.]+'|\b\w+\.\w+\(\))"
    r"|(?P<dotted>(?:\bd[A-Za-z]+/d|\b)(?:\d+|[a-z]+_\w+)\.[A-Za-z_][\w.]*[A-Za-z0-9_])"
    r"|(?P<word>\bi\.e\.|\be\.g\.|\b[A-Za-z][\w.]*'s\b|\b[A-Za-z]+\d+[A-Za-z]\w*)"
    rf"|(?P<deriv>\bd(?:\([\w' ]+\)|[A-Za-z]+\d*(?:[_^]{_SCRIPT})*)"
    rf"/d[A-Za-z]+\d*(?:[_^]{_SCRIPT})*)"
    rf"|(?P<entry>\([A-Za-z]+\d*(?:[_^]{_SCRIPT})*\)(?:[_^]{_SCRIPT})+)"
    rf"|(?P<ident>\b[A-Za-z]\d+\b|[A-Za-z]+'*(?:[_^]{_SCRIPT})*'*(?![A-Za-z])(?:\.T\b|\*(?=[\s)]|$))?)"
    r"|(?P<number>\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
    r"|(?P<space>\s+)"
    r"|(?P<op>\|\|_2|\|\||!=|<=|>=|->|\.\.\.|[-+*/=<>|~^(),;:.\[\]'])"
    r"|(?P<other>.)")
_CODE_WORD = re.compile(r"^[A-Za-z]\w*_\w*_|_$|^(?:in|out|max|exp|weight|bias|kernel|step|"
                        r"num|lr_decay|initial)_")
_OPENERS, _CLOSERS = "([", ")]"
_BREAKS = {",", ";", ":", "."}


def _ident_kind(word: str) -> str:
    """'strong' (surely math), 'weak' (math beside math), 'code' or 'prose'."""
    base = re.match(r"[A-Za-z]+", word)
    name = base.group() if base else word
    if hat(name):
        return "strong"
    if _CODE_WORD.search(word) or (name not in GREEK and len(name) > 3 and "_" in word
                                   and name not in MATH_WORDS):
        return "code"
    if name in GREEK or name in MATH_WORDS or hat(name) or word != name:
        return "strong"
    if re.fullmatch(r"[A-Za-z]\d+", word):
        return "strong"
    if name in FUNCTIONS:
        return "weak"
    if len(name) == 1:
        return "weak" if name in "aAI" else "strong"
    return "prose"


Token = tuple[str, str, str]


def _tokens(caption: str) -> list[Token]:
    """(class, text, pattern) triples; classes: code, strong, weak, prose, space, open, close,
    break; pattern: the group of `_TOKEN` that matched (ident, number, op, ...)."""
    found: list[Token] = []
    for match in _TOKEN.finditer(caption):
        raw = group = match.lastgroup or "other"
        value = match.group()
        if group == "word":
            group = "prose"
        elif group == "call" or group == "dotted":
            group = "code"
        elif group == "deriv":
            group = "code" if _ident_kind(value.split("/d", 1)[1]) == "code" else "strong"
        elif group == "ident":
            group = _ident_kind(value)
        elif group == "entry":  # (S_2)_j: an entry of a subscripted name
            group = "strong"
        elif group == "number":
            group = "weak"
        elif group == "op":
            group = ("open" if value in _OPENERS else "close" if value in _CLOSERS
                     else "break" if value in _BREAKS else "weak")
        elif group == "other":
            group = "prose"
        found.append((group, value, raw))
    return _operators(found)


_SIGNS = {"=", "<", ">", "+", "-", "*", "/", "!=", "<=", ">=", "->", "~", "|", "||", "^"}


def _operand(token: Token | None, opens: str) -> bool:
    """Whether a token can stand beside a product sign: a number, a name or a bracket
    (`opens` the bracket class that faces the sign), never an operator such as + or =."""
    return token is not None and token[0] in ("weak", "strong", opens) \
        and token[1] not in _SIGNS


def _operators(tokens: list[Token]) -> list[Token]:
    """` x ` and ` . ` between two operands are products ("100 x 50", "(3 x 3) x 4"; never
    "W_1 x + c_1", where x is the input); a lone 'a' by an operator is math."""
    result = list(tokens)
    for i, (_, value, _) in enumerate(tokens):
        before = tokens[i - 2] if i >= 2 and tokens[i - 1][0] == "space" else None
        after = tokens[i + 2] if i + 2 < len(tokens) and tokens[i + 1][0] == "space" else None
        operands = _operand(before, "close") and _operand(after, "open")
        if value in ("x", ".") and operands:
            result[i] = ("strong", value, "product")
        elif value in ("a", "A"):
            result[i] = _letter_a(tokens, i)
    return result


_NAMING_WORDS = {"layer", "of"}  # "layer A", "shape of A": a capital after them is a name


def _letter_a(tokens: list[Token], i: int) -> Token:
    """A lone 'a' or 'A' read by its neighbours. A name (math) beside an operator ("(a)",
    "a^2", "-a"); a capital A also after "layer" or "of" ("layer A", "shape of A") or before
    no word ("A:", "(A)", "A, B and C"). The article (prose) before a word or a number ("A
    network", "a weight", "a 3 x 3 kernel"). Else as read (math only beside math)."""
    value = tokens[i][1]
    before = tokens[i - 1][1] if i else ""
    after = tokens[i + 1][1] if i + 1 < len(tokens) else ""
    word_before = tokens[i - 2][1] if i >= 2 and before.isspace() else ""
    word_after = tokens[i + 2][1] if after.isspace() and i + 2 < len(tokens) else ""
    if before and before in "-(^" or after and after in ")^" or value == "A" and (
            word_before in _NAMING_WORDS or not (word_after[:1].isalnum() or word_after == "(")):
        return ("strong", value, "ident")
    if re.fullmatch(r"[a-z][a-z]+|\d.*", word_after):
        return ("prose", value, "ident")
    return tokens[i]


def pieces(caption: str) -> list[Piece]:
    """A caption read as prose, math and code runs."""
    out: list[Piece] = []
    run: list[Token] = []
    depth = 0

    def emit(kind: Kind, text: str) -> None:
        if out and out[-1].kind == kind and kind == "prose":
            out[-1] = Piece(kind, out[-1].source + text)
        elif text:
            out.append(Piece(kind, text))

    def flush() -> None:
        lead, body, tail = _trim(run)
        emit("prose", "".join(t[1] for t in lead))
        if any(t[0] == "strong" for t in body):
            emit("math", "".join(t[1] for t in body).strip())
        else:
            emit("prose", "".join(t[1] for t in body))
        emit("prose", "".join(t[1] for t in tail))
        run.clear()
        nonlocal depth
        depth = 0

    for group, value, raw in _tokens(caption):
        depth += (group == "open") - (group == "close")
        if group in ("prose", "code") or (group == "break" and depth <= 0):
            flush()
            emit("code" if group == "code" else "prose", value)
        else:
            run.append((group, value, raw))
    flush()
    return out


def _trim(run: list[Token]) -> tuple[list[Token], ...]:
    """Split a run into (prose before, math, prose after): edges that are spaces, unmatched
    brackets or dangling operators belong to the prose around."""
    pairs = _unmatched(run)
    start, end = 0, len(run)
    while start < end and (run[start][0] in ("space", "break") or start in pairs
                           or run[start][1] in ("=", "+", "*", "/", "<", ">", "'")
                           or _juxtaposed_number(run, start)):
        start += 1
    while end > start and (run[end - 1][0] in ("space", "break") or end - 1 in pairs
                           or run[end - 1][1] in ("=", "+", "-", "*", "/", "<", ">")
                           or run[end - 1][1] in FUNCTIONS):
        end -= 1
    return run[:start], run[start:end], run[end:]


def _juxtaposed_number(run: list[Token], i: int) -> bool:
    """A number before a space and a name ('optimizer 1 x_0'): a label, not a coefficient."""
    return (run[i][2] == "number" and i + 2 < len(run) and run[i + 1][0] == "space"
            and run[i + 2][2] == "ident")


def _unmatched(run: list[Token]) -> set[int]:
    """Positions of brackets without a partner inside the run."""
    stack: list[int] = []
    lone: set[int] = set()
    for i, (group, _, _) in enumerate(run):
        if group == "open":
            stack.append(i)
        elif group == "close":
            if stack:
                stack.pop()
            else:
                lone.add(i)
    return lone | set(stack)


def math_tex(source: str) -> str:
    """An ASCII math run as TeX (without the dollars)."""
    parts = []
    for _, value, group in _tokens(source):
        if group in ("ident", "deriv", "entry"):
            parts.append(identifier_tex(value))
        elif group == "product":
            parts.append(operator_tex(f" {value} "))
        elif group in ("dotted", "call", "word"):
            parts.append(rf"\texttt{{{tex_escape(value)}}}" if group != "word"
                         else rf"\text{{{tex_escape(value)}}}")
        elif group == "op":
            parts.append(operator_tex(value))
        elif group == "number":
            parts.append(_number_tex(value))
        elif group == "space":
            parts.append(" ")
        else:
            parts.append(tex_escape(value))
    joined = re.sub(r" {2,}", " ", "".join(parts)).strip()
    return _SQRT_TEX.sub(r"\\sqrt{\1}", joined)  # sqrt(H) -> \sqrt{H}


_SQRT_TEX = re.compile(r"\\sqrt\s*\(([^()]*)\)")
_SQRT_UNICODE = re.compile(r"(?:√|sqrt)\s*\(([\w.]+)\)")  # √(3) -> √3; √(a + b) stays


def _number_tex(value: str) -> str:
    mantissa, _, exponent = value.partition("e")
    if not exponent:
        return value
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \cdot {power}"


def math_unicode(source: str) -> str:
    """An ASCII math run as readable Unicode text."""
    parts = []
    for _, value, group in _tokens(source):
        if group in ("ident", "deriv", "entry"):
            parts.append(identifier_unicode(value))
        elif group == "product":
            parts.append(operator_unicode(f" {value} "))
        elif group == "op":
            parts.append(operator_unicode(value))
        else:
            parts.append(value)
    joined = _POWER_UNICODE.sub(lambda m: m[1].translate(_RAISED), "".join(parts))
    return _SQRT_UNICODE.sub(r"√\1", re.sub(r" {2,}", " ", joined))


_POWER_UNICODE = re.compile(r"\^(\d{1,2})(?![\d.])")  # (ŷᵢ − yᵢ)^2 -> (ŷᵢ − yᵢ)²
_RAISED = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


_PROSE_NAMES = {"relu": "ReLU"}  # a function named in words, as the statements spell it
_PROSE_NAME = re.compile(r"\b(" + "|".join(_PROSE_NAMES) + r")\b")


def _prose(text: str) -> str:
    """A prose run with function names spelled as in print: "layer 1: ReLU, entry by entry"."""
    return _PROSE_NAME.sub(lambda m: _PROSE_NAMES[m[1]], text)


@functools.lru_cache(maxsize=8192)  # captions repeat across problems and variants
def caption_tex(caption: str) -> str:
    """A caption for LaTeX prose: words escaped, math in $...$, code in \\texttt."""
    return "".join(tex_escape(_prose(p.source)) if p.kind == "prose"
                   else f"${math_tex(p.source)}$" if p.kind == "math"
                   else _code_tex(p.source) for p in pieces(caption))


def _code_tex(code: str) -> str:
    """Code in \\texttt, a long call split after its commas into pieces joined by
    stretchable space (a typewriter space cannot stretch: one long call overfilled its line)."""
    parts = code.split(", ")
    glue = "\\hskip 0.5em plus 4em\\relax "
    return glue.join(rf"\texttt{{{tex_escape(part)}{',' if i < len(parts) - 1 else ''}}}"
                     for i, part in enumerate(parts))


@functools.lru_cache(maxsize=8192)  # captions repeat across problems and variants
def caption_math_tex(caption: str) -> str:
    """A caption inside math mode (an answer's name in an align): words in \\text{}."""
    return "".join(rf"\text{{{tex_escape(_prose(p.source))}}}" if p.kind == "prose"
                   else math_tex(p.source) if p.kind == "math"
                   else rf"\texttt{{{tex_escape(p.source)}}}" for p in pieces(caption))


@functools.lru_cache(maxsize=8192)  # captions repeat across problems and variants
def caption_markdown(caption: str) -> str:
    """A caption for Markdown: math in $...$, code in backticks, `*` and `_` in words kept."""
    return "".join(_markdown_prose(_prose(p.source)) if p.kind == "prose"
                   else f"${math_tex(p.source)}$" if p.kind == "math"
                   else f"`{p.source}`" for p in pieces(caption))


def _markdown_prose(text: str) -> str:
    return re.sub(r"([*_$`\\])", r"\\\1", text)


@functools.lru_cache(maxsize=8192)  # captions repeat across problems and variants
def caption_unicode(caption: str) -> str:
    """A caption as plain text: math as Unicode (σ'(z), 100 × 50), never TeX."""
    return "".join(math_unicode(p.source) if p.kind == "math"
                   else _prose(p.source) if p.kind == "prose" else p.source
                   for p in pieces(caption))
