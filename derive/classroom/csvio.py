"""CSV in and out, assuming hostile files: bounded size, rows and cells; escaped cells.

Read: at most `MAX_FILE_BYTES` bytes, `MAX_ROWS` rows, `MAX_COLUMNS` columns, UTF-8 (a BOM
is dropped); a cell longer than `MAX_CELL` characters makes its row bad (reported with its
line number), never the file. Written: every cell beginning with ``=``, ``+``, ``-``, ``@``
(or a tab or carriage return) is prefixed with ``'`` so a spreadsheet shows it as text and
never runs it as a formula (OWASP's advice on CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from derive.errors import InputError

MAX_FILE_BYTES = 5_000_000
MAX_ROWS = 5000
MAX_COLUMNS = 2000
MAX_CELL = 1000
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """A CSV file read: its header and its rows, each with the line it starts on; `bad` holds
    (line, reason) for rows refused (a cell too long, too many cells)."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    bad: tuple[tuple[int, str], ...]


def read_table(path: Path, field: str) -> Table:
    """Read a CSV file within the caps; an `InputError` naming `field` when it cannot be."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{field}: {str(path)!r} is larger than {MAX_FILE_BYTES} bytes; "
                             "split the class")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise InputError(f"{field}: cannot read {str(path)!r} ({error.strerror}); give a "
                         "readable CSV file") from None
    except UnicodeDecodeError:
        raise InputError(f"{field}: {str(path)!r} is not UTF-8; save it as CSV UTF-8") from None
    return parse_table(text, field)


def parse_table(text: str, field: str) -> Table:
    """Parse CSV text (see `read_table`)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, tuple[str, ...]]] = []
    bad: list[tuple[int, str]] = []
    try:
        header = tuple(cell.strip() for cell in next(reader, []))
        if not header or len(header) > MAX_COLUMNS or max(map(len, header)) > MAX_CELL:
            raise InputError(f"{field}: needs a header row of 1 to {MAX_COLUMNS} columns")
        start = reader.line_num + 1
        for row in reader:
            if len(rows) + len(bad) >= MAX_ROWS:
                raise InputError(f"{field}: more than {MAX_ROWS} rows; split the class")
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header) or any(len(cell) > MAX_CELL for cell in row):
                bad.append((line, f"more than {len(header)} cells or a cell over {MAX_CELL} "
                                  "characters"))
                continue
            rows.append((line, tuple(row) + ("",) * (len(header) - len(row))))
    except csv.Error as error:
        raise InputError(f"{field}: not valid CSV at line {reader.line_num} ({error}); fix "
                         "the quoting") from None
    return Table(header, tuple(rows), tuple(bad))


def escaped(cell: object) -> str:
    """A cell as written to CSV: text beginning like a formula is prefixed with ``'``.

    >>> escaped("=HYPERLINK(1)"), escaped("-0.5"), escaped(2.5), escaped("ok")
    ("'=HYPERLINK(1)", "'-0.5", '2.5', 'ok')
    """
    text = str(cell)
    return "'" + text if text.startswith(DANGEROUS) else text


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with every cell escaped, ``\\n`` line ends (the same rows, the same bytes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([escaped(cell) for cell in header])
    writer.writerows([escaped(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def column(header: Sequence[str], *names: str) -> int | None:
    """The index of the first of `names` in the header (case-insensitive), or None."""
    lowered = [cell.strip().lower() for cell in header]
    for name in names:
        if name.lower() in lowered:
            return lowered.index(name.lower())
    return None
