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
    (``receptive field``, ``non trainable``), ``eta_max`` and ``grad f``; still found by
    `derive.answers.Answers.find`, which ignores spaces, ``_`` and ``^``; with `ell`, the
    loss ``l`` as ``ell`` (the solution writes it so).

    >>> key_display(Key("non_trainable")), key_display(Key("eta max"))
    ('non trainable', 'eta_max')
    >>> key_display(Key("verdict", setting=(("lr", "0.1"),)))
    'verdict (eta = 0.1)'
    """
    name = key.name
    if re.fullmatch(r"[a-z]{3,}(?:_[a-z]+)+", name) and name.split("_")[0] not in GREEK:
        name = name.replace("_", " ")
    name = re.sub(r"^nabla ", "grad ", re.sub(r"^(\w+) (max|min)$", r"\1_\2", name))
    rate = dict(key.setting).get("lr")  # a step size as the course writes it: eta = 0.1
    setting = tuple(item for item in key.setting if item[0] != "lr")
    shown = key_text(dataclasses.replace(key, name=name, setting=setting))
    shown += f" (eta = {rate})" if rate is not None else ""
    if ell and (key.name == "l" or key.name.startswith("dl/d")):  # dell/dB, not dl/dB
        shown = re.sub(r"(^|\s|d)l(?=/|$|\s)", r"\1ell", shown, count=1)
    return shown
