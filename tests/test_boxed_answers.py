"""What a key boxes: what an `ask` table names (in its order), else each kind's choice in the
order the steps compute it; never an empty Answers block; drawn fields given on the base key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import derive
from derive.classroom.asks import read_asks
from derive.given import given_values
from derive.problemset import builtin, load
from derive.render.keys import key_text
from derive.solution import Solution
from derive.variants import draw_variant

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def boxed(solution: Solution) -> list[str]:
    """The printed names of the answers a key boxes, in order."""
    return [key_text(answer.key) for answer in solution.answers.entries() if not answer.detail]


def solved(name: str) -> dict[str, Solution]:
    return {s.problem.id: s for s in derive.solve_set(load(EXAMPLES / name))}


def test_an_ask_table_boxes_exactly_its_answers_in_its_order() -> None:
    problem_set = load(EXAMPLES / "quiz.toml")
    variant = draw_variant(problem_set, seed=7, index=1)
    for solutions in (derive.solve_set(problem_set), variant.solutions):
        for solution, table in zip(solutions, problem_set.asks, strict=True):
            asks = read_asks(table, solution.problem.id)
            assert asks is not None
            assert boxed(solution) == [key_text(solution.answers.find(a.name)) for a in asks]
    steps = {s.problem.id: s for s in derive.solve_set(problem_set)}["steps"]
    assert boxed(steps) == ["lr 0.1 x_1", "lr 0.1 f_1"]
    assert steps.answers["lr 0.1 f_1"] == pytest.approx(1.12)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.toml")) + ["builtin"])
def test_no_key_has_an_empty_answers_block(name: str) -> None:
    problem_set = builtin() if name == "builtin" else load(EXAMPLES / name)
    for solution in derive.solve_set(problem_set):
        assert boxed(solution), f"{name}: {solution.problem.id} boxes nothing"


def test_the_optimizers_key_has_no_empty_align() -> None:
    problem_set = load(EXAMPLES / "optimizers.toml")
    latex = derive.render_set(problem_set.title, derive.solve_set(problem_set), "latex")
    assert "\\begin{align*}\n\\end{align*}" not in latex


def test_a_varied_field_is_given_on_the_base_key() -> None:
    problem_set = load(EXAMPLES / "quiz.toml")
    for solution, vary in zip(derive.solve_set(problem_set), problem_set.vary, strict=True):
        labels = {label for label, _ in given_values(solution.problem)}
        label_of = {field: label for label, field, _ in solution.problem.given}
        assert {label_of.get(field, field) for field in vary} <= labels, solution.problem.id
    markdown = derive.render_set(problem_set.title, derive.solve_set(problem_set), "markdown")
    assert r"\eta = 0.1" in markdown  # "the step size given below", not varied


def _sgd(grad, x, lr: float, steps: int):
    for _ in range(steps):
        x = x - lr * grad(x)
    return x


def _nesterov(grad, x, lr: float, mu: float, steps: int):
    buffer = None
    for _ in range(steps):
        g = grad(x)
        buffer = g if buffer is None else mu * buffer + g
        x = x - lr * (g + mu * buffer)
    return x


def _cs231n(grad, x, lr: float, mu: float, steps: int):
    v = np.zeros_like(x)
    for _ in range(steps):
        v = mu * v - lr * grad(x)
        x = x + v
    return x, v


def _adam(grad, x, rates, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
    m, v = np.zeros_like(x), np.zeros_like(x)
    for t, lr in enumerate(rates, 1):
        g = grad(x)
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
        x = x - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return x, m, v


def test_optimize_boxes_the_last_iterate_and_f_as_a_hand_loop_computes_them() -> None:
    keys = solved("optimizers.toml")
    six = keys["six-optimizers"]
    def f(x):
        return x[0] ** 2 + 10 * x[1] ** 2

    def grad(x):
        return np.array([2 * x[0], 20 * x[1]])

    start = np.array([1.0, 1.0])
    assert boxed(six)[:4] == ["optimizer 1 x_5", "optimizer 1 f_5", "optimizer 2 x_5",
                              "optimizer 2 f_5"]
    assert len(boxed(six)) == 12
    for number, x in ((1, _sgd(grad, start, 0.05, 5)), (2, _nesterov(grad, start, 0.05, 0.9, 5))):
        assert six.answers[f"optimizer {number} x_5"] == pytest.approx(x, rel=1e-12)
        assert six.answers[f"optimizer {number} f_5"] == pytest.approx(f(x), rel=1e-12)

    momentum = keys["momentum-cs231n"]
    x, v = _cs231n(lambda x: 2 * x, np.array([1.0]), 0.1, 0.9, 3)
    assert boxed(momentum) == ["x_3", "f_3", "v_3"]  # the statement names the velocity
    assert momentum.answers["x_3"] == pytest.approx(x) and momentum.answers["v_3"] == \
        pytest.approx(v)
    assert momentum.answers["f_3"] == pytest.approx(float(x[0] ** 2))

    schedule = keys["step-schedule"]
    x, m, v = _adam(lambda x: np.array([2 * (x[0] - 1), 4 * x[1]]), np.array([0.0, 1.0]),
                    [0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    assert boxed(schedule) == ["x_6", "f_6", "m_6", "v_6"]  # "the moments"
    for name, value in (("x_6", x), ("m_6", m), ("v_6", v),
                        ("f_6", (x[0] - 1) ** 2 + 2 * x[1] ** 2)):
        assert schedule.answers[name] == pytest.approx(value, rel=1e-10)


def test_optimize_boxes_what_torch_optim_computes() -> None:
    torch = pytest.importorskip("torch")
    six = solved("optimizers.toml")["six-optimizers"]
    for number, spec in enumerate(six.problem.optimizer, 1):
        x = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
        kind = getattr(torch.optim, spec.name)
        known = kind([torch.zeros(1, requires_grad=True)]).defaults
        optimizer = kind([x], **{k: v for k, v in spec.arguments if k in known})
        for _ in range(5):
            optimizer.zero_grad()
            (x[0] ** 2 + 10 * x[1] ** 2).backward()
            optimizer.step()
        assert six.answers[f"optimizer {number} x_5"] == pytest.approx(
            x.detach().numpy(), rel=1e-9, abs=1e-12)


def test_the_gd_verdict_box_reads_as_a_sentence() -> None:
    solution = solved("seed-001.toml")["gd-step-sizes"]
    answer = solution.answers.answer("lr 0.1 verdict")
    assert answer.value == "converged" and not answer.detail
    assert answer.reads.startswith(f"converges ({solution.answers['lr 0.1 steps']} steps to ")
    markdown = derive.render(solution, "markdown")
    assert r"verdict $(\eta = 0.1)$: $\boxed{\text{converges (" in markdown
    diverging = derive.solve(derive.problem("gd", function="x**2", x0="1", lr="1.5"))
    assert diverging.answers.answer("lr 1.5 verdict").reads.startswith("diverges (after ")


def test_boxed_answers_come_in_the_order_the_steps_compute_them() -> None:
    backprop = boxed(solved("seed-001.toml")["batched-backprop"])
    assert backprop[:6] == ["Z_1", "A_1", "Z_2", "A_2", "Z_3", "Yhat"]
    gd = boxed(solved("seed-001.toml")["gd-step-sizes"])
    assert gd.index("hessian") < gd.index("hessian eigenvalues")
    p2 = boxed(solved("seed-003.toml")["p2-numeric-backprop"])
    assert p2.index("Z^1") < p2.index("H")


def test_sizes_are_boxed_once_and_named_layers_each() -> None:
    summaries = solved("seed-summaries.toml")
    t2 = summaries["seed-002-t2-conv"]
    assert [name for name in boxed(t2) if name in ("A", "B", "C") or "shape" in name] == [
        "A", "B", "C"]  # the statement's A, B and C, by its names (names = [...])
    assert all(name in t2.answers for name in ("shape of 0", "shape of 2", "shape of output"))
    assert [name for name in boxed(summaries["seed-000-q1.3-conv"]) if "shape" in name] == [
        "shape of output"]
    conv = solved("seed-000.toml")["q1.3-conv-output"]
    assert boxed(conv) == ["output"] and "H_1" in conv.answers and "shapes" in conv.answers
