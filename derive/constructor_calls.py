"""One constructor call as a course writes it, read with `ast` (`derive.call_syntax`).

`Adam(lr=0.1, betas=(0.9, 0.999))`, `StepLR(step_size=3, gamma=0.5)`,
`kaiming_uniform_(a=0, mode='fan_in', nonlinearity='relu')`, `Conv2d(3, 16, 3)`: the text is
parsed by Python's `ast` and never evaluated. Arguments are literals only (numbers, strings,
True/False/None, tuples and lists of literals, a leading minus sign) or nested calls, which
come back as `Call`s for the caller to resolve from its own allowlist (`calculate_gain('tanh')`,
`sqrt(5)`). Numbers keep the digits written: integers as `int`, others as `Decimal`.

`bind` matches a call against a `Signature` (torch's argument names and defaults) as Python
binds arguments (`derive.call_binding`); an unknown name or argument is one line naming it and
the known ones.

>>> call = parse_call("torch.optim.Adam(lr=0.1, betas=(0.9, 0.999))", "optimizer")
>>> call.name, dict(call.kwargs)["betas"]
('Adam', (Decimal('0.9'), Decimal('0.999')))
>>> parse_call("kaiming_uniform_(a=sqrt(5))", "init").kwargs[0][1]
Call(name='sqrt', args=(5,), kwargs=())
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from derive import call_binding
from derive.call_binding import Param, Wording
from derive.call_syntax import Caps, LiteralReader, dotted, refuse_repeated_keywords
from derive.errors import InputError

MAX_LENGTH = 500  # characters of one call
CAPS = Caps(integer=10**15, real=1e15, items=100, depth=4)  # items: also arguments of one call
# qualifiers a course writes before a name; the name itself is the last component
PREFIXES = frozenset({"torch", "nn", "optim", "lr_scheduler", "init", "math",
                      "torch.nn", "torch.optim", "torch.optim.lr_scheduler", "optim.lr_scheduler",
                      "torch.nn.init", "nn.init"})
WORDING = Wording(unknown="unknown argument {key!r} of {call}", joint=" ")  # "Adam lr"


@dataclass(frozen=True)
class Call:
    """A parsed call: its name (without a torch/nn/optim qualifier) and literal arguments."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Signature:
    """A constructor's arguments in torch's order, with torch's defaults."""

    name: str
    params: tuple[Param, ...]

    def names(self) -> list[str]:
        """The argument names, in order."""
        return [param.name for param in self.params]


