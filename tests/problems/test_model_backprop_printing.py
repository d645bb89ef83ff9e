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
