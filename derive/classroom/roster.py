"""A class roster (CSV with columns ``id`` and optionally ``name``) and each student's variant.

A student's variant is drawn by SHA-256 of (seed, student id): the same roster and seed
always give each student the same variant, whatever the roster's order or size. At most
`MAX_STUDENTS` students; an id is 1 to 64 printable characters without control characters.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from derive.classroom.csvio import column, read_table
from derive.errors import InputError

MAX_STUDENTS = 2000
DEFAULT_POOL = 30  # variants a roster's students are drawn from (`--variants`)
ID = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")


@dataclass(frozen=True)
class Student:
    """One student: id, display name and the roster line."""

    id: str
    name: str
    line: int


def variant_of(seed: int, student_id: str, count: int) -> int:
    """The student's variant, 1..count, by SHA-256 of (seed, id).

    >>> variant_of(7, "s001", 30) == variant_of(7, "s001", 30), 1 <= variant_of(7, "x", 3) <= 3
    (True, True)
    """
    digest = hashlib.sha256(f"derive/{seed}/{student_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def read_roster(path: Path) -> tuple[Student, ...]:
    """The roster's students, in its order; refused whole when malformed (one line, exit 2)."""
    table = read_table(path, "roster")
    id_column = column(table.header, "id", "student id", "sis_id", "id number")
    name_column = column(table.header, "name", "student", "full name")
    if id_column is None:
        raise InputError("roster: needs an 'id' column (and optionally 'name')")
    if table.bad:
        line, why = table.bad[0]
        raise InputError(f"roster, line {line}: {why}; fix the row")
    if len(table.rows) > MAX_STUDENTS:
        raise InputError(f"roster: more than {MAX_STUDENTS} students; split the class")
    students: list[Student] = []
    seen: set[str] = set()
    for line, row in table.rows:
        student_id = row[id_column].strip()
        if not ID.match(student_id):
            raise InputError(f"roster, line {line}: the id must be 1 to 64 printable characters")
        if student_id in seen:
            raise InputError(f"roster, line {line}: id {student_id!r} appears twice; make ids "
                             "unique")
        seen.add(student_id)
        name = row[name_column].strip() if name_column is not None else ""
        students.append(Student(student_id, name[:200], line))
    if not students:
        raise InputError("roster: no students; add one row per student")
    return tuple(students)


def safe_name(student_id: str) -> str:
    """A file-name-safe form of an id (letters, digits, ``_ . -``), never hidden or empty.

    >>> safe_name("../../etc/passwd"), safe_name("Ana María")
    ('_._.._etc_passwd', 'Ana_Mar_a')
    """
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", student_id)[:64]
    return "_" + name[1:] if name.startswith(".") else name or "_"