def parse_call(text: str, where: str) -> Call:
    """The call written in `text`; an `InputError` starting with `where` for anything else."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: empty; write a call such as Adam(lr=0.1)")
    if len(text) > MAX_LENGTH:
        raise InputError(f"{where}: longer than {MAX_LENGTH} characters")
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        raise InputError(f"{where}: {source!r} is not a call such as "
                         "Adam(lr=0.1, betas=(0.9, 0.999))") from None
    refuse_repeated_keywords(tree, where, source)
    if isinstance(tree.body, ast.Name | ast.Attribute):  # a bare name: called without arguments
        return Call(_name(tree.body, where))
    if not isinstance(tree.body, ast.Call):
        raise InputError(f"{where}: {source!r} is not a call; write e.g. StepLR(step_size=3)")
    return _Arguments(CAPS, where, source).call(tree.body, 0)


def _name(node: ast.expr, where: str) -> str:
    parts = dotted(node)
    if parts is None:
        raise InputError(f"{where}: call a name, such as Adam(...) or nn.init.xavier_uniform_(...)")
    prefix, name = ".".join(parts[:-1]), parts[-1]
    if prefix and prefix not in PREFIXES:
        raise InputError(f"{where}: unknown qualifier {prefix!r} of {name!r}; write the name "
                         "alone or after torch.optim, nn.init, ...")
    return name


class _Arguments(LiteralReader):
    """The shared literals, and nested calls (`sqrt(5)`) as `Call` for the caller to resolve."""

    __slots__ = ()

    def other(self, node: ast.AST, depth: int) -> Any:
        return self.call(node, depth) if isinstance(node, ast.Call) else super().other(node, depth)

    def call(self, node: ast.Call, depth: int) -> Call:
        name = _name(node.func, self.where)
        if len(node.args) + len(node.keywords) > self.caps.items:
            raise InputError(f"{self.where}: more than {self.caps.items} arguments")
        args = tuple(self.read(arg, depth + 1) for arg in node.args)
        kwargs = []
        for keyword in node.keywords:
            if keyword.arg is None:
                raise InputError(f"{self.where}: ** arguments are not allowed; name each argument")
            kwargs.append((keyword.arg, self.read(keyword.value, depth + 1)))
        return Call(name, args, tuple(kwargs))


def bind(call: Call, signatures: Mapping[str, Signature], where: str, what: str) -> dict[str, Any]:
    """The call's arguments by name, with the defaults filled in and each converted; an
    `InputError` naming the unknown constructor or argument and the known ones."""
    signature = signatures.get(call.name)
    if signature is None:
        raise InputError(f"{where}: unknown {what} {call.name!r}; known: {', '.join(signatures)}")
    return call_binding.bind(signature.params, call.args, call.kwargs, where, call.name, WORDING)


def show(name: str, values: Mapping[str, Any], defaults: Sequence[Param] = ()) -> str:
    """The call as a course writes it, only the arguments that differ from the defaults.

    >>> show("SGD", {"lr": 0.1, "momentum": 0}, (Param("lr", 0.001), Param("momentum", 0)))
    'SGD(lr=0.1)'
    """
    default = {param.name: param.default for param in defaults}
    parts = [f"{key}={_shown(value)}" for key, value in values.items()
             if key not in default or default[key] != value]
    return f"{name}({', '.join(parts)})"


def _shown(value: Any) -> str:
    if isinstance(value, Call):
        inner = [_shown(arg) for arg in value.args] + [f"{k}={_shown(v)}" for k, v in value.kwargs]
        return f"{value.name}({', '.join(inner)})"
    if isinstance(value, tuple):
        comma = "," if len(value) == 1 else ""
        return "(" + ", ".join(_shown(item) for item in value) + comma + ")"
    return repr(value) if isinstance(value, str) else str(value)


# converters of literal arguments, shared by the constructors' signatures
def real(minimum: float | None = None, maximum: float | None = None,
         strict_minimum: bool = False) -> Callable[[Any, str], float]:
    """A real number within [minimum, maximum] (or (minimum, ...] if `strict_minimum`)."""

    def convert(value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise InputError(f"{where}: {_shown(value)} is not a number")
        number = float(value)
        low_ok = minimum is None or (number > minimum if strict_minimum else number >= minimum)
        if not low_ok or (maximum is not None and number > maximum):
            low = "" if minimum is None else ("> " if strict_minimum else ">= ") + f"{minimum:g}"
            high = "" if maximum is None else f"<= {maximum:g}"
            raise InputError(f"{where}: {value} is out of range; give a number "
                             f"{' and '.join(part for part in (low, high) if part)}")
        return number
    return convert


def integer(minimum: int, maximum: int) -> Callable[[Any, str], int]:
    """A whole number within [minimum, maximum]."""

    def convert(value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise InputError(f"{where}: {_shown(value)} is not a whole number from {minimum} "
                             f"to {maximum}")
        return value
    return convert


def flag(value: Any, where: str) -> bool:
    """True or False."""
    if not isinstance(value, bool):
        raise InputError(f"{where}: {_shown(value)} is not True or False")
    return value


def choice(*options: str) -> Callable[[Any, str], str]:
    """One of the named strings."""

    def convert(value: Any, where: str) -> str:
        if value not in options:
            known = ", ".join(map(repr, options))
            raise InputError(f"{where}: {_shown(value)} is not one of {known}")
        return str(value)
    return convert
