"""Folders that appear whole or not at all: written beside their target, renamed into place.

`staged_folder(target, replaceable)` yields an empty temporary folder `.NAME.tmp-XXXX` beside
`target`. When the block ends normally the folder is renamed to `target`; a folder already
there is replaced only when `replaceable(folder)` says derive wrote it (or it is empty): it
is renamed away, the new one renamed in, the old one removed. An error, a full disk, Ctrl-C or
SIGTERM inside the block removes the temporary folder and leaves `target` as it was.

Only SIGKILL (or a power cut) can leave a temporary folder behind. Their names carry the
writer's process id (`.NAME.tmp-PID-XXXX`, `.NAME.old-PID-XXXX`), so the next run sweeps those
of dead writers away, and puts back an old folder that was renamed away but never replaced.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from derive.errors import InputError
from derive.output import current_umask, folder_of, target_of, write_failure
from derive.termination import sigterm_raises


def check_replaceable(target: Path, replaceable: Callable[[Path], bool], field: str) -> None:
    """Refuse a file, or a folder derive did not write, at `target`."""
    if not os.path.lexists(target):
        return
    if not target.is_dir():
        raise InputError(f"{field}: {str(target)!r} is a file; give a folder name")
    if any(target.iterdir()) and not replaceable(target):
        raise InputError(f"{field}: the folder {str(target)!r} holds files derive did not write; "
                         "choose a new folder or empty it")


@contextmanager
def staged_folder(target: Path, replaceable: Callable[[Path], bool],
                  field: str = "output") -> Iterator[Path]:
    """A temporary folder beside `target`, renamed into place when the block succeeds."""
    target = Path(os.path.abspath(target_of(target, field)))
    if Path.cwd().resolve().is_relative_to(target.resolve()):
        raise InputError(f"{field}: {str(target)!r} holds the current folder, which a staged "
                         "folder would replace; give a new folder, e.g. -o variants/")
    sweep_abandoned(target)
    check_replaceable(target, replaceable, field)
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-",
                                          dir=folder_of(target)))
    except OSError as error:
        raise write_failure(target, error, field) from None
    try:
        with sigterm_raises(target, field):
            yield temporary
            os.chmod(temporary, 0o777 & ~current_umask())  # mkdtemp made it 0700
            _install(temporary, target, replaceable, field)
    except OSError as error:
        raise write_failure(target, error, field) from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _install(temporary: Path, target: Path, replaceable: Callable[[Path], bool],
             field: str) -> None:
    """Rename `temporary` to `target`; an old folder is renamed away first, then removed."""
    if not os.path.lexists(target):
        os.rename(temporary, target)
        return
    check_replaceable(target, replaceable, field)
    away = folder_of(target) / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(target, away)
    try:
        os.rename(temporary, target)
    except BaseException:
        os.rename(away, target)
        raise
    shutil.rmtree(away, ignore_errors=True)


def sweep_abandoned(target: Path) -> None:
    """Remove the temporary folders that killed writers left beside `target`; an old folder a
    killed writer renamed away before its new one was in place becomes `target` again."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(tmp|old)-(\d+)-[0-9a-z_]+")
    try:
        entries = list(folder_of(target).iterdir())
    except OSError:
        return
    for entry in sorted(entries, key=lambda e: e.name):
        match = pattern.fullmatch(entry.name)
        if not match or _alive(int(match.group(2))) or entry.is_symlink() or not entry.is_dir():
            continue
        if match.group(1) == "old" and not os.path.lexists(target):
            os.rename(entry, target)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether process `pid` runs (one we may not signal still runs)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
