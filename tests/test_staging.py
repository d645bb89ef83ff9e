"""What a SIGKILL leaves beside a staged folder is swept by the next run (derive/staging.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from derive.staging import staged_folder, sweep_abandoned


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_writers_temporary_folder_is_swept(tmp_path: Path) -> None:
    abandoned = tmp_path / f".out.tmp-{dead_pid()}-abc123"
    abandoned.mkdir()
    (abandoned / "half.txt").write_text("half", encoding="utf-8")
    running = tmp_path / f".out.tmp-{os.getpid()}-def456"  # a live writer's: kept
    running.mkdir()
    with staged_folder(tmp_path / "out", lambda folder: True) as staging:
        (staging / "whole.txt").write_text("whole", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", running.name])
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["whole.txt"]


def test_an_old_folder_renamed_away_but_never_replaced_comes_back(tmp_path: Path) -> None:
    """Killed between the two renames of a replacement: the old folder is put back."""
    old = tmp_path / f".out.old-{dead_pid()}-0a1b2c3d"
    old.mkdir()
    (old / "manifest.json").write_text("{}", encoding="utf-8")
    sweep_abandoned(tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (tmp_path / "out" / "manifest.json").exists()


def test_other_folders_are_left_alone(tmp_path: Path) -> None:
    for name in (".out.tmp-notapid-x", ".other.tmp-1-x", "out.tmp-1-x"):
        (tmp_path / name).mkdir()
    sweep_abandoned(tmp_path / "out")
    assert len(list(tmp_path.iterdir())) == 3


def test_the_current_folder_is_refused_not_renamed_away(tmp_path: Path, monkeypatch) -> None:
    import pytest

    from derive.errors import InputError

    monkeypatch.chdir(tmp_path)
    for written in (".", str(tmp_path), ".."):
        with pytest.raises(InputError, match="holds the current folder"), \
                staged_folder(Path(written), lambda folder: True):
            pass
    assert list(tmp_path.iterdir()) == []
