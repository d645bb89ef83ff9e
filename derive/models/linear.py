"""Rules of Linear and Embedding.

Linear: y = x W^T + b with W of shape (out_features, in_features), applied to the last
dimension; MACs = (positions) in out, as flop_counter counts its addmm (bias adds not
counted). Embedding: a lookup table of shape (num_embeddings, embedding_dim), 0 MACs.
"""

from __future__ import annotations

import math

import sympy

from derive.models import arguments as a
from derive.models.rules import (
    REQUIRED,
    Args,
    Count,
    Param,
    Rule,
    Shape,
    ShapeError,
    Tensor,
    register,
)
from derive.symbolic.build import add, mul

d_in, d_out, n_emb, d_emb = sympy.symbols("d_in d_out n_emb d_emb", integer=True, positive=True)


def _linear_output(args: Args, shapes: tuple[Shape, ...]) -> Shape:
    shape = shapes[0]
    if not shape:
        raise ShapeError("a Linear needs an input with at least one dimension")
    if shape[-1] != args["in_features"]:
        raise ShapeError(f"in_features is {args['in_features']:,} but its input has "
                         f"{shape[-1]:,} features")
    return shape[:-1] + (args["out_features"],)


def _linear_tensors(args: Args, shapes: tuple[Shape, ...]) -> tuple[Tensor, ...]:
    weight = Tensor("weight", (args["out_features"], args["in_features"]))
    return (weight, Tensor("bias", (args["out_features"],))) if args["bias"] else (weight,)


def linear_count(args: Args, shapes: tuple[Shape, ...]) -> Count:
    """d_in d_out weights (torch's weight tensor is out_features x in_features), plus d_out
    biases.

    >>> linear_count({"in_features": 400, "out_features": 120, "bias": True}, ()).value
    48120
    """
    weights = mul(d_in, d_out)
    given = {d_in: args["in_features"], d_out: args["out_features"]}
    if args["bias"]:
        return Count(add(weights, d_out), given, "weight of d_out x d_in and d_out biases")
    return Count(weights, given, "weight of d_out x d_in, no bias")


def _linear_macs(args: Args, shapes: tuple[Shape, ...], out: Shape) -> int:
    return math.prod(shapes[0][:-1]) * args["in_features"] * args["out_features"]


def _embedding_output(args: Args, shapes: tuple[Shape, ...]) -> Shape:
    return shapes[0] + (args["embedding_dim"],)


def _embedding_tensors(args: Args, shapes: tuple[Shape, ...]) -> tuple[Tensor, ...]:
    return (Tensor("weight", (args["num_embeddings"], args["embedding_dim"])),)


def _embedding_count(args: Args, shapes: tuple[Shape, ...]) -> Count:
    return Count(mul(n_emb, d_emb), {n_emb: args["num_embeddings"], d_emb: args["embedding_dim"]},
                 "one row of d_emb numbers per token of the vocabulary")


register(
    Rule("Linear", (Param("in_features", REQUIRED, a.size), Param("out_features", REQUIRED, a.size),
                    Param("bias", True, a.flag)),
         output=_linear_output, tensors=_linear_tensors, count=linear_count, macs=_linear_macs,
         keep_field=False),
    Rule("Embedding", (Param("num_embeddings", REQUIRED, a.size),
                       Param("embedding_dim", REQUIRED, a.size),
                       Param("padding_idx", None, a.optional(a.index)),
                       Param("max_norm", None, a.optional(a.real)),
                       Param("norm_type", 2.0, a.real),
                       Param("scale_grad_by_freq", False, a.flag), Param("sparse", False, a.flag)),
         output=_embedding_output, tensors=_embedding_tensors, count=_embedding_count,
         integer_input=True, keep_field=False),
)
