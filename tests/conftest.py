"""Shared fixtures: running the CLI in-process, and the golden-file flag; under CI, a missing
oracle or tool is an error instead of a skip."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable

import pytest

from derive.cli import main


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite tests/golden/ and outputs/ from the current output instead of "
                          "comparing")


# What the cross-check tests need, and how to install it. Locally a missing one skips its tests;
# under CI (CI set, as CI runs .ci/run) it stops the run, so CI never passes on skipped checks.
REQUIRED_MODULES = {"torch": "the oracle extra: pip install -e '.[oracle]'",
                    "matplotlib": "the plot extra: pip install -e '.[plot]'",
                    "build": "the test extra: pip install -e '.[test]'"}
REQUIRED_PROGRAMS = {"pdflatex": "TeX Live: the Debian packages .ci/run installs"}


def missing_requirements() -> list[str]:
    """Each missing module or program, with how to install it."""
    missing = [f"{name} ({how})" for name, how in REQUIRED_MODULES.items()
               if importlib.util.find_spec(name) is None]
    return missing + [f"{name} ({how})" for name, how in REQUIRED_PROGRAMS.items()
                      if shutil.which(name) is None]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI", "").lower() not in {"", "0", "false", "no"}:
        missing = missing_requirements()
        if missing:
            raise pytest.UsageError("CI is set but the tests would skip their cross-checks; "
                                    "missing: " + "; ".join(missing))


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `derive ARGS` in-process: (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as stop:
            main(list(args))
        captured = capsys.readouterr()
        return int(stop.value.code or 0), captured.out, captured.err

    return run
