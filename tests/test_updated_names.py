"""An updated value and the loss are named in the answer boxes as the steps write them
(W₁′, (W¹)′, ℓ′, L′), while the typed key stays `W_1 new` / `loss new`; both spellings find
the same answer (review of seed-001 pp. 18-20, seed-003 pp. 7-9)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

import derive
from derive.answers import Answer, Answers, Key, parse_key
from derive.render.context import writes_ell
from derive.render.keys import key_display, key_text
from derive.solution import Solution

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@functools.cache
def solution(stem: str, kind: str) -> Solution:
    problems = derive.load(EXAMPLES / f"{stem}.toml").problems
    return derive.solve(next(problem for problem in problems if problem.kind == kind))


@pytest.mark.parametrize("typed, key", [
    ("W_1'", Key("W_1", new=True)),
    ("W^1'", Key("W^1", new=True)),
    ("(W^1)'", Key("W^1", new=True)),
    ("(W_0^1)'", Key("W_0^1", new=True)),
    ("shape of W_1'", Key("W_1", aspect="shape", new=True)),
    ("l'", Key("l", new=True)),
    ("x^(1)", Key("x^(1)")),
    ("f(x*)", Key("f(x*)")),
])
def test_a_prime_is_read_as_new(typed: str, key: Key) -> None:
    assert parse_key(typed) == key


@pytest.mark.parametrize("key, plain, ell", [
    (Key("W_1", new=True), "W_1'", "W_1'"),
    (Key("W^1", new=True), "(W^1)'", "(W^1)'"),
    (Key("loss"), "L", "ell"),
    (Key("loss", new=True), "L'", "ell'"),
    (Key("L", new=True), "L'", "L'"),
    (Key("l", wrt="W_1"), "dl/dW_1", "dell/dW_1"),
    (Key("0.weight", new=True), "0.weight new", "0.weight new"),
    (Key("weight_ih_l0", new=True), "weight_ih_l0 new", "weight_ih_l0 new"),
])
def test_the_box_names_an_updated_value_and_the_loss_as_the_steps_do(key: Key, plain: str,
                                                                     ell: str) -> None:
    assert (key_display(key), key_display(key, ell=True)) == (plain, ell)
    assert key_text(key) == key_text(parse_key(key_text(key)))  # the typed key is unchanged


@pytest.mark.parametrize("stem, typed", [
    ("seed-001", ("W_1 new", "W_1'", "w1'", "loss", "L", "L'", "l'", "loss new")),
    ("seed-003", ("W^1 new", "W^1'", "(W^1)'", "loss", "ell", "l'", "L'", "loss after")),
])
def test_primed_and_loss_spellings_find_the_keys(stem: str, typed: tuple[str, ...]) -> None:
    answers = solution(stem, "backprop").answers
    found = [answers.find(name) for name in typed]
    weight = found[0]
    assert weight is not None and weight.new
    assert found[:3] == [weight] * 3
    assert found[3:5] == [Key("loss")] * 2, found
    assert found[5:] == [Key("loss", new=True)] * 3, found


@pytest.mark.parametrize("stem", ["seed-001", "seed-003"])
def test_the_loss_the_steps_show_is_the_boxed_loss(stem: str) -> None:
    """The step's ℓ (or L) is the answer `loss`, not a second detail answer beside it."""
    answers = solution(stem, "backprop").answers
    assert {key for key in answers if not key.wrt and key.name in ("l", "L")} == set()
    assert key_display(Key("loss"), writes_ell(solution(stem, "backprop"))) in ("ell", "L")


def test_two_loss_symbols_that_differ_are_not_guessed() -> None:
    """Where a solution has both an L and an l (a batch loss and one example's), the word
    `loss` names neither; each symbol still finds its own answer."""
    answers = Answers([Answer(Key("L"), 1.0), Answer(Key("l"), 2.0)])
    assert answers.find("loss") is None
    assert (answers.find("L"), answers.find("ell")) == (Key("L"), Key("l"))


@pytest.mark.parametrize("stem", ["seed-001", "seed-003"])
def test_the_boxes_show_primes_and_the_keys_stay_typed(stem: str) -> None:
    solved = solution(stem, "backprop")
    markdown = derive.render(solved, "markdown")
    text = derive.render(solved, "text")
    boxes = [line for line in markdown.splitlines() if line.startswith("- ")]
    assert not [line for line in boxes if " new" in line or line.startswith("- loss")]
    assert any("'$:" in line for line in boxes)
    assert "loss new = " in text and "loss = " in text
