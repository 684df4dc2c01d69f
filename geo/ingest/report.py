"""What an import says back: the file-level error, the summary and every rejected row.

Each rejected row comes with its reason (file, row, column, value, reason in the user's
language).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.escape import neutralise_formulas
from geo.i18n import t

__all__ = [
    "REJECT_COLUMNS",
    "FileError",
    "ImportSummary",
    "StoreBusy",
    "reject_frame",
    "rejects_csv",
    "why",
]


REJECT_COLUMNS = ["row", "column", "value", "reason", "code", "params"]


class FileError(ValueError):
    """The file as a whole cannot be imported (unreadable, wrong kind, required columns missing)."""


class StoreBusy(FileError):
    """The store is storing another import and this one could not wait for it.

    SQLite keeps one write lock, for 30 s of waiting at most; nothing of the file was stored.
    """


@dataclass
class ImportSummary:
    """What an import did. ``rejects`` lists every rejected row with its reason."""

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
    rejects: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["file", *REJECT_COLUMNS])
    )

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
            "import_id": self.import_id,
            "crs": self.crs,
        }


def why(code: str, **params: object) -> tuple[str, str, str]:
    """A rejection reason: (English text, code, JSON params).

    The app shows ``geo.i18n.t("reject." + code, lang, **params)`` in the user's language.
    """
    return t(f"reject.{code}", "en", **params), code, json.dumps(params, ensure_ascii=False)


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


def rejects_csv(rejects: pd.DataFrame) -> str:
    """The rejected rows as CSV text (file, row, column, value, reason), formula-safe."""
    cols = ["file", "row", "column", "value", "reason"]
    return neutralise_formulas(rejects[cols]).to_csv(index=False)
