"""The code passes ruff with the project's rule set (pyproject.toml) and is formatted by ruff."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> str:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (requirements-dev.txt pins it)")
    return ruff


def test_ruff_clean() -> None:
    """Lint, including numpy-convention docstrings on geo/ (pyproject.toml's ruff D rules)."""
    p = subprocess.run(
        [_ruff(), "check", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr


def test_ruff_formatted() -> None:
    p = subprocess.run(
        [_ruff(), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert p.returncode == 0, p.stdout + p.stderr


def test_pre_commit_config_is_valid() -> None:
    """The hooks developers install (ruff, ruff format, mypy) are a valid pre-commit config."""
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (requirements-dev.txt pins it)")
    p = subprocess.run(
        [pre_commit, "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stdout + p.stderr
