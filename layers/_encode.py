"""Compact, safe encodings for data embedded in map scripts.

Strings that reach HTML are escaped here once (:func:`text`); JSON embedded in a ``<script>`` has
``<``, ``>`` and the JS line separators escaped (:func:`script_json`), so no value can close the
script or open markup.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from geo.domain import coords

__all__ = ["base36", "colour", "fmt", "fmt_column", "script_json", "shift", "text"]

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9., %]+\))$")


def text(value: object) -> str:
    """``value`` as a string safe inside HTML (element content or a quoted attribute)."""
    return html.escape("" if value is None else str(value), quote=True)


def colour(value: str) -> str:
    """A CSS colour, checked (hex, a name or rgb()/rgba()); raises ValueError otherwise."""
    if not isinstance(value, str) or not _COLOUR.match(value.strip()):
        msg = f"not a CSS colour: {value!r}"
        raise ValueError(msg)
    return value.strip()


def script_json(obj: Any) -> str:
    """Compact JSON that is safe to place inside an HTML ``<script>`` element."""
    out = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        out.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def base36(values: Iterable[int]) -> str:
    """Non-negative integers in base 36 joined by commas."""
    out = []
    for v in values:
        v = int(v)
        if v < 0:
            msg = "base36 takes non-negative integers"
            raise ValueError(msg)
        if v < 36:
            out.append(_DIGITS[v])
            continue
        digits = []
        while v:
            v, r = divmod(v, 36)
            digits.append(_DIGITS[r])
        out.append("".join(reversed(digits)))
    return ",".join(out)


def fmt(value: object, *, digits: int = 2) -> str:
    """A value as short escaped display text: integers plain, floats to ``digits`` decimals
    (more below 1 to keep two significant digits, e.g. 0.0042 incidents a week; trailing zeros
    dropped), times as ``YYYY-MM-DD HH:MM``, missing as ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "✓" if value else "✗"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            return ""
        if f == int(f) and abs(f) < 1e15:
            return str(int(f))
        if abs(f) < 1:
            digits = max(digits, min(8, 1 - math.floor(math.log10(abs(f)))))
        return f"{f:.{digits}f}".rstrip("0").rstrip(".")
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return text(value)


def fmt_column(values: Sequence[object] | pd.Series) -> dict[str, Any] | list[str]:
    """Formatted display strings of one column: a plain list, or ``{u: uniques, x: base-36
    indices, n: count}`` when few distinct values repeat (smaller to send)."""
    series = pd.Series(values)
    strings = [fmt(v) for v in series.tolist()]
    if len(strings) < 16:
        return strings
    uniques, idx = np.unique(np.asarray(strings, dtype=object), return_inverse=True)
    if len(uniques) * 2 > len(strings):
        return strings
    return {"u": [str(u) for u in uniques], "x": base36(idx.tolist()), "n": len(strings)}


def shift(lat: ArrayLike, lng: ArrayLike, shift_gcj02: bool) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 ``lat, lng`` moved to GCJ-02 when ``shift_gcj02`` (for Amap tiles)."""
    lat = np.asarray(lat, dtype=float)
    lng = np.asarray(lng, dtype=float)
    if not shift_gcj02:
        return lat, lng
    glng, glat = coords.wgs84_to_gcj02(lng, lat)
    return np.asarray(glat, dtype=float), np.asarray(glng, dtype=float)


def rounded(values: np.ndarray, decimals: int = 6) -> list[float | None]:
    """Floats rounded for sending (6 decimals is about 0.1 m); NaN becomes None."""
    arr = np.round(np.asarray(values, dtype=float), decimals)
    return [None if not math.isfinite(v) else float(v) for v in arr.tolist()]


def legend_html(
    title: str, rows: Sequence[tuple[str, str]], *, kind: str = "sw", note: str | None = None
) -> str:
    """Legend markup: an escaped title and one row per (colour, label); ``kind`` is the swatch
    ("sw" square, "dot" circle, "line")."""
    parts = [f'<div class="qy-title">{text(title)}</div>'] if title else []
    for col, label in rows:
        parts.append(
            f'<div class="qy-row"><span class="qy-{kind}" style="'
            f'{"border-color" if kind == "line" else "background"}:{colour(col)}">'
            f"</span>{text(label)}</div>"
        )
    if note:
        parts.append(f'<div class="qy-note">{text(note)}</div>')
    return "".join(parts)
