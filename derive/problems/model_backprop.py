"""`model-backprop`: backprop through a whole model description, worked with numbers.

The model is PyTorch constructor calls (as `summary` reads them: ``model = "nn.Sequential(
...)"`` or ``layers = [...]``); parameters by torch's state_dict names (``params``), the ones
not given drawn from ``seed`` (stated); an input ``x`` (batch axis first) or a shape
``input`` drawn from the seed; a ``target`` tensor or class ``label``s; a ``loss`` as torch
writes it (``CrossEntropyLoss(label_smoothing=0.1)``, ``MSELoss(reduction='sum')`` with
``half`` for the 1/2, ``BCELoss()``, ``BCEWithLogitsLoss()``, ``NLLLoss()``); ``lr``;
``freeze`` (names held fixed); ``masks`` (each Dropout layer's 0/1 mask by layer name, scaled
1/(1-p) as torch's inverted dropout); optional L2 ``weight_decay`` (``decay_half``,
``decay_biases``). The solution: every layer's output, the loss, every layer's backward
rule with its numbers, every parameter gradient, the SGD step and the loss after; answers
keyed by state_dict names (dL/d0.weight, 0.weight new, loss new). Each layer's backward is
checked against central differences of its forward, and the whole gradient against
central differences of the objective (`derive.numeric.model_run`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from derive import converters
from derive.answers import Answer, Answers, Key, Update
from derive.errors import FieldError, InputError
from derive.given import tensor_data
from derive.models import Input, parse_inputs, parse_layers, parse_model, summarize
from derive.models.nodes import Chain, Layer
from derive.models.rules import RULES
from derive.numeric.layers import Step as LayerStep
from derive.numeric.model_run import Objective, Run
from derive.problem import Problem as BaseProblem
from derive.problem import spec
from derive.problems import model_backprop_steps as shown
from derive.problems.tensors import draw, named_tensors, names, tensor
from derive.solution import Solution, shown_as_detail

LOSSES = ("CrossEntropyLoss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss")
MAX_PARAMETERS = 200_000  # numbers in all parameters
MAX_ACTIVATIONS = 500_000  # numbers in all layer outputs


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise FieldError(name, "expected text")
    return value


def _layer_texts(value: Any, name: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise FieldError(name, "expected a list of layers, e.g. ['Linear(2, 2)', 'Sigmoid()']")
    return tuple(items)


def parse_loss(text: str, name: str = "loss") -> tuple[str, dict[str, Any]]:
    """torch's loss call -> (name, config): reduction mean/sum, label_smoothing for CE."""
    from derive.constructor_calls import parse_call

    try:
        call = parse_call(text if "(" in text else f"{text}()", name)
    except InputError as error:
        raise FieldError(name, str(error)) from None
    if call.name not in LOSSES or call.args:
        raise FieldError(name, f"use one of {', '.join(LOSSES)} with keyword arguments")
    allowed = {"reduction", "label_smoothing"} if call.name == "CrossEntropyLoss" else {
        "reduction"}
    config = dict(call.kwargs)
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise FieldError(name, f"{call.name}: unknown argument {unknown[0]!r}; known: "
                         f"{', '.join(sorted(allowed))}")
    if config.get("reduction", "mean") not in ("mean", "sum"):
        raise FieldError(name, "reduction is 'mean' or 'sum'")
    if "label_smoothing" in config:
        config["label_smoothing"] = float(config["label_smoothing"])
        if not 0 <= config["label_smoothing"] <= 1:
            raise FieldError(name, "label_smoothing is between 0 and 1")
    return call.name, config


