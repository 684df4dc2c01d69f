"""Build ``libqyh3.so``: the official H3 C library (v4.5.0) plus a tiny indexing loop.

Run ``python -m geo.domain._h3c.build [--force] [--quiet]``; the library is written to
``geo/domain/_h3c/libqyh3.so``. Steps:

1. Get the pinned h3-py sdist (``h3==4.5.0``, which vendors the H3 C library under ``src/h3lib``)
   into a cache directory with pip (``pip download --no-deps --no-binary h3``; pip's own HTTP cache
   makes a repeat offline), and check its sha256.
2. Unpack the C sources, write ``h3api.h`` from ``h3api.h.in`` (what CMake's ``configure_file``
   does: fill in ``@H3_VERSION_*@``).
3. ``gcc -O3 -shared -fPIC`` the unmodified h3lib ``.c`` files and ``qyh3.c`` into a temporary
   file, then rename it over ``libqyh3.so`` (atomic, so a running process keeps its mapped copy).
   (``-flto``, ``-march=native`` and an inlined ``lround`` were tried: no measurable gain.)

Nothing happens when the library is already built with the same key (hash of ``qyh3.c``,
the sdist sha256 and the compiler flags); the key is compiled in and the loader
refuses a library whose key does not match, so a stale build is never used. Exit status 0 on
success, 1 on failure (the setup scripts then fall back to h3ronpy). No CMake needed; takes a few
seconds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from geo.domain._h3c import (
    CFLAGS,
    H3_VERSION,
    LDFLAGS,
    PATH,
    SDIST_SHA256,
    SOURCE,
    build_key,
    load,
)

SDIST = f"h3-{H3_VERSION}.tar.gz"
HERE = PATH.parent
LIBNAME = PATH.name


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qingyun-patrol" / "h3c"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_sdist(dest: Path) -> Path:
    """The pinned sdist in ``dest`` (downloaded with pip if missing), sha256 checked."""
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / SDIST
    if path.exists():
        if _sha256(path) == SDIST_SHA256:
            return path
        path.unlink()  # damaged: pip would keep a file already there
    # --no-binary h3 only (not :all:): pip prepares the sdist's metadata, and its build tools
    # (scikit-build-core, Cython) must come as wheels or that step compiles Cython for minutes.
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "-q",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-binary",
        "h3",
        f"h3=={H3_VERSION}",
        "-d",
        str(dest),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode:
        last = [ln for ln in res.stderr.splitlines() if ln.strip()][-1:] or ["?"]
        msg = f"pip download {SDIST} failed: {last[0]}"
        raise RuntimeError(msg)
    got = _sha256(path)
    if got != SDIST_SHA256:
        path.unlink()
        msg = f"{SDIST}: sha256 {got} != pinned {SDIST_SHA256}"
        raise RuntimeError(msg)
    return path


def _extract_h3lib(sdist: Path, work: Path) -> Path:
    """Unpack ``src/h3lib`` of the sdist into ``work``; return the h3lib source root."""
    prefix = f"h3-{H3_VERSION}/src/h3lib/"
    with tarfile.open(sdist) as tar:
        members = [
            m
            for m in tar.getmembers()
            if m.name.startswith(prefix) and m.isfile() and ".." not in m.name
        ]
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
            tar.extractall(work, members=members, filter="data")
        else:  # pragma: no cover - members were checked above
            tar.extractall(work, members=members)
    root = work / prefix / "src" / "h3lib"
    inc = root / "include"
    major, minor, patch = H3_VERSION.split(".")
    text = (inc / "h3api.h.in").read_text(encoding="utf-8")
    for k, v in (("MAJOR", major), ("MINOR", minor), ("PATCH", patch)):
        text = text.replace(f"@H3_VERSION_{k}@", v)
    if "@H3_" in text:
        msg = "h3api.h.in has placeholders other than @H3_VERSION_MAJOR/MINOR/PATCH@"
        raise RuntimeError(msg)
    (inc / "h3api.h").write_text(text, encoding="utf-8")
    return root


def _compile(root: Path, out: Path, key: str) -> None:
    """One gcc run: the h3lib sources and qyh3.c into one shared library."""
    cc = os.environ.get("CC", "gcc")
    srcs = [*sorted(str(p) for p in (root / "lib").glob("*.c")), str(SOURCE)]
    cmd = [
        cc,
        *CFLAGS,
        "-I",
        str(root / "include"),
        f'-DQYH3_KEY="{key}"',
        *srcs,
        *LDFLAGS,
        "-o",
        str(out),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode:
        msg = f"{cc} failed: {res.stderr.strip()[-500:]}"
        raise RuntimeError(msg)


def build(force: bool = False) -> Path:
    """Build the library if needed; return its path."""
    target = HERE / LIBNAME
    key = build_key()
    if not force and target.exists():
        if load(target) is not None:
            return target
    if shutil.which(os.environ.get("CC", "gcc")) is None:
        msg = "no C compiler (gcc) found"
        raise RuntimeError(msg)
    sdist = fetch_sdist(cache_dir())
    with tempfile.TemporaryDirectory(prefix="qyh3-") as tmp:
        work = Path(tmp)
        root = _extract_h3lib(sdist, work)
        so = work / LIBNAME
        _compile(root, so, key)
        tmp_target = HERE / f".{LIBNAME}.{os.getpid()}.tmp"
        shutil.copyfile(so, tmp_target)
        os.replace(tmp_target, target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    quiet = "--quiet" in args
    try:
        path = build(force="--force" in args)
    except Exception as e:  # any failure means "use the fallback"
        why = " ".join(str(e).split())  # one line
        print(
            f"geo.domain._h3c: H3 C library not built ({type(e).__name__}: {why}); "
            "H3 indexing falls back to h3ronpy",
            file=sys.stderr,
        )
        return 1
    if not quiet:
        print(f"geo.domain._h3c: built {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
