"""The command line: --help everywhere, one JSON line on stdout, exit 2 and a one-line reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cli import build_parser, main
from tests import tiny

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return list(sub.choices)


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--db" in out and "usage:" in out


def test_help_without_docstrings() -> None:
    """``python -OO`` strips the docstrings the help texts come from: the parser still builds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    p = subprocess.run(
        [sys.executable, "-OO", "-m", "geo", "users", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert "usage:" in p.stdout and "Traceback" not in p.stderr


def test_import_prints_one_json_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    tiny.frames()["areas"].to_csv(tmp_path / "areas.csv", index=False)
    assert main(["import", "areas", str(tmp_path / "areas.csv"), "--db", db]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    wanted = {"kind", "file", "read", "accepted", "duplicates", "conflicts", "rejected"}
    assert wanted <= set(summary)
    assert (summary["read"], summary["accepted"]) == (3, 3)


def test_rejects_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    v = tiny.frames()["venues"]
    v.loc[1, "risk_level"] = "extreme"  # an unknown category is no reject (it is "other")
    v.to_csv(tmp_path / "v.csv", index=False)
    assert (
        main(
            [
                "import",
                "venues",
                str(tmp_path / "v.csv"),
                "--db",
                db,
                "--rejects",
                str(tmp_path / "rej.csv"),
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert (summary["accepted"], summary["rejected"]) == (1, 1)
    rej = pd.read_csv(tmp_path / "rej.csv", encoding="utf-8-sig")
    assert list(rej.columns) == ["file", "row", "column", "value", "reason"]
    assert rej.loc[0, "row"] == 3 and rej.loc[0, "column"] == "risk_level"


@pytest.mark.parametrize(
    "argv",
    [
        ["import", "venues", "/no/such/file.csv"],
        ["import", "spaceships", "x.csv"],
        ["import"],
        ["nosuchcommand"],
        ["coverage", "--from", "2022-13-45", "--out", "x.geojson"],
        ["import", "venues", "README.md"],
    ],
)
def test_bad_usage_exits_2_with_one_line(argv: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QY_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    p = subprocess.run(
        [sys.executable, "-m", "geo", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "Traceback" not in p.stderr
