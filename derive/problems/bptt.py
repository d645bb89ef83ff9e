"""`bptt`: a recurrent layer's worked example -- forward over time, backpropagation
through time, the gradients, one SGD step; for a vanilla RNN the symbolic derivation and
why its gradients vanish or explode.

The layer is torch's constructor call (`RNN(2, 3)`, `LSTM(2, 3)`, `GRU(2, 3)`), parsed by
`derive.models` (ast, never evaluated); one sequence (batch 1), up to MAX_LAYERS layers, one
or both directions, an LSTM's proj_size; batch_first changes torch's layout only.
Parameters are given by torch's state_dict names or drawn from a seed as torch
initialises them, U(-1/sqrt(H), 1/sqrt(H)). The loss is L = 1/2 sum_{t in S} ||h_t - y_t||^2
on the last output (S = {T}) or on every output; or, through a Linear `head` (z_t = W_hy h_t +
b_y, torch's head.weight and head.bias), 1/2 sum ||z_t - y_t||^2 or softmax cross-entropy
sum -log softmax(z_t)[k_t] with a class `label` per step in the loss. Every step is checked
before it is kept: forward formulas against the kernels, every gradient against central
differences.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np

from derive import converters
from derive.answers import Answers, Key
from derive.errors import FieldError, InputError
from derive.given import tensor_data
from derive.models import parse_model
from derive.models.nodes import Chain, Layer
from derive.numeric.recurrent import RecurrentConfig, draw_parameters, parameter_shapes
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.problems.bptt_head import HEAD, Readout, draw_head
from derive.problems.bptt_steps import solution_parts
from derive.solution import Solution, Step, shown_as_detail

MAX_STEPS = 50  # sequence length
MAX_SIZE = 16  # input_size and hidden_size
MAX_LAYERS = 3  # num_layers
MAX_RUN_STEPS = 100  # num_layers x directions x steps: the cell steps the example shows
MAX_TENSORS = 5 * 2 * MAX_LAYERS + 2  # weights, biases, W_hr per layer and direction; a head
Matrix = tuple[tuple[Decimal, ...], ...]


def _layer(value: Any, name: str) -> str:
    """The call's text, once it parses as one RNN, LSTM or GRU."""
    text = converters.text(value, name)
    _parsed(text, name)
    return text


def _parsed(text: str, name: str) -> Layer:
    try:
        chain = parse_model(text, name)
    except InputError as error:
        raise FieldError(name, str(error).removeprefix(f"{name}: ")) from None
    node = chain.children[0][1] if isinstance(chain, Chain) and len(chain.children) == 1 \
        else None
    if not isinstance(node, Layer) or node.type not in ("RNN", "LSTM", "GRU"):
        raise FieldError(name, "expected one recurrent layer: RNN(2, 3), LSTM(2, 3) or GRU(2, 3)")
    return node


