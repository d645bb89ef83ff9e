"""Writing results: the format from the file's suffix, and atomic replacement."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from derive.errors import InputError

SUFFIX_FORMATS = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".tex": "latex",
                  ".json": "json", ".pdf": "pdf"}


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


def usual_permissions(path: str | Path) -> None:
    """A temporary file gets 0600; give it what a newly created file would get."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def check_folder(path: Path, field: str) -> None:
    """Refuse, before any work is done, a file whose folder is missing or read-only."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{field}: the folder {str(directory)!r} does not exist; create it first")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(f"{field}: the folder {str(directory)!r} is not writable; choose another")


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`."""
    check_folder(path, "output")
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        usual_permissions(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
