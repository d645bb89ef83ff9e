"""Writing results: the format from the file's suffix, and writing what the user meant.

`-o PATH` writes to what PATH names: a regular file is replaced atomically (a temporary file
beside it, renamed over it) and keeps its permission bits (and its owner, when derive may set
it); a new file gets 0666 & ~umask; a symlink, or a chain of them, has its final target
written the same way, and stays a link (a dangling link creates its target when the target's
folder exists); a FIFO or a device is opened and written directly, never replaced; a folder is
refused. No permission is guessed in advance (root passes every `os.access` test): the write
is attempted and a failure becomes one line naming the path and the reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from derive.errors import DeriveError, InputError

SUFFIX_FORMATS = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".tex": "latex",
                  ".json": "json", ".pdf": "pdf"}
FIXES = {errno.EACCES: "choose a folder you may write to",
         errno.EPERM: "choose a folder you may write to",
         errno.EROFS: "the filesystem is read-only; choose another place",
         errno.ENOSPC: "the disk is full; free some space or choose another place",
         errno.EDQUOT: "the disk quota is used up; free some space or choose another place"}


def choose_format(fmt: str | None, output: Path | None) -> str:
    """The explicit format, else the one the output file's suffix names, else text.

    "pdf" is LaTeX compiled by pdflatex, so it needs an output file."""
    if fmt == "pdf" and output is None:
        raise InputError("output: a PDF needs a file; add -o key.pdf")
    if fmt:
        return fmt
    if output is None:
        return "text"
    suffix = output.suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise InputError(f"output: cannot tell the format of {output.name!r}; use a suffix "
                         f"({', '.join(SUFFIX_FORMATS)}) or --format")
    return SUFFIX_FORMATS[suffix]


def rendered_as(fmt: str) -> str:
    """The renderer behind a format: a PDF is rendered as LaTeX."""
    return "latex" if fmt == "pdf" else fmt


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def new_file_mode() -> int:
    """The permission bits a newly created file gets: 0666 & ~umask."""
    return 0o666 & ~current_umask()


def usual_permissions(path: str | Path) -> None:
    """A temporary file gets 0600; give it what a newly created file would get."""
    os.chmod(path, new_file_mode())


def write_failure(path: Path, error: OSError, field: str = "output") -> DeriveError:
    """One line for a failed write: the path, the reason and, where there is one, the fix."""
    reason = error.strerror or str(error)
    fix = FIXES.get(error.errno or 0)
    message = f"{field}: cannot write {str(path)!r} ({reason})" + (f"; {fix}" if fix else "")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return InputError(message)
    return DeriveError(message)


def folder_of(path: Path) -> Path:
    """The folder `path` lies in ("." for a bare name)."""
    return path.parent if str(path.parent) else Path(".")


def target_of(path: Path, field: str = "output") -> Path:
    """What writing `path` writes: the final target of a symlink (chain), else `path`."""
    if not path.is_symlink():
        return path
    try:
        return Path(os.path.realpath(path, strict=False))
    except (OSError, RuntimeError):
        raise InputError(f"{field}: the symlink {str(path)!r} loops; point it at a file") \
            from None


def check_folder(path: Path, field: str) -> None:
    """Refuse, before any work is done, a file whose folder is missing or cannot be written.

    Writability is tried (a temporary file created and removed), not guessed with os.access,
    which root always passes."""
    directory = folder_of(target_of(path, field))
    if not directory.is_dir():
        raise InputError(f"{field}: the folder {str(directory)!r} does not exist; create it first")
    try:
        handle, probe = tempfile.mkstemp(prefix=".derive-probe-", dir=directory)
    except OSError as error:
        raise write_failure(directory, error, field) from None
    os.close(handle)
    os.unlink(probe)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to what `path` names, as the module docstring says."""
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    target = target_of(path)
    try:
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise write_failure(path, error) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError(f"output: {str(path)!r} is a folder; give a file name")
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_in_place(path, target, payload)
        return
    if not folder_of(target).is_dir():
        raise InputError(f"output: the folder {str(folder_of(target))!r} does not exist; "
                         "create it first")
    _replace(path, target, payload, info)


def _write_in_place(path: Path, target: Path, payload: bytes) -> None:
    """A FIFO or device: opened for writing (a FIFO waits for its reader) and written."""
    try:
        handle = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
    except OSError as error:
        raise write_failure(path, error) from None


def _replace(path: Path, target: Path, payload: bytes, info: os.stat_result | None) -> None:
    """A temporary file beside `target`, given `info`'s mode and owner, renamed over it."""
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder_of(target))
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        _keep_mode(temporary, info)
        os.replace(temporary, target)
    except OSError as error:
        _remove(temporary)
        raise write_failure(path, error) from None
    except BaseException:
        _remove(temporary)
        raise


def _keep_mode(temporary: str, info: os.stat_result | None) -> None:
    """The replaced file's owner (where allowed) and permission bits, else a new file's."""
    if info is None:
        os.chmod(temporary, new_file_mode())
        return
    own = os.stat(temporary)
    if (own.st_uid, own.st_gid) != (info.st_uid, info.st_gid):
        with contextlib.suppress(PermissionError):  # not root: the writer's, as editors do
            os.chown(temporary, info.st_uid, info.st_gid)
    os.chmod(temporary, stat.S_IMODE(info.st_mode))


def _remove(temporary: str | None) -> None:
    if temporary is not None:
        Path(temporary).unlink(missing_ok=True)
