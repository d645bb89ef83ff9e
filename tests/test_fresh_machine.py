"""What a fresh machine gets: the README's commands, CI's script and the package name agree, and
CI cannot pass by skipping its cross-checks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests import conftest

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The two commands of the README's first code block, without their comments."""
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    assert block, "the README opens with a sh block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    script = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
              if line.strip() and not line.lstrip().startswith("#")]
    assert script[-1] == readme_commands()[1]


def test_the_readme_test_command_installs_the_oracle() -> None:
    extras = re.search(r'\.\[([a-z,]+)\]', readme_commands()[1])
    assert extras
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert set(extras.group(1).split(",")) <= set(declared)
    assert {"test", "plot", "oracle"} <= set(extras.group(1).split(","))
    assert any(requirement.startswith("torch") for requirement in declared["oracle"])


def test_the_distribution_is_not_pypis_derive() -> None:
    """'derive' on PyPI is an unrelated project: no hint may name it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] != "derive"
    assert project["scripts"] == {"derive": "derive.cli:main"}
    sources = [*ROOT.joinpath("derive").rglob("*.py"), ROOT / "README.md"]
    offenders = [str(path.relative_to(ROOT)) for path in sources
                 if re.search(r"""pip install ['"]?derive\b""", path.read_text())
                 or re.search(r"\bderive\[", path.read_text())]
    assert offenders == []


def test_ci_refuses_to_skip_a_missing_oracle(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = conftest.importlib.util.find_spec
    monkeypatch.setattr(conftest.importlib.util, "find_spec",
                        lambda name: None if name == "torch" else real_find_spec(name))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.UsageError, match=r"torch \(the oracle extra"):
        conftest.pytest_configure(None)  # type: ignore[arg-type]
    monkeypatch.setenv("CI", "")
    conftest.pytest_configure(None)  # type: ignore[arg-type]  # locally: skips, no error
