"""The shared `ast` parser for constructor calls as a course writes them.

`Adam(lr=0.1, betas=(0.9, 0.999))`, `StepLR(step_size=3, gamma=0.5)`,
`kaiming_uniform_(a=0, mode='fan_in', nonlinearity='relu')`, `Conv2d(3, 16, 3)`: the text is
parsed by Python's `ast` and never evaluated. Arguments are literals only (numbers, strings,
True/False/None, tuples and lists of literals, a leading minus sign) or nested calls, which
come back as `Call`s for the caller to resolve from its own allowlist (`calculate_gain('tanh')`,
`sqrt(5)`). Numbers keep the digits written: integers as `int`, others as `Decimal`.

`bind` matches a call against a `Signature` (torch's argument names and defaults) as Python
binds arguments; an unknown name or argument is one line naming it and the known ones.

>>> call = parse_call("torch.optim.Adam(lr=0.1, betas=(0.9, 0.999))", "optimizer")
>>> call.name, dict(call.kwargs)["betas"]
('Adam', (Decimal('0.9'), Decimal('0.999')))
>>> parse_call("kaiming_uniform_(a=sqrt(5))", "init").kwargs[0][1]
Call(name='sqrt', args=(5,), kwargs=())
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from derive.errors import InputError

MAX_LENGTH = 500  # characters of one call
MAX_DEPTH = 4  # nesting of calls, tuples and lists
MAX_ITEMS = 100  # entries of one tuple or list, arguments of one call
MAX_MAGNITUDE = Decimal(10) ** 15
# qualifiers a course writes before a name; the name itself is the last component
PREFIXES = frozenset({"torch", "nn", "optim", "lr_scheduler", "init", "math",
                      "torch.nn", "torch.optim", "torch.optim.lr_scheduler", "optim.lr_scheduler",
                      "torch.nn.init", "nn.init"})
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Call:
    """A parsed call: its name (without a torch/nn/optim qualifier) and literal arguments."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Param:
    """One argument of a signature: its name, default (`REQUIRED` if none) and converter,
    `convert(value, where) -> value`, raising `InputError` naming `where`."""

    name: str
    default: Any
    convert: Callable[[Any, str], Any] = field(default=lambda value, where: value)


REQUIRED = object()


@dataclass(frozen=True)
class Signature:
    """A constructor's arguments in torch's order, with torch's defaults."""

    name: str
    params: tuple[Param, ...]

    def names(self) -> list[str]:
        """The argument names, in order."""
        return [param.name for param in self.params]


def refuse_repeated_keywords(tree: ast.AST, where: str) -> None:
    """Python refuses `f(a=1, a=2)` only when compiling; `ast.parse` lets it through.

    >>> refuse_repeated_keywords(ast.parse("Linear(2, 3, bias=True, bias=False)"), "layer")
    Traceback (most recent call last):
    ...
    derive.errors.InputError: layer: keyword argument 'bias' repeated in Linear(...); give it once
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            names = [keyword.arg for keyword in node.keywords if keyword.arg is not None]
            repeated = next((name for name in names if names.count(name) > 1), None)
            if repeated is not None:
                called = ast.unparse(node.func) if len(ast.unparse(node.func)) < 40 else "a call"
                raise InputError(f"{where}: keyword argument {repeated!r} repeated in "
                                 f"{called}(...); give it once")


def parse_call(text: str, where: str) -> Call:
    """The call written in `text`; an `InputError` starting with `where` for anything else."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: empty; write a call such as Adam(lr=0.1)")
    if len(text) > MAX_LENGTH:
        raise InputError(f"{where}: longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise InputError(f"{where}: {text.strip()!r} is not a call such as "
                         "Adam(lr=0.1, betas=(0.9, 0.999))") from None
    source = text.strip()
    refuse_repeated_keywords(tree, where)
    if isinstance(tree.body, ast.Name | ast.Attribute):  # a bare name: called without arguments
        return Call(_name(tree.body, where))
    if not isinstance(tree.body, ast.Call):
        raise InputError(f"{where}: {source!r} is not a call; write e.g. StepLR(step_size=3)")
    return _call(tree.body, source, where, 0)


