"""Every command the README shows works in the environment the run command installs.

``scripts/setup-and-run.sh`` installs requirements.txt only; requirements-dev.txt adds the test
tools (pytest, Playwright, Hypothesis, ruff, mypy, ...). The README's shell blocks are parsed,
the scripts and sample files they name must exist, and each ``python -m geo COMMAND`` is asked for
its ``--help`` in a fresh interpreter whose import system refuses every package that only
requirements-dev.txt installs (as an interpreter of the run environment would: ModuleNotFoundError);
for ``bench`` the benchmark modules it runs are imported there too.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHELL = {"bash", "sh", "shell", "console"}


def _names(req_file: Path) -> set[str]:
    """Normalised distribution names a requirements file lists (``-r`` includes followed)."""
    out: set[str] = set()
    for line in req_file.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            out |= _names(req_file.parent / line[2:].strip())
        elif line:
            out.add(_norm(re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]))
    return out


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dev_only_modules() -> list[str]:
    """Top-level import names of the distributions requirements-dev.txt adds to requirements.txt."""
    dev_only = _names(ROOT / "requirements-dev.txt") - _names(ROOT / "requirements.txt")
    mods = {
        mod
        for mod, dists in packages_distributions().items()
        if any(_norm(d) in dev_only for d in dists) and not mod.startswith("_")
    }
    return sorted(mods | {"_pytest"})


def readme_commands() -> list[list[str]]:
    """The commands of the README's shell code blocks, each split as the shell would."""
    blocks = re.findall(r"```(\w*)\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    cmds = []
    for lang, body in blocks:
        if lang not in SHELL:
            continue
        for line in body.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                cmds.append(words)
    return cmds


def _geo_args(words: list[str]) -> list[str] | None:
    """The arguments after ``python -m geo``, or None for another command."""
    for i in range(len(words) - 2):
        if words[i].endswith(("python", "python3")) and words[i + 1 : i + 3] == ["-m", "geo"]:
            return words[i + 3 :]
    return None


# Runs in a fresh interpreter: block the dev-only packages, then ask each command for --help and
# import the benchmark modules `bench` would run; prints one JSON line of what failed.
_PROBE = r"""
import contextlib, importlib, importlib.abc, io, json, sys
BLOCKED = set(json.loads(sys.argv[1]))
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (dev-only)", name=name)
        return None
sys.meta_path.insert(0, Blocker())
failed, helped = {}, []
from cli import main
for cmd in json.loads(sys.argv[2]):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            main([cmd, "--help"])
    except SystemExit as e:
        if e.code not in (0, None):
            failed[cmd] = f"exit {e.code}"
    except Exception as e:
        failed[cmd] = f"{type(e).__name__}: {e}"
    if "usage:" in out.getvalue():
        helped.append(cmd)
from cli.bench import BENCHMARKS
for name in json.loads(sys.argv[3]):
    try:
        importlib.import_module(BENCHMARKS[name])
    except Exception as e:
        failed[f"bench:{name}"] = f"{type(e).__name__}: {e}"
loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
print(json.dumps({"failed": failed, "helped": helped, "loaded": loaded}))
"""


def test_dev_only_packages_are_known() -> None:
    mods = dev_only_modules()
    for must in ("pytest", "_pytest", "playwright", "hypothesis", "mypy", "pypdf"):
        assert must in mods
    for runtime in ("numpy", "pandas", "streamlit", "sqlalchemy", "tqdm", "geo", "cli"):
        assert runtime not in mods
    # the requirements file is what the run command installs
    assert "requirements.txt" in (ROOT / "scripts" / "setup-and-run.sh").read_text()


def test_readme_is_parsed() -> None:
    cmds = readme_commands()
    geo = [a[0] for c in cmds if (a := _geo_args(c))]
    assert ["bash", "scripts/setup-and-run.sh"] in cmds
    assert {"demo", "import", "bench", "brief", "users", "plan"} <= set(geo)
    assert _geo_args(shlex.split(".venv/bin/python -m geo bench --quick  # x", comments=True)) == [
        "bench",
        "--quick",
    ]


def test_scripts_and_files_the_readme_names_exist() -> None:
    named = [w for c in readme_commands() for w in c if w.startswith(("scripts/", "data/"))]
    assert named
    missing = [w for w in named if not (ROOT / w).exists()]
    assert missing == []


@pytest.mark.slow
def test_readme_commands_need_no_dev_package() -> None:
    geo = [a for c in readme_commands() if (a := _geo_args(c))]
    commands = sorted({a[0] for a in geo})
    benches: set[str] = set()
    from cli.bench import BENCHMARKS

    for a in geo:
        if a[0] == "bench":
            only = a[a.index("--only") + 1].split(",") if "--only" in a else list(BENCHMARKS)
            benches |= set(only)
    blocked = dev_only_modules()
    res = subprocess.run(
        [sys.executable, "-c", _PROBE, *map(json.dumps, (blocked, commands, sorted(benches)))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["failed"] == {}
    assert got["helped"] == commands  # each printed its usage
    assert got["loaded"] == []
    assert benches == set(BENCHMARKS)  # the README's bench runs every benchmark


def test_the_probe_catches_a_dev_import() -> None:
    """The blocker is real: a module importing pytest fails in the probe's interpreter."""
    code = _PROBE.replace("from cli import main", "import pytest\nfrom cli import main")
    res = subprocess.run(
        [sys.executable, "-c", code, json.dumps(dev_only_modules()), "[]", "[]"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode != 0
    assert "No module named 'pytest' (dev-only)" in res.stderr


def test_benchmarks_import_without_pytest() -> None:
    """Before the fix, tests/bench/bench_app.py imported tests/browser/conftest.py (pytest)."""
    src = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "bench").glob("*.py")}
    for name, text in src.items():
        assert not re.search(r"^\s*(import pytest|from pytest|from tests\.browser)", text, re.M), (
            name
        )
