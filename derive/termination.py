"""SIGTERM as an exception, so that a half-done output is cleaned up before the process ends.

A `Terminated` is a SystemExit (status 143, as shells count SIGTERM), not a DeriveError: no
`except DeriveError` (a variant's redraw loop) can swallow it. Its one-line message is written
when the signal arrives, since a SystemExit carries no message to the CLI.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType


class Terminated(SystemExit):
    """SIGTERM arrived while an output was being written: exit 143."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


@contextmanager
def sigterm_raises(target: Path, field: str = "output") -> Iterator[None]:
    """Inside the block SIGTERM says nothing was written to `target` and raises Terminated, so
    the block's cleanup runs (main thread only; elsewhere signals cannot be handled)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        sys.stderr.write(f"derive: {field}: terminated (SIGTERM); nothing was written to "
                         f"{str(target)!r}\n")
        raise Terminated

    earlier = signal.signal(signal.SIGTERM, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, earlier)
