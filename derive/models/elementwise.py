"""Rules of layers without parameters that keep or reshape their input: activations,
dropout, identity, flatten, and `Select` (torch.select as a layer, e.g. an RNN's last step).

None of them is counted by torch.utils.flop_counter (0 MACs): it counts products of
matrices and convolutions only.
"""

from __future__ import annotations

import math

from derive.models import arguments as a
from derive.models.rules import REQUIRED, Args, Param, Rule, Shape, ShapeError, register

INPLACE = Param("inplace", False, a.flag)


def _full_dim(dim: int, shape: Shape, what: str) -> int:
    """A torch dim (batch = 0) as an index into the per-example shape."""
    rank = len(shape) + 1
    if not -rank <= dim < rank:
        raise ShapeError(f"{what} {dim} is out of range for an input of {rank} dimensions "
                         f"(batch first)")
    full = dim % rank
    if full == 0:
        raise ShapeError(f"{what} {dim} is the batch dimension; shapes here are per example")
    return full - 1


def _softmax_dim(args: Args, shapes: tuple[Shape, ...]) -> Shape:
    if args["dim"] is not None:
        _full_dim(args["dim"], shapes[0], "dim")
    return shapes[0]


def _flatten(args: Args, shapes: tuple[Shape, ...]) -> Shape:
    """Flatten(start_dim=1, end_dim=-1), dims counted with the batch as torch does.

    >>> _flatten({"start_dim": 1, "end_dim": -1}, ((16, 5, 5),))
    (400,)
    """
    shape = shapes[0]
    start = _full_dim(args["start_dim"], shape, "start_dim")
    end = _full_dim(args["end_dim"], shape, "end_dim")
    if start > end:
        raise ShapeError(f"start_dim {args['start_dim']} comes after end_dim {args['end_dim']}")
    return shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:]


def _select(args: Args, shapes: tuple[Shape, ...]) -> Shape:
    shape = shapes[0]
    axis = _full_dim(args["dim"], shape, "dim")
    if not -shape[axis] <= args["index"] < shape[axis]:
        raise ShapeError(f"index {args['index']} is out of range for a size of {shape[axis]}")
    return shape[:axis] + shape[axis + 1:]


ACTIVATIONS = {
    "ReLU": (INPLACE,), "ReLU6": (INPLACE,), "Sigmoid": (), "Tanh": (),
    "LeakyReLU": (Param("negative_slope", 0.01, a.real), INPLACE),
    "GELU": (Param("approximate", "none", a.choice("none", "tanh")),),
    "SiLU": (INPLACE,), "Mish": (INPLACE,), "Hardswish": (INPLACE,), "Softsign": (),
    "ELU": (Param("alpha", 1.0, a.real), INPLACE),
    "Softplus": (Param("beta", 1.0, a.real), Param("threshold", 20.0, a.real)),
    "Dropout": (Param("p", 0.5, a.real), INPLACE),
    "Dropout1d": (Param("p", 0.5, a.real), INPLACE),
    "Dropout2d": (Param("p", 0.5, a.real), INPLACE),
}

register(*(Rule(name, params) for name, params in ACTIVATIONS.items()))
register(Rule("Identity", (), ignores_arguments=True))
register(
    Rule("Softmax", (Param("dim", None, a.dim),), output=_softmax_dim),
    Rule("LogSoftmax", (Param("dim", None, a.dim),), output=_softmax_dim),
    Rule("Flatten", (Param("start_dim", 1, a.dim), Param("end_dim", -1, a.dim)),
         output=_flatten, keep_field=False),
    Rule("Select", (Param("dim", REQUIRED, a.dim), Param("index", REQUIRED, a.dim)),
         output=_select, keep_field=False,
         notes=("Select(dim, index) is torch.select as a layer",)),
)