def _parameters(value: Any, name: str) -> tuple[tuple[str, Matrix], ...]:
    """{state_dict name: rows or vector} (a table), or 'name=1,2;3,4' entries (options)."""
    items: list[tuple[Any, Any]]
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list | tuple):
        split = [str(item).split("=", 1) for item in value]
        items = [(item[0], item[-1]) for item in split]
        if any(len(item) != 2 for item in split):
            raise FieldError(name, "write each parameter as NAME=ROWS, e.g. "
                             "weight_hh_l0=0.1,0.2;0.3,0.4")
    else:
        raise FieldError(name, "expected a table of state_dict names, e.g. weight_hh_l0 = "
                         "[[0.1, 0.2], [0.3, 0.4]]")
    if len(items) > MAX_TENSORS:
        raise FieldError(name, f"at most {MAX_TENSORS} tensors (4 per layer and direction, "
                         "5 with proj_size, a head 2)")
    return tuple((str(key).strip(), converters.real_rows(rows, f"{name}.{key}"))
                 for key, rows in items)


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """A recurrent layer, one input sequence, its target and loss, optional SGD step."""

    kind = "bptt"
    layer: str = spec(_layer, "torch's call: RNN(2, 3), LSTM(2, 3), GRU(2, 3, bias=False)")
    x: Matrix = spec(converters.real_rows, "the input sequence, one row per step: 1,0;0,1;1,1")
    target: Matrix | None = spec(converters.real_rows, "y: one row (last output) or one row "
                                 "per step (squared error)", None)
    head: str | None = spec(converters.text, "a Linear head on each output: Linear(3, 2) "
                            "(head.weight, head.bias)", None)
    loss: str = spec(converters.choice("mse", "ce"), "1/2 squared error (mse) or softmax "
                     "cross-entropy (ce)", "mse")
    label: tuple[int, ...] | None = spec(converters.index_list, "ce's class index: one (last "
                                         "output) or one per step", None)
    loss_on: str = spec(converters.choice("last", "every"), "the loss on the last or every output",
                        "last")
    params: tuple[tuple[str, Matrix], ...] | None = spec(
        _parameters, "every tensor by its state_dict name (default: drawn from seed)", None)
    seed: int = spec(converters.bounded_int(0, 2**32 - 1), "seed of the drawn parameters", 0)
    h0: Matrix | None = spec(converters.real_rows, "initial state, one row per layer and "
                             "direction in torch's order (default 0)", None)
    c0: Matrix | None = spec(converters.real_rows, "LSTM initial cell, rows as h0's (default 0)",
                             None)
    truncation: int | None = spec(converters.bounded_int(1, MAX_STEPS),
                                  "window of truncated BPTT, in steps", None)
    lr: Decimal | None = spec(converters.real_number, "learning rate of one SGD step", None)

    @cached_property
    def call(self) -> Layer:
        return _parsed(self.layer, "layer")

    @property
    def config(self) -> RecurrentConfig:
        args = self.call.args
        return RecurrentConfig(self.call.type, args["input_size"], args["hidden_size"],
                               num_layers=args["num_layers"], bidirectional=args["bidirectional"],
                               proj_size=args.get("proj_size") or 0,
                               nonlinearity=args.get("nonlinearity", "tanh"), bias=args["bias"])

    def validate(self) -> None:
        args = self.call.args
        if args["num_layers"] > MAX_LAYERS:
            raise FieldError("layer", f"num_layers at most {MAX_LAYERS} by hand")
        if max(args["input_size"], args["hidden_size"]) > MAX_SIZE:
            raise FieldError("layer", f"input_size and hidden_size at most {MAX_SIZE} by hand")
        T, config = len(self.x), self.config
        if T > MAX_STEPS:
            raise FieldError("x", f"{T} steps; at most {MAX_STEPS}")
        runs = config.num_layers * config.directions
        if runs * T > MAX_RUN_STEPS:
            raise FieldError("x", f"{T} steps x {runs} layer-directions = {runs * T} cell "
                             f"steps; at most {MAX_RUN_STEPS}")
        if len(self.x[0]) != args["input_size"]:
            raise FieldError("x", f"rows of {len(self.x[0])}, but input_size is "
                             f"{args['input_size']}")
        self._validate_readout(T, config.directions * config.out_size)
        for name, rows, width in (("h0", self.h0, config.out_size),
                                  ("c0", self.c0, config.hidden_size)):
            if rows is not None and (len(rows), len(rows[0])) != (runs, width):
                raise FieldError(name, f"expected {runs} row(s) (num_layers x directions) of "
                                 f"{width} entries")
        if self.c0 is not None and self.call.type != "LSTM":
            raise FieldError("c0", "only an LSTM has a cell state")
        if self.truncation is not None and self.truncation > T:
            raise FieldError("truncation", f"a window of at most {T} steps (the sequence)")
        if self.lr is not None and self.lr <= 0:
            raise FieldError("lr", "the learning rate must be positive")
        self._validate_params()

    @cached_property
    def head_shape(self) -> tuple[int, int, bool] | None:
        """(out_features, in_features, bias) of the head, or None."""
        if self.head is None:
            return None
        try:
            node = parse_model(self.head, "head")
        except InputError as error:
            raise FieldError("head", str(error).removeprefix("head: ")) from None
        layer = node.children[0][1] if isinstance(node, Chain) and len(node.children) == 1 \
            else None
        if not isinstance(layer, Layer) or layer.type != "Linear":
            raise FieldError("head", "expected one Linear layer: Linear(3, 2)")
        return layer.args["out_features"], layer.args["in_features"], layer.args["bias"]

    def _validate_readout(self, T: int, H: int) -> None:
        rows = T if self.loss_on == "every" else 1
        width = H if self.head_shape is None else self.head_shape[0]
        if self.head_shape is not None and self.head_shape[1] != H:
            raise FieldError("head", f"in_features is {self.head_shape[1]}, but the layer's "
                             f"output has {H} (directions x hidden_size or proj_size)")
        if self.head_shape is not None and self.head_shape[0] > MAX_SIZE:
            raise FieldError("head", f"out_features at most {MAX_SIZE} by hand")
        if self.loss == "ce":
            if self.label is None or self.target is not None:
                raise FieldError("label", "cross-entropy takes label (class indices), not target")
            if len(self.label) != rows or max(self.label) >= width:
                raise FieldError("label", f"expected {rows} class index(es), each below {width}")
            return
        if self.target is None or self.label is not None:
            raise FieldError("target", "squared error takes target (rows), not label")
        if (len(self.target), len(self.target[0])) != (rows, width):
            raise FieldError("target", f"expected {rows} row(s) of {width} entries")

    def readout(self) -> Readout:
        """The loss and head the example reads the states through."""
        return Readout(self.loss, self.head is not None, self.label or ())

    def _validate_params(self) -> None:
        if self.params is None:
            return
        shapes = self.shapes()
        given = dict(self.params)
        if set(given) != set(shapes):
            raise FieldError("params", f"give every tensor: {', '.join(shapes)}")
        for name, shape in shapes.items():
            rows = given[name]
            found = (len(rows[0]),) if len(shape) == 1 and len(rows) == 1 else (
                len(rows), len(rows[0]))
            if found != shape:
                raise FieldError("params", f"{name} is {' x '.join(map(str, shape))} in "
                                 f"torch, got {' x '.join(map(str, found))}")

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Every tensor's shape by torch's name, the head's (head.weight, head.bias) last."""
        shapes = dict(parameter_shapes(self.config))
        if self.head_shape is not None:
            C, H, bias = self.head_shape
            shapes.update(zip(HEAD[: 1 + bias], ((C, H), (C,)), strict=False))
        return shapes

    def arrays(self) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
        """The parameters (with h0, c0 as (D num_layers, 1, H)), x (T, in) and the target rows (none
        for cross-entropy, which reads `label`)."""
        config = self.config
        if self.params is None:
            params = draw_parameters(config, self.seed)
            if self.head_shape is not None:
                C, H, bias = self.head_shape
                params.update(draw_head((C, H), bias, self.seed))
        else:
            shapes = self.shapes()
            params = {name: np.array(rows, dtype=float).reshape(shapes[name])
                      for name, rows in self.params}
        for name, rows in (("h0", self.h0), ("c0", self.c0)):
            if rows is not None:
                params[name] = np.array(rows, dtype=float)[:, None, :]
        target = np.zeros((0, 0)) if self.target is None else np.array(self.target, dtype=float)
        return params, np.array(self.x, dtype=float), target

    def worked_data(self) -> list[tuple[str, Any]]:
        """Every tensor by torch's name, given or drawn, shown as given data so that each
        step can be redone by hand."""
        params = self.arrays()[0]
        origin = "given" if self.params is not None else f"drawn from seed {self.seed}"
        return [tensor_data(name, params[name], origin) for name in self.shapes()]


