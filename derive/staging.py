"""Folders that appear whole or not at all: written beside their target, renamed into place.

`staged_folder(target, replaceable)` yields an empty temporary folder `.NAME.tmp-XXXX` beside
`target`. When the block ends normally the folder is renamed to `target`; a folder already
there is replaced only when `replaceable(folder)` says derive wrote it (or it is empty): it
is renamed away, the new one renamed in, the old one removed. An error, a full disk, Ctrl-C or
SIGTERM inside the block removes the temporary folder and leaves `target` as it was.
"""

from __future__ import annotations

import os
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
    target = target_of(target, field)
    check_replaceable(target, replaceable, field)
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=folder_of(target)))
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
    away = folder_of(target) / f".{target.name}.old-{secrets.token_hex(4)}"
    os.rename(target, away)
    try:
        os.rename(temporary, target)
    except BaseException:
        os.rename(away, target)
        raise
    shutil.rmtree(away, ignore_errors=True)
