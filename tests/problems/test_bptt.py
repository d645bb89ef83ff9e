"""`bptt`: every answer against torch autograd on an unrolled cell (an independent oracle),
every answer shown by a step, the CLI's errors, every format renders, LaTeX compiles."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import derive
from derive.answers import Key

torch = pytest.importorskip("torch")
CELLS = {"RNN": "RNNCell", "LSTM": "LSTMCell", "GRU": "GRUCell"}


def unrolled(mode: str, params: dict, x: np.ndarray, target: np.ndarray, where: str,
             h0: np.ndarray, c0: np.ndarray | None, window: int | None) -> dict:
    """torch's cell unrolled by hand, h = h.detach() every `window` steps; autograd."""
    H = h0.shape[0]
    cell = getattr(torch.nn, CELLS[mode])(x.shape[1], H).double()
    with torch.no_grad():
        for name, value in params.items():
            getattr(cell, name.removesuffix("_l0")).copy_(torch.tensor(value))
    h = torch.tensor(h0[None], requires_grad=True)
    c = None if c0 is None else torch.tensor(c0[None], requires_grad=True)
    start_h, start_c, hs, cs, loss = h, c, [], [], 0.0
    for t in range(len(x)):
        if window and t and t % window == 0:
            h = h.detach()
            c = None if c is None else c.detach()
        xt = torch.tensor(x[t][None])
        if mode == "LSTM":
            h, c = cell(xt, (h, c))
            c.retain_grad()
            cs.append(c)
        else:
            h = cell(xt, h)
        h.retain_grad()
        hs.append(h)
        if where == "every" or t == len(x) - 1:
            y = torch.tensor(target[t if where == "every" else 0][None])
            loss = loss + 0.5 * ((h - y) ** 2).sum()
    loss.backward()
    grads = {name: getattr(cell, name.removesuffix("_l0")).grad.numpy() for name in params}
    return {"L": loss.item(), "h": [v.detach().numpy()[0] for v in hs],
            "c": [v.detach().numpy()[0] for v in cs],
            "dh": [_grad(v) for v in (start_h, *hs)],
            "dc": [_grad(v) for v in (start_c, *cs)] if cs else [],
            "grads": grads}


def _grad(v) -> np.ndarray:
    """v's gradient; zero where the loss does not reach v (a truncated window)."""
    return np.zeros(v.shape[1]) if v.grad is None else v.grad.numpy()[0]


CASES = [("RNN", 4, "last", None), ("RNN", 3, "every", 2), ("LSTM", 3, "every", None),
         ("LSTM", 4, "last", 3), ("GRU", 3, "every", None), ("GRU", 4, "last", 2)]


@pytest.mark.parametrize(("mode", "steps", "where", "window"), CASES)
def test_answers_match_torch_autograd(mode: str, steps: int, where: str, window) -> None:
    rng = np.random.default_rng(steps)
    H, n_x = 3, 2
    x, h0, c0 = rng.normal(size=(steps, n_x)), rng.normal(size=H), rng.normal(size=H)
    target = rng.normal(size=(steps if where == "every" else 1, H))
    fields = dict(layer=f"{mode}({n_x}, {H})", x=x.tolist(), target=target.tolist(),
                  loss_on=where, h0=h0.tolist(), seed=steps, lr=0.3, truncation=window)
    if mode == "LSTM":
        fields["c0"] = c0.tolist()
    problem = derive.problem("bptt", **fields)
    answers = derive.solve(problem).answers
    params, _, _ = problem.arrays()
    weights = {k: v for k, v in params.items() if k not in ("h0", "c0")}
    oracle = unrolled(mode, weights, x, target, where, h0, c0 if mode == "LSTM" else None,
                      window)
    close = dict(rtol=1e-9, atol=1e-12)
    assert answers["L"] == pytest.approx(oracle["L"], rel=1e-12)
    for t in range(1, steps + 1):
        np.testing.assert_allclose(answers[f"h_{t}"], oracle["h"][t - 1], **close)
        if mode == "LSTM":
            np.testing.assert_allclose(answers[f"c_{t}"], oracle["c"][t - 1], **close)
    for t in range(steps + 1):
        np.testing.assert_allclose(answers[Key("L", wrt=f"h_{t}")], oracle["dh"][t], **close)
        if mode == "LSTM":
            np.testing.assert_allclose(answers[Key("L", wrt=f"c_{t}")], oracle["dc"][t],
                                       **close)
    for name, grad in oracle["grads"].items():
        np.testing.assert_allclose(answers[Key("L", wrt=name)], grad, **close)
        np.testing.assert_allclose(answers[Key(name, new=True)], weights[name] - 0.3 * grad,
                                   **close)


