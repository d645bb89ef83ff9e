"""-o writes what the user meant: a symlink's target, a FIFO or device in place, a file keeping
its mode and owner, a folder refused, and every failure one line with no temporary file left."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import threading
from pathlib import Path

import pytest

from derive.errors import DeriveError, InputError
from derive.output import check_folder, write_atomic

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def test_a_symlink_chain_writes_its_final_target(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "key.tex"
    target.write_text("old")
    (tmp_path / "middle.tex").symlink_to(target)
    link = tmp_path / "link.tex"
    link.symlink_to(tmp_path / "middle.tex")
    write_atomic(link, "new")
    assert link.is_symlink() and (tmp_path / "middle.tex").is_symlink()
    assert target.read_text() == "new" and not target.is_symlink()
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["key.tex"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.tex"
    link.symlink_to(tmp_path / "missing.tex")
    write_atomic(link, "made")
    assert link.is_symlink() and (tmp_path / "missing.tex").read_text() == "made"


def test_a_fifo_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_device_is_written_into_not_replaced(tmp_path: Path) -> None:
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a second /dev/null
    except (PermissionError, AttributeError):
        pytest.skip("creating a device node needs root")
    write_atomic(device, b"\x00" * 10)
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_an_existing_file_keeps_its_permission_bits(tmp_path: Path) -> None:
    key = tmp_path / "key.tex"
    key.write_text("old")
    key.chmod(0o600)
    write_atomic(key, "new")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.read_text() == "new"


def test_a_new_file_gets_the_umask_s_mode(tmp_path: Path) -> None:
    earlier = os.umask(0o027)
    try:
        write_atomic(tmp_path / "key.tex", "new")
    finally:
        os.umask(earlier)
    assert stat.S_IMODE((tmp_path / "key.tex").stat().st_mode) == 0o640


@pytest.mark.skipif(not ROOT, reason="only root may give a file to another owner")
def test_root_keeps_the_file_s_owner(tmp_path: Path) -> None:
    key = tmp_path / "key.tex"
    key.write_text("old")
    os.chown(key, 4321, 4321)
    write_atomic(key, "new")
    assert (key.stat().st_uid, key.stat().st_gid) == (4321, 4321)


def test_bytes_are_written_as_they_are(tmp_path: Path) -> None:
    write_atomic(tmp_path / "key.pdf", b"%PDF-1.5\n\xff\x00")
    assert (tmp_path / "key.pdf").read_bytes() == b"%PDF-1.5\n\xff\x00"


def test_a_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder; give a file name") as error:
        write_atomic(tmp_path, "text")
    assert "\n" not in str(error.value)


def test_a_full_disk_is_one_line_and_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "key.tex"
    key.write_text("old")

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(DeriveError, match="key.tex.*No space left.*free some space") as error:
        write_atomic(key, "new")
    assert "\n" not in str(error.value)
    assert [p.name for p in tmp_path.iterdir()] == ["key.tex"] and key.read_text() == "old"


def test_a_refused_write_is_tried_not_guessed(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, "access", lambda *args, **kwargs: True)  # what root always gets
    monkeypatch.setattr(tempfile, "mkstemp", refused)
    for action in (lambda: check_folder(tmp_path / "model.npz", "checkpoint"),
                   lambda: write_atomic(tmp_path / "key.tex", "new")):
        with pytest.raises(InputError, match="Permission denied.*you may write to") as error:
            action()
        assert "\n" not in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_the_cli_writes_through_a_symlink(run_cli, tmp_path: Path) -> None:
    key = tmp_path / "key.txt"
    key.write_text("old")
    key.chmod(0o600)
    (tmp_path / "link.txt").symlink_to(key)
    status, _, err = run_cli("params", "--layers", "4,3", "-o", str(tmp_path / "link.txt"))
    assert status == 0, err
    assert (tmp_path / "link.txt").is_symlink() and "total" in key.read_text()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_the_cli_refuses_a_folder_in_one_line(run_cli, tmp_path: Path) -> None:
    status, _, err = run_cli("params", "--layers", "4,3", "-o", str(tmp_path), "--format", "text")
    assert status == 2 and err.count("\n") == 1 and "is a folder; give a file name" in err


def test_a_plot_goes_through_the_same_rules(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from derive.render.plot import _pyplot, _save

    plt = _pyplot()
    target = tmp_path / "curve.png"
    target.write_bytes(b"old")
    target.chmod(0o600)
    (tmp_path / "link.png").symlink_to(target)
    figure, axes = plt.subplots()
    axes.plot([0, 1], [1, 0])
    _save(figure, plt, tmp_path / "link.png")
    assert (tmp_path / "link.png").is_symlink() and target.read_bytes()[:4] == b"\x89PNG"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
