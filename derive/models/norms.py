"""Rules of BatchNorm1d/2d, LayerNorm and GroupNorm.

Trainable: a scale `weight` and a shift `bias` per normalized feature (when affine).
Buffers of batch norm: `running_mean`, `running_var` (one per channel) and the scalar
`num_batches_tracked` (when track_running_stats). torch.utils.flop_counter counts no
norm: 0 MACs.
"""

from __future__ import annotations

import math

import sympy

from derive.errors import InputError
from derive.models import arguments as a
from derive.models.rules import (
    REQUIRED,
    Args,
    Count,
    CountFn,
    Param,
    Rule,
    Shape,
    ShapeError,
    ShapeFn,
    Tensor,
    TensorFn,
    register,
)
from derive.symbolic.build import mul

C, N = sympy.symbols("C N", integer=True, positive=True)
EPS, MOMENTUM = Param("eps", 1e-5, a.real), Param("momentum", 0.1, a.optional(a.real))


def _channels(ranks: tuple[int, ...], key: str) -> ShapeFn:
    def output(args: Args, shapes: tuple[Shape, ...]) -> Shape:
        shape = shapes[0]
        if len(shape) not in ranks:
            raise ShapeError(f"expects {' or '.join(str(r + 1) for r in ranks)} dimensions "
                             f"with the batch, got a per-example shape {_x(shape)}")
        if shape[0] != args[key]:
            raise ShapeError(f"{key} is {args[key]:,} but its input has {shape[0]:,} "
                             f"channel{'s' if shape[0] != 1 else ''}")
        return shape
    return output


def _x(shape: Shape) -> str:
    return " x ".join(map(str, shape)) or "scalar"


def _affine(key: str, flag: str) -> TensorFn:
    def tensors(args: Args, shapes: tuple[Shape, ...]) -> tuple[Tensor, ...]:
        if not args[flag]:
            return ()
        return (Tensor("weight", (args[key],)), Tensor("bias", (args[key],)))
    return tensors


def _affine_count(key: str, flag: str) -> CountFn:
    def count(args: Args, shapes: tuple[Shape, ...]) -> Count | None:
        if not args[flag]:
            return None
        return Count(mul(2, C), {C: args[key]}, "a scale and a shift per channel")
    return count


def _running(args: Args, shapes: tuple[Shape, ...]) -> tuple[Tensor, ...]:
    if not args["track_running_stats"]:
        return ()
    c = args["num_features"]
    return (Tensor("running_mean", (c,)), Tensor("running_var", (c,)),
            Tensor("num_batches_tracked", ()))


def _layer_norm_output(args: Args, shapes: tuple[Shape, ...]) -> Shape:
    shape, normalized = shapes[0], args["normalized_shape"]
    if shape[len(shape) - len(normalized):] != normalized:
        raise ShapeError(f"normalized_shape {_x(normalized)} is not the end of its input's "
                         f"shape {_x(shape)}")
    return shape


def _layer_norm_tensors(args: Args, shapes: tuple[Shape, ...]) -> tuple[Tensor, ...]:
    shape = args["normalized_shape"]
    if not args["elementwise_affine"]:
        return ()
    return (Tensor("weight", shape),) + ((Tensor("bias", shape),) if args["bias"] else ())


def _layer_norm_count(args: Args, shapes: tuple[Shape, ...]) -> Count | None:
    if not args["elementwise_affine"]:
        return None
    given = {N: math.prod(args["normalized_shape"])}
    if args["bias"]:
        return Count(mul(2, N), given, "a scale and a shift per normalized feature")
    return Count(mul(1, N), given, "a scale per normalized feature, no shift")


def _groups_divide(args: Args, label: str) -> None:
    if args["num_channels"] % args["num_groups"]:
        raise InputError(f"{label}: num_groups {args['num_groups']} does not divide "
                         f"num_channels {args['num_channels']}")


def _batch_norm(name: str, ranks: tuple[int, ...]) -> Rule:
    return Rule(name, (Param("num_features", REQUIRED, a.size), EPS, MOMENTUM,
                       Param("affine", True, a.flag), Param("track_running_stats", True, a.flag)),
                output=_channels(ranks, "num_features"),
                tensors=_affine("num_features", "affine"),
                count=_affine_count("num_features", "affine"),
                buffers=_running)


register(
    _batch_norm("BatchNorm1d", (1, 2)), _batch_norm("BatchNorm2d", (3,)),
    Rule("LayerNorm", (Param("normalized_shape", REQUIRED, a.sizes), EPS,
                       Param("elementwise_affine", True, a.flag), Param("bias", True, a.flag)),
         output=_layer_norm_output, tensors=_layer_norm_tensors, count=_layer_norm_count),
    Rule("GroupNorm", (Param("num_groups", REQUIRED, a.size),
                       Param("num_channels", REQUIRED, a.size),
                       EPS, Param("affine", True, a.flag)),
         output=_channels((1, 2, 3, 4), "num_channels"),
         tensors=_affine("num_channels", "affine"),
         count=_affine_count("num_channels", "affine"),
         validate=_groups_divide),
)