@dataclass(frozen=True, kw_only=True)
class Problem(BaseProblem):
    """A model, its parameters, an input and target, a loss, one SGD step."""

    kind = "model-backprop"
    model: str | None = spec(_text, "the model as PyTorch code: nn.Sequential(...)", None)
    layers: tuple[str, ...] | None = spec(_layer_texts, "layers, e.g. ['Linear(2, 2)']", None)
    input: tuple[Input, ...] | None = spec(parse_inputs, "input shape per example: 1x32x32",
                                           None)
    x: Any = spec(tensor, "the input tensor, batch axis first", None)
    target: Any = spec(tensor, "target tensor (one-hot, soft, or regression values)", None)
    label: tuple[int, ...] | None = spec(converters.index_list, "class index per example", None)
    loss: str = spec(_text, "torch's loss: CrossEntropyLoss(), MSELoss(reduction='sum'), ...",
                     "CrossEntropyLoss()")
    half: bool = spec(converters.boolean, "MSE with the factor 1/2", False)
    params: Any = spec(named_tensors, "parameters by state_dict name: 0.weight=...", None)
    masks: Any = spec(named_tensors, "each Dropout's mask by layer name: 2=1,0,1", None)
    seed: int = spec(converters.bounded_int(0, 2**31), "seed of values not given", 0)
    lr: Decimal = spec(converters.real_number, "learning rate of the SGD step", Decimal("0.1"))
    freeze: tuple[str, ...] = spec(names, "parameters held fixed: 0.bias,2.bias", ())
    weight_decay: Decimal = spec(converters.real_number, "L2 penalty lambda (0: none)", Decimal(0))
    decay_half: bool = spec(
        converters.boolean, "penalty (lambda/2) sum w^2 instead of lambda", False)
    decay_biases: bool = spec(converters.boolean, "biases in the penalty too", False)

    def validate(self) -> None:
        if (self.model is None) == (self.layers is None):
            raise FieldError("model", "give either model (the text) or layers (a list)")
        if (self.target is None) == (self.label is None):
            raise FieldError("target", "give either target (a tensor) or label (class indices)")
        if self.x is None and self.input is None:
            raise FieldError("input", "give x (the input tensor) or input (its shape)")
        parse_loss(self.loss)
        field = "model" if self.model is not None else "layers"
        try:
            object.__setattr__(self, "_run", build_run(self))
        except InputError as error:
            named, sep, rest = str(error).partition(": ")
            if sep and named in ("label", "freeze", "params", "target", "masks", "x"):
                raise FieldError(named, rest) from None  # the field the message names
            raise FieldError(field, str(error)) from None

    def run(self) -> Run:
        """The numeric run built at validation."""
        return getattr(self, "_run")  # noqa: B009

    def worked_data(self) -> list[tuple[str, Any]]:
        """The input and every parameter, given or drawn, shown as given data so that each
        step can be redone by hand."""
        run, given = self.run(), set(self.params or {})
        drawn = f"drawn from seed {self.seed} as the conventions say"
        data = [tensor_data("X", run.x, "given" if self.x is not None else drawn)]
        return data + [tensor_data(name, run.state[name], "given" if name in given else drawn)
                       for name in run.trainable()]


def _chain(problem: Problem) -> list[tuple[str, Layer]]:
    chain: Chain = parse_model(problem.model) if problem.model is not None else parse_layers(
        problem.layers or ())
    layers = []
    for name, node in chain.children:
        if not isinstance(node, Layer):
            raise InputError(f"layer {name}: {type(node).__name__} blocks have no worked "
                             "example yet; write the model as a chain of layers")
        layers.append((name, node))
    return layers


def _vocabulary(layers: list[tuple[str, Layer]]) -> int:
    """V, the token ids a model reads when it starts with a layer of token ids (an
    Embedding's num_embeddings); 0 when it reads real numbers."""
    if not layers or not RULES[layers[0][1].type].integer_input:
        return 0
    return int(layers[0][1].args.get("num_embeddings") or 0)


def token_ids(x: Any, vocabulary: int) -> Any:
    """x's rows as token ids (integers 0 .. V - 1), as torch's Embedding reads them.

    >>> token_ids(np.array([[1.0, 4.0]]), 5).tolist()
    [[1, 4]]
    """
    ids = np.rint(x)
    if not np.array_equal(ids, x) or ids.min() < 0 or ids.max() >= vocabulary:
        raise InputError(f"x: the model starts with an Embedding of {vocabulary} tokens: write "
                         f"token ids, integers from 0 to {vocabulary - 1}")
    return ids.astype(np.int64)


def token_note(run: Run, vocabulary: int, seed: int) -> str:
    """The note saying the token ids were drawn (and which)."""
    return (f"token ids drawn uniformly from 0 .. {vocabulary - 1} with numpy's "
            f"default_rng({seed}).integers: {run.x.tolist()}")


