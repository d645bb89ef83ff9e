"""Printing answer keys: the one printer of a `derive.answers.Key`, whose output
`derive.answers.parse_key` reads back.

>>> from derive.answers import Key, parse_key
>>> key = Key("x_3", setting=(("lr", "0.1"),))
>>> key_text(key), parse_key(key_text(key)) == key
('lr 0.1 x_3', True)
>>> key_text(Key.derivative("L", "W_1")), key_text(Key("Z_1", aspect="shape"))
('dL/dW_1', 'shape of Z_1')
"""

from __future__ import annotations

import dataclasses
import re

from derive.answers import Key
from derive.render.caption_math import GREEK
from derive.render.captions import pieces


def key_text(key: Key) -> str:
    """The printed name of a key (see `derive.answers` for the grammar)."""
    words = [f"{name} {value}" for name, value in key.setting]
    if key.aspect:
        words.append(f"{key.aspect} of")
    words.append(f"d{key.name}/d{key.wrt}" if key.wrt else key.name)
    if key.new:
        words.append("new")
    return " ".join(words)


def key_display(key: Key, ell: bool = False) -> str:
    """A key's name as a reader sees it in an answer box: word names with spaces
    (``receptive field``, ``non trainable``), ``eta_max`` and ``grad f``; the loss as the
    steps write it, ``ell`` with `ell` (the solution writes it so), else ``L``; an updated
    value with a prime, as the steps write it (`primed`); a torch name (code) and a word keep
    the word ``new`` (``0.weight new``: the steps write it as a superscript of the code
    name, and a prime after code or words reads as a quote). Still found by
    `derive.answers.Answers.find`, which ignores spaces, ``_`` and ``^`` and reads a prime
    as ``new`` and ``ell`` / ``L`` as the loss.

    >>> key_display(Key("non_trainable")), key_display(Key("eta max"))
    ('non trainable', 'eta_max')
    >>> key_display(Key("verdict", setting=(("lr", "0.1"),)))
    'verdict (eta = 0.1)'
    >>> key_display(Key("W^1", new=True)), key_display(Key("loss", new=True), ell=True)
    ("(W^1)'", "ell'")
    """
    name = _readable(key.name) if key.wrt else _loss_name(_readable(key.name), ell)
    new = key.new and (bool(key.wrt) or not math_name(name))
    if key.new and not new:
        name = primed(name)
    rate = dict(key.setting).get("lr")  # a step size as the course writes it: eta = 0.1
    setting = tuple(item for item in key.setting if item[0] != "lr")
    shown = key_text(dataclasses.replace(key, name=name, setting=setting, new=new))
    if ell and (name in ("l", "l'") or name.startswith("dl/d")):  # ell', dell/dB, not dl/dB
        shown = re.sub(r"(^|\s|d)l(?=/|$|\s|')", r"\1ell", shown, count=1)
    return shown + (f" (eta = {rate})" if rate is not None else "")


def _readable(name: str) -> str:
    """A word name with spaces (``non trainable``), ``eta_max``, ``grad f``."""
    if re.fullmatch(r"[a-z]{3,}(?:_[a-z]+)+", name) and name.split("_")[0] not in GREEK:
        name = name.replace("_", " ")
    return re.sub(r"^nabla ", "grad ", re.sub(r"^(\w+) (max|min)$", r"\1_\2", name))


def _loss_name(name: str, ell: bool) -> str:
    """The word ``loss`` by the symbol the steps write: ``l`` (printed ``ell``) where the
    solution writes the loss so, else ``L``."""
    return ("l" if ell else "L") if name == "loss" else name


def math_name(name: str) -> bool:
    """Whether a name typesets as one piece of math (``W_1``, ``Yhat``, ``ell``), not as code
    (a torch ``state_dict`` name, ``0.weight``) or words.

    >>> math_name("W^1"), math_name("0.weight"), math_name("weight_ih_l0"), math_name("total")
    (True, False, False, False)
    """
    found = pieces(name)
    return len(found) == 1 and found[0].kind == "math"


def primed(name: str) -> str:
    """An updated value's name with a prime, a superscripted name grouped so the prime is not
    read into its superscript: ``W_1'``, ``(W^1)'`` (as `derive.render.tex_printer` writes
    the steps)."""
    return f"({name})'" if "^" in name else f"{name}'"