def test_every_answer_is_shown_by_a_step() -> None:
    for problem in derive.load(Path(__file__).parents[2] / "examples" / "rnn.toml").problems:
        solution = derive.solve(problem)
        shown = [np.asarray(step.value, dtype=float) for step in solution.steps
                 if step.value is not None]
        shown += [np.asarray(float(step.relation.rhs)) for step in solution.steps
                  if getattr(step.relation, "rhs", None) is not None
                  and step.relation.rhs.is_number]
        stated = {tuple(step.shape) for step in solution.steps if step.shape is not None}
        for key in solution.answers:
            if key.aspect == "shape":  # a shape a step states
                assert tuple(solution.answers[key]) in stated, key
                continue
            value = np.asarray(solution.answers[key], dtype=float)
            assert any(v.shape == value.shape and np.array_equal(v, value) for v in shown), key


def test_rnn_bound_holds_and_gradients_shrink() -> None:
    problem = derive.load(Path(__file__).parents[2] / "examples" / "rnn.toml").problems[0]
    answers = derive.solve(problem).answers
    for t in range(4):
        assert answers[Key("h_3", wrt=f"h_{t}", aspect="norm")] <= answers[f"beta_{t}"] + 1e-12
    assert answers["gamma"] <= 1 and answers["sigma_hh"] > 0


@pytest.mark.parametrize(("args", "message"), [
    (["LSTM(2, 2)", "--x", "1", "--target", "0,1"], "input_size is 2"),
    (["Linear(2, 2)", "--x", "1,2", "--target", "0,1"], "one recurrent layer"),
    (["RNN(2, 2, num_layers=4)", "--x", "1,2", "--target", "0,1"], "num_layers at most 3"),
    (["RNN(2, 99)", "--x", "1,2", "--target", "0,1"], "at most 16"),
    (["RNN(2, 2)", "--x", "1,2", "--target", "0,1", "--param", "weight_ih_l0=1,2"],
     "give every tensor"),
    (["RNN(2, 2)", "--x", "1,2", "--target", "0,1", "--truncation", "2"], "at most 1 steps"),
    (["RNN(2, 2)", "--x", "1,2", "--target", "0,1", "--c0", "0,0"], "only an LSTM"),
    (["RNN(2, 2", "--x", "1,2", "--target", "0,1"], "never closed"),
    (["__import__('os')", "--x", "1,2", "--target", "0,1"], "unknown layer"),
])
def test_cli_errors_are_one_line(run_cli, args: list[str], message: str) -> None:
    code, out, err = run_cli("bptt", *args)
    assert code == 2, out + err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_every_format_renders(run_cli, fmt: str) -> None:
    code, out, err = run_cli("bptt", "GRU(1, 2)", "--x", "1;2", "--target", "0,1", "--lr",
                             "0.1", "--format", fmt)
    assert code == 0, err
    if fmt == "json":
        answers = json.loads(out)["answers"]
        assert "dL/dweight_hh_l0" in answers and "L new" in answers
    else:
        assert "Cho et al." in out and "\\begin" not in (out if fmt == "text" else "")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_latex_compiles(tmp_path: Path) -> None:
    problem_set = derive.load(Path(__file__).parents[2] / "examples" / "rnn.toml")
    source = derive.render_set(problem_set.title, derive.solve_set(problem_set), "latex")
    (tmp_path / "doc.tex").write_text(source, encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                             "-no-shell-escape", "doc.tex"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-2000:]


def test_per_step_answers_are_listed_not_boxed() -> None:
    # issue 19: a key boxes the loss, the gradients by tensor name, the SGD step and the new
    # loss; every state, gate and dL/dh_t is a detail answer, listed once in a line
    solution = derive.solve(derive.problem(
        "bptt", layer="RNN(2, 2)", x=[[1, 0], [0, 1], [1, 1]], target=[0.5, -0.5], lr=0.1,
        params={"weight_ih_l0": [[0.5, -0.3], [0.2, 0.4]],
                "weight_hh_l0": [[0.1, -0.6], [0.7, 0.2]],
                "bias_ih_l0": [0.1, 0.0], "bias_hh_l0": [0.0, -0.1]}))
    markdown = derive.render(solution, "markdown")
    assert markdown.count(r"\boxed") == 10  # L, 4 gradients, 4 new tensors, L new
    assert "every step's gates, states and outputs" in markdown
    detail = {name: solution.answers.answer(name).detail for name in
              ("h_3", "a_1", "dL/dh_2", "L", "dL/dweight_hh_l0", "weight_hh_l0 new")}
    assert detail["h_3"] and detail["a_1"] and detail["dL/dh_2"]
    assert not (detail["L"] or detail["dL/dweight_hh_l0"] or detail["weight_hh_l0 new"])