def solve(problem: Problem) -> Solution:
    """Forward steps, the loss, BPTT, every gradient; the RNN's derivation and bounds."""
    params, x, target = problem.arrays()
    config = problem.config
    lr = None if problem.lr is None else float(problem.lr)
    steps, answers, notes, table = solution_parts(config, params, x, target, problem.loss_on,
                                                  problem.truncation, lr, problem.readout())
    if problem.params is None:
        bound = 1 / math.sqrt(config.hidden_size)
        notes = [f"parameters drawn from seed {problem.seed} as torch initialises them, "
                 f"U(-1/sqrt(H), 1/sqrt(H)) = U(-{bound:.4g}, {bound:.4g}) (NumPy's numbers, "
                 "not torch's)", *notes]
    return Solution(problem, tuple(steps), per_step_as_detail(answers, tuple(steps), set(params)),
                    notes=tuple(notes), tables=table)


PER_STEP = ("every step's gates, states and outputs (z_t, p_t with a head) and dL/dh_t of "
            "every step (the steps)")
NORMS = ("every step's gates, states and outputs, dL/dh_t of every step, and the norms of "
         "dh_T/dh_t and dL/dh_t (the steps)")


def per_step_as_detail(answers: Answers, steps: tuple[Step, ...], tensors: set[str]) -> Answers:
    """Boxed: the loss, its gradient by each tensor's name, the tensors after the SGD step and
    the loss after it; every per-step quantity is a detail answer listed compactly, as gd's
    and optimize's iterates are (a plain RNN's norms named only where it has them)."""
    def boxed(key: Key) -> bool:
        return key.new or (key.name == "L" and not key.aspect and key.wrt in tensors | {""})
    detail = NORMS if any(key.aspect == "norm" for key in answers) else PER_STEP
    return shown_as_detail(Answers(answer if boxed(answer.key) else dataclasses.replace(
        answer, detail=detail) for answer in answers.entries()), steps, detail)
