"""rnn.toml's key reads cleanly: no 'Step 1. Step 1:', no empty or reversed products, no
'what step 2 sends back' after the last step, the RNN's norms named only for an RNN, and a
sentence answering why gradients vanish, from the example's own bound and norms."""

from __future__ import annotations

import pytest

from derive import load, solve


@pytest.fixture(scope="module")
def solutions() -> dict[str, object]:
    return {p.id: solve(p) for p in load("examples/rnn.toml").problems}


def test_captions_do_not_repeat_the_step_number(solutions: dict) -> None:
    for solution in solutions.values():
        assert not any(step.why.startswith("Step ") for step in solution.steps)


def test_the_last_step_gets_nothing_from_a_later_one(solutions: dict) -> None:
    lstm = [s.why for s in solutions["lstm-step"].steps if "BPTT" in s.why]
    assert lstm and not any("step 2 sends back" in why for why in lstm)


def test_products_of_jacobians_name_their_factors(solutions: dict) -> None:
    whys = [s.why for s in solutions["rnn-3-steps"].steps if "Jacobian" in s.why]
    assert not any("0 step" in why or "3..2" in why or "3..4" in why for why in whys)
    assert any("identity" in why for why in whys) and any("k = 1, ..., 3" in why for why in whys)


def test_norms_are_named_only_for_the_plain_rnn(solutions: dict) -> None:
    for name in ("lstm-step", "gru-step"):
        details = {a.detail for a in solutions[name].answers.entries()}
        assert not any("norm" in detail for detail in details)


def test_why_gradients_vanish_is_answered_from_the_numbers(solutions: dict) -> None:
    rnn = solutions["rnn-3-steps"]
    rate = rnn.answers["gamma"] * rnn.answers["sigma_hh"]
    said = [note for note in rnn.notes if note.startswith("why gradients")]
    assert rate < 1 and len(said) == 1 and f"{rate:.3g} < 1" in said[0]
    assert not any(n.startswith("why gradients") for n in solutions["gru-step"].notes)