def build_run(problem: Problem) -> Run:
    """The chain, parameters (given or drawn), input and target, checked against the model's
    shapes and the documented maxima."""
    layers = _chain(problem)
    rng = np.random.default_rng(problem.seed)
    vocabulary = _vocabulary(layers)
    x = problem.x
    if x is not None and x.ndim == 1:  # one example written as a row
        x = x[None]
    if x is not None and vocabulary:
        x = token_ids(x, vocabulary)
    given = Input(tuple(x.shape[1:]), bool(vocabulary)) if x is not None else \
        (problem.input or ())[0]
    summary = summarize(Chain(tuple(layers)), (given,))
    if sum(r.n_params for r in summary.rows) > MAX_PARAMETERS:
        raise InputError(f"at most {MAX_PARAMETERS:,} parameters in a worked example")
    if x is None:
        x = rng.integers(0, vocabulary, (1, *given.shape)) if given.integer else draw(
            rng, (1, *given.shape), 1.0)
    if x.shape[0] * sum(int(np.prod(r.output)) for r in summary.rows) > MAX_ACTIVATIONS:
        raise InputError(f"at most {MAX_ACTIVATIONS:,} numbers in all layer outputs")
    state = shown.initial_state(summary, problem.params or {}, rng)
    loss, config = parse_loss(problem.loss)
    config = {**config, "half": problem.half} if loss == "MSELoss" else config
    target = np.array(problem.label, dtype=np.int64) if problem.label is not None else \
        problem.target
    if problem.label is None and target.ndim == 1 and problem.x is not None and \
            problem.x.ndim == 1:  # one example's target row (class indices keep their axis)
        target = target[None]
    classes = summary.rows[-1].output[0] if summary.rows[-1].output else 1
    if problem.label is not None and (len(problem.label) != x.shape[0] or max(
            problem.label) >= classes):
        raise InputError(f"label: one class index per example ({x.shape[0]}), each below "
                         f"{classes}")
    unknown = [name for name in problem.freeze if name not in state]
    if unknown:
        raise InputError(f"freeze: no parameter {unknown[0]!r}; parameters: "
                         f"{', '.join(state)}")
    steps = [LayerStep(name, layer.type, dict(layer.args)) for name, layer in layers]
    steps = _give_masks(steps, problem.masks or {}, x, summary)
    objective = Objective(loss, config, float(problem.weight_decay), problem.decay_half,
                          problem.decay_biases)
    run = Run(steps, state, objective, x, target, problem.freeze)
    try:
        run.value(state)
    except (ValueError, IndexError) as error:
        raise InputError(f"target: does not fit the model's output ({error})") from None
    return run


def _give_masks(steps: list[LayerStep], masks: dict[str, Any], x: Any,
                summary: Any) -> list[LayerStep]:
    """Each Dropout layer's mask (by layer name) into its config, shaped as its input (batch
    axis first; one example's mask may leave the batch axis out)."""
    outputs = {row.name: row.output for row in summary.rows}
    inputs = {step.name: (x.shape[0], *(outputs[steps[i - 1].name] if i else x.shape[1:]))
              for i, step in enumerate(steps)}
    by_name = {step.name: step for step in steps}
    given = {}
    for name, mask in masks.items():
        step = by_name.get(name)
        if step is None or step.layer_type != "Dropout":
            dropouts = [s.name for s in steps if s.layer_type == "Dropout"] or ["none"]
            raise InputError(f"masks: layer {name!r} is not a Dropout layer; Dropout layers: "
                             f"{', '.join(dropouts)}")
        shape = inputs[name]
        if mask.shape == shape[1:] and shape[0] == 1:
            mask = mask[None]
        if mask.shape != shape:
            raise InputError(f"masks: layer {name}'s mask has shape {mask.shape}; its input "
                             f"is {shape}")
        if not np.isin(mask, (0, 1)).all():
            raise InputError(f"masks: layer {name}'s mask holds 0s and 1s only")
        given[name] = mask.astype(float)
    steps = [LayerStep(s.name, s.layer_type, {**s.config, "mask": given[s.name]})
             if s.name in given else s for s in steps]
    for step in steps:
        if step.layer_type == "Dropout" and "mask" not in step.config and step.config.get(
                "training", True) and float(step.config.get("p", 0.5)) > 0:
            raise InputError(f"masks: Dropout layer {step.name} needs its mask "
                             f"(masks = {{ \"{step.name}\" = [[1, 0, ...]] }}, CLI --mask "
                             f"{step.name}=1,0,...)")
    return steps


def solve(problem: Problem) -> Solution:
    """Forward, loss, backward, gradients, SGD step, loss after; every step checked."""
    run = problem.run()
    result = run.step(float(problem.lr))
    whole = shown.judge_whole(run, result, run.check(result, problem.seed))
    judged = shown.layer_checks(run, result)
    steps = shown.steps(run, result, whole, judged)
    answers = [Answer(Key("loss"), result.loss, nonnegative=True)]
    for name in run.trainable():
        gradient = Key("L", wrt=name)
        answers.append(Answer(gradient, shown.view(result.grads[name]),
                              shape=result.grads[name].shape))
        if name not in run.frozen:
            answers.append(Answer(Key(name, new=True), shown.view(result.new_state[name]),
                                  shape=result.grads[name].shape,
                                  update=Update(shown.view(run.state[name]), gradient,
                                                float(problem.lr))))
    answers.append(Answer(Key("loss", new=True), result.loss_after, nonnegative=True))
    answers += shown.gradient_answers(steps)
    notes = shown.notes(problem, run, whole, judged)
    vocabulary = _vocabulary(_chain(problem))
    if vocabulary and problem.x is None:
        notes += (token_note(run, vocabulary, problem.seed),)
    return Solution(problem, tuple(steps), shown_as_detail(
        Answers(answers), tuple(steps), shown.INTERMEDIATE), notes=notes)
