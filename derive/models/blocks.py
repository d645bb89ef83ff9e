"""torchvision's ResNet blocks as combinators, with torchvision's child names.

``BasicBlock(inplanes, planes, stride=1)``: conv1 (3x3, stride), bn1, relu, conv2 (3x3),
bn2, plus ``downsample`` (1x1 conv with the stride, then batch norm) when the stride is not 1
or the channels change, and the ReLU after the sum. ``Bottleneck(inplanes, planes,
stride=1, groups=1, base_width=64)``: 1x1 to width = planes (base_width/64) groups, 3x3
with the stride (ResNet v1.5, as torchvision), 1x1 to 4 planes.
"""

from __future__ import annotations

from typing import Any

from derive.models import arguments as a
from derive.models.nodes import Chain, Layer, Node, Residual
from derive.models.registry import RULES
from derive.models.rules import REQUIRED, Param, Rule, bind

BASIC = Rule("BasicBlock", (Param("inplanes", REQUIRED, a.size), Param("planes", REQUIRED, a.size),
                            Param("stride", 1, a.size)))
BOTTLENECK = Rule("Bottleneck", (*BASIC.params, Param("groups", 1, a.size),
                                 Param("base_width", 64, a.size)))


def _layer(type_: str, where: str, *args: Any, **kwargs: Any) -> Layer:
    return Layer(type_, bind(RULES[type_], args, kwargs, where), where)


def _downsample(c_in: int, c_out: int, stride: int, where: str) -> tuple[str, Node] | None:
    if stride == 1 and c_in == c_out:
        return None
    return ("downsample", Chain((("0", _layer("Conv2d", where, c_in, c_out, 1, stride,
                                              bias=False)),
                                 ("1", _layer("BatchNorm2d", where, c_out)))))


def basic_block(args: tuple[Any, ...], kwargs: dict[str, Any], where: str) -> Node:
    """torchvision.models.resnet.BasicBlock (expansion 1)."""
    given = bind(BASIC, args, kwargs, where)
    c_in, c, s = given["inplanes"], given["planes"], given["stride"]
    body = Chain((("conv1", _layer("Conv2d", where, c_in, c, 3, s, 1, bias=False)),
                  ("bn1", _layer("BatchNorm2d", where, c)), ("relu", _layer("ReLU", where)),
                  ("conv2", _layer("Conv2d", where, c, c, 3, 1, 1, bias=False)),
                  ("bn2", _layer("BatchNorm2d", where, c))))
    return Residual(body, _downsample(c_in, c, s, where), ("relu", _layer("ReLU", where)))


def bottleneck(args: tuple[Any, ...], kwargs: dict[str, Any], where: str) -> Node:
    """torchvision.models.resnet.Bottleneck (expansion 4)."""
    given = bind(BOTTLENECK, args, kwargs, where)
    c_in, c, s, groups = given["inplanes"], given["planes"], given["stride"], given["groups"]
    width = c * given["base_width"] // 64 * groups
    body = Chain((("conv1", _layer("Conv2d", where, c_in, width, 1, bias=False)),
                  ("bn1", _layer("BatchNorm2d", where, width)),
                  ("relu", _layer("ReLU", where)),
                  ("conv2", _layer("Conv2d", where, width, width, 3, s, 1, groups=groups,
                                   bias=False)),
                  ("bn2", _layer("BatchNorm2d", where, width)),
                  ("relu", _layer("ReLU", where)),
                  ("conv3", _layer("Conv2d", where, width, 4 * c, 1, bias=False)),
                  ("bn3", _layer("BatchNorm2d", where, 4 * c))))
    return Residual(body, _downsample(c_in, 4 * c, s, where), ("relu", _layer("ReLU", where)))
