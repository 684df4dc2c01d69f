"""What an import says back: the file-level error, the summary and every rejected row.

Each rejected row comes with every problem it has, one entry per column: file, row, column, the
value as read and the reason (in the user's language: :func:`in_language`). Rows stored but
outside every area come in the same report, marked as such (code ``outside``), not as rejects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.escape import neutralise_formulas
from geo.i18n import STRINGS, t

__all__ = [
    "OUTSIDE",
    "REJECT_COLUMNS",
    "FileError",
    "ImportSummary",
    "StoreBusy",
    "in_language",
    "reject_frame",
    "rejects_csv",
    "why",
]


REJECT_COLUMNS = ["row", "column", "value", "reason", "code", "params"]

OUTSIDE = "outside"
"""The code of a report entry for a row stored but outside every area (not a reject)."""


class FileError(ValueError):
    """The file as a whole cannot be imported (unreadable, wrong kind, required columns missing).

    ``str(error)`` is the English message (the command line's); :meth:`text` gives it in the
    user's language where the raiser can say it in both.
    """

    def __init__(self, message: str, render: Callable[[str], str] | None = None) -> None:
        super().__init__(message)
        self._render = render

    def text(self, lang: str) -> str:
        """The message in ``lang`` (zh-CN or en).

        Parameters
        ----------
        lang
            The user's language.

        Returns
        -------
        str
            The message; the English one when the raiser gave no other.
        """
        return self._render(lang) if self._render is not None else str(self)


class StoreBusy(FileError):
    """The store is storing another import and this one could not wait for it.

    SQLite keeps one write lock, for 30 s of waiting at most; nothing of the file was stored.
    """


@dataclass
class ImportSummary:
    """What an import did. ``rejects`` lists every problem of every rejected row.

    ``rejected`` counts rows (a row with three problems is one row and three entries);
    ``outside`` counts the accepted rows stored flagged outside every stored area (pages and
    figures leave them out), ``outside_rows`` lists them (file, row, column, value, reason, code
    ``outside``, params).

    ``naive_times`` names the zone that times written without one were read in (the store's,
    ``Settings.tz``); ``date_order`` says, per column holding dates such as 07/08/2022, how they
    were read (a code of :data:`geo.ingest.values.DATE_ORDERS`, shown by ``data.date_order.*``);
    ``header_zones`` the time columns whose header names their zone, 定位时间(UTC), read in it
    (header -> "UTC", "UTC+08:00", shown by ``data.header_zone``);
    ``unmapped`` counts, per source category no mapping knows, the rows stored in the group
    ``other`` (:mod:`geo.domain.categories`; mapped on the Data page or ``python -m geo
    categories map``);
    ``stripped`` counts, per id column, the values stored without the spaces or tabs they had at
    their ends (shown by ``data.stripped``).

    ``profile`` names the mapping profile used (None without one; ``profile_auto`` when it was
    chosen because the file's headers match it); ``mapping_used`` is the mapping as applied:
    ``columns`` (file column -> field, given or matched), ``values`` (field -> file value ->
    field value) and ``defaults`` (field -> value) of :mod:`geo.ingest.mapping`.
    """

    kind: str
    file: str
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    import_id: int | None = None
    crs: str = "wgs84"
    mapping: dict[str, str] = field(default_factory=dict)
    naive_times: str = ""
    date_order: dict[str, str] = field(default_factory=dict)
    header_zones: dict[str, str] = field(default_factory=dict)
    stripped: dict[str, int] = field(default_factory=dict)
    rejects: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["file", *REJECT_COLUMNS])
    )
    outside: int = 0
    outside_rows: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["file", *REJECT_COLUMNS])
    )
    unmapped: dict[str, int] = field(default_factory=dict)
    profile: str | None = None
    profile_auto: bool = False
    mapping_used: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON summary line of the CLI."""
        return {
            "kind": self.kind,
            "file": self.file,
            "read": self.read,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "rejected": self.rejected,
            "outside": self.outside,
            "import_id": self.import_id,
            "crs": self.crs,
            "naive_times": self.naive_times,
            "date_order": dict(self.date_order),
            "header_zones": dict(self.header_zones),
            "stripped": dict(self.stripped),
            "unmapped": dict(self.unmapped),
            "profile": self.profile,
            "profile_auto": self.profile_auto,
            "mapping": dict(self.mapping_used),
        }


def why(code: str, **params: object) -> tuple[str, str, str]:
    """A rejection reason: (English text, code, JSON params).

    The app shows ``geo.i18n.t("reject." + code, lang, **params)`` in the user's language.
    """
    return _say(code, "en", params), code, json.dumps(params, ensure_ascii=False)


def _say(code: str, lang: str, params: dict[str, Any]) -> str:
    """A reason in ``lang``; a parameter ``geometry`` (a type's name) is named in ``lang`` too."""
    geometry = params.get("geometry")
    if geometry is not None and f"geom.{geometry}" in STRINGS:
        params = {**params, "geometry": t(f"geom.{geometry}", lang)}
    return t(f"reject.{code}", lang, **params)


def reject_frame(
    rows: pd.Series, column: str, values: pd.Series, reason: tuple[str, str, str]
) -> pd.DataFrame:
    """Rejected rows of one column, all for one reason, as a frame of :data:`REJECT_COLUMNS`.

    Parameters
    ----------
    rows
        The rows' numbers in the file.
    column
        The column (the file's header) the values come from.
    values
        The rejected values; the frame keeps the first 80 characters of their text.
    reason
        ``(English text, code, JSON params)``, as :func:`why` gives it.

    Returns
    -------
    pandas.DataFrame
        One row per rejected row: row, column, value, reason, code, params.
    """
    text, code, params = reason
    return pd.DataFrame(
        {
            "row": rows.to_numpy(),
            "column": column,
            "value": values.astype("string").str.slice(0, 80).to_numpy(),
            "reason": text,
            "code": code,
            "params": params,
        }
    )


def in_language(entries: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Report entries with their reason in ``lang`` (made from code and params).

    Parameters
    ----------
    entries
        Rejects or outside rows (columns :data:`REJECT_COLUMNS`, and ``file``).
    lang
        ``zh-CN`` or ``en``.

    Returns
    -------
    pandas.DataFrame
        A copy whose ``reason`` is in ``lang``; each distinct reason is translated once.
    """
    if entries.empty:
        return entries.copy()
    pairs = entries[["code", "params"]].drop_duplicates()
    pairs["reason"] = [
        _say(c, lang, json.loads(p)) for c, p in zip(pairs["code"], pairs["params"], strict=True)
    ]
    out = entries.drop(columns="reason").merge(pairs, on=["code", "params"], how="left")
    return out[list(entries.columns)]


def rejects_csv(rejects: pd.DataFrame) -> str:
    """The rejected rows as CSV text (file, row, column, value, reason), formula-safe."""
    cols = ["file", "row", "column", "value", "reason"]
    return neutralise_formulas(rejects[cols]).to_csv(index=False)
