"""`attention-params` shows each quantity as one answer: the step that computes it names it
(P_head is `per_head`), the given d_model is not boxed, and both spellings find the answer."""

from __future__ import annotations

import pytest

import derive
from derive.solution import shown_by_step
from derive.verdicts import claim_key

SPELLINGS = {"per_head": ("per_head", "P_head", "per head"), "qkv": ("qkv", "P_QKV"),
             "output_projection": ("output_projection", "P_O"),
             "attention": ("attention", "P_attn"), "head_dim": ("head_dim", "d_k"),
             "ffn": ("ffn", "P_FFN"), "norms": ("norms", "P_norm"), "layer": ("layer", "P_layer"),
             "total": ("total", "P_total")}


def _solved(bias: bool = True) -> derive.Solution:
    return derive.solve(derive.problem("attention-params", d_model=256, heads=8, bias=bias,
                                       ffn=1024, num_layers=2))


@pytest.mark.parametrize("bias", [True, False])
def test_no_two_boxed_answers_share_a_value_and_a_step(bias: bool) -> None:
    solution = _solved(bias)
    boxed = [a for a in solution.answers.entries() if not a.detail]
    steps = {answer.key: index for index, answer in shown_by_step(solution.steps)}
    seen: dict[tuple[int, object], str] = {}
    for answer in boxed:
        if answer.key in steps:
            place = (steps[answer.key], answer.value)
            assert place not in seen, f"{answer.key.name} repeats {seen[place]}"
            seen[place] = answer.key.name


def test_given_inputs_are_not_boxed() -> None:
    names = {answer.key.name for answer in _solved().answers.entries()}
    assert not names & {"d_model", "h", "d_ff", "N"}
    assert not names & {"P_head", "P_QKV", "P_O", "P_attn", "d_k", "P_total"}


@pytest.mark.parametrize("key, spellings", SPELLINGS.items())
def test_a_claim_finds_the_answer_by_its_key_or_its_steps_name(
        key: str, spellings: tuple[str, ...]) -> None:
    solution = _solved()
    for typed in spellings:
        assert claim_key(solution, typed).name == key, typed


def test_a_claim_by_the_steps_name_is_judged_as_the_answer() -> None:
    problem = derive.problem("attention-params", d_model=256, heads=8,
                             claims={"P_head": 24672, "P_attn": 1048576})
    right, wrong = derive.check(derive.solve(problem))
    assert (right.verdict, wrong.verdict) == ("correct", "wrong")
    assert wrong.cause == "as if d_model were 512 and bias were false"
