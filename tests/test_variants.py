"""Randomized variants: deterministic for a seed, drawn within the declared ranges, redrawn
when invalid, every one solved and verified, with a manifest."""

from __future__ import annotations

import errno
import json
import os
import signal
from pathlib import Path

import pytest

import derive
from derive import variants
from derive.errors import DeriveError, InputError
from derive.problemset import loads
from derive.variants import draw_variant, write_variants

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


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_kill_part_way_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    problem_set = derive.load(SET)

    def killed_at_the_third(problem_set: object, seed: int, index: int, *rest: object) -> object:
        if index == 3:
            raise KeyboardInterrupt
        return draw_variant(problem_set, seed, index, *rest)

    monkeypatch.setattr(variants, "draw_variant", killed_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        write_variants(problem_set, 5, 1, tmp_path / "out", "markdown", "quiz")
    assert _entries(tmp_path) == []


def test_sigterm_part_way_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    problem_set = derive.load(SET)

    def unhandled(signum: int, frame: object) -> None:
        raise AssertionError("SIGTERM reached the default handler: the process would die")

    calls, solve = [], derive.solve

    def terminated_in_the_tenth_solve(problem: object) -> object:  # inside a redraw loop
        calls.append(problem)
        if len(calls) == 10:
            os.kill(os.getpid(), signal.SIGTERM)
        return solve(problem)

    earlier = signal.signal(signal.SIGTERM, unhandled)
    try:
        monkeypatch.setattr(derive, "solve", terminated_in_the_tenth_solve)
        with pytest.raises(SystemExit) as stop:
            write_variants(problem_set, 5, 1, tmp_path / "out", "markdown", "quiz")
        assert stop.value.code == 143 and "SIGTERM" in capsys.readouterr().err
        assert signal.getsignal(signal.SIGTERM) is unhandled
    finally:
        signal.signal(signal.SIGTERM, earlier)
    assert _entries(tmp_path) == []


def test_no_valid_draw_leaves_no_folder(run_cli, tmp_path: Path) -> None:
    problem = tmp_path / "bad.toml"
    problem.write_text('[[problems]]\nkind = "conv-size"\ninput = 5\nlayers = ["conv k=3"]\n'
                       'vary = { input = { min = 1, max = 2 } }\n')
    status, _, err = run_cli("sheet", str(problem), "--variants", "3", "-o",
                             str(tmp_path / "out"))
    assert status == 2 and "no valid draw" in err and err.count("\n") == 1
    assert _entries(tmp_path) == ["bad.toml"]


def test_a_full_disk_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writes = []

    def fills_up(self: Path, data: bytes) -> int:
        writes.append(self)
        if len(writes) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)

    real = Path.write_bytes
    monkeypatch.setattr(Path, "write_bytes", fills_up)
    with pytest.raises(DeriveError, match="No space left") as error:
        write_variants(derive.load(SET), 4, 1, tmp_path / "out", "text", "quiz")
    assert "\n" not in str(error.value) and _entries(tmp_path) == []


def test_a_rerun_replaces_the_folder_derive_wrote(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for count, seed in (("4", "1"), ("2", "9")):
        status, _, err = run_cli("sheet", str(SET), "--variants", count, "--seed", seed,
                                 "--format", "markdown", "-o", str(out))
        assert status == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["written_by"] == "derive" and manifest["seed"] == 9
    assert _entries(out) == ["manifest.json", "variants-v01-key.md", "variants-v01-questions.md",
                             "variants-v02-key.md", "variants-v02-questions.md"]
    assert _entries(tmp_path) == ["out"]  # no temporary or old folder left beside it


@pytest.mark.parametrize("foreign", [{"notes.txt": "mine"},
                                     {"manifest.json": '{"variants": []}'},
                                     {"manifest.json": '{"written_by": "derive", "variants": []}',
                                      "notes.txt": "mine"}])
def test_a_folder_derive_did_not_write_is_refused(run_cli, tmp_path: Path,
                                                  foreign: dict[str, str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name, text in foreign.items():
        (out / name).write_text(text)
    status, _, err = run_cli("sheet", str(SET), "--variants", "2", "-o", str(out))
    assert status == 2 and err.count("\n") == 1 and "derive did not write" in err
    assert {p.name: p.read_text() for p in out.iterdir()} == foreign
    assert _entries(tmp_path) == ["out"]


def test_an_empty_folder_made_beforehand_is_filled(run_cli, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    status, _, err = run_cli("sheet", str(SET), "--variants", "1", "-o", str(tmp_path / "out"))
    assert status == 0, err
    assert (tmp_path / "out" / "manifest.json").is_file() and _entries(tmp_path) == ["out"]


def test_a_run_projected_past_the_limit_is_refused(run_cli, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The pace of the second variant projects the whole run; too long is one line, no folder."""
    monkeypatch.setattr(variants, "MAX_VARIANTS_SECONDS", 1e-6)
    drawn: list[int] = []
    real_draw = variants.draw_variant
    monkeypatch.setattr(variants, "draw_variant",
                        lambda *args: drawn.append(args[2]) or real_draw(*args))
    status, _, err = run_cli("sheet", str(SET), "--variants", "400", "-o", str(tmp_path / "out"))
    assert status == 2 and "400 variants would take about" in err
    assert len(err.strip().splitlines()) == 1 and drawn == [1, 2]
    assert list(tmp_path.iterdir()) == []


def test_check_pace_names_how_many_fit() -> None:
    with pytest.raises(InputError, match="at most 11 fit in 120 s"):
        variants.check_pace([0.0, 10.0, 21.0], 500)
    variants.check_pace([0.0, 10.0, 21.0], 11)  # 10 + 11 * 10 = 120 s: allowed
