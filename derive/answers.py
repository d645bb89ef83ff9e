"""Answers as data: what a quantity is (`Key`), and what the checker needs to know of it
(`Answer`).

A kind declares every quantity its solution computes and shows as an `Answer`, keyed by
*what it is*, never by a printed string:

>>> import numpy as np
>>> W1 = Key("W_1")
>>> dW1 = Key.derivative("L", "W_1")                  # dL/dW_1
>>> answers = Answers([
...     Answer(dW1, np.array([[0.5, -1.0]])),
...     Answer(Key("W_1", new=True), np.array([[0.75, 1.5]]),
...            update=Update(old=np.array([[1.0, 1.0]]), gradient=dW1, rate=0.5)),
...     Answer(Key("loss"), 0.25, nonnegative=True),
... ])
>>> answers["W_1 new"].tolist(), answers[Key("loss")]
([[0.75, 1.5]], 0.25)

`Solution(problem, steps, answers)` takes an `Answers` (or, for a kind not yet moved, a
plain ``{name: value}`` dict, each name parsed by `parse_key`).

The parts of a `Key`:

- ``name``: the quantity, by the plain name of the symbol the steps show (`plain_name` of a
  SymPy node: ``W_1``, ``Z^2``, ``H``, ``x_3``, ``P_1``) or a word (``loss``, ``total``,
  ``shapes``), or a torch ``state_dict`` name (``0.weight``, ``in_proj_weight``);
- ``wrt``: for a derivative, what it is taken with respect to (``dL/dW_1`` is
  ``Key("L", wrt="W_1")``);
- ``aspect``: what of the quantity, when not its value: ``"shape"`` (the shape of z2), or
  ``"count"`` (how many numbers ``0.weight`` holds);
- ``new``: the value after one update step (``W_1 new``, ``loss new``);
- ``setting``: the setting the value belongs to, as (name, value) text pairs, e.g. the
  iterate x_3 of step size 0.1 is ``Key("x_3", setting=(("lr", "0.1"),))``.

Names print (in `derive.render.keys`, the only printer of keys) and parse back
(`parse_key`, here, used by everything that reads a typed name) as::

    [SETTING VALUE ...] [ASPECT of] NAME | dNAME/dWRT [new]
    lr 0.1 x_3 · shape of Z_1 · count of 0.weight · dL/dW_1 · W^1 new · loss new

``after`` is read as ``new`` (``loss after``), and so is a prime, as the steps and the
answer boxes write an updated value (``W_1'``, ``W^1'``, ``(W^1)'``, ``l'``). A typed name
is looked up in a solution's `Answers` exactly first, then ignoring the spelling of the loss
(``l``, ``L``, ``ell`` and the word ``loss`` name one quantity: ``dl`` / ``dL``), case and
the marks ``_ ^ { }`` (``dL/dW1`` finds ``dL/dW_1``), when that finds a single answer.

What an `Answer` carries for the checker (`derive.verdicts` has no kind-specific code):
``nonnegative`` (a loss, count or size: a negative claim is wrong for that reason);
``update`` (``new = old - rate * gradient``: the rate not applied, applied twice, the update
skipped or uphill); ``confusions`` (the value the answer takes when a neighbouring quantity
is used in place of another, a log or minus is dropped, ...); ``inputs`` and ``compute``
(the answer recomputed from its input answers: a claim that equals the value recomputed
from an input rounded to the digits the claimant wrote for it is a rounding slip);
``batch`` (the N of a factor-N slip). Sign, transpose, factor 2 and another answer of the
same problem are tried for every answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["Answer", "Answers", "Confusion", "Key", "Slip", "Update", "parse_key",
           "plain_name"]


def plain_name(node: Any) -> str:
    """The plain name of a symbol (SymPy node or text): TeX braces and backslashes dropped,
    ``ell`` read as ``l``.

    >>> import sympy
    >>> plain_name(sympy.Symbol("W^{1}")), plain_name(sympy.Symbol("ell")), plain_name("H")
    ('W^1', 'l', 'H')
    >>> plain_name(sympy.IndexedBase("h")[sympy.Symbol("i")])
    'h_i'
    """
    name = node if isinstance(node, str) else str(getattr(node, "name", node))
    if name.startswith("ell") and not name[3:4].isalpha():
        name = "l" + name[3:]
    name = name.replace("{", "").replace("}", "").replace("\\", "")
    entry = re.fullmatch(r"(\w[\w^]*)\[([\w, ]+)\]", name)  # an entry: h[i] is h_i
    return f"{entry.group(1)}_{re.sub(r'[, ]', '', entry.group(2))}" if entry else name


@dataclass(frozen=True, order=True)
class Key:
    """What a quantity is (see the module's docstring for each part)."""

    name: str
    wrt: str = ""
    aspect: str = ""
    new: bool = False
    setting: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", plain_name(self.name))
        object.__setattr__(self, "wrt", plain_name(self.wrt))

    @classmethod
    def derivative(cls, of: Any, wrt: Any, **parts: Any) -> Key:
        """The derivative of `of` with respect to `wrt` (SymPy nodes or names).

        >>> Key.derivative("L", "W_1")
        Key(name='L', wrt='W_1', aspect='', new=False, setting=())
        """
        return cls(plain_name(of), plain_name(wrt), **parts)

    @classmethod
    def of(cls, node: Any, **parts: Any) -> Key:
        """The quantity a SymPy node (or name) stands for, e.g. a step's left side."""
        return cls(plain_name(node), **parts)


_SETTING = re.compile(r"^([A-Za-z]\w*) (-?\d[\w.+-]*|-?\.\d[\w.+-]*) (.+)$")
_DERIVATIVE = re.compile(r"^d(\S+?)/d(\S+)$")


def parse_key(text: str) -> Key:
    """The key a printed name stands for (the inverse of `derive.render.keys.key_text`).

    >>> parse_key("dL/dW_1"), parse_key("lr 0.1 x_3").setting, parse_key("W^1 new").new
    (Key(name='L', wrt='W_1', aspect='', new=False, setting=()), (('lr', '0.1'),), True)
    >>> parse_key("shape of Z_1"), parse_key("loss after") == Key("loss", new=True)
    (Key(name='Z_1', wrt='', aspect='shape', new=False, setting=()), True)
    >>> parse_key("verdict (eta = 0.1)") == parse_key("lr 0.1 verdict")
    True
    >>> parse_key("(W^1)'") == parse_key("W^1'") == parse_key("W^1 new"), parse_key("l'").new
    (True, True)
    """
    rest = " ".join(text.split())
    setting: list[tuple[str, str]] = []
    rate = re.fullmatch(r"(.+) \(eta = ([^\s()]+)\)", rest)  # an answer box's 'verdict (eta = 0.1)'
    if rate:
        rest, setting = rate.group(1), [("lr", rate.group(2))]
    while (match := _SETTING.match(rest)) and match.group(1) not in ("shape", "count"):
        setting.append((match.group(1), match.group(2)))
        rest = match.group(3)
    rest, new = _updated(rest)
    aspect = ""
    if " of " in rest:
        aspect, rest = rest.split(" of ", 1)
    derivative = _DERIVATIVE.match(rest)
    if derivative:
        return Key(derivative.group(1), derivative.group(2), aspect, new, tuple(setting))
    return Key(rest, "", aspect, new, tuple(setting))


def _updated(text: str) -> tuple[str, bool]:
    """A typed name without its mark of an updated value (`` new``, `` after`` or a prime,
    a grouped name's parentheses dropped with it: ``(W^1)'``), and whether it had one."""
    for word in (" new", " after"):
        if text.endswith(word) and len(text) > len(word):
            return text[: -len(word)], True
    if text.endswith("'") and len(text) > 1 and "/" not in text:
        name = text[:-1]
        grouped = name.startswith("(") and name.endswith(")")
        return (name[1:-1] if grouped else name), True
    return text, False


class Slip(Enum):
    """A slip the checker can name; its message is a template over the answers' names."""

    IN_PLACE = "{other} was used in place of {this}"
    NO_LOG = "the log is missing"
    NO_MINUS = "the minus sign is missing"
    NO_LOG_NO_MINUS = "the log and the minus sign are missing"
    NO_DERIVATIVE = ("{other} was used where the gradient of the pre-activation belongs: "
                     "the activation's derivative is missing")
    NO_HALF = "the factor 1/2 is missing"
    OTHER = "{other}"


@dataclass(frozen=True, eq=False)
class Confusion:
    """The value an answer takes under a known slip (`other`: the quantity used in place of
    the right one, or the text of an `OTHER` slip); for a formula answer, `value` is a
    function of its sample's values (`derive.solution.Formula.sample`)."""

    value: Any
    slip: Slip
    other: Key | str | None = None


@dataclass(frozen=True, eq=False)
class Update:
    """``new = old - rate * gradient``: the relation of an updated parameter to its gradient."""

    old: Any
    gradient: Key
    rate: float


@dataclass(frozen=True, eq=False)
class Answer:
    """One quantity of a solution: its key, value and what the checker needs to know."""

    key: Key
    value: Any
    shape: tuple[Any, ...] | None = None
    nonnegative: bool = False
    update: Update | None = None
    confusions: tuple[Confusion, ...] = ()
    inputs: tuple[Key, ...] = ()
    compute: Callable[..., Any] | None = None  # called with the inputs' values, in order
    batch: int = 1
    # not boxed: a per-entry answer a table or the steps already show, listed compactly under
    # this family's caption (e.g. "x_k, f_k of every iterate k (the table above)")
    detail: str = ""
    # the box in words (a caption) where the bare value reads badly: gd's verdict
    # 'converged' boxed as "converges (37 steps to ||grad f(x_k)|| < 1e-06)"
    reads: str = ""


class Answers(Mapping[Key, Any]):
    """A solution's answers in order: maps a `Key` (or a typed name) to the value; `answer`
    gives the whole `Answer`."""

    def __init__(self, entries: Iterable[Answer] = ()):
        self._entries: dict[Key, Answer] = {}
        for entry in entries:
            self._entries[entry.key] = entry
        # keys by their loose spelling, so a typed name is found in constant time
        self._by_loose: dict[tuple[Any, ...], list[Key]] = {}
        for key in self._entries:
            self._by_loose.setdefault(_loose(key), []).append(key)

    @classmethod
    def from_values(cls, values: Mapping[Any, Any], nonnegative: bool = False) -> Answers:
        """Answers from {key or name: value or `Answer`}; a bare value has no metadata but
        `nonnegative` (say True where every answer is a count, a size or a loss)."""
        return cls(v if isinstance(v, Answer) else Answer(
            k if isinstance(k, Key) else parse_key(str(k)), v, nonnegative=nonnegative)
            for k, v in values.items())

    def __getitem__(self, key: Key | str) -> Any:
        return self.answer(key).value

    def __iter__(self) -> Iterator[Key]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, Key | str) and self.find(key) is not None

    def answer(self, key: Key | str) -> Answer:
        """The whole answer; KeyError when there is none."""
        found = self.find(key)
        if found is None:
            raise KeyError(key)
        return self._entries[found]

    def find(self, key: Key | str) -> Key | None:
        """The key a typed name (or key) stands for here, or None (see the module docstring)."""
        wanted = parse_key(key) if isinstance(key, str) else key
        if wanted in self._entries:
            return wanted
        loose = self._by_loose.get(_loose(wanted), [])
        return loose[0] if len(loose) == 1 else None

    def entries(self) -> tuple[Answer, ...]:
        """Every answer, in order."""
        return tuple(self._entries.values())


def _loose(key: Key) -> tuple[Any, ...]:
    """A key's loose spelling: case and the marks ``_ ^ { }`` ignored, the loss's symbols
    (l, L, ell) read as the word ``loss``."""
    name = _squeeze(key.name)
    return ("loss" if name in ("l", "loss") else name, _squeeze(key.wrt), key.aspect,
            key.new, key.setting)


def _squeeze(name: str) -> str:
    """A name without case, spaces and the marks ``_ ^ { }``."""
    return re.sub(r"[_^{}\s]", "", name).lower()

