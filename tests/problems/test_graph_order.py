"""`graph` lists its leaves as a reader expects (inputs first, then parameters by index: x0;
w0, b0; w1, b1) in the forward table, the chain-rule steps and the answers, each gradient
equal to a hand finite difference; `softmax-ce` writes its chain rule with partials."""

from __future__ import annotations

import pytest

import derive
from derive.render.captions import caption_tex

SEED_002 = "relu(w1*relu(w0*x0 + b0) + b1 + x0)"
AT = {"x0": 1.0, "w0": 0.3, "w1": -0.2, "b0": 0.1, "b1": -0.3}
READER = ["x0", "w0", "b0", "w1", "b1"]


def _z(at: dict[str, float]) -> float:
    relu = lambda v: max(v, 0.0)  # noqa: E731
    return relu(at["w1"] * relu(at["w0"] * at["x0"] + at["b0"]) + at["b1"] + at["x0"])


def _solution():
    at = ",".join(f"{k}={v}" for k, v in AT.items())
    return derive.solve(derive.problem("graph", expression=SEED_002, at=at, name="z"))


def test_leaves_come_in_the_readers_order_everywhere() -> None:
    solution = _solution()
    forward = [str(row[0].expr) for row in solution.tables[0].rows]
    assert forward == [*READER, "v_1", "v_2", "v_3", "v_4", "v_5", "v_6", "z"]
    assert [step.why.split(":")[0] for step in solution.steps] == \
        [f"chain rule for {name}" for name in READER]
    assert [key.wrt for key in solution.answers if key.wrt] == READER
    (note,) = solution.notes
    assert note.startswith("the backward pass visits z, v_6, v_5, v_4, v_3, v_2, v_1, x0, w0, "
                           "b0, w1, b1 (reverse topological order)")


@pytest.mark.parametrize("leaf", READER)
def test_each_gradient_equals_a_hand_difference(leaf: str) -> None:
    h = 1e-6  # no node sits at a kink here
    up, down = {**AT, leaf: AT[leaf] + h}, {**AT, leaf: AT[leaf] - h}
    assert _solution().answers[f"dz/d{leaf}"] == pytest.approx((_z(up) - _z(down)) / (2 * h),
                                                                abs=1e-8)


def test_softmax_ce_chain_rule_caption_is_written_with_partials() -> None:
    solution = derive.solve(derive.problem("softmax-ce"))
    (why,) = [step.why for step in solution.steps if step.why.startswith("chain rule")]
    assert r"\partial (\log p)/\partial h = (1/p) \partial p/\partial h" in caption_tex(why)
