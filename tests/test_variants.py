"""Randomized variants: deterministic for a seed, drawn within the declared ranges, redrawn
when invalid, every one solved and verified, with a manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import derive
from derive.errors import InputError
from derive.problemset import loads
from derive.variants import draw_variant

SET = Path(__file__).parent / "data" / "variants.toml"


def test_thirty_variants_render_with_a_manifest(run_cli, tmp_path: Path) -> None:
    status, _, err = run_cli("sheet", str(SET), "--variants", "30", "--seed", "7", "-o",
                             str(tmp_path / "out"))
    assert status == 0, err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert len(manifest["variants"]) == 30
    first = manifest["variants"][0]
    questions = (tmp_path / "out" / first["files"]["questions"]).read_text()
    key = (tmp_path / "out" / first["files"]["key"]).read_text()
    assert "Answers." not in questions and "Answers." in key
    for variant in manifest["variants"]:
        widths = variant["problems"]["count"]["fields"]["layers"]
        assert all(5 <= w <= 300 for w in widths) and len(widths) == 3
        expected = sum(a * b + b for a, b in zip(widths, widths[1:], strict=False))
        assert variant["problems"]["count"]["answers"]["total"] == expected
        size = variant["problems"]["conv"]["fields"]["input"][0]
        kernel = variant["problems"]["conv"]["fields"]["layers"][0]
        assert size >= 3 and (size - kernel["kernel"][0]) // kernel["stride"][0] + 1 >= 1
    assert any(v["redraws"]["conv"] > 0 for v in manifest["variants"])  # kernels too large


def test_the_same_seed_draws_the_same_variant() -> None:
    problem_set = derive.load(SET)
    same = [draw_variant(problem_set, 3, 2) for _ in range(2)]
    other = draw_variant(problem_set, 4, 2)
    fields = [[s.problem.field_values() for s in v.solutions] for v in (*same, other)]
    assert fields[0] == fields[1] and fields[0] != fields[2]


@pytest.mark.parametrize("vary", ['{ layers = { min = 5 } }', '{ layers = { choice = [] } }',
                                  '{ layers = { min = 9, max = 1 } }', '{ bias = { each = {'
                                  ' min = 1, max = 2 } } }'])
def test_a_bad_variation_is_refused(vary: str) -> None:
    problem_set = loads(f'[[problems]]\nkind = "params"\nlayers = [4, 3]\nvary = {vary}\n')
    with pytest.raises(InputError, match="vary"):
        draw_variant(problem_set, 0, 1)


def test_an_impossible_range_says_so() -> None:
    problem_set = loads('[[problems]]\nkind = "conv-size"\ninput = 5\nlayers = ["conv k=3"]\n'
                        'vary = { input = { min = 1, max = 2 } }\n')
    with pytest.raises(InputError, match="no valid draw"):
        draw_variant(problem_set, 0, 1)
