"""ctypes loader of ``libqyh3.so``: the official H3 C library plus a vectorised indexing loop.

The library is built by ``python -m geo.domain._h3c.build`` (the setup scripts run it); it is not in
git. :data:`LIB` is the loaded library, or ``None`` when it is missing, fails to load or was built
from another version of ``qyh3.c`` (``geo.domain.hexes`` then falls back to h3ronpy). ctypes
releases the GIL during the call, so threads index slices of one array on all cores (see
``geo.domain.hexes``).
"""

from __future__ import annotations

import ctypes
import hashlib
from pathlib import Path

import numpy as np

__all__ = ["LIB", "PATH", "build_key", "latlng_to_cells_into", "load"]

PATH = Path(__file__).resolve().parent / "libqyh3.so"
SOURCE = PATH.parent / "qyh3.c"
H3_VERSION = "4.5.0"  # the H3 C library that h3-py 4.5.0 vendors (requirements pin h3==4.5.0)
SDIST_SHA256 = "a1e279a1674fc799445c710e35bc4b1b388a406c881d8b5e59a9b8bebeb5bb43"
# No -ffast-math and no FMA contraction: the cells must equal h3-py's bit for bit.
CFLAGS = [
    "-O3",
    "-fPIC",
    "-std=gnu99",
    "-ffp-contract=off",
    "-fvisibility=hidden",
    "-DH3_HAVE_VLA",
    "-DH3_HAVE_ALLOCA",
    "-DNDEBUG",
    "-w",
]
LDFLAGS = ["-shared", "-lm"]


def build_key() -> str:
    """Hash of ``qyh3.c``, the sdist pin and the flags; compiled into the library."""
    h = hashlib.sha256()
    h.update(SOURCE.read_bytes())
    h.update(SDIST_SHA256.encode())
    h.update(" ".join(CFLAGS + LDFLAGS).encode())
    return h.hexdigest()[:16]


def load(path: Path = PATH) -> ctypes.CDLL | None:
    """The library at ``path`` if it loads and its build key matches the current sources."""
    if not path.exists():
        return None
    try:
        lib = ctypes.CDLL(str(path))
        lib.qyh3_key.restype = ctypes.c_char_p
        lib.qyh3_key.argtypes = []
        if lib.qyh3_key().decode() != build_key():
            return None  # stale build: qyh3.c, the sdist pin or the flags changed since
        f = lib.qyh3_latlng_to_cells
        f.restype = None
        f.argtypes = [
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.c_int64,
            ctypes.c_int,
            ctypes.c_void_p,
        ]
    except (OSError, AttributeError, UnicodeDecodeError):
        return None
    return lib


LIB = load()


def latlng_to_cells_into(
    lat: np.ndarray,
    lng: np.ndarray,
    res: int,
    out: np.ndarray,
    start: int = 0,
    stop: int | None = None,
) -> None:
    """Index ``lat[start:stop], lng[start:stop]`` (C-contiguous float64, degrees) into ``out``.

    ``out`` is a C-contiguous uint64 array of the same length; NaN/inf points give 0. Releases the
    GIL. The caller checks shapes, dtypes and ``res``; this only does pointer arithmetic.
    """
    if LIB is None:
        msg = "libqyh3.so is not built (python -m geo.domain._h3c.build)"
        raise RuntimeError(msg)
    stop = lat.shape[0] if stop is None else stop
    n = stop - start
    if n <= 0:
        return
    off = 8 * start
    LIB.qyh3_latlng_to_cells(
        lat.ctypes.data + off, lng.ctypes.data + off, n, res, out.ctypes.data + off
    )
