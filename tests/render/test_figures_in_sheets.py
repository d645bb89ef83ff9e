"""Figures in sheets: the contour plot beside the key (or a note on standard output), a conv
stack as feature-map boxes, a graph whose arrows cross no node."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import derive
from derive.cli import cli
from derive.render.figures import X_CM, Y_CM, _hits, _positions

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_contour_plot_goes_beside_a_markdown_key(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    (tmp_path / "out").mkdir()
    key = tmp_path / "out" / "key.md"
    result = CliRunner().invoke(cli, ["sheet", str(ROOT / "examples" / "seed-001.toml"),
                                      "-o", str(key)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "key-1.png").read_bytes()[:4] == b"\x89PNG"
    assert "](key-1.png)" in key.read_text(encoding="utf-8")  # relative to the key itself


def test_standard_output_says_nothing_is_drawn() -> None:
    result = CliRunner().invoke(cli, ["sheet", str(ROOT / "examples" / "seed-001.toml")])
    assert result.exit_code == 0 and "drawn when the key is written to a file" in result.output


def test_a_conv_stack_is_drawn_with_its_shapes() -> None:
    solution = derive.solve(derive.problem("conv-size", input=32, channels=3,
                                           layers=["conv k=5 p=2 out=16", "maxpool k=2"]))
    latex = derive.render(solution, "latex")
    assert "tikzpicture" in latex and r"16 \times 16 \times 16" in latex
    assert "16 × 32 × 32" in derive.render(solution, "markdown")


def test_no_arrow_of_the_seed_graph_is_drawn_through_a_node() -> None:
    problem_set = derive.load(ROOT / "examples" / "seed-002.toml")
    figure = derive.solve(problem_set.problems[0]).figure
    latex = derive.render(derive.solve(problem_set.problems[0]), "latex")
    centres = [(c * X_CM, -r * Y_CM) for c, r in _positions(figure)]
    straight = [(s, t) for t, node in enumerate(figure.nodes) for s in node.inputs
                if rf"\draw[->] (n{s}) -- (n{t});" in latex]
    assert all(not _hits([centres[s], centres[t]], centres, (s, t)) for s, t in straight)
    assert "rounded corners] (n" in latex  # x_0 -> v_6 goes round
