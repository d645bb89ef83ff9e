"""Binding a call's arguments to a constructor's parameters, as Python binds them.

Shared by `derive.constructor_calls` (optimizers, schedules, init schemes) and
`derive.models.rules` (layers): positional arguments in torch's order, then keywords; an
unknown or repeated name, too many arguments or a missing one is one line naming it and the
known ones. Each caller keeps its wording where it differs (`Wording`).

>>> params = (Param("in_features", REQUIRED), Param("bias", True))
>>> bind(params, (4,), [("bias", False)], "layer", "Linear")
{'in_features': 4, 'bias': False}
>>> bind(params, (4,), [("gain", 2)], "layer", "Linear")
Traceback (most recent call last):
derive.errors.InputError: layer: Linear: unknown argument 'gain'; known: in_features, bias
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from derive.errors import InputError

REQUIRED = object()  # the default of a parameter that has none


class Parameter(Protocol):
    """What binding reads of a parameter: its name, default and converter."""

    @property
    def name(self) -> str: ...

    @property
    def default(self) -> Any: ...

    @property
    def convert(self) -> Callable[[Any, str], Any]: ...


@dataclass(frozen=True)
class Param:
    """One argument of a signature: its name, default (`REQUIRED` if none) and converter,
    `convert(value, where) -> value`, raising `InputError` naming `where`."""

    name: str
    default: Any
    convert: Callable[[Any, str], Any] = field(default=lambda value, where: value)


@dataclass(frozen=True)
class Wording:
    """Where a caller's messages name the call: the unknown-argument message (formatted with
    `call` and `key`) and what joins the call's name to an argument's in a converter's label."""

    unknown: str = "{call}: unknown argument {key!r}"
    joint: str = ": "  # "Conv2d: stride"


def bind(params: Sequence[Parameter], args: Sequence[Any], kwargs: Iterable[tuple[str, Any]],
         where: str, call: str, wording: Wording = Wording(), *, required: object = REQUIRED,
         convert_defaults: bool = False) -> dict[str, Any]:
    """The arguments by parameter name, each converted, the defaults filled in (converted too
    if `convert_defaults`, None excepted); `required` marks a parameter without a default."""
    names = [param.name for param in params]
    if len(args) > len(names):
        raise InputError(f"{where}: {call} takes at most {len(names)} positional arguments "
                         f"({_known(names)}), got {len(args)}")
    given = dict(zip(names, args, strict=False))
    for key, value in kwargs:
        if key not in names:
            raise InputError(f"{where}: {wording.unknown.format(call=call, key=key)}; known: "
                             f"{_known(names)}")
        if key in given:
            raise InputError(f"{where}: {call}: {key!r} given twice")
        given[key] = value
    bound: dict[str, Any] = {}
    label = f"{where}: {call}{wording.joint}"
    for param in params:
        if param.name in given:
            bound[param.name] = param.convert(given[param.name], label + param.name)
        elif param.default is required:
            raise InputError(f"{where}: {call}: missing {param.name!r}; its parameters are "
                             f"{_known(names)}")
        elif convert_defaults and param.default is not None:
            bound[param.name] = param.convert(param.default, f"{where}: {call}")
        else:
            bound[param.name] = param.default
    return bound


def _known(names: list[str]) -> str:
    return ", ".join(names) or "none"
