"""model-backprop's key as a mathematician writes it (issue 19): partials, indexed left
sides, parameter names as code, sum limits N - 1."""

from __future__ import annotations

import derive

MAZUR = {"layers": ["Linear(2, 2)", "Sigmoid()", "Linear(2, 2)", "Sigmoid()"],
         "x": [[0.05, 0.10]], "target": [[0.01, 0.99]], "loss": "MSELoss(reduction='sum')",
         "half": True, "lr": 0.5, "freeze": ["0.bias", "2.bias"],
         "params": {"0.weight": [[0.15, 0.20], [0.25, 0.30]], "0.bias": [0.35, 0.35],
                    "2.weight": [[0.40, 0.45], [0.50, 0.55]], "2.bias": [0.60, 0.60]}}


def test_backward_relations_read_as_written() -> None:
    solution = derive.solve(derive.problem("model-backprop", **MAZUR))
    latex = derive.render(solution, "latex")
    assert r"\frac{d}{d" not in latex and r"\frac{\partial L}{\partial Y_{3}}" in latex
    assert r"\left(\frac{\partial L}{\partial Y_{2}}\right)_{e} &= " in latex  # both indexed
    assert r"\left(\frac{\partial L}{\partial \mathtt{2.weight}}\right)_{o,i}" in latex
    assert r"{\mathtt{0.weight} - \eta \frac{\partial L}{\partial \mathtt{0.weight}}}" in latex
    assert r"\sum_{n=0}^{N - 1}" in latex and "-1 + N" not in latex
    assert "d 2.weight" not in latex and "-1 + C_{out}" not in latex
    assert solution.answers["dL/dY_2"] is not None and solution.answers["dL/d2.weight"] is not None


def test_a_backward_relation_follows_the_intermediates_it_reads() -> None:
    """MaxPool's dL/dX is dXtilde cropped: dXtilde's own routing relation comes first (it
    read as an undefined padding crop); conv's comes after dYtilde and dXtilde."""
    from pathlib import Path

    import derive
    from derive.problemset import load

    examples = Path(__file__).resolve().parents[2] / "examples"
    solution = next(s for s in derive.solve_set(load(examples / "layers.toml"))
                    if s.problem.id == "conv-pool-linear")
    whys = [step.why for step in solution.steps]
    pool = next(i for i, why in enumerate(whys) if "(MaxPool2d) backward" in why)
    assert "argmax" in whys[pool - 1]
    conv = next(i for i, why in enumerate(whys) if "(Conv2d) backward" in why)
    assert "dilated by the stride" in whys[conv - 2] and "rotated 180" in whys[conv - 1]
    assert not any("by dX" in why for why in whys)  # no dangling 'by dX[e] = ...'
