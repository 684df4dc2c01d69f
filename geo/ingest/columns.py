"""Mapping a file's headers onto a record kind's canonical columns.

Headers are matched by the English and Chinese aliases of :mod:`geo.domain.schema` and by the
user's own choices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from geo.domain import schema
from geo.ingest.report import FileError

__all__ = ["map_headers", "norm_header", "suggest_mapping"]


def norm_header(text: object) -> str:
    """A header in the form headers and aliases are compared in.

    Lower case, full-width parentheses made ASCII, and spaces, underscores, hyphens, colons
    (also full-width), slashes, backslashes, dots and middle dots dropped.

    >>> norm_header(" Shift_ID ")
    'shiftid'
    >>> norm_header("开始时间（北京）")
    '开始时间(北京)'
    """
    s = str(text).strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_\-:：/\\.·]+", "", s)


def suggest_mapping(
    kind: schema.Kind, headers: list[str], *, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Canonical column -> file header, from ``overrides`` and the alias table; never raises.

    Columns that cannot be matched are absent; :func:`map_headers` checks the result.
    """
    norm = {h: norm_header(h) for h in headers}
    used: set[str] = set()
    mapping: dict[str, str] = {}
    for canon, header in (overrides or {}).items():
        if header in norm and header not in used:
            mapping[canon] = header
            used.add(header)
    for col in kind.columns:
        if col.name in mapping:
            continue
        wanted = [norm_header(a) for a in (col.name, *col.aliases)]
        for w in wanted:
            hit = next((h for h in headers if h not in used and norm[h] == w), None)
            if hit is not None:
                mapping[col.name] = hit
                used.add(hit)
                break
    return mapping


def map_headers(
    kind: schema.Kind,
    headers: list[str],
    *,
    file_name: str = "",
    overrides: Mapping[str, str] | None = None,
    has_geometry: bool = False,
) -> dict[str, str]:
    """Map canonical column -> file header. Raises FileError naming missing and found columns.

    ``overrides`` maps canonical column -> header and wins over the alias table (the app's manual
    column mapping uses it).
    """
    mapping = suggest_mapping(kind, headers, overrides=overrides)
    missing = [c.name for c in kind.columns if c.required and c.name not in mapping]
    if has_geometry:
        missing = [m for m in missing if m not in ("lat", "lng", "geometry")]
    for group in kind.one_of:
        if not any(g in mapping for g in group):
            missing.append(" or ".join(group))
    if missing:
        labels = []
        for m in missing:
            try:
                c = kind.column(m)
                zh = next((a for a in c.aliases if re.search(r"[\u4e00-\u9fff]", a)), "")
                labels.append(f"{m} ({zh})" if zh else m)
            except KeyError:
                labels.append(m)
        found = [h if len(h) <= 30 else h[:30] + "…" for h in map(str, headers[:12])]
        found += [f"… ({len(headers) - 12} more)"] if len(headers) > 12 else []
        msg = (
            f"{file_name}: cannot import as {kind.name}: missing required column(s) "
            f"{', '.join(labels)}; found: {', '.join(found) or 'no columns'}"
        )
        raise FileError(msg)
    return mapping
