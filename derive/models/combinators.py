"""The combinators of a description: how calls that are not layers become nodes.

``Sequential(a, b)`` / ``Sequential(conv1=a, bn1=b)`` / ``Sequential(OrderedDict([("conv1",
a), ...]))``; ``Residual(*body, shortcut=m | downsample=m, post=m)``; ``Sum(*branches)``;
``Repeat(n, *body)``; ``Tie(layer, weight="wte.weight")``; ``Frozen(*body)``; and
torchvision's ``BasicBlock(inplanes, planes, stride=1)`` and ``Bottleneck(inplanes,
planes, stride=1, groups=1, base_width=64)``, built as torchvision builds them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from derive.errors import InputError
from derive.models.blocks import basic_block, bottleneck
from derive.models.limits import MAX_REPEAT
from derive.models.nodes import Chain, Frozen, Layer, Node, Parallel, Repeat, Residual, Tied

if TYPE_CHECKING:
    from derive.models.syntax import Reader

NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
SHORTCUTS = ("shortcut", "downsample")


def _named(reader: Reader, call: ast.Call, skip: tuple[str, ...] = ()) -> list[tuple[str, Node]]:
    """Children: positional ones named by their index, keyword ones by their keyword."""
    children = [(str(index), reader.module(arg)) for index, arg in enumerate(call.args)]
    for keyword in call.keywords:
        if keyword.arg not in skip:
            children.append((str(keyword.arg), reader.module(keyword.value)))
    names = [name for name, _ in children]
    if len(set(names)) != len(names):
        raise InputError(f"{reader.where(call)}: two children named alike")
    return children


def sequential(reader: Reader, call: ast.Call) -> Node:
    """torch's Sequential: positional, named by keyword, or from an OrderedDict."""
    if len(call.args) == 1 and isinstance(call.args[0], ast.Call) \
            and reader.callee(call.args[0]) == "OrderedDict":
        return Chain(tuple(_ordered(reader, call.args[0])))
    return Chain(tuple(_named(reader, call)))


def _ordered(reader: Reader, call: ast.Call) -> list[tuple[str, Node]]:
    items = call.args[0] if len(call.args) == 1 and not call.keywords else None
    if not isinstance(items, ast.List | ast.Tuple):
        raise InputError(f"{reader.where(call)}: write OrderedDict([('name', layer), ...])")
    children = []
    for item in items.elts:
        if not (isinstance(item, ast.Tuple) and len(item.elts) == 2
                and isinstance(item.elts[0], ast.Constant)
                and isinstance(item.elts[0].value, str)
                and NAME.fullmatch(item.elts[0].value)):
            raise InputError(f"{reader.where(item)}: each entry is ('name', layer)")
        children.append((item.elts[0].value, reader.module(item.elts[1])))
    return children


def residual(reader: Reader, call: ast.Call) -> Node:
    """body(x) + shortcut(x), then post: ResNet's blocks."""
    keywords = {str(k.arg): k.value for k in call.keywords}
    given = [name for name in SHORTCUTS if name in keywords]
    if len(given) > 1:
        raise InputError(f"{reader.where(call)}: Residual takes shortcut= or downsample=, "
                         "not both")
    body = Chain(tuple(_named(reader, call, skip=(*SHORTCUTS, "post"))))
    if not body.children:
        raise InputError(f"{reader.where(call)}: Residual needs at least one body layer")
    shortcut = (given[0], reader.module(keywords[given[0]])) if given else None
    post = ("post", reader.module(keywords["post"])) if "post" in keywords else None
    return Residual(body, shortcut, post)


def branches(reader: Reader, call: ast.Call) -> Node:
    """The sum of parallel branches."""
    children = _named(reader, call)
    if len(children) < 2:
        raise InputError(f"{reader.where(call)}: Sum needs at least two branches")
    return Parallel(tuple(children))


def repeat(reader: Reader, call: ast.Call) -> Node:
    """Repeat(n, *body): n copies, named 0 .. n-1, counted without expanding."""
    if not call.args or len(call.args) < 2 or call.keywords:
        raise InputError(f"{reader.where(call)}: write Repeat(n, layer, ...)")
    count = reader.value(call.args[0], "Repeat")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_REPEAT:
        raise InputError(f"{reader.where(call)}: Repeat: the count is a whole number from 1 to "
                         f"{MAX_REPEAT:,}, got {count!r}")
    body = [reader.module(arg) for arg in call.args[1:]]
    node = body[0] if len(body) == 1 else Chain(tuple((str(i), b) for i, b in enumerate(body)))
    return Repeat(count, node)


def tie(reader: Reader, call: ast.Call) -> Node:
    """Tie(layer, weight="name.weight"): the layer's tensor is that parameter."""
    if len(call.args) != 1 or len(call.keywords) != 1:
        raise InputError(f"{reader.where(call)}: write Tie(Linear(768, 50257, bias=False), "
                         "weight='wte.weight')")
    layer = reader.module(call.args[0])
    tensor, target = str(call.keywords[0].arg), reader.value(call.keywords[0].value, "Tie")
    if not isinstance(layer, Layer) or not isinstance(target, str):
        raise InputError(f"{reader.where(call)}: Tie takes one layer and tensor='name'")
    return Tied(layer, tensor, target)


def frozen(reader: Reader, call: ast.Call) -> Node:
    """Frozen(*body): parameters with requires_grad=False (non-trainable)."""
    children = _named(reader, call)
    if not children:
        raise InputError(f"{reader.where(call)}: Frozen needs a layer")
    return Frozen(children[0][1] if len(children) == 1 else Chain(tuple(children)))


def _block(build: Callable[..., Node]) -> Callable[[Reader, ast.Call], Node]:
    def read(reader: Reader, call: ast.Call) -> Node:
        args: tuple[Any, ...] = tuple(reader.value(arg, build.__name__) for arg in call.args)
        kwargs = {str(k.arg): reader.value(k.value, build.__name__) for k in call.keywords}
        return build(args, kwargs, reader.where(call))
    return read


COMBINATORS: dict[str, Callable[[Reader, ast.Call], Node]] = {
    "Sequential": sequential, "Residual": residual, "Sum": branches, "Repeat": repeat,
    "Tie": tie, "Frozen": frozen, "BasicBlock": _block(basic_block),
    "Bottleneck": _block(bottleneck),
}