def _name(node: ast.expr, where: str) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise InputError(f"{where}: call a name, such as Adam(...) or nn.init.xavier_uniform_(...)")
    parts.append(node.id)
    name, prefix = parts[0], ".".join(reversed(parts[1:]))
    if prefix and prefix not in PREFIXES:
        raise InputError(f"{where}: unknown qualifier {prefix!r} of {name!r}; write the name "
                         "alone or after torch.optim, nn.init, ...")
    return name


def _call(node: ast.Call, source: str, where: str, depth: int) -> Call:
    if depth > MAX_DEPTH:
        raise InputError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    name = _name(node.func, where)
    if len(node.args) + len(node.keywords) > MAX_ITEMS:
        raise InputError(f"{where}: more than {MAX_ITEMS} arguments")
    args = tuple(_literal(arg, source, where, depth + 1) for arg in node.args)
    kwargs = []
    for keyword in node.keywords:
        if keyword.arg is None:
            raise InputError(f"{where}: ** arguments are not allowed; name each argument")
        kwargs.append((keyword.arg, _literal(keyword.value, source, where, depth + 1)))
    return Call(name, args, tuple(kwargs))


def _literal(node: ast.expr, source: str, where: str, depth: int) -> Any:
    """A literal's value: numbers as int or Decimal (the digits written), strings, booleans,
    None, tuples (lists become tuples), nested calls as `Call`."""
    if depth > MAX_DEPTH:
        raise InputError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(node, ast.Call):
        return _call(node, source, where, depth)
    if isinstance(node, ast.Tuple | ast.List):
        if len(node.elts) > MAX_ITEMS:
            raise InputError(f"{where}: a list longer than {MAX_ITEMS} entries")
        return tuple(_literal(item, source, where, depth + 1) for item in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _literal(node.operand, source, where, depth + 1)
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise InputError(f"{where}: a sign goes before a number only")
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant):
        return _constant(node, source, where)
    shown = ast.get_source_segment(source, node) or type(node).__name__
    raise InputError(f"{where}: {shown!r} is not a literal; write numbers, 'strings', "
                     "True/False/None, (tuples) or [lists]")


def _constant(node: ast.Constant, source: str, where: str) -> Any:
    value = node.value
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str) and len(value) > 64:
            raise InputError(f"{where}: a string longer than 64 characters")
        return value
    if isinstance(value, int):
        if abs(value) > MAX_MAGNITUDE:
            raise InputError(f"{where}: {value} is beyond {MAX_MAGNITUDE:.0e}")
        return value
    if isinstance(value, float):
        digits = (ast.get_source_segment(source, node) or repr(value)).replace("_", "")
        number = Decimal(digits)
        if not number.is_finite() or abs(number) > MAX_MAGNITUDE:
            raise InputError(f"{where}: {digits} is not a finite number below 1e15")
        return number
    raise InputError(f"{where}: {value!r} is not allowed; write a real number or a 'string'")


def bind(call: Call, signatures: Mapping[str, Signature], where: str, what: str) -> dict[str, Any]:
    """The call's arguments by name, with the defaults filled in and each converted; an
    `InputError` naming the unknown constructor or argument and the known ones."""
    signature = signatures.get(call.name)
    if signature is None:
        raise InputError(f"{where}: unknown {what} {call.name!r}; known: {', '.join(signatures)}")
    names = signature.names()
    if len(call.args) > len(names):
        raise InputError(f"{where}: {call.name} takes at most {len(names)} arguments "
                         f"({', '.join(names)}), not {len(call.args)}")
    given: dict[str, Any] = dict(zip(names, call.args, strict=False))
    for name, value in call.kwargs:
        if name not in names:
            raise InputError(f"{where}: unknown argument {name!r} of {call.name}; known: "
                             f"{', '.join(names)}")
        if name in given:
            raise InputError(f"{where}: {call.name} got {name!r} twice")
        given[name] = value
    bound: dict[str, Any] = {}
    for param in signature.params:
        if param.name in given:
            bound[param.name] = param.convert(given[param.name], f"{where}: {call.name} "
                                              f"{param.name}")
        elif param.default is REQUIRED:
            raise InputError(f"{where}: {call.name} needs {param.name!r}")
        else:
            bound[param.name] = param.default
    return bound


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
